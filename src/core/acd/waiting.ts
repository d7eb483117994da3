/**
 * A queue's waiting calls, best first: one FIFO level per priority (highest
 * first), each ordered by arrival sequence. A call put back after a failed
 * offer regains its original place. Arrival sequence and arrival time grow
 * together, so the head of each level is also its longest-waiting call, which
 * lets a dispatcher skip a whole level whose head is too young (tiers).
 */
export interface Waiter {
  priority: number;
  seq: number;
}

export interface Level<C extends Waiter> {
  priority: number;
  calls: C[];
}

export class WaitingList<C extends Waiter> {
  /** Highest priority first. */
  readonly levels: Level<C>[] = [];
  private n = 0;

  get length(): number {
    return this.n;
  }

  insert(c: C): void {
    let i = 0;
    while (i < this.levels.length && this.levels[i]!.priority > c.priority) i++;
    let level = this.levels[i];
    if (!level || level.priority !== c.priority) {
      level = { priority: c.priority, calls: [] };
      this.levels.splice(i, 0, level);
    }
    const calls = level.calls;
    if (calls.length === 0 || calls[calls.length - 1]!.seq < c.seq) calls.push(c);
    else calls.splice(lowerBound(calls, c.seq), 0, c);
    this.n++;
  }

  remove(c: C): boolean {
    for (let i = 0; i < this.levels.length; i++) {
      const level = this.levels[i]!;
      if (level.priority !== c.priority) continue;
      const j = lowerBound(level.calls, c.seq);
      if (level.calls[j] !== c) return false;
      level.calls.splice(j, 1);
      if (level.calls.length === 0) this.levels.splice(i, 1);
      this.n--;
      return true;
    }
    return false;
  }

  has(c: C): boolean {
    const level = this.levels.find((l) => l.priority === c.priority);
    return level !== undefined && level.calls[lowerBound(level.calls, c.seq)] === c;
  }

  head(): C | undefined {
    return this.levels[0]?.calls[0];
  }

  /** 1-based place in line, 0 when absent. */
  position(c: C): number {
    let ahead = 0;
    for (const level of this.levels) {
      if (level.priority > c.priority) {
        ahead += level.calls.length;
        continue;
      }
      if (level.priority < c.priority) return 0;
      const j = lowerBound(level.calls, c.seq);
      return level.calls[j] === c ? ahead + j + 1 : 0;
    }
    return 0;
  }

  *[Symbol.iterator](): IterableIterator<C> {
    for (const level of this.levels) yield* level.calls;
  }

  toArray(): C[] {
    return [...this];
  }
}

function lowerBound<C extends Waiter>(calls: readonly C[], seq: number): number {
  let lo = 0;
  let hi = calls.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (calls[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
