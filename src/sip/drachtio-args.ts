/**
 * drachtio-server's command line from the configuration, so transports are
 * configured in one place (sip.yaml) for bare metal, docker-compose and tests.
 */
import type { Config } from '../config/schema.js';

export function drachtioArgs(config: Config): string[] {
  // --noconfig: the YAML configuration is the only source; drachtio's own XML file is not read.
  const args: string[] = ['--noconfig'];
  for (const t of config.sip.transports) {
    const scheme = t.protocol === 'tls' || t.protocol === 'wss' ? 'sips' : 'sip';
    const host = t.address.includes(':') ? `[${t.address}]` : t.address;
    args.push('--contact', `${scheme}:${host}:${t.port};transport=${t.protocol}`);
    if (t.external) args.push('--external-ip', t.external);
  }
  const tls = config.sip.transports.find((t) => t.certFile && t.keyFile);
  if (tls) args.push('--cert-file', tls.certFile!, '--key-file', tls.keyFile!);
  args.push('--address', config.drachtio.host, '--port', String(config.drachtio.port), '--secret', config.drachtio.secret);
  return args;
}
