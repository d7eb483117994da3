/**
 * The shell of the background-work queue (src/core/jobs/queue.ts): every job
 * is a row in the database before it is queued, so nothing is lost to a
 * restart; the core says what runs when (concurrency, back-off, giving up),
 * this runs it, writes each change of a job back, keeps the /metrics gauges
 * and tells /healthz when work fails.
 *
 * A handler throws to fail: an error whose `retryable` is false (a corrupt
 * recording, a message the SMTP server refused for good) is given up at
 * once; any other error is retried with back-off, up to the kind's attempts.
 */
import type { Logger } from 'pino';
import { JobQueue, type Job, type JobCommand, type JobInput, type KindPolicy } from '../../core/jobs/queue.js';
import type { Metrics } from '../../api/metrics.js';
import type { JobRow, TranscriptStore } from '../../store/transcripts.js';

export type JobHandler = (payload: unknown, job: { id: string; attempt: number }) => Promise<void>;

export interface JobKind {
  policy: KindPolicy;
  run: JobHandler;
  /** Given up: the work is kept, reported and can be retried by an admin. */
  gaveUp?: (payload: unknown, error: string) => void;
}

export interface JobRunnerDeps {
  store: Pick<TranscriptStore, 'addJob' | 'saveJob' | 'jobs' | 'job' | 'deleteJobs'>;
  log: Logger;
  metrics?: Metrics;
  now: () => number;
}

const DAY = 86_400_000;
/** /healthz says a kind is failing while its last try failed within this long and its work waits. */
const HEALTH_WINDOW_MS = 15 * 60_000;

export class JobRunner {
  private queue?: JobQueue;
  private readonly payloads = new Map<string, unknown>();
  private readonly kinds = new Map<string, JobKind>();
  private timer?: NodeJS.Timeout;
  private writes: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  /** The last failed try of each kind, for /healthz. */
  private readonly lastFailure = new Map<string, { at: number; error: string }>();
  private readonly lastGaveUp = new Map<string, { at: number; error: string; id: string }>();

  constructor(private readonly d: JobRunnerDeps) {}

  define(kind: string, k: JobKind): void {
    this.kinds.set(kind, k);
    this.feed({ type: 'policy', kind, policy: k.policy, at: this.d.now() });
  }

  /** Loads what the last run left (running jobs run again) and starts what is due. */
  async start(): Promise<void> {
    const rows = await this.d.store.jobs(this.d.now() - DAY);
    for (const r of rows) this.payloads.set(r.id, JSON.parse(r.payload) as unknown);
    const policies = Object.fromEntries([...this.kinds].map(([k, v]) => [k, v.policy]));
    // The first step also saves the rows of jobs that were running when the last process stopped (pending again).
    this.queue = new JobQueue(policies, rows.map(toJob));
    this.feed({ type: 'tick', at: this.d.now() });
    const restarted = rows.filter((r) => r.status === 'running').length;
    const pending = rows.filter((r) => r.status === 'pending').length;
    if (restarted || pending) this.d.log.info({ pending, restarted }, 'background work resumed from the database');
  }

  /** Queues work; the row is written first. Adding an id twice keeps the first. */
  async add(kind: string, id: string, payload: unknown, dueAt?: number): Promise<void> {
    const at = this.d.now();
    await this.d.store.addJob({ id, kind, status: 'pending', attempts: 0, due_at: dueAt ?? at, created_at: at, finished_at: null, last_error: null, payload: JSON.stringify(payload) });
    if (!this.payloads.has(id)) this.payloads.set(id, payload);
    this.feed({ type: 'add', id, kind, at, ...(dueAt !== undefined ? { dueAt } : {}) });
  }

  /** An admin's "try again now" for given-up or waiting work; false when there is no such job. */
  retryNow(id: string): boolean {
    const job = this.queue?.get(id);
    if (!job || job.status === 'running' || job.status === 'done') return false;
    this.feed({ type: 'retry-now', id, at: this.d.now() });
    return true;
  }

  get(id: string): Job | undefined {
    return this.queue?.get(id);
  }

  /** Whether any job not yet finished has a payload `match` accepts. */
  unfinished(match: (payload: unknown) => boolean): boolean {
    return (this.queue?.jobs() ?? []).some((j) => (j.status === 'pending' || j.status === 'running') && match(this.payloads.get(j.id)));
  }

  jobs(): Job[] {
    return this.queue?.jobs() ?? [];
  }

  stats(): ReturnType<JobQueue['stats']> {
    return this.queue?.stats() ?? {};
  }

