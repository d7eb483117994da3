/** The router's runtime state of calls and queues, and the pure helpers its layers share (src/core/acd/router.ts). */
import { type AgentRuntime, type Membership } from './agent.js';
import { WaitingList } from './waiting.js';
import type { AgentId, CallId, ClientId, PoolCall, Presence, QueueId, QueuePolicy, RouterCommand } from './types.js';

export type CallTimer = 'max-wait' | 'announce' | 'escalate' | 'reserve';
export type OverflowReason = Extract<RouterCommand, { type: 'overflow' }>['reason'];

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

export type TimerKey = { kind: 'agent'; id: AgentId } | { kind: CallTimer; id: CallId } | { kind: 'no-agent'; id: QueueId };

/** How many recent handle times feed the wait estimate. */
export const HANDLE_TIME_SAMPLES = 20;


// ---- helpers ------------------------------------------------------------------

export function newAgent(id: AgentId, presence: Presence, now: number): AgentRuntime {
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

export function newCall(id: CallId, queueId: QueueId, priority: number, enqueuedAt: number, seq: number, caller?: string, clientId?: ClientId): CallRuntime {
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

export function setMembers(q: QueueRuntime, qp: QueuePolicy): void {
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

export function byPriorityThenArrival(a: CallRuntime, b: CallRuntime): number {
  return b.priority - a.priority || a.seq - b.seq;
}

/** The first multiple of `every` after `start` that lies after `now`. */
export function firstAfter(start: number, every: number, now: number): number {
  const k = Math.max(1, Math.floor((now - start) / every) + 1);
  return start + k * every;
}

export function poolCall(c: CallRuntime, now: number): PoolCall {
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

export type Cand = { a: AgentRuntime; m: Membership };
export type Key = (x: Cand) => number;

/** Primary key of a strategy (smaller first); ties: skill score (higher), idle time (longer), configured order. */
export function strategyKey(s: QueuePolicy['strategy']): Key {
  switch (s) {
    case 'fewest-calls':
      return (x) => x.a.callsAnswered;
    case 'least-talk-time':
      return (x) => x.a.talkMs;
    default:
      return (x) => x.a.idleSince;
  }
}

export function ahead(x: Cand, y: Cand, key: Key): boolean {
  const kx = key(x);
  const ky = key(y);
  if (kx !== ky) return kx < ky;
  if (x.m.score !== y.m.score) return x.m.score > y.m.score;
  if (x.a.idleSince !== y.a.idleSince) return x.a.idleSince < y.a.idleSince;
  return x.m.order < y.m.order;
}
