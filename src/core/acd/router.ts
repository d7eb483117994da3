/**
 * The router: which waiting call goes to which agent, and when.
 *
 * Pure and deterministic: it owns every timer (offer timeout, wrap-up,
 * missed back-off, maximum wait, no-agent wait, tier escalation, affinity
 * wait, announcements) as a deadline, takes `now` with every event, and
 * answers with commands for the shell. The shell arms one OS timer at
 * {@link Router.nextDeadline} and sends `tick` when it fires; any event also
 * expires what is due first (and again after the event, for limits the event
 * itself made due), so no agent outlives a timer however late the shell's
 * timer is. Time never runs backwards: a `now` earlier than one already seen
 * is taken as that one. No I/O, no wall clock, no Math.random (the `random`
 * strategy draws from a seeded PRNG kept in the router's state).
 *
 * A call's life here:
 * ```
 *  call-queued --> waiting --offer--> offered --answer--> connected --ended--> (gone)
 *     |              ^                  |
 *     |              +--timeout/decline-+      abandoned at any point --> (gone)
 *     +-- queue full / unknown queue --> overflow (gone)
 *          max wait, no agents, queue removed (waiting or offered) --> overflow (gone)
 * ```
 *
 * Dispatch is incremental and keeps one invariant: no call waits while an
 * agent eligible for it is available. A new (or re-queued, or escalated)
 * call looks for available eligible members of its queue and lets the
 * queue's strategy choose; an agent who becomes available takes the best
 * waiting call it is eligible for across its queues (highest priority, then
 * longest waiting), and failing that joins the ringing of ring-all calls.
 *
 * Eligibility of an agent for a call of queue Q:
 * - member of Q whose proficiency meets every skill Q requires;
 * - serves the call's client (the call's `clientId`, else Q's): the agent's
 *   `clients` is empty or lists it (a call without a client goes to anyone);
 * - tier: a member of tier N is eligible once the call has waited
 *   `tierEscalationMs * (N - 1)` (a timer re-dispatches the call exactly then);
 *   among eligible agents the lowest tier is preferred (ring-all rings all);
 * - affinity: a returning caller is first offered to the agent who last talked
 *   to them (any tier) if available; if that agent is busy with a call and the
 *   queue has `affinityWaitMs`, the call is held for that agent only until the
 *   wait runs out (then routed normally).
 *
 * Strategies, among the eligible available members of the lowest tier (ties
 * broken by the sum of proficiencies over the queue's required skills, higher
 * first, then by longest idle, then by configured order):
 * - longest-idle: available the longest;
 * - round-robin: the next member after the one picked last, in configured order;
 * - fewest-calls: fewest answered calls; least-talk-time: least talk time;
 * - top-down: the first available in configured order (never halts on an
 *   unavailable first or last member: it skips to the next available one);
 * - random: uniformly, from the seeded PRNG (mulberry32, state in the snapshot);
 * - ring-all: every eligible available member at once (any escalated tier);
 *   the first answer withdraws the rest; an agent who becomes available while
 *   a ring-all call is ringing others is rung too (waiting calls come first).
 *
 * Offers: a timeout or a failure (declined, busy, unreachable) puts the agent
 * in missed back-off and the call back at its original place, offered at once
 * to the next eligible agent; if nobody else is, the same agent gets it again
 * after its back-off. A late answer (it crossed our timeout) still connects
 * when the call is not connected and the agent, who must have been offered
 * this call before, is idle or backing off; otherwise the shell is told to
 * release that leg. `take-call` offers a waiting call to an available agent
 * who is an eligible member (any tier, even if the call is held for another
 * agent by affinity), or answers `take-refused` with one of: unknown-agent,
 * unknown-call, already-offered, already-connected, agent-not-available,
 * not-eligible.
 *
 * Affinity memory: the agent who last talked to each caller and when (updated
 * at connect and again when the call ends, so the window runs from the end of
 * the last conversation); bounded, least recently updated caller forgotten
 * first.
 *
 * Configuration changes (reconfigure, or restore under a new policy) never
 * interrupt an offer or a call: an agent removed from the configuration goes
 * offline and leaves once idle; an offer to an agent no longer eligible keeps
 * ringing; a removed queue's waiting and ringing calls overflow through its
 * `overflow` target; changed limits apply to calls already waiting (measured
 * from their arrival).
 *
 * One class in layers, a file each: router-state.ts (the state, the clock,
 * timers, reservations, agents' activity), router-dispatch.ts (timers firing,
 * overflow, dispatch under the strategies), router-events.ts (configuration
 * applied, and the events of calls and agents), and this file (the public
 * API: handle, reconfigure, the views, snapshot and restore);
 * router-runtime.ts holds the runtime types and helpers they share.
 */
