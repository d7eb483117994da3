/**
 * The predictive dialer's step for one campaign: calls ahead of the agents
 * as many as the pacer asks (pacing.ts), within the lines ceiling and the
 * day's abandon budget; past the budget, calls ringing with no agent held
 * for them are cancelled before they are answered. Pure.
 */
import type { DialerCtx } from './context.js';
import { abandonBudget, modelPacer } from './pacing.js';
import type { CampaignRt } from './pool.js';

export type Pacer = (c: CampaignRt, x: Parameters<typeof modelPacer>[0] & { agents: number; now: number }) => number;

export function predictStep(x: DialerCtx, c: CampaignRt, now: number, pacer: Pacer): void {
  const mine = [...x.calls.values()].filter((k) => k.campaignId === c.def.id && k.state === 'ringing');
  const uncovered = mine.filter((k) => !k.agentId);
  const day = x.today(c, now);
  const budget = abandonBudget(c.def.abandonCap, day.humans, day.abandons);
  for (let i = budget; i < uncovered.length; i++) {
    const call = uncovered[uncovered.length - 1 - (i - budget)]!;
    x.emit({ type: 'cancel', callId: call.id, reason: 'no agent for it within the abandon cap' });
    // The shell's 'ended' (cancelled) follows; no longer counted as ringing.
    call.state = 'cancelling';
  }
  if (!x.dialing(c, now)) return;
  const q = c.def.queue!;
  const members = [...x.agents.entries()].filter(([, a]) => a.queues.includes(q) && a.state !== 'away');
  const busySince = members.filter(([, a]) => a.state === 'busy').map(([, a]) => now - a.since);
  const ringing = mine.length;
  // Agents waiting for a call, whether or not one of the ringing calls is held for them.
  const waiting = members.filter(([, a]) => a.state === 'idle' && a.queues.every((qq) => x.inboundWaiting(qq) === 0) && (!a.held || a.held.kind === 'call')).length;
  const want = pacer(c, { free: waiting, busySinceMs: busySince, ringing, ringingAgesMs: mine.map((k) => now - k.dialedAt), cap: c.def.abandonCap, stats: c.stats, agents: members.length, now });
  const room = Math.min(want, budget - Math.min(uncovered.length, budget), c.def.lines * members.length - ringing);
  for (let n = 0; n < room; n++) {
    const k = x.next(c, now);
    if (!k) break;
    x.dial(c, k, now);
  }
}
