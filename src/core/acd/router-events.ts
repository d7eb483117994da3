/**
 * The router's third layer (see src/core/acd/router.ts): the configuration
 * applied (agents, queues and members added, changed or removed without
 * interrupting an offer or a call) and the events of a call's and an
 * agent's life: queued, answered, presence, take-call, ended.
 */
import { isAvailable, isLoggedIn, servesClient, skillScore, type AgentRuntime } from './agent.js';
import { WaitingList } from './waiting.js';
import type { AgentId, CallId, OverflowTarget, Presence, QueueId, RouterEvent, RouterPolicy } from './types.js';
import { HANDLE_TIME_SAMPLES, newAgent, newCall, setMembers, clientOf, type CallRuntime } from './router-runtime.js';
import { RouterDispatch } from './router-dispatch.js';

export abstract class RouterEvents extends RouterDispatch {
  protected applyPolicy(policy: RouterPolicy, now: number, presence: ReadonlyMap<AgentId, Presence>): void {
    this.policy = policy;
    const seen = new Set<AgentId>();
    for (const ap of policy.agents) {
      if (seen.has(ap.id)) continue;
      seen.add(ap.id);
      let a = this.agents.get(ap.id);
      if (!a) {
        a = newAgent(ap.id, presence.get(ap.id) ?? ap.initialPresence, now);
        this.agents.set(ap.id, a);
      } else if (!a.configured) {
        // Removed earlier and still finishing a call: back in service with its initial presence.
        a.configured = true;
        a.presence = ap.initialPresence;
        a.presenceReason = undefined;
        this.status(a);
      }
      a.configured = true;
      a.skills = { ...ap.skills };
      a.clients = new Set(ap.clients);
    }
    // Agents removed from the configuration go offline; a call in progress finishes normally.
    for (const a of this.agents.values()) {
      if (seen.has(a.id) || !a.configured) continue;
      a.configured = false;
      a.presence = 'offline';
      a.presenceReason = 'removed from configuration';
      this.status(a);
    }
    const keep = new Set(policy.queues.map((q) => q.id));
    const orphans: { call: CallRuntime; target?: OverflowTarget }[] = [];
    for (const [id, q] of this.queues) {
      if (keep.has(id)) continue;
      for (const call of q.waiting) orphans.push({ call, target: q.policy.overflow });
      for (const call of q.offered) orphans.push({ call, target: q.policy.overflow });
      this.queues.delete(id);
    }
    const done = new Set<QueueId>();
    for (const qp of policy.queues) {
      if (done.has(qp.id)) continue;
      done.add(qp.id);
      let q = this.queues.get(qp.id);
      if (!q) {
        q = { policy: qp, members: [], memberOrder: new Map(), escalationTiers: [], waiting: new WaitingList(), offered: new Set(), loggedIn: 0, noAgentToken: 0, handleTimes: [] };
        this.queues.set(qp.id, q);
      }
      q.policy = qp;
      setMembers(q, qp);
    }
    this.rebuild(now);
    // A queue removed with callers in it: they leave through its overflow.
    for (const { call, target } of orphans) if (this.calls.get(call.id) === call) this.overflow(call, 'queue-removed', now, target);
    this.gcAgents(now);
    this.dispatchAll(now);
  }

