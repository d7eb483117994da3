import t from 'tap';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { buildApi, type ApiDeps } from '../../../src/api/http.js';
import { selfSignedCert } from '../../support/tls.js';

const cert = selfSignedCert();

t.test('with a certificate the API and the desk are served over HTTPS with Strict-Transport-Security', { skip: cert ? false : 'openssl not found' }, async (t) => {
  if (!cert) return;
  const deps = {
    log: pino({ level: 'silent' }),
    health: () => [{ name: 'database', up: true }],
    metrics: { dependencyUp: { set: () => undefined } },
    sessions: { agentOf: async () => undefined },
    desk: () => ({ domain: 'pbx.test', websockets: [] }),
    tls: { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) },
  } as unknown as ApiDeps;
  const app = await buildApi(deps);
  t.teardown(() => app.close());
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  t.match(address, /^https:\/\//, 'listening on https');
  const get = (pathname: string) =>
    new Promise<{ status: number; hsts?: string; body: string }>((resolve, reject) => {
      https
        .get(`${address}${pathname}`, { rejectUnauthorized: false }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, hsts: res.headers['strict-transport-security'] as string | undefined, body }));
        })
        .on('error', reject);
    });
  const page = await get('/desk/');
  t.equal(page.status, 200, 'the desk page');
  t.equal(page.hsts, 'max-age=31536000', 'browsers are told to stay on https');
  const api = await get('/api/queues');
  t.equal(api.hsts, 'max-age=31536000', 'on API answers too');
});
