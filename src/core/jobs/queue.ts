/**
 * The durable background-work queue: which job runs when, how often a
 * failed one is tried again, and when it is given up. Used for transcribing
 * finished recordings and voicemail messages and for e-mailing voicemail.
 * Pure and deterministic: the clock comes in with every input (epoch ms),
 * nothing here sends, stores or sets a timer. The shell runs the work a
 * `start` command names, persists every row a `save` command carries (one
 * after every change of a job), arms one timer for {@link JobQueue.nextDueAt}
 * and replays the saved rows into a new queue after a restart.
 *
 * A job:
 * ```
 *                 due, a free slot of its kind          succeeded
 *   add --> pending --------------------------> running ----------> done --(forget)--> gone
 *            ^  ^      (attempts + 1, start)       |
 *            |  |  failed, retryable, attempts     |   failed, not retryable, or
 *            |  +-- left: due after the back-off --+   attempts = maxAttempts
 *            |                                     v
 *            |  retry-now (attempts 0)           failed (given up: kept, reported)
 *            +-------------------------------------+
 *   restart: running --> pending, due at once, attempts kept
 * ```
 * - After every input (a `tick` or any other), with that input's `at` as
 *   now, the due pending jobs (dueAt <= now) start in order of dueAt, then
 *   createdAt, then id, each while fewer jobs of its kind run than the
 *   kind's concurrency. So a due job with a free slot never stays pending
 *   after a step. Starting: status running, attempts + 1, then `save` and
 *   `start` (attempt counts from 1).
 * - A due job whose attempts already reached maxAttempts (the process died
 *   during its last attempt, or maxAttempts was lowered) is given up instead
 *   of started: a job that keeps killing the process is not run forever.
 * - Back-off after the n-th failed attempt: min(maxRetrySec,
 *   firstRetrySec * 2^(n-1)) seconds, so non-decreasing per job and within
 *   [firstRetrySec, maxRetrySec] (a policy with maxRetrySec below
 *   firstRetrySec is read as maxRetrySec = firstRetrySec).
 * - A kind with no policy uses {@link DEFAULT_KIND_POLICY}. A policy change
 *   applies at once: more concurrency starts waiting jobs; less lets the
 *   running ones finish and starts none until the kind is below it.
 *   Concurrency 0 holds the kind (nothing of it starts). A policy input
 *   may carry `at`; without it, jobs are started as of the last input's
 *   time. Fields that are not finite numbers take the default's.
 * - `stats()` lists every kind with a policy or a job.
 * - Inputs that do not apply (an unknown id, `succeeded` or `failed` for a
 *   job that is not running, `retry-now` for one that is running or done, a
 *   duplicate `add`) change nothing and give no command of their own; the
 *   step still starts what is due at their `at`, as a tick would.
 *   Malformed inputs (no finite `at`, not an object) are ignored whole.
 *   Nothing throws.
 * - Restoring: `new JobQueue(policies, rows)` takes the saved rows; running
 *   ones become pending (their dueAt, already past, is kept, so they are due
 *   at once and first in line). The `save` commands for those changed rows
 *   are emitted first by the first `step()` call, whatever its input (the
 *   shell usually ticks once right after constructing). Of two rows with the
 *   same id the first is kept.
 * - `retry-now` (a failed or pending job): pending, attempts 0, due now (or
 *   earlier, if it already was), finishedAt cleared, lastError kept until a
 *   success; it still waits for a free slot of its kind, behind jobs due
 *   before it.
 * - `done` and `failed` are terminal; only `retry-now` brings a failed job
 *   back. `forget(before)` drops done jobs from memory, never others; a
 *   forgotten id may be added again as a new job.
 */

export type JobStatus = 'pending' | 'running' | 'done' | 'failed'; // failed = given up (terminal, kept, reported)

export interface Job {
  id: string;
  kind: string;
  status: JobStatus;
  /** Attempts started (the one running included); 0 until the first start or after retry-now. */
  attempts: number;
  /** Not started before this time (epoch ms). */
  dueAt: number;
  createdAt: number;
  lastError?: string;
  /** When it became done or failed (epoch ms). */
  finishedAt?: number;
}

