/**
 * What the reports read (src/core/reports): call records, agents' state
 * changes and missed offers over a time range, and the filtered call log.
 * Range and equality filters only, through kysely: the same SQL on SQLite and
 * PostgreSQL, served by the indexes of migrations 001 and 008.
 */
import type { Db } from './db.js';
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Bucket, Totals } from '../core/reports/reports.js';

export interface CallLogFilter {
  from: number;
  to: number;
  queue?: string;
  agent?: string;
  direction?: string;
  /** The agent's disposition code (call_work). */
  disposition?: string;
  /** How the call ended: answered, abandoned, overflow, voicemail, failed, ... */
  outcome?: string;
  /** Only these queues (a supervisor's). */
  queues?: string[];
  limit: number;
  offset: number;
}

export interface CallLogRow {
  id: string;
  direction: string;
  arrived_at: number;
  caller_number: string | null;
  caller_name: string | null;
  queue_id: string | null;
  agent_id: string | null;
  wait_ms: number | null;
  talk_ms: number | null;
  hold_ms: number | null;
  outcome: string | null;
  hangup_side: string | null;
  disposition: string | null;
  notes: string | null;
  tags: string | null;
}

export class ReportStore {
  constructor(private readonly db: Db) {}

  /** Calls that waited in a queue, arrived in [from, to), with the handling agent's work joined. */
  /** `queue`: one queue, or several (a supervisor's). */
  private queued(from: number, to: number, queue?: string | string[]) {
    let q = this.db
      .selectFrom('calls')
      .leftJoin('call_work as w', (j) => j.onRef('w.call_id', '=', 'calls.id').onRef('w.agent_id', '=', 'calls.agent_id'))
      .where('calls.arrived_at', '>=', from)
      .where('calls.arrived_at', '<', to)
      .where('calls.queued_at', 'is not', null);
    if (typeof queue === 'string') q = q.where('calls.queue_id', '=', queue);
    else if (queue) q = q.where('calls.queue_id', 'in', queue.length ? queue : ['']);
    return q;
  }

  /** The sums of {@link Totals} as SQL, over the rows of {@link queued}. */
  private static totals(thresholdMs: number) {
    const answered = sql<number>`case when calls.agent_answered_at is not null then 1 else 0 end`;
    const abandoned = sql<number>`case when calls.agent_answered_at is null and calls.disposition = 'abandoned' then 1 else 0 end`;
    return [
      sql<number>`count(*)`.as('offered'),
      sql<number>`sum(${answered})`.as('answered'),
      sql<number>`sum(${abandoned})`.as('abandoned'),
      sql<number>`sum(case when calls.agent_answered_at is not null and calls.wait_ms <= ${thresholdMs} then 1 else 0 end)`.as('within'),
      sql<number>`sum(case when calls.agent_answered_at is null and calls.disposition = 'abandoned' and calls.wait_ms > ${thresholdMs} then 1 else 0 end)`.as('late_abandons'),
      sql<number>`sum(case when calls.agent_answered_at is not null or calls.disposition = 'abandoned' then coalesce(calls.wait_ms, 0) else 0 end)`.as('wait_sum'),
      sql<number>`sum(case when calls.agent_answered_at is not null then coalesce(calls.talk_ms, 0) else 0 end)`.as('talk_sum'),
      sql<number>`sum(case when calls.agent_answered_at is not null then coalesce(calls.hold_ms, 0) else 0 end)`.as('hold_sum'),
      sql<number>`sum(case when calls.agent_answered_at is not null then coalesce(calls.talk_ms, 0) + coalesce(w.wrap_up_ms, 0) else 0 end)`.as('handle_sum'),
    ] as const;
  }

  private static toTotals(r: Record<string, unknown>): Totals {
    const n = (k: string) => Number(r[k] ?? 0);
    return { offered: n('offered'), answered: n('answered'), abandoned: n('abandoned'), within: n('within'), lateAbandons: n('late_abandons'), waitSum: n('wait_sum'), talkSum: n('talk_sum'), holdSum: n('hold_sum'), handleSum: n('handle_sum') };
  }

