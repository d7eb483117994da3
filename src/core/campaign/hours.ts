/**
 * Local time in a contact's time zone, contactable hours per weekday, and a
 * campaign's schedule (start, end, recurrence). Pure: time zones come from
 * the runtime's tz database through Intl, so daylight-saving changes are
 * those of the zone itself.
 */

import { isValidTimeZone, localTime as wallClock, WEEKDAYS, type Weekday } from '../ivr/time.js';

export { WEEKDAYS, type Weekday };

/** Minutes from local midnight: [from, to) ranges for each weekday. */
export type Hours = Record<Weekday, Array<[number, number]>>;

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minute: number;
  /** YYYY-MM-DD, the local day. */
  date: string;
}

/** Whether the runtime knows the zone. */
export const validZone = isValidTimeZone;

/** The wall clock in `zone` at `ms` (the IVR's clock, src/core/ivr/time.ts, with the date's parts). */
export function localTime(ms: number, zone: string): LocalTime {
  const w = wallClock(ms, zone);
  const [year, month, day] = w.date.split('-').map(Number) as [number, number, number];
  return { year, month, day, weekday: w.weekday, minute: w.minutes, date: w.date };
}

/** The UTC instant of a wall-clock time in `zone` (the later one in a repeated hour, the first valid one after a skipped hour). */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const lt = localTime(guess, zone);
    const seen = Date.UTC(lt.year, lt.month - 1, lt.day, Math.floor(lt.minute / 60), lt.minute % 60);
    const diff = wall - seen;
    if (diff === 0) return guess;
    guess += diff;
  }
  return guess;
}

/** Parses `{ mon: ["09:00-12:00", "13:00-18:00"], ... }`; problems name the weekday. */
export function parseHours(spec: Partial<Record<Weekday, string[]>>): { hours: Hours; problems: string[] } {
  const hours = Object.fromEntries(WEEKDAYS.map((d) => [d, []])) as unknown as Hours;
  const problems: string[] = [];
  for (const [day, ranges] of Object.entries(spec)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      problems.push(`${day}: not a weekday (${WEEKDAYS.join(', ')})`);
      continue;
    }
    for (const r of ranges ?? []) {
      const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(r);
      const from = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
      const to = m ? Number(m[3]) * 60 + Number(m[4]) : NaN;
      if (!m || to > 24 * 60 || to <= from) problems.push(`${day}: "${r}" is not a range like 09:00-17:30`);
      else hours[day as Weekday].push([from, to]);
    }
  }
  if (WEEKDAYS.every((d) => hours[d].length === 0) && problems.length === 0) problems.push('no contactable hours on any weekday');
  return { hours, problems };
}

const minuteCache = new Map<string, { minute: number; lt: LocalTime }>();

/** localTime, remembered per zone for the current minute (the dialer asks for the same minute many times). */
function localMinute(ms: number, zone: string): LocalTime {
  const minute = Math.floor(ms / 60_000);
  const hit = minuteCache.get(zone);
  if (hit && hit.minute === minute) return hit.lt;
  const lt = localTime(minute * 60_000, zone);
  minuteCache.set(zone, { minute, lt });
  return lt;
}

/** Whether `ms` falls within the hours in every one of `zones` (a number whose zone is not certain is held to all it may be in). */
export function contactable(hours: Hours, zones: readonly string[], ms: number): boolean {
  for (const zone of zones) {
    const lt = localMinute(ms, zone);
    if (!hours[lt.weekday].some(([from, to]) => lt.minute >= from && lt.minute < to)) return false;
  }
  return zones.length > 0;
}

export type RecurrenceUnit = 'day' | 'week' | 'month' | 'year';

export interface Schedule {
  /** Local wall-clock start, YYYY-MM-DDTHH:MM, in `timeZone`. */
  start: string;
  end?: string;
  timeZone: string;
  recurrence?: { every: number; unit: RecurrenceUnit };
  /** How long each occurrence dials; until the next occurrence (or the end) when absent. */
  durationMinutes?: number;
  /** Within an occurrence, dial whatever the contactable hours say. */
  recurrencePrecedence?: boolean;
}

