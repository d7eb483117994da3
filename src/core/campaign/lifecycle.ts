/**
 * A campaign's status (see the diagram in dialer.ts): run, pause, resume and
 * stop as asked; on its own, a new instance at each occurrence of its
 * schedule, the do-not-call list asked for afresh SCRUB_AHEAD_MS before it,
 * and Completed once no contact is left or the schedule is over. Pure.
 */
import type { DialerCtx } from './context.js';
import { nextOccurrence, occurrenceAt, scheduleOver } from './hours.js';
import { resetContacts, type CampaignRt } from './pool.js';
import type { CampaignStatus, Refusal } from './types.js';

/** How long before a scheduled occurrence its campaign's do-not-call list is read again. */
export const SCRUB_AHEAD_MS = 5 * 60_000;

export function campaignAction(x: DialerCtx, c: CampaignRt | undefined, kind: 'run' | 'pause' | 'resume' | 'stop', id: string): Refusal | undefined {
  if (!c) return { refused: `no campaign ${id}` };
  const to = (s: CampaignStatus): undefined => {
    c.status = s;
    x.emit({ type: 'status', campaignId: id, status: s, instance: c.instance });
    return undefined;
  };
  if (kind === 'run') {
    if (c.status === 'active' || c.status === 'paused') return { refused: `the campaign is already ${c.status}` };
    if (c.status === 'completed' || c.instance > 0) resetContacts(c, (n) => x.onDnc(c.def.dncList, n));
    c.instance++;
    c.occurrence = undefined;
    return to('active');
  }
  if (kind === 'pause') {
    if (c.status !== 'active') return { refused: `only an active campaign can be paused (it is ${c.status})` };
    x.withdrawPreviews(c, 'campaign paused');
    return to('paused');
  }
  if (kind === 'resume') {
    if (c.status !== 'paused') return { refused: `only a paused campaign can be resumed (it is ${c.status})` };
    return to('active');
  }
  if (c.status !== 'active' && c.status !== 'paused') return { refused: `only an active or paused campaign can be stopped (it is ${c.status})` };
  x.withdrawPreviews(c, 'campaign stopped');
  for (const call of x.calls.values()) if (call.campaignId === id && call.state === 'ringing') x.emit({ type: 'cancel', callId: call.id, reason: 'campaign stopped' });
  return to('ready');
}

/** What time alone does to an active campaign: the scrub before an occurrence, a new instance at its start, completion. */
export function advance(x: DialerCtx, c: CampaignRt, now: number): void {
  if (c.status !== 'active') return;
  const s = c.def.schedule;
  if (s && c.def.dncList) {
    // The list is read again shortly before each occurrence (the shell answers with dnc-list).
    const next = nextOccurrence(s, now);
    if (next && next.start - now <= SCRUB_AHEAD_MS && c.scrubbed !== next.index) {
      c.scrubbed = next.index;
      x.emit({ type: 'scrub', campaignId: c.def.id, listId: c.def.dncList, occurrence: next.index });
    }
  }
  if (s) {
    const occ = occurrenceAt(s, now);
    if (occ && occ.index !== c.occurrence) {
      if (c.occurrence !== undefined) {
        resetContacts(c, (n) => x.onDnc(c.def.dncList, n));
        c.instance++;
      }
      c.occurrence = occ.index;
    }
  }
  const busy = [...x.calls.values()].some((k) => k.campaignId === c.def.id) || c.ordered.some((k) => k.state === 'preview');
  if (busy) return;
  const over = s ? scheduleOver(s, now) : !c.ordered.some((k) => k.state === 'pool' && k.attempts < c.def.maxAttempts);
  if (over) {
    c.status = 'completed';
    x.emit({ type: 'status', campaignId: c.def.id, status: 'completed', instance: c.instance });
  }
}
