/**
 * Agents' work on their calls: the rules (src/core/work), the service on a
 * real SQLite database and a real router (a required disposition holds the
 * wrap-up until given), and the HTTP routes with their refusals.
 */
import Fastify from 'fastify';
import pino from 'pino';
import t from 'tap';
import { applyWork, holdsWrapUp, type DispositionList } from '../../../src/core/work/work.js';
import { Router } from '../../../src/core/acd/router.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import { routerPolicy } from '../../../src/app/policy.js';
import { WorkService } from '../../../src/app/work.js';
import { registerWork } from '../../../src/api/work.js';
import { CallStore } from '../../../src/store/calls.js';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { WorkStore, toWork } from '../../../src/store/work.js';

const LIST: DispositionList = {
  required: true,
  codes: [
    { code: 'resolved', label: 'Resolved', outcome: 'done' },
    { code: 'callback', label: 'Call back', outcome: 'retry' },
  ],
};

t.test('rules: codes from the list only, required cannot be cleared, tags trimmed and deduplicated, limits named', async (t) => {
  const empty = { notes: '', tags: [] };
  t.same(applyWork(empty, { disposition: 'refund' }, LIST), { ok: false, field: 'disposition', message: '"refund" is not in the list (resolved, callback)' });
  t.same(applyWork(empty, { disposition: 'resolved' }, undefined), { ok: false, field: 'disposition', message: 'this call has no dispositions (its queue lists none)' });
  t.match(applyWork({ ...empty, disposition: 'resolved' }, { disposition: null }, LIST), { ok: false, field: 'disposition' });
  t.same(applyWork({ ...empty, disposition: 'resolved' }, { disposition: null }, { ...LIST, required: false }), { ok: true, work: empty });
  t.same(applyWork(empty, { tags: [' VIP ', 'vip', 'needs  follow-up'] }, LIST), { ok: true, work: { notes: '', tags: ['VIP', 'needs follow-up'] } });
  t.match(applyWork(empty, { tags: ['ok', '  '] }, LIST), { ok: false, field: 'tags/1' });
  t.match(applyWork(empty, { notes: 'x'.repeat(20_001) }, LIST), { ok: false, field: 'notes' });
  const kept = applyWork({ disposition: 'callback', notes: 'first', tags: ['a'] }, { notes: 'second' }, LIST);
  t.same(kept, { ok: true, work: { disposition: 'callback', notes: 'second', tags: ['a'] } }, 'only the fields given change');
  t.equal(holdsWrapUp(LIST, {}), true);
  t.equal(holdsWrapUp(LIST, { disposition: 'resolved' }), false);
  t.equal(holdsWrapUp({ ...LIST, required: false }, {}), false);
  t.equal(holdsWrapUp(undefined, {}), false);
});

const parsed = parseConfigTexts([
  {
    file: 'c.yaml',
    text: `sip:
  domain: x
  transports: [{ protocol: udp, port: 5060 }]
agents:
  a1: { name: A, extension: "1001", sip: { username: "1001", password: "pw-1001" } }
  a2: { name: B, extension: "1002", sip: { username: "1002", password: "pw-1002" } }
queues:
  support:
    members: [a1, a2]
    wrapUpSec: 0
    dispositions:
      required: true
      codes:
        - { code: resolved, label: Resolved }
        - { code: callback, label: Call back, outcome: retry }
  sales: { members: [a1, a2] }
`,
  },
]);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const config = parsed.config;

async function setUp() {
  const db = openSqlite(':memory:');
  await migrate(db);
  const log = pino({ level: 'silent' });
  const calls = new CallStore(db, log);
  let now = 1_000_000;
  const router = new Router(routerPolicy(config), now);
  const feed = (e: Parameters<Router['handle']>[0]) => void router.handle(e, now);
  const live = new Map<string, { agentId?: string; queueId?: string }>();
  const store = new WorkStore(db);
  const work = new WorkService({ store, calls, config: () => config, feed, agentView: (id) => router.agentView(id, now), liveCall: (id) => live.get(id), now: () => now, log });
  for (const agentId of ['a1', 'a2']) feed({ type: 'agent-reachable', agentId, reachable: true });
  /** A call of the queue answered by a1, as the centre does it. */
  const answered = (callId: string, queueId: string) => {
    feed({ type: 'call-queued', callId, queueId });
    const offered = router.calls.get(callId)!.offers;
    const agentId = [...offered][0]!;
    feed({ type: 'offer-answered', callId, agentId });
    live.set(callId, { agentId, queueId });
    calls.create({ id: callId, node_id: 'n', direction: 'inbound', arrived_at: now, queue_id: queueId, agent_id: agentId });
    return agentId;
  };
  const ended = async (callId: string, agentId: string, queueId: string) => {
    work.onRelease(callId, agentId, queueId);
    feed({ type: 'call-ended', callId });
    live.delete(callId);
    await calls.flush();
    await new Promise((r) => setTimeout(r, 20));
  };
  return { db, calls, router, work, store, answered, ended, tick: (ms: number) => (now += ms), status: (id: string) => router.agentView(id, now)! };
}