  /** One entry per kind that has failed lately and still has work, for /healthz. */
  health(): { name: string; up: boolean; detail?: string }[] {
    const now = this.d.now();
    const stats = this.stats();
    return [...this.kinds.keys()].map((kind) => {
      const s = stats[kind];
      const fail = this.lastFailure.get(kind);
      const gave = this.lastGaveUp.get(kind);
      const retrying = fail && now - fail.at < HEALTH_WINDOW_MS && (s?.retrying ?? 0) > 0;
      const gaveUpLately = gave && now - gave.at < HEALTH_WINDOW_MS;
      const up = !retrying && !gaveUpLately;
      const name = `jobs:${kind}`;
      if (up) return { name, up };
      const parts = [`${s?.pending ?? 0} pending (${s?.retrying ?? 0} retrying), ${s?.failed ?? 0} given up`];
      if (retrying) parts.push(`last failure: ${fail.error}`);
      if (gaveUpLately) parts.push(`gave up on ${gave.id}: ${gave.error}`);
      return { name, up, detail: parts.join('; ') };
    });
  }

  /** Waits for the work under way and the rows being written (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
    await this.writes;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.running]);
    await this.writes;
  }

  private feed(input: JobInput): void {
    if (!this.queue || this.stopped) return;
    this.apply(this.queue.step(input));
    // Done work leaves memory after a day (its row stays): a daemon that runs for months does not keep every job.
    for (const id of this.queue.forget((input.at ?? this.d.now()) - DAY)) this.payloads.delete(id);
  }

  private apply(commands: JobCommand[]): void {
    for (const c of commands) {
      if (c.type === 'save') this.save(c.job);
      else if (c.type === 'start') this.run(c.id, c.kind, c.attempt);
      else this.gaveUp(c.id, c.kind, c.error, c.attempts);
    }
    this.publish();
    this.schedule();
  }

  private save(job: Job): void {
    const row = { id: job.id, status: job.status, attempts: job.attempts, due_at: job.dueAt, finished_at: job.finishedAt ?? null, last_error: job.lastError ?? null };
    this.writes = this.writes
      .then(() => this.d.store.saveJob(row))
      .catch((err: Error) => this.d.log.error({ job: job.id, err: err.message }, 'background job row could not be written'));
  }

  private run(id: string, kind: string, attempt: number): void {
    const k = this.kinds.get(kind);
    const payload = this.payloads.get(id);
    const p = (async () => {
      try {
        if (!k) throw Object.assign(new Error(`no handler for work of kind ${kind}`), { retryable: false });
        await k.run(payload, { id, attempt });
        this.d.metrics?.jobResults.inc({ kind, result: 'done' });
        this.feed({ type: 'succeeded', id, at: this.d.now() });
      } catch (err) {
        const e = err as Error & { retryable?: boolean };
        const error = e.message || String(err);
        const retryable = e.retryable !== false;
        this.lastFailure.set(kind, { at: this.d.now(), error });
        this.d.metrics?.jobResults.inc({ kind, result: 'failed' });
        this.d.log.warn({ job: id, kind, attempt, retryable, err: error }, 'background work failed');
        this.feed({ type: 'failed', id, at: this.d.now(), error, retryable });
      }
    })();
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private gaveUp(id: string, kind: string, error: string, attempts: number): void {
    this.lastGaveUp.set(kind, { at: this.d.now(), error, id });
    this.d.metrics?.jobResults.inc({ kind, result: 'gave-up' });
    this.d.log.error({ job: id, kind, attempts, err: error }, 'background work given up (kept; retry it through the API)');
    try {
      this.kinds.get(kind)?.gaveUp?.(this.payloads.get(id), error);
    } catch (err) {
      this.d.log.error({ job: id, err: (err as Error).message }, 'handling given-up work failed');
    }
  }

  private publish(): void {
    const m = this.d.metrics;
    if (!m || !this.queue) return;
    const now = this.d.now();
    for (const [kind, s] of Object.entries(this.queue.stats())) {
      for (const status of ['pending', 'running', 'failed'] as const) m.jobs.set({ kind, status }, s[status]);
      m.jobsRetrying.set({ kind }, s.retrying);
      m.jobsOldestPending.set({ kind }, s.oldestPendingAt !== undefined ? Math.max(0, (now - s.oldestPendingAt) / 1000) : 0);
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const next = this.queue?.nextDueAt();
    if (next === undefined || this.stopped) return;
    // A timer at most a minute out: the clock may be moved, and the gauges' ages kept fresh.
    const wait = Math.min(60_000, Math.max(0, next - this.d.now()));
    this.timer = setTimeout(() => this.feed({ type: 'tick', at: this.d.now() }), wait);
    this.timer.unref();
  }
}

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status as Job['status'],
    attempts: r.attempts,
    dueAt: Number(r.due_at),
    createdAt: Number(r.created_at),
    ...(r.last_error ? { lastError: r.last_error } : {}),
    ...(r.finished_at !== null ? { finishedAt: Number(r.finished_at) } : {}),
  };
}
