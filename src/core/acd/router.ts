/**
 * The router: which waiting call goes to which agent, and when.
 *
 * Pure and deterministic: it owns every timer (offer timeout, wrap-up,
 * missed back-off, maximum wait) as a deadline, takes `now` with every event,
 * and answers with commands for the shell. The shell arms one OS timer at
 * {@link Router.nextDeadline} and sends `tick` when it fires; any event also
 * expires what is due first, so no agent outlives a timer however late the
 * shell's timer is.
 *
 * A call's life here:
 * ```
 *  call-queued --> waiting --offer--> offered --answer--> connected --ended--> (gone)
 *                    ^                  |                    
 *                    +--timeout/decline-+    abandoned at any point --> (gone)
 * ```
 * Dispatch is incremental: a new call looks for an available agent; an agent
 * who becomes available looks for the best waiting call across its queues
 * (highest priority, then longest waiting). Together these keep the invariant
 * that no call waits while an eligible agent is available.
 */
import { agentStatus, isAvailable, type Activity, type AgentRuntime, type Presence } from './agent.js';
import { TimerHeap } from '../timers.js';
import type { AgentId, CallId, QueueId, QueuePolicy, RouterCommand, RouterEvent, RouterPolicy } from './types.js';

export interface CallRuntime {
  id: CallId;
  queueId: QueueId;
  priority: number;
  enqueuedAt: number;
  /** Arrival order, the tie-break after priority. */
  seq: number;
  state: 'waiting' | 'offered' | 'connected';
  offers: Set<AgentId>;
  agentId?: AgentId;
  maxWaitAt?: number;
  connectedAt?: number;
}

interface QueueRuntime {
  policy: QueuePolicy;
  /** Waiting (not offered) calls, best first. */
  waiting: CallRuntime[];
  rrNext: number;
}

type TimerKey = { kind: 'agent'; id: AgentId } | { kind: 'call'; id: CallId };

export class Router {
  readonly agents = new Map<AgentId, AgentRuntime>();
  readonly queues = new Map<QueueId, QueueRuntime>();
  readonly calls = new Map<CallId, CallRuntime>();
  private readonly timers = new TimerHeap<TimerKey>();
  private readonly callTimerVersion = new Map<CallId, number>();
  private seq = 0;
  private policy: RouterPolicy;
  private out: RouterCommand[] = [];

  constructor(policy: RouterPolicy, now: number, presence: ReadonlyMap<AgentId, Presence> = new Map()) {
    this.policy = policy;
    this.applyPolicy(policy, now, presence);
    this.out = [];
  }

  /** The earliest deadline the shell must wake the router for, if any. */
  nextDeadline(): number | undefined {
    return this.timers.peek()?.at;
  }

  handle(event: RouterEvent, now: number): RouterCommand[] {
    this.out = [];
    this.expire(now);
    switch (event.type) {
      case 'tick':
        break;
      case 'call-queued':
        this.onQueued(event.callId, event.queueId, event.priority ?? 0, now);
        break;
      case 'call-abandoned':
        this.endCall(event.callId, now);
        break;
      case 'offer-answered':
        this.onAnswered(event.callId, event.agentId, now);
        break;
      case 'offer-failed':
        this.onOfferFailed(event.callId, event.agentId, now);
        break;
      case 'call-ended':
        this.endCall(event.callId, now);
        break;
      case 'agent-presence':
        this.onPresence(event.agentId, event.presence, now);
        break;
      case 'agent-reachable': {
        const a = this.agents.get(event.agentId);
        if (a && a.reachable !== event.reachable) {
          a.reachable = event.reachable;
          if (event.reachable && a.activity.kind === 'idle') a.idleSince = now;
          this.status(a);
          this.dispatchAgent(a, now);
        }
        break;
      }
      case 'wrap-up-end': {
        const a = this.agents.get(event.agentId);
        if (a?.activity.kind === 'wrap-up') this.becomeIdle(a, now);
        break;
      }
    }
    return this.out;
  }

  /** Applies a new configuration; runs in the same command stream as events. */
  reconfigure(policy: RouterPolicy, now: number): RouterCommand[] {
    this.out = [];
    this.expire(now);
    this.applyPolicy(policy, now, new Map());
    return this.out;
  }

