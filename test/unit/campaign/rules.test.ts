/** The campaign core's rules, case by case: hours across a daylight-saving change, schedules, turns, previews, inbound first, the abandon budget. */
import t from 'tap';
import { CampaignDialer, SCRUB_AHEAD_MS } from '../../../src/core/campaign/dialer.js';
import { checkSchedule, contactable, nextOccurrence, occurrenceAt, occurrenceStart, parseHours } from '../../../src/core/campaign/hours.js';
import { abandonBudget, emptyStats, modelPacer } from '../../../src/core/campaign/pacing.js';
import type { DialerCommand, DialerInput } from '../../../src/core/campaign/types.js';
import { contacts, def } from './helpers.js';

const cmds = (d: CampaignDialer, e: DialerInput): DialerCommand[] => {
  const out = d.send(e);
  if (!Array.isArray(out)) throw new Error(out.refused);
  return out;
};

t.test('contactable hours are local wall-clock time, through the daylight-saving change', async (t) => {
  const { hours } = parseHours({ mon: ['09:00-17:00'] });
  // 2026-03-09 is the Monday after the US change (EDT, UTC-4); the Monday before it was EST (UTC-5).
  t.ok(contactable(hours, ['America/New_York'], Date.UTC(2026, 2, 9, 13, 0)), '09:00 EDT is 13:00 UTC');
  t.notOk(contactable(hours, ['America/New_York'], Date.UTC(2026, 2, 9, 12, 59)), '08:59 EDT is not');
  t.ok(contactable(hours, ['America/New_York'], Date.UTC(2026, 2, 2, 14, 0)), 'a week before, 09:00 EST is 14:00 UTC');
  t.notOk(contactable(hours, ['America/New_York'], Date.UTC(2026, 2, 2, 13, 30)), '08:30 EST is not');
  t.notOk(contactable(hours, ['America/New_York', 'America/Los_Angeles'], Date.UTC(2026, 2, 9, 14, 0)), 'a number that may be in either zone waits for both (07:00 in Los Angeles)');
  t.match(parseHours({ mon: ['17:00-09:00'], funday: ['09:00-10:00'] } as never).problems, [/mon: "17:00-09:00" is not a range/, /funday: not a weekday/]);
  t.same(parseHours({}).problems, ['no contactable hours on any weekday']);
});

t.test('schedules: recurrences on the local calendar, windows, the end', async (t) => {
  const s = { start: '2026-01-31T09:00', timeZone: 'Europe/Paris', recurrence: { every: 1, unit: 'month' as const }, durationMinutes: 120 };
  t.same(checkSchedule(s), []);
  t.equal(new Date(occurrenceStart(s, 1)).toISOString(), '2026-02-28T08:00:00.000Z', 'the 31st in February is its last day');
  t.equal(new Date(occurrenceStart(s, 4)).toISOString(), '2026-05-31T07:00:00.000Z', 'summer time: 09:00 in Paris is 07:00 UTC');
  t.equal(occurrenceAt(s, Date.UTC(2026, 1, 28, 9, 59))?.index, 1);
  t.equal(occurrenceAt(s, Date.UTC(2026, 1, 28, 10, 0)), undefined, 'the window is two hours');
  t.match(checkSchedule({ start: '2026-01-31 09:00', timeZone: 'Mars/Olympus' }), [/timeZone/, /start/]);
  t.match(checkSchedule({ start: '2026-01-31T09:00', end: '2026-01-30T09:00', timeZone: 'UTC' }), [/end: must be after the start/]);
});

const MONDAY = Date.UTC(2026, 2, 9, 15, 0); // 11:00 in New York

