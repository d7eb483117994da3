// @ts-check
// The campaign API's shapes as the supervisors' campaign page reads them
// (src/api/campaigns.ts, src/app/campaigns/settings.ts).

/**
 * @typedef {'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'} Weekday
 * @typedef {{ start: string; end?: string; timeZone: string; recurrence?: { every: number; unit: 'daily' | 'weekly' | 'monthly' | 'yearly' }; durationMinutes?: number; recurrencePrecedence?: boolean }} Schedule
 * @typedef {{
 *   name: string; description?: string; lists: string[]; dncList?: string; priority: number;
 *   mode: 'progressive' | 'preview' | 'agentless' | 'predictive'; queue?: string; flow?: string; callerId?: string; trunk?: string;
 *   order: 'list' | 'random'; maxAttempts: number; retryMinutes: number; ringSeconds: number;
 *   hours: Partial<Record<Weekday, string[]>>; timeZone: string; amd: { enabled: boolean; profile?: string };
 *   onMachine: 'hangup' | 'message'; machineMessage?: string; record: boolean; transcription?: 'off' | 'post-call' | 'live'; schedule?: Schedule;
 *   lines: number; abandonCap: number; safeHarborMessage?: string; previewSeconds: number; maxSkips: number;
 *   dispositions?: { required?: boolean; codes: { code: string; label: string; outcome: 'done' | 'retry' | 'do-not-call' }[] };
 * }} Settings
 * @typedef {{ status: string; instance: number; contacts: Record<string, number>; calling: number; today: { humans: number; abandons: number } }} Progress
 * @typedef {{ id: string; status: 'ready' | 'active' | 'paused' | 'completed'; instance: number; settings: Settings; progress?: Progress; outcomes: Record<string, number> }} Campaign
 * @typedef {{ id: string; name: string; contacts?: number }} NamedList
 * @typedef {{ contactId: string; number: string; outcome: string; callId?: string; instance: number; at: string }} Attempt
 */

export const WEEKDAYS = /** @type {Weekday[]} */ (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** Contacts by state, and how far the campaign is: settled (done, exhausted, DNC) of all. @param {Campaign} c */
export function tally(c) {
  const k = c.progress?.contacts ?? {};
  const total = Object.values(k).reduce((a, b) => a + b, 0);
  const settled = (k.done ?? 0) + (k.exhausted ?? 0) + (k.dnc ?? 0);
  return { total, settled, remaining: total - settled, pct: total ? Math.round((100 * settled) / total) : 0 };
}

/** The actions a campaign's status allows (the API refuses the others with the reason). @param {Campaign['status']} status */
export function actionsFor(status) {
  /** @type {Record<Campaign['status'], string[]>} */
  const by = { ready: ['run', 'edit', 'clone', 'delete'], active: ['pause', 'stop'], paused: ['resume', 'stop', 'edit', 'clone'], completed: ['rerun', 'edit', 'clone', 'delete'] };
  return by[status] ?? [];
}
