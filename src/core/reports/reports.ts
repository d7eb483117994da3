/**
 * Reports: the pure part. The store (src/store/reports.ts) sums in SQL
 * (portable GROUP BY and CASE over range and equality filters) and this
 * module turns those sums into figures, finds percentiles from a histogram,
 * and assembles agents' days, so every figure is testable against a
 * hand-computed data set and a month of records is read in one pass.
 *
 * ```
 *   calls (GROUP BY queue | local hour) ---> Totals ---> figures()        offered, answered, abandoned, SL, waits, handle
 *   waits (GROUP BY queue, second) -------> histogram -> nearestRank()     p90 wait (exact: the bucket is read back)
 *   agent_status_days + open statuses ----\
 *   calls (GROUP BY agent, local day) ------> agentDays()                  time in each state, calls, talk, hold, wrap-up, missed
 *   missed offers -------------------------/
 *   a status that ends -> splitByDay() -> agent_status_days (the app adds to it as it goes)
 * ```
 * Days and hours are the site's local ones (a time zone), so a day that
 * changes to or from summer time has 23 or 25 hours.
 */

export interface Bucket {
  start: number;
  end: number;
  /** Local date (YYYY-MM-DD) or date and hour (YYYY-MM-DDTHH). */
  label: string;
}

/** One formatter per time zone: making one costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();
const parts = (tz: string) => {
  let f = formatters.get(tz);
  if (!f) formatters.set(tz, (f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' })));
  return f;
};

function localLabel(f: Intl.DateTimeFormat, ms: number, unit: 'day' | 'hour'): string {
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return unit === 'day' ? `${p.year}-${p.month}-${p.day}` : `${p.year}-${p.month}-${p.day}T${p.hour}`;
}

/**
 * The local days or hours that cover [from, to): boundaries found where the local label
 * changes (stepping a UTC hour at a time, then the exact minute: offsets are whole minutes).
 */
export function buckets(from: number, to: number, tz: string, unit: 'day' | 'hour'): Bucket[] {
  const f = parts(tz);
  const out: Bucket[] = [];
  const HOUR = 3_600_000;
  const MIN = 60_000;
  let start = from;
  let label = localLabel(f, start, unit);
  // Align the first step to the next whole UTC hour, then walk.
  let t = Math.floor(from / MIN) * MIN;
  while (start < to) {
    let next = Math.min(to, t + HOUR);
    let nextLabel = localLabel(f, next, unit);
    if (nextLabel !== label || next >= to) {
      if (nextLabel !== label) {
        // The change lies in (t, next]: find its minute.
        let lo = t;
        let hi = next;
        while (hi - lo > MIN) {
          const mid = lo + Math.floor((hi - lo) / MIN / 2) * MIN;
          if (localLabel(f, mid, unit) === label) lo = mid;
          else hi = mid;
        }
        next = hi;
        nextLabel = localLabel(f, next, unit);
      }
      out.push({ start, end: Math.min(next, to), label });
      start = next;
      label = nextLabel;
    }
    t = next;
  }
  return out;
}