t.test('a scheduled campaign reads its do-not-call list again shortly before each occurrence and scrubs the pool against it', async (t) => {
  // Daily at 10:00 New York for an hour, from Monday 2026-03-09 (EDT: 14:00 UTC).
  const schedule = { start: '2026-03-09T10:00', timeZone: 'America/New_York', recurrence: { every: 1, unit: 'day' as const }, durationMinutes: 60 };
  const first = Date.UTC(2026, 2, 9, 14, 0);
  t.same(nextOccurrence(schedule, first - 1), { index: 0, start: first });
  t.same(nextOccurrence(schedule, first + 30 * 60_000), { index: 1, start: first + 86_400_000 }, 'during one, the next');
  t.same(nextOccurrence({ start: '2026-03-09T10:00', timeZone: 'UTC' }, Date.UTC(2026, 2, 9, 11)), undefined, 'a single occurrence, begun: none');
  const d = new CampaignDialer(() => 0.5);
  const list = contacts('s', 3);
  cmds(d, { type: 'load', now: first - 3_600_000, def: def('s', { schedule, dncList: 'dnc', retryMinutes: 0 }), contacts: list });
  t.same(cmds(d, { type: 'run', now: first - 3_600_000, campaignId: 's' }).map((c) => c.type), ['status']);
  t.same(cmds(d, { type: 'tick', now: first - SCRUB_AHEAD_MS - 1 }), [], 'not yet');
  t.same(cmds(d, { type: 'tick', now: first - SCRUB_AHEAD_MS }), [{ type: 'scrub', campaignId: 's', listId: 'dnc', occurrence: 0 }], 'five minutes before: read the list');
  t.same(cmds(d, { type: 'tick', now: first - 60_000 }), [], 'once per occurrence');
  const scrubbed = cmds(d, { type: 'dnc-list', now: first - 60_000, listId: 'dnc', numbers: [list[0]!.number] });
  t.match(scrubbed, [{ type: 'attempt', contactId: 's-c0', outcome: 'dnc', state: 'dnc' }], 'the number added meanwhile is scrubbed');
  const dialed = cmds(d, { type: 'agent', now: first, agentId: 'a', view: { queues: ['q1'], state: 'idle', since: first - 1 } });
  t.match(dialed, [{ type: 'dial', contactId: 's-c1' }], 'the occurrence starts with the next contact');
  t.match(cmds(d, { type: 'tick', now: first + 86_400_000 - SCRUB_AHEAD_MS }), [{ type: 'scrub', occurrence: 1 }], 'and again before the next day');
});

t.test('progressive: one call per free agent, most idle first; a retry waits for every other contact; inbound first', async (t) => {
  const d = new CampaignDialer(() => 0.5);
  cmds(d, { type: 'load', now: MONDAY, def: def('c', { maxAttempts: 2, retryMinutes: 0 }), contacts: contacts('c', 3) });
  cmds(d, { type: 'run', now: MONDAY, campaignId: 'c' });
  cmds(d, { type: 'agent', now: MONDAY, agentId: 'late', view: { queues: ['q1'], state: 'busy', since: MONDAY } });
  const first = cmds(d, { type: 'agent', now: MONDAY, agentId: 'early', view: { queues: ['q1'], state: 'idle', since: MONDAY - 60_000 } });
  t.match(first, [{ type: 'dial', contactId: 'c-c0', agentId: 'early' }]);
  const second = cmds(d, { type: 'agent', now: MONDAY, agentId: 'late', view: { queues: ['q1'], state: 'idle', since: MONDAY } });
  t.match(second, [{ type: 'dial', contactId: 'c-c1', agentId: 'late' }], 'the next contact for the next agent');
  const busy = cmds(d, { type: 'ended', now: MONDAY + 1, callId: (first[0] as { callId: string }).callId, outcome: 'busy' });
  t.match(busy, [{ type: 'attempt', contactId: 'c-c0', outcome: 'busy', attempts: 1, state: 'pool' }, { type: 'dial', contactId: 'c-c2', agentId: 'early' }], 'c0 waits for c2 to have its turn');
  t.same(cmds(d, { type: 'inbound-waiting', now: MONDAY + 2, queueId: 'q1', count: 1 }), [], 'an inbound caller waits: the agents held for dials are let go');
  const answered = cmds(d, { type: 'answered', now: MONDAY + 3, callId: (busy[1] as { callId: string }).callId, human: true });
  t.match(answered, [{ type: 'connect', queueId: 'q1' }], 'the customer waits in the queue behind the inbound caller');
  t.notOk((answered[0] as { agentId?: string }).agentId, 'for no agent in particular');
});

