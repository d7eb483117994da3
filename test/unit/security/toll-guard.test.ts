import t from 'tap';
import { TollGuard, type TollPolicy } from '../../../src/core/security/toll-guard.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import { pick, rng } from '../../support/random.js';

const policy = (p: Partial<TollPolicy> = {}): TollPolicy => ({
  homeCountry: 'US',
  international: false,
  premium: false,
  allow: [],
  deny: [],
  maxConcurrent: 3,
  maxConcurrentPerAgent: 1,
  maxCallsPerDay: 5,
  maxMinutesPerDay: 10,
  timeZone: 'UTC',
  agents: new Set(['alice']),
  ...p,
});
const DAY = Date.UTC(2026, 11, 1, 9, 0);

t.test('numbers: premium-rate, international and invalid ones are refused unless allowed', async (t) => {
  const g = new TollGuard(policy());
  t.match(g.classify('+12125551234'), { ok: true, e164: '+12125551234' }, 'a New York number');
  t.match(g.classify('2125551234'), { ok: true, e164: '+12125551234' }, 'read in the home country');
  t.match(g.classify('+19005551234'), { ok: false, reason: 'premium' });
  t.match(g.classify('+447911123456'), { ok: false, reason: 'international' });
  t.match(g.classify('+18765550123'), { ok: false, reason: 'international' }, 'Jamaica shares +1 but is another country');
  t.match(g.classify('+33899123456'), { ok: false, reason: 'premium' }, 'premium abroad is premium first');
  t.match(g.classify('+8812345678'), { ok: false, reason: 'invalid-number' }, 'satellite ranges are not valid numbers here');
  t.match(g.classify('12'), { ok: false, reason: 'invalid-number' });
  const open = new TollGuard(policy({ international: true, premium: true, deny: ['^\\+44'], allow: ['^\\+1555'] }));
  t.match(open.classify('+33899123456'), { ok: true });
  t.match(open.classify('+447911123456'), { ok: false, reason: 'denied' }, 'deny wins over everything');
  t.match(open.classify('+15559990000'), { ok: true }, 'allow admits what is not a valid number');
});

t.test('who: agents need permission; flows and the API do not', async (t) => {
  const g = new TollGuard(policy());
  t.match(g.request('c1', '+12125551234', 'bob', DAY), { ok: false, reason: 'agent-not-allowed' });
  t.match(g.request('c2', '+12125551234', 'alice', DAY), { ok: true });
  t.match(g.request('c3', '+12125551234', undefined, DAY), { ok: true });
  t.match(g.request('c4', '+19005551234', 'bob', DAY), { ok: false, reason: 'agent-not-allowed' }, 'who is checked before the number');
});

t.test('caps: concurrent calls in all and per agent, calls and minutes per day', async (t) => {
  const g = new TollGuard(policy());
  t.match(g.request('a1', '+12125551234', 'alice', DAY), { ok: true });
  t.match(g.request('a2', '+12125551234', 'alice', DAY), { ok: false, reason: 'agent-concurrent' });
  t.match(g.request('f1', '+12125551234', undefined, DAY), { ok: true });
  t.match(g.request('f2', undefined, undefined, DAY), { ok: true }, 'a SIP URI counts too');
  t.match(g.request('f3', '+12125551234', undefined, DAY), { ok: false, reason: 'concurrent' });
  t.equal(g.check('+12125551234', undefined, DAY).ok, false, 'check agrees and counts nothing');
  g.ended('f2', DAY);
  t.match(g.request('f4', '+12125551234', undefined, DAY), { ok: true });
  for (const id of ['a1', 'f1', 'f4']) g.ended(id, DAY);
  t.match(g.request('f5', '+12125551234', undefined, DAY), { ok: true });
  t.match(g.request('f6', '+12125551234', undefined, DAY), { ok: false, reason: 'daily-calls' }, '5 calls today');
  t.same(g.usage(DAY), { day: '2026-12-01', calls: 5, minutes: 0, concurrent: 1 });
  t.match(g.request('n1', '+12125551234', undefined, DAY + 15 * 3_600_000), { ok: true }, 'a new day, a new budget');

  const m = new TollGuard(policy({ maxCallsPerDay: 100 }));
  m.request('long', '+12125551234', undefined, DAY);
  m.answered('long', DAY);
  t.match(m.request('x', '+12125551234', undefined, DAY + 11 * 60_000), { ok: false, reason: 'daily-minutes' }, 'a call still running counts against the minutes');
  m.ended('long', DAY + 11 * 60_000);
  t.equal(m.usage(DAY + 11 * 60_000).minutes, 11);
  t.equal(m.concurrent, 0);
});

