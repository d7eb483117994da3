/**
 * Randomized domain test: a fake clock drives >100,000 random events across
 * every strategy (arrivals with priorities, callers and clients, hang-ups at
 * any moment, answers, declines, timeouts via ticks, presence incl. break,
 * reachability, wrap-up extend/end/hold (a required disposition), take-call, restarts through
 * snapshot/restore, configuration reloads adding and removing agents, queues,
 * members and skills), checking every invariant after every event and
 * tracking that each call ends in exactly one terminal way.
 */
import t from 'tap';
import { Router } from '../../../src/core/acd/router.js';
import { offerViolations, routerViolations } from '../../../src/core/acd/invariants.js';
import type { OverflowTarget, Presence, QueuePolicy, RouterCommand, RouterEvent, RouterPolicy, Strategy } from '../../../src/core/acd/types.js';
import { pick, rng } from '../../support/random.js';
import { agent } from './fixtures/desk.js';

const STRATEGIES: Strategy[] = ['longest-idle', 'round-robin', 'fewest-calls', 'least-talk-time', 'ring-all', 'top-down', 'random'];
const AGENTS = Array.from({ length: 12 }, (_, i) => `a${i}`);
const QUEUES = ['q0', 'q1', 'q2', 'q3', 'q4'];
const CALLERS = Array.from({ length: 15 }, (_, i) => `+4930${1000 + i}`);
const CLIENTS = ['acme', 'globex'];
const TARGETS: OverflowTarget[] = [{ queue: 'q0' }, { voicemail: 'vm1' }, { hangup: true, message: 'closed' }, { number: '+4930999' }];

function subset<T>(r: () => number, xs: readonly T[], p: number): T[] {
  return xs.filter(() => r() < p);
}

/** A random but sane configuration; `main` is the strategy most queues use. */
function genPolicy(r: () => number, main: Strategy): RouterPolicy {
  const agents = AGENTS.filter((_, i) => i < 5 || r() < 0.7).map((id) =>
    agent(id, {
      initialPresence: pick(r, ['ready', 'ready', 'ready', 'standby', 'offline'] as const),
      skills: Object.fromEntries(subset(r, ['sales', 'tech'], 0.7).map((s) => [s, 1 + Math.floor(r() * 100)])),
      clients: r() < 0.7 ? [] : subset(r, CLIENTS, 0.6),
    }),
  );
  const ids = agents.map((a) => a.id);
  const queues: QueuePolicy[] = QUEUES.filter((_, i) => i < 2 || r() < 0.6).map((id) => {
    const members = subset(r, AGENTS, 0.55).map((agentId) => ({ agentId, tier: r() < 0.6 ? 1 : 1 + Math.floor(r() * 3) }));
    const q: QueuePolicy = {
      id,
      strategy: r() < 0.8 ? main : pick(r, STRATEGIES),
      members,
      offerTimeoutMs: 2_000 + Math.floor(r() * 3_000),
      wrapUpMs: pick(r, [0, 1_000, 3_000]),
      missedBackoffMs: pick(r, [0, 1_000, 2_000, 2_000]),
      tierEscalationMs: pick(r, [0, 3_000, 8_000]),
      requiredSkills: r() < 0.6 ? {} : { [pick(r, ['sales', 'tech'])]: 1 + Math.floor(r() * 60) },
    };
    if (r() < 0.6) q.maxWaitMs = 20_000 + Math.floor(r() * 60_000);
    if (r() < 0.4) q.maxWaitNoAgentMs = 5_000 + Math.floor(r() * 20_000);
    if (r() < 0.4) q.maxSize = 3 + Math.floor(r() * 10);
    if (r() < 0.7) q.overflow = pick(r, TARGETS);
    if (r() < 0.5) q.announceEveryMs = 4_000 + Math.floor(r() * 8_000);
    if (r() < 0.6) {
      q.affinityWindowMs = 30_000 + Math.floor(r() * 90_000);
      q.affinityWaitMs = pick(r, [0, 2_000, 5_000]);
    }
    if (r() < 0.3) q.clientId = pick(r, CLIENTS);
    return q;
  });
  void ids;
  return { maxMissedInRow: 3, agents, queues };
}

type Fate = 'live' | 'connected' | 'ended' | 'abandoned' | 'overflow';

