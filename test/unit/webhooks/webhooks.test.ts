/**
 * Webhooks: the outbox keeps each call's events in order, one in flight per
 * call, retried with back-off until given up, through 100,000 random events;
 * the shell posts signed JSON to a real HTTP server standing in for a CRM,
 * retries a failing one without holding up other calls, and counts it all in
 * the metrics.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import t from 'tap';
import { Outbox, type Delivery } from '../../../src/core/webhooks/outbox.js';
import { sign, Webhooks } from '../../../src/app/webhooks.js';
import { Metrics } from '../../../src/api/metrics.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import { CallStore } from '../../../src/store/calls.js';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { pick, rng } from '../../support/random.js';

t.test('outbox: 100,000 random events keep order per call, one in flight per call, back-off and the attempt limit', async (t) => {
  const policy = { maxAttempts: 4, baseMs: 100, maxBackoffMs: 1_000, maxInFlight: 5, maxQueued: 300 };
  const box = new Outbox(policy);
  const r = rng(99);
  let now = 0;
  const lines = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
  const flying = new Map<number, Delivery>();
  const lastSent = new Map<string, number>();
  /** The last delivered id per line: nothing older may go after it. */
  const finished = new Map<string, number>();
  const failures: string[] = [];
  const counts = { sent: 0, delivered: 0, dropped: 0, overflow: 0, retried: 0 };
  const lastFail = new Map<number, number>();
  const handle = (cmds: ReturnType<Outbox['tick']>, i: number) => {
    for (const c of cmds) {
      if (c.type === 'dropped') {
        counts[c.reason === 'overflow' ? 'overflow' : 'dropped']++;
        if (c.reason === 'attempts' && c.delivery.attempts !== policy.maxAttempts) failures.push(`${i}: dropped after ${c.delivery.attempts} attempts`);
        continue;
      }
      const d = c.delivery;
      counts.sent++;
      if ([...flying.values()].some((x) => x.line === d.line)) failures.push(`${i}: two of ${d.line} in flight`);
      if (flying.size >= policy.maxInFlight) failures.push(`${i}: more than ${policy.maxInFlight} in flight`);
      if ((lastSent.get(d.line) ?? 0) > d.id) failures.push(`${i}: ${d.line} sent ${d.id} after ${lastSent.get(d.line)}`);
      if ((finished.get(d.line) ?? 0) > d.id) failures.push(`${i}: ${d.line} sent ${d.id} after a later one was delivered`);
      if (d.dueAt > now) failures.push(`${i}: sent before it was due`);
      const failedAt = lastFail.get(d.id);
      if (failedAt !== undefined) {
        counts.retried++;
        const wait = Math.min(policy.maxBackoffMs, policy.baseMs * 2 ** (d.attempts - 2));
        if (now - failedAt < wait) failures.push(`${i}: retried after ${now - failedAt} ms, back-off ${wait}`);
      }
      lastSent.set(d.line, d.id);
      flying.set(d.id, d);
    }
  };
  for (let i = 0; i < 100_000 && failures.length < 5; i++) {
    const x = r();
    if (x < 0.35) handle(box.enqueue(pick(r, lines), `{"n":${i}}`, now), i);
    else if (x < 0.75 && flying.size) {
      const d = pick(r, [...flying.values()]);
      flying.delete(d.id);
      const ok = r() < 0.6;
      if (ok) {
        counts.delivered++;
        finished.set(d.line, Math.max(finished.get(d.line) ?? 0, d.id));
      } else lastFail.set(d.id, now);
      handle(box.done(d.id, ok, now), i);
    } else {
      now += pick(r, [1, 10, 50, 200, 1000]);
      handle(box.tick(now), i);
    }
    if (box.sending !== flying.size) failures.push(`${i}: outbox counts ${box.sending} in flight, really ${flying.size}`);
  }
  t.same(failures, [], 'no invariant broken');
  t.ok(counts.delivered > 10_000 && counts.retried > 5_000 && counts.dropped > 100, JSON.stringify(counts));
});