  /** Per queue: the sums, in one pass. */
  async queueTotals(from: number, to: number, thresholdMs: number, queue?: string | string[]): Promise<Map<string, Totals>> {
    const rows = await this.queued(from, to, queue)
      .select(['calls.queue_id', ...ReportStore.totals(thresholdMs)])
      .groupBy('calls.queue_id')
      .execute();
    return new Map(rows.map((r) => [r.queue_id ?? '', ReportStore.toTotals(r)]));
  }

  /** Per bucket (local hours, days): the sums, in one pass; a CASE over the boundaries numbers each call's bucket. */
  async bucketTotals(bs: Bucket[], thresholdMs: number, queue?: string | string[]): Promise<Totals[]> {
    if (bs.length === 0) return [];
    const slot = bucketCase(sql.ref('calls.arrived_at'), bs);
    const rows = await this.queued(bs[0]!.start, bs.at(-1)!.end, queue)
      .select([slot.as('slot'), ...ReportStore.totals(thresholdMs)])
      .groupBy(sql`slot`)
      .execute();
    const out = bs.map(() => undefined as Totals | undefined);
    for (const r of rows) out[Number(r.slot)] = ReportStore.toTotals(r);
    return out.map((t) => t ?? { offered: 0, answered: 0, abandoned: 0, within: 0, lateAbandons: 0, waitSum: 0, talkSum: 0, holdSum: 0, handleSum: 0 });
  }

  /** Waits of answered and abandoned calls per queue, counted per whole second. */
  async waitHistogram(from: number, to: number, queue?: string | string[]): Promise<Map<string, { bucket: number; n: number }[]>> {
    const rows = await this.queued(from, to, queue)
      .where((eb) => eb.or([eb('calls.agent_answered_at', 'is not', null), eb('calls.disposition', '=', 'abandoned')]))
      .select(['calls.queue_id', sql<number>`coalesce(calls.wait_ms, 0) / 1000`.as('s'), sql<number>`count(*)`.as('n')])
      .groupBy(['calls.queue_id', sql`s`])
      .orderBy('calls.queue_id')
      .orderBy(sql`s`)
      .execute();
    const out = new Map<string, { bucket: number; n: number }[]>();
    for (const r of rows) {
      const k = r.queue_id ?? '';
      let xs = out.get(k);
      if (!xs) out.set(k, (xs = []));
      xs.push({ bucket: Number(r.s), n: Number(r.n) });
    }
    return out;
  }

  /** The n-th smallest wait (1-based) within one second's bucket: the exact percentile value. */
  async waitAt(from: number, to: number, queue: string | string[] | undefined, second: number, n: number): Promise<number | undefined> {
    const row = await this.queued(from, to, queue)
      .where((eb) => eb.or([eb('calls.agent_answered_at', 'is not', null), eb('calls.disposition', '=', 'abandoned')]))
      .where(sql<SqlBool>`coalesce(calls.wait_ms, 0) >= ${second * 1000} and coalesce(calls.wait_ms, 0) < ${(second + 1) * 1000}`)
      .select(sql<number>`coalesce(calls.wait_ms, 0)`.as('w'))
      .orderBy(sql`w`)
      .limit(1)
      .offset(n - 1)
      .executeTakeFirst();
    return row ? Number(row.w) : undefined;
  }

  /** Stored time per status, agent and local day. */
  async statusDays(days: string[], agent?: string): Promise<{ agentId: string; day: string; status: string; ms: number }[]> {
    if (days.length === 0) return [];
    let q = this.db.selectFrom('agent_status_days').select(['agent_id', 'day', 'status', 'ms']).where('day', 'in', days);
    if (agent) q = q.where('agent_id', '=', agent);
    return (await q.execute()).map((r) => ({ agentId: r.agent_id, day: r.day, status: r.status, ms: Number(r.ms) }));
  }

