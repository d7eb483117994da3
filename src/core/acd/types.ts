/** Identifiers and the router's inputs and outputs. */
export type AgentId = string;
export type CallId = string;
export type QueueId = string;
export type ClientId = string;

export type Strategy = 'longest-idle' | 'round-robin' | 'fewest-calls' | 'least-talk-time' | 'ring-all' | 'top-down' | 'random';

export type Presence = 'ready' | 'standby' | 'offline' | 'break';

/** A queue member: tier 1 is offered first; tier N joins once a call has waited `tierEscalationMs * (N - 1)`. */
export interface QueueMember {
  agentId: AgentId;
  tier: number;
}

/** Where a call goes when it leaves a queue through a limit. The shell carries it out. */
export type OverflowTarget =
  | { queue: QueueId }
  | { ivr: string }
  | { voicemail: string }
  | { number: string }
  | { message?: string; hangup: true };

export interface QueuePolicy {
  id: QueueId;
  strategy: Strategy;
  /** In configured order; top-down offers in this order. */
  members: QueueMember[];
  offerTimeoutMs: number;
  wrapUpMs: number;
  missedBackoffMs: number;
  /** Waiting time after which the next tier joins (0: all tiers at once). */
  tierEscalationMs: number;
  /** Skill name -> minimum proficiency (1-100) an agent needs to be offered this queue's calls. */
  requiredSkills: Record<string, number>;
  /** A call not yet connected leaves the queue (overflow 'max-wait') this long after it arrived. */
  maxWaitMs?: number;
  /**
   * A waiting call leaves (overflow 'no-agents') once no member has been logged in for this long.
   * A member is logged in while it is eligible for the queue (member whose skills meet
   * `requiredSkills`) and its presence is `ready` or `break`, or it is busy with a call (offered,
   * on a call, in wrap-up); reachability does not matter. The clock starts when the last logged-in
   * member leaves (or the queue starts without any) and is reset when one logs in; a call leaves at
   * `max(its arrival, clock start) + maxWaitNoAgentMs`.
   */
  maxWaitNoAgentMs?: number;
  /**
   * A call arriving at a queue already holding this many calls not yet connected (waiting, or
   * being offered) overflows at once with 'queue-full'.
   */
  maxSize?: number;
  overflow?: OverflowTarget;
  /** Periodic announcement to each waiting call (position, estimated wait); 0 or absent: none. */
  announceEveryMs?: number;
  /** A caller who spoke with an agent within this window is offered to that agent first. */
  affinityWindowMs?: number;
  /** How long a returning caller waits for their previous agent if that agent is busy (0: route normally at once). */
  affinityWaitMs?: number;
  /** The client (tenant) this queue's calls belong to, unless a call says otherwise. */
  clientId?: ClientId;
}

export interface AgentPolicy {
  id: AgentId;
  initialPresence: 'ready' | 'standby' | 'offline';
  /** Skill name -> proficiency 1-100. */
  skills: Record<string, number>;
  /** Clients (tenants) the agent works for; empty: every client. */
  clients: ClientId[];
}

export interface RouterPolicy {
  queues: QueuePolicy[];
  agents: AgentPolicy[];
  /** After this many missed offers in a row the agent is moved to standby (0: never). */
  maxMissedInRow: number;
}

export type OfferFailure = 'timeout' | 'declined' | 'unreachable' | 'busy';

/** What happened, as the shell reports it. `now` travels with every event. */
export type RouterEvent =
  | {
      type: 'call-queued';
      callId: CallId;
      queueId: QueueId;
      priority?: number;
      /** Caller's number, for affinity. */
      caller?: string;
      /** Overrides the queue's client for this call. */
      clientId?: ClientId;
    }
  | { type: 'call-abandoned'; callId: CallId }
  | { type: 'offer-answered'; callId: CallId; agentId: AgentId }
  | { type: 'offer-failed'; callId: CallId; agentId: AgentId; reason: OfferFailure }
  | { type: 'call-ended'; callId: CallId }
  | { type: 'agent-presence'; agentId: AgentId; presence: Presence; reason?: string }
  | { type: 'agent-reachable'; agentId: AgentId; reachable: boolean }
  | { type: 'wrap-up-end'; agentId: AgentId }
  | { type: 'wrap-up-extend'; agentId: AgentId; byMs: number }
  /**
   * Holds (or releases) the agent's wrap-up open past its timer and against wrap-up-end: a
   * required disposition not yet given. Only while on a call or in wrap-up; a call ending held
   * goes to wrap-up even when the queue has none. Released after the timer: idle at once.
   */
  | { type: 'wrap-up-hold'; agentId: AgentId; held: boolean }
  /** The agent picks a waiting call from their pool ("take this call"). */
  | { type: 'take-call'; agentId: AgentId; callId: CallId }
  | { type: 'tick' };

