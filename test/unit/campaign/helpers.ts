/** Campaigns and contacts for the dialer's tests. */
import { parseHours } from '../../../src/core/campaign/hours.js';
import type { CampaignDef, Contact } from '../../../src/core/campaign/types.js';

export function def(id: string, over: Partial<CampaignDef> = {}): CampaignDef {
  return {
    id, name: id, priority: 5, mode: 'progressive', queue: 'q1', maxAttempts: 3, retryMinutes: 10, ringSeconds: 25,
    hours: parseHours({ mon: ['09:00-20:00'], tue: ['09:00-20:00'], wed: ['09:00-20:00'], thu: ['09:00-20:00'], fri: ['09:00-20:00'], sat: ['10:00-14:00'] }).hours,
    timeZone: 'America/New_York', lines: 2, abandonCap: 0.03, previewSeconds: 30, maxSkips: 2, ...over,
  };
}

export function contacts(campaignId: string, n: number, pick: (i: number) => string[] = () => ['America/New_York']): Contact[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${campaignId}-c${i}`, campaignId, number: `+1202555${String(1000 + i).slice(-4)}`, zones: pick(i), order: i, attempts: 0, nextAt: 0, state: 'pool' as const }));
}