export interface KindPolicy {
  /** Jobs of the kind running at once; 0 holds the kind. */
  concurrency: number;
  /** Back-off after the first failure, doubling after each further one, at most maxRetrySec. */
  firstRetrySec: number;
  maxRetrySec: number;
  /** Attempts before the job is given up. */
  maxAttempts: number;
}

export const DEFAULT_KIND_POLICY: Readonly<KindPolicy> = Object.freeze({ concurrency: 1, firstRetrySec: 10, maxRetrySec: 600, maxAttempts: 8 });

export type JobInput =
  | { type: 'add'; id: string; kind: string; at: number; dueAt?: number } // duplicate id: ignored (idempotent)
  | { type: 'tick'; at: number }
  | { type: 'succeeded'; id: string; at: number }
  | { type: 'failed'; id: string; at: number; error: string; retryable: boolean }
  | { type: 'retry-now'; id: string; at: number } // a failed (given-up) or pending job runs again at once, attempts reset to 0
  /** Reconfigured at run time; jobs are started as of `at`, or of the last input's time when absent. */
  | { type: 'policy'; kind: string; policy: KindPolicy; at?: number };

export type JobCommand =
  | { type: 'start'; id: string; kind: string; attempt: number } // attempt counts from 1
  | { type: 'save'; job: Job } // persist this row (after every change of a job)
  | { type: 'gave-up'; id: string; kind: string; error: string; attempts: number };

export interface KindStats {
  pending: number;
  running: number;
  done: number;
  failed: number;
  /** Pending with attempts > 0: waiting out a back-off (or interrupted by a restart). */
  retrying: number;
  /** createdAt of the oldest pending job. */
  oldestPendingAt?: number;
}

