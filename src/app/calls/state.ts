/**
 * What the call-handling modules share: a call as the shell holds it (its
 * SIP dialogs and media legs, the router's and the live call's view of it)
 * and the context each module works through. The layers:
 * ```
 *   contact-centre.ts    router commands, ending calls, restart and outage recovery
 *   inbound.ts           arrival, numbers, targets (queue, IVR, voicemail, forward), hold music, announcements
 *   offers.ts            ringing agents, connecting the one who answers
 *   live-control.ts      the live call (src/core/call): controls from desk, API and phones, on FreeSWITCH
 *   recordings.ts        the recordings' index, retention
 *   live-media.ts        the live call's media commands on FreeSWITCH (bridge, music, conference, record)
 *   consult.ts           consults: ringing colleagues, queues' agents and external numbers; their legs
 *   supervision.ts       supervisors: who may supervise which calls, ringing them in
 *   transfer.ts          blind transfer (REFER)
 * ```
 */
import type { TranscriptionModeValue } from '../../config/transcription-schema.js';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { AgentId, AgentView, Presence, RouterEvent } from '../../core/acd/types.js';
import type { ConsultTarget, LiveCall, LiveCallEvent } from '../../core/call/live-call.js';
import type { Config, Target } from '../../config/schema.js';
import type { EventSocket } from '../../media/event-socket.js';
import type { Endpoint, MediaConnection } from '../../media/media-server.js';
import type { AnsweredOffer, RingingOffer } from '../../sip/ring.js';
import type { Registrar } from '../../sip/registrar.js';
import type { CallStore } from '../../store/calls.js';
import type { Db } from '../../store/db.js';
import type { Metrics } from '../../api/metrics.js';
import type { TollGuard } from '../../core/security/toll-guard.js';

export interface Leg {
  ep: Endpoint;
  dialog: Srf.Dialog;
}

/** A consulted party's leg, a supervisor's, or the agent's who handed the call over (until it is hung up), by its FreeSWITCH uuid. */
export interface Party extends Leg {
  role: 'consult' | 'supervisor' | 'former-agent';
  agentId?: AgentId;
  /** The router's call that put the consulted agent on call (a colleague, a queue's agent). */
  routerCallId?: string;
  /** An external party's key in the toll-fraud counts. */
  tollKey?: string;
  /**
   * A consulted IVR flow: this leg only holds its place in the live call; the
   * flow runs on the agent's own leg once the live call connects them
   * (`flowStarts`), so the agent hears it and its keypad drives it.
   */
  ivr?: { flow: string; flowStarts: () => void };
}

/** What FreeSWITCH has now for a live call: the bridged pair, the leg on hold music and how, the conference's members. */
export interface MediaState {
  bridged?: [string, string];
  /** `displace`: music over a kept bridge (hold); `alone`: played to a parked leg. */
  music?: { uuid: string; source: string; how: 'displace' | 'alone' };
  conference?: { name: string; members: Map<string, string>; muted: Set<string>; deaf: Set<string> };
}

/** The live call of the core and the shell's queue of its commands. */
export interface LiveSession {
  machine: LiveCall;
  /** Commands run one after another, in the order the machine gave them. */
  work: Promise<void>;
  timer?: NodeJS.Timeout;
}

export interface CallState {
  id: string;
  did: string;
  callerNumber: string;
  callerName: string;
  /** From the contacts directory, when the number is known. */
  contactName?: string;
  clientId?: string;
  queueId?: string;
  /** The call's own recording mode (a campaign that records its calls), winning over its queue's. */
  recording?: 'auto';
  /** The call's own transcription mode (its campaign's), winning over its queue's. */
  transcription?: TranscriptionModeValue;
  /** The last real queue the call waited in: its settings (recording) still apply after a transfer to a person. */
  serviceQueueId?: string;
  arrivedAt: number;
  queuedAt?: number;
  caller?: Leg;
  ringing: Map<AgentId, RingingOffer>;
  answers: Map<AgentId, AnsweredOffer>;
  /** `gone`: the live call hung the agent's leg up (a voicemail drop); the record still names the agent. */
  agent?: { id: AgentId; ep?: Endpoint; dialog?: Srf.Dialog; answeredAt: number; gone?: boolean };
  /** A leg to an external number the call was forwarded to. */
  external?: Partial<Leg> & { answeredAt: number };
  /** Variables collected on the way (IVR), returned with the call. */
  variables: Record<string, string>;
  announcing: boolean;
  /** Leaving a voicemail: the caller hanging up is how it normally ends. */
  inVoicemail?: boolean;
  /** Left its queue through a limit: whatever happens next, that is how it ended. */
  overflowed?: boolean;
  /** Set when an agent transferred the call: shown with the next offer. */
  transfer?: { by: AgentId; how: 'blind' | 'attended'; to: string };
  /** The shell's view of FreeSWITCH for the live call. */
  media?: MediaState;
  /** Consulted parties and supervisors on the call, by uuid. */
  parties: Map<string, Party>;
  /** The router's call each agent on this call is on call for (the call itself, or a consult's). */
  routerCalls: Map<AgentId, string>;
  /** Consults and a supervisor being rung: how to stop them. */
  ringingParties: Map<string, { cancel(): void }>;
  /** This is no call of its own but a consult of another, waiting in the router for a colleague or a queue's agent. */
  consultOf?: { parentId: string; n: number; by?: AgentId; target: ConsultTarget; timer?: NodeJS.Timeout };
  /** The live call with the agent now connected, if any. */
  session?: LiveSession;
  /** Recording files so far (earlier agents): the next one is numbered on. */
  segments: number;
  /** The router was told the agent is done (a voicemail drop releases the agent before the call ends). */
  agentReleased?: boolean;
  /** A message dropped by the agent: the call ends when it has played. */
  dropped?: string;
  /** The number's notice ("this call may be recorded") has been played. */
  noticePlayed?: boolean;
  ended: boolean;
}

