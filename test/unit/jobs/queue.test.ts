import t from 'tap';
import { DEFAULT_KIND_POLICY, JobQueue, backoffMs, type Job, type JobCommand, type JobInput, type KindPolicy } from '../../../src/core/jobs/queue.js';
import { rng } from '../../support/random.js';

const T0 = 1_700_000_000_000;
const S = 1000;
const P = (p: Partial<KindPolicy> = {}): KindPolicy => ({ concurrency: 1, firstRetrySec: 10, maxRetrySec: 600, maxAttempts: 8, ...p });
const starts = (cmds: JobCommand[]) => cmds.filter((c) => c.type === 'start').map((c) => (c.type === 'start' ? `${c.id}#${c.attempt}` : ''));
const saves = (cmds: JobCommand[]) => cmds.flatMap((c) => (c.type === 'save' ? [`${c.job.id}:${c.job.status}`] : []));

t.test('an added job starts at once: save pending, save running, start; the next waits for the slot', async (t) => {
  const q = new JobQueue({ stt: P() });
  const c1 = q.step({ type: 'add', id: 'a', kind: 'stt', at: T0 });
  t.same(c1, [
    { type: 'save', job: { id: 'a', kind: 'stt', status: 'pending', attempts: 0, dueAt: T0, createdAt: T0 } },
    { type: 'save', job: { id: 'a', kind: 'stt', status: 'running', attempts: 1, dueAt: T0, createdAt: T0 } },
    { type: 'start', id: 'a', kind: 'stt', attempt: 1 },
  ]);
  t.same(saves(q.step({ type: 'add', id: 'b', kind: 'stt', at: T0 + 1 })), ['b:pending'], 'concurrency 1: b waits');
  t.equal(q.nextDueAt(), undefined, 'nothing could start before a slot frees');
  const c3 = q.step({ type: 'succeeded', id: 'a', at: T0 + 5 * S });
  t.same(c3, [
    { type: 'save', job: { id: 'a', kind: 'stt', status: 'done', attempts: 1, dueAt: T0, createdAt: T0, finishedAt: T0 + 5 * S } },
    { type: 'save', job: { id: 'b', kind: 'stt', status: 'running', attempts: 1, dueAt: T0 + 1, createdAt: T0 + 1 } },
    { type: 'start', id: 'b', kind: 'stt', attempt: 1 },
  ]);
  t.same(q.get('a'), { id: 'a', kind: 'stt', status: 'done', attempts: 1, dueAt: T0, createdAt: T0, finishedAt: T0 + 5 * S });
});

t.test('back-off times are exact, double up to maxRetrySec; given up after maxAttempts', async (t) => {
  const q = new JobQueue({ stt: P({ firstRetrySec: 10, maxRetrySec: 60, maxAttempts: 6 }) });
  let now = T0;
  q.step({ type: 'add', id: 'x', kind: 'stt', at: now });
  const delays: number[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    now += 3 * S;
    const c = q.step({ type: 'failed', id: 'x', at: now, error: `boom ${attempt}`, retryable: true });
    const j = q.get('x')!;
    t.same(c, [{ type: 'save', job: j }], `failure ${attempt}: just the save`);
    t.equal(j.status, 'pending');
    t.equal(j.lastError, `boom ${attempt}`);
    delays.push((j.dueAt - now) / S);
    t.same(starts(q.step({ type: 'tick', at: j.dueAt - 1 })), [], 'not a millisecond early');
    t.equal(q.nextDueAt(), j.dueAt);
    t.same(starts(q.step({ type: 'tick', at: j.dueAt })), [`x#${attempt + 1}`], 'started when due');
    now = j.dueAt;
  }
  t.same(delays, [10, 20, 40, 60, 60]);
  const last = q.step({ type: 'failed', id: 'x', at: now + S, error: 'boom 6', retryable: true });
  t.same(last, [
    { type: 'save', job: { id: 'x', kind: 'stt', status: 'failed', attempts: 6, dueAt: now, createdAt: T0, lastError: 'boom 6', finishedAt: now + S } },
    { type: 'gave-up', id: 'x', kind: 'stt', error: 'boom 6', attempts: 6 },
  ]);
  t.same(q.step({ type: 'tick', at: now + 10_000 * S }), [], 'given up is terminal');
  t.equal(backoffMs(P({ firstRetrySec: 1, maxRetrySec: 600 }), 1000), 600_000, 'no overflow with many attempts');
  t.equal(backoffMs(P({ firstRetrySec: 0, maxRetrySec: 0 }), 1000), 0, 'a zero back-off is no NaN');
});