import { agentStatus, servesClient } from './agent.js';
import type { AgentId, AgentPool, AgentStatus, AgentView, CallSnapshot, Presence, QueueId, QueueStatus, RouterCommand, RouterEvent, RouterOptions, RouterPolicy, RouterSnapshot } from './types.js';
import { HANDLE_TIME_SAMPLES, newAgent, newCall, clientOf, byPriorityThenArrival, poolCall, type CallRuntime } from './router-runtime.js';
import { RouterEvents } from './router-events.js';

export { clientOf, tierOpen, type CallRuntime, type QueueMemberRuntime, type QueueRuntime } from './router-runtime.js';

export class Router extends RouterEvents {
  /**
   * Agents start unreachable (the shell reports registrations) with the given
   * presence, else their configured initial presence.
   */
  constructor(policy: RouterPolicy, now: number, presence: ReadonlyMap<AgentId, Presence> = new Map(), options: RouterOptions = {}) {
    super(policy, now, options);
    this.applyPolicy(policy, now, presence);
    this.expire(now);
    this.pending = this.out;
    this.out = [];
  }

  /**
   * Rebuilds a router from {@link Router.snapshot}, under a policy that may
   * have changed meanwhile. Offers in flight are dropped (their legs died with
   * the process): the call goes back to waiting at its original place and the
   * agent is idle. Connected calls stay connected; wrap-up, back-off and call
   * limits resume from their absolute deadlines. Agents start unreachable, as
   * with the constructor, until the shell reports their registrations. Calls
   * of queues no longer configured overflow ('queue-removed'); these and any
   * other commands due at `now` come out of the next handle() (send a `tick`).
   * The `random` strategy's PRNG continues from the snapshot (options.seed is
   * not used); options.affinityCapacity applies.
   */
  static restore(policy: RouterPolicy, snap: RouterSnapshot, now: number, options: RouterOptions = {}): Router {
    const r = new Router(policy, now, new Map(snap.agents.map((a) => [a.id, a.presence])), options);
    r.out = r.pending;
    r.pending = [];
    r.lastNow = Math.max(now, r.lastNow);
    r.seq = Math.max(r.seq, snap.seq);
    r.rngState = snap.rngState >>> 0;
    for (const s of snap.agents) {
      let a = r.agents.get(s.id);
      if (!a) {
        // No longer configured: kept only to finish a call in progress.
        if (s.activity.kind !== 'on-call' && s.activity.kind !== 'wrap-up') continue;
        a = newAgent(s.id, 'offline', now);
        a.configured = false;
        a.presenceReason = 'removed from configuration';
        r.agents.set(a.id, a);
      } else {
        a.presence = s.presence;
        a.presenceReason = s.reason;
      }
      a.idleSince = s.idleSince;
      a.missedInRow = s.missedInRow;
      a.callsAnswered = s.callsAnswered;
      a.talkMs = s.talkMs;
      const act = s.activity;
      a.wrapHeld = s.wrapHeld === true && (act.kind === 'on-call' || act.kind === 'wrap-up');
      if (act.kind === 'on-call') a.activity = { kind: 'on-call', callId: act.callId };
      else if (act.kind === 'wrap-up' || act.kind === 'missed-backoff') {
        a.activity = { kind: act.kind, until: act.until };
        // A held wrap-up whose timer ran out waits for its release, with no timer.
        if (!(a.wrapHeld && act.until <= now)) a.timerToken = r.arm(act.until, { kind: 'agent', id: a.id });
      }
    }
    for (const s of snap.queues) {
      const q = r.queues.get(s.id);
      if (!q) continue;
      q.rrLast = s.rrLast;
      q.handleTimes = s.handleTimes.slice(-HANDLE_TIME_SAMPLES);
      q.noAgentSince = s.noAgentSince;
    }
    const lost: CallSnapshot[] = [];
    for (const s of snap.calls) {
      if (r.calls.has(s.id)) continue;
      const call = newCall(s.id, s.queueId, s.priority, s.enqueuedAt, s.seq, s.caller, s.clientId);
      for (const id of s.offeredEver) call.offeredEver.add(id);
      if (s.state === 'connected') {
        const a = s.agentId !== undefined ? r.agents.get(s.agentId) : undefined;
        if (!a || a.activity.kind !== 'on-call' || a.activity.callId !== s.id) continue;
        call.state = 'connected';
        call.agentId = s.agentId;
        call.connectedAt = s.connectedAt ?? now;
        call.wrapUpMs = s.wrapUpMs ?? 0;
        r.calls.set(call.id, call);
        continue;
      }
      const q = r.queues.get(s.queueId);
      if (!q) {
        lost.push(s);
        continue;
      }
      call.nextAnnounceAt = s.nextAnnounceAt;
      call.announceEveryMs = s.announceEveryMs;
      r.calls.set(call.id, call);
      q.waiting.insert(call);
      const a = s.reservedFor !== undefined ? r.agents.get(s.reservedFor) : undefined;
      if (a && s.reservedUntil !== undefined) r.reserve(call, a, s.reservedUntil);
    }
    for (const a of r.agents.values()) {
      if (a.activity.kind === 'on-call' && r.calls.get(a.activity.callId)?.agentId !== a.id) {
        a.activity = { kind: 'idle' };
        a.wrapHeld = false;
      }
    }
    for (const [caller, agentId, at] of snap.affinity) r.affinity.set(caller, agentId, at);
    r.rebuild(now);
    for (const s of lost) r.out.push({ type: 'overflow', callId: s.id, queueId: s.queueId, reason: 'queue-removed' });
    r.gcAgents(now);
    r.dispatchAll(now);
    r.expire(now);
    r.pending = r.out;
    r.out = [];
    return r;
  }

