/**
 * Call scripts: the steps an agent follows on a call. Pure: a script's
 * definition (from the config, checked by {@link validateScript}), and a run
 * of it on one call, moved by the agent's actions. No step can be left
 * before its required actions are done; the answers are kept per step.
 *
 * ```
 *            start
 *              |
 *              v
 *   +----> [ step ] --- next: required fields valid, required checks ticked,
 *   |        |  ^       disclosure acknowledged; the first branch whose
 *   |        |  |       condition holds, else `next` ---------------------> [ step ] ...
 *   |        |  +--- answer (fields, checks, acknowledgement), kept per step
 *   |        |
 *   +-- back (to the step before, answers kept)
 *              |
 *        step with end (or no next) --- next ---> finished
 * ```
 * Text to say may hold `{contact.name}`, `{caller}`, `{agent.name}`,
 * `{queue.name}` or any field collected earlier as `{answers.<field>}`.
 */

export type FieldType = 'text' | 'number' | 'date' | 'email' | 'phone' | 'choice' | 'yes-no';

export interface ScriptField {
  name: string;
  label?: string;
  type: FieldType;
  required: boolean;
  /** A pattern the whole value must match (text, phone). */
  pattern?: string;
  /** For choice. */
  options?: string[];
  min?: number;
  max?: number;
}

export interface ScriptCheck {
  name: string;
  label: string;
  required: boolean;
}

export interface ScriptBranch {
  field: string;
  equals: string;
  next: string;
}

export interface ScriptStep {
  title?: string;
  say?: string;
  fields: ScriptField[];
  checks: ScriptCheck[];
  /** A compliance disclosure: the agent acknowledges having read it out. */
  disclosure: boolean;
  branches: ScriptBranch[];
  next?: string;
  end: boolean;
}

export interface Script {
  name?: string;
  start: string;
  steps: Record<string, ScriptStep>;
}

export type Answer = string | boolean;

export interface ScriptRun {
  step: string;
  /** The steps left behind with next, in order (back returns along it). */
  path: string[];
  /** Per step: field and check values. */
  answers: Record<string, Record<string, Answer>>;
  acknowledged: string[];
  finished: boolean;
}

export type ScriptAction =
  | { type: 'answer'; values: Record<string, Answer>; acknowledged?: boolean }
  | { type: 'next'; values?: Record<string, Answer>; acknowledged?: boolean }
  | { type: 'back' };

export type Outcome = { ok: true; run: ScriptRun } | { ok: false; field: string; message: string };

export function startRun(s: Script): ScriptRun {
  return { step: s.start, path: [], answers: {}, acknowledged: [], finished: false };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()./-]{3,32}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Why a value does not do for a field, or undefined when it does (an empty optional field does). */
export function fieldProblem(f: ScriptField, v: Answer | undefined): string | undefined {
  const empty = v === undefined || v === '';
  if (empty) return f.required ? 'required' : undefined;
  if (f.type === 'yes-no') return typeof v === 'boolean' || v === 'yes' || v === 'no' ? undefined : 'yes or no';
  if (typeof v !== 'string') return 'must be text';
  switch (f.type) {
    case 'number': {
      const n = Number(v);
      if (!Number.isFinite(n) || !/^-?\d+(\.\d+)?$/.test(v.trim())) return 'must be a number';
      if (f.min !== undefined && n < f.min) return `at least ${f.min}`;
      if (f.max !== undefined && n > f.max) return `at most ${f.max}`;
      break;
    }
    case 'date':
      if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) return 'a date, YYYY-MM-DD';
      break;
    case 'email':
      if (!EMAIL.test(v)) return 'an e-mail address';
      break;
    case 'phone':
      if (!PHONE.test(v)) return 'a phone number';
      break;
    case 'choice':
      if (!f.options?.includes(v)) return `one of ${f.options?.join(', ')}`;
      break;
    case 'text':
      if (v.length > 2000) return 'at most 2000 characters';
      break;
  }
  if (f.pattern && (f.type === 'text' || f.type === 'phone') && !new RegExp(`^(?:${f.pattern})$`).test(v)) return `must match ${f.pattern}`;
  return undefined;
}

/** What still stops the agent leaving the step: the first field, check or acknowledgement missing. */
export function blocker(s: Script, run: ScriptRun): { field: string; message: string } | undefined {
  const step = s.steps[run.step]!;
  const a = run.answers[run.step] ?? {};
  for (const f of step.fields) {
    const p = fieldProblem(f, a[f.name]);
    if (p) return { field: f.name, message: p };
  }
  for (const c of step.checks) if (c.required && a[c.name] !== true) return { field: c.name, message: 'must be ticked' };
  if (step.disclosure && !run.acknowledged.includes(run.step)) return { field: 'acknowledged', message: 'the disclosure must be acknowledged' };
  return undefined;
}