  private applyPolicy(policy: RouterPolicy, now: number, presence: ReadonlyMap<AgentId, Presence>): void {
    this.policy = policy;
    const agentIds = new Set(policy.agents.map((a) => a.id));
    for (const ap of policy.agents) {
      if (!this.agents.has(ap.id)) {
        this.agents.set(ap.id, {
          id: ap.id,
          presence: presence.get(ap.id) ?? ap.initialPresence,
          activity: { kind: 'idle' },
          reachable: false,
          idleSince: now,
          missedInRow: 0,
          callsAnswered: 0,
          talkMs: 0,
          queues: new Set(),
          timerVersion: 0,
        });
      }
    }
    // Agents removed from the configuration go offline; a call in progress finishes normally.
    for (const a of this.agents.values()) {
      a.queues.clear();
      if (!agentIds.has(a.id) && a.presence !== 'offline') {
        a.presence = 'offline';
        this.status(a, 'removed from configuration');
      }
    }
    const queueIds = new Set(policy.queues.map((q) => q.id));
    for (const [id, q] of this.queues) {
      if (queueIds.has(id)) continue;
      // A queue removed with callers in it: they leave it as if their wait ran out.
      for (const c of [...q.waiting]) this.leaveQueue(c, now);
      this.queues.delete(id);
    }
    for (const qp of policy.queues) {
      const existing = this.queues.get(qp.id);
      if (existing) existing.policy = qp;
      else this.queues.set(qp.id, { policy: qp, waiting: [], rrNext: 0 });
      for (const m of qp.members) this.agents.get(m)?.queues.add(qp.id);
    }
    for (const a of this.agents.values()) this.dispatchAgent(a, now);
  }

  // ---- events -------------------------------------------------------------

  private onQueued(callId: CallId, queueId: QueueId, priority: number, now: number): void {
    const q = this.queues.get(queueId);
    if (!q || this.calls.has(callId)) return;
    const call: CallRuntime = { id: callId, queueId, priority, enqueuedAt: now, seq: this.seq++, state: 'waiting', offers: new Set() };
    this.calls.set(callId, call);
    if (q.policy.maxWaitMs !== undefined) {
      call.maxWaitAt = now + q.policy.maxWaitMs;
      this.armCall(call);
    }
    insertSorted(q.waiting, call);
    this.dispatchQueue(q, now);
  }

  private onAnswered(callId: CallId, agentId: AgentId, now: number): void {
    const call = this.calls.get(callId);
    const agent = this.agents.get(agentId);
    if (!agent) return;
    const offeredHere = agent.activity.kind === 'offered' && agent.activity.callId === callId;
    // A late answer that crossed our withdrawal still connects if the call is free and so is the agent.
    const lateButFree =
      !offeredHere && call !== undefined && call.state !== 'connected' && (agent.activity.kind === 'idle' || agent.activity.kind === 'missed-backoff');
    if (!call || call.state === 'connected' || (!offeredHere && !lateButFree)) {
      this.out.push({ type: 'release-agent-leg', callId, agentId });
      return;
    }
    const q = this.queues.get(call.queueId);
    if (call.state === 'waiting' && q) removeFrom(q.waiting, call);
    const withdrawn: AgentRuntime[] = [];
    for (const other of call.offers) {
      if (other === agentId) continue;
      const o = this.agents.get(other);
      this.out.push({ type: 'withdraw-offer', callId, agentId: other, reason: 'answered-elsewhere' });
      if (o && o.activity.kind === 'offered' && o.activity.callId === callId) {
        this.setActivity(o, { kind: 'idle' }, now);
        withdrawn.push(o);
      }
    }
    call.offers.clear();
    call.state = 'connected';
    call.agentId = agentId;
    call.maxWaitAt = undefined;
    call.connectedAt = now;
    agent.missedInRow = 0;
    agent.callsAnswered++;
    this.setActivity(agent, { kind: 'on-call', callId }, now);
    this.out.push({ type: 'connect', callId, agentId });
    for (const o of withdrawn) this.dispatchAgent(o, now);
  }

  private onOfferFailed(callId: CallId, agentId: AgentId, now: number): void {
    const agent = this.agents.get(agentId);
    if (!agent || agent.activity.kind !== 'offered' || agent.activity.callId !== callId) return;
    this.missOffer(agent, now);
  }