/** What the shell must do. */
export type RouterCommand =
  | { type: 'offer'; callId: CallId; agentId: AgentId; queueId: QueueId; timeoutMs: number }
  | { type: 'withdraw-offer'; callId: CallId; agentId: AgentId; reason: 'timeout' | 'answered-elsewhere' | 'abandoned' | 'overflow' }
  /** The agent answered an offer the router no longer holds (it crossed a withdrawal): release that leg. */
  | { type: 'release-agent-leg'; callId: CallId; agentId: AgentId }
  | { type: 'connect'; callId: CallId; agentId: AgentId }
  /**
   * The call left the queue through a limit; the router has forgotten it. `queue-removed` also
   * answers a call queued to a queue the router does not know (no target then).
   */
  | { type: 'overflow'; callId: CallId; queueId: QueueId; reason: 'max-wait' | 'no-agents' | 'queue-full' | 'queue-removed'; target?: OverflowTarget }
  /**
   * Play the caller their place in line (1-based, among the queue's waiting calls) and an estimate:
   * position x average handle time of the queue's last 20 calls (talk + wrap-up) / members serving
   * (ready and reachable, or busy with a call). No estimate until a call has been handled, or while
   * nobody serves the queue. Calls being offered are not announced.
   */
  | { type: 'announce'; callId: CallId; queueId: QueueId; position: number; estimatedWaitMs?: number }
  /** reason: unknown-agent | unknown-call | already-offered | already-connected | agent-not-available | not-eligible */
  | { type: 'take-refused'; callId: CallId; agentId: AgentId; reason: string }
  | { type: 'agent-status'; agentId: AgentId; status: AgentStatus; presence: Presence; reason?: string };

/** The single word a desk or wallboard shows for an agent: the system activity if any, else the presence. */
export type AgentStatus = Presence | 'unreachable' | 'offered' | 'on-call' | 'wrap-up' | 'missed-backoff';

// ---- views for the API (Router.poolFor, queueStatus, agentView) -------------

export interface PoolCall {
  callId: CallId;
  queueId: QueueId;
  /** Time since the call entered its queue (for the handled call: until it connected). */
  waitedMs: number;
  priority: number;
  caller?: string;
  clientId?: ClientId;
  /** Only for the handled call: time since it connected. */
  connectedMs?: number;
}

export interface AgentPool {
  /** Calls being offered to the agent right now (at most one). */
  offered: PoolCall[];
  /** The agent's connected call. */
  handling?: PoolCall;
  /**
   * Calls waiting (not being offered) in the queues the agent serves, best first. Only calls the
   * agent could take: queues whose required skills the agent meets, and calls of the agent's clients.
   */
  waiting: PoolCall[];
}

export interface QueueStatus {
  queueId: QueueId;
  /** Calls waiting for an agent (not being offered). */
  waiting: number;
  /** Calls ringing one or more agents. */
  offered: number;
  /** Longest time any not yet connected call has been in the queue (0 if none). */
  longestWaitMs: number;
  /** Logged-in members (see {@link QueuePolicy.maxWaitNoAgentMs}). */
  loggedIn: number;
  /** The queue's eligible members by status. */
  agents: Partial<Record<AgentStatus, number>>;
}

export interface AgentView {
  agentId: AgentId;
  status: AgentStatus;
  presence: Presence;
  reason?: string;
  reachable: boolean;
  activity: 'idle' | 'offered' | 'on-call' | 'wrap-up' | 'missed-backoff';
  /** The call offered to or handled by the agent. */
  callId?: CallId;
  /** Time left on the current timer (offer, wrap-up, back-off). */
  countdownMs?: number;
  /** Wrap-up is held open (see the wrap-up-hold event). */
  wrapHeld?: true;
  missedInRow: number;
  callsAnswered: number;
  talkMs: number;
  /** Queues the agent is an eligible member of, with its tier. */
  queues: { queueId: QueueId; tier: number }[];
}

// ---- persistence (Router.snapshot / Router.restore) ---------------------------

export type ActivitySnapshot =
  | { kind: 'idle' }
  | { kind: 'offered'; callId: CallId; until: number }
  | { kind: 'on-call'; callId: CallId }
  | { kind: 'wrap-up'; until: number }
  | { kind: 'missed-backoff'; until: number };

export interface AgentSnapshot {
  id: AgentId;
  presence: Presence;
  reason?: string;
  reachable: boolean;
  idleSince: number;
  missedInRow: number;
  callsAnswered: number;
  talkMs: number;
  activity: ActivitySnapshot;
  wrapHeld?: true;
}

export interface CallSnapshot {
  id: CallId;
  queueId: QueueId;
  priority: number;
  enqueuedAt: number;
  seq: number;
  caller?: string;
  clientId?: ClientId;
  state: 'waiting' | 'offered' | 'connected';
  agentId?: AgentId;
  connectedAt?: number;
  wrapUpMs?: number;
  offeredEver: AgentId[];
  reservedFor?: AgentId;
  reservedUntil?: number;
  nextAnnounceAt?: number;
  announceEveryMs?: number;
}

export interface QueueSnapshot {
  id: QueueId;
  rrLast?: AgentId;
  noAgentSince?: number;
  /** Recent handle times (talk + wrap-up), oldest first. */
  handleTimes: number[];
}

/** Plain JSON: what survives a restart. */
export interface RouterSnapshot {
  version: 1;
  takenAt: number;
  seq: number;
  rngState: number;
  agents: AgentSnapshot[];
  calls: CallSnapshot[];
  queues: QueueSnapshot[];
  /** Caller -> agent who last talked to them, and when; least recently updated first. */
  affinity: [caller: string, agentId: AgentId, at: number][];
}

export interface RouterOptions {
  /** Seed of the PRNG behind the `random` strategy (default 1). */
  seed?: number;
  /** How many callers the affinity memory keeps (default 100,000). */
  affinityCapacity?: number;
}
