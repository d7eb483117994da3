/**
 * The predictive dialer in simulation: a day (8 h) of a campaign on the pure
 * core (src/core/campaign), with realistic traffic: 30% of calls answered by
 * a person, 15% by a machine, the rest ring out; time to answer 4-20 s;
 * handle time (talk and wrap-up) around 3 minutes. The same traffic (seeds)
 * is dialed by our model pacer and by a stepping pacer of the adaptive kind
 * (a dial level moved up and down by the day's abandon rate), both under the
 * same 3% cap. Prints agent utilisation (share of logged-in time talking),
 * the abandon rate, calls per agent-hour and idle time between calls.
 *
 * PACING_AGENTS (default 20), PACING_SEEDS (default 5), PACING_CAP (0.03).
 */
import { CampaignDialer, type Pacer } from '../src/core/campaign/dialer.js';
import { parseHours } from '../src/core/campaign/hours.js';
import { modelPacer, steppingPacer, type SteppingState } from '../src/core/campaign/pacing.js';
import type { CampaignDef, Contact, DialerCommand, DialerInput } from '../src/core/campaign/types.js';
import { rng } from '../test/support/random.js';

const AGENTS = Number(process.env.PACING_AGENTS ?? 20);
const SEEDS = Number(process.env.PACING_SEEDS ?? 5);
const CAP = Number(process.env.PACING_CAP ?? 0.03);
const DAY_MS = 8 * 3_600_000;


interface Result { utilisation: number; abandonRate: number; perAgentHour: number; idleMedianS: number; humans: number; abandons: number }

function simulate(seed: number, pacer: Pacer): Result {
  const r = rng(seed);
  // The callee's fate is drawn per contact from its own seed, so both pacers meet the same people.
  const fate = (contactId: string) => {
    const f = rng(seed * 1_000_003 + Number(contactId.slice(1)));
    const x = f();
    const answerMs = 4_000 + f() * 16_000;
    const handleMs = 60_000 + -Math.log(1 - f()) * 120_000;
    return { kind: x < 0.3 ? 'human' : x < 0.45 ? 'machine' : 'ring-out', answerMs, handleMs } as const;
  };
  const start = Date.UTC(2026, 2, 9, 13, 0); // 09:00 in New York
  const def: CampaignDef = {
    id: 'p', name: 'p', priority: 5, mode: 'predictive', queue: 'q', maxAttempts: 3, retryMinutes: 120, ringSeconds: 25,
    hours: parseHours({ mon: ['08:00-21:00'] }).hours, timeZone: 'America/New_York', lines: 3, abandonCap: CAP, previewSeconds: 30, maxSkips: 0,
  };
  const contacts: Contact[] = Array.from({ length: 40_000 }, (_, i) => ({ id: `k${i}`, campaignId: 'p', number: `+1212${String(1_000_000 + i)}`, zones: ['America/New_York'], order: i, attempts: 0, nextAt: 0, state: 'pool' }));
  const d = new CampaignDialer(r, pacer);
  const events: { at: number; e: DialerInput }[] = [];
  const schedule = (at: number, e: DialerInput) => {
    let i = events.length;
    while (i > 0 && events[i - 1]!.at > at) i--;
    events.splice(i, 0, { at, e });
  };
  let talkMs = 0, humans = 0, abandons = 0, connected = 0;
  const idleSince = new Map<string, number>();
  const idles: number[] = [];
  const calls = new Map<string, string>();
  const run = (e: DialerInput) => {
    const out = d.send(e);
    if (!Array.isArray(out)) return;
    for (const c of out) act(c, e.now);
  };
  const act = (c: DialerCommand, now: number) => {
    if (c.type === 'dial') {
      calls.set(c.callId, c.contactId);
      const f = fate(c.contactId);
      if (f.kind === 'ring-out') schedule(now + c.ringSeconds * 1000, { type: 'ended', now: 0, callId: c.callId, outcome: 'no-answer' });
      else schedule(now + f.answerMs, { type: 'answered', now: 0, callId: c.callId, human: f.kind === 'human' });
    } else if (c.type === 'cancel') schedule(now, { type: 'ended', now: 0, callId: c.callId, outcome: 'cancelled' });
    else if (c.type === 'connect') {
      const f = fate(calls.get(c.callId)!);
      humans++;
      connected++;
      talkMs += f.handleMs;
      const agentId = c.agentId!;
      idles.push(now - (idleSince.get(agentId) ?? now));
      schedule(now + f.handleMs, { type: 'ended', now: 0, callId: c.callId, outcome: 'connected' });
      schedule(now + f.handleMs, { type: 'agent', now: 0, agentId, view: { queues: ['q'], state: 'idle', since: now + f.handleMs } });
    } else if (c.type === 'abandon') {
      humans++;
      abandons++;
      schedule(now + 3_000, { type: 'ended', now: 0, callId: c.callId, outcome: 'abandoned' });
    }
  };
  run({ type: 'load', now: start, def, contacts });
  run({ type: 'run', now: start, campaignId: 'p' });
  for (let i = 0; i < AGENTS; i++) {
    idleSince.set(`a${i}`, start);
    run({ type: 'agent', now: start, agentId: `a${i}`, view: { queues: ['q'], state: 'idle', since: start - i } });
  }
  for (let now = start; now < start + DAY_MS; now += 1_000) {
    while (events.length && events[0]!.at <= now) {
      const { at, e } = events.shift()!;
      if (e.type === 'answered' && !d.calls.has(e.callId)) continue;
      if (e.type === 'agent') idleSince.set(e.agentId, at);
      // Machines are hung up at once (the shell's AMD would take a few seconds more).
      if (e.type === 'answered' && !e.human) schedule(at + 3_000, { type: 'ended', now: 0, callId: e.callId, outcome: 'machine' });
      run({ ...e, now: at } as DialerInput);
    }
    run({ type: 'tick', now });
  }
  idles.sort((a, b) => a - b);
  return { utilisation: Math.min(talkMs, AGENTS * DAY_MS) / (AGENTS * DAY_MS), abandonRate: humans ? abandons / humans : 0, perAgentHour: connected / AGENTS / 8, idleMedianS: (idles[Math.floor(idles.length / 2)] ?? 0) / 1000, humans, abandons };
}