t.test('a non-retryable failure gives up at once', async (t) => {
  const q = new JobQueue({});
  q.step({ type: 'add', id: 'm', kind: 'mail', at: T0 });
  const c = q.step({ type: 'failed', id: 'm', at: T0 + S, error: 'bad address', retryable: false });
  t.same(c, [
    { type: 'save', job: { id: 'm', kind: 'mail', status: 'failed', attempts: 1, dueAt: T0, createdAt: T0, lastError: 'bad address', finishedAt: T0 + S } },
    { type: 'gave-up', id: 'm', kind: 'mail', error: 'bad address', attempts: 1 },
  ]);
  t.same(q.stats(), { mail: { pending: 0, running: 0, done: 0, failed: 1, retrying: 0 } });
});

t.test('a kind with no policy uses the default', async (t) => {
  t.same(DEFAULT_KIND_POLICY, { concurrency: 1, firstRetrySec: 10, maxRetrySec: 600, maxAttempts: 8 });
  const q = new JobQueue({});
  q.step({ type: 'add', id: 'a', kind: 'k', at: T0 });
  q.step({ type: 'add', id: 'b', kind: 'k', at: T0 });
  t.equal(q.get('b')!.status, 'pending', 'concurrency 1');
  q.step({ type: 'failed', id: 'a', at: T0 + S, error: 'e', retryable: true });
  t.equal(q.get('a')!.dueAt, T0 + S + 10 * S, 'first retry after 10 s');
  t.equal(q.get('b')!.status, 'running');
  t.same(q.policyOf('k'), DEFAULT_KIND_POLICY);
});

t.test('restart: running rows come back pending, due at once, attempts kept; the first step saves them', async (t) => {
  const q = new JobQueue({ stt: P({ concurrency: 2, maxAttempts: 3 }) });
  const rows = new Map<string, Job>();
  const keep = (cs: JobCommand[]) => cs.forEach((c) => c.type === 'save' && rows.set(c.job.id, c.job));
  keep(q.step({ type: 'add', id: 'a', kind: 'stt', at: T0 }));
  keep(q.step({ type: 'add', id: 'b', kind: 'stt', at: T0 + 1 }));
  keep(q.step({ type: 'failed', id: 'b', at: T0 + S, error: 'e', retryable: true }));
  keep(q.step({ type: 'add', id: 'c', kind: 'stt', at: T0 + 2 * S, dueAt: T0 + 20 * S }));
  keep(q.step({ type: 'tick', at: T0 + 15 * S }));
  t.same([...rows.values()].map((j) => `${j.id}:${j.status}:${j.attempts}`), ['a:running:1', 'b:running:2', 'c:pending:0']);

  const r = new JobQueue({ stt: P({ concurrency: 2, maxAttempts: 3 }) }, [...rows.values()]);
  t.same(r.jobs().map((j) => `${j.id}:${j.status}:${j.attempts}`), ['a:pending:1', 'b:pending:2', 'c:pending:0']);
  t.same(r.get('b'), { ...rows.get('b')!, status: 'pending' }, 'nothing else changes');
  t.same(r.stats().stt, { pending: 3, running: 0, done: 0, failed: 0, retrying: 2, oldestPendingAt: T0 });
  t.same(q.jobs().map((j) => j.status), ['running', 'running', 'pending'], 'the old queue is untouched');
  t.equal(r.nextDueAt(), T0, 'due at once');
  const c = r.step({ type: 'tick', at: T0 + 3600 * S });
  t.same(saves(c), ['a:pending', 'b:pending', 'a:running', 'b:running'], 'the recovered rows are saved first');
  t.same(starts(c), ['a#2', 'b#3'], 'interrupted jobs first, attempts counting on');
  t.same(r.step({ type: 'tick', at: T0 + 3601 * S }), [], 'saved once');

  // A job that was on its last attempt when the process died is given up, not run a fourth time.
  r.step({ type: 'failed', id: 'a', at: T0 + 3602 * S, error: 'e', retryable: true });
  const r2 = new JobQueue({ stt: P({ concurrency: 2, maxAttempts: 3 }) }, r.jobs());
  const c2 = r2.step({ type: 'tick', at: T0 + 3603 * S });
  t.same(c2.filter((x) => x.type === 'gave-up'), [{ type: 'gave-up', id: 'b', kind: 'stt', error: 'no attempts left (3 of 3); last error: e', attempts: 3 }]);
  t.equal(r2.get('b')!.status, 'failed');
  t.equal(r2.get('c')!.status, 'running', 'its slot went to the next');
});

t.test('restore tolerates bad rows: unknown status, missing numbers, duplicates (first kept), null error', async (t) => {
  const rows = [
    { id: 'a', kind: 'k', status: 'weird', attempts: NaN, dueAt: T0, createdAt: T0 },
    { id: 'a', kind: 'k', status: 'done', attempts: 1, dueAt: T0, createdAt: T0 },
    { id: 'b', kind: 'k', status: 'failed', attempts: 2, createdAt: T0, lastError: null, finishedAt: T0 },
    null,
    { id: 7, kind: 'k' },
  ] as unknown as Job[];
  const q = new JobQueue({ k: P() }, rows);
  t.same(q.jobs(), [
    { id: 'a', kind: 'k', status: 'pending', attempts: 0, dueAt: T0, createdAt: T0 },
    { id: 'b', kind: 'k', status: 'failed', attempts: 2, dueAt: T0, createdAt: T0, finishedAt: T0 },
  ]);
});

