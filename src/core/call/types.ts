/** The live call's vocabulary: legs, places, events in, commands out, policy and view (see live-call.ts). */

export type LegId = string;
/** customer: the caller; agent: whoever owns the call now; consult: the party the agent consults; supervisor: listening in. */
export type Role = 'customer' | 'agent' | 'consult' | 'supervisor';
export type Phase = 'talking' | 'held' | 'consulting' | 'merged' | 'awaiting-beep' | 'dropping' | 'handed-back' | 'ended';
export type RecordingMode = 'auto' | 'on-demand' | 'off';
export type RecordingState = 'stopped' | 'on' | 'paused';
export type Who = 'desk' | 'phone';
export type MonitorMode = 'listen' | 'whisper' | 'barge';

/** Whom a consult calls: a colleague, a queue's next agent, an IVR flow, a contact of the directory, an external number. */
export interface ConsultTarget {
  kind: 'agent' | 'queue' | 'ivr' | 'contact' | 'number';
  /** The agent's id, the queue's, the flow's, the contact's number, the external number. */
  to: string;
}

export type Place =
  | { kind: 'bridge'; legs: [LegId, LegId] }
  | { kind: 'music'; leg: LegId; source: string }
  | { kind: 'silence'; leg: LegId }
  | { kind: 'message'; leg: LegId; message: string }
  /** n legs mixed; `muted` are heard by nobody, `[a, b]` in `deaf` means b does not hear a. */
  | { kind: 'conference'; legs: LegId[]; muted: LegId[]; deaf: [LegId, LegId][] };

export interface Leg {
  id: LegId;
  role: Role;
  agentId?: string;
  up: boolean;
}

export interface ConsultView {
  /** Counts the call's consults from 1. */
  n: number;
  target: ConsultTarget;
  state: 'ringing' | 'up';
  leg?: LegId;
  /** The consulted agent, when the party is one (a colleague, a queue's agent). */
  agentId?: string;
  /** Whom the agent talks to now (swap). */
  talkingTo: 'consult' | 'customer';
  startedAt: number;
  /** The agent left while it rang: the customer is put through when it answers. */
  completeOnAnswer?: boolean;
}

export interface SupervisorView {
  supervisorId: string;
  mode: MonitorMode;
  state: 'ringing' | 'up';
  leg?: LegId;
}

export type LiveCallEvent =
  | { type: 'hold'; by: Who }
  | { type: 'resume'; by: Who }
  | { type: 'mute' }
  | { type: 'unmute' }
  | { type: 'dtmf'; digits: string }
  | { type: 'record'; op: 'start' | 'stop' | 'pause' | 'resume' }
  | { type: 'recording-failed'; reason: string }
  | { type: 'voicemail-drop'; message: string }
  | { type: 'beep' }
  | { type: 'playback-done' }
  | { type: 'transfer-out'; to: string }
  | { type: 'hang-up' }
  | { type: 'leg-gone'; leg: LegId; cause: string }
  | { type: 'customer-phone-hold'; held: boolean }
  | { type: 'consult'; target: ConsultTarget }
  | { type: 'consult-answered'; n: number; leg: LegId; agentId?: string }
  /** The agent's phone called the party itself (its own attended transfer): the party joins as an answered consult. */
  | { type: 'consult-joined'; leg: LegId; agentId?: string; target: ConsultTarget }
  | { type: 'consult-failed'; n: number; reason: string; status?: number }
  | { type: 'swap' }
  | { type: 'complete' }
  | { type: 'cancel' }
  | { type: 'merge' }
  | { type: 'monitor'; supervisorId: string; mode: MonitorMode }
  | { type: 'supervisor-answered'; leg: LegId }
  | { type: 'supervisor-failed'; reason: string }
  | { type: 'unmonitor' }
  | { type: 'tick' };

export type EndSide = 'customer' | 'agent' | 'system';
export type ReleaseWhy = 'hung-up' | 'customer-gone' | 'voicemail-drop' | 'transfer' | 'consult-ended' | 'merge-left';

export type LiveCallCommand =
  | { type: 'bridge'; a: LegId; b: LegId }
  | { type: 'music'; leg: LegId; source: string }
  | { type: 'silence'; leg: LegId }
  | { type: 'play'; leg: LegId; message: string }
  | { type: 'conference'; legs: LegId[]; muted: LegId[]; deaf: [LegId, LegId][] }
  | { type: 'mute'; leg: LegId; on: boolean }
  | { type: 'dtmf'; leg: LegId; digits: string }
  | { type: 'record'; op: 'start' | 'pause' | 'resume' | 'stop'; leg: LegId; file: string; segment: number }
  | { type: 'hangup'; leg: LegId; cause: string }
  /** `wrapUp: false`: straight back to Ready (a consulted colleague whose consult was cancelled). */
  | { type: 'release-agent'; agentId: string; why: ReleaseWhy; wrapUp: boolean }
  | { type: 'hand-back'; to: string }
  /** Ring (or queue) the consult's target; its answer comes back as consult-answered, or consult-failed. */
  | { type: 'originate'; n: number; target: ConsultTarget }
  /** Stop ringing (or queueing) a consult that has not answered. */
  | { type: 'cancel-originate'; n: number }
  /** Ring the supervisor's devices; the answer comes back as supervisor-answered, or supervisor-failed. */
  | { type: 'call-supervisor'; supervisorId: string }
  | { type: 'cancel-supervisor'; supervisorId: string }
  /** The call now belongs to another agent (an attended transfer completed), or to nobody (an external party). */
  | { type: 'owner'; agentId?: string; leg: LegId; from?: string }
  | { type: 'ended'; side: EndSide; cause: string; holds: number; holdMs: number; owner?: string }
  | { type: 'timeline'; event: string; data?: Record<string, unknown> };

export type Outcome = { ok: boolean; reason?: string; commands: LiveCallCommand[] };

export interface LiveCallPolicy {
  /** What the customer hears on hold. */
  holdMusic: string;
  recording: RecordingMode;
  /** Messages an agent may drop, by name. */
  messages: Record<string, string>;
  /** The call has live AMD: a drop waits for the beep. */
  amd: boolean;
  /** Longest wait for the beep before the message starts anyway. */
  beepWaitMs: number;
  /** The agent hangs up while consulting: put the customer through (desk phones do), or back to the queue. */
  agentLeavesConsult: 'complete' | 'requeue';
  /** The agent leaves a 3-way call: the other two stay together, or the call ends. */
  agentLeavesMerge: 'keep' | 'end';
}

export interface LiveCallView {
  callId: string;
  phase: Phase;
  /** The agent who owns the call now (none after an attended transfer to an external party). */
  agentId?: string;
  legs: Leg[];
  places: Place[];
  muted: boolean;
  recording: RecordingState;
  segment: number;
  holds: number;
  /** Closed holds only; a running hold started at heldSince. */
  holdMs: number;
  heldSince?: number;
  heldBy?: Who;
  dropped?: { message: string; at: number };
  consult?: ConsultView;
  supervisor?: SupervisorView;
  /** The customer hung up while the agent was consulting (the consult may go on). */
  customerLeft?: boolean;
  /** Consults so far. */
  consults: number;
}