  private onPresence(agentId: AgentId, presence: Presence, now: number): void {
    const a = this.agents.get(agentId);
    if (!a || a.presence === presence) return;
    a.presence = presence;
    if (presence === 'ready') {
      a.missedInRow = 0;
      if (a.activity.kind === 'idle') a.idleSince = now;
    }
    this.status(a);
    this.dispatchAgent(a, now);
  }

  private endCall(callId: CallId, now: number): void {
    const call = this.calls.get(callId);
    if (!call) return;
    this.calls.delete(callId);
    this.callTimerVersion.delete(callId);
    const q = this.queues.get(call.queueId);
    if (call.state === 'waiting' && q) removeFrom(q.waiting, call);
    const freed: AgentRuntime[] = [];
    for (const agentId of call.offers) {
      const a = this.agents.get(agentId);
      this.out.push({ type: 'withdraw-offer', callId, agentId, reason: 'abandoned' });
      if (a && a.activity.kind === 'offered' && a.activity.callId === callId) {
        this.setActivity(a, { kind: 'idle' }, now);
        freed.push(a);
      }
    }
    if (call.state === 'connected' && call.agentId) {
      const a = this.agents.get(call.agentId);
      if (a && a.activity.kind === 'on-call' && a.activity.callId === callId) {
        a.talkMs += now - (call.connectedAt ?? now);
        const wrapUpMs = q?.policy.wrapUpMs ?? 0;
        if (wrapUpMs > 0) this.setActivity(a, { kind: 'wrap-up', until: now + wrapUpMs }, now);
        else this.becomeIdle(a, now);
      }
    }
    for (const a of freed) this.dispatchAgent(a, now);
  }

  // ---- timers -------------------------------------------------------------

  private expire(now: number): void {
    for (let e = this.timers.peek(); e && e.at <= now; e = this.timers.peek()) {
      this.timers.pop();
      if (e.key.kind === 'agent') {
        const a = this.agents.get(e.key.id);
        if (!a || a.timerVersion !== e.version) continue;
        const act = a.activity;
        if (act.kind === 'offered') {
          this.out.push({ type: 'withdraw-offer', callId: act.callId, agentId: a.id, reason: 'timeout' });
          this.missOffer(a, e.at);
        } else if (act.kind === 'wrap-up' || act.kind === 'missed-backoff') {
          this.becomeIdle(a, e.at);
        }
      } else {
        const c = this.calls.get(e.key.id);
        if (!c || this.callTimerVersion.get(c.id) !== e.version || c.state === 'connected') continue;
        this.leaveQueue(c, e.at);
      }
    }
  }

  private armCall(call: CallRuntime): void {
    if (call.maxWaitAt === undefined) return;
    const v = (this.callTimerVersion.get(call.id) ?? 0) + 1;
    this.callTimerVersion.set(call.id, v);
    this.timers.push(call.maxWaitAt, { kind: 'call', id: call.id }, v);
  }

  /** The call's wait ran out (or its queue went away): withdraw offers and hand it back to the shell. */
  private leaveQueue(call: CallRuntime, now: number): void {
    const q = this.queues.get(call.queueId);
    if (q && call.state === 'waiting') removeFrom(q.waiting, call);
    const freed: AgentRuntime[] = [];
    for (const agentId of call.offers) {
      this.out.push({ type: 'withdraw-offer', callId: call.id, agentId, reason: 'abandoned' });
      const a = this.agents.get(agentId);
      if (a && a.activity.kind === 'offered' && a.activity.callId === call.id) {
        this.setActivity(a, { kind: 'idle' }, now);
        freed.push(a);
      }
    }
    this.calls.delete(call.id);
    this.callTimerVersion.delete(call.id);
    this.out.push({ type: 'max-wait', callId: call.id, queueId: call.queueId });
    for (const a of freed) this.dispatchAgent(a, now);
  }

  // ---- transitions ----------------------------------------------------------