interface RunResult {
  events: number;
  failures: string[];
  fates: Record<Fate, number>;
  counts: Record<string, number>;
  trace: string[];
}

function run(seed: number, main: Strategy, events: number, keepTrace = false): RunResult {
  const r0 = rng(seed);
  let policy = genPolicy(r0, main);
  let r = new Router(policy, 0, new Map(), { seed });
  let now = 0;
  let next = 0;
  const fate = new Map<string, Fate>();
  const open = new Set<string>();
  const reach = new Map<string, boolean>();
  const offeredTo = new Map<string, Set<string>>();
  /** Agents whose wrap-up is held open: only their release frees them. */
  const held = new Set<string>();
  const failures: string[] = [];
  const counts: Record<string, number> = {};
  const trace: string[] = [];
  const fates: Record<Fate, number> = { live: 0, connected: 0, ended: 0, abandoned: 0, overflow: 0 };
  let justClosed: string[] = [];

  const fail = (i: number, msg: string) => {
    if (failures.length < 10) failures.push(`seed ${seed} ${main} event ${i} @${now}: ${msg}`);
  };
  const close = (id: string, f: Fate) => {
    fate.set(id, f);
    fates[f]++;
    open.delete(id);
    justClosed.push(id);
  };
  const apply = (i: number, cmds: RouterCommand[]) => {
    if (keepTrace) trace.push(JSON.stringify(cmds));
    for (const c of cmds) {
      counts[c.type] = (counts[c.type] ?? 0) + 1;
      if (c.type === 'connect') {
        if (fate.get(c.callId) !== 'live') fail(i, `connect of ${c.callId} which is ${fate.get(c.callId)}`);
        else if (!offeredTo.get(c.callId)?.has(c.agentId)) fail(i, `connect of ${c.callId} to ${c.agentId} who was never offered it`);
        else fate.set(c.callId, 'connected');
      } else if (c.type === 'overflow') {
        if (fate.get(c.callId) !== 'live') fail(i, `overflow of ${c.callId} which is ${fate.get(c.callId)}`);
        else close(c.callId, 'overflow');
        if (c.target !== undefined) counts['overflow-with-target'] = (counts['overflow-with-target'] ?? 0) + 1;
      } else if (c.type === 'announce') {
        if (fate.get(c.callId) !== 'live') fail(i, `announce to ${c.callId} which is ${fate.get(c.callId)}`);
        if (c.position < 1) fail(i, `announce position ${c.position}`);
      } else if (c.type === 'offer' || c.type === 'withdraw-offer') {
        const f = fate.get(c.callId);
        if (c.type === 'offer' && f !== 'live') fail(i, `offer of ${c.callId} which is ${f}`);
        if (c.type === 'offer') offeredTo.set(c.callId, (offeredTo.get(c.callId) ?? new Set()).add(c.agentId));
      }
    }
  };
  const send = (i: number, e: RouterEvent) => {
    const cmds = r.handle(e, now);
    apply(i, cmds);
    // Without a flush, the batch may hold offers made before this event changed the agent.
    const changed = !flushed && (e.type === 'agent-presence' || e.type === 'agent-reachable') ? e.agentId : undefined;
    for (const v of offerViolations(r, cmds, changed)) fail(i, v);
    for (const c of cmds) {
      if (c.type !== 'offer') continue;
      const a = r.agents.get(c.agentId);
      if (a?.activity.kind !== 'offered') continue;
      counts[`offer-via-${a.activity.via}`] = (counts[`offer-via-${a.activity.via}`] ?? 0) + 1;
      if ((a.queues.get(c.queueId)?.tier ?? 1) > 1) counts['offer-tier-2+'] = (counts['offer-tier-2+'] ?? 0) + 1;
    }
    return cmds;
  };
  /** A caller hangs up: its fate is decided after the batch (a limit may have overflowed it first). */
  const hangUp = (i: number, id: string, type: 'call-abandoned' | 'call-ended') => {
    const before = fate.get(id);
    send(i, { type, callId: id });
    const f = fate.get(id);
    if (f === 'live' || f === 'connected') close(id, f === 'connected' ? 'ended' : 'abandoned');
    else if (before !== f && f !== 'overflow') fail(i, `${id} went from ${before} to ${f}`);
  };
  let flushed = false;

  for (let i = 0; i < events && failures.length === 0; i++) {
    justClosed = [];
    const x = r0();
    if (x >= 0.22) {
      now += Math.floor(r0() * 800);
      // Mostly let due timers fire first, as the shell's timer would; sometimes leave them to the event.
      flushed = r0() < 0.75 || (x >= 0.91 && x < 0.94) || (x >= 0.965 && x < 0.972);
      if (flushed) send(i, { type: 'tick' });
    } else flushed = true;
    if (failures.length > 0) break;
    const calls = [...r.calls.values()];
    const offered = calls.filter((c) => c.state === 'offered');
    const connected = calls.filter((c) => c.state === 'connected');
    const waiting = calls.filter((c) => c.state === 'waiting');
    const agentIds = [...r.agents.keys()];
    if (x < 0.2) {
      const d = r.nextDeadline();
      if (d !== undefined && d > now) now = d;
      send(i, { type: 'tick' });
    } else if (x < 0.22) {
      send(i, { type: 'tick' });
    } else if (x < 0.4) {
      const id = `c${next++}`;
      fate.set(id, 'live');
      open.add(id);
      fates.live++;
      const e: RouterEvent = { type: 'call-queued', callId: id, queueId: pick(r0, [...policy.queues.map((q) => q.id), 'q-none']), priority: pick(r0, [0, 0, 0, 1, 2]) };
      if (r0() < 0.7) e.caller = pick(r0, CALLERS);
      if (r0() < 0.2) e.clientId = pick(r0, CLIENTS);
      send(i, e);
    } else if (x < 0.47 && open.size > 0) {
      // Caller hangs up at any moment: waiting, ringing, or talking.
      hangUp(i, pick(r0, [...open]), 'call-abandoned');
    } else if (x < 0.62 && offered.length > 0) {
      const c = pick(r0, offered);
      send(i, { type: 'offer-answered', callId: c.id, agentId: pick(r0, [...c.offers]) });
    } else if (x < 0.67 && offered.length > 0) {
      const c = pick(r0, offered);
      send(i, { type: 'offer-failed', callId: c.id, agentId: pick(r0, [...c.offers]), reason: pick(r0, ['declined', 'busy', 'unreachable', 'timeout'] as const) });
    } else if (x < 0.77 && connected.length > 0) {
      hangUp(i, pick(r0, connected).id, 'call-ended');
    } else if (x < 0.83) {
      const presence = pick(r0, ['ready', 'ready', 'ready', 'standby', 'offline', 'break', 'break'] as Presence[]);
      send(i, { type: 'agent-presence', agentId: pick(r0, AGENTS), presence, ...(presence === 'break' ? { reason: pick(r0, ['lunch', 'coaching']) } : {}) });
    } else if (x < 0.88) {
      const agentId = pick(r0, AGENTS);
      const reachable = r0() < 0.8;
      reach.set(agentId, reachable);
      send(i, { type: 'agent-reachable', agentId, reachable });
    } else if (x < 0.91 && agentIds.length > 0) {
      const agentId = pick(r0, agentIds);
      const y = r0();
      if (y < 0.35) {
        const a = r.agents.get(agentId);
        send(i, { type: 'wrap-up-end', agentId });
        if (a && held.has(agentId) && a.activity.kind !== 'on-call' && a.activity.kind !== 'wrap-up') fail(i, `wrap-up-end ended ${agentId}'s held wrap-up`);
      } else if (y < 0.65) send(i, { type: 'wrap-up-extend', agentId, byMs: pick(r0, [500, 2_000, 10_000]) });
      else {
        // A required disposition: held open, then given.
        const hold = r0() < 0.55;
        const kind = r.agents.get(agentId)?.activity.kind;
        send(i, { type: 'wrap-up-hold', agentId, held: hold });
        if (hold && (kind === 'on-call' || kind === 'wrap-up')) held.add(agentId);
        if (!hold) held.delete(agentId);
      }
    } else if (x < 0.94) {
      const target = waiting.length > 0 && r0() < 0.8 ? pick(r0, waiting) : undefined;
      const callId = target?.id ?? pick(r0, [...open, 'ghost']);
      // Mostly an agent who could take it (available member, any tier), else anyone.
      const able = target ? [...r.agents.values()].filter((a) => a.presence === 'ready' && a.reachable && a.activity.kind === 'idle' && a.queues.has(target.queueId)).map((a) => a.id) : [];
      const cmds = send(i, { type: 'take-call', agentId: able.length > 0 && r0() < 0.7 ? pick(r0, able) : pick(r0, AGENTS), callId });
      const refused = cmds.some((c) => c.type === 'take-refused');
      const offeredNow = cmds.some((c) => c.type === 'offer' && c.callId === callId);
      if (refused === offeredNow) fail(i, `take-call of ${callId} neither refused nor offered exactly once`);
    } else if (x < 0.96) {
      // Late or ghost answers from any agent.
      send(i, { type: 'offer-answered', callId: pick(r0, [...open, 'ghost']), agentId: pick(r0, AGENTS) });
    } else if (x < 0.965) {
      // Restart: everything goes through JSON and back; the shell re-reports registrations.
      const snap = JSON.parse(JSON.stringify(r.snapshot()));
      r = Router.restore(policy, snap, now, { seed });
      counts.restarts = (counts.restarts ?? 0) + 1;
      for (const [agentId, ok] of reach) if (ok) send(i, { type: 'agent-reachable', agentId, reachable: true });
      send(i, { type: 'tick' });
    } else if (x < 0.972) {
      policy = genPolicy(r0, main);
      const cmds = r.reconfigure(policy, now);
      apply(i, cmds);
      for (const v of offerViolations(r, cmds)) fail(i, v);
      counts.reloads = (counts.reloads ?? 0) + 1;
    } else {
      send(i, { type: 'tick' });
    }
    for (const v of routerViolations(r, now)) fail(i, v);
    // A held wrap-up is never left by a timer, wrap-up-end, presence, a restart or a reload.
    for (const agentId of held) {
      const a = r.agents.get(agentId);
      if (!a || (a.activity.kind !== 'on-call' && a.activity.kind !== 'wrap-up') || !a.wrapHeld) fail(i, `held agent ${agentId} left its wrap-up (${a?.activity.kind ?? 'gone'})`);
      else counts['held-steps'] = (counts['held-steps'] ?? 0) + 1;
    }
    for (const c of r.calls.values()) if (c.reservedFor !== undefined) counts['reserved-call-steps'] = (counts['reserved-call-steps'] ?? 0) + 1;
    // The router holds exactly the calls still open, and forgot the ones that just ended.
    if (r.calls.size !== open.size) fail(i, `router holds ${r.calls.size} calls, ${open.size} are open`);
    for (const id of justClosed) if (r.calls.has(id)) fail(i, `router still holds ${id} after it ended (${fate.get(id)})`);
    for (const c of r.calls.values()) {
      const f = fate.get(c.id);
      if (f !== 'live' && f !== 'connected') fail(i, `router holds ${c.id} which is ${f}`);
      else if ((f === 'connected') !== (c.state === 'connected')) fail(i, `${c.id} is ${c.state} in the router, ${f} in the test`);
    }
  }
  // Every call still open ends now; each call has exactly one terminal fate.
  flushed = true;
  for (const id of [...open]) {
    if (!open.has(id)) continue;
    now += 1;
    send(events, { type: 'tick' });
    if (open.has(id)) hangUp(events, id, 'call-abandoned');
  }
  if (r.calls.size !== 0) fail(events, `${r.calls.size} calls left after every caller hung up`);
  for (const a of r.agents.values()) if (a.activity.kind === 'offered' || a.activity.kind === 'on-call') fail(events, `agent ${a.id} still ${a.activity.kind}`);
  for (const [id, f] of fate) if (f === 'live' || f === 'connected') fail(events, `call ${id} never ended`);
  if (fates.live !== fates.ended + fates.abandoned + fates.overflow) fail(events, `fates do not add up: ${JSON.stringify(fates)}`);
  return { events, failures, fates, counts, trace };
}

