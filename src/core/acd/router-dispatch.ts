/**
 * The router's second layer (see src/core/acd/router.ts): timers firing
 * (offer timeout, wrap-up, back-off, limits, escalation, affinity wait,
 * announcements), overflow and withdrawn offers, and dispatch: which eligible
 * agent a call is offered to under its queue's strategy, and which waiting
 * call an agent who becomes available takes.
 */
import { isAvailable, isBusyWithCall, isLoggedIn, servesClient, type AgentRuntime, type Membership, type OfferVia } from './agent.js';
import { type TimerEntry } from '../timers.js';
import type { AgentId, OverflowTarget } from './types.js';
import { clientOf, tierOpen, byPriorityThenArrival, firstAfter, strategyKey, ahead, type OverflowReason, type CallRuntime, type QueueRuntime, type TimerKey } from './router-runtime.js';
import { RouterState } from './router-state.js';

export abstract class RouterDispatch extends RouterState {
  protected expire(now: number): void {
    for (let e = this.timers.peek(); e && e.at <= now; e = this.timers.peek()) {
      this.timers.pop();
      if (this.live(e)) this.fire(e, now);
    }
    // A call's tier that opened between the timer's time and now has no timer left to offer it
    // to an agent freed at the timer's time (a reload re-arms limits in the past): look again now.
    if (this.late.size === 0) return;
    const late = [...this.late];
    this.late.clear();
    for (const a of late) if (this.agents.get(a.id) === a) this.dispatchAgent(a, now);
  }

  protected fire(e: TimerEntry<TimerKey>, now: number): void {
    const at = e.at;
    const k = e.key;
    if (k.kind === 'agent') {
      const a = this.agents.get(k.id)!;
      a.timerToken = 0;
      const act = a.activity;
      if (act.kind === 'offered') {
        this.out.push({ type: 'withdraw-offer', callId: act.callId, agentId: a.id, reason: 'timeout' });
        this.missOffer(a, at);
      } else if (act.kind === 'wrap-up' && a.wrapHeld) return; // waits for its release, with no timer
      else if (act.kind === 'wrap-up' || act.kind === 'missed-backoff') this.becomeIdle(a, at);
      return;
    }
    if (k.kind === 'no-agent') {
      const q = this.queues.get(k.id)!;
      q.noAgentAt = undefined;
      q.noAgentToken = 0;
      const x = q.policy.maxWaitNoAgentMs;
      const since = q.noAgentSince;
      if (x !== undefined && since !== undefined && since + x <= at) {
        // Deadline max(arrival, since) + x; arrival order is time order within a level.
        const due: CallRuntime[] = [];
        for (const level of q.waiting.levels) {
          for (const c of level.calls) {
            if (c.enqueuedAt + x > at) break;
            due.push(c);
          }
        }
        for (const c of due) this.overflow(c, 'no-agents', at);
      }
      this.armNoAgent(q);
      return;
    }
    const c = this.calls.get(k.id)!;
    c.tok[k.kind] = 0;
    const q = this.queues.get(c.queueId);
    if (!q) return;
    switch (k.kind) {
      case 'max-wait':
        this.overflow(c, 'max-wait', at);
        break;
      case 'announce': {
        const every = c.announceEveryMs ?? 0;
        if (every <= 0) break;
        // After a long pause (restart) only the latest announcement is played.
        if (c.state === 'waiting' && now - at < every) this.announce(c, q);
        c.nextAnnounceAt = at + every > now ? at + every : firstAfter(at, every, now);
        c.tok.announce = this.arm(c.nextAnnounceAt, { kind: 'announce', id: c.id });
        break;
      }
      case 'escalate':
        c.escalateAt = undefined;
        if (c.state === 'waiting') this.tryDispatchCall(c, at);
        else if (c.state === 'offered' && c.ringAll && q.policy.strategy === 'ring-all') this.ringMore(c, q, at);
        if (this.calls.get(c.id) === c && c.state !== 'connected') this.armEscalation(c, q, at);
        break;
      case 'reserve':
        this.clearReservation(c);
        if (c.state === 'waiting') this.tryDispatchCall(c, at);
        break;
    }
  }

  /** (Re)arms a not yet connected call's limits, announcements and escalation from its arrival time. */
  protected armCallTimers(c: CallRuntime, q: QueueRuntime, now: number): void {
    const p = q.policy;
    const maxWaitAt = p.maxWaitMs !== undefined ? c.enqueuedAt + p.maxWaitMs : undefined;
    if (maxWaitAt !== c.maxWaitAt || (maxWaitAt !== undefined && c.tok['max-wait'] === 0)) {
      c.maxWaitAt = maxWaitAt;
      c.tok['max-wait'] = maxWaitAt === undefined ? 0 : this.arm(maxWaitAt, { kind: 'max-wait', id: c.id });
    }
    const every = p.announceEveryMs ?? 0;
    if (every <= 0) {
      c.nextAnnounceAt = c.announceEveryMs = undefined;
      c.tok.announce = 0;
    } else if (c.announceEveryMs !== every || c.nextAnnounceAt === undefined || c.tok.announce === 0) {
      if (c.announceEveryMs !== every || c.nextAnnounceAt === undefined) c.nextAnnounceAt = firstAfter(c.enqueuedAt, every, now);
      c.announceEveryMs = every;
      c.tok.announce = this.arm(c.nextAnnounceAt, { kind: 'announce', id: c.id });
    }
    this.armEscalation(c, q, now);
  }