  private missOffer(agent: AgentRuntime, now: number): void {
    const act = agent.activity;
    if (act.kind !== 'offered') return;
    const call = this.calls.get(act.callId);
    const q = call ? this.queues.get(call.queueId) : undefined;
    agent.missedInRow++;
    let reason: string | undefined;
    if (agent.missedInRow >= this.policy.maxMissedInRow && agent.presence === 'ready') {
      agent.presence = 'standby';
      reason = `missed ${agent.missedInRow} offers in a row`;
    }
    const backoffMs = q?.policy.missedBackoffMs ?? 0;
    if (backoffMs > 0) this.setActivity(agent, { kind: 'missed-backoff', until: now + backoffMs }, now, reason);
    else {
      this.setActivity(agent, { kind: 'idle' }, now, reason);
      agent.idleSince = now;
    }
    if (call) {
      call.offers.delete(agent.id);
      if (call.offers.size === 0 && call.state === 'offered' && q) {
        call.state = 'waiting';
        insertSorted(q.waiting, call);
        this.dispatchQueue(q, now);
      }
    }
    if (backoffMs <= 0) this.dispatchAgent(agent, now);
  }

  private becomeIdle(a: AgentRuntime, now: number): void {
    this.setActivity(a, { kind: 'idle' }, now);
    a.idleSince = now;
    this.dispatchAgent(a, now);
  }

  private setActivity(a: AgentRuntime, activity: Activity, now: number, reason?: string): void {
    const before = agentStatus(a);
    a.activity = activity;
    a.timerVersion++;
    if ('until' in activity) this.timers.push(activity.until, { kind: 'agent', id: a.id }, a.timerVersion);
    if (agentStatus(a) !== before || reason) this.status(a, reason);
    void now;
  }

  private status(a: AgentRuntime, reason?: string): void {
    this.out.push({ type: 'agent-status', agentId: a.id, status: agentStatus(a), presence: a.presence, ...(reason ? { reason } : {}) });
  }

  // ---- dispatch -------------------------------------------------------------

  /** Offer the queue's head calls to available members, as many as can be matched. */
  private dispatchQueue(q: QueueRuntime, now: number): void {
    while (q.waiting.length > 0) {
      const call = q.waiting[0]!;
      const picked = this.pickAgents(q);
      if (picked.length === 0) return;
      q.waiting.shift();
      for (const a of picked) this.offer(call, a, q, now);
    }
  }

  /** An agent became available: the best waiting call across the agent's queues. */
  private dispatchAgent(a: AgentRuntime, now: number): void {
    if (!isAvailable(a)) return;
    let best: { call: CallRuntime; q: QueueRuntime } | undefined;
    for (const qid of a.queues) {
      const q = this.queues.get(qid);
      const head = q?.waiting[0];
      if (!q || !head) continue;
      if (!best || better(head, best.call)) best = { call: head, q };
    }
    if (!best) return;
    // Ring-all rings every available member, not only this one.
    if (best.q.policy.strategy === 'ring-all') return this.dispatchQueue(best.q, now);
    best.q.waiting.shift();
    this.offer(best.call, a, best.q, now);
  }

  private pickAgents(q: QueueRuntime): AgentRuntime[] {
    const members = q.policy.members;
    const available = (id: AgentId) => {
      const a = this.agents.get(id);
      return a && isAvailable(a) ? a : undefined;
    };
    switch (q.policy.strategy) {
      case 'ring-all':
        return members.map(available).filter((a): a is AgentRuntime => a !== undefined);
      case 'round-robin': {
        for (let i = 0; i < members.length; i++) {
          const idx = (q.rrNext + i) % members.length;
          const a = available(members[idx]!);
          if (a) {
            q.rrNext = idx + 1;
            return [a];
          }
        }
        return [];
      }
      case 'longest-idle': {
        let best: AgentRuntime | undefined;
        for (const id of members) {
          const a = available(id);
          if (a && (!best || a.idleSince < best.idleSince)) best = a;
        }
        return best ? [best] : [];
      }
    }
  }

  private offer(call: CallRuntime, a: AgentRuntime, q: QueueRuntime, now: number): void {
    call.state = 'offered';
    call.offers.add(a.id);
    const timeoutMs = q.policy.offerTimeoutMs;
    this.setActivity(a, { kind: 'offered', callId: call.id, until: now + timeoutMs }, now);
    this.out.push({ type: 'offer', callId: call.id, agentId: a.id, queueId: q.policy.id, timeoutMs });
  }
}

function better(a: CallRuntime, b: CallRuntime): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
}

/** Keeps a waiting list ordered best first; a re-queued call regains its original place. */
function insertSorted(list: CallRuntime[], call: CallRuntime): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (better(list[mid]!, call)) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, call);
}

function removeFrom(list: CallRuntime[], call: CallRuntime): void {
  const i = list.indexOf(call);
  if (i >= 0) list.splice(i, 1);
}
