/** What the dialer's parts (dialer.ts, lifecycle.ts, predictive.ts) share: its calls and agents, and the moves each may make. Pure. */
import type { CampaignRt } from './pool.js';
import type { AgentView, Contact, DialerCommand } from './types.js';

export interface CallRt {
  id: string;
  campaignId: string;
  contactId: string;
  /** The agent held for it while it rings. */
  agentId?: string;
  state: 'ringing' | 'answered' | 'cancelling';
  dialedAt: number;
  answeredAt?: number;
}

export interface AgentRt extends AgentView {
  held?: { kind: 'call' | 'preview'; id: string; campaignId: string; autoDialAt?: number };
}

export interface DialerCtx {
  readonly calls: Map<string, CallRt>;
  readonly agents: Map<string, AgentRt>;
  /** Inbound calls waiting in the queue (inbound first). */
  inboundWaiting(queueId: string): number;
  onDnc(listId: string | undefined, number: string): boolean;
  /** A command out, in order. */
  emit(c: DialerCommand): void;
  withdrawPreviews(c: CampaignRt, reason: string): void;
  /** Whether the campaign may dial now (active, inside an occurrence of its schedule if it has one). */
  dialing(c: CampaignRt, now: number): boolean;
  next(c: CampaignRt, now: number): Contact | undefined;
  dial(c: CampaignRt, k: Contact, now: number, agentId?: string): void;
  today(c: CampaignRt, now: number): CampaignRt['day'];
}
