/**
 * Call records (CDRs) and their timelines. Writes are queued in order and
 * applied one at a time, so the call path never waits for the disk.
 *
 * When the disk is full, read-only or failing (SQLITE_FULL, SQLITE_READONLY,
 * SQLITE_IOERR, SQLITE_BUSY, ...), calls go on: the writes wait in memory, in
 * order, and are retried with back-off until the database takes them again.
 * `/healthz` says the database is down meanwhile. Past `maxPending` waiting
 * writes the oldest are dropped and counted (`lost`), never silently. A write
 * the database refuses for any other reason (a bug) is logged and dropped so
 * it cannot block the ones behind it.
 */
import type { Logger } from 'pino';
import type { Db } from './db.js';
import type { CallTable, RecordingTable } from './tables.js';
import { blankWork } from './work.js';

export type CallRow = CallTable;
export type CallPatch = Partial<Omit<CallTable, 'id'>>;
export type RecordingRow = RecordingTable;

export interface TimelineEvent {
  at: number;
  type: string;
  data: Record<string, unknown> | null;
}

const TRANSIENT = /^SQLITE_(FULL|READONLY|IOERR|BUSY|LOCKED|CANTOPEN|PROTOCOL|NOLFS|AUTH)/;

export interface CallStoreOptions {
  maxPending: number;
  retryMs: number;
  maxRetryMs: number;
  /** Told of every write dropped (the queue overflowed, or the database refused it). */
  onLost?: (n: number, why: string) => void;
}