t.test('random events keep every invariant, across all strategies', async (t) => {
  const started = performance.now();
  let total = 0;
  const all: Record<string, number> = {};
  for (const [k, main] of STRATEGIES.entries()) {
    for (const seed of [1_000 + k * 7_919, 2_000 + k * 104_729]) {
      const res = run(seed, main, 7_500);
      total += res.events;
      for (const [name, n] of Object.entries(res.counts)) all[name] = (all[name] ?? 0) + n;
      if (res.failures.length) console.error(res.failures.join('\n'));
      t.same(res.failures, [], `${main} seed ${seed}: no invariant broken over ${res.events} events (${JSON.stringify(res.fates)})`);
    }
  }
  t.ok(total >= 100_000, `${total} events in total`);
  // The generator really exercises every path.
  for (const kind of ['offer', 'withdraw-offer', 'connect', 'release-agent-leg', 'overflow', 'overflow-with-target', 'announce', 'take-refused', 'agent-status', 'restarts', 'reloads', 'offer-via-strategy', 'offer-via-affinity', 'offer-via-take', 'offer-tier-2+', 'reserved-call-steps']) {
    t.ok((all[kind] ?? 0) > 0, `${kind}: ${all[kind] ?? 0}`);
  }
  t.comment(`${total} events in ${((performance.now() - started) / 1000).toFixed(2)} s: ${JSON.stringify(all)}`);
});

