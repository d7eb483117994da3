/**
 * Call scripts on calls (src/core/script): the queue's external page (its
 * address filled in with the call's fields) or its built script, whose run is
 * kept with the agent's work on the call (call_work.script) and whose steps
 * go into the call's timeline.
 */
import { act, blocker, fill, flatAnswers, startRun, type Script, type ScriptAction, type ScriptRun } from '../core/script/script.js';
import type { Config } from '../config/schema.js';
import type { CallStore } from '../store/calls.js';
import type { WorkStore } from '../store/work.js';
import type { WorkService } from './work.js';

export interface ScriptDeps {
  work: WorkService;
  store: WorkStore;
  calls: CallStore;
  config: () => Config;
  contactName: (number: string) => Promise<string | undefined>;
  now: () => number;
}

export type ScriptView =
  | { callId: string; kind: 'none' }
  | { callId: string; kind: 'url'; url: string }
  | {
      callId: string;
      kind: 'built';
      scriptId: string;
      name?: string;
      run: ScriptRun;
      /** The current step with its text filled in. */
      step: Script['steps'][string] & { id: string; say?: string };
      /** What stops "next" now, if anything. */
      blocked?: { field: string; message: string };
      /** Steps done so far, with their titles and answers (the history). */
      done: { id: string; title?: string; answers: Record<string, string | boolean> }[];
    };

export type ScriptResult = { ok: true; view: ScriptView } | { ok: false; status: 400 | 403 | 404 | 409; error: string; field?: string };

export class ScriptService {
  constructor(private readonly d: ScriptDeps) {}

  private async context(callId: string, agentId: string) {
    const h = await this.d.work.handled(callId, agentId);
    if (h === 'no-call') return { ok: false as const, status: 404 as const, error: `no call ${callId}` };
    if (h === 'not-theirs') return { ok: false as const, status: 403 as const, error: `call ${callId} was not handled by agent ${agentId}` };
    const config = this.d.config();
    const queue = h.queueId ? config.queues[h.queueId] : undefined;
    const record = await this.d.calls.get(callId);
    const caller = record?.caller_number ?? '';
    const contact = caller ? await this.d.contactName(caller) : undefined;
    const fields: Record<string, string | undefined> = {
      callId,
      caller,
      'contact.name': contact ?? record?.caller_name ?? undefined,
      agent: agentId,
      'agent.name': config.agents[agentId]?.name ?? agentId,
      queue: h.queueId,
      'queue.name': queue?.name ?? h.queueId,
    };
    return { ok: true as const, queueId: h.queueId, queue, fields };
  }

  async view(callId: string, agentId: string): Promise<ScriptResult> {
    const c = await this.context(callId, agentId);
    if (!c.ok) return c;
    if (c.queue?.scriptUrl) {
      const enc = Object.fromEntries(Object.entries(c.fields).map(([k, v]) => [k, v === undefined ? undefined : encodeURIComponent(v)]));
      return { ok: true, view: { callId, kind: 'url', url: fill(c.queue.scriptUrl, enc) } };
    }
    const scriptId = c.queue?.script;
    const script = scriptId ? (this.d.config().scripts[scriptId] as Script | undefined) : undefined;
    if (!scriptId || !script) return { ok: true, view: { callId, kind: 'none' } };
    const stored = await this.load(callId, agentId, scriptId);
    return { ok: true, view: this.render(callId, scriptId, script, stored ?? startRun(script), c.fields) };
  }

  async act(callId: string, agentId: string, action: ScriptAction): Promise<ScriptResult> {
    const c = await this.context(callId, agentId);
    if (!c.ok) return c;
    const scriptId = c.queue?.script;
    const script = scriptId ? (this.d.config().scripts[scriptId] as Script | undefined) : undefined;
    if (c.queue?.scriptUrl || !scriptId || !script) return { ok: false, status: 409, error: 'this call has no built script' };
    const before = (await this.load(callId, agentId, scriptId)) ?? startRun(script);
    const out = act(script, before, action);
    if (!out.ok) return { ok: false, status: 400, error: `${out.field}: ${out.message}`, field: out.field };
    const at = this.d.now();
    await this.d.store.put(callId, agentId, { queue_id: c.queueId ?? null, script: JSON.stringify({ script: scriptId, run: out.run }), updated_at: at });
    if (out.run.step !== before.step || out.run.finished !== before.finished) {
      this.d.calls.event(callId, at, out.run.finished ? 'script-finished' : 'script-step', { agentId, script: scriptId, from: before.step, ...(out.run.finished ? {} : { to: out.run.step }), answers: out.run.answers[before.step] ?? {} });
    }
    return { ok: true, view: this.render(callId, scriptId, script, out.run, c.fields) };
  }

  private async load(callId: string, agentId: string, scriptId: string): Promise<ScriptRun | undefined> {
    const row = await this.d.store.get(callId, agentId);
    if (!row?.script) return undefined;
    const saved = JSON.parse(row.script) as { script: string; run: ScriptRun };
    // A script renamed, or a step removed by a reload of the configuration: start again.
    const script = this.d.config().scripts[scriptId] as Script | undefined;
    return saved.script === scriptId && script?.steps[saved.run.step] ? saved.run : undefined;
  }

  private render(callId: string, scriptId: string, script: Script, run: ScriptRun, fields: Record<string, string | undefined>): ScriptView {
    const answers = Object.fromEntries(Object.entries(flatAnswers(run)).map(([k, v]) => [`answers.${k}`, String(v)]));
    const step = script.steps[run.step]!;
    const blocked = run.finished ? undefined : blocker(script, run);
    return {
      callId,
      kind: 'built',
      scriptId,
      ...(script.name ? { name: script.name } : {}),
      run,
      step: { ...step, id: run.step, ...(step.say ? { say: fill(step.say, { ...fields, ...answers }) } : {}) },
      ...(blocked ? { blocked } : {}),
      done: run.path.map((id) => ({ id, ...(script.steps[id]?.title ? { title: script.steps[id]!.title } : {}), answers: run.answers[id] ?? {} })),
    };
  }
}