  protected armEscalation(c: CallRuntime, q: QueueRuntime, now: number): void {
    const e = q.policy.tierEscalationMs;
    let at: number | undefined;
    if (e > 0) {
      for (const t of q.escalationTiers) {
        const x = c.enqueuedAt + e * (t - 1);
        if (x > now) {
          at = x;
          break;
        }
      }
    }
    if (at === c.escalateAt && (at === undefined || c.tok.escalate !== 0)) return;
    c.escalateAt = at;
    c.tok.escalate = at === undefined ? 0 : this.arm(at, { kind: 'escalate', id: c.id });
  }

  /** Arms the queue's no-agent timer at the earliest `max(arrival, since) + maxWaitNoAgentMs` of its waiting calls. */
  protected armNoAgent(q: QueueRuntime): void {
    const x = q.policy.maxWaitNoAgentMs;
    if (x === undefined || q.noAgentSince === undefined || q.waiting.length === 0) {
      q.noAgentAt = undefined;
      q.noAgentToken = 0;
      return;
    }
    let oldest = Infinity;
    for (const level of q.waiting.levels) oldest = Math.min(oldest, level.calls[0]?.enqueuedAt ?? Infinity);
    const at = Math.max(oldest, q.noAgentSince) + x;
    if (q.noAgentAt === at && q.noAgentToken !== 0) return;
    q.noAgentAt = at;
    q.noAgentToken = this.arm(at, { kind: 'no-agent', id: q.policy.id });
  }

  /** The call leaves the queue through a limit; the router forgets it. */
  protected overflow(call: CallRuntime, reason: OverflowReason, now: number, target?: OverflowTarget): void {
    const q = this.queues.get(call.queueId);
    if (call.state === 'waiting') q?.waiting.remove(call);
    else if (call.state === 'offered') q?.offered.delete(call);
    const freed = this.withdrawAll(call, 'overflow', now);
    this.clearReservation(call);
    this.calls.delete(call.id);
    const to = target ?? q?.policy.overflow;
    this.out.push({ type: 'overflow', callId: call.id, queueId: call.queueId, reason, ...(to ? { target: to } : {}) });
    for (const a of freed) this.dispatchAgent(a, now);
  }

  /** Withdraws every ringing offer of the call; returns the agents it freed (to dispatch afterwards). */
  protected withdrawAll(call: CallRuntime, reason: 'abandoned' | 'overflow', now: number): AgentRuntime[] {
    const freed: AgentRuntime[] = [];
    for (const agentId of call.offers) {
      this.out.push({ type: 'withdraw-offer', callId: call.id, agentId, reason });
      const a = this.agents.get(agentId);
      if (a && a.activity.kind === 'offered' && a.activity.callId === call.id) {
        this.setActivity(a, { kind: 'idle' }, now);
        freed.push(a);
      }
    }
    call.offers.clear();
    call.ringAll = false;
    return freed;
  }

  protected missOffer(agent: AgentRuntime, now: number): void {
    const act = agent.activity;
    if (act.kind !== 'offered') return;
    const call = this.calls.get(act.callId);
    const q = call ? this.queues.get(call.queueId) : undefined;
    agent.missedInRow++;
    let reason: string | undefined;
    const max = this.policy.maxMissedInRow;
    if (max > 0 && agent.missedInRow >= max && agent.presence === 'ready') {
      agent.presence = 'standby';
      agent.presenceReason = reason = `missed ${agent.missedInRow} offers in a row`;
    }
    const backoffMs = q?.policy.missedBackoffMs ?? 0;
    if (backoffMs > 0) this.setActivity(agent, { kind: 'missed-backoff', until: now + backoffMs }, now, reason);
    else {
      agent.idleSince = now;
      this.setActivity(agent, { kind: 'idle' }, now, reason);
    }
    if (call && q) {
      call.offers.delete(agent.id);
      if (call.offers.size === 0 && call.state === 'offered') {
        q.offered.delete(call);
        call.state = 'waiting';
        call.ringAll = false;
        q.waiting.insert(call);
        if (q.noAgentSince !== undefined) this.armNoAgent(q);
        // The next eligible agent; the one who missed only if nobody else is (after its back-off).
        this.tryDispatchCall(call, now, agent.id);
      }
    }
    if (backoffMs <= 0) this.dispatchAgent(agent, now);
  }

