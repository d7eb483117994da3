/**
 * Reports against a small data set computed by hand: queue performance
 * (service level, waits, handle time), agent activity per day (time in each
 * state, split at midnight), the call log's filters and CSV, local days and
 * hours across summer time, and a supervisor kept to their queues.
 */
import Fastify from 'fastify';
import t from 'tap';
import pino from 'pino';
import { buckets, nearestRank, percentile, splitByDay } from '../../../src/core/reports/reports.js';
import { StatusLedger } from '../../../src/app/status-ledger.js';
import { CallStore } from '../../../src/store/calls.js';
import { parseRange, Reports } from '../../../src/app/reports.js';
import { registerReports } from '../../../src/api/reports.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import { migrate, openSqlite, type Db } from '../../../src/store/db.js';
import { ReportStore } from '../../../src/store/reports.js';

const H = 3_600_000;
const S = 1000;
const DAY0 = Date.UTC(2026, 10, 2); // 2026-11-02 00:00 UTC, a Monday

t.test('local days and hours: 23 and 25 hour days at the summer-time changes; ranges typed as dates', async (t) => {
  const spring = buckets(Date.UTC(2026, 2, 28, 23), Date.UTC(2026, 2, 29, 22), 'Europe/Berlin', 'hour');
  t.equal(spring.length, 23, 'Berlin, 29 March 2026: 23 hours');
  t.notOk(spring.some((b) => b.label.endsWith('T02')), 'no 02:00 that night');
  const autumn = buckets(Date.UTC(2026, 9, 24, 22), Date.UTC(2026, 9, 25, 23), 'Europe/Berlin', 'day');
  t.same(autumn.map((b) => [b.label, (b.end - b.start) / H]), [['2026-10-25', 25]], '25 October 2026: one day of 25 hours');
  const r = parseRange('2026-11-02', '2026-11-03', 'America/New_York', DAY0);
  t.same(r, { from: Date.UTC(2026, 10, 2, 5), to: Date.UTC(2026, 10, 4, 5), tz: 'America/New_York' }, 'local midnights; to includes its day');
  t.same(parseRange('2026-11-02T09:30', undefined, 'Europe/Berlin', DAY0 + 12 * H), { from: Date.UTC(2026, 10, 2, 8, 30), to: DAY0 + 12 * H, tz: 'Europe/Berlin' }, 'a local time, to now');
  t.match(parseRange('yesterday', undefined, 'UTC', DAY0), { field: 'from' });
  t.match(parseRange('2026-11-03', '2026-11-02T00:00Z', 'UTC', DAY0), { field: 'to', error: 'to: must be after from' });
  t.equal(percentile([5, 1, 4, 2, 3], 90), 5);
  t.equal(percentile([5, 1, 4, 2, 3], 50), 3);
  t.equal(percentile([], 90), undefined);
  t.same(splitByDay(DAY0 - 2 * H, DAY0 + 1 * H, 'UTC'), [
    { day: '2026-11-01', ms: 2 * H },
    { day: '2026-11-02', ms: 1 * H },
  ], 'a status across midnight is cut there');
  t.same(nearestRank([{ bucket: 3, n: 2 }, { bucket: 7, n: 2 }, { bucket: 9, n: 1 }], 90), { bucket: 9, rankInBucket: 1 });
  t.same(nearestRank([{ bucket: 3, n: 2 }, { bucket: 7, n: 2 }, { bucket: 9, n: 1 }], 50), { bucket: 7, rankInBucket: 1 });
});

