/**
 * An agent as the router sees it: the presence the agent chose, and the
 * activity the system put them in on top of it.
 *
 * ```
 *  presence (agent's choice):   ready <-> standby <-> offline
 *
 *  activity (system), only while presence is ready for offers:
 *
 *            offer                answer
 *   idle ----------> offered ------------> on-call
 *    ^  \              |  timeout/decline     | call ended
 *    |   \             v                      v
 *    |    \------ missed-backoff          wrap-up
 *    |   timer         |                      |
 *    +-----------------+----------------------+ timer (or agent ends it)
 * ```
 *
 * An agent receives an offer only when presence is `ready`, activity is
 * `idle` and at least one device is registered. Presence changes never
 * interrupt an offer or a call; they take effect on the next offer.
 */
import type { AgentId, CallId, QueueId } from './types.js';

export type Presence = 'ready' | 'standby' | 'offline';

export type Activity =
  | { kind: 'idle' }
  | { kind: 'offered'; callId: CallId; until: number }
  | { kind: 'on-call'; callId: CallId }
  | { kind: 'wrap-up'; until: number }
  | { kind: 'missed-backoff'; until: number };

export interface AgentRuntime {
  id: AgentId;
  presence: Presence;
  activity: Activity;
  /** Has at least one registered device. */
  reachable: boolean;
  /** When the agent last became available; longest-idle picks the smallest. */
  idleSince: number;
  missedInRow: number;
  callsAnswered: number;
  talkMs: number;
  queues: Set<QueueId>;
  /** Bumped on every activity change so stale timers are ignored. */
  timerVersion: number;
}

export function isAvailable(a: AgentRuntime): boolean {
  return a.presence === 'ready' && a.activity.kind === 'idle' && a.reachable;
}

/** The single word a desk or wallboard shows for an agent. */
export function agentStatus(a: AgentRuntime): string {
  if (a.activity.kind !== 'idle') return a.activity.kind;
  if (a.presence === 'ready' && !a.reachable) return 'unreachable';
  return a.presence;
}
