/**
 * What the reports read (src/core/reports): call records, agents' state
 * changes and missed offers over a time range, and the filtered call log.
 * Range and equality filters only, through kysely: the same SQL on SQLite and
 * PostgreSQL, served by the indexes of migrations 001 and 008.
 */
import type { Db } from './db.js';
import type { CallFacts, StateChange } from '../core/reports/reports.js';

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

  async callFacts(from: number, to: number, queue?: string): Promise<CallFacts[]> {
    let q = this.db
      .selectFrom('calls')
      .select(['id', 'queue_id', 'agent_id', 'arrived_at', 'queued_at', 'agent_answered_at', 'ended_at', 'wait_ms', 'talk_ms', 'hold_ms', 'disposition'])
      .where('arrived_at', '>=', from)
      .where('arrived_at', '<', to);
    if (queue) q = q.where('queue_id', '=', queue);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      queueId: r.queue_id,
      agentId: r.agent_id,
      arrivedAt: Number(r.arrived_at),
      queuedAt: r.queued_at === null ? null : Number(r.queued_at),
      agentAnsweredAt: r.agent_answered_at === null ? null : Number(r.agent_answered_at),
      endedAt: r.ended_at === null ? null : Number(r.ended_at),
      waitMs: r.wait_ms === null ? null : Number(r.wait_ms),
      talkMs: r.talk_ms === null ? null : Number(r.talk_ms),
      holdMs: r.hold_ms === null ? null : Number(r.hold_ms),
      outcome: r.disposition,
    }));
  }

  /** Each agent's state changes in [from, to), and the last one before `from` (their state at the start). */
  async stateChanges(from: number, to: number, agent?: string): Promise<Map<string, { before?: StateChange; changes: StateChange[] }>> {
    let inRange = this.db.selectFrom('agent_states').select(['agent_id', 'at', 'status']).where('at', '>=', from).where('at', '<', to).orderBy('agent_id').orderBy('at').orderBy('id');
    if (agent) inRange = inRange.where('agent_id', '=', agent);
    let last = this.db.selectFrom('agent_states').select(['agent_id', (eb) => eb.fn.max('id').as('id')]).where('at', '<', from).groupBy('agent_id');
    if (agent) last = last.where('agent_id', '=', agent);
    const [rows, befores] = await Promise.all([
      inRange.execute(),
      this.db.selectFrom('agent_states as s').innerJoin(last.as('m'), 'm.id', 's.id').select(['s.agent_id', 's.at', 's.status']).execute(),
    ]);
    const out = new Map<string, { before?: StateChange; changes: StateChange[] }>();
    const entry = (id: string) => {
      let e = out.get(id);
      if (!e) out.set(id, (e = { changes: [] }));
      return e;
    };
    for (const b of befores) entry(b.agent_id).before = { agentId: b.agent_id, at: Number(b.at), status: b.status };
    for (const r of rows) entry(r.agent_id).changes.push({ agentId: r.agent_id, at: Number(r.at), status: r.status });
    return out;
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
