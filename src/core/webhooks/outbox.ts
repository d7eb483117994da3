/**
 * Webhook deliveries: which to send now, in order per call, retried with
 * back-off. Pure and deterministic (the clock is the caller's); the shell
 * (src/app/webhooks.ts) sends the HTTP requests and reports how each went.
 *
 * ```
 *   enqueue --> [queued in the call's line] --(first of its line, due)--> send --> in flight
 *                      ^                                                            |
 *                      |  failed, attempts left: due again after the back-off        |
 *                      +-------------------------------------------------------------+
 *                                   ok --> delivered (the next of the line may go)
 *                                   failed, no attempts left --> dropped (so are none behind it: they go on)
 * ```
 * One delivery per call is in flight at a time, so a call's events arrive in
 * the order they happened; other calls' lines are not held up. The number of
 * deliveries in flight is capped; past `maxQueued` the oldest are dropped.
 */

export interface Delivery {
  id: number;
  /** The line it waits in: a call's id (its events keep their order). */
  line: string;
  body: string;
  attempts: number;
  /** Not sent before this time (ms). */
  dueAt: number;
}

export interface OutboxPolicy {
  maxAttempts: number;
  /** Back-off after the n-th failure: baseMs * 2^(n-1), at most maxBackoffMs. */
  baseMs: number;
  maxBackoffMs: number;
  maxInFlight: number;
  maxQueued: number;
}

export const DEFAULT_OUTBOX: OutboxPolicy = { maxAttempts: 8, baseMs: 1_000, maxBackoffMs: 300_000, maxInFlight: 8, maxQueued: 10_000 };

export type OutboxCommand = { type: 'send'; delivery: Delivery } | { type: 'dropped'; delivery: Delivery; reason: 'attempts' | 'overflow' };

export class Outbox {
  private seq = 0;
  /** Waiting deliveries per line, oldest first; the head may be in flight. */
  private readonly lines = new Map<string, Delivery[]>();
  private readonly inFlight = new Set<number>();
  private queued = 0;

  constructor(private readonly policy: OutboxPolicy = DEFAULT_OUTBOX) {}

  get pending(): number {
    return this.queued;
  }

  get sending(): number {
    return this.inFlight.size;
  }

  enqueue(line: string, body: string, now: number): OutboxCommand[] {
    const out: OutboxCommand[] = [];
    if (this.queued >= this.policy.maxQueued) {
      // The oldest waiting (not in flight) goes.
      const victim = this.oldestWaiting();
      if (victim) {
        this.remove(victim);
        out.push({ type: 'dropped', delivery: victim, reason: 'overflow' });
      }
    }
    const d: Delivery = { id: ++this.seq, line, body, attempts: 0, dueAt: now };
    let xs = this.lines.get(line);
    if (!xs) this.lines.set(line, (xs = []));
    xs.push(d);
    this.queued++;
    return [...out, ...this.dispatch(now)];
  }

  /** How the delivery in flight went. */
  done(id: number, ok: boolean, now: number): OutboxCommand[] {
    if (!this.inFlight.delete(id)) return [];
    const d = this.find(id);
    if (!d) return this.dispatch(now);
    const out: OutboxCommand[] = [];
    if (ok) this.remove(d);
    else if (d.attempts >= this.policy.maxAttempts) {
      this.remove(d);
      out.push({ type: 'dropped', delivery: d, reason: 'attempts' });
    } else d.dueAt = now + Math.min(this.policy.maxBackoffMs, this.policy.baseMs * 2 ** (d.attempts - 1));
    return [...out, ...this.dispatch(now)];
  }

  tick(now: number): OutboxCommand[] {
    return this.dispatch(now);
  }

  /** When the next waiting delivery falls due (for the shell's timer). */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const xs of this.lines.values()) {
      const head = xs[0];
      if (head && !this.inFlight.has(head.id) && (next === undefined || head.dueAt < next)) next = head.dueAt;
    }
    return next;
  }

  /** The head of each line, if due and nothing of that line is in flight, oldest first, up to the cap. */
  private dispatch(now: number): OutboxCommand[] {
    const out: OutboxCommand[] = [];
    if (this.inFlight.size >= this.policy.maxInFlight) return out;
    const due: Delivery[] = [];
    for (const xs of this.lines.values()) {
      const head = xs[0];
      if (head && !this.inFlight.has(head.id) && head.dueAt <= now) due.push(head);
    }
    due.sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
    for (const d of due) {
      if (this.inFlight.size >= this.policy.maxInFlight) break;
      d.attempts++;
      this.inFlight.add(d.id);
      out.push({ type: 'send', delivery: { ...d } });
    }
    return out;
  }

  private find(id: number): Delivery | undefined {
    for (const xs of this.lines.values()) for (const d of xs) if (d.id === id) return d;
    return undefined;
  }

  private oldestWaiting(): Delivery | undefined {
    let best: Delivery | undefined;
    for (const xs of this.lines.values()) for (const d of xs) if (!this.inFlight.has(d.id) && (!best || d.id < best.id)) best = d;
    return best;
  }

  private remove(d: Delivery): void {
    const xs = this.lines.get(d.line);
    if (!xs) return;
    const i = xs.indexOf(d);
    if (i >= 0) {
      xs.splice(i, 1);
      this.queued--;
    }
    if (xs.length === 0) this.lines.delete(d.line);
  }

  /** For the invariant checks of the tests. */
  snapshot(): { lines: Map<string, Delivery[]>; inFlight: Set<number> } {
    return { lines: this.lines, inFlight: this.inFlight };
  }
}
