/** Agents' work on calls (src/core/work): one row per call and agent, through kysely. */
import type { Db } from './db.js';
import type { CallWorkTable } from './tables.js';
import type { CallWork } from '../core/work/work.js';

export type WorkRow = CallWorkTable;

export function toWork(row: WorkRow | undefined): CallWork {
  const work: CallWork = { notes: row?.notes ?? '', tags: row?.tags ? (JSON.parse(row.tags) as string[]) : [] };
  if (row?.disposition) work.disposition = row.disposition;
  return work;
}

/** A row of nobody's work yet: what an insert starts from before its own columns. */
export function blankWork(callId: string, agentId: string, updatedAt: number): WorkRow {
  return { call_id: callId, agent_id: agentId, queue_id: null, disposition: null, notes: null, tags: null, required: 0, wrap_up_ms: null, script: null, updated_at: updatedAt };
}

export class WorkStore {
  constructor(private readonly db: Db) {}

  get(callId: string, agentId: string): Promise<WorkRow | undefined> {
    return this.db.selectFrom('call_work').selectAll().where('call_id', '=', callId).where('agent_id', '=', agentId).executeTakeFirst();
  }

  /** Every agent's work on a call, in the order they last touched it. */
  forCall(callId: string): Promise<WorkRow[]> {
    return this.db.selectFrom('call_work').selectAll().where('call_id', '=', callId).orderBy('updated_at').execute();
  }

  /** Creates or changes the row; only the columns given change. */
  async put(callId: string, agentId: string, patch: Partial<Omit<WorkRow, 'call_id' | 'agent_id'>> & { updated_at: number }): Promise<void> {
    await this.db
      .insertInto('call_work')
      .values({ ...blankWork(callId, agentId, patch.updated_at), ...patch })
      .onConflict((oc) => oc.columns(['call_id', 'agent_id']).doUpdateSet(patch))
      .execute();
  }

  /** Calls whose required disposition this agent has not given yet. */
  async pending(agentId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('call_work').select('call_id').where('agent_id', '=', agentId).where('required', '=', 1).where('disposition', 'is', null).execute();
    return rows.map((r) => r.call_id);
  }
}