async function dataSet(): Promise<{ db: Db; ledger: StatusLedger }> {
  const db = openSqlite(':memory:');
  await migrate(db);
  const q = DAY0 + 9 * H; // 09:00
  const call = (id: string, o: { queued: number; wait: number; answered?: boolean; talk?: number; hold?: number; agent?: string; outcome: string; queue?: string }) => ({
    id,
    node_id: 'n',
    direction: 'inbound' as const,
    caller_number: `+1555000${id.slice(1)}`,
    arrived_at: q + o.queued - 2 * S,
    queued_at: q + o.queued,
    queue_id: o.queue ?? 'support',
    agent_id: o.agent ?? null,
    agent_answered_at: o.answered ? q + o.queued + o.wait : null,
    wait_ms: o.wait,
    talk_ms: o.talk ?? null,
    hold_ms: o.hold ?? null,
    ended_at: q + o.queued + o.wait + (o.talk ?? 0),
    disposition: o.outcome,
  });
  await db
    .insertInto('calls')
    .values([
      call('c1', { queued: 0, wait: 10 * S, answered: true, talk: 60 * S, hold: 5 * S, agent: 'a1', outcome: 'answered' }),
      call('c2', { queued: 1000 * S, wait: 30 * S, answered: true, talk: 120 * S, agent: 'a2', outcome: 'answered' }),
      call('c3', { queued: 2000 * S, wait: 5 * S, outcome: 'abandoned' }),
      call('c4', { queued: 3000 * S, wait: 40 * S, outcome: 'abandoned' }),
      call('c5', { queued: 4000 * S, wait: 600 * S, outcome: 'overflow' }),
      call('c6', { queued: 2 * H, wait: 2 * S, answered: true, talk: 30 * S, agent: 'a3', outcome: 'answered', queue: 'sales' }),
    ])
    .execute();
  await db
    .insertInto('call_work')
    .values([
      { call_id: 'c1', agent_id: 'a1', queue_id: 'support', disposition: 'resolved', notes: 'refund, "asap"', tags: '["vip","refund"]', required: 1, updated_at: q },
      { call_id: 'c2', agent_id: 'a2', queue_id: 'support', disposition: 'callback', notes: null, tags: null, required: 1, updated_at: q },
    ])
    .execute();
  // Agents' statuses go through the ledger, as the centre feeds it.
  const calls = new CallStore(db, pino({ level: 'silent' }));
  const ledger = new StatusLedger(db, calls, () => 'UTC', pino({ level: 'silent' }));
  const st = (agent: string, at: number, status: string, afterCall?: string) => {
    if (afterCall) ledger.released(agent, afterCall);
    ledger.change(agent, status, status === 'offline' || status === 'break' ? status : 'ready', undefined, at);
  };
  const changes: [string, number, string, string?][] = [
    ['a1', DAY0 - 2 * H, 'ready'], // since 22:00 the day before
    ['a1', DAY0 + 1 * H, 'offline'], // 01:00: an hour of ready after midnight
    ['a1', q - 10 * S, 'ready'],
    ['a1', q + 10 * S, 'on-call'],
    ['a1', q + 70 * S, 'wrap-up', 'c1'],
    ['a1', q + 100 * S, 'ready'],
    ['a2', q + 1030 * S, 'on-call'],
    ['a2', q + 1150 * S, 'wrap-up', 'c2'],
    ['a2', q + 1160 * S, 'ready'],
    ['a1', DAY0 + 12 * H, 'break'],
    ['a1', DAY0 + 13 * H, 'ready'],
    ['a1', DAY0 + 17 * H, 'offline'],
  ];
  for (const [agent, at, status, after] of changes) st(agent, at, status, after);
  await calls.flush();
  await db
    .insertInto('call_events')
    .values([
      { call_id: 'c3', at: q + 2001 * S, type: 'offer-withdrawn', data: JSON.stringify({ agentId: 'a1', reason: 'timeout' }) },
      { call_id: 'c3', at: q + 2002 * S, type: 'offer-withdrawn', data: JSON.stringify({ agentId: 'a2', reason: 'abandoned' }) },
      { call_id: 'c4', at: q + 3001 * S, type: 'offer-failed', data: JSON.stringify({ agentId: 'a2', reason: 'declined' }) },
    ])
    .execute();
  return { db, ledger };
}

t.test('queue performance, by hand', async (t) => {
  const { db, ledger } = await dataSet();
  t.teardown(() => db.destroy());
  const reports = new Reports(new ReportStore(db), () => DAY0 + 20 * H, () => ledger.open());
  const r = await reports.queues({ from: DAY0, to: DAY0 + 24 * H, tz: 'UTC' }, 20);
  const support = r.queues.find((x) => x.queueId === 'support')!;
  // Answered: c1 (10 s), c2 (30 s). Abandoned: c3 (5 s, before the 20 s: neither good nor bad), c4 (40 s). c5 overflowed.
  t.same(support, {
    queueId: 'support',
    offered: 5,
    answered: 2,
    abandoned: 2,
    other: 1,
    answeredWithinThreshold: 1,
    serviceLevelPct: 33.3, // 1 of (2 answered + 1 abandoned after 20 s)
    avgWaitMs: 21_250, // (10 + 30 + 5 + 40) / 4
    p90WaitMs: 40_000,
    avgTalkMs: 90_000, // (60 + 120) / 2
    avgHoldMs: 2_500,
    avgHandleMs: 110_000, // ((60 + 30 wrap-up) + (120 + 10 wrap-up)) / 2
    abandonRatePct: 40,
  });
  t.match(r.queues.find((x) => x.queueId === 'sales'), { offered: 1, answered: 1, serviceLevelPct: 100 });
  t.match(r.total, { queueId: 'all', offered: 6, answered: 3, abandoned: 2 });
  t.equal(r.hours.length, 24);
  t.same(
    r.hours.filter((h) => h.offered > 0).map((h) => [h.label, h.offered, h.answered, h.serviceLevelPct]),
    [
      ['2026-11-02T08', 1, 1, 100], // c1 arrived 2 s before 09:00
      ['2026-11-02T09', 3, 1, 0], // c2 answered after 30 s, c3 gave up early, c4 late: 0 of 2
      ['2026-11-02T10', 2, 1, 100], // c5 overflowed (not in the service level), c6 (sales) arrived 10:59:58, answered in 2 s
    ],
    'calls per hour and the service level of each hour',
  );
});

