/** Identifiers and the router's inputs and outputs. */
export type AgentId = string;
export type CallId = string;
export type QueueId = string;

export type Strategy = 'longest-idle' | 'round-robin' | 'ring-all';

export interface QueuePolicy {
  id: QueueId;
  strategy: Strategy;
  members: AgentId[];
  offerTimeoutMs: number;
  wrapUpMs: number;
  missedBackoffMs: number;
  /** A waiting call leaves the queue after this long (the shell decides where it goes). */
  maxWaitMs?: number;
}

export interface AgentPolicy {
  id: AgentId;
  initialPresence: 'ready' | 'standby' | 'offline';
}

export interface RouterPolicy {
  queues: QueuePolicy[];
  agents: AgentPolicy[];
  /** After this many missed offers in a row the agent is moved to standby. */
  maxMissedInRow: number;
}

export type OfferFailure = 'timeout' | 'declined' | 'unreachable' | 'busy';

/** What happened, as the shell reports it. `now` travels with every event. */
export type RouterEvent =
  | { type: 'call-queued'; callId: CallId; queueId: QueueId; priority?: number }
  | { type: 'call-abandoned'; callId: CallId }
  | { type: 'offer-answered'; callId: CallId; agentId: AgentId }
  | { type: 'offer-failed'; callId: CallId; agentId: AgentId; reason: OfferFailure }
  | { type: 'call-ended'; callId: CallId }
  | { type: 'agent-presence'; agentId: AgentId; presence: 'ready' | 'standby' | 'offline' }
  | { type: 'agent-reachable'; agentId: AgentId; reachable: boolean }
  | { type: 'wrap-up-end'; agentId: AgentId }
  | { type: 'tick' };

/** What the shell must do. */
export type RouterCommand =
  | { type: 'offer'; callId: CallId; agentId: AgentId; queueId: QueueId; timeoutMs: number }
  | { type: 'withdraw-offer'; callId: CallId; agentId: AgentId; reason: 'timeout' | 'answered-elsewhere' | 'abandoned' }
  /** The agent answered an offer the router no longer holds (it crossed a withdrawal): release that leg. */
  | { type: 'release-agent-leg'; callId: CallId; agentId: AgentId }
  | { type: 'connect'; callId: CallId; agentId: AgentId }
  | { type: 'max-wait'; callId: CallId; queueId: QueueId }
  | { type: 'agent-status'; agentId: AgentId; status: string; presence: string; reason?: string };