t.test('a duplicate add is ignored, whatever state the job is in', async (t) => {
  const q = new JobQueue({});
  q.step({ type: 'add', id: 'a', kind: 'k', at: T0 });
  t.same(q.step({ type: 'add', id: 'a', kind: 'other', at: T0 + 1 }), [], 'running');
  q.step({ type: 'succeeded', id: 'a', at: T0 + 2 });
  const before = q.get('a');
  t.same(q.step({ type: 'add', id: 'a', kind: 'k', at: T0 + 3, dueAt: T0 + 99 }), [], 'done');
  t.same(q.get('a'), before);
  t.same(q.forget(T0 + 3), ['a']);
  t.equal(q.step({ type: 'add', id: 'a', kind: 'k', at: T0 + 4 }).length, 3, 'once forgotten it is a new job');
});

t.test('concurrency is per kind; order is dueAt, then createdAt', async (t) => {
  const q = new JobQueue({ rec: P({ concurrency: 2 }), vm: P({ concurrency: 1 }) });
  q.step({ type: 'add', id: 'r-late', kind: 'rec', at: T0, dueAt: T0 + 50 });
  q.step({ type: 'add', id: 'r1', kind: 'rec', at: T0 + 10, dueAt: T0 + 20 });
  q.step({ type: 'add', id: 'r2', kind: 'rec', at: T0 + 11, dueAt: T0 + 20 });
  q.step({ type: 'add', id: 'v1', kind: 'vm', at: T0 + 12, dueAt: T0 + 20 });
  q.step({ type: 'add', id: 'v2', kind: 'vm', at: T0 + 13, dueAt: T0 + 20 });
  t.equal(q.nextDueAt(), T0 + 20);
  const c = q.step({ type: 'tick', at: T0 + 100 });
  t.same(starts(c), ['r1#1', 'r2#1', 'v1#1'], 'two of rec (r-late is later in line), one of vm');
  t.same(q.stats(), {
    rec: { pending: 1, running: 2, done: 0, failed: 0, retrying: 0, oldestPendingAt: T0 },
    vm: { pending: 1, running: 1, done: 0, failed: 0, retrying: 0, oldestPendingAt: T0 + 13 },
  });
  t.equal(q.nextDueAt(), undefined, 'both kinds full');
  t.same(starts(q.step({ type: 'succeeded', id: 'v1', at: T0 + 200 })), ['v2#1'], 'a vm slot goes to vm');
  t.same(starts(q.step({ type: 'failed', id: 'r1', at: T0 + 300, error: 'x', retryable: true })), ['r-late#1']);
});

t.test('a policy change applies at run time', async (t) => {
  const q = new JobQueue({ k: P({ concurrency: 1 }) });
  for (const id of ['a', 'b', 'c', 'd']) q.step({ type: 'add', id, kind: 'k', at: T0 });
  t.same(starts(q.step({ type: 'policy', kind: 'k', policy: P({ concurrency: 3 }) })), ['b#1', 'c#1'], 'more slots: waiting jobs start (as of the last input time)');
  t.same(q.step({ type: 'policy', kind: 'k', policy: P({ concurrency: 1, firstRetrySec: 2, maxRetrySec: 1, maxAttempts: 1 }), at: T0 + S }), [], 'fewer: the running go on');
  t.same(starts(q.step({ type: 'succeeded', id: 'a', at: T0 + 2 * S })), [], 'still two running, limit one');
  t.same(starts(q.step({ type: 'succeeded', id: 'b', at: T0 + 3 * S })), [], 'one running, limit one');
  const c = q.step({ type: 'failed', id: 'c', at: T0 + 4 * S, error: 'x', retryable: true });
  t.same(c.filter((x) => x.type === 'gave-up').length, 1, 'maxAttempts now 1: given up');
  t.same(starts(c), ['d#1']);
  q.step({ type: 'policy', kind: 'k', policy: P({ maxAttempts: 5, firstRetrySec: 2, maxRetrySec: 1 }) });
  q.step({ type: 'failed', id: 'd', at: T0 + 5 * S, error: 'x', retryable: true });
  t.equal(q.get('d')!.dueAt, T0 + 7 * S, 'maxRetrySec below firstRetrySec is read as firstRetrySec');
  t.same(q.step({ type: 'policy', kind: 'k', policy: P({ concurrency: 0 }), at: T0 + 8 * S }), [], 'concurrency 0 holds the kind');
  t.equal(q.nextDueAt(), undefined);
  t.same(q.policyOf('k'), P({ concurrency: 0 }));
  t.same(starts(q.step({ type: 'policy', kind: 'k', policy: { concurrency: NaN } as unknown as KindPolicy, at: T0 + 9 * S })), ['d#2'], 'a nonsense policy falls back to the default');
});

