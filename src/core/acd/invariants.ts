/**
 * Invariants of the router, checked after every event by the randomized
 * domain test (and cheap enough to run in a debug build).
 */
import { isAvailable } from './agent.js';
import type { Router } from './router.js';

export function routerViolations(r: Router, now: number): string[] {
  const v: string[] = [];
  const held = new Map<string, string>();
  for (const a of r.agents.values()) {
    const act = a.activity;
    if ('until' in act && act.until < now) v.push(`agent ${a.id} still ${act.kind} ${now - act.until} ms past its timer`);
    if (act.kind === 'offered' || act.kind === 'on-call') {
      const c = r.calls.get(act.callId);
      if (!c) v.push(`agent ${a.id} is ${act.kind} for unknown call ${act.callId}`);
      else if (act.kind === 'offered' && !c.offers.has(a.id)) v.push(`agent ${a.id} offered ${c.id} but the call does not list the offer`);
      else if (act.kind === 'on-call' && c.agentId !== a.id) v.push(`agent ${a.id} on call ${c.id} owned by ${c.agentId}`);
    }
  }
  for (const c of r.calls.values()) {
    for (const agentId of c.offers) {
      const prior = held.get(agentId);
      if (prior) v.push(`agent ${agentId} holds offers for ${prior} and ${c.id}`);
      held.set(agentId, c.id);
      const a = r.agents.get(agentId);
      if (!a || a.activity.kind !== 'offered' || a.activity.callId !== c.id) v.push(`call ${c.id} lists an offer to ${agentId} who is not offered it`);
    }
    if (c.state === 'offered' && c.offers.size === 0) v.push(`call ${c.id} offered to nobody`);
    if (c.state === 'connected') {
      const a = c.agentId ? r.agents.get(c.agentId) : undefined;
      if (!a || a.activity.kind !== 'on-call' || a.activity.callId !== c.id) v.push(`call ${c.id} connected to ${c.agentId} who is not on it`);
    }
  }
  for (const q of r.queues.values()) {
    for (const c of q.waiting) {
      if (c.state !== 'waiting') v.push(`call ${c.id} in ${q.policy.id}'s waiting list but ${c.state}`);
    }
    if (q.waiting.length > 0) {
      const free = q.policy.members.find((m) => {
        const a = r.agents.get(m);
        return a !== undefined && isAvailable(a);
      });
      if (free) v.push(`call ${q.waiting[0]!.id} waits in ${q.policy.id} while ${free} is available`);
    }
  }
  let waitingCount = 0;
  for (const q of r.queues.values()) waitingCount += q.waiting.length;
  const waitingCalls = [...r.calls.values()].filter((c) => c.state === 'waiting').length;
  if (waitingCount !== waitingCalls) v.push(`${waitingCalls} calls are waiting but queues list ${waitingCount}`);
  return v;
}