const configWith = (url: string, extra = '') => {
  const r = parseConfigTexts([{ file: 'w.yaml', text: `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }\nwebhooks:\n  crm: { url: "${url}", secret: a-shared-secret-of-the-crm${extra} }\n` }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
};

t.test('deliveries to a stand-in CRM: signed, in order per call, retried, a failing call not holding up another', async (t) => {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  let failFor = new Set<string>(['c-bad']);
  let failures = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const callId = (JSON.parse(body) as { callId: string }).callId;
      if (failFor.has(callId)) {
        failures++;
        res.writeHead(503).end();
        return;
      }
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const calls = new CallStore(db, pino({ level: 'silent' }));
  calls.create({ id: 'c1', node_id: 'n', direction: 'inbound', arrived_at: 1, caller_number: '+15551234', queue_id: 'support' });
  calls.update('c1', { ended_at: 9, disposition: 'answered' });
  const metrics = new Metrics();
  const config = configWith(url);
  const hooks = new Webhooks({ config: () => config, calls, metrics, log: pino({ level: 'silent' }), baseMs: 20 });
  t.teardown(() => hooks.stop());
  const ev = (callId: string, type: string, data?: Record<string, unknown>) => hooks.onEvent({ kind: 'call', callId, type, at: 0, ...(data ? { data } : {}) });
  ev('c-bad', 'offered', { agentId: 'a2' });
  ev('c1', 'offered', { agentId: 'a1' });
  ev('c1', 'agent-answered', { agentId: 'a1' });
  ev('c1', 'held'); // not a webhook event
  ev('c1', 'ended', { side: 'caller' });
  ev('c1', 'disposition', { agentId: 'a1', code: 'resolved' });
  await hooks.settled();
  const deadline = Date.now() + 5_000;
  while (got.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const bodies = got.map((g) => JSON.parse(g.body) as { type: string; callId: string; data: Record<string, unknown> });
  t.same(bodies.map((b) => `${b.callId} ${b.type}`), ['c1 call.offered', 'c1 call.answered', 'c1 call.ended', 'c1 call.disposition'], "c1's events in order, while c-bad's keeps failing");
  t.match(bodies[2]!.data, { side: 'caller', record: { id: 'c1', caller_number: '+15551234', disposition: 'answered' } }, 'ended carries the call record');
  const h = got[0]!.headers;
  t.equal(h['x-cc-event'], 'call.offered');
  t.equal(h['x-cc-signature'], sign('a-shared-secret-of-the-crm', String(h['x-cc-timestamp']), got[0]!.body), 'signed: HMAC-SHA256 of timestamp.body');
  t.ok(failures >= 2, `the failing call was retried (${failures} tries so far)`);
  // The CRM comes back: the held-back event goes through, with the same delivery id.
  failFor = new Set();
  while (got.length < 5 && Date.now() < deadline + 5_000) await new Promise((r) => setTimeout(r, 20));
  t.match(JSON.parse(got[4]!.body), { callId: 'c-bad', type: 'call.offered' }, 'delivered once the CRM answers again');
  // The CRM has it; the daemon counts it once the answer is back.
  while (!/result="ok"\} 5/.test(await metrics.registry.metrics()) && Date.now() < deadline + 8_000) await new Promise((r) => setTimeout(r, 20));
  const text = await metrics.registry.metrics();
  t.match(text, /cc_webhook_deliveries_total\{hook="crm",result="ok"\} 5/);
  t.match(text, /cc_webhook_deliveries_total\{hook="crm",result="failed"\} [1-9]/);
  t.match(text, /cc_webhook_pending\{hook="crm"\} 0/);
});

t.test('a CRM that never answers: given up after maxAttempts, counted as dropped', async (t) => {
  const server = createServer((_req, res) => res.writeHead(500).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const metrics = new Metrics();
  const config = configWith(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, ', maxAttempts: 3');
  const hooks = new Webhooks({ config: () => config, calls: new CallStore(db, pino({ level: 'silent' })), metrics, log: pino({ level: 'silent' }), baseMs: 10 });
  t.teardown(() => hooks.stop());
  hooks.onEvent({ kind: 'call', callId: 'c9', type: 'offered', at: 0 });
  await hooks.settled();
  const deadline = Date.now() + 5_000;
  while (!/result="dropped"\} 1/.test(await metrics.registry.metrics()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const text = await metrics.registry.metrics();
  t.match(text, /cc_webhook_deliveries_total\{hook="crm",result="failed"\} 3/, 'three tries');
  t.match(text, /cc_webhook_deliveries_total\{hook="crm",result="dropped"\} 1/, 'then given up');
});
