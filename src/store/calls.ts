/**
 * Call records (CDRs) and their timelines. Writes are queued in order on one
 * chain so the call path never waits for the disk, and a failing write is
 * logged without touching the call.
 */
import type { Logger } from 'pino';
import type { Db } from './db.js';
import type { CallTable } from './tables.js';

export type CallRow = CallTable;
export type CallPatch = Partial<Omit<CallTable, 'id'>>;

export interface TimelineEvent {
  at: number;
  type: string;
  data: Record<string, unknown> | null;
}

export class CallStore {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  private enqueue(what: string, work: () => Promise<unknown>): void {
    this.chain = this.chain.then(
      () => work().then(() => undefined),
      () => undefined,
    ).catch((err: Error) => this.log.error({ err: err.message, what }, 'database write failed'));
  }

  /** Resolves once every queued write has been applied. */
  flush(): Promise<void> {
    return this.chain;
  }

  create(row: Pick<CallRow, 'id' | 'node_id' | 'direction' | 'arrived_at'> & CallPatch): void {
    this.enqueue('call create', () => this.db.insertInto('calls').values(row as CallRow).execute());
  }

  update(id: string, patch: CallPatch): void {
    this.enqueue('call update', () => this.db.updateTable('calls').set(patch).where('id', '=', id).execute());
  }

  event(callId: string, at: number, type: string, data?: Record<string, unknown>): void {
    this.enqueue('call event', () =>
      this.db.insertInto('call_events').values({ call_id: callId, at, type, data: data ? JSON.stringify(data) : null }).execute(),
    );
  }

  async list(opts: { limit: number; before?: number; queue?: string; agent?: string }): Promise<CallRow[]> {
    let q = this.db.selectFrom('calls').selectAll().orderBy('arrived_at', 'desc').limit(opts.limit);
    if (opts.before !== undefined) q = q.where('arrived_at', '<', opts.before);
    if (opts.queue) q = q.where('queue_id', '=', opts.queue);
    if (opts.agent) q = q.where('agent_id', '=', opts.agent);
    return q.execute();
  }

  async get(id: string): Promise<(CallRow & { timeline: TimelineEvent[] }) | undefined> {
    const row = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const events = await this.db.selectFrom('call_events').select(['at', 'type', 'data']).where('call_id', '=', id).orderBy('at').orderBy('id').execute();
    return { ...row, timeline: events.map((e) => ({ at: e.at, type: e.type, data: e.data ? (JSON.parse(e.data) as Record<string, unknown>) : null })) };
  }
}