t.test('the same seed replays the same command stream (random strategy included)', async (t) => {
  for (const main of ['random', 'ring-all'] as const) {
    const a = run(42, main, 3_000, true);
    const b = run(42, main, 3_000, true);
    t.same(a.failures, []);
    t.equal(a.trace.join('\n'), b.trace.join('\n'), `${main}: identical`);
  }
});

t.test('round-robin stays within one call of equal among always-available agents', async (t) => {
  const r0 = rng(77);
  const members = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
  const p: RouterPolicy = {
    maxMissedInRow: 0,
    agents: members.map((id) => agent(id)),
    queues: [
      {
        id: 'q',
        strategy: 'round-robin',
        members: members.map((agentId) => ({ agentId, tier: 1 })),
        offerTimeoutMs: 5_000,
        wrapUpMs: 0,
        missedBackoffMs: 1_000,
        tierEscalationMs: 0,
        requiredSkills: {},
      },
    ],
  };
  const r = new Router(p, 0);
  let now = 0;
  for (const id of members) r.handle({ type: 'agent-reachable', agentId: id, reachable: true }, now);
  const steady = ['a1', 'a2', 'a3', 'a4'];
  const answered = new Map(steady.map((id) => [id, 0]));
  let worst = 0;
  const failures: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    now += 1 + Math.floor(r0() * 50);
    const x = r0();
    if (x < 0.15) {
      // The flappers come and go, and decline now and then.
      const agentId = pick(r0, ['a5', 'a6']);
      r.handle(r0() < 0.5 ? { type: 'agent-presence', agentId, presence: pick(r0, ['ready', 'break', 'offline'] as const) } : { type: 'agent-reachable', agentId, reachable: r0() < 0.6 }, now);
      continue;
    }
    let cmds = r.handle({ type: 'call-queued', callId: `c${i}`, queueId: 'q' }, now);
    // Follow the call until someone answers it (flappers may decline).
    for (let hop = 0; hop < 10; hop++) {
      const o = cmds.find((c) => c.type === 'offer');
      if (!o || o.type !== 'offer') break;
      if (!steady.includes(o.agentId) && r0() < 0.5) {
        cmds = r.handle({ type: 'offer-failed', callId: o.callId, agentId: o.agentId, reason: 'declined' }, now);
        continue;
      }
      r.handle({ type: 'offer-answered', callId: o.callId, agentId: o.agentId }, now);
      if (answered.has(o.agentId)) answered.set(o.agentId, answered.get(o.agentId)! + 1);
      r.handle({ type: 'call-ended', callId: o.callId }, now);
      break;
    }
    const xs = [...answered.values()];
    worst = Math.max(worst, Math.max(...xs) - Math.min(...xs));
    for (const v of routerViolations(r, now)) if (failures.length < 5) failures.push(`step ${i}: ${v}`);
  }
  t.same(failures, []);
  t.ok(worst <= 1, `largest spread among always-available agents: ${worst} (${JSON.stringify(Object.fromEntries(answered))})`);
  t.ok(Math.min(...answered.values()) > 1_000);
});
