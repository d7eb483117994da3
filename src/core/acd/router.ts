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
 */
import {
  agentStatus,
  isAvailable,
  isBusyWithCall,
  isLoggedIn,
  servesClient,
  skillScore,
  type Activity,
  type AgentRuntime,
  type Membership,
  type OfferVia,
} from './agent.js';
import { AffinityMemory } from './affinity.js';
import { WaitingList } from './waiting.js';
import { TimerHeap, type TimerEntry } from '../timers.js';
import type {
  AgentId,
  AgentPool,
  AgentStatus,
  AgentView,
  CallId,
  CallSnapshot,
  ClientId,
  OverflowTarget,
  PoolCall,
  Presence,
  QueueId,
  QueuePolicy,
  QueueStatus,
  RouterCommand,
  RouterEvent,
  RouterOptions,
  RouterPolicy,
  RouterSnapshot,
} from './types.js';

type CallTimer = 'max-wait' | 'announce' | 'escalate' | 'reserve';
type OverflowReason = Extract<RouterCommand, { type: 'overflow' }>['reason'];

export interface CallRuntime {
  id: CallId;
  queueId: QueueId;
  priority: number;
  enqueuedAt: number;
  /** Arrival order, the tie-break after priority. */
  seq: number;
  caller?: string;
  clientId?: ClientId;
  state: 'waiting' | 'offered' | 'connected';
  /** Agents ringing for this call right now. */
  offers: Set<AgentId>;
  /** Agents ever offered this call (a late answer from one of them may still connect). */
  offeredEver: Set<AgentId>;
  /** Offered by ring-all: agents who become available join the ringing. */
  ringAll: boolean;
  agentId?: AgentId;
  connectedAt?: number;
  /** The queue's wrap-up, fixed when the call connected. */
  wrapUpMs?: number;
  maxWaitAt?: number;
  nextAnnounceAt?: number;
  announceEveryMs?: number;
  escalateAt?: number;
  /** Held for this agent (caller affinity) until `reservedUntil`. */
  reservedFor?: AgentId;
  reservedUntil?: number;
  /** Tokens of the live timers; 0: none. */
  tok: Record<CallTimer, number>;
}

export interface QueueMemberRuntime {
  agentId: AgentId;
  tier: number;
  order: number;
  /** Resolved at each (re)configuration; eligibility is still checked through `agent.queues`. */
  agent?: AgentRuntime;
}

export interface QueueRuntime {
  policy: QueuePolicy;
  /** Deduplicated, in configured order. */
  members: QueueMemberRuntime[];
  memberOrder: Map<AgentId, number>;
  /** Distinct tiers above 1, ascending: the points at which a waiting call escalates. */
  escalationTiers: number[];
  /** Waiting (not offered) calls, best first. */
  waiting: WaitingList<CallRuntime>;
  /** Calls ringing one or more agents. */
  offered: Set<CallRuntime>;
  /** Round-robin: the member picked last. */
  rrLast?: AgentId;
  /** Logged-in eligible members (see QueuePolicy.maxWaitNoAgentMs). */
  loggedIn: number;
  /** Since when no member has been logged in. */
  noAgentSince?: number;
  noAgentAt?: number;
  noAgentToken: number;
  /** Recent handle times (talk + wrap-up), oldest first, for wait estimates. */
  handleTimes: number[];
}

type TimerKey = { kind: 'agent'; id: AgentId } | { kind: CallTimer; id: CallId } | { kind: 'no-agent'; id: QueueId };

/** How many recent handle times feed the wait estimate. */
const HANDLE_TIME_SAMPLES = 20;

