/**
 * A min-heap of deadlines with lazy cancellation: the core stamps each owner
 * (agent, call) with a version, and an entry whose version is stale is skipped.
 * Keeps `nextDeadline()` and expiry O(log n) with thousands of agents and calls.
 */
export interface TimerEntry<K> {
  at: number;
  key: K;
  version: number;
}

export class TimerHeap<K> {
  private readonly heap: TimerEntry<K>[] = [];
  private seq = 0;
  private readonly order = new WeakMap<TimerEntry<K>, number>();

  get size(): number {
    return this.heap.length;
  }

  push(at: number, key: K, version: number): void {
    const e = { at, key, version };
    this.order.set(e, this.seq++);
    this.heap.push(e);
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

  private less(a: TimerEntry<K>, b: TimerEntry<K>): boolean {
    // Equal deadlines fire in insertion order, so replays are deterministic.
    return a.at < b.at || (a.at === b.at && this.order.get(a)! < this.order.get(b)!);
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