const STATUSES: ReadonlySet<string> = new Set(['pending', 'running', 'done', 'failed']);

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** A usable policy from whatever came in (never throws; bad fields take the default's). */
function sanePolicy(p: Partial<KindPolicy> | undefined): KindPolicy {
  const d = DEFAULT_KIND_POLICY;
  if (!p || typeof p !== 'object') return { ...d };
  const concurrency = finite(p.concurrency) ? Math.max(0, Math.floor(p.concurrency)) : d.concurrency;
  const firstRetrySec = finite(p.firstRetrySec) ? Math.max(0, p.firstRetrySec) : d.firstRetrySec;
  const maxRetrySec = Math.max(firstRetrySec, finite(p.maxRetrySec) ? p.maxRetrySec : d.maxRetrySec);
  const maxAttempts = finite(p.maxAttempts) ? Math.max(1, Math.floor(p.maxAttempts)) : d.maxAttempts;
  return { concurrency, firstRetrySec, maxRetrySec, maxAttempts };
}

/** The back-off in ms after the `attempts`-th failed attempt. */
export function backoffMs(p: KindPolicy, attempts: number): number {
  const n = Math.min(Math.max(0, attempts - 1), 62); // 2^62 * anything finite stays finite
  return Math.min(p.maxRetrySec, p.firstRetrySec * 2 ** n) * 1000;
}

/** A copy for the outside (a save's row, get, jobs); written out: much faster than a spread of objects of varied shapes. */
function copy(j: Job): Job {
  const c: Job = { id: j.id, kind: j.kind, status: j.status, attempts: j.attempts, dueAt: j.dueAt, createdAt: j.createdAt };
  if (j.lastError !== undefined) c.lastError = j.lastError;
  if (j.finishedAt !== undefined) c.finishedAt = j.finishedAt;
  return c;
}

/** Start order: dueAt, then createdAt, then id. */
const byTurn = (a: Job, b: Job): number => a.dueAt - b.dueAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A restored row as a job, or undefined when it cannot be one. */
function restoredJob(row: unknown): Job | undefined {
  if (!row || typeof row !== 'object') return undefined;
  const r = row as Partial<Record<keyof Job, unknown>>;
  if (typeof r.id !== 'string' || typeof r.kind !== 'string') return undefined;
  const createdAt = finite(r.createdAt) ? r.createdAt : finite(r.dueAt) ? r.dueAt : 0;
  const status = typeof r.status === 'string' && STATUSES.has(r.status) ? (r.status as JobStatus) : 'pending';
  const j: Job = {
    id: r.id,
    kind: r.kind,
    status,
    attempts: finite(r.attempts) ? Math.max(0, Math.floor(r.attempts)) : 0,
    dueAt: finite(r.dueAt) ? r.dueAt : createdAt,
    createdAt,
  };
  if (typeof r.lastError === 'string') j.lastError = r.lastError;
  if ((status === 'done' || status === 'failed') && finite(r.finishedAt)) j.finishedAt = r.finishedAt;
  return j;
}

export class JobQueue {
  private readonly byId = new Map<string, Job>();
  private readonly policies = new Map<string, KindPolicy>();
  private readonly pendingIds = new Set<string>();
  private readonly runningOf = new Map<string, number>();
  /** Saves for rows changed by the restore, emitted by the first step. */
  private recovered: JobCommand[] = [];
  private lastAt: number | undefined;
  private out: JobCommand[] = [];

  constructor(policies: Record<string, KindPolicy>, restored?: Job[]) {
    if (policies && typeof policies === 'object') for (const [kind, p] of Object.entries(policies)) this.policies.set(kind, sanePolicy(p));
    for (const row of Array.isArray(restored) ? restored : []) {
      const j = restoredJob(row);
      if (!j || this.byId.has(j.id)) continue;
      if (j.status === 'running') {
        // The process died while it ran: due at once again, the attempt counted.
        j.status = 'pending';
        this.recovered.push({ type: 'save', job: copy(j) });
      }
      this.byId.set(j.id, j);
      if (j.status === 'pending') this.pendingIds.add(j.id);
    }
  }

  /** The policy a kind runs under (its own, or the default). */
  policyOf(kind: string): KindPolicy {
    return { ...(this.policies.get(kind) ?? DEFAULT_KIND_POLICY) };
  }

  step(input: JobInput): JobCommand[] {
    this.out = this.recovered;
    this.recovered = [];
    if (!input || typeof input !== 'object') return this.out;
    let now: number | undefined;
    if (input.type === 'policy') now = finite(input.at) ? input.at : this.lastAt;
    else if (finite((input as { at?: unknown }).at)) now = input.at;
    else return this.out;
    if (now !== undefined) this.lastAt = now;
    this.apply(input, now);
    if (now !== undefined) this.pump(now);
    return this.out;
  }

  /** The earliest dueAt of pending jobs of kinds with a free slot: when the next step could start one. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const id of this.pendingIds) {
      const j = this.byId.get(id)!;
      if (next !== undefined && j.dueAt >= next) continue;
      if (this.running(j.kind) < this.pol(j.kind).concurrency) next = j.dueAt;
    }
    return next;
  }

  stats(): Record<string, KindStats> {
    const out: Record<string, KindStats> = {};
    const of = (kind: string): KindStats => {
      if (!Object.prototype.hasOwnProperty.call(out, kind)) Object.defineProperty(out, kind, { value: { pending: 0, running: 0, done: 0, failed: 0, retrying: 0 }, enumerable: true, writable: true, configurable: true });
      return out[kind]!;
    };
    for (const kind of this.policies.keys()) of(kind);
    for (const j of this.byId.values()) {
      const s = of(j.kind);
      s[j.status]++;
      if (j.status === 'pending') {
        if (j.attempts > 0) s.retrying++;
        if (s.oldestPendingAt === undefined || j.createdAt < s.oldestPendingAt) s.oldestPendingAt = j.createdAt;
      }
    }
    return out;
  }

  get(id: string): Job | undefined {
    const j = this.byId.get(id);
    return j && copy(j);
  }

  jobs(): Job[] {
    return [...this.byId.values()].map(copy);
  }

  /** Drops done jobs finished before `before` from memory; returns their ids (the shell may delete their rows). */
  forget(before: number): string[] {
    const gone: string[] = [];
    for (const j of this.byId.values()) {
      if (j.status === 'done' && (j.finishedAt ?? -Infinity) < before) gone.push(j.id);
    }
    for (const id of gone) this.byId.delete(id);
    return gone;
  }

  private pol(kind: string): KindPolicy {
    return this.policies.get(kind) ?? DEFAULT_KIND_POLICY;
  }

  private running(kind: string): number {
    return this.runningOf.get(kind) ?? 0;
  }

  private save(j: Job): void {
    this.out.push({ type: 'save', job: copy(j) });
  }

  private setStatus(j: Job, status: JobStatus): void {
    if (j.status === 'running') this.runningOf.set(j.kind, this.running(j.kind) - 1);
    if (j.status === 'pending') this.pendingIds.delete(j.id);
    j.status = status;
    if (status === 'running') this.runningOf.set(j.kind, this.running(j.kind) + 1);
    if (status === 'pending') this.pendingIds.add(j.id);
  }

  private giveUp(j: Job, now: number, error: string): void {
    this.setStatus(j, 'failed');
    j.finishedAt = now;
    j.lastError = error;
    this.save(j);
    this.out.push({ type: 'gave-up', id: j.id, kind: j.kind, error, attempts: j.attempts });
  }

  private apply(e: JobInput, now: number | undefined): void {
    switch (e.type) {
      case 'add': {
        if (typeof e.id !== 'string' || typeof e.kind !== 'string' || this.byId.has(e.id) || now === undefined) return;
        const j: Job = { id: e.id, kind: e.kind, status: 'pending', attempts: 0, dueAt: finite(e.dueAt) ? e.dueAt : now, createdAt: now };
        this.byId.set(j.id, j);
        this.pendingIds.add(j.id);
        this.save(j);
        return;
      }
      case 'succeeded': {
        const j = this.byId.get(e.id);
        if (!j || j.status !== 'running' || now === undefined) return;
        this.setStatus(j, 'done');
        j.finishedAt = now;
        delete j.lastError;
        this.save(j);
        return;
      }
      case 'failed': {
        const j = this.byId.get(e.id);
        if (!j || j.status !== 'running' || now === undefined) return;
        const error = typeof e.error === 'string' ? e.error : String(e.error);
        const p = this.pol(j.kind);
        if (e.retryable !== true || j.attempts >= p.maxAttempts) {
          this.giveUp(j, now, error);
          return;
        }
        this.setStatus(j, 'pending');
        j.dueAt = now + backoffMs(p, j.attempts);
        j.lastError = error;
        this.save(j);
        return;
      }
      case 'retry-now': {
        const j = this.byId.get(e.id);
        if (!j || (j.status !== 'failed' && j.status !== 'pending') || now === undefined) return;
        this.setStatus(j, 'pending');
        j.attempts = 0;
        j.dueAt = Math.min(j.dueAt, now); // at once, and never later in line than it was
        delete j.finishedAt;
        this.save(j);
        return;
      }
      case 'policy':
        if (typeof e.kind === 'string') this.policies.set(e.kind, sanePolicy(e.policy));
        return;
      default:
        return; // tick, or an unknown type
    }
  }

  /** Starts the due pending jobs, in turn, while their kinds have free slots. */
  private pump(now: number): void {
    // Only what could change now: due jobs of kinds with a free slot, and due ones to give up.
    // (A backlog of a full kind is not sorted on every step.)
    const due: Job[] = [];
    for (const id of this.pendingIds) {
      const j = this.byId.get(id)!;
      if (j.dueAt > now) continue;
      const p = this.pol(j.kind);
      if (this.running(j.kind) < p.concurrency || j.attempts >= p.maxAttempts) due.push(j);
    }
    if (due.length === 0) return;
    due.sort(byTurn);
    for (const j of due) {
      const p = this.pol(j.kind);
      if (j.attempts >= p.maxAttempts) {
        this.giveUp(j, now, `no attempts left (${j.attempts} of ${p.maxAttempts})${j.lastError === undefined ? '' : `; last error: ${j.lastError}`}`);
        continue;
      }
      if (this.running(j.kind) >= p.concurrency) continue;
      this.setStatus(j, 'running');
      j.attempts++;
      this.save(j);
      this.out.push({ type: 'start', id: j.id, kind: j.kind, attempt: j.attempts });
    }
  }
}
