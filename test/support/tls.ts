/** A throwaway self-signed certificate for 127.0.0.1 (openssl), or undefined when openssl is missing. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function selfSignedCert(): { certFile: string; keyFile: string } | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', keyFile, '-out', certFile], { encoding: 'utf8' });
  return r.status === 0 ? { certFile, keyFile } : undefined;
}
