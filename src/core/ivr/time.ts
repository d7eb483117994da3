/**
 * Wall-clock time in a flow's time zone, for time-of-day, weekday and date
 * conditions.
 *
 * Everything goes through `Intl.DateTimeFormat` with the zone's IANA name, so
 * daylight-saving changes are the platform's tz database's business: 09:30 in
 * Europe/Paris is 08:30 UTC in winter and 07:30 UTC in summer, and a rule
 * written in local time stays right on both sides of the change. Times that a
 * spring-forward skips never occur; times a fall-back repeats occur twice.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** What conditions look at: the local calendar date, weekday and minute of the day. */
export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** MM-DD, for holidays that recur every year. */
  monthDay: string;
  weekday: Weekday;
  /** Minutes since local midnight, 0-1439. */
  minutes: number;
  /** HH:MM, for traces. */
  clock: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone; callers check with isValidTimeZone first.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const SHORT_DAYS: Record<string, Weekday> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

/** The local date and time at `epochMs` in `timeZone` (which must be valid). */
export function localTime(epochMs: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  const hour = Number(parts.hour) % 24; // some engines print midnight as 24 even with h23
  const minute = Number(parts.minute);
  const pad = (n: number) => String(n).padStart(2, '0');
  const monthDay = `${parts.month}-${parts.day}`;
  return {
    date: `${parts.year}-${monthDay}`,
    monthDay,
    weekday: SHORT_DAYS[parts.weekday ?? ''] ?? 'mon',
    minutes: hour * 60 + minute,
    clock: `${pad(hour)}:${pad(minute)}`,
  };
}

/** "9:00", "09:00" or "24:00" to minutes since midnight; undefined if malformed. */
export function parseClock(s: string): number | undefined {
  const m = /^([01]?[0-9]|2[0-4]):([0-5][0-9])$/.exec(s);
  if (!m) return undefined;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v > 24 * 60 ? undefined : v;
}

/**
 * Whether `minutes` falls in [from, to). A range whose end is before its start
 * runs over midnight (22:00-06:00); a missing end is the end of the day, a
 * missing start its beginning.
 */
export function inClockRange(minutes: number, from: number | undefined, to: number | undefined): boolean {
  const a = from ?? 0;
  const b = to ?? 24 * 60;
  if (a <= b) return minutes >= a && minutes < b;
  return minutes >= a || minutes < b;
}

/** "YYYY-MM-DD" (one day) or "MM-DD" (every year) naming a day that exists. */
export function isCalendarDate(s: string): boolean {
  const m = /^(?:([0-9]{4})-)?([0-9]{2})-([0-9]{2})$/.exec(s);
  if (!m) return false;
  const year = m[1] === undefined ? 2024 : Number(m[1]); // a leap year, so 02-29 recurs
  const month = Number(m[2]);
  const day = Number(m[3]);
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Whether a list of "YYYY-MM-DD" / "MM-DD" entries includes the local day. */
export function matchesDate(dates: readonly string[], t: LocalTime): boolean {
  return dates.some((d) => d === t.date || d === t.monthDay);
}