t.test('agent activity per day, by hand', async (t) => {
  const { db, ledger } = await dataSet();
  t.teardown(() => db.destroy());
  // Two days later: a1's offline since 17:00 is still open, and counts to midnight.
  const reports = new Reports(new ReportStore(db), () => DAY0 + 48 * H, () => ledger.open());
  const rows = await reports.agents({ from: DAY0, to: DAY0 + 24 * H, tz: 'UTC' });
  const a1 = rows.find((r) => r.agentId === 'a1')!;
  t.same(a1.statusMs, {
    ready: 1 * H + 20 * S + (3 * H - 100 * S) + 4 * H, // 00:00-01:00, 08:59:50-09:00:10, 09:01:40-12:00, 13:00-17:00
    offline: 9 * H - 10 * S - 1 * H + 7 * H, // 01:00-08:59:50, 17:00-24:00
    'on-call': 60 * S,
    'wrap-up': 30 * S,
    break: 1 * H,
  });
  t.equal(Object.values(a1.statusMs).reduce((x, y) => x + y, 0), 24 * H, 'the day is accounted for, exactly');
  t.match(a1, { day: '2026-11-02', calls: 1, talkMs: 60 * S, holdMs: 5 * S, wrapUpMs: 30 * S, missedOffers: 1 });
  t.match(rows.find((r) => r.agentId === 'a2'), { calls: 1, talkMs: 120 * S, wrapUpMs: 10 * S, missedOffers: 1 }, 'a decline is a missed offer; a withdrawal because the caller left is not');
  const before = await reports.agents({ from: DAY0 - 24 * H, to: DAY0, tz: 'UTC' });
  t.same(before.find((r) => r.agentId === 'a1')?.statusMs, { ready: 2 * H }, 'the day before: ready from 22:00 until midnight');
});

/** Agents a1, a2 (support) and a3 (sales), and boss, who supervises support. */
function supervisedConfig() {
  const parsed = parseConfigTexts([
    {
      file: 'c.yaml',
      text: `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }
agents:
  a1: { name: A, extension: "1001", sip: { username: "1001", password: pw-1001 } }
  a2: { name: B, extension: "1002", sip: { username: "1002", password: pw-1002 } }
  a3: { name: C, extension: "1003", sip: { username: "1003", password: pw-1003 } }
  boss: { name: S, extension: "1009", sip: { username: "1009", password: pw-1009 }, supervises: [support] }
queues:
  support: { members: [a1, a2] }
  sales: { members: [a3] }
`,
    },
  ]);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

t.test('the call log: filters, the agent\'s disposition, CSV; a supervisor sees their queues only', async (t) => {
  const { db } = await dataSet();
  t.teardown(() => db.destroy());
  const parsed = { config: supervisedConfig() };
  const app = Fastify();
  let caller: { kind: 'admin' } | { kind: 'agent'; agentId: string } = { kind: 'admin' };
  app.addHook('onRequest', async (req) => void ((req as unknown as { caller: typeof caller }).caller = caller));
  registerReports(app, { reports: new Reports(new ReportStore(db), () => DAY0 + 20 * H), config: () => parsed.config, now: () => DAY0 + 20 * H });
  const get = (url: string) => app.inject({ url });

  const all = (await get('/api/reports/calls')).json();
  t.equal(all.total, 6, 'today by default');
  t.same(all.calls.map((c: { id: string }) => c.id), ['c6', 'c5', 'c4', 'c3', 'c2', 'c1'], 'newest first');
  t.same((await get('/api/reports/calls?disposition=callback')).json().calls.map((c: { id: string }) => c.id), ['c2'], 'by the agent\'s disposition');
  t.same((await get('/api/reports/calls?outcome=abandoned&queue=support')).json().calls.map((c: { id: string }) => c.id), ['c4', 'c3']);
  t.same((await get('/api/reports/calls?agent=a1&from=2026-11-02&to=2026-11-02')).json().calls.map((c: { id: string }) => c.id), ['c1']);
  t.equal((await get('/api/reports/calls?from=2026-11-03')).json().total, 0);
  const bad = await get('/api/reports/calls?from=last-tuesday');
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().field, 'from');
  const csv = await get('/api/reports/calls?format=csv&agent=a1');
  t.match(csv.headers['content-type'], /text\/csv/);
  const lines = csv.body.trim().split('\n');
  t.equal(lines[0], 'call,arrived,direction,caller,caller name,queue,agent,wait s,talk s,hold s,outcome,hung up by,disposition,tags,notes');
  t.equal(lines[1], 'c1,2026-11-02T08:59:58.000Z,inbound,+15550001,,support,a1,10.0,60.0,5.0,answered,,resolved,vip; refund,"refund, ""asap"""', 'quoted as CSV quotes');

  caller = { kind: 'agent', agentId: 'boss' };
  t.equal((await get('/api/reports/calls?queue=sales')).statusCode, 403, 'a supervisor: not a queue they do not supervise');
  t.same((await get('/api/reports/calls')).json().calls.map((c: { id: string }) => c.id), ['c5', 'c4', 'c3', 'c2', 'c1'], 'without a queue named: the calls of their queues only');
  t.equal((await get('/api/reports/calls?queue=support')).json().total, 5);
  t.same((await get('/api/reports/queues')).json().queues.map((q: { queueId: string }) => q.queueId), ['support'], 'queue figures of their queues only');
  t.same((await get('/api/reports/agents')).json().agents.map((a: { agentId: string }) => a.agentId).sort(), ['a1', 'a2'], "their queues' members only");
  t.equal((await get('/api/reports/agents?agent=a3')).statusCode, 403);
  caller = { kind: 'agent', agentId: 'a1' };
  t.equal((await get('/api/reports/queues')).statusCode, 403, 'an agent who supervises nothing sees no reports');
});

