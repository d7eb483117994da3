/**
 * Agents' work on the calls they handled (src/core/work): stored per call and
 * agent (src/store/work.ts), told to the router as a held wrap-up while a
 * required disposition is missing, and noted in the call's timeline.
 */
import type { Logger } from 'pino';
import type { AgentView, RouterEvent } from '../core/acd/types.js';
import { applyWork, describe, holdsWrapUp, type CallWork, type DispositionList, type WorkPatch } from '../core/work/work.js';
import type { Config } from '../config/schema.js';
import type { CallStore } from '../store/calls.js';
import { toWork, type WorkRow, type WorkStore } from '../store/work.js';

export interface WorkDeps {
  store: WorkStore;
  calls: CallStore;
  config: () => Config;
  feed(event: RouterEvent): void;
  agentView(agentId: string): AgentView | undefined;
  /** The agent on the live call now and the queue whose settings apply, if the call is live. */
  liveCall(callId: string): { agentId?: string; queueId?: string } | undefined;
  now(): number;
  log: Logger;
  /** The call's timeline (and the live events: desks, wallboards, webhooks); the call store's when not given. */
  timeline?(callId: string, type: string, data: Record<string, unknown>): void;
  /** Told of every release: the agent's wrap-up that follows belongs to this call. */
  released?(agentId: string, callId: string): void;
}

/** A call's own list, winning over its queue's (a campaign's dispositions); undefined: the queue's. */
export type CallLists = (callId: string) => Promise<DispositionList | undefined>;

export interface WorkView {
  callId: string;
  agentId: string;
  queueId?: string;
  work: CallWork;
  /** The call's list (its campaign's, else its queue's), with `required`; none when neither lists any. */
  dispositions?: DispositionList;
}

export type WorkResult = { ok: true; view: WorkView } | { ok: false; status: 400 | 403 | 404; error: string };

export class WorkService {
  /** Set once the campaigns are up: their calls' lists. */
  callLists?: CallLists;

  constructor(private readonly d: WorkDeps) {}

  /** The list the agent picks from on this call: its campaign's, else its queue's. */
  async dispositions(callId: string, queueId: string | undefined): Promise<DispositionList | undefined> {
    const own = await this.callLists?.(callId).catch((err: Error) => {
      this.d.log.warn({ callId, err: err.message }, "a campaign call's dispositions could not be read; the queue's apply");
      return undefined;
    });
    return own ?? (queueId ? this.d.config().queues[queueId]?.dispositions : undefined);
  }

  /**
   * Whether the agent handled the call, and its queue: the live call's agent now, an agent the
   * timeline says answered it, or one who already has work on it (handed over since).
   */
  async handled(callId: string, agentId: string): Promise<{ queueId?: string } | 'no-call' | 'not-theirs'> {
    const h = await this.whose(callId, agentId);
    return typeof h === 'string' ? h : h.queueId ? { queueId: h.queueId } : {};
  }

  /** {@link handled}, with the agent's stored work on the call (read once, for the caller to use). */
  private async whose(callId: string, agentId: string): Promise<{ queueId?: string; row?: WorkRow } | 'no-call' | 'not-theirs'> {
    const live = this.d.liveCall(callId);
    const row = await this.d.store.get(callId, agentId);
    if (row) {
      const queueId = row.queue_id ?? live?.queueId;
      return { row, ...(queueId ? { queueId } : {}) };
    }
    if (live?.agentId === agentId) return live.queueId ? { queueId: live.queueId } : {};
    const record = await this.d.calls.get(callId);
    if (!record && !live) return 'no-call';
    const answered = record?.timeline.some((e) => e.type === 'agent-answered' && e.data?.agentId === agentId) || record?.agent_id === agentId;
    if (!answered) return 'not-theirs';
    const queueId = live?.queueId ?? record?.queue_id ?? undefined;
    return queueId ? { queueId } : {};
  }

  async read(callId: string, agentId: string): Promise<WorkResult> {
    const h = await this.whose(callId, agentId);
    if (typeof h === 'string') return refusal(h, callId, agentId);
    return { ok: true, view: view(callId, agentId, h.queueId, toWork(h.row), await this.dispositions(callId, h.queueId)) };
  }

