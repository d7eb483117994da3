/** The live call's vocabulary: legs, places, events in, commands out, policy and view (see live-call.ts). */

export type LegId = string;
export type Role = 'customer' | 'agent';
export type Phase = 'talking' | 'held' | 'awaiting-beep' | 'dropping' | 'handed-back' | 'ended';
export type RecordingMode = 'auto' | 'on-demand' | 'off';
export type RecordingState = 'stopped' | 'on' | 'paused';
export type Who = 'desk' | 'phone';

export type Place =
  | { kind: 'bridge'; legs: [LegId, LegId] }
  | { kind: 'music'; leg: LegId; source: string }
  | { kind: 'silence'; leg: LegId }
  | { kind: 'message'; leg: LegId; message: string };

export interface Leg {
  id: LegId;
  role: Role;
  agentId?: string;
  up: boolean;
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
  | { type: 'tick' };

export type EndSide = 'customer' | 'agent' | 'system';

export type LiveCallCommand =
  | { type: 'bridge'; a: LegId; b: LegId }
  | { type: 'music'; leg: LegId; source: string }
  | { type: 'silence'; leg: LegId }
  | { type: 'play'; leg: LegId; message: string }
  | { type: 'mute'; leg: LegId; on: boolean }
  | { type: 'dtmf'; leg: LegId; digits: string }
  | { type: 'record'; op: 'start' | 'pause' | 'resume' | 'stop'; leg: LegId; file: string; segment: number }
  | { type: 'hangup'; leg: LegId; cause: string }
  | { type: 'release-agent'; agentId: string; why: 'hung-up' | 'customer-gone' | 'voicemail-drop' | 'transfer' }
  | { type: 'hand-back'; to: string }
  | { type: 'ended'; side: EndSide; cause: string; holds: number; holdMs: number }
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
}

export interface LiveCallView {
  callId: string;
  phase: Phase;
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
}