export class CallStore {
  private readonly pending: { what: string; work: () => Promise<unknown> }[] = [];
  private draining = false;
  private retryTimer?: NodeJS.Timeout;
  private retryMs: number;
  private idle: (() => void)[] = [];
  /** Why writes are failing now (undefined when they are not). */
  failing?: string;
  /** Writes dropped since the start. */
  lost = 0;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: CallStoreOptions = { maxPending: 200_000, retryMs: 500, maxRetryMs: 10_000 },
  ) {
    this.retryMs = opts.retryMs;
  }

  /** Writes waiting for the database. */
  get backlog(): number {
    return this.pending.length;
  }

  private enqueue(what: string, work: () => Promise<unknown>): void {
    if (this.pending.length >= this.opts.maxPending) {
      const dropped = this.pending.shift()!;
      this.drop(1, `backlog full (${this.opts.maxPending} writes waiting): ${dropped.what}`);
    }
    this.pending.push({ what, work });
    if (!this.draining && !this.retryTimer) void this.drain();
  }

  private drop(n: number, why: string): void {
    this.lost += n;
    this.opts.onLost?.(n, why);
    // Logged at the first loss and every 1,000th after, not once per write.
    if (this.lost === n || Math.floor((this.lost - n) / 1000) !== Math.floor(this.lost / 1000)) this.log.error({ lost: this.lost, why }, 'call record writes lost');
  }

  private async drain(): Promise<void> {
    this.draining = true;
    this.retryTimer = undefined;
    while (this.pending.length) {
      const next = this.pending[0]!;
      try {
        await next.work();
        this.pending.shift();
        if (this.failing) {
          this.log.warn({ was: this.failing, backlog: this.pending.length }, 'database writes resumed');
          this.failing = undefined;
          this.retryMs = this.opts.retryMs;
        }
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (TRANSIENT.test(code)) {
          if (!this.failing) this.log.error({ code, err: (err as Error).message, backlog: this.pending.length }, 'database writes failing; call records wait in memory and are retried');
          this.failing = `${code}: ${(err as Error).message}`;
          this.draining = false;
          this.retryTimer = setTimeout(() => void this.drain(), this.retryMs);
          this.retryTimer.unref();
          this.retryMs = Math.min(this.retryMs * 2, this.opts.maxRetryMs);
          return;
        }
        this.pending.shift();
        this.drop(1, `${next.what} refused: ${(err as Error).message}`);
      }
    }
    this.draining = false;
    for (const done of this.idle.splice(0)) done();
  }

  /** Resolves once every queued write has been applied, or after `timeoutMs` (the writes left are logged). */
  flush(timeoutMs = 10_000): Promise<void> {
    if (!this.pending.length) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.log.error({ backlog: this.pending.length, failing: this.failing }, 'call record writes still waiting at stop');
        resolve();
      }, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stops retrying (the daemon's shutdown). */
  stop(): void {
    clearTimeout(this.retryTimer);
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

  /** An agent's status changed (presence or activity): the agent activity report's source. */
  agentState(row: { agent_id: string; at: number; status: string; presence: string; reason: string | null }): void {
    this.enqueue('agent state', () => this.db.insertInto('agent_states').values(row).execute());
  }

  /** Time an agent spent in a status on a local day, added to what is there. */
  statusTime(agentId: string, day: string, status: string, ms: number): void {
    this.enqueue('agent status time', () =>
      this.db
        .insertInto('agent_status_days')
        .values({ agent_id: agentId, day, status, ms })
        .onConflict((oc) => oc.columns(['agent_id', 'day', 'status']).doUpdateSet((eb) => ({ ms: eb('agent_status_days.ms', '+', eb.ref('excluded.ms')) })))
        .execute(),
    );
  }

  /** The wrap-up an agent did after a call, on their work on it. */
  wrapUp(callId: string, agentId: string, ms: number, at: number): void {
    this.enqueue('wrap-up time', () =>
      this.db
        .insertInto('call_work')
        .values({ ...blankWork(callId, agentId, at), wrap_up_ms: ms })
        .onConflict((oc) => oc.columns(['call_id', 'agent_id']).doUpdateSet({ wrap_up_ms: ms }))
        .execute(),
    );
  }

  /** The recordings' index: a file started, and its later changes (paused, done, failed, deleted). */
  recordingStarted(row: RecordingRow): void {
    this.enqueue('recording create', () => this.db.insertInto('recordings').values(row).execute());
  }

  recordingChanged(id: string, patch: Partial<Omit<RecordingRow, 'id'>>): void {
    this.enqueue('recording update', () => this.db.updateTable('recordings').set(patch).where('id', '=', id).execute());
  }

  recordings(callId: string): Promise<RecordingRow[]> {
    return this.db.selectFrom('recordings').selectAll().where('call_id', '=', callId).orderBy('segment').execute();
  }

  recording(id: string): Promise<RecordingRow | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Recordings past their retention that still have a file. */
  expiredRecordings(now: number, limit = 500): Promise<RecordingRow[]> {
    return this.db.selectFrom('recordings').selectAll().where('expires_at', '<=', now).where('deleted_at', 'is', null).limit(limit).execute();
  }

  async list(opts: { limit: number; before?: number; queue?: string; agent?: string; ids?: string[]; visibleTo?: { agent: string; queues: string[] } }): Promise<CallRow[]> {
    let q = this.db.selectFrom('calls').selectAll().orderBy('arrived_at', 'desc').limit(opts.limit);
    if (opts.before !== undefined) q = q.where('arrived_at', '<', opts.before);
    if (opts.queue) q = q.where('queue_id', '=', opts.queue);
    if (opts.agent) q = q.where('agent_id', '=', opts.agent);
    if (opts.ids) q = q.where('id', 'in', opts.ids.length ? opts.ids : ['']);
    const v = opts.visibleTo;
    if (v) q = q.where((eb) => eb.or([eb('agent_id', '=', v.agent), ...(v.queues.length ? [eb('queue_id', 'in', v.queues)] : [])]));
    return q.execute();
  }

  async get(id: string): Promise<(CallRow & { timeline: TimelineEvent[] }) | undefined> {
    const row = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const events = await this.db.selectFrom('call_events').select(['at', 'type', 'data']).where('call_id', '=', id).orderBy('at').orderBy('id').execute();
    return { ...row, timeline: events.map((e) => ({ at: e.at, type: e.type, data: e.data ? (JSON.parse(e.data) as Record<string, unknown>) : null })) };
  }
}