t.test('preview: the agent dials or skips; skips run out; it dials by itself at the deadline', async (t) => {
  const d = new CampaignDialer(() => 0.5);
  cmds(d, { type: 'load', now: MONDAY, def: def('p', { mode: 'preview', maxSkips: 1, previewSeconds: 30, retryMinutes: 60 }), contacts: contacts('p', 3) });
  cmds(d, { type: 'run', now: MONDAY, campaignId: 'p' });
  t.match(cmds(d, { type: 'agent', now: MONDAY, agentId: 'a', view: { queues: ['q1'], state: 'idle', since: MONDAY } }), [{ type: 'preview', contactId: 'p-c0', canSkip: true, autoDialAt: MONDAY + 30_000 }]);
  t.match(cmds(d, { type: 'preview-decision', now: MONDAY + 1, agentId: 'a', contactId: 'p-c0', decision: 'skip' }), [{ type: 'attempt', contactId: 'p-c0', outcome: 'skipped', nextAt: MONDAY + 1 + 3_600_000 }, { type: 'preview', contactId: 'p-c1', canSkip: false }]);
  t.same(d.send({ type: 'preview-decision', now: MONDAY + 2, agentId: 'a', contactId: 'p-c1', decision: 'skip' }), { refused: 'no skips left (1 per agent in this campaign)' });
  t.same(d.send({ type: 'preview-decision', now: MONDAY + 2, agentId: 'b', contactId: 'p-c1', decision: 'dial' }), { refused: 'this contact is not being previewed by the agent' });
  t.match(cmds(d, { type: 'tick', now: MONDAY + 31_000 }), [{ type: 'dial', contactId: 'p-c1', agentId: 'a' }], 'dialed by itself after 30 s');
});

t.test('predictive: the abandon budget, and the pacer', async (t) => {
  t.equal(abandonBudget(0.03, 0, 0), 0, 'nothing ahead before the day has answers');
  t.equal(abandonBudget(0.03, 100, 0), 3, '(0 + 3) / (100 + 3) < 3%');
  t.equal(abandonBudget(0.03, 100, 3), 0);
  const stats = { ...emptyStats(), completed: 100, humans: 50, answered: 60, answerMs: 60 * 8_000, handled: 50, handleMs: 50 * 180_000 };
  t.equal(modelPacer({ free: 2, busySinceMs: [], ringing: 0, stats, cap: 0.03 }), 2, 'two free agents and nobody else: two calls (a third person would too likely wait)');
  const busy = Array(80).fill(175_000);
  t.ok(modelPacer({ free: 0, busySinceMs: busy, ringing: 0, stats, cap: 0.03 }) >= 1, 'nobody free, but eighty agents near the end of their calls: calls ahead of them');
  t.ok(modelPacer({ free: 0, busySinceMs: busy, ringing: 0, stats, cap: 0.2 }) > modelPacer({ free: 0, busySinceMs: busy, ringing: 0, stats, cap: 0.03 }), 'a higher cap: more');
  t.equal(modelPacer({ free: 0, busySinceMs: [1_000], ringing: 5, ringingAgesMs: Array(5).fill(1_000), stats, cap: 0.03 }), 0, 'one agent who just started, five calls ringing: none more');
  t.equal(modelPacer({ free: 1, busySinceMs: [], ringing: 3, ringingAgesMs: Array(3).fill(60_000), stats, cap: 0.03 }), 1, 'calls that have rung a minute bring nobody: the free agent gets a fresh one');
});