t.test('service: a required disposition holds the wrap-up until given; the wrong code, or another agent, is refused', async (t) => {
  const s = await setUp();
  const agent = s.answered('c1', 'support');
  const other = agent === 'a1' ? 'a2' : 'a1';
  t.match(await s.work.update('c1', agent, { notes: 'customer asks for a refund' }), { ok: true, view: { work: { notes: 'customer asks for a refund' }, dispositions: { required: true } } }, 'notes during the call');
  await s.ended('c1', agent, 'support');
  t.equal(s.status(agent).status, 'wrap-up', 'wrap-up although the queue has none: the disposition is missing');
  t.equal(s.status(agent).wrapHeld, true);
  t.same(await s.work.pending(agent), ['c1']);
  s.tick(600_000);
  s.router.handle({ type: 'wrap-up-end', agentId: agent }, 1_600_000);
  t.equal(s.status(agent).status, 'wrap-up', 'ten minutes later, and wrap-up-end: still held');
  t.same(await s.work.update('c1', agent, { disposition: 'refund' }), { ok: false, status: 400, error: 'disposition: "refund" is not in the list (resolved, callback)' });
  t.same(await s.work.update('c1', other, { disposition: 'resolved' }), { ok: false, status: 403, error: `call c1 was not handled by agent ${other}` });
  t.same(await s.work.update('nope', agent, { disposition: 'resolved' }), { ok: false, status: 404, error: 'no call nope' });
  t.equal(s.status(agent).status, 'wrap-up', 'refusals change nothing');
  const done = await s.work.update('c1', agent, { disposition: 'callback', tags: ['refund'] });
  t.match(done, { ok: true, view: { work: { disposition: 'callback', notes: 'customer asks for a refund', tags: ['refund'] } } }, 'notes kept across the change');
  t.equal(s.status(agent).status, 'ready', 'the disposition released the wrap-up');
  await s.calls.flush();
  const record = await s.calls.get('c1');
  t.match(record?.timeline.find((e) => e.type === 'disposition')?.data, { agentId: agent, code: 'callback', label: 'Call back', outcome: 'retry' }, 'the timeline says who chose what');
  t.same(toWork(await s.store.get('c1', agent)), { disposition: 'callback', notes: 'customer asks for a refund', tags: ['refund'] }, 'stored');
});

t.test('service: a disposition given during the call leaves the wrap-up as usual; a queue without a list holds nothing', async (t) => {
  const s = await setUp();
  const agent = s.answered('c2', 'support');
  t.match(await s.work.update('c2', agent, { disposition: 'resolved' }), { ok: true });
  await s.ended('c2', agent, 'support');
  t.equal(s.status(agent).status, 'ready', 'released as soon as the call ended (no wrap-up configured)');
  const agent3 = s.answered('c3', 'sales');
  t.same(await s.work.update('c3', agent3, { disposition: 'resolved' }), { ok: false, status: 400, error: 'disposition: this call has no dispositions (its queue lists none)' });
  t.match(await s.work.update('c3', agent3, { notes: 'n', tags: ['x'] }), { ok: true });
  await s.ended('c3', agent3, 'sales');
  t.equal(s.status(agent3).wrapHeld, undefined, 'sales requires nothing: its usual wrap-up, not held');
});

