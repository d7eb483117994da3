/**
 * A min-heap of deadlines with lazy cancellation: the core stamps each owner
 * (agent, call, queue) with a version, and an entry whose version is stale is
 * skipped when it surfaces. Keeps `nextDeadline()` and expiry O(log n) with
 * thousands of agents and calls. Entries with equal deadlines pop in
 * insertion order, so replays are deterministic.
 *
 * Stale entries stay in the heap until they surface; {@link TimerHeap.compact}
 * drops them all at once when the owner notices the heap has grown well past
 * the number of live timers.
 */
export interface TimerEntry<K> {
  at: number;
  key: K;
  version: number;
  /** Insertion order, the tie-break between equal deadlines. */
  seq: number;
}

export class TimerHeap<K> {
  private heap: TimerEntry<K>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, key: K, version: number): void {
    this.heap.push({ at, key, version, seq: this.seq++ });
    this.up(this.heap.length - 1);
  }

  peek(): TimerEntry<K> | undefined {
    return this.heap[0];
  }

  pop(): TimerEntry<K> | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top !== undefined && last !== undefined && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  /** Keeps only the entries `live` accepts (O(n)); order among survivors is unchanged. */
  compact(live: (e: TimerEntry<K>) => boolean): void {
    this.heap = this.heap.filter(live);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** Every entry, in no particular order (for checks and snapshots). */
  entries(): readonly TimerEntry<K>[] {
    return this.heap;
  }

  private less(a: TimerEntry<K>, b: TimerEntry<K>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
