/**
 * The CRM lookup against a stand-in CRM server: a quick answer names the
 * caller, a slow one never holds the offer past the timeout (and fills the
 * cache for the next call), unknown numbers are cached too, a failing CRM is
 * asked again, and the token in the headers is sent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import t from 'tap';
import { CrmLookup } from '../../../src/app/crm-lookup.js';
import { parseConfigTexts } from '../../../src/config/load.js';

t.test('lookups: in time, too slow, unknown, failing; cached', async (t) => {
  const asked: { number: string; auth?: string }[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    const number = new URL(req.url!, 'http://x').searchParams.get('number')!;
    asked.push({ number, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
    const reply = () => {
      if (status !== 200) return res.writeHead(status).end();
      if (number === '+15550404') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'Dana Scully', company: 'FBI', properties: { tier: 'gold', open_tickets: 2 } }));
    };
    if (number === '+15550999') setTimeout(reply, 400);
    else reply();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const r = parseConfigTexts([{ file: 'c.yaml', text: `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }\ncrm:\n  lookupUrl: "http://127.0.0.1:${port}/lookup?number={number}"\n  headers: { Authorization: "Bearer crm-token" }\n  timeoutMs: 150\n  cacheSec: 60\n` }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  let now = 1_000_000;
  const crm = new CrmLookup({ config: () => r.config, log: pino({ level: 'silent' }), now: () => now });

  t.equal(await crm.nameOf('+15551234'), 'Dana Scully (FBI)');
  t.same(await crm.find('+15551234'), { name: 'Dana Scully', company: 'FBI', properties: { tier: 'gold', open_tickets: '2' } });
  t.equal(asked.filter((a) => a.number === '+15551234').length, 1, 'the second lookup came from the cache');
  t.equal(asked[0]!.auth, 'Bearer crm-token', "the configured header (the CRM's token) is sent");

  const started = performance.now();
  t.equal(await crm.nameOf('+15550999'), undefined, 'a CRM slower than the timeout: no name');
  const waited = performance.now() - started;
  t.ok(waited < 300, `the offer waited ${waited.toFixed(0)} ms, not the CRM's 400`);
  await new Promise((res) => setTimeout(res, 400));
  t.equal(await crm.nameOf('+15550999'), 'Dana Scully (FBI)', 'its late answer filled the cache for the next call');

  t.equal(await crm.nameOf('+15550404'), undefined, 'unknown');
  await crm.nameOf('+15550404');
  t.equal(asked.filter((a) => a.number === '+15550404').length, 1, 'and unknown is cached too');

  status = 503;
  t.equal(await crm.nameOf('+15557777'), undefined, 'a failing CRM: no name');
  status = 200;
  t.equal(await crm.nameOf('+15557777'), 'Dana Scully (FBI)', 'and it is asked again next time');
  now += 61_000;
  await crm.nameOf('+15551234');
  t.equal(asked.filter((a) => a.number === '+15551234').length, 2, 'past cacheSec it is asked again');

  const none = parseConfigTexts([{ file: 'c.yaml', text: 'sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }\n' }]);
  if (!none.ok) throw new Error('config');
  t.equal(await new CrmLookup({ config: () => none.config, log: pino({ level: 'silent' }) }).find('+15551234'), undefined, 'no CRM configured: nothing asked');
});