  /** Recomputes what derives from the configuration: memberships, logged-in counts, call timers, reservations. */
  protected rebuild(now: number): void {
    for (const a of this.agents.values()) a.queues.clear();
    for (const q of this.queues.values()) {
      for (const m of q.members) {
        const a = this.agents.get(m.agentId);
        m.agent = a;
        if (!a || !a.configured) continue;
        const score = skillScore(a.skills, q.policy.requiredSkills);
        if (score >= 0) a.queues.set(q.policy.id, { tier: m.tier, score, order: m.order });
      }
      q.loggedIn = 0;
    }
    for (const a of this.agents.values()) {
      a.loggedIn = isLoggedIn(a);
      if (!a.loggedIn) continue;
      for (const qid of a.queues.keys()) this.queues.get(qid)!.loggedIn++;
    }
    for (const q of this.queues.values()) {
      if (q.loggedIn > 0) q.noAgentSince = undefined;
      else q.noAgentSince ??= now;
      q.noAgentAt = undefined;
      q.noAgentToken = 0;
      this.armNoAgent(q);
    }
    for (const c of this.calls.values()) {
      if (c.state === 'connected') continue;
      const q = this.queues.get(c.queueId);
      if (!q) continue;
      this.armCallTimers(c, q, now);
      if (c.reservedFor === undefined) continue;
      const a = this.agents.get(c.reservedFor);
      if (!a || c.state !== 'waiting' || !a.queues.has(q.policy.id) || !servesClient(a, clientOf(c, q))) this.clearReservation(c);
    }
  }

  // ---- events ---------------------------------------------------------------

  protected onQueued(e: Extract<RouterEvent, { type: 'call-queued' }>, now: number): void {
    if (this.calls.has(e.callId)) return;
    const q = this.queues.get(e.queueId);
    if (!q) {
      this.out.push({ type: 'overflow', callId: e.callId, queueId: e.queueId, reason: 'queue-removed' });
      return;
    }
    const p = q.policy;
    if (p.maxSize !== undefined && q.waiting.length + q.offered.size >= p.maxSize) {
      this.out.push({ type: 'overflow', callId: e.callId, queueId: e.queueId, reason: 'queue-full', ...(p.overflow ? { target: p.overflow } : {}) });
      return;
    }
    const call = newCall(e.callId, e.queueId, e.priority ?? 0, now, this.seq++, e.caller, e.clientId);
    this.calls.set(call.id, call);
    q.waiting.insert(call);
    this.armCallTimers(call, q, now);
    if (q.noAgentSince !== undefined && q.noAgentAt === undefined) this.armNoAgent(q);
    // Affinity: the agent who last talked to this caller, first.
    const window = p.affinityWindowMs ?? 0;
    if (call.caller !== undefined && window > 0) {
      const mem = this.affinity.get(call.caller);
      const a = mem && now - mem.at <= window ? this.agents.get(mem.agentId) : undefined;
      if (a && a.queues.has(p.id) && servesClient(a, clientOf(call, q))) {
        if (isAvailable(a)) return this.offer(call, a, q, now, 'affinity');
        const waitMs = p.affinityWaitMs ?? 0;
        if (waitMs > 0 && a.presence === 'ready' && a.activity.kind !== 'idle') return this.reserve(call, a, now + waitMs);
      }
    }
    this.tryDispatchCall(call, now);
  }

  protected onAnswered(callId: CallId, agentId: AgentId, now: number): void {
    const call = this.calls.get(callId);
    const agent = this.agents.get(agentId);
    const offeredHere = agent !== undefined && agent.activity.kind === 'offered' && agent.activity.callId === callId;
    // A late answer that crossed our withdrawal still connects if the call is free and so is the agent.
    const lateButFree =
      !offeredHere &&
      agent !== undefined &&
      call !== undefined &&
      call.state !== 'connected' &&
      call.offeredEver.has(agentId) &&
      (agent.activity.kind === 'idle' || agent.activity.kind === 'missed-backoff');
    if (!agent || !call || call.state === 'connected' || (!offeredHere && !lateButFree)) {
      this.out.push({ type: 'release-agent-leg', callId, agentId });
      return;
    }
    const q = this.queues.get(call.queueId);
    if (call.state === 'waiting') q?.waiting.remove(call);
    else q?.offered.delete(call);
    const withdrawn: AgentRuntime[] = [];
    for (const other of call.offers) {
      if (other === agentId) continue;
      this.out.push({ type: 'withdraw-offer', callId, agentId: other, reason: 'answered-elsewhere' });
      const o = this.agents.get(other);
      if (o && o.activity.kind === 'offered' && o.activity.callId === callId) {
        this.setActivity(o, { kind: 'idle' }, now);
        withdrawn.push(o);
      }
    }
    call.offers.clear();
    call.ringAll = false;
    this.clearReservation(call);
    call.state = 'connected';
    call.agentId = agentId;
    call.connectedAt = now;
    call.wrapUpMs = q?.policy.wrapUpMs ?? 0;
    call.maxWaitAt = call.nextAnnounceAt = call.escalateAt = undefined;
    call.tok = { 'max-wait': 0, announce: 0, escalate: 0, reserve: 0 };
    agent.missedInRow = 0;
    agent.callsAnswered++;
    if (call.caller !== undefined) this.affinity.set(call.caller, agentId, now);
    this.setActivity(agent, { kind: 'on-call', callId }, now);
    this.out.push({ type: 'connect', callId, agentId });
    for (const o of withdrawn) this.dispatchAgent(o, now);
  }

