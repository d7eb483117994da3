/**
 * Routing decision time of the pure router under load: 1,000 agents in 50
 * queues with 5,000 calls waiting. Each measured step is one event and the
 * decision it triggers (an agent becoming free and taking the best waiting
 * call across its queues; a new call arriving; an offer answered).
 *
 * Two set-ups: the plain one (longest-idle, one tier, no skills), and one with
 * tiers (1-3, escalating every 30 s), required skills with proficiencies,
 * callers (affinity memory), client-tagged calls, announcements, limits, and
 * every strategy across the queues. In the second, the waiting calls have
 * already escalated to every tier when measuring starts, so any freed agent
 * can take one.
 */
import { Router } from '../src/core/acd/router.js';
import type { RouterPolicy, Strategy } from '../src/core/acd/types.js';
import { percentile, printTable } from './stats.js';

export interface RouterBenchOptions {
  agents: number;
  queues: number;
  waiting: number;
  samples: number;
}

const DEFAULTS: RouterBenchOptions = { agents: 1_000, queues: 50, waiting: 5_000, samples: 20_000 };
const STRATEGIES: Strategy[] = ['longest-idle', 'round-robin', 'fewest-calls', 'least-talk-time', 'top-down', 'random', 'ring-all'];

export function benchRouter(opts: RouterBenchOptions = DEFAULTS): Record<string, number> {
  const plain = measure(opts, false);
  const rich = measure(opts, true);
  return {
    freeUpP50: plain.freeUpP50!,
    freeUpP99: plain.freeUpP99!,
    arriveP99: plain.arriveP99!,
    answerP99: plain.answerP99!,
    tieredFreeUpP50: rich.freeUpP50!,
    tieredFreeUpP99: rich.freeUpP99!,
    tieredArriveP99: rich.arriveP99!,
    tieredAnswerP99: rich.answerP99!,
  };
}

function measure(opts: RouterBenchOptions, rich: boolean): Record<string, number> {
  const agents = Array.from({ length: opts.agents }, (_, i) => `a${i}`);
  const queues = Array.from({ length: opts.queues }, (_, i) => `q${i}`);
  // Every agent serves 3 queues, so an agent who frees up scans a realistic set of queues.
  const members = new Map<string, { agentId: string; tier: number }[]>(queues.map((q) => [q, []]));
  agents.forEach((a, i) => {
    for (let k = 0; k < 3; k++) members.get(queues[(i + k * 17) % queues.length]!)!.push({ agentId: a, tier: rich ? 1 + ((i + k) % 3) : 1 });
  });
  const skills = ['sales', 'billing', 'tech', 'french'];
  const policy: RouterPolicy = {
    maxMissedInRow: 3,
    agents: agents.map((id, i) => ({
      id,
      initialPresence: 'ready',
      // Proficiencies 60-99 in every skill: everyone qualifies, scores differ (the tie-break is exercised).
      skills: rich ? Object.fromEntries(skills.map((s, k) => [s, 60 + ((i * 7 + k * 13) % 40)])) : {},
      clients: rich && i % 10 === 0 ? ['acme'] : [],
    })),
    queues: queues.map((id, i) => ({
      id,
      strategy: rich ? STRATEGIES[i % STRATEGIES.length]! : 'longest-idle',
      members: members.get(id)!,
      offerTimeoutMs: 18_000,
      wrapUpMs: 0,
      missedBackoffMs: 7_000,
      tierEscalationMs: rich ? 30_000 : 0,
      requiredSkills: rich ? { [skills[i % skills.length]!]: 50, [skills[(i + 1) % skills.length]!]: 40 } : {},
      ...(rich ? { maxWaitMs: 3_600_000, maxWaitNoAgentMs: 600_000, maxSize: 1_000, announceEveryMs: 45_000, affinityWindowMs: 86_400_000, affinityWaitMs: 0 } : {}),
    })),
  };
  let now = 0;
  const r = new Router(policy, now, new Map(), { seed: 7 });
  for (const a of agents) r.handle({ type: 'agent-reachable', agentId: a, reachable: true }, now);
  let seq = 0;
  const arrival = (i: number) => ({
    type: 'call-queued' as const,
    callId: `c${seq++}`,
    queueId: queues[i % queues.length]!,
    priority: i % 10 === 0 ? 1 : 0,
    ...(rich ? { caller: `+49301${i % 50_000}`, ...(i % 20 === 0 ? { clientId: 'acme' } : {}) } : {}),
  });
  // Occupy every agent with a connected call, then fill the queues with waiting calls.
  const connected: string[] = [];
  for (let i = 0; connected.length < opts.agents && i < opts.agents * 4; i++) {
    const cmds = r.handle(arrival(i), now);
    for (const c of cmds) {
      if (c.type !== 'offer') continue;
      r.handle({ type: 'offer-answered', callId: c.callId, agentId: c.agentId }, now);
      connected.push(c.callId);
    }
  }
  for (let i = 0; i < opts.waiting; i++) r.handle(arrival(i), now);
  // Let every waiting call escalate to the last tier before measuring.
  if (rich) {
    now += 61_000;
    r.handle({ type: 'tick' }, now);
  }

  const freeUp: number[] = [];
  const arrive: number[] = [];
  const answer: number[] = [];
  for (let i = 0; i < opts.samples; i++) {
    now += 1;
    // A connected call ends: its agent takes the best waiting call across its queues.
    const ending = connected.shift()!;
    let t0 = performance.now();
    const cmds = r.handle({ type: 'call-ended', callId: ending }, now);
    freeUp.push((performance.now() - t0) * 1000);
    const offer = cmds.find((c) => c.type === 'offer');
    if (offer && offer.type === 'offer') {
      t0 = performance.now();
      r.handle({ type: 'offer-answered', callId: offer.callId, agentId: offer.agentId }, now);
      answer.push((performance.now() - t0) * 1000);
      connected.push(offer.callId);
    }
    // A new call arrives to keep the waiting count steady.
    t0 = performance.now();
    const got = r.handle(arrival(i), now);
    arrive.push((performance.now() - t0) * 1000);
    for (const c of got) if (c.type === 'offer') {
      r.handle({ type: 'offer-answered', callId: c.callId, agentId: c.agentId }, now);
      connected.push(c.callId);
    }
  }
  const waiting = [...r.queues.values()].reduce((n, q) => n + q.waiting.length, 0);
  const rows = [
    { name: 'agent frees up -> best waiting call offered', samples: freeUp },
    { name: 'call arrives (no agent free) -> queued', samples: arrive },
    { name: 'offer answered -> connect', samples: answer },
  ];
  printTable(
    `Router decision time${rich ? ' (tiers, skills, clients, affinity, limits, all strategies)' : ''}: ${opts.agents} agents, ${opts.queues} queues, ${waiting} calls waiting (microseconds)`,
    ['decision', 'samples', 'median', 'p99', 'max'],
    rows.map((x) => [x.name, x.samples.length, percentile(x.samples, 50).toFixed(2), percentile(x.samples, 99).toFixed(2), Math.max(...x.samples).toFixed(2)]),
  );
  return { freeUpP50: percentile(freeUp, 50), freeUpP99: percentile(freeUp, 99), arriveP99: percentile(arrive, 99), answerP99: percentile(answer, 99) };
}
