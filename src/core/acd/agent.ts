/**
 * An agent as the router sees it: the presence the agent chose, and the
 * activity the system put them in on top of it.
 *
 * ```
 *  presence (the agent's choice, any to any; break carries a reason):
 *
 *      ready    standby    offline    break(reason)
 *
 *    and the system's one move: maxMissedInRow missed offers in a row
 *    turn ready into standby, with the reason in the agent-status command.
 *
 *  activity (the system's), on top of the presence:
 *
 *              offer: presence ready, reachable, eligible
 *      idle ------------------------------------------> offered --answer--> on-call
 *      ^ ^ ^                                             |  |                  |
 *      | | +-- withdrawn: answered elsewhere, abandoned, |  | timeout,         | call ended
 *      | |     overflow (not a miss) --------------------+  | declined, busy,  |
 *      | |                                                  | unreachable      v
 *      | +------ timer ------ missed-backoff <--------------+               wrap-up <-- wrap-up-extend
 *      |                      (skipped when the queue's back-off is 0)        |         (until += byMs)
 *      +----------------------------------- timer, or wrap-up-end ------------+
 *
 *    A late answer (after a timeout) connects from idle or missed-backoff
 *    when the call is still free and was offered to this agent before.
 * ```
 *
 * An agent receives an offer only when presence is `ready`, activity is
 * `idle` and at least one device is registered ({@link isAvailable}), and only
 * for calls of queues it is an eligible member of (skills, clients, tier).
 * Presence changes never interrupt an offer or a call; they take effect on
 * the next offer. An agent removed from the configuration goes `offline` and
 * is forgotten as soon as its activity returns to idle.
 */
import type { AgentStatus, CallId, ClientId, Presence, QueueId } from './types.js';

export type { Presence } from './types.js';

/** How an offer came about: the queue's strategy, the caller's affinity, or the agent's own pick. */
export type OfferVia = 'strategy' | 'affinity' | 'take';

export type Activity =
  | { kind: 'idle' }
  | { kind: 'offered'; callId: CallId; until: number; since: number; via: OfferVia }
  | { kind: 'on-call'; callId: CallId }
  | { kind: 'wrap-up'; until: number }
  | { kind: 'missed-backoff'; until: number };

/** The agent's standing in one queue it is an eligible member of (skills met). */
export interface Membership {
  tier: number;
  /** Sum of the agent's proficiencies over the queue's required skills: the tie-break, higher first. */
  score: number;
  /** Position in the queue's configured member list. */
  order: number;
}

export interface AgentRuntime {
  id: string;
  presence: Presence;
  /** Why the presence is what it is (a break's reason, "missed 3 offers in a row", ...). */
  presenceReason?: string;
  activity: Activity;
  /** Has at least one registered device. */
  reachable: boolean;
  /** When the agent last became available; longest-idle picks the smallest. */
  idleSince: number;
  missedInRow: number;
  callsAnswered: number;
  talkMs: number;
  /** Queues the agent is an eligible member of (required skills met). */
  queues: Map<QueueId, Membership>;
  skills: Record<string, number>;
  /** Clients the agent works for; empty: all. */
  clients: Set<ClientId>;
  /** Still in the configuration (a removed agent lingers until its activity is idle). */
  configured: boolean;
  /** Counted as logged in by its queues (see `QueuePolicy.maxWaitNoAgentMs`). */
  loggedIn: boolean;
  /** Waiting calls held for this agent by caller affinity. */
  reserved: Set<CallId>;
  /** Token of the live activity timer (offer / wrap-up / back-off); 0: none. */
  timerToken: number;
  /**
   * Wrap-up cannot end until released (a required disposition not yet given): set while on a
   * call or in wrap-up; the wrap-up timer running out then leaves the agent in wrap-up with no
   * timer, and the release ends it.
   */
  wrapHeld: boolean;
}

export function isAvailable(a: AgentRuntime): boolean {
  return a.presence === 'ready' && a.activity.kind === 'idle' && a.reachable;
}

/** Busy with a call: ringing, talking, or wrapping up. */
export function isBusyWithCall(a: AgentRuntime): boolean {
  const k = a.activity.kind;
  return k === 'offered' || k === 'on-call' || k === 'wrap-up';
}

/** Logged in for the no-agent limit: presence ready or break, or busy with a call. */
export function isLoggedIn(a: AgentRuntime): boolean {
  return a.configured && (a.presence === 'ready' || a.presence === 'break' || isBusyWithCall(a));
}

/** The single word a desk or wallboard shows for an agent. */
export function agentStatus(a: AgentRuntime): AgentStatus {
  if (a.activity.kind !== 'idle') return a.activity.kind;
  if (a.presence === 'ready' && !a.reachable) return 'unreachable';
  return a.presence;
}

/** The agent serves a call of this client: no client, or the agent works for all or for this one. */
export function servesClient(a: AgentRuntime, client: ClientId | undefined): boolean {
  return client === undefined || a.clients.size === 0 || a.clients.has(client);
}

/** Every required skill at or above its minimum. Returns the score, or -1 when not eligible. */
export function skillScore(skills: Record<string, number>, required: Record<string, number>): number {
  let score = 0;
  for (const [name, min] of Object.entries(required)) {
    const have = skills[name];
    if (have === undefined || have < min) return -1;
    score += have;
  }
  return score;
}
