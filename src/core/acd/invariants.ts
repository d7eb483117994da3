/**
 * Invariants of the router, checked after every event by the randomized
 * domain test (and cheap enough to run in a debug build on small sites: the
 * availability checks are O(waiting calls x members)).
 */
import { isAvailable, isLoggedIn, servesClient, skillScore, type AgentRuntime } from './agent.js';
import { clientOf, tierOpen, type CallRuntime, type QueueRuntime, type Router } from './router.js';
import type { RouterCommand } from './types.js';

export function routerViolations(r: Router, now: number): string[] {
  const v: string[] = [];
  const held = new Map<string, string>();
  const connectedTo = new Map<string, string>();

  for (const a of r.agents.values()) {
    const act = a.activity;
    // A held wrap-up outlives its timer until released; nothing else does.
    const heldOpen = act.kind === 'wrap-up' && a.wrapHeld;
    if ('until' in act && act.until <= now && !(heldOpen && a.timerToken === 0)) v.push(`agent ${a.id} still ${act.kind} ${now - act.until} ms past its timer`);
    if ('until' in act && a.timerToken === 0 && !heldOpen) v.push(`agent ${a.id} is ${act.kind} without a timer`);
    if (a.wrapHeld && act.kind !== 'on-call' && act.kind !== 'wrap-up') v.push(`agent ${a.id} holds a wrap-up while ${act.kind}`);
    if (act.kind === 'offered' || act.kind === 'on-call') {
      const c = r.calls.get(act.callId);
      if (!c) v.push(`agent ${a.id} is ${act.kind} for unknown call ${act.callId}`);
      else if (act.kind === 'offered' && (c.state !== 'offered' || !c.offers.has(a.id))) v.push(`agent ${a.id} offered ${c.id} but the call does not list the offer`);
      else if (act.kind === 'on-call' && (c.state !== 'connected' || c.agentId !== a.id)) v.push(`agent ${a.id} on call ${c.id} owned by ${c.agentId}`);
    }
    if (!a.configured && act.kind === 'idle') v.push(`removed agent ${a.id} is idle but not forgotten`);
    for (const q of r.queues.values()) {
      const tier = eligibleTier(a, q);
      if (tier !== a.queues.get(q.policy.id)?.tier) v.push(`agent ${a.id} cached as tier ${a.queues.get(q.policy.id)?.tier} in ${q.policy.id}, policy says ${tier}`);
    }
    if (!a.configured && a.queues.size > 0) v.push(`removed agent ${a.id} still serves queues`);
    if (a.loggedIn !== isLoggedIn(a)) v.push(`agent ${a.id} logged-in flag is stale`);
    for (const callId of a.reserved) {
      const c = r.calls.get(callId);
      if (!c || c.reservedFor !== a.id) v.push(`agent ${a.id} lists a reservation of ${callId} the call does not hold`);
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
    if (c.state !== 'offered' && c.offers.size > 0) v.push(`call ${c.id} is ${c.state} but lists offers`);
    if (c.state === 'connected') {
      const a = c.agentId ? r.agents.get(c.agentId) : undefined;
      if (!a || a.activity.kind !== 'on-call' || a.activity.callId !== c.id) v.push(`call ${c.id} connected to ${c.agentId} who is not on it`);
      const prior = connectedTo.get(c.agentId ?? '');
      if (prior) v.push(`agent ${c.agentId} holds calls ${prior} and ${c.id}`);
      connectedTo.set(c.agentId ?? '', c.id);
      continue;
    }
    const q = r.queues.get(c.queueId);
    if (!q) {
      v.push(`call ${c.id} is ${c.state} in removed queue ${c.queueId}`);
      continue;
    }
    if (c.state === 'waiting' && !q.waiting.has(c)) v.push(`waiting call ${c.id} missing from ${q.policy.id}'s list`);
    if (c.state === 'offered' && !q.offered.has(c)) v.push(`offered call ${c.id} missing from ${q.policy.id}'s offered set`);
    const maxWait = q.policy.maxWaitMs;
    if (maxWait !== undefined && c.enqueuedAt + maxWait <= now) v.push(`call ${c.id} ${c.state} ${now - c.enqueuedAt} ms in ${q.policy.id}, past its max wait`);
    if (c.reservedFor !== undefined) {
      if (c.state !== 'waiting') v.push(`call ${c.id} is ${c.state} but still reserved`);
      if ((c.reservedUntil ?? -Infinity) <= now) v.push(`call ${c.id} still reserved past its affinity wait`);
      if (!r.agents.get(c.reservedFor)?.reserved.has(c.id)) v.push(`call ${c.id} reserved for ${c.reservedFor} who does not know`);
    }
    if (c.state === 'waiting' && q.policy.maxWaitNoAgentMs !== undefined && q.loggedIn === 0 && q.noAgentSince !== undefined) {
      if (Math.max(c.enqueuedAt, q.noAgentSince) + q.policy.maxWaitNoAgentMs <= now) v.push(`call ${c.id} waits in ${q.policy.id} past its no-agent limit`);
    }
  }

  let waitingCount = 0;
  for (const q of r.queues.values()) {
    const id = q.policy.id;
    waitingCount += q.waiting.length;
    let counted = 0;
    for (const c of q.waiting) {
      counted++;
      if (c.state !== 'waiting' || r.calls.get(c.id) !== c) v.push(`call ${c.id} in ${id}'s waiting list but ${r.calls.get(c.id) === c ? c.state : 'gone'}`);
      if (c.queueId !== id) v.push(`call ${c.id} of ${c.queueId} listed in ${id}`);
    }
    if (counted !== q.waiting.length) v.push(`${id}'s waiting list counts ${q.waiting.length} but holds ${counted}`);
    for (const c of q.offered) if (c.state !== 'offered' || r.calls.get(c.id) !== c) v.push(`call ${c.id} in ${id}'s offered set but ${c.state}`);

    // Logged-in members and the no-agent clock.
    let loggedIn = 0;
    for (const a of r.agents.values()) if (eligibleTier(a, q) !== undefined && isLoggedIn(a)) loggedIn++;
    if (loggedIn !== q.loggedIn) v.push(`${id} counts ${q.loggedIn} logged-in members, really ${loggedIn}`);
    if ((q.loggedIn === 0) !== (q.noAgentSince !== undefined)) v.push(`${id} no-agent clock ${q.noAgentSince} with ${q.loggedIn} logged in`);

    // No call waits while an agent eligible for it is available.
    for (const c of q.waiting) {
      const free = eligibleAvailable(r, q, c, now);
      if (free) v.push(`call ${c.id} waits in ${id} while ${free} is available${c.reservedFor ? ' (reserved for them)' : ''}`);
    }
    // A ring-all call rings every eligible member who is available.
    if (q.policy.strategy === 'ring-all') {
      for (const c of q.offered) {
        if (!c.ringAll) continue;
        const free = eligibleAvailable(r, q, c, now);
        if (free) v.push(`ring-all call ${c.id} in ${id} does not ring available ${free}`);
      }
    }
  }
  const waitingCalls = [...r.calls.values()].filter((c) => c.state === 'waiting').length;
  if (waitingCount !== waitingCalls) v.push(`${waitingCalls} calls are waiting but queues list ${waitingCount}`);
  return v;
}

/**
 * The agent's tier in the queue if it is an eligible member, derived from the
 * policy itself (not from the router's cached memberships): configured, listed
 * as a member, every required skill at its minimum.
 */
export function eligibleTier(a: AgentRuntime, q: QueueRuntime): number | undefined {
  if (!a.configured) return undefined;
  const m = q.policy.members.find((x) => x.agentId === a.id);
  if (!m || skillScore(a.skills, q.policy.requiredSkills) < 0) return undefined;
  return Number.isFinite(m.tier) ? Math.max(1, Math.floor(m.tier)) : 1;
}

/** An available agent who may be offered the call now (reservation, skills, clients, tier), if any. */
export function eligibleAvailable(r: Router, q: QueueRuntime, c: CallRuntime, now: number): string | undefined {
  if (c.reservedFor !== undefined) {
    const a = r.agents.get(c.reservedFor);
    return a && isAvailable(a) && eligibleTier(a, q) !== undefined && servesClient(a, clientOf(c, q)) ? a.id : undefined;
  }
  for (const m of q.members) {
    const a = r.agents.get(m.agentId);
    if (a && eligibleForCall(a, q, c, now, true)) return a.id;
  }
  return undefined;
}

export function eligibleForCall(a: AgentRuntime, q: QueueRuntime, c: CallRuntime, at: number, checkTier: boolean): boolean {
  const tier = eligibleTier(a, q);
  return isAvailable(a) && tier !== undefined && servesClient(a, clientOf(c, q)) && (!checkTier || tierOpen(q, tier, c.enqueuedAt, at));
}

/**
 * Every offer in a batch of commands went to an agent who was ready, reachable
 * and eligible (member with the skills, serving the client, tier escalated
 * unless the offer came from affinity or the agent's own pick). Checked on the
 * router's state right after the batch; an offer already gone again within
 * the same batch (timed out at once) is not checked. A batch also carries what
 * expired before its event: when that event changed an agent's presence or
 * reachability, pass the agent as `ignorePresenceOf` (an offer made before the
 * change legitimately outlives it).
 */
export function offerViolations(r: Router, cmds: readonly RouterCommand[], ignorePresenceOf?: string): string[] {
  const v: string[] = [];
  for (const cmd of cmds) {
    if (cmd.type !== 'offer') continue;
    const a = r.agents.get(cmd.agentId);
    const c = r.calls.get(cmd.callId);
    const q = r.queues.get(cmd.queueId);
    if (!a || !c || !q) continue;
    const act = a.activity;
    if (act.kind !== 'offered' || act.callId !== c.id) continue;
    if (a.id !== ignorePresenceOf && a.presence !== 'ready') v.push(`offer of ${c.id} to ${a.id} whose presence is ${a.presence}`);
    if (a.id !== ignorePresenceOf && !a.reachable) v.push(`offer of ${c.id} to unreachable ${a.id}`);
    const tier = eligibleTier(a, q);
    if (tier === undefined) v.push(`offer of ${c.id} to ${a.id}, not an eligible member of ${q.policy.id}`);
    if (!servesClient(a, clientOf(c, q))) v.push(`offer of ${c.id} (client ${clientOf(c, q)}) to ${a.id} who does not serve it`);
    if (tier !== undefined && act.via === 'strategy' && !tierOpen(q, tier, c.enqueuedAt, act.since)) v.push(`offer of ${c.id} to tier-${tier} ${a.id} before escalation`);
    if (cmd.timeoutMs !== q.policy.offerTimeoutMs) v.push(`offer of ${c.id} with timeout ${cmd.timeoutMs}`);
  }
  return v;
}
