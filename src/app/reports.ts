/**
 * The reports: rows from the store (src/store/reports.ts) through the pure
 * aggregation (src/core/reports), in the site's time zone.
 */
import { stringify } from 'csv-stringify/sync';
import { addTotals, agentDays, buckets, figures, hourFigures, nearestRank, NO_TOTALS, type AgentDay, type HourFigures, type QueueFigures } from '../core/reports/reports.js';
import type { CallLogFilter, CallLogRow, ReportStore } from '../store/reports.js';

export interface Range {
  from: number;
  to: number;
  tz: string;
}

const DAY = 86_400_000;

/**
 * A range from what a user types: a date (YYYY-MM-DD: that local day's midnight), a date and
 * time (ISO 8601, with or without offset; without: local), or epoch ms. `to` of a date is the
 * end of that day. Default: today so far.
 */
export function parseRange(from: string | undefined, to: string | undefined, tz: string, now: number): Range | { error: string; field: string } {
  const at = (s: string, end: boolean, field: string): number | { error: string; field: string } => {
    if (/^\d{10,}$/.test(s)) return Number(s);
    const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (date) {
      const day = localDay(s, tz);
      if (!day) return { error: `${field}: not a date: "${s}"`, field };
      return end ? day.end : day.start;
    }
    const ms = /[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? Date.parse(s) : localTime(s, tz);
    return Number.isFinite(ms) ? ms : { error: `${field}: not a date or time: "${s}" (YYYY-MM-DD, an ISO 8601 time, or epoch ms)`, field };
  };
  const today = buckets(now - DAY, now + DAY, tz, 'day').find((b) => b.start <= now && now < b.end)!;
  const f = from ? at(from, false, 'from') : today.start;
  if (typeof f !== 'number') return f;
  const t = to ? at(to, true, 'to') : Math.max(now, f + 1);
  if (typeof t !== 'number') return t;
  if (t <= f) return { error: 'to: must be after from', field: 'to' };
  if (t - f > 400 * DAY) return { error: 'to: a range of at most 400 days', field: 'to' };
  return { from: f, to: t, tz };
}

/** The local day of a YYYY-MM-DD date. */
export function localDay(date: string, tz: string): { start: number; end: number } | undefined {
  const guess = Date.parse(`${date}T12:00:00Z`);
  if (!Number.isFinite(guess)) return undefined;
  return buckets(guess - 2 * DAY, guess + 2 * DAY, tz, 'day').find((b) => b.label === date);
}

function localTime(s: string, tz: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return NaN;
  const day = localDay(m[1]!, tz);
  if (!day) return NaN;
  const hours = buckets(day.start, day.end, tz, 'hour');
  const hour = hours.find((h) => h.label.endsWith(`T${m[2]}`));
  return hour ? hour.start + Number(m[3]) * 60_000 + Number(m[4] ?? 0) * 1000 : NaN;
}

export class Reports {
  constructor(
    private readonly store: ReportStore,
    private readonly now: () => number = Date.now,
    /** Statuses agents are in now, since when: their time so far counts too. */
    private readonly open: () => { agentId: string; status: string; since: number }[] = () => [],
  ) {}

  async queues(r: Range, thresholdSec: number, queue?: string | string[]): Promise<{ queues: QueueFigures[]; hours: HourFigures[]; total: QueueFigures | undefined }> {
    const threshold = thresholdSec * 1000;
    const hourBuckets = r.to - r.from <= 7 * DAY ? buckets(r.from, r.to, r.tz, 'hour') : [];
    const [totals, histograms, perHour] = await Promise.all([
      this.store.queueTotals(r.from, r.to, threshold, queue),
      this.store.waitHistogram(r.from, r.to, queue),
      this.store.bucketTotals(hourBuckets, threshold, queue),
    ]);
    const p90 = async (q: string | string[] | undefined, hist: { bucket: number; n: number }[]) => {
      const at = nearestRank(hist, 90);
      return at ? this.store.waitAt(r.from, r.to, q, at.bucket, at.rankInBucket) : undefined;
    };
    const ids = [...totals.keys()].sort();
    const queues = await Promise.all(ids.map(async (id) => figures(id, totals.get(id)!, await p90(id, histograms.get(id) ?? []))));
    // All queues together: the sums add up; the percentile comes from the merged histogram.
    let total: QueueFigures | undefined;
    if (ids.length) {
      const merged = new Map<number, number>();
      for (const h of histograms.values()) for (const x of h) merged.set(x.bucket, (merged.get(x.bucket) ?? 0) + x.n);
      const hist = [...merged].sort((a, b) => a[0] - b[0]).map(([bucket, n]) => ({ bucket, n }));
      total = figures('all', ids.map((id) => totals.get(id)!).reduce(addTotals, NO_TOTALS), await p90(queue, hist));
    }
    return { queues, hours: hourBuckets.map((b, i) => hourFigures(b, perHour[i]!)), total };
  }

  async agents(r: Range, agent?: string): Promise<AgentDay[]> {
    const days = buckets(r.from, r.to, r.tz, 'day');
    const [stored, calls, missed] = await Promise.all([this.store.statusDays(days.map((d) => d.label), agent), this.store.agentCalls(days, agent), this.store.missedOffers(r.from, r.to)]);
    const open = this.open().filter((o) => !agent || o.agentId === agent);
    return agentDays(stored, open, calls, agent ? missed.filter((m) => m.agentId === agent) : missed, days, Math.min(this.now(), r.to), r.tz);
  }

  callLog(f: CallLogFilter): Promise<{ total: number; rows: CallLogRow[] }> {
    return this.store.callLog(f);
  }

  /** The call log as CSV: times in ISO 8601 UTC, durations in seconds. */
  static csv(rows: CallLogRow[]): string {
    const sec = (ms: number | null) => (ms === null ? '' : (ms / 1000).toFixed(1));
    return stringify(
      rows.map((r) => [
        r.id,
        new Date(Number(r.arrived_at)).toISOString(),
        r.direction,
        r.caller_number ?? '',
        r.caller_name ?? '',
        r.queue_id ?? '',
        r.agent_id ?? '',
        sec(r.wait_ms === null ? null : Number(r.wait_ms)),
        sec(r.talk_ms === null ? null : Number(r.talk_ms)),
        sec(r.hold_ms === null ? null : Number(r.hold_ms)),
        r.outcome ?? '',
        r.hangup_side ?? '',
        r.disposition ?? '',
        r.tags ? (JSON.parse(r.tags) as string[]).join('; ') : '',
        r.notes ?? '',
      ]),
      { header: true, columns: ['call', 'arrived', 'direction', 'caller', 'caller name', 'queue', 'agent', 'wait s', 'talk s', 'hold s', 'outcome', 'hung up by', 'disposition', 'tags', 'notes'] },
    );
  }
}
