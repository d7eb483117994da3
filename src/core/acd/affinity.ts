/**
 * Which agent last talked to each caller, and when: a bounded map that
 * forgets the least recently updated caller first (a Map keeps insertion
 * order; an update re-inserts its key at the end).
 */
import type { AgentId } from './types.js';

export interface AffinityEntry {
  agentId: AgentId;
  at: number;
}

export class AffinityMemory {
  private readonly map = new Map<string, AffinityEntry>();

  constructor(readonly capacity = 100_000) {}

  get size(): number {
    return this.map.size;
  }

  get(caller: string): AffinityEntry | undefined {
    return this.map.get(caller);
  }

  set(caller: string, agentId: AgentId, at: number): void {
    this.map.delete(caller);
    this.map.set(caller, { agentId, at });
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  /** Least recently updated first. */
  entries(): [string, AgentId, number][] {
    return [...this.map].map(([caller, e]) => [caller, e.agentId, e.at]);
  }
}
