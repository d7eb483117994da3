/**
 * Reports from the call records and agents' state changes: pure aggregation
 * over rows the store selected (src/store/reports.ts), so every figure is
 * testable against a hand-computed data set, and the SQL stays simple and
 * portable (range and equality filters only).
 *
 * ```
 *   calls rows ----------> queuePerformance   offered, answered, abandoned, SL, waits, handle time
 *        \--------------> hourly             the same per local hour (charts)
 *   agent_states rows ---> agentActivity      per agent per local day: time in each state,
 *   calls rows ---------/                     calls, talk, hold, wrap-up, missed offers
 * ```
 * Days and hours are the site's local ones (a time zone), so a day that
 * changes to or from summer time has 23 or 25 hours.
 */

export interface CallFacts {
  id: string;
  queueId: string | null;
  agentId: string | null;
  arrivedAt: number;
  queuedAt: number | null;
  agentAnsweredAt: number | null;
  endedAt: number | null;
  waitMs: number | null;
  talkMs: number | null;
  holdMs: number | null;
  /** answered | abandoned | overflow | voicemail | failed | ... */
  outcome: string | null;
}

export interface StateChange {
  agentId: string;
  at: number;
  status: string;
}

export interface Bucket {
  start: number;
  end: number;
  /** Local date (YYYY-MM-DD) or date and hour (YYYY-MM-DDTHH). */
  label: string;
}

const parts = (tz: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });

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

const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : undefined);

export interface QueueFigures {
  queueId: string;
  offered: number;
  answered: number;
  abandoned: number;
  /** Left through a limit (overflow), to voicemail, or failed. */
  other: number;
  /** Answered within the threshold / (answered + abandoned after the threshold), in %; undefined with neither. */
  serviceLevelPct?: number;
  answeredWithinThreshold: number;
  avgWaitMs?: number;
  p90WaitMs?: number;
  avgTalkMs?: number;
  avgHoldMs?: number;
  /** Talk (with hold) plus the agent's wrap-up after the call. */
  avgHandleMs?: number;
  abandonRatePct?: number;
}

/**
 * Queue performance. Service level counts a call abandoned before the threshold as neither
 * good nor bad (the caller gave up before the promise applied); answered within it is good.
 * `wrapUpMsOf(call)`: the agent's wrap-up after the call, measured from their state changes.
 */
export function queuePerformance(calls: CallFacts[], thresholdMs: number, wrapUpMsOf: (c: CallFacts) => number = () => 0): QueueFigures[] {
  const byQueue = new Map<string, CallFacts[]>();
  for (const c of calls) {
    if (!c.queueId || c.queuedAt === null) continue;
    let xs = byQueue.get(c.queueId);
    if (!xs) byQueue.set(c.queueId, (xs = []));
    xs.push(c);
  }
  return [...byQueue.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([queueId, xs]) => figures(queueId, xs, thresholdMs, wrapUpMsOf));
}