t.test('retry-now: a given-up or pending job runs again at once with attempts reset; others are ignored', async (t) => {
  const q = new JobQueue({ k: P({ concurrency: 1, maxAttempts: 2 }) });
  q.step({ type: 'add', id: 'a', kind: 'k', at: T0 });
  q.step({ type: 'failed', id: 'a', at: T0 + S, error: 'e1', retryable: false });
  t.equal(q.get('a')!.status, 'failed');
  const c = q.step({ type: 'retry-now', id: 'a', at: T0 + 100 * S });
  t.same(c, [
    { type: 'save', job: { id: 'a', kind: 'k', status: 'pending', attempts: 0, dueAt: T0, createdAt: T0, lastError: 'e1' } },
    { type: 'save', job: { id: 'a', kind: 'k', status: 'running', attempts: 1, dueAt: T0, createdAt: T0, lastError: 'e1' } },
    { type: 'start', id: 'a', kind: 'k', attempt: 1 },
  ]);
  t.same(q.step({ type: 'retry-now', id: 'a', at: T0 + 101 * S }), [], 'running: ignored');
  q.step({ type: 'add', id: 'b', kind: 'k', at: T0 + 102 * S });
  q.step({ type: 'failed', id: 'a', at: T0 + 103 * S, error: 'e2', retryable: true });
  t.same(q.get('a')!.attempts, 1);
  t.same(q.get('b')!.status, 'running');
  const c2 = q.step({ type: 'retry-now', id: 'a', at: T0 + 104 * S });
  t.same(saves(c2), ['a:pending'], 'a pending one: attempts reset, due now, waits for the slot');
  t.same(q.get('a'), { id: 'a', kind: 'k', status: 'pending', attempts: 0, dueAt: T0 + 104 * S, createdAt: T0, lastError: 'e2' });
  q.step({ type: 'succeeded', id: 'b', at: T0 + 105 * S });
  t.same(q.step({ type: 'retry-now', id: 'b', at: T0 + 106 * S }).filter((x) => x.type !== 'start' && !(x.type === 'save' && x.job.id === 'a')), [], 'done: ignored');
  t.equal(q.get('b')!.status, 'done');
  t.same(q.step({ type: 'retry-now', id: 'nope', at: T0 + 107 * S }), []);
});

t.test('stale and unknown inputs are ignored; nothing throws', async (t) => {
  const q = new JobQueue({ k: P() });
  q.step({ type: 'add', id: 'a', kind: 'k', at: T0 });
  q.step({ type: 'succeeded', id: 'a', at: T0 + 1 });
  const before = q.jobs();
  t.same(q.step({ type: 'succeeded', id: 'a', at: T0 + 2 }), [], 'succeeded twice');
  t.same(q.step({ type: 'failed', id: 'a', at: T0 + 3, error: 'late', retryable: true }), [], 'failed after done');
  t.same(q.step({ type: 'failed', id: 'zz', at: T0 + 3, error: 'x', retryable: true }), [], 'unknown id');
  q.step({ type: 'add', id: 'p', kind: 'k', at: T0 + 4, dueAt: T0 + 60 * S });
  t.same(q.step({ type: 'succeeded', id: 'p', at: T0 + 5 }), [], 'not running yet');
  t.equal(q.get('p')!.status, 'pending');
  const junk = [null, undefined, 42, 'tick', {}, { type: 'tick' }, { type: 'tick', at: NaN }, { type: 'add', id: 5, kind: 'k', at: T0 }, { type: 'add', at: T0 }, { type: 'what', at: T0 }, { type: 'policy' }, { type: 'policy', kind: 'k', policy: null, at: T0 + 6 }, { type: 'failed', id: 'p', at: T0 + 7 }];
  for (const j of junk) t.doesNotThrow(() => q.step(j as unknown as JobInput), JSON.stringify(j) ?? String(j));
  t.same(q.jobs().filter((j) => j.id === 'a'), before);
  t.doesNotThrow(() => new JobQueue(null as unknown as Record<string, KindPolicy>, 'rows' as unknown as Job[]));
  const s = new JobQueue({}).step({ type: 'add', id: 'x', kind: '__proto__', at: T0 });
  t.equal(s.length, 3);
});