/** The agent's action on the run. Values of names the step does not have are refused. */
export function act(s: Script, run: ScriptRun, a: ScriptAction): Outcome {
  if (run.finished && a.type !== 'back') return { ok: false, field: 'step', message: 'the script is finished' };
  if (a.type === 'back') {
    const prev = run.path.at(-1);
    if (prev === undefined) return { ok: false, field: 'step', message: 'already at the first step' };
    return { ok: true, run: { ...run, step: prev, path: run.path.slice(0, -1), finished: false } };
  }
  const step = s.steps[run.step]!;
  let next: ScriptRun = run;
  if (a.values || a.acknowledged !== undefined) {
    const known = new Map<string, 'field' | 'check'>([...step.fields.map((f) => [f.name, 'field'] as const), ...step.checks.map((c) => [c.name, 'check'] as const)]);
    const values = { ...(run.answers[run.step] ?? {}) };
    for (const [k, v] of Object.entries(a.values ?? {})) {
      const kind = known.get(k);
      if (!kind) return { ok: false, field: k, message: `step ${run.step} has no field or check "${k}"` };
      if (kind === 'check' && typeof v !== 'boolean') return { ok: false, field: k, message: 'a check is true or false' };
      if (kind === 'field') {
        const p = v === '' ? undefined : fieldProblem({ ...step.fields.find((f) => f.name === k)!, required: false }, v);
        if (p) return { ok: false, field: k, message: p };
      }
      values[k] = v;
    }
    const acknowledged = a.acknowledged === true ? [...new Set([...run.acknowledged, run.step])] : a.acknowledged === false ? run.acknowledged.filter((x) => x !== run.step) : run.acknowledged;
    next = { ...run, answers: { ...run.answers, [run.step]: values }, acknowledged };
  }
  if (a.type === 'answer') return { ok: true, run: next };
  const stop = blocker(s, next);
  if (stop) return { ok: false, ...stop };
  const values = next.answers[next.step] ?? {};
  const branch = step.branches.find((b) => String(values[b.field] ?? '') === b.equals);
  const to = branch?.next ?? step.next;
  if (step.end || to === undefined) return { ok: true, run: { ...next, finished: true } };
  return { ok: true, run: { ...next, step: to, path: [...next.path, next.step] } };
}

/** Every answer of the run's steps, flat (later steps win): for text, the record and the contact. */
export function flatAnswers(run: ScriptRun): Record<string, Answer> {
  return Object.assign({}, ...[...run.path, run.step].map((st) => run.answers[st] ?? {}));
}

/** `{name}` placeholders from the context; unknown ones stay as written. */
export function fill(text: string, ctx: Record<string, string | undefined>): string {
  return text.replace(/\{([A-Za-z0-9_.-]+)\}/g, (whole, key: string) => ctx[key] ?? whole);
}

/** Problems of a definition, each with the path of the field at fault (for file, line and field). */
export function validateScript(s: Script): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  if (!s.steps[s.start]) out.push({ path: ['start'], message: `no step "${s.start}" in steps` });
  for (const [id, st] of Object.entries(s.steps)) {
    const at = (...p: string[]) => ['steps', id, ...p];
    if (st.next !== undefined && !s.steps[st.next]) out.push({ path: at('next'), message: `no step "${st.next}"` });
    if (st.end && st.next !== undefined) out.push({ path: at('next'), message: 'a step that ends the script has no next' });
    const names = new Set<string>();
    st.fields.forEach((f, i) => {
      if (names.has(f.name)) out.push({ path: at('fields', String(i), 'name'), message: `"${f.name}" is used twice in this step` });
      names.add(f.name);
      if (f.type === 'choice' && !(f.options && f.options.length)) out.push({ path: at('fields', String(i), 'options'), message: 'a choice needs options' });
      if (f.pattern !== undefined) {
        try {
          new RegExp(f.pattern);
        } catch (err) {
          out.push({ path: at('fields', String(i), 'pattern'), message: `not a regular expression: ${(err as Error).message}` });
        }
      }
      if (f.min !== undefined && f.max !== undefined && f.min > f.max) out.push({ path: at('fields', String(i), 'min'), message: 'min is above max' });
    });
    st.checks.forEach((c, i) => {
      if (names.has(c.name)) out.push({ path: at('checks', String(i), 'name'), message: `"${c.name}" is used twice in this step` });
      names.add(c.name);
    });
    st.branches.forEach((b, i) => {
      const f = st.fields.find((x) => x.name === b.field);
      if (!f) out.push({ path: at('branches', String(i), 'field'), message: `no field "${b.field}" in this step` });
      else if (f.type === 'choice' && !f.options?.includes(b.equals)) out.push({ path: at('branches', String(i), 'equals'), message: `"${b.equals}" is not one of the options (${f.options?.join(', ')})` });
      if (!s.steps[b.next]) out.push({ path: at('branches', String(i), 'next'), message: `no step "${b.next}"` });
    });
  }
  return out;
}