function figures(queueId: string, xs: CallFacts[], thresholdMs: number, wrapUpMsOf: (c: CallFacts) => number): QueueFigures {
  const answered = xs.filter((c) => c.agentAnsweredAt !== null);
  const abandoned = xs.filter((c) => c.agentAnsweredAt === null && c.outcome === 'abandoned');
  const waitOf = (c: CallFacts) => c.waitMs ?? Math.max(0, (c.agentAnsweredAt ?? c.endedAt ?? c.queuedAt!) - c.queuedAt!);
  const within = answered.filter((c) => waitOf(c) <= thresholdMs).length;
  const lateAbandons = abandoned.filter((c) => waitOf(c) > thresholdMs).length;
  const slBase = answered.length + lateAbandons;
  const waits = xs.filter((c) => c.agentAnsweredAt !== null || c.outcome === 'abandoned').map(waitOf);
  const talks = answered.map((c) => c.talkMs ?? 0);
  const f: QueueFigures = {
    queueId,
    offered: xs.length,
    answered: answered.length,
    abandoned: abandoned.length,
    other: xs.length - answered.length - abandoned.length,
    answeredWithinThreshold: within,
  };
  const set = <K extends keyof QueueFigures>(k: K, v: QueueFigures[K] | undefined) => {
    if (v !== undefined) f[k] = v;
  };
  set('serviceLevelPct', slBase ? round1((100 * within) / slBase) : undefined);
  set('avgWaitMs', mean(waits));
  set('p90WaitMs', percentile(waits, 90));
  set('avgTalkMs', mean(talks));
  set('avgHoldMs', mean(answered.map((c) => c.holdMs ?? 0)));
  set('avgHandleMs', mean(answered.map((c) => (c.talkMs ?? 0) + wrapUpMsOf(c))));
  set('abandonRatePct', xs.length ? round1((100 * abandoned.length) / xs.length) : undefined);
  return f;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export interface HourFigures {
  label: string;
  start: number;
  offered: number;
  answered: number;
  abandoned: number;
  serviceLevelPct?: number;
}

/** Calls per local hour and the service level of each hour (for the charts), all queues or one. */
export function hourly(calls: CallFacts[], bs: Bucket[], thresholdMs: number): HourFigures[] {
  const per = bs.map(() => [] as CallFacts[]);
  for (const c of calls) {
    if (c.queuedAt === null) continue;
    const i = bucketOf(bs, c.arrivedAt);
    if (i >= 0) per[i]!.push(c);
  }
  return bs.map((b, i) => {
    const f = figures('', per[i]!, thresholdMs, () => 0);
    return { label: b.label, start: b.start, offered: f.offered, answered: f.answered, abandoned: f.abandoned, ...(f.serviceLevelPct !== undefined ? { serviceLevelPct: f.serviceLevelPct } : {}) };
  });
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
 * Intervals of each status from an agent's state changes (sorted by time), clipped to
 * [from, to). `before`: the agent's last change before `from` (its status at the start).
 */
export function statusIntervals(changes: StateChange[], before: StateChange | undefined, from: number, to: number): { status: string; start: number; end: number }[] {
  const out: { status: string; start: number; end: number }[] = [];
  let status = before?.status;
  let since = from;
  for (const c of changes) {
    if (c.at >= to) break;
    if (c.at < from) {
      status = c.status;
      continue;
    }
    if (status !== undefined && c.at > since) out.push({ status, start: since, end: c.at });
    status = c.status;
    since = c.at;
  }
  if (status !== undefined && to > since) out.push({ status, start: since, end: to });
  return out;
}

/** Agent activity per local day: states from their changes, calls from the records, missed offers counted. */
export function agentActivity(
  changes: Map<string, { before?: StateChange; changes: StateChange[] }>,
  calls: CallFacts[],
  missed: { agentId: string; at: number }[],
  days: Bucket[],
  now: number,
): AgentDay[] {
  const rows = new Map<string, AgentDay>();
  const row = (agentId: string, i: number): AgentDay => {
    const k = `${agentId}\u0000${i}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { agentId, day: days[i]!.label, statusMs: {}, calls: 0, talkMs: 0, holdMs: 0, wrapUpMs: 0, missedOffers: 0 }));
    return r;
  };
  const from = days[0]?.start ?? 0;
  const to = Math.min(days.at(-1)?.end ?? 0, now);
  for (const [agentId, s] of changes) {
    for (const iv of statusIntervals(s.changes, s.before, from, to)) {
      // An interval may span days: split at each boundary.
      for (let i = Math.max(0, bucketOf(days, iv.start)); i < days.length && days[i]!.start < iv.end; i++) {
        const ms = Math.min(iv.end, days[i]!.end) - Math.max(iv.start, days[i]!.start);
        if (ms <= 0) continue;
        const r = row(agentId, i);
        r.statusMs[iv.status] = (r.statusMs[iv.status] ?? 0) + ms;
        if (iv.status === 'wrap-up') r.wrapUpMs += ms;
      }
    }
  }
  for (const c of calls) {
    if (!c.agentId || c.agentAnsweredAt === null) continue;
    const i = bucketOf(days, c.agentAnsweredAt);
    if (i < 0) continue;
    const r = row(c.agentId, i);
    r.calls++;
    r.talkMs += c.talkMs ?? 0;
    r.holdMs += c.holdMs ?? 0;
  }
  for (const m of missed) {
    const i = bucketOf(days, m.at);
    if (i >= 0) row(m.agentId, i).missedOffers++;
  }
  return [...rows.values()].sort((a, b) => a.day.localeCompare(b.day) || a.agentId.localeCompare(b.agentId));
}

/**
 * The wrap-up each agent did after each call: the wrap-up interval that starts within 5 s
 * of the call's end, for the handle time. Sorted intervals per agent, matched by binary search.
 */
export function wrapUpMatcher(changes: Map<string, { before?: StateChange; changes: StateChange[] }>, from: number, to: number): (c: CallFacts) => number {
  const byAgent = new Map<string, { start: number; end: number }[]>();
  for (const [agentId, s] of changes) byAgent.set(agentId, statusIntervals(s.changes, s.before, from, to).filter((i) => i.status === 'wrap-up'));
  return (c) => {
    const ivs = c.agentId ? byAgent.get(c.agentId) : undefined;
    if (!ivs || c.endedAt === null) return 0;
    let lo = 0;
    let hi = ivs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ivs[mid]!.start < c.endedAt - 5_000) lo = mid + 1;
      else hi = mid;
    }
    const iv = ivs[lo];
    return iv && iv.start <= c.endedAt + 5_000 ? iv.end - iv.start : 0;
  };
}