export interface ContactCentreDeps {
  srf: Srf;
  media: MediaConnection;
  esl: EventSocket;
  registrar: Registrar;
  calls: CallStore;
  db: Db;
  metrics: Metrics;
  /** Toll-fraud rules for calls to external numbers. */
  toll: TollGuard;
  log: Logger;
  config: () => Config;
  nodeId: string;
  /** Where recordings are written, absolute, as FreeSWITCH sees it. */
  recordingsDir: string;
  /** Wall clock in ms, for the router and call records. */
  now?: () => number;
  /** The contact name of a caller's number, if known. */
  contactName?: (number: string) => Promise<string | undefined>;
  /** Transcripts: told when a call with an agent starts and ends, when a recording is done and when a voicemail is left (src/app/transcription). */
  transcription?: TranscriptionHooks;
  /** Runs an IVR flow on an answered call and says where the call goes next. */
  ivr?: (call: { id: string; callerNumber: string; did: string; leg: Leg }, flow: string) => Promise<{ target: Target; variables: Record<string, string> } | undefined>;
}

/** What the call path tells transcription; each returns at once (the work runs beside the calls). */
export interface TranscriptionHooks {
  /** The agent is connected: `mode` from the call's campaign or queue. */
  connected(call: { id: string; customerUuid: string; agentId: string; mode: TranscriptionModeValue }): void;
  /** The live call is over. */
  ended(callId: string): void;
  /** A recording file is complete; `mode` as for connected. */
  recordingDone(recording: { id: string; callId: string; mode: TranscriptionModeValue }): void;
  /** A caller left a message in a voicemail box. */
  voicemail(message: { callId: string; boxId: string; file: string; durationMs: number; callerNumber: string; callerName: string; receivedAt: number }): void;
}

/** What desks and wallboards are told, as it happens. */
export type LiveEvent =
  | { kind: 'agent'; agentId: string; status: string; presence: Presence; reason?: string; at: number }
  | { kind: 'call'; callId: string; type: string; at: number; data?: Record<string, unknown>; /** The agent handling the call, if any: their desk is told. */ agentId?: string }
  /** A campaign's status, attempts and previews (src/app/campaigns); a preview names its agent. */
  | { kind: 'campaign'; campaignId: string; type: string; at: number; data?: Record<string, unknown>; agentId?: string };

export interface Finish {
  side: 'caller' | 'agent' | 'system';
  cause: string;
  disposition: string;
}

/** What each call-handling module reaches of the centre. */
export interface CentreContext {
  readonly d: ContactCentreDeps;
  readonly now: () => number;
  readonly live: Map<string, CallState>;
  /** FreeSWITCH channel uuid -> call and leg, to file RTP counters when the channel is destroyed. */
  readonly legs: Map<string, { callId: string; leg: 'caller' | 'agent' }>;
  /** Answers that arrive for calls that have already gone, kept until the router says to release them. */
  readonly orphans: Map<string, AnsweredOffer>;
  /** Consults waiting in the router for an agent, by their router call id (consult.ts). */
  readonly consults: Map<string, CallState>;
  feed(event: RouterEvent): void;
  /** Agents' work on their calls: a required disposition holds the wrap-up (src/app/work.ts). */
  readonly work: { onRelease(callId: string, agentId: string, queueId: string | undefined): void };
  /** The router's view of an agent now (status: ready, on-call, ...). */
  agentView(agentId: AgentId): AgentView | undefined;
  timeline(call: { id: string }, type: string, data?: Record<string, unknown>, at?: number): void;
  finish(call: CallState, how: Finish, otherHungUp?: boolean, callerHungUp?: boolean): void;
  hangUpFrom(call: CallState, side: 'caller' | 'agent', leg?: Srf.Dialog): void;
  releaseOtherLeg(call: CallState, otherHungUp?: boolean): void;
  /** Work started from an event handler: a failure is logged with the call, never left unhandled. */
  background(work: Promise<unknown>, callId: string, what: string): void;
  /** An event from the wire (a phone's re-INVITE, a leg gone) for the call's live call (live-control.ts). */
  wire(call: CallState, event: LiveCallEvent): void;
  /** Sends an answered call where a target says (inbound.ts). */
  routeTo(call: CallState, target: Target, via: string, depth?: number): Promise<void>;
}

/** High-resolution wall-clock ms, for timelines that latency figures are computed from. */
export const hrNow = () => performance.timeOrigin + performance.now();