/** Index of the bucket holding `at`, by binary search; -1 outside. */
export function bucketOf(bs: Bucket[], at: number): number {
  let lo = 0;
  let hi = bs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = bs[mid]!;
    if (at < b.start) hi = mid - 1;
    else if (at >= b.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The p-th percentile (0-100) by nearest rank; undefined for no values. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Sums over a set of calls that waited in a queue (one queue, one hour, or all). */
export interface Totals {
  offered: number;
  answered: number;
  abandoned: number;
  /** Answered within the service-level threshold. */
  within: number;
  /** Abandoned after the threshold (they count against the service level; earlier ones do not). */
  lateAbandons: number;
  waitSum: number;
  talkSum: number;
  holdSum: number;
  /** Talk (with hold) plus the handling agent's wrap-up after the call. */
  handleSum: number;
}

export interface QueueFigures {
  queueId: string;
  offered: number;
  answered: number;
  abandoned: number;
  /** Left through a limit (overflow), to voicemail, or failed. */
  other: number;
  answeredWithinThreshold: number;
  /** Answered within the threshold / (answered + abandoned after it), in %; undefined with neither. */
  serviceLevelPct?: number;
  /** Over answered and abandoned calls. */
  avgWaitMs?: number;
  p90WaitMs?: number;
  avgTalkMs?: number;
  avgHoldMs?: number;
  avgHandleMs?: number;
  abandonRatePct?: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const avg = (sum: number, n: number) => (n > 0 ? Math.round(sum / n) : undefined);

/** Figures from the sums. A caller who gave up before the threshold counts neither way in the service level. */
export function figures(queueId: string, t: Totals, p90WaitMs?: number): QueueFigures {
  const f: QueueFigures = { queueId, offered: t.offered, answered: t.answered, abandoned: t.abandoned, other: t.offered - t.answered - t.abandoned, answeredWithinThreshold: t.within };
  const set = <K extends keyof QueueFigures>(k: K, v: QueueFigures[K] | undefined) => {
    if (v !== undefined) f[k] = v;
  };
  const slBase = t.answered + t.lateAbandons;
  set('serviceLevelPct', slBase ? round1((100 * t.within) / slBase) : undefined);
  set('avgWaitMs', avg(t.waitSum, t.answered + t.abandoned));
  set('p90WaitMs', p90WaitMs);
  set('avgTalkMs', avg(t.talkSum, t.answered));
  set('avgHoldMs', avg(t.holdSum, t.answered));
  set('avgHandleMs', avg(t.handleSum, t.answered));
  set('abandonRatePct', t.offered ? round1((100 * t.abandoned) / t.offered) : undefined);
  return f;
}

export function addTotals(a: Totals, b: Totals): Totals {
  return {
    offered: a.offered + b.offered,
    answered: a.answered + b.answered,
    abandoned: a.abandoned + b.abandoned,
    within: a.within + b.within,
    lateAbandons: a.lateAbandons + b.lateAbandons,
    waitSum: a.waitSum + b.waitSum,
    talkSum: a.talkSum + b.talkSum,
    holdSum: a.holdSum + b.holdSum,
    handleSum: a.handleSum + b.handleSum,
  };
}

export const NO_TOTALS: Totals = { offered: 0, answered: 0, abandoned: 0, within: 0, lateAbandons: 0, waitSum: 0, talkSum: 0, holdSum: 0, handleSum: 0 };

/**
 * Where the nearest-rank p-th percentile lies in a histogram of counts per bucket (sorted by
 * bucket): the bucket, and the rank within it (1-based), to read that one value back.
 */
export function nearestRank(histogram: { bucket: number; n: number }[], p: number): { bucket: number; rankInBucket: number } | undefined {
  const total = histogram.reduce((a, h) => a + h.n, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const h of histogram) {
    if (seen + h.n >= rank) return { bucket: h.bucket, rankInBucket: rank - seen };
    seen += h.n;
  }
  return undefined;
}

export interface HourFigures {
  label: string;
  start: number;
  offered: number;
  answered: number;
  abandoned: number;
  serviceLevelPct?: number;
}

export function hourFigures(b: Bucket, t: Totals): HourFigures {
  const f = figures('', t);
  return { label: b.label, start: b.start, offered: f.offered, answered: f.answered, abandoned: f.abandoned, ...(f.serviceLevelPct !== undefined ? { serviceLevelPct: f.serviceLevelPct } : {}) };
}

/** An interval cut at the local midnights it crosses: milliseconds per local day. */
export function splitByDay(start: number, end: number, tz: string): { day: string; ms: number }[] {
  if (end <= start) return [];
  // Most statuses last minutes: the same local day at both ends, and under a day long, is one piece.
  const f = parts(tz);
  const first = localLabel(f, start, 'day');
  if (end - start < 86_400_000 && localLabel(f, end - 1, 'day') === first) return [{ day: first, ms: end - start }];
  return buckets(start, end, tz, 'day').map((b) => ({ day: b.label, ms: b.end - b.start }));
}

export interface AgentDay {
  agentId: string;
  day: string;
  /** Milliseconds in each status (ready, break, on-call, wrap-up, offline, ...) within the day. */
  statusMs: Record<string, number>;
  calls: number;
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
  missedOffers: number;
}

/**
 * Agents' days from the stored time per status, the statuses still open (added up to `now`),
 * the calls per agent and day, and missed offers. Only days in `days` appear.
 */
export function agentDays(
  stored: { agentId: string; day: string; status: string; ms: number }[],
  open: { agentId: string; status: string; since: number }[],
  calls: { agentId: string; day: string; calls: number; talkMs: number; holdMs: number }[],
  missed: { agentId: string; at: number }[],
  days: Bucket[],
  now: number,
  tz: string,
): AgentDay[] {
  const inRange = new Set(days.map((d) => d.label));
  const rows = new Map<string, AgentDay>();
  const row = (agentId: string, day: string): AgentDay => {
    const k = `${agentId}\u0000${day}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { agentId, day, statusMs: {}, calls: 0, talkMs: 0, holdMs: 0, wrapUpMs: 0, missedOffers: 0 }));
    return r;
  };
  const addStatus = (agentId: string, day: string, status: string, ms: number) => {
    if (!inRange.has(day) || ms <= 0) return;
    const r = row(agentId, day);
    r.statusMs[status] = (r.statusMs[status] ?? 0) + ms;
    if (status === 'wrap-up') r.wrapUpMs += ms;
  };
  for (const s of stored) addStatus(s.agentId, s.day, s.status, s.ms);
  const from = days[0]?.start ?? now;
  for (const o of open) for (const part of splitByDay(Math.max(o.since, from), now, tz)) addStatus(o.agentId, part.day, o.status, part.ms);
  for (const c of calls) {
    if (!inRange.has(c.day)) continue;
    const r = row(c.agentId, c.day);
    r.calls += c.calls;
    r.talkMs += c.talkMs;
    r.holdMs += c.holdMs;
  }
  for (const m of missed) {
    const i = bucketOf(days, m.at);
    if (i >= 0) row(m.agentId, days[i]!.label).missedOffers++;
  }
  return [...rows.values()].sort((a, b) => a.day.localeCompare(b.day) || a.agentId.localeCompare(b.agentId));
}