t.test('config: a route to a number the rules refuse names the field; bad patterns and zones too', async (t) => {
  const base = `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }\ntrunks: { out: { uri: "sip:gw.example" } }\n`;
  const r = parseConfigTexts([{ file: 'a.yaml', text: `${base}numbers:\n  "+15550100":\n    route: { number: "+19005551234" }\n` }]);
  t.equal(r.ok, false);
  if (!r.ok) t.match(r.errors, [{ file: 'a.yaml', line: 5, field: 'numbers.+15550100.route.number', message: /premium-rate/ }]);
  const ok = parseConfigTexts([{ file: 'a.yaml', text: `${base}external: { allow: ['^\\+1900'] }\nnumbers:\n  "+15550100":\n    route: { number: "+19005551234" }\n` }]);
  t.equal(ok.ok, true, 'listed under external.allow, it loads');
  const bad = parseConfigTexts([{ file: 'a.yaml', text: `${base}external: { deny: ['(('], timeZone: Mars/Base }\n` }]);
  t.equal(bad.ok, false);
  if (!bad.ok) t.same(bad.errors.map((e) => e.field).sort(), ['external.deny.0', 'external.timeZone']);
});

/** Random requests, answers and ends: the caps hold after every event. */
t.test('randomized: 100,000 events never exceed a cap', async (t) => {
  const p = policy({ maxConcurrent: 6, maxConcurrentPerAgent: 2, maxCallsPerDay: 400, maxMinutesPerDay: 300, agents: new Set(['a', 'b']) });
  const g = new TollGuard(p);
  const r = rng(99);
  const up = new Map<string, { agent?: string; answeredAt?: number }>();
  let now = DAY;
  let day = '';
  let granted = 0;
  let doneMs = 0;
  let violations = 0;
  const fail = (what: string) => {
    if (violations++ < 5) t.fail(what);
  };
  for (let i = 0; i < 100_000; i++) {
    now += Math.floor(r() * 20_000);
    const today = new Date(now).toISOString().slice(0, 10);
    if (today !== day) {
      day = today;
      granted = 0;
      doneMs = 0;
    }
    const op = pick(r, ['request', 'request', 'answer', 'end', 'end']);
    if (op === 'request') {
      const agent = pick(r, ['a', 'b', 'c', undefined]);
      const number = pick(r, ['+12125551234', '+19005551234', '+447911123456', undefined]);
      const runningMs = [...up.values()].reduce((s, c) => s + (c.answeredAt !== undefined ? now - Math.max(c.answeredAt, Date.parse(`${day}T00:00:00Z`)) : 0), 0);
      const v = g.request(`c${i}`, number, agent, now);
      if (v.ok) {
        granted++;
        up.set(`c${i}`, agent ? { agent } : {});
        if (agent === 'c') fail('an agent without permission was let through');
        if (number === '+19005551234' || number === '+447911123456') fail(`${number} was let through`);
        if (up.size > p.maxConcurrent) fail(`${up.size} concurrent`);
        if (agent && [...up.values()].filter((c) => c.agent === agent).length > p.maxConcurrentPerAgent) fail(`agent ${agent} over the cap`);
        if (granted > p.maxCallsPerDay) fail(`${granted} calls today`);
        // Granted only under the minutes cap. The model counts a call begun yesterday from midnight, the guard
        // from the day's first event (at most one 20 s step later): that much slack per running call.
        const minutes = (doneMs + runningMs) / 60_000;
        const slack = ((up.size - 1) * 20_000) / 60_000;
        if (minutes >= p.maxMinutesPerDay + slack) fail(`granted with ${minutes.toFixed(1)} minutes already today`);
      }
    } else if (op === 'answer') {
      const ids = [...up.keys()];
      const id = ids.length ? pick(r, ids) : undefined;
      if (id && up.get(id)!.answeredAt === undefined) {
        up.get(id)!.answeredAt = now;
        g.answered(id, now);
      }
    } else {
      const ids = [...up.keys()];
      const id = ids.length ? pick(r, ids) : undefined;
      if (id) {
        const c = up.get(id)!;
        if (c.answeredAt !== undefined) doneMs += now - Math.max(c.answeredAt, Date.parse(`${day}T00:00:00Z`));
        up.delete(id);
        g.ended(id, now);
      }
    }
    if (g.concurrent !== up.size) fail(`guard counts ${g.concurrent} calls up, ${up.size} are`);
  }
  t.equal(violations, 0, 'no cap was exceeded');
});