t.test('a job added due later waits; nextDueAt tells the timer', async (t) => {
  const q = new JobQueue({});
  q.step({ type: 'add', id: 'a', kind: 'k', at: T0, dueAt: T0 + 30 * S });
  t.equal(q.get('a')!.status, 'pending');
  t.equal(q.nextDueAt(), T0 + 30 * S);
  t.same(starts(q.step({ type: 'tick', at: T0 + 30 * S - 1 })), []);
  t.same(starts(q.step({ type: 'tick', at: T0 + 30 * S })), ['a#1']);
  t.equal(q.nextDueAt(), undefined);
});

t.test('forget drops only done jobs finished before the time', async (t) => {
  const q = new JobQueue({ k: P({ concurrency: 3 }) });
  for (const id of ['a', 'b', 'c', 'd']) q.step({ type: 'add', id, kind: 'k', at: T0 });
  q.step({ type: 'succeeded', id: 'a', at: T0 + 10 });
  q.step({ type: 'succeeded', id: 'b', at: T0 + 20 });
  q.step({ type: 'failed', id: 'c', at: T0 + 5, error: 'x', retryable: false });
  t.same(q.forget(T0 + 20), ['a']);
  t.same(q.jobs().map((j) => `${j.id}:${j.status}`), ['b:done', 'c:failed', 'd:running']);
  t.same(q.forget(T0 + 10_000), ['b']);
  t.equal(q.get('a'), undefined);
  t.same(q.forget(T0 + 10_000), []);
});

// ---------------------------------------------------------------------------------------------------------
// Randomized

type Kind = 'rec' | 'vm' | 'mail' | 'other';
const KINDS: Kind[] = ['rec', 'vm', 'mail', 'other']; // 'other' has no policy: the default

/** A set one can pick from at random in O(1). */
class Bag {
  private xs: string[] = [];
  private at = new Map<string, number>();
  get size(): number {
    return this.xs.length;
  }
  add(x: string): void {
    if (!this.at.has(x)) this.at.set(x, this.xs.push(x) - 1);
  }
  delete(x: string): void {
    const k = this.at.get(x);
    if (k === undefined) return;
    const last = this.xs.pop()!;
    if (last !== x) (this.xs[k] = last), this.at.set(last, k);
    this.at.delete(x);
  }
  pick(r: () => number): string {
    return this.xs[Math.floor(r() * this.xs.length)]!;
  }
}

const sameJob = (a: Job | undefined, b: Job | undefined): boolean =>
  !!a && !!b && a.id === b.id && a.kind === b.kind && a.status === b.status && a.attempts === b.attempts && a.dueAt === b.dueAt && a.createdAt === b.createdAt && a.lastError === b.lastError && a.finishedAt === b.finishedAt && 'lastError' in a === 'lastError' in b && 'finishedAt' in a === 'finishedAt' in b;

/**
 * Drives a queue through `events` random inputs and checks, after every one,
 * each promise of the module: per kind running <= concurrency; a job runs only
 * after a start and until its finish; nothing starts early or past
 * maxAttempts; done and failed are terminal but for retry-now; back-off
 * delays exact, non-decreasing and within bounds; the last save of every job
 * equals it; no job lost; nextDueAt; work-conserving; restoring from the
 * saved rows gives the same jobs with running turned pending.
 * Returns the failures found (at most 10) and a digest of the run.
 */