const RISK = process.env.PACING_RISK ? Number(process.env.PACING_RISK) : undefined;
const ours: Pacer = (_c, x) => modelPacer(x, RISK ?? CAP);
const stepping = (): Pacer => {
  const st: SteppingState = { level: 1, lastStep: 0 };
  return (c, x) => steppingPacer(st, { ...x, abandonRate: c.day.humans ? c.day.abandons / c.day.humans : 0, cap: c.def.abandonCap, now: x.now });
};

console.log(`Predictive pacing, simulated: ${AGENTS} agents, 8 h, cap ${(CAP * 100).toFixed(1)}%, ${SEEDS} seeds (30% people, 15% machines, 3 min handle)`);
console.log('seed  pacer     utilisation  abandoned        calls/agent-h  idle median');
const sums = { ours: { u: 0, a: 0 }, stepping: { u: 0, a: 0 } };
for (let seed = 1; seed <= SEEDS; seed++) {
  for (const [name, p] of [['ours', ours], ['stepping', stepping()]] as const) {
    const r = simulate(seed, p);
    sums[name].u += r.utilisation;
    sums[name].a = Math.max(sums[name].a, r.abandonRate);
    console.log(`${String(seed).padEnd(6)}${name.padEnd(10)}${(r.utilisation * 100).toFixed(1).padStart(10)}%  ${(r.abandonRate * 100).toFixed(2).padStart(5)}% (${r.abandons}/${r.humans})`.padEnd(52) + `${r.perAgentHour.toFixed(1).padStart(8)}  ${r.idleMedianS.toFixed(0).padStart(8)} s`);
  }
}
const uo = sums.ours.u / SEEDS, us = sums.stepping.u / SEEDS;
console.log(`\nmean utilisation: ours ${(uo * 100).toFixed(1)}%, stepping ${(us * 100).toFixed(1)}% (x${(uo / us).toFixed(2)}); worst abandon rate: ours ${(sums.ours.a * 100).toFixed(2)}%, stepping ${(sums.stepping.a * 100).toFixed(2)}% (cap ${(CAP * 100).toFixed(1)}%)`);