  protected becomeIdle(a: AgentRuntime, now: number): void {
    a.idleSince = now;
    this.setActivity(a, { kind: 'idle' }, now);
    this.dispatchAgent(a, now);
  }

  protected override updateLoggedIn(a: AgentRuntime, now: number): void {
    const li = isLoggedIn(a);
    if (li === a.loggedIn) return;
    a.loggedIn = li;
    for (const qid of a.queues.keys()) {
      const q = this.queues.get(qid);
      if (!q) continue;
      q.loggedIn += li ? 1 : -1;
      if (q.loggedIn === 0) {
        q.noAgentSince = now;
        this.armNoAgent(q);
      } else if (li && q.loggedIn === 1) {
        q.noAgentSince = undefined;
        this.armNoAgent(q);
      }
    }
  }

  /** A removed agent whose work is done leaves the router. */
  protected override forget(a: AgentRuntime, now: number): void {
    if (this.agents.get(a.id) !== a) return;
    this.agents.delete(a.id);
    for (const callId of [...a.reserved]) {
      const c = this.calls.get(callId);
      if (!c) continue;
      this.clearReservation(c);
      if (c.state === 'waiting') this.tryDispatchCall(c, now);
    }
  }

  protected gcAgents(now: number): void {
    for (const a of [...this.agents.values()]) if (!a.configured && a.activity.kind === 'idle') this.forget(a, now);
  }

  // ---- dispatch -------------------------------------------------------------

  /** After a configuration change or a restore: every waiting call, best first, then ring-all late joiners. */
  protected dispatchAll(now: number): void {
    const waiting: CallRuntime[] = [];
    for (const q of this.queues.values()) for (const c of q.waiting) waiting.push(c);
    waiting.sort(byPriorityThenArrival);
    for (const c of waiting) if (c.state === 'waiting' && this.calls.get(c.id) === c) this.tryDispatchCall(c, now);
    for (const q of this.queues.values()) {
      if (q.policy.strategy !== 'ring-all') continue;
      for (const c of [...q.offered]) if (c.ringAll) this.ringMore(c, q, now);
    }
  }

  /** Offers a waiting call to the agent(s) the queue's strategy picks among the eligible available ones. */
  protected tryDispatchCall(call: CallRuntime, now: number, exclude?: AgentId): boolean {
    if (call.state !== 'waiting') return false;
    const q = this.queues.get(call.queueId);
    if (!q) return false;
    if (call.reservedFor !== undefined) {
      const a = this.agents.get(call.reservedFor);
      if (!a || a.id === exclude || !isAvailable(a) || !a.queues.has(q.policy.id) || !servesClient(a, clientOf(call, q))) return false;
      this.offer(call, a, q, now, 'affinity');
      return true;
    }
    const cands = this.candidates(call, q, now, exclude);
    if (cands.length === 0) return false;
    if (q.policy.strategy === 'ring-all') {
      for (const x of cands) this.offer(call, x.a, q, now, 'strategy');
      call.ringAll = true;
      return true;
    }
    this.offer(call, this.pick(q, cands), q, now, 'strategy');
    return true;
  }

  /** Eligible available members for a call, in configured order. */
  protected candidates(call: CallRuntime, q: QueueRuntime, now: number, exclude?: AgentId): { a: AgentRuntime; m: Membership }[] {
    const out: { a: AgentRuntime; m: Membership }[] = [];
    const client = clientOf(call, q);
    const qid = q.policy.id;
    for (const mem of q.members) {
      const a = mem.agent;
      if (!a || !isAvailable(a) || a.id === exclude || !tierOpen(q, mem.tier, call.enqueuedAt, now)) continue;
      const m = a.queues.get(qid);
      if (!m || !servesClient(a, client)) continue;
      out.push({ a, m });
    }
    return out;
  }

  protected pick(q: QueueRuntime, cands: { a: AgentRuntime; m: Membership }[]): AgentRuntime {
    let tier = Infinity;
    for (const x of cands) tier = Math.min(tier, x.m.tier);
    const pool = cands.filter((x) => x.m.tier === tier);
    let best = pool[0]!;
    switch (q.policy.strategy) {
      case 'top-down':
        break; // candidates come in configured order
      case 'round-robin': {
        const n = q.members.length;
        const last = q.rrLast !== undefined ? q.memberOrder.get(q.rrLast) : undefined;
        const start = last === undefined ? 0 : last + 1;
        const dist = (o: number) => (((o - start) % n) + n) % n;
        for (const x of pool) if (dist(x.m.order) < dist(best.m.order)) best = x;
        q.rrLast = best.a.id;
        break;
      }
      case 'random':
        if (pool.length > 1) best = pool[Math.floor(this.random() * pool.length)]!;
        break;
      default: {
        const key = strategyKey(q.policy.strategy);
        for (const x of pool) if (ahead(x, best, key)) best = x;
      }
    }
    return best.a;
  }

