/** A campaign's contacts: whose turn it is, and what an attempt leaves them in (see dialer.ts). Pure. */
import { contactable } from './hours.js';
import type { PacingStats } from './pacing.js';
import type { CampaignDef, CampaignStatus, Contact, DialerCommand, Outcome } from './types.js';

export interface CampaignRt {
  def: CampaignDef;
  status: CampaignStatus;
  instance: number;
  contacts: Map<string, Contact>;
  /** Contacts in dialing order. */
  ordered: Contact[];
  skips: Map<string, number>;
  stats: PacingStats;
  /** The campaign's local day, its human answers and abandons (the cap is per campaign per day). */
  day: { date: string; humans: number; abandons: number };
  occurrence?: number;
  /** The occurrence whose do-not-call scrub was asked for. */
  scrubbed?: number;
}

/** The next contact to call: fewest attempts first (a retry waits for every other contact's turn), then the list's order. */
export function nextContact(c: CampaignRt, now: number, onDnc: (n: string) => boolean): Contact | undefined {
  const precedence = c.def.schedule?.recurrencePrecedence === true;
  let best: Contact | undefined;
  for (const k of c.ordered) {
    if (k.state !== 'pool' || k.nextAt > now || k.attempts >= c.def.maxAttempts) continue;
    if (best && k.attempts >= best.attempts) continue;
    if (onDnc(k.number)) continue;
    if (!precedence && !contactable(c.def.hours, k.zones, now)) continue;
    best = k;
    if (k.attempts === 0) break;
  }
  return best;
}

/** Every contact afresh, for a new instance (those on the DNC list stay there; those being called are left to finish). */
export function resetContacts(c: CampaignRt, onDnc: (n: string) => boolean): void {
  for (const k of c.ordered) {
    if (k.state === 'calling' || k.state === 'preview') continue;
    k.attempts = 0;
    k.nextAt = 0;
    delete k.last;
    k.state = onDnc(k.number) ? 'dnc' : 'pool';
  }
  c.skips.clear();
}

/** Where an attempt's outcome leaves the contact (attempts already counted), and the record of it. */
export function settleContact(c: CampaignRt, k: Contact, outcome: Outcome, callId: string | undefined, now = 0): DialerCommand {
  k.last = outcome;
  if (outcome === 'connected') k.state = 'done';
  else if (outcome === 'dnc') k.state = 'dnc';
  else if (k.attempts >= c.def.maxAttempts) k.state = 'exhausted';
  else {
    k.state = 'pool';
    k.nextAt = now + c.def.retryMinutes * 60_000;
  }
  return { type: 'attempt', campaignId: c.def.id, contactId: k.id, ...(callId ? { callId } : {}), outcome, attempts: k.attempts, state: k.state, nextAt: k.nextAt };
}