  /** Calls, talk and hold per agent and local day (by when the agent answered). */
  async agentCalls(days: Bucket[], agent?: string): Promise<{ agentId: string; day: string; calls: number; talkMs: number; holdMs: number }[]> {
    if (days.length === 0) return [];
    const slot = bucketCase(sql.ref('agent_answered_at'), days);
    let q = this.db
      .selectFrom('calls')
      .where('arrived_at', '>=', days[0]!.start - 86_400_000)
      .where('arrived_at', '<', days.at(-1)!.end)
      .where('agent_answered_at', '>=', days[0]!.start)
      .where('agent_answered_at', '<', days.at(-1)!.end)
      .where('agent_id', 'is not', null);
    if (agent) q = q.where('agent_id', '=', agent);
    const rows = await q
      .select(['agent_id', slot.as('slot'), sql<number>`count(*)`.as('n'), sql<number>`sum(coalesce(talk_ms, 0))`.as('talk'), sql<number>`sum(coalesce(hold_ms, 0))`.as('hold')])
      .groupBy(['agent_id', sql`slot`])
      .execute();
    return rows.map((r) => ({ agentId: r.agent_id!, day: days[Number(r.slot)]!.label, calls: Number(r.n), talkMs: Number(r.talk), holdMs: Number(r.hold) }));
  }

  /** Offers an agent let ring out or refused (declined, busy, unreachable), from the calls' timelines. */
  async missedOffers(from: number, to: number): Promise<{ agentId: string; at: number }[]> {
    const rows = await this.db
      .selectFrom('call_events')
      .select(['at', 'type', 'data'])
      .where('at', '>=', from)
      .where('at', '<', to)
      .where('type', 'in', ['offer-failed', 'offer-withdrawn'])
      .execute();
    const out: { agentId: string; at: number }[] = [];
    for (const r of rows) {
      const data = r.data ? (JSON.parse(r.data) as { agentId?: string; reason?: string }) : {};
      if (!data.agentId) continue;
      if (r.type === 'offer-failed' || data.reason === 'timeout') out.push({ agentId: data.agentId, at: Number(r.at) });
    }
    return out;
  }

  /** The call log, newest first, with the handling agent's work; `total` counts every match. */
  async callLog(f: CallLogFilter): Promise<{ total: number; rows: CallLogRow[] }> {
    let q = this.db
      .selectFrom('calls')
      .leftJoin('call_work as w', (j) => j.onRef('w.call_id', '=', 'calls.id').onRef('w.agent_id', '=', 'calls.agent_id'))
      .where('calls.arrived_at', '>=', f.from)
      .where('calls.arrived_at', '<', f.to);
    if (f.queue) q = q.where('calls.queue_id', '=', f.queue);
    if (f.queues) q = q.where('calls.queue_id', 'in', f.queues.length ? f.queues : ['']);
    if (f.agent) q = q.where('calls.agent_id', '=', f.agent);
    if (f.direction) q = q.where('calls.direction', '=', f.direction as 'inbound');
    if (f.outcome) q = q.where('calls.disposition', '=', f.outcome);
    if (f.disposition) q = q.where('w.disposition', '=', f.disposition);
    const [count, rows] = await Promise.all([
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
      q
        .select([
          'calls.id',
          'calls.direction',
          'calls.arrived_at',
          'calls.caller_number',
          'calls.caller_name',
          'calls.queue_id',
          'calls.agent_id',
          'calls.wait_ms',
          'calls.talk_ms',
          'calls.hold_ms',
          'calls.disposition as outcome',
          'calls.hangup_side',
          'w.disposition',
          'w.notes',
          'w.tags',
        ])
        .orderBy('calls.arrived_at', 'desc')
        .limit(f.limit)
        .offset(f.offset)
        .execute(),
    ]);
    return { total: Number(count?.n ?? 0), rows: rows as CallLogRow[] };
  }
}

/** CASE WHEN t < end0 THEN 0 WHEN t < end1 THEN 1 ... END: the bucket of each row, numbered. */
function bucketCase(t: Expression<unknown>, bs: Bucket[]) {
  return sql<number>`case ${sql.join(
    bs.map((b, i) => sql`when ${t} < ${b.end} then ${sql.lit(i)}`),
    sql` `,
  )} end`;
}