function wall(s: string): [number, number, number, number, number] | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(s);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])] : undefined;
}

export function checkSchedule(s: Schedule): string[] {
  const problems: string[] = [];
  if (!validZone(s.timeZone)) problems.push(`schedule.timeZone: "${s.timeZone}" is not a time zone`);
  if (!wall(s.start)) problems.push('schedule.start: must be a local date-time like 2026-12-03T09:00');
  if (s.end !== undefined && !wall(s.end)) problems.push('schedule.end: must be a local date-time like 2026-12-31T18:00');
  if (s.recurrence && (!Number.isInteger(s.recurrence.every) || s.recurrence.every < 1)) problems.push('schedule.recurrence.every: must be a whole number of 1 or more');
  if (problems.length === 0 && s.end && occurrenceStart(s, 0) >= endOf(s)) problems.push('schedule.end: must be after the start');
  return problems;
}

function endOf(s: Schedule): number {
  const e = s.end ? wall(s.end) : undefined;
  return e ? zonedToUtc(...e, s.timeZone) : Infinity;
}

/** The start (UTC ms) of occurrence `k` (0 is the first), on the local calendar. */
export function occurrenceStart(s: Schedule, k: number): number {
  const [y, mo, d, h, mi] = wall(s.start)!;
  const n = (s.recurrence?.every ?? 0) * k;
  const unit = s.recurrence?.unit ?? 'day';
  if (unit === 'day' || unit === 'week') {
    const days = unit === 'day' ? n : n * 7;
    const base = new Date(Date.UTC(y, mo - 1, d + days));
    return zonedToUtc(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), h, mi, s.timeZone);
  }
  const months = unit === 'month' ? n : n * 12;
  const first = new Date(Date.UTC(y, mo - 1 + months, 1));
  // The 31st of a shorter month is its last day.
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return zonedToUtc(first.getUTCFullYear(), first.getUTCMonth() + 1, Math.min(d, last), h, mi, s.timeZone);
}

export interface Occurrence {
  index: number;
  start: number;
  /** When this occurrence stops dialing. */
  until: number;
}

/** The occurrence running at `now`, if any. */
export function occurrenceAt(s: Schedule, now: number): Occurrence | undefined {
  const end = endOf(s);
  if (now < occurrenceStart(s, 0) || now >= end) return undefined;
  let k = 0;
  if (s.recurrence) {
    // Jump near, then step: occurrences are at least a day apart.
    const approxMs = { day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000, year: 365 * 86_400_000 }[s.recurrence.unit] * s.recurrence.every;
    k = Math.max(0, Math.floor((now - occurrenceStart(s, 0)) / approxMs) - 2);
    while (occurrenceStart(s, k + 1) <= now) k++;
    while (k > 0 && occurrenceStart(s, k) > now) k--;
  }
  const start = occurrenceStart(s, k);
  const next = s.recurrence ? occurrenceStart(s, k + 1) : Infinity;
  const until = Math.min(end, next, s.durationMinutes ? start + s.durationMinutes * 60_000 : Infinity);
  return now < until ? { index: k, start, until } : undefined;
}

/** The next occurrence to start after `now` (its index and start), if the schedule has one. */
export function nextOccurrence(s: Schedule, now: number): { index: number; start: number } | undefined {
  const end = endOf(s);
  const first = occurrenceStart(s, 0);
  if (now < first) return first < end ? { index: 0, start: first } : undefined;
  if (!s.recurrence) return undefined;
  const running = occurrenceAt(s, now);
  let k = running ? running.index : 0;
  if (!running) {
    const approxMs = { day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000, year: 365 * 86_400_000 }[s.recurrence.unit] * s.recurrence.every;
    k = Math.max(0, Math.floor((now - first) / approxMs) - 2);
  }
  while (occurrenceStart(s, k + 1) <= now) k++;
  const start = occurrenceStart(s, k + 1);
  return start < end ? { index: k + 1, start } : undefined;
}

/** Whether no occurrence can start at or after `now`. */
export function scheduleOver(s: Schedule, now: number): boolean {
  return now >= endOf(s) || (!s.recurrence && occurrenceAt(s, now) === undefined && now >= occurrenceStart(s, 0));
}