  handle(event: RouterEvent, now: number): RouterCommand[] {
    now = this.clock(now);
    this.out = this.pending;
    this.pending = [];
    this.expire(now);
    switch (event.type) {
      case 'tick':
        break;
      case 'call-queued':
        this.onQueued(event, now);
        break;
      case 'call-abandoned':
      case 'call-ended':
        this.endCall(event.callId, now);
        break;
      case 'offer-answered':
        this.onAnswered(event.callId, event.agentId, now);
        break;
      case 'offer-failed': {
        const a = this.agents.get(event.agentId);
        if (a && a.activity.kind === 'offered' && a.activity.callId === event.callId) this.missOffer(a, now);
        break;
      }
      case 'agent-presence':
        this.onPresence(event.agentId, event.presence, event.reason, now);
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
        if (a?.activity.kind === 'wrap-up' && !a.wrapHeld) this.becomeIdle(a, now);
        break;
      }
      case 'wrap-up-hold': {
        const a = this.agents.get(event.agentId);
        if (!a || (a.activity.kind !== 'on-call' && a.activity.kind !== 'wrap-up') || a.wrapHeld === event.held) break;
        a.wrapHeld = event.held;
        // Released after its timer ran out: the wrap-up is over.
        if (!event.held && a.activity.kind === 'wrap-up' && a.timerToken === 0) this.becomeIdle(a, now);
        else this.status(a);
        break;
      }
      case 'wrap-up-extend': {
        const a = this.agents.get(event.agentId);
        if (a?.activity.kind === 'wrap-up' && event.byMs > 0) this.setActivity(a, { kind: 'wrap-up', until: Math.max(a.activity.until, now) + event.byMs }, now);
        break;
      }
      case 'take-call':
        this.onTake(event.agentId, event.callId, now);
        break;
    }
    this.expire(now);
    return this.flush();
  }

  /** Applies a new configuration; runs in the same command stream as events. */
  reconfigure(policy: RouterPolicy, now: number): RouterCommand[] {
    now = this.clock(now);
    this.out = this.pending;
    this.pending = [];
    this.expire(now);
    this.applyPolicy(policy, now, new Map());
    this.expire(now);
    return this.flush();
  }

  // ---- views --------------------------------------------------------------

  /** What the agent's desk shows: the offer ringing, the call in hand, and the calls it could take. */
  poolFor(agentId: AgentId, now: number): AgentPool | undefined {
    const a = this.agents.get(agentId);
    if (!a) return undefined;
    const pool: AgentPool = { offered: [], waiting: [] };
    const act = a.activity;
    if (act.kind === 'offered') {
      const c = this.calls.get(act.callId);
      if (c) pool.offered.push(poolCall(c, now));
    } else if (act.kind === 'on-call') {
      const c = this.calls.get(act.callId);
      if (c) pool.handling = poolCall(c, now);
    }
    const waiting: CallRuntime[] = [];
    for (const qid of a.queues.keys()) {
      const q = this.queues.get(qid);
      if (!q) continue;
      for (const c of q.waiting) if (servesClient(a, clientOf(c, q))) waiting.push(c);
    }
    waiting.sort(byPriorityThenArrival);
    pool.waiting = waiting.map((c) => poolCall(c, now));
    return pool;
  }

  queueStatus(queueId: QueueId, now: number): QueueStatus | undefined {
    const q = this.queues.get(queueId);
    if (!q) return undefined;
    let oldest = Infinity;
    for (const level of q.waiting.levels) oldest = Math.min(oldest, level.calls[0]?.enqueuedAt ?? Infinity);
    for (const c of q.offered) oldest = Math.min(oldest, c.enqueuedAt);
    const agents: Partial<Record<AgentStatus, number>> = {};
    for (const m of q.members) {
      const a = this.agents.get(m.agentId);
      if (!a || !a.queues.has(queueId)) continue;
      const s = agentStatus(a);
      agents[s] = (agents[s] ?? 0) + 1;
    }
    return {
      queueId,
      waiting: q.waiting.length,
      offered: q.offered.size,
      longestWaitMs: oldest === Infinity ? 0 : Math.max(0, now - oldest),
      loggedIn: q.loggedIn,
      agents,
    };
  }

  agentView(agentId: AgentId, now: number): AgentView | undefined {
    const a = this.agents.get(agentId);
    if (!a) return undefined;
    const act = a.activity;
    const view: AgentView = {
      agentId,
      status: agentStatus(a),
      presence: a.presence,
      reachable: a.reachable,
      activity: act.kind,
      missedInRow: a.missedInRow,
      callsAnswered: a.callsAnswered,
      talkMs: a.talkMs,
      queues: [...a.queues].map(([queueId, m]) => ({ queueId, tier: m.tier })),
    };
    if (a.presenceReason !== undefined) view.reason = a.presenceReason;
    if (act.kind === 'offered' || act.kind === 'on-call') view.callId = act.callId;
    if ('until' in act) view.countdownMs = Math.max(0, act.until - now);
    if (a.wrapHeld) view.wrapHeld = true;
    return view;
  }

  /** Everything that must survive a restart, as plain JSON. */
  snapshot(): RouterSnapshot {
    return {
      version: 1,
      takenAt: this.lastNow,
      seq: this.seq,
      rngState: this.rngState,
      agents: [...this.agents.values()].map((a) => {
        const act = a.activity;
        return {
          id: a.id,
          presence: a.presence,
          ...(a.presenceReason !== undefined ? { reason: a.presenceReason } : {}),
          reachable: a.reachable,
          idleSince: a.idleSince,
          missedInRow: a.missedInRow,
          callsAnswered: a.callsAnswered,
          talkMs: a.talkMs,
          ...(a.wrapHeld ? { wrapHeld: true as const } : {}),
          activity:
            act.kind === 'offered'
              ? { kind: 'offered' as const, callId: act.callId, until: act.until }
              : act.kind === 'on-call'
                ? { kind: 'on-call' as const, callId: act.callId }
                : act.kind === 'idle'
                  ? { kind: 'idle' as const }
                  : { kind: act.kind, until: act.until },
        };
      }),
      calls: [...this.calls.values()].map((c) => {
        const s: CallSnapshot = {
          id: c.id,
          queueId: c.queueId,
          priority: c.priority,
          enqueuedAt: c.enqueuedAt,
          seq: c.seq,
          state: c.state,
          offeredEver: [...c.offeredEver],
        };
        if (c.caller !== undefined) s.caller = c.caller;
        if (c.clientId !== undefined) s.clientId = c.clientId;
        if (c.agentId !== undefined) s.agentId = c.agentId;
        if (c.connectedAt !== undefined) s.connectedAt = c.connectedAt;
        if (c.wrapUpMs !== undefined) s.wrapUpMs = c.wrapUpMs;
        if (c.reservedFor !== undefined) s.reservedFor = c.reservedFor;
        if (c.reservedUntil !== undefined) s.reservedUntil = c.reservedUntil;
        if (c.nextAnnounceAt !== undefined) s.nextAnnounceAt = c.nextAnnounceAt;
        if (c.announceEveryMs !== undefined) s.announceEveryMs = c.announceEveryMs;
        return s;
      }),
      queues: [...this.queues.values()].map((q) => ({
        id: q.policy.id,
        ...(q.rrLast !== undefined ? { rrLast: q.rrLast } : {}),
        ...(q.noAgentSince !== undefined ? { noAgentSince: q.noAgentSince } : {}),
        handleTimes: [...q.handleTimes],
      })),
      affinity: this.affinity.entries(),
    };
  }
}