  /** The agent's change to their work on the call; a disposition given releases a held wrap-up. */
  async update(callId: string, agentId: string, patch: WorkPatch): Promise<WorkResult> {
    const h = await this.whose(callId, agentId);
    if (typeof h === 'string') return refusal(h, callId, agentId);
    const list = await this.dispositions(callId, h.queueId);
    const before = toWork(h.row);
    const checked = applyWork(before, patch, list);
    if (!checked.ok) return { ok: false, status: 400, error: `${checked.field}: ${checked.message}` };
    const w = checked.work;
    const at = this.d.now();
    await this.d.store.put(callId, agentId, {
      queue_id: h.queueId ?? null,
      disposition: w.disposition ?? null,
      notes: w.notes,
      tags: JSON.stringify(w.tags),
      updated_at: at,
    });
    if (w.disposition !== before.disposition) {
      const code = describe(list, w.disposition);
      (this.d.timeline ?? ((id, type, data) => this.d.calls.event(id, at, type, data)))(callId, 'disposition', { agentId, code: w.disposition ?? null, ...(code ? { label: code.label, outcome: code.outcome } : {}) });
    }
    if (w.disposition !== undefined) await this.releaseIfDone(agentId);
    return { ok: true, view: view(callId, agentId, h.queueId, w, list) };
  }

  /**
   * The agent is done with the call (ended, handed over): with a required disposition not yet
   * given, the router holds their wrap-up. Told before the router's call-ended, so the wrap-up
   * starts held; released again at once if the disposition came during the call.
   */
  onRelease(callId: string, agentId: string, queueId: string | undefined): void {
    this.d.released?.(agentId, callId);
    // The queue's list is known at once; a campaign's is looked up (and may hold the wrap-up a moment later).
    const queueList = queueId ? this.d.config().queues[queueId]?.dispositions : undefined;
    if (queueList?.required) this.d.feed({ type: 'wrap-up-hold', agentId, held: true });
    if (!queueList?.required && !this.callLists) return;
    const at = this.d.now();
    void (async () => {
      const list = await this.dispositions(callId, queueId);
      if (!list?.required) {
        if (queueList?.required) this.d.feed({ type: 'wrap-up-hold', agentId, held: false });
        return;
      }
      if (!queueList?.required) this.d.feed({ type: 'wrap-up-hold', agentId, held: true });
      const row = await this.d.store.get(callId, agentId);
      await this.d.store.put(callId, agentId, { queue_id: queueId ?? null, required: 1, updated_at: row?.updated_at ?? at });
      if (!holdsWrapUp(list, toWork(row))) await this.releaseIfDone(agentId);
    })().catch((err: Error) => {
      // The database is failing: do not leave the agent stuck for it.
      this.d.log.error({ callId, agentId, err: err.message }, 'recording a required disposition failed; wrap-up not held');
      this.d.feed({ type: 'wrap-up-hold', agentId, held: false });
    });
  }

  /** Calls the agent still owes a disposition for (their wrap-up cannot end before). */
  pending(agentId: string): Promise<string[]> {
    return this.d.store.pending(agentId);
  }

  private async releaseIfDone(agentId: string): Promise<void> {
    if (!this.d.agentView(agentId)?.wrapHeld) return;
    if ((await this.d.store.pending(agentId)).length === 0) this.d.feed({ type: 'wrap-up-hold', agentId, held: false });
  }

}

function view(callId: string, agentId: string, queueId: string | undefined, work: CallWork, list: DispositionList | undefined): WorkView {
  return { callId, agentId, ...(queueId ? { queueId } : {}), work, ...(list ? { dispositions: list } : {}) };
}

function refusal(why: 'no-call' | 'not-theirs', callId: string, agentId: string): WorkResult {
  return why === 'no-call' ? { ok: false, status: 404, error: `no call ${callId}` } : { ok: false, status: 403, error: `call ${callId} was not handled by agent ${agentId}` };
}