export class Router {
  readonly agents = new Map<AgentId, AgentRuntime>();
  readonly queues = new Map<QueueId, QueueRuntime>();
  readonly calls = new Map<CallId, CallRuntime>();
  private readonly timers = new TimerHeap<TimerKey>();
  private readonly affinity: AffinityMemory;
  private policy: RouterPolicy;
  private seq = 0;
  private token = 0;
  /** Agents dispatched at a timer's (earlier) time while the clock is later: dispatched again at the clock's time. */
  private late = new Set<AgentRuntime>();
  private rngState: number;
  private lastNow: number;
  private out: RouterCommand[] = [];
  /** Commands produced while constructing or restoring: returned by the next handle()/reconfigure(). */
  private pending: RouterCommand[] = [];

  /**
   * Agents start unreachable (the shell reports registrations) with the given
   * presence, else their configured initial presence.
   */
  constructor(policy: RouterPolicy, now: number, presence: ReadonlyMap<AgentId, Presence> = new Map(), options: RouterOptions = {}) {
    this.rngState = (options.seed ?? 1) >>> 0;
    this.affinity = new AffinityMemory(options.affinityCapacity);
    this.lastNow = now;
    this.policy = policy;
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

  /** The earliest deadline the shell must wake the router for, if any. */
  nextDeadline(): number | undefined {
    for (let e = this.timers.peek(); e; e = this.timers.peek()) {
      if (this.live(e)) return e.at;
      this.timers.pop();
    }
    return undefined;
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

  /** The agent the caller last talked to, and when (for tests and the API). */
  affinityOf(caller: string): { agentId: AgentId; at: number } | undefined {
    const e = this.affinity.get(caller);
    return e ? { ...e } : undefined;
  }

  /** Time the router has reached (the latest `now` it was given). */
  get clockMs(): number {
    return this.lastNow;
  }

  // ---- configuration --------------------------------------------------------

  private applyPolicy(policy: RouterPolicy, now: number, presence: ReadonlyMap<AgentId, Presence>): void {
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
  private rebuild(now: number): void {
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

  private onQueued(e: Extract<RouterEvent, { type: 'call-queued' }>, now: number): void {
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

  private onAnswered(callId: CallId, agentId: AgentId, now: number): void {
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

  private onPresence(agentId: AgentId, presence: Presence, reason: string | undefined, now: number): void {
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

  private onTake(agentId: AgentId, callId: CallId, now: number): void {
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
  private endCall(callId: CallId, now: number): void {
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

  private clock(now: number): number {
    if (now < this.lastNow) now = this.lastNow;
    this.lastNow = now;
    return now;
  }

  private arm(at: number, key: TimerKey): number {
    const token = ++this.token;
    this.timers.push(at, key, token);
    return token;
  }

  private live(e: TimerEntry<TimerKey>): boolean {
    const k = e.key;
    if (k.kind === 'agent') return this.agents.get(k.id)?.timerToken === e.version;
    if (k.kind === 'no-agent') return this.queues.get(k.id)?.noAgentToken === e.version;
    return this.calls.get(k.id)?.tok[k.kind] === e.version;
  }

  private expire(now: number): void {
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

  private fire(e: TimerEntry<TimerKey>, now: number): void {
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
  private armCallTimers(c: CallRuntime, q: QueueRuntime, now: number): void {
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

  private armEscalation(c: CallRuntime, q: QueueRuntime, now: number): void {
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
  private armNoAgent(q: QueueRuntime): void {
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

  private reserve(call: CallRuntime, a: AgentRuntime, until: number): void {
    this.clearReservation(call);
    call.reservedFor = a.id;
    call.reservedUntil = until;
    a.reserved.add(call.id);
    call.tok.reserve = this.arm(until, { kind: 'reserve', id: call.id });
  }

  private clearReservation(call: CallRuntime): void {
    if (call.reservedFor === undefined) return;
    this.agents.get(call.reservedFor)?.reserved.delete(call.id);
    call.reservedFor = call.reservedUntil = undefined;
    call.tok.reserve = 0;
  }

  /** Drops cancelled timers once they outnumber the live ones by far. */
  private flush(): RouterCommand[] {
    const out = this.out;
    this.out = [];
    const bound = 4 * (4 * this.calls.size + this.agents.size + this.queues.size) + 1024;
    if (this.timers.size > bound) this.timers.compact((e) => this.live(e));
    return out;
  }

  // ---- transitions ----------------------------------------------------------

  /** The call leaves the queue through a limit; the router forgets it. */
  private overflow(call: CallRuntime, reason: OverflowReason, now: number, target?: OverflowTarget): void {
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
  private withdrawAll(call: CallRuntime, reason: 'abandoned' | 'overflow', now: number): AgentRuntime[] {
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

  private missOffer(agent: AgentRuntime, now: number): void {
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

  private becomeIdle(a: AgentRuntime, now: number): void {
    a.idleSince = now;
    this.setActivity(a, { kind: 'idle' }, now);
    this.dispatchAgent(a, now);
  }

  private setActivity(a: AgentRuntime, activity: Activity, now: number, reason?: string): void {
    const before = agentStatus(a);
    a.activity = activity;
    a.timerToken = 'until' in activity ? this.arm(activity.until, { kind: 'agent', id: a.id }) : 0;
    if (activity.kind !== 'on-call' && activity.kind !== 'wrap-up') a.wrapHeld = false;
    this.updateLoggedIn(a, now);
    if (agentStatus(a) !== before || reason) this.status(a, reason);
    if (activity.kind === 'idle' && !a.configured) this.forget(a, now);
  }

  private updateLoggedIn(a: AgentRuntime, now: number): void {
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

  private status(a: AgentRuntime, reason?: string): void {
    const why = reason ?? a.presenceReason;
    this.out.push({ type: 'agent-status', agentId: a.id, status: agentStatus(a), presence: a.presence, ...(why !== undefined ? { reason: why } : {}) });
  }

  /** A removed agent whose work is done leaves the router. */
  private forget(a: AgentRuntime, now: number): void {
    if (this.agents.get(a.id) !== a) return;
    this.agents.delete(a.id);
    for (const callId of [...a.reserved]) {
      const c = this.calls.get(callId);
      if (!c) continue;
      this.clearReservation(c);
      if (c.state === 'waiting') this.tryDispatchCall(c, now);
    }
  }

  private gcAgents(now: number): void {
    for (const a of [...this.agents.values()]) if (!a.configured && a.activity.kind === 'idle') this.forget(a, now);
  }

  // ---- dispatch -------------------------------------------------------------

  /** After a configuration change or a restore: every waiting call, best first, then ring-all late joiners. */
  private dispatchAll(now: number): void {
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
  private tryDispatchCall(call: CallRuntime, now: number, exclude?: AgentId): boolean {
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
  private candidates(call: CallRuntime, q: QueueRuntime, now: number, exclude?: AgentId): { a: AgentRuntime; m: Membership }[] {
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

  private pick(q: QueueRuntime, cands: { a: AgentRuntime; m: Membership }[]): AgentRuntime {
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
  private dispatchAgent(a: AgentRuntime, now: number): void {
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
  private bestCallFor(a: AgentRuntime, now: number): CallRuntime | undefined {
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
  private ringMore(call: CallRuntime, q: QueueRuntime, now: number): void {
    for (const x of this.candidates(call, q, now)) this.offer(call, x.a, q, now, 'strategy');
  }

  private offer(call: CallRuntime, a: AgentRuntime, q: QueueRuntime, now: number, via: OfferVia): void {
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

  private announce(c: CallRuntime, q: QueueRuntime): void {
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
  private estimateWait(q: QueueRuntime, position: number): number | undefined {
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

  /** mulberry32, state kept in the router (and its snapshot). */
  private random(): number {
    this.rngState = (this.rngState + 0x6d2b79f5) >>> 0;
    let t = this.rngState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

// ---- helpers ------------------------------------------------------------------

function newAgent(id: AgentId, presence: Presence, now: number): AgentRuntime {
  return {
    id,
    presence,
    activity: { kind: 'idle' },
    reachable: false,
    idleSince: now,
    missedInRow: 0,
    callsAnswered: 0,
    talkMs: 0,
    queues: new Map(),
    skills: {},
    clients: new Set(),
    configured: true,
    loggedIn: false,
    reserved: new Set(),
    timerToken: 0,
    wrapHeld: false,
  };
}

function newCall(id: CallId, queueId: QueueId, priority: number, enqueuedAt: number, seq: number, caller?: string, clientId?: ClientId): CallRuntime {
  const c: CallRuntime = {
    id,
    queueId,
    priority,
    enqueuedAt,
    seq,
    state: 'waiting',
    offers: new Set(),
    offeredEver: new Set(),
    ringAll: false,
    tok: { 'max-wait': 0, announce: 0, escalate: 0, reserve: 0 },
  };
  if (caller !== undefined) c.caller = caller;
  if (clientId !== undefined) c.clientId = clientId;
  return c;
}

function setMembers(q: QueueRuntime, qp: QueuePolicy): void {
  q.members = [];
  q.memberOrder = new Map();
  const tiers = new Set<number>();
  for (const m of qp.members) {
    if (q.memberOrder.has(m.agentId)) continue;
    const tier = Number.isFinite(m.tier) ? Math.max(1, Math.floor(m.tier)) : 1;
    q.memberOrder.set(m.agentId, q.members.length);
    q.members.push({ agentId: m.agentId, tier, order: q.members.length });
    if (tier > 1) tiers.add(tier);
  }
  q.escalationTiers = [...tiers].sort((a, b) => a - b);
}

export function clientOf(c: CallRuntime, q: QueueRuntime): ClientId | undefined {
  return c.clientId ?? q.policy.clientId;
}

/** A member of `tier` is eligible for a call that arrived at `enqueuedAt` once it has waited `tierEscalationMs * (tier - 1)`. */
export function tierOpen(q: QueueRuntime, tier: number, enqueuedAt: number, now: number): boolean {
  const e = q.policy.tierEscalationMs;
  return tier <= 1 || e <= 0 || now - enqueuedAt >= e * (tier - 1);
}

function byPriorityThenArrival(a: CallRuntime, b: CallRuntime): number {
  return b.priority - a.priority || a.seq - b.seq;
}

/** The first multiple of `every` after `start` that lies after `now`. */
function firstAfter(start: number, every: number, now: number): number {
  const k = Math.max(1, Math.floor((now - start) / every) + 1);
  return start + k * every;
}

function poolCall(c: CallRuntime, now: number): PoolCall {
  const p: PoolCall = {
    callId: c.id,
    queueId: c.queueId,
    waitedMs: Math.max(0, (c.state === 'connected' ? (c.connectedAt ?? now) : now) - c.enqueuedAt),
    priority: c.priority,
  };
  if (c.caller !== undefined) p.caller = c.caller;
  if (c.clientId !== undefined) p.clientId = c.clientId;
  if (c.state === 'connected') p.connectedMs = Math.max(0, now - (c.connectedAt ?? now));
  return p;
}

type Cand = { a: AgentRuntime; m: Membership };
type Key = (x: Cand) => number;

/** Primary key of a strategy (smaller first); ties: skill score (higher), idle time (longer), configured order. */
function strategyKey(s: QueuePolicy['strategy']): Key {
  switch (s) {
    case 'fewest-calls':
      return (x) => x.a.callsAnswered;
    case 'least-talk-time':
      return (x) => x.a.talkMs;
    default:
      return (x) => x.a.idleSince;
  }
}

function ahead(x: Cand, y: Cand, key: Key): boolean {
  const kx = key(x);
  const ky = key(y);
  if (kx !== ky) return kx < ky;
  if (x.m.score !== y.m.score) return x.m.score > y.m.score;
  if (x.a.idleSince !== y.a.idleSince) return x.a.idleSince < y.a.idleSince;
  return x.m.order < y.m.order;
}