  protected onPresence(agentId: AgentId, presence: Presence, reason: string | undefined, now: number): void {
    const a = this.agents.get(agentId);
    if (!a || !a.configured || (a.presence === presence && a.presenceReason === reason)) return;
    a.presence = presence;
    a.presenceReason = reason;
    if (presence === 'ready') {
      a.missedInRow = 0;
      if (a.activity.kind === 'idle') a.idleSince = now;
    }
    this.updateLoggedIn(a, now);
    this.status(a);
    this.dispatchAgent(a, now);
  }

  protected onTake(agentId: AgentId, callId: CallId, now: number): void {
    const a = this.agents.get(agentId);
    const call = this.calls.get(callId);
    const refuse = (reason: string) => void this.out.push({ type: 'take-refused', callId, agentId, reason });
    if (!a || !a.configured) return refuse('unknown-agent');
    if (!call) return refuse('unknown-call');
    if (call.state !== 'waiting') return refuse(call.state === 'offered' ? 'already-offered' : 'already-connected');
    if (!isAvailable(a)) return refuse('agent-not-available');
    const q = this.queues.get(call.queueId)!;
    if (!a.queues.has(q.policy.id) || !servesClient(a, clientOf(call, q))) return refuse('not-eligible');
    this.offer(call, a, q, now, 'take');
  }

  /** Caller hung up, or the conversation ended. */
  protected endCall(callId: CallId, now: number): void {
    const call = this.calls.get(callId);
    if (!call) return;
    const q = this.queues.get(call.queueId);
    this.calls.delete(callId);
    this.clearReservation(call);
    let freed: AgentRuntime[] = [];
    if (call.state === 'waiting') q?.waiting.remove(call);
    else if (call.state === 'offered') {
      q?.offered.delete(call);
      freed = this.withdrawAll(call, 'abandoned', now);
    } else if (call.agentId !== undefined) {
      const a = this.agents.get(call.agentId);
      if (a && a.activity.kind === 'on-call' && a.activity.callId === callId) {
        const talk = Math.max(0, now - (call.connectedAt ?? now));
        const wrapUpMs = call.wrapUpMs ?? 0;
        a.talkMs += talk;
        if (q) {
          q.handleTimes.push(talk + wrapUpMs);
          if (q.handleTimes.length > HANDLE_TIME_SAMPLES) q.handleTimes.shift();
        }
        if (call.caller !== undefined) this.affinity.set(call.caller, a.id, now);
        if (wrapUpMs > 0) this.setActivity(a, { kind: 'wrap-up', until: now + wrapUpMs }, now);
        else if (a.wrapHeld) {
          this.setActivity(a, { kind: 'wrap-up', until: now }, now);
          a.timerToken = 0;
        } else this.becomeIdle(a, now);
      }
    }
    for (const a of freed) this.dispatchAgent(a, now);
  }

  // ---- timers -------------------------------------------------------------
}