  /** An agent became available: the best call it can take across its queues, else a ring-all call ringing others. */
  protected dispatchAgent(a: AgentRuntime, now: number): void {
    if (now < this.lastNow) this.late.add(a);
    while (isAvailable(a)) {
      const call = this.bestCallFor(a, now);
      if (call) {
        if (!this.tryDispatchCall(call, now)) return;
        continue;
      }
      let ring: { c: CallRuntime; q: QueueRuntime } | undefined;
      for (const qid of a.queues.keys()) {
        const q = this.queues.get(qid)!;
        if (q.policy.strategy !== 'ring-all') continue;
        const m = a.queues.get(qid)!;
        for (const c of q.offered) {
          if (!c.ringAll || !tierOpen(q, m.tier, c.enqueuedAt, now) || !servesClient(a, clientOf(c, q))) continue;
          if (!ring || byPriorityThenArrival(c, ring.c) < 0) ring = { c, q };
        }
      }
      if (ring) this.offer(ring.c, a, ring.q, now, 'strategy');
      return;
    }
  }

  /** Highest priority, then longest waiting, among the waiting calls the agent is eligible for. */
  protected bestCallFor(a: AgentRuntime, now: number): CallRuntime | undefined {
    let best: CallRuntime | undefined;
    for (const [qid, m] of a.queues) {
      const q = this.queues.get(qid)!;
      const client = q.policy.clientId;
      levels: for (const level of q.waiting.levels) {
        if (best && level.priority < best.priority) break;
        for (const c of level.calls) {
          if (best && level.priority === best.priority && c.seq > best.seq) break levels;
          // Calls of a level arrived in time order: once one is too young for this tier, all after it are.
          if (!tierOpen(q, m.tier, c.enqueuedAt, now)) break;
          if (c.reservedFor !== undefined || !servesClient(a, c.clientId ?? client)) continue;
          best = c;
          break levels;
        }
      }
    }
    for (const callId of a.reserved) {
      const c = this.calls.get(callId);
      if (!c || c.state !== 'waiting') continue;
      const q = this.queues.get(c.queueId);
      if (!q || !a.queues.has(q.policy.id) || !servesClient(a, clientOf(c, q))) continue;
      if (!best || byPriorityThenArrival(c, best) < 0) best = c;
    }
    return best;
  }

  /** A ring-all call rings every eligible member who is available now. */
  protected ringMore(call: CallRuntime, q: QueueRuntime, now: number): void {
    for (const x of this.candidates(call, q, now)) this.offer(call, x.a, q, now, 'strategy');
  }

  protected offer(call: CallRuntime, a: AgentRuntime, q: QueueRuntime, now: number, via: OfferVia): void {
    if (call.state === 'waiting') q.waiting.remove(call);
    call.state = 'offered';
    q.offered.add(call);
    this.clearReservation(call);
    call.offers.add(a.id);
    call.offeredEver.add(a.id);
    const timeoutMs = q.policy.offerTimeoutMs;
    this.setActivity(a, { kind: 'offered', callId: call.id, until: now + timeoutMs, since: now, via }, now);
    this.out.push({ type: 'offer', callId: call.id, agentId: a.id, queueId: q.policy.id, timeoutMs });
  }

  protected announce(c: CallRuntime, q: QueueRuntime): void {
    const position = q.waiting.position(c);
    const estimate = this.estimateWait(q, position);
    this.out.push({ type: 'announce', callId: c.id, queueId: q.policy.id, position, ...(estimate !== undefined ? { estimatedWaitMs: estimate } : {}) });
  }

  /**
   * Estimated wait of the call at `position` (1-based): position x average
   * handle time / serving members. The average is over the queue's last 20
   * handled calls (talk time + the queue's wrap-up); serving members are the
   * eligible members who are ready and reachable or busy with a call. With N
   * agents each finishing a call every AHT on average, the line moves by one
   * every AHT / N. Undefined while the queue has no handled call yet, or
   * nobody serves it.
   */
  protected estimateWait(q: QueueRuntime, position: number): number | undefined {
    if (q.handleTimes.length === 0 || position <= 0) return undefined;
    let serving = 0;
    for (const m of q.members) {
      const a = m.agent;
      if (a && a.configured && a.queues.has(q.policy.id) && ((a.presence === 'ready' && a.reachable) || isBusyWithCall(a))) serving++;
    }
    if (serving === 0) return undefined;
    const aht = q.handleTimes.reduce((s, x) => s + x, 0) / q.handleTimes.length;
    return Math.round((position * aht) / serving);
  }
}