t.test("a call's detail for the call log, and its recordings: a supervisor of its queue may, others not", async (t) => {
  const { db } = await dataSet();
  t.teardown(() => db.destroy());
  const parsed = { config: supervisedConfig() };
  const { registerLiveCalls } = await import('../../../src/api/live-calls.js');
  const app = Fastify();
  let caller: { kind: 'admin' } | { kind: 'agent'; agentId: string } = { kind: 'agent', agentId: 'boss' };
  app.addHook('onRequest', async (req) => void ((req as unknown as { caller: typeof caller }).caller = caller));
  const queueOf: Record<string, string> = { c1: 'support', c6: 'sales' };
  registerReports(app, {
    reports: new Reports(new ReportStore(db)),
    config: () => parsed.config,
    now: () => DAY0 + 20 * H,
    call: async (id) => (queueOf[id] ? { record: { id, queue_id: queueOf[id]! }, recordings: [], work: [] } : undefined),
  });
  const rec = (id: string, queue: string, agent: string) => ({ id, call_id: id, segment: 1, agent_id: agent, queue_id: queue, file: `${id}.wav`, started_at: 0, ended_at: 1, status: 'deleted', error: null, expires_at: null, deleted_at: 1 });
  registerLiveCalls(app, {
    recordings: async (callId: string) => (callId === 'c1' ? [rec('c1-1', 'support', 'a1')] : [rec('c6-1', 'sales', 'a3')]),
    recording: async (id: string) => (id === 'c1-1' ? rec('c1-1', 'support', 'a1') : rec('c6-1', 'sales', 'a3')),
    supervises: (agentId: string) => parsed.config.agents[agentId]?.supervises ?? [],
  } as never);
  t.equal((await app.inject({ url: '/api/reports/calls/c1' })).statusCode, 200, "the supervisor: a call of their queue");
  t.equal((await app.inject({ url: '/api/reports/calls/c6' })).statusCode, 403, 'not of another queue');
  t.equal((await app.inject({ url: '/api/reports/calls/nope' })).statusCode, 404);
  t.equal((await app.inject({ url: '/api/recordings/c1-1' })).statusCode, 410, "their queue's recording passes the check (this one's retention ran out)");
  t.equal((await app.inject({ url: '/api/recordings/c6-1' })).statusCode, 403, "another queue's recording is refused");
  t.same((await app.inject({ url: '/api/calls/c1/recordings' })).json().recordings.map((r: { id: string }) => r.id), ['c1-1']);
  caller = { kind: 'agent', agentId: 'a3' };
  t.equal((await app.inject({ url: '/api/reports/calls/c6' })).statusCode, 403, 'an agent who supervises nothing');
  t.equal((await app.inject({ url: '/api/recordings/c6-1' })).statusCode, 410, 'an agent: their own segment passes');
  t.equal((await app.inject({ url: '/api/recordings/c1-1' })).statusCode, 403, "not a colleague's");
});