function randomRun(seed: number, events: number): { failures: string[]; digest: string; counts: Record<string, number> } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const randomPolicy = (): KindPolicy => {
    const firstRetrySec = pick([0, 1, 5, 10, 30]);
    return { concurrency: int(1, 3), firstRetrySec, maxRetrySec: firstRetrySec + pick([0, 10, 60, 600]), maxAttempts: int(1, 6) };
  };
  const policies: Record<string, KindPolicy> = { rec: randomPolicy(), vm: randomPolicy(), mail: randomPolicy() };
  const pol = (k: string): KindPolicy => policies[k] ?? DEFAULT_KIND_POLICY;

  let q = new JobQueue(policies);
  let now = T0;
  let effNow: number | undefined; // the time the queue steps at (a policy without `at` uses the last one)
  let restoredPending = false;
  const failures: string[] = [];
  const counts: Record<string, number> = { starts: 0, done: 0, retries: 0, gaveUp: 0, restores: 0, forgotten: 0, policy: 0, retryNow: 0, maxJobs: 0 };
  let digest = 0;
  const fail = (i: number, m: string) => {
    if (failures.length < 10) failures.push(`seed ${seed} event ${i}: ${m}`);
  };

  const lastSave = new Map<string, Job>(); // the rows the shell would hold
  const known = new Set<string>(); // every id added and not forgotten
  const started = new Set<string>(); // a start emitted and no finish since
  const maxAtStart = new Map<string, number>();
  const lastDelay = new Map<string, number>(); // ms, since the last retry-now / policy change of the kind
  const runCount = new Map<string, number>();
  const bound = new Map<string, number>();
  let nextId = 0;

  const ids = new Bag(); // the keys of lastSave
  const gaveUp = new Bag(); // the failed ones

  for (let i = 0; i < events; i++) {
    now += pick([0, 0, int(0, 1_000), int(0, 20_000), int(0, 120_000), int(0, 900_000)]);
    const roll = r();
    let input: JobInput | undefined;
    const someId = () => (r() < 0.7 && ids.size > 0 ? ids.pick(r) : `j${int(0, nextId + 5)}`);
    const runningId = () => (started.size > 0 && r() < 0.85 ? pick([...started]) : someId());
    if (roll < 0.22) {
      const dup = r() < 0.08 && ids.size > 0;
      const due = r();
      input = { type: 'add', id: dup ? ids.pick(r) : `j${nextId++}`, kind: pick(KINDS), at: now, ...(due < 0.25 ? { dueAt: now + int(0, 300_000) } : due < 0.3 ? { dueAt: now - int(0, 60_000) } : {}) };
    } else if (roll < 0.4) input = { type: 'tick', at: now };
    else if (roll < 0.62) input = { type: 'succeeded', id: runningId(), at: now };
    else if (roll < 0.86) input = { type: 'failed', id: runningId(), at: now, error: `e${i}`, retryable: r() < 0.88 };
    else if (roll < 0.95) {
      const id = gaveUp.size > 0 && r() < 0.8 ? gaveUp.pick(r) : someId();
      input = { type: 'retry-now', id, at: now };
    } else if (roll < 0.96) {
      const kind = pick(KINDS);
      input = { type: 'policy', kind, policy: randomPolicy(), ...(r() < 0.5 ? { at: now } : {}) };
    } else if (roll < 0.985) {
      const before = now - int(0, 600_000);
      const gone = q.forget(before);
      for (const id of gone) {
        const j = lastSave.get(id);
        if (!j || j.status !== 'done' || !(j.finishedAt! < before)) fail(i, `forget(${before}) dropped ${id}: ${JSON.stringify(j)}`);
        known.delete(id);
        lastSave.delete(id);
        ids.delete(id);
        lastDelay.delete(id);
        maxAtStart.delete(id);
      }
      counts.forgotten! += gone.length;
      input = { type: 'tick', at: now };
    } else if (roll < 0.988) {
      // A restart: a new queue from the rows the shell saved.
      const rows = [...lastSave.values()].map((j) => ({ ...j }));
      q = new JobQueue({ ...policies }, rows);
      const want = rows.map((j) => (j.status === 'running' ? { ...j, status: 'pending' as const } : j)).sort((a, b) => (a.id < b.id ? -1 : 1));
      const got = q.jobs().sort((a, b) => (a.id < b.id ? -1 : 1));
      if (got.length !== want.length || got.some((j, k) => !sameJob(j, want[k]))) fail(i, 'restore did not give the saved jobs back');
      started.clear();
      restoredPending = true;
      counts.restores!++;
      input = { type: 'tick', at: now };
    } else input = { type: 'tick', at: now };

    // What the input should do to its job.
    const target = 'id' in input ? lastSave.get(input.id) : undefined;
    const cmds = q.step(input);
    effNow = input.at ?? effNow;
    const at = effNow ?? now;
    if (input.type === 'policy') {
      policies[input.kind] = input.policy;
      counts.policy!++;
      bound.set(input.kind, Math.max(input.policy.concurrency, runCount.get(input.kind) ?? 0));
      for (const j of lastSave.values()) if (j.kind === input.kind) lastDelay.delete(j.id);
    }

    // Each command against the transition it claims.
    let touched = false; // the input's own job changed by the input (not just started by the pump)
    let recoveredPhase = restoredPending;
    for (let k = 0; k < cmds.length; k++) {
      const c = cmds[k]!;
      digest = (digest * 31 + c.type.length + (c.type === 'save' ? c.job.attempts * 7 + c.job.status.length : 0)) % 1_000_000_007;
      if (c.type !== 'save') {
        recoveredPhase = false;
        if (c.type === 'start' || c.type === 'gave-up') {
          const prev = cmds[k - 1];
          if (!prev || prev.type !== 'save' || prev.job.id !== c.id || prev.job.status !== (c.type === 'start' ? 'running' : 'failed')) fail(i, `${c.type} ${c.id} not right after its save`);
          else if (c.type === 'start' && prev.job.attempts !== c.attempt) fail(i, `start ${c.id} attempt ${c.attempt} but saved ${prev.job.attempts}`);
          else if (c.type === 'gave-up' && (prev.job.attempts !== c.attempts || prev.job.lastError !== c.error || c.kind !== prev.job.kind)) fail(i, `gave-up ${c.id} disagrees with its save`);
        }
        if (c.type === 'start') counts.starts!++;
        if (c.type === 'gave-up') counts.gaveUp!++;
        continue;
      }
      const j = c.job;
      const was = lastSave.get(j.id);
      const p = pol(j.kind);
      const isInput = 'id' in input && input.id === j.id;
      const next = cmds[k + 1];
      const same = (a: Job, b: Job, fields: (keyof Job)[]) => fields.every((f) => a[f] === b[f]);
      let ok = false;
      let why = '';
      if (recoveredPhase && was?.status === 'running' && j.status === 'pending') {
        ok = same(was, j, ['kind', 'attempts', 'dueAt', 'createdAt', 'lastError', 'finishedAt']);
        why = 'recovered row changed more than its status';
      } else if (!was) {
        recoveredPhase = false;
        ok = input.type === 'add' && isInput && !target && j.status === 'pending' && j.attempts === 0 && j.createdAt === at && j.dueAt === (input.dueAt ?? at) && j.kind === input.kind && j.lastError === undefined && j.finishedAt === undefined;
        why = 'a new job not from its add';
        if (ok) known.add(j.id);
      } else {
        recoveredPhase = false;
        const tr = `${was.status}->${j.status}`;
        if (tr === 'pending->running') {
          ok = next?.type === 'start' && next.id === j.id && j.attempts === was.attempts + 1 && same(was, j, ['kind', 'dueAt', 'createdAt', 'lastError', 'finishedAt']);
          why = 'a bad start';
          if (was.dueAt > at) (ok = false), (why = `started before its dueAt (${was.dueAt} > ${at})`);
          if (j.attempts > p.maxAttempts) (ok = false), (why = `attempt ${j.attempts} past maxAttempts ${p.maxAttempts}`);
          if ((runCount.get(j.kind) ?? 0) >= p.concurrency) (ok = false), (why = `started with ${runCount.get(j.kind)} of ${j.kind} running, concurrency ${p.concurrency}`);
          if (ok) {
            started.add(j.id);
            maxAtStart.set(j.id, p.maxAttempts);
          }
        } else if (tr === 'pending->failed') {
          ok = was.attempts >= p.maxAttempts && next?.type === 'gave-up' && j.finishedAt === at;
          why = 'a pending job given up with attempts left';
        } else if (tr === 'running->done') {
          ok = input.type === 'succeeded' && isInput && j.finishedAt === at && j.lastError === undefined && same(was, j, ['kind', 'attempts', 'dueAt', 'createdAt']);
          why = 'done not from its succeeded';
          if (ok) (touched = true), started.delete(j.id), counts.done!++;
        } else if (tr === 'running->pending') {
          const delay = j.dueAt - at;
          ok = input.type === 'failed' && isInput && input.retryable && was.attempts < p.maxAttempts && j.lastError === input.error && delay === backoffMs(p, was.attempts) && same(was, j, ['kind', 'attempts', 'createdAt', 'finishedAt']);
          why = `a bad retry (delay ${delay} ms, attempts ${was.attempts})`;
          if (ok && (delay < p.firstRetrySec * S || delay > p.maxRetrySec * S)) (ok = false), (why = `delay ${delay} outside [${p.firstRetrySec}, ${p.maxRetrySec}] s`);
          const prevDelay = lastDelay.get(j.id);
          if (ok && prevDelay !== undefined && delay < prevDelay) (ok = false), (why = `delay ${delay} after ${prevDelay}: decreasing`);
          if (ok) (touched = true), lastDelay.set(j.id, delay), started.delete(j.id), counts.retries!++;
        } else if (tr === 'running->failed') {
          ok = input.type === 'failed' && isInput && (!input.retryable || was.attempts >= p.maxAttempts) && j.lastError === input.error && j.finishedAt === at && next?.type === 'gave-up' && next.error === input.error;
          why = 'gave up wrongly';
          if (ok) (touched = true), started.delete(j.id);
        } else if (tr === 'failed->pending' || tr === 'pending->pending') {
          ok = input.type === 'retry-now' && isInput && j.attempts === 0 && j.dueAt === Math.min(was.dueAt, at) && j.finishedAt === undefined && j.lastError === was.lastError && same(was, j, ['kind', 'createdAt']);
          why = 'retry-now wrong, or a change without cause';
          if (ok) (touched = true), lastDelay.delete(j.id), counts.retryNow!++;
        } else why = `transition ${tr} (done and failed are terminal)`;
      }
      if (!ok) fail(i, `${why}: ${JSON.stringify(was)} -> ${JSON.stringify(j)} on ${JSON.stringify(input)}`);
      if (was?.status === 'running') runCount.set(was.kind, (runCount.get(was.kind) ?? 0) - 1);
      if (j.status === 'running') runCount.set(j.kind, (runCount.get(j.kind) ?? 0) + 1);
      lastSave.set(j.id, { ...j });
      ids.add(j.id);
      if (j.status === 'failed') gaveUp.add(j.id);
      else gaveUp.delete(j.id);
    }
    restoredPending = false;

    // What must have happened to the input's own job.
    if (target && input.type === 'succeeded' && target.status === 'running' && !touched) fail(i, `succeeded for running ${target.id} ignored`);
    if (target && input.type === 'failed' && target.status === 'running' && !touched) fail(i, `failed for running ${target.id} ignored`);
    if (target && input.type === 'retry-now' && (target.status === 'failed' || target.status === 'pending') && !touched) fail(i, `retry-now for ${target.status} ${target.id} ignored`);
    if (input.type === 'add' && !target && !known.has(input.id)) fail(i, `add ${input.id} lost`);

    // The whole state.
    const jobs = q.jobs();
    counts.maxJobs = Math.max(counts.maxJobs!, jobs.length);
    if (jobs.length !== known.size) fail(i, `${jobs.length} jobs, ${known.size} added and not forgotten`);
    const running = new Map<string, number>();
    const startable = new Map<string, boolean>();
    for (const j of jobs) {
      if (!known.has(j.id)) fail(i, `unknown job ${j.id}`);
      if (!sameJob(j, lastSave.get(j.id))) fail(i, `${j.id} is ${JSON.stringify(j)}, last saved ${JSON.stringify(lastSave.get(j.id))}`);
      if (j.status === 'running') {
        running.set(j.kind, (running.get(j.kind) ?? 0) + 1);
        if (!started.has(j.id)) fail(i, `${j.id} runs with no start`);
        if (j.attempts > (maxAtStart.get(j.id) ?? 0)) fail(i, `${j.id} runs attempt ${j.attempts} past ${maxAtStart.get(j.id)}`);
      } else if (started.has(j.id)) fail(i, `${j.id} started but ${j.status} with no finish`);
    }
    for (const id of started) if (!known.has(id)) fail(i, `started ${id} is gone`);
    let wantNext: number | undefined;
    for (const kind of KINDS) {
      const n = running.get(kind) ?? 0;
      if (n !== (runCount.get(kind) ?? 0)) fail(i, `${kind}: ${n} running, the saves say ${runCount.get(kind)}`);
      const b = bound.get(kind) ?? pol(kind).concurrency;
      if (n > b) fail(i, `${kind}: ${n} running, concurrency ${pol(kind).concurrency}`);
      bound.set(kind, Math.max(pol(kind).concurrency, Math.min(b, n)));
      startable.set(kind, n < pol(kind).concurrency);
    }
    const next = q.nextDueAt();
    for (const j of jobs) {
      if (j.status !== 'pending' || !startable.get(j.kind)) continue;
      if (j.dueAt <= at) fail(i, `${j.id} due at ${j.dueAt} with a free slot stays pending at ${at}`);
      if (next === undefined || next > j.dueAt) fail(i, `nextDueAt ${next} after ${j.id}'s ${j.dueAt}`);
      if (wantNext === undefined || j.dueAt < wantNext) wantNext = j.dueAt;
    }
    if (next !== wantNext) fail(i, `nextDueAt ${next}, want ${wantNext}`);
    if (i % 97 === 0) {
      const st = q.stats();
      for (const kind of new Set(jobs.map((j) => j.kind))) {
        const of = jobs.filter((j) => j.kind === kind);
        const pend = of.filter((j) => j.status === 'pending');
        const want = { pending: pend.length, running: of.filter((j) => j.status === 'running').length, done: of.filter((j) => j.status === 'done').length, failed: of.filter((j) => j.status === 'failed').length, retrying: pend.filter((j) => j.attempts > 0).length, ...(pend.length ? { oldestPendingAt: Math.min(...pend.map((j) => j.createdAt)) } : {}) };
        if (JSON.stringify(st[kind]) !== JSON.stringify(want)) fail(i, `stats of ${kind} ${JSON.stringify(st[kind])}, want ${JSON.stringify(want)}`);
      }
    }
    if (failures.length >= 10) break;
  }
  return { failures, digest: `${digest}/${JSON.stringify(counts)}`, counts };
}

t.test('randomized: 100,000 events (4 seeds), every invariant after every event', async (t) => {
  const all: string[] = [];
  const EVENTS = 25_000;
  for (let seed = 1; seed <= 4; seed++) {
    const { failures, counts } = randomRun(seed, EVENTS);
    all.push(...failures);
    t.ok(counts.starts! > 1000 && counts.retries! > 500 && counts.gaveUp! > 50 && counts.restores! > 20 && counts.forgotten! > 500 && counts.retryNow! > 100 && counts.policy! > 50, `seed ${seed} exercised everything: ${JSON.stringify(counts)}`);
  }
  t.same(all.slice(0, 10), [], 'no invariant broken');
});

t.test('deterministic: the same inputs give the same commands', async (t) => {
  t.equal(randomRun(77, 5_000).digest, randomRun(77, 5_000).digest);
});
