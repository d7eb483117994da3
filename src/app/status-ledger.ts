/**
 * Keeps the books of agents' time: every status change is logged
 * (agent_states), the status that ended is added to the agent's time per
 * status and local day (agent_status_days, cut at midnight in
 * reports.timeZone), and a wrap-up that ended is written on the call it
 * followed (call_work.wrap_up_ms, for the handle time). Writes go through the
 * call store's ordered queue, so a slow disk never holds up a call.
 *
 * After a restart the status each agent was in comes back from the log, so
 * the time across the restart is counted too.
 */
import type { Logger } from 'pino';
import { splitByDay } from '../core/reports/reports.js';
import type { CallStore } from '../store/calls.js';
import type { Db } from '../store/db.js';

export class StatusLedger {
  private readonly current = new Map<string, { status: string; since: number }>();
  /** The last call each agent was released from: their next wrap-up follows it. */
  private readonly lastCall = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly calls: CallStore,
    private readonly timeZone: () => string,
    private readonly log: Logger,
  ) {}

  /** The statuses agents were in when the daemon stopped (the last logged change of each). */
  async load(): Promise<void> {
    const last = this.db.selectFrom('agent_states').select(['agent_id', (eb) => eb.fn.max('id').as('id')]).groupBy('agent_id');
    const rows = await this.db.selectFrom('agent_states as s').innerJoin(last.as('m'), 'm.id', 's.id').select(['s.agent_id', 's.at', 's.status']).execute();
    for (const r of rows) if (!this.current.has(r.agent_id)) this.current.set(r.agent_id, { status: r.status, since: Number(r.at) });
    this.log.debug({ agents: rows.length }, 'agent statuses loaded');
  }

  /** The agent was released from a call (its wrap-up, if any, follows). */
  released(agentId: string, callId: string): void {
    this.lastCall.set(agentId, callId);
  }

  change(agentId: string, status: string, presence: string, reason: string | undefined, at: number): void {
    this.calls.agentState({ agent_id: agentId, at, status, presence, reason: reason ?? null });
    const prev = this.current.get(agentId);
    if (prev && prev.status === status) return;
    this.current.set(agentId, { status, since: at });
    if (!prev) return;
    for (const part of splitByDay(prev.since, at, this.timeZone())) this.calls.statusTime(agentId, part.day, prev.status, part.ms);
    const callId = this.lastCall.get(agentId);
    if (prev.status === 'wrap-up' && callId) {
      this.calls.wrapUp(callId, agentId, at - prev.since, at);
      this.lastCall.delete(agentId);
    }
  }

  /** Statuses now, since when (the reports add their time so far). */
  open(): { agentId: string; status: string; since: number }[] {
    return [...this.current].map(([agentId, c]) => ({ agentId, ...c }));
  }
}