t.test("service: a campaign call's own list wins over its queue's, holds the wrap-up when required, and a failing lookup falls back", async (t) => {
  const s = await setUp();
  const CAMPAIGN: DispositionList = { required: true, codes: [{ code: 'sale', label: 'Sale', outcome: 'done' }, { code: 'dnc', label: 'Do not call', outcome: 'do-not-call' }] };
  s.work.callLists = async (callId) => {
    if (callId === 'broken') throw new Error('database locked');
    return callId.startsWith('camp-') ? CAMPAIGN : undefined;
  };
  const agent = s.answered('camp-1', 'sales');
  t.match(await s.work.read('camp-1', agent), { ok: true, view: { dispositions: { codes: [{ code: 'sale' }, { code: 'dnc' }] } } }, "the campaign's list, although sales lists none");
  t.same(await s.work.update('camp-1', agent, { disposition: 'resolved' }), { ok: false, status: 400, error: 'disposition: "resolved" is not in the list (sale, dnc)' }, "the queue's codes are not the campaign's");
  await s.ended('camp-1', agent, 'sales');
  t.equal(s.status(agent).wrapHeld, true, 'required by the campaign: the wrap-up is held');
  await s.work.update('camp-1', agent, { disposition: 'dnc' });
  t.not(s.status(agent).wrapHeld, true, "released by the disposition (to sales's usual wrap-up)");
  await s.calls.flush();
  t.match((await s.calls.get('camp-1'))?.timeline.find((e) => e.type === 'disposition')?.data, { code: 'dnc', outcome: 'do-not-call' }, "the campaign's outcome on the timeline (the dialer puts the number on its list)");
  const inbound = s.answered('c9', 'support');
  t.match(await s.work.read('c9', inbound), { ok: true, view: { dispositions: { codes: [{ code: 'resolved' }, { code: 'callback' }] } } }, "other calls keep their queue's list");
  const broken = s.answered('broken', 'support');
  t.match(await s.work.read('broken', broken), { ok: true, view: { dispositions: { codes: [{ code: 'resolved' }, { code: 'callback' }] } } }, "a lookup that fails: the queue's list");
});

t.test('routes: the agent\'s own work; an administrator names the agent; refusals name the field', async (t) => {
  const s = await setUp();
  const agent = s.answered('c4', 'support');
  const app = Fastify();
  let caller: { kind: 'admin' } | { kind: 'agent'; agentId: string } = { kind: 'agent', agentId: agent };
  app.addHook('onRequest', async (req) => void ((req as unknown as { caller: typeof caller }).caller = caller));
  registerWork(app, {
    read: (c, a) => s.work.read(c, a),
    update: (c, a, p) => s.work.update(c, a, p),
    forCall: async (c) => (await s.store.forCall(c)).map((r) => ({ agentId: r.agent_id, ...toWork(r), updatedAt: r.updated_at })),
    pending: (a) => s.work.pending(a),
    handled: (c, a) => s.work.handled(c, a),
    // Scripts have their own test (test/unit/script).
    script: { view: async () => ({ ok: false, status: 404, error: 'no script' }), act: async () => ({ ok: false, status: 404, error: 'no script' }) },
  });
  const put = (url: string, payload: object) => app.inject({ method: 'PUT', url, payload });
  t.equal((await put('/api/calls/c4/work', { notes: 'hello' })).statusCode, 200);
  const bad = await put('/api/calls/c4/work', { disposition: 'nope' });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().field, 'disposition');
  const long = await put('/api/calls/c4/work', { notes: 'x'.repeat(20_001) });
  t.equal(long.statusCode, 400, 'notes too long');
  t.match(long.body, /notes/, 'the message names the field');
  t.equal((await app.inject({ method: 'GET', url: '/api/calls/c4/work?agent=someone-else' })).statusCode, 403);
  caller = { kind: 'agent', agentId: agent === 'a1' ? 'a2' : 'a1' };
  const theirs = await app.inject({ method: 'GET', url: '/api/calls/c4/work' });
  t.equal(theirs.statusCode, 403, "another agent's call");
  t.match(theirs.json().error, /was not handled by agent/);
  t.equal((await app.inject({ method: 'GET', url: '/api/calls/c4/work/all' })).statusCode, 403, "nor the call's work of others");
  caller = { kind: 'admin' };
  t.equal((await app.inject({ method: 'GET', url: '/api/calls/c4/work' })).statusCode, 400, 'an administrator names the agent');
  t.match((await app.inject({ method: 'GET', url: `/api/calls/c4/work?agent=${agent}` })).json(), { work: { notes: 'hello' } });
  t.match((await app.inject({ method: 'GET', url: '/api/calls/c4/work/all' })).json(), { work: [{ agentId: agent, notes: 'hello' }] });
});
