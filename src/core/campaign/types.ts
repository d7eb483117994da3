/** The campaign dialer's inputs, outputs and records (see dialer.ts). */
import type { Hours, Schedule } from './hours.js';

export type DialMode = 'progressive' | 'preview' | 'agentless' | 'predictive';
export type CampaignStatus = 'ready' | 'active' | 'paused' | 'completed';
/** What one attempt came to. */
export type Outcome = 'connected' | 'no-answer' | 'busy' | 'failed' | 'machine' | 'dnc' | 'skipped' | 'abandoned';
/** A contact: waiting its turn, being previewed or called, or finished (connected, out of attempts, on the DNC list). */
export type ContactState = 'pool' | 'preview' | 'calling' | 'done' | 'exhausted' | 'dnc';

export interface CampaignDef {
  id: string;
  name: string;
  /** 1-5, 5 first. */
  priority: number;
  mode: DialMode;
  /** Whose agents take the calls (all modes but agentless). */
  queue?: string;
  /** Agentless: the IVR flow an answered call runs. */
  flow?: string;
  dncList?: string;
  maxAttempts: number;
  retryMinutes: number;
  ringSeconds: number;
  hours: Hours;
  /** The zone of contacts whose number and list say nothing of theirs. */
  timeZone: string;
  schedule?: Schedule;
  /** Agentless: calls at once. Predictive: ceiling of calls ringing per agent. */
  lines: number;
  /** Predictive: the day's abandon cap (0.03 = 3%). */
  abandonCap: number;
  /** Preview: seconds before it dials by itself, and skips allowed per agent. */
  previewSeconds: number;
  maxSkips: number;
}

export interface Contact {
  id: string;
  campaignId: string;
  /** E.164. */
  number: string;
  /** Its time zones: one when known, several when the number only narrows it down (held to all). */
  zones: string[];
  /** Dialing order within the campaign. */
  order: number;
  attempts: number;
  /** Not before (ms). */
  nextAt: number;
  state: ContactState;
  last?: Outcome;
}

export interface AgentView {
  /** Queues the agent takes calls from. */
  queues: string[];
  /** idle: Ready with no call; busy: on a call, offered, wrapping up; away: not taking calls. */
  state: 'idle' | 'busy' | 'away';
  /** Since when in that state (ms): the most idle agent first; busy ones' elapsed time for the pacer. */
  since: number;
}

export type DialerInput =
  | { type: 'tick'; now: number }
  | { type: 'load'; now: number; def: CampaignDef; contacts: Contact[]; status?: CampaignStatus; instance?: number }
  | { type: 'unload'; now: number; campaignId: string }
  | { type: 'run' | 'pause' | 'resume' | 'stop'; now: number; campaignId: string }
  | { type: 'agent'; now: number; agentId: string; view: AgentView }
  | { type: 'inbound-waiting'; now: number; queueId: string; count: number }
  | { type: 'dnc'; now: number; listId: string; number: string; on: boolean }
  /** The whole do-not-call list afresh (the shell read it again, as asked by a `scrub`): the pool is scrubbed against it. */
  | { type: 'dnc-list'; now: number; listId: string; numbers: string[] }
  /** The callee answered: a human (or AMD is off), or a machine. */
  | { type: 'answered'; now: number; callId: string; human: boolean }
  /** The attempt is over; for a connected call, when its conversation (and the agent's wrap-up) ended. */
  | { type: 'ended'; now: number; callId: string; outcome: Outcome | 'cancelled' }
  /** The agent's disposition of a connected contact. */
  | { type: 'disposition'; now: number; contactId: string; outcome: 'done' | 'retry' | 'do-not-call' }
  | { type: 'preview-decision'; now: number; agentId: string; contactId: string; decision: 'dial' | 'skip' };

export type DialerCommand =
  | { type: 'dial'; callId: string; campaignId: string; contactId: string; number: string; ringSeconds: number; agentId?: string }
  | { type: 'cancel'; callId: string; reason: string }
  /** A human answered: into the campaign's queue (an agent is free), its flow (agentless), or the safe-harbor message and hang up. */
  | { type: 'connect'; callId: string; queueId: string; agentId?: string }
  | { type: 'run-flow'; callId: string; flow: string }
  | { type: 'abandon'; callId: string }
  | { type: 'preview'; agentId: string; campaignId: string; contactId: string; autoDialAt: number; canSkip: boolean }
  | { type: 'preview-withdrawn'; agentId: string; contactId: string; reason: string }
  | { type: 'attempt'; campaignId: string; contactId: string; callId?: string; outcome: Outcome; attempts: number; state: ContactState; nextAt: number }
  | { type: 'status'; campaignId: string; status: CampaignStatus; instance: number }
  | { type: 'dnc-add'; listId: string; number: string }
  /** A scheduled occurrence starts soon: read the campaign's do-not-call list again and send it (`dnc-list`). */
  | { type: 'scrub'; campaignId: string; listId: string; occurrence: number };

/** What the dialer refuses to do, with the reason. */
export type Refusal = { refused: string };
