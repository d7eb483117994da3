/**
 * Routing decision time of the pure router under load: 1,000 agents in 50
 * queues with 5,000 calls waiting. Each measured step is one event and the
 * decision it triggers (an agent becoming free and taking the best waiting
 * call across its queues; a new call arriving; an offer answered).
 */
import { Router } from '../src/core/acd/router.js';
import type { RouterPolicy } from '../src/core/acd/types.js';
import { percentile, printTable } from './stats.js';

export function benchRouter(opts = { agents: 1_000, queues: 50, waiting: 5_000, samples: 20_000 }): Record<string, number> {
  const agents = Array.from({ length: opts.agents }, (_, i) => `a${i}`);
  const queues = Array.from({ length: opts.queues }, (_, i) => `q${i}`);
  // Every agent serves 3 queues, so an agent who frees up scans a realistic skill set.
  const members = new Map<string, string[]>(queues.map((q) => [q, []]));
  agents.forEach((a, i) => {
    for (let k = 0; k < 3; k++) members.get(queues[(i + k * 17) % queues.length]!)!.push(a);
  });
  const policy: RouterPolicy = {
    maxMissedInRow: 3,
    agents: agents.map((id) => ({ id, initialPresence: 'ready' })),
    queues: queues.map((id) => ({ id, strategy: 'longest-idle', members: members.get(id)!, offerTimeoutMs: 18_000, wrapUpMs: 0, missedBackoffMs: 7_000 })),
  };
  let now = 0;
  const r = new Router(policy, now);
  for (const a of agents) r.handle({ type: 'agent-reachable', agentId: a, reachable: true }, now);
  let seq = 0;
  // Occupy every agent with a connected call, then fill the queues with waiting calls.
  const connected: string[] = [];
  for (let i = 0; i < opts.agents; i++) {
    const id = `c${seq++}`;
    const cmds = r.handle({ type: 'call-queued', callId: id, queueId: queues[i % queues.length]! }, now);
    for (const c of cmds) if (c.type === 'offer') r.handle({ type: 'offer-answered', callId: c.callId, agentId: c.agentId }, now);
    connected.push(id);
  }
  for (let i = 0; i < opts.waiting; i++) r.handle({ type: 'call-queued', callId: `c${seq++}`, queueId: queues[i % queues.length]!, priority: i % 10 === 0 ? 1 : 0 }, now);

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
    r.handle({ type: 'call-queued', callId: `c${seq++}`, queueId: queues[i % queues.length]! }, now);
    arrive.push((performance.now() - t0) * 1000);
  }
  const waiting = [...r.queues.values()].reduce((n, q) => n + q.waiting.length, 0);
  const rows = [
    { name: 'agent frees up -> best waiting call offered', samples: freeUp },
    { name: 'call arrives (no agent free) -> queued', samples: arrive },
    { name: 'offer answered -> connect', samples: answer },
  ];
  printTable(
    `Router decision time: ${opts.agents} agents, ${opts.queues} queues, ${waiting} calls waiting (microseconds)`,
    ['decision', 'median', 'p99', 'max'],
    rows.map((x) => [x.name, percentile(x.samples, 50).toFixed(2), percentile(x.samples, 99).toFixed(2), Math.max(...x.samples).toFixed(2)]),
  );
  return { freeUpP50: percentile(freeUp, 50), freeUpP99: percentile(freeUp, 99), arriveP99: percentile(arrive, 99), answerP99: percentile(answer, 99) };
}
