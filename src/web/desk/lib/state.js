// @ts-check
// What the desk shows, in one place.
import { Store } from './ui.js';

/**
 * @typedef {'off' | 'sound' | 'desktop' | 'both'} NotifyMode
 * @typedef {{ offer: NotifyMode; missed: NotifyMode; transfer: NotifyMode; ended: NotifyMode }} Notifications
 * @typedef {{ type: string; at: number; data?: Record<string, unknown> | null }} TimelineEntry
 * @typedef {{ n: number; target: { kind: string; to: string }; state: 'ringing' | 'up'; agentId?: string; talkingTo: 'consult' | 'customer' }} ConsultView
 * @typedef {{ phase: string; agentId?: string; muted: boolean; recording: 'stopped' | 'on' | 'paused'; holds: number; holdMs: number; heldSince?: number; consult?: ConsultView }} LiveView
 * @typedef {{ callId: string; caller: string; callerName?: string; queueId?: string; agentId?: string; phase: string; onHold: boolean; talkMs: number; supervisor?: { supervisorId: string; mode: string; state: string } }} SupervisedCall
 * @typedef {{ callId?: string; name: string; number: string; startedAt: number; live?: LiveView; timeline: TimelineEntry[]; error?: string; localMute: boolean }} CallState
 * @typedef {{ name: string; number: string; detail: string }} OfferState
 * @typedef {{ campaignId: string; campaign: string; contactId: string; autoDialAt?: number; canSkip: boolean; contact?: { number: string; name?: string; properties: Record<string, string> } }} PreviewState
 * @typedef {{ id: string; name?: string; extension?: string; breakReasons?: string[]; supervises?: string[] }} Agent
 * @typedef {{ status: string; presence: string; reason?: string; activity?: string; callId?: string; countdownMs?: number; wrapHeld?: boolean; callsAnswered: number }} AgentView
 * @typedef {{ callId: string; caller?: string; queueId: string; waitedMs: number }} PoolEntry
 * @typedef {{ speaker: 'customer' | 'agent'; text: string; start: number; end: number; seq: number }} TranscriptLine
 * @typedef {{ callId: string; finals: TranscriptLine[]; partials: Partial<Record<'customer' | 'agent', TranscriptLine>>; stopped?: string }} LiveTranscript
 * @typedef {{ id: string; waiting: number; offered: number; longestWaitMs: number; agents?: { ready: number } }} QueueEntry
 * @typedef {{
 *   agent?: Agent; signInError: string; phone: string; view?: AgentView; pool: PoolEntry[]; queues: QueueEntry[];
 *   offer?: OfferState; preview?: PreviewState; call?: CallState; notifications: Notifications; messages: { name: string; description?: string }[];
 *   lastNotice?: { what: string; title: string; body: string; at: number };
 *   supervised: SupervisedCall[]; supervisionError: string;
 *   workCallId?: string; workChanged?: number; wrapUpError?: string;
 *   transcript?: LiveTranscript;
 * }} DeskState
 */

/** @type {Store<DeskState>} */
export const store = new Store(
  /** @type {DeskState} */ ({
    signInError: '',
    phone: 'offline',
    pool: [],
    queues: [],
    notifications: { offer: 'sound', missed: 'desktop', transfer: 'both', ended: 'off' },
    messages: [],
    supervised: [],
    supervisionError: '',
  }),
);
