/**
 * IVR ("smart routing") flows: the configuration schema and its cross-checks.
 *
 * A flow is a named graph of steps. The call enters at `entry`; every step has
 * a `type` and, where the call goes on, a `next` (or other step names: menu
 * options, `onFail`, `else`...). Steps run by src/core/ivr/session.ts.
 *
 * Step types:
 * - play       `prompt` (one or a list), then `next`.
 * - menu       `prompt`, `options` digit -> step; `timeoutSec` (5), `retries` (2)
 *              re-prompts after the first try, `invalidPrompt`, `timeoutPrompt`,
 *              `onFail` once retries are exhausted.
 * - collect    `prompt`, digits into `variable`: `minDigits` (1), `maxDigits` (20),
 *              `terminator` ("#", "" for none), `timeoutSec` (5),
 *              `interDigitTimeoutSec` (3), `validate` (a pattern the whole input
 *              must match), `retries` (2), `invalidPrompt`, `timeoutPrompt`,
 *              `onFail`; then `next`.
 * - condition  `holidays` (YYYY-MM-DD, or MM-DD every year) go to `onHoliday`;
 *              otherwise the first `when` rule whose every condition holds wins:
 *              `days`, `from`/`to` (HH:MM local, from inclusive, to exclusive; a
 *              range over midnight such as 22:00-06:00 works), `dates`, `var` with
 *              `equals` or `matches` (a pattern the whole value must match);
 *              otherwise `else`. Times are in the flow's `timezone` (IANA, default
 *              UTC) at the moment the call started.
 * - set        `variables` name -> value; values may use `${name}` of variables
 *              set or collected earlier and of the built-ins `${caller}`, `${did}`.
 * - route      the end of the flow, `to` one of: `{ queue, priority? }`,
 *              `{ agent }`, `{ voicemail }`, `{ number }`, `{ hangup: true | CAUSE }`.
 *              The call's variables go along.
 * Prompts are files under sounds/ or `say:` text for text-to-speech; they may
 * use `${name}` too.
 *
 * Example (config/ivr.yaml):
 * ```yaml
 * ivr:
 *   main:
 *     description: Support line, office hours in Paris
 *     timezone: Europe/Paris
 *     entry: hours
 *     steps:
 *       hours:
 *         type: condition
 *         holidays: ["2026-12-25", "01-01"]      # a date, or MM-DD for every year
 *         onHoliday: holiday
 *         when:
 *           - { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:30", next: welcome }
 *           - { days: [sat], from: "09:00", to: "12:00", next: welcome }
 *         else: closed
 *       welcome:
 *         type: play
 *         prompt: [welcome.wav, "say:Calls may be recorded for training."]
 *         next: menu
 *       menu:
 *         type: menu
 *         prompt: main-menu.wav
 *         options: { "1": sales, "2": account, "0": operator }
 *         timeoutSec: 5
 *         retries: 2                           # re-prompts after the first try
 *         invalidPrompt: invalid-option.wav
 *         timeoutPrompt: no-input.wav
 *         onFail: operator
 *       account:
 *         type: collect
 *         prompt: "say:Please enter your account number, then press hash."
 *         variable: account
 *         minDigits: 6
 *         maxDigits: 8
 *         validate: "[0-9]{6,8}"               # must match the whole input
 *         invalidPrompt: "say:That is not a valid account number."
 *         onFail: operator
 *         next: vip
 *       vip:
 *         type: condition
 *         when:
 *           - { var: account, matches: "9.*", next: priority }
 *         else: tag
 *       tag:
 *         type: set
 *         variables: { department: billing, ref: "${did}/${account}" }
 *         next: billing
 *       billing:  { type: route, to: { queue: support } }
 *       priority: { type: route, to: { queue: support, priority: 10 } }
 *       sales:    { type: route, to: { queue: sales } }
 *       operator: { type: route, to: { agent: alice } }
 *       closed:   { type: play, prompt: closed.wav, next: voicemail }
 *       voicemail: { type: route, to: { voicemail: general } }
 *       holiday:  { type: play, prompt: "say:We are closed for the holiday.", next: bye }
 *       bye:      { type: route, to: { hangup: NORMAL_CLEARING } }
 * ```
 * (`${did}/${account}` is flow interpolation, not the loader's environment
 * substitution: the loader must leave the `ivr` section's `${...}` alone.)
 *
 * Structure is checked by the schema; {@link validateIvrFlows} checks what a
 * schema cannot: step names that exist, steps nothing leads to, queues, agents
 * and voicemail boxes that exist, loops that never wait for the caller,
 * patterns, time zones and variable names.
 *
 * Each step type is chosen with if/then on `type` rather than anyOf, so that
 * ajv applies defaults inside steps and reports a typo as an unknown field of
 * that step type (anyOf would hide both).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { isCalendarDate, isValidTimeZone, parseClock } from '../core/ivr/time.js';
import { BUILTIN_VARIABLES, patternError, referencedVariables } from '../core/ivr/text.js';
import { suggest } from './suggest.js';

export const IVR_STEP_TYPES = ['play', 'menu', 'collect', 'condition', 'set', 'route'] as const;
export type IvrStepType = (typeof IVR_STEP_TYPES)[number];

/** Values a step gets when the field is left out (ajv fills them in; the interpreter falls back to them too). */
export const IVR_DEFAULTS = {
  timezone: 'UTC',
  menuTimeoutSec: 5,
  retries: 2,
  minDigits: 1,
  maxDigits: 20,
  terminator: '#',
  collectTimeoutSec: 5,
  interDigitTimeoutSec: 3,
} as const;

// Records spell out additionalProperties: false, or TypeBox would not enforce their key patterns.
const StepName = Type.String({ pattern: '^[A-Za-z0-9_.-]+$' });
const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]+$' });
const VarName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
/** One prompt or a list of them, played in order. */
const Prompt = Type.Unsafe<string | string[]>({
  type: ['string', 'array'],
  minLength: 1,
  items: { type: 'string', minLength: 1 },
  minItems: 1,
});
const Seconds = (def: number, max: number) => Type.Optional(Type.Number({ minimum: 0.5, maximum: max, default: def }));
const Retries = Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: IVR_DEFAULTS.retries }));
const Clock = Type.String({ pattern: '^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$' });
const DateOrDay = Type.String({ pattern: '^([0-9]{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' });
const Weekday = Type.Union([
  Type.Literal('mon'),
  Type.Literal('tue'),
  Type.Literal('wed'),
  Type.Literal('thu'),
  Type.Literal('fri'),
  Type.Literal('sat'),
  Type.Literal('sun'),
]);
const Description = Type.Optional(Type.String());

export const IvrPlayStepSchema = Type.Object(
  { type: Type.Literal('play'), description: Description, prompt: Prompt, next: StepName },
  { additionalProperties: false },
);

export const IvrMenuStepSchema = Type.Object(
  {
    type: Type.Literal('menu'),
    description: Description,
    prompt: Prompt,
    options: Type.Record(Type.String({ pattern: '^[0-9*#]$' }), StepName, { minProperties: 1, additionalProperties: false }),
    timeoutSec: Seconds(IVR_DEFAULTS.menuTimeoutSec, 120),
    retries: Retries,
    invalidPrompt: Type.Optional(Prompt),
    timeoutPrompt: Type.Optional(Prompt),
    onFail: StepName,
  },
  { additionalProperties: false },
);

export const IvrCollectStepSchema = Type.Object(
  {
    type: Type.Literal('collect'),
    description: Description,
    prompt: Prompt,
    variable: VarName,
    minDigits: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: IVR_DEFAULTS.minDigits })),
    maxDigits: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: IVR_DEFAULTS.maxDigits })),
    /** The key that ends input early: "#", "*", or "" for none. */
    terminator: Type.Optional(Type.String({ pattern: '^[#*]?$', default: IVR_DEFAULTS.terminator })),
    timeoutSec: Seconds(IVR_DEFAULTS.collectTimeoutSec, 120),
    interDigitTimeoutSec: Seconds(IVR_DEFAULTS.interDigitTimeoutSec, 60),
    /** A pattern the whole input must match, e.g. "[0-9]{6}" or "4[0-9]{15}". */
    validate: Type.Optional(Type.String({ minLength: 1 })),
    retries: Retries,
    invalidPrompt: Type.Optional(Prompt),
    timeoutPrompt: Type.Optional(Prompt),
    onFail: StepName,
    next: StepName,
  },
  { additionalProperties: false },
);

export const IvrConditionRuleSchema = Type.Object(
  {
    days: Type.Optional(Type.Array(Weekday, { minItems: 1 })),
    from: Type.Optional(Clock),
    to: Type.Optional(Clock),
    dates: Type.Optional(Type.Array(DateOrDay, { minItems: 1 })),
    var: Type.Optional(VarName),
    equals: Type.Optional(Type.String()),
    /** A pattern the whole value must match. */
    matches: Type.Optional(Type.String({ minLength: 1 })),
    next: StepName,
  },
  { additionalProperties: false },
);

export const IvrConditionStepSchema = Type.Object(
  {
    type: Type.Literal('condition'),
    description: Description,
    holidays: Type.Optional(Type.Array(DateOrDay)),
    onHoliday: Type.Optional(StepName),
    when: Type.Optional(Type.Array(IvrConditionRuleSchema, { default: [] })),
    else: StepName,
  },
  { additionalProperties: false },
);

export const IvrSetStepSchema = Type.Object(
  {
    type: Type.Literal('set'),
    description: Description,
    variables: Type.Record(VarName, Type.String(), { minProperties: 1, additionalProperties: false }),
    next: StepName,
  },
  { additionalProperties: false },
);

export const IvrRouteTargetSchema = Type.Union([
  Type.Object({ queue: Id, priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) }, { additionalProperties: false }),
  Type.Object({ agent: Id }, { additionalProperties: false }),
  Type.Object({ voicemail: Id }, { additionalProperties: false }),
  Type.Object({ number: Type.String({ pattern: '^\\+?[0-9*#]{2,20}$' }) }, { additionalProperties: false }),
  // true, or a hangup cause such as NORMAL_CLEARING or USER_BUSY. Both types
  // listed in one `type` so that ajv's coerceTypes leaves `true` a boolean.
  Type.Object({ hangup: Type.Unsafe<string | boolean>({ type: ['string', 'boolean'] }) }, { additionalProperties: false }),
]);

export const IvrRouteStepSchema = Type.Object(
  { type: Type.Literal('route'), description: Description, to: IvrRouteTargetSchema },
  { additionalProperties: false },
);

export type IvrPlayStep = Static<typeof IvrPlayStepSchema>;
export type IvrMenuStep = Static<typeof IvrMenuStepSchema>;
export type IvrCollectStep = Static<typeof IvrCollectStepSchema>;
export type IvrConditionRule = Static<typeof IvrConditionRuleSchema>;
export type IvrConditionStep = Static<typeof IvrConditionStepSchema>;
export type IvrSetStep = Static<typeof IvrSetStepSchema>;
export type IvrRouteTarget = Static<typeof IvrRouteTargetSchema>;
export type IvrRouteStep = Static<typeof IvrRouteStepSchema>;
export type IvrStep = IvrPlayStep | IvrMenuStep | IvrCollectStep | IvrConditionStep | IvrSetStep | IvrRouteStep;

const STEP_SCHEMAS: Record<IvrStepType, TSchema> = {
  play: IvrPlayStepSchema,
  menu: IvrMenuStepSchema,
  collect: IvrCollectStepSchema,
  condition: IvrConditionStepSchema,
  set: IvrSetStepSchema,
  route: IvrRouteStepSchema,
};

/** One step: `type` picks the step schema (if/then, see the top of this file). */
export const IvrStepSchema = Type.Unsafe<IvrStep>({
  type: 'object',
  required: ['type'],
  properties: { type: Type.Union(IVR_STEP_TYPES.map((k) => Type.Literal(k))) },
  allOf: IVR_STEP_TYPES.map((k) => ({
    if: { properties: { type: { const: k } }, required: ['type'] },
    then: STEP_SCHEMAS[k],
  })),
});

export const IvrFlowSchema = Type.Object(
  {
    description: Description,
    /** IANA time zone that condition steps read the clock in. */
    timezone: Type.Optional(Type.String({ minLength: 1, default: IVR_DEFAULTS.timezone })),
    entry: StepName,
    steps: Type.Record(StepName, IvrStepSchema, { minProperties: 1, additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type IvrFlow = Static<typeof IvrFlowSchema>;

export interface IvrConfigProblem {
  /** Field path inside the configuration, e.g. ['ivr', 'main', 'steps', 'menu', 'options', '1']. */
  path: string[];
  message: string;
}

export interface IvrRefs {
  queues: Set<string>;
  agents: Set<string>;
  /** Voicemail boxes; when absent, voicemail targets are not checked. */
  voicemailBoxes?: Set<string>;
}

/** A step's edges to other steps: the field path inside the step and the target name. */
export function stepTargets(step: IvrStep): { field: string[]; target: string }[] {
  switch (step.type) {
    case 'play':
    case 'set':
      return [{ field: ['next'], target: step.next }];
    case 'menu':
      return [
        ...Object.entries(step.options ?? {}).map(([digit, target]) => ({ field: ['options', digit], target })),
        { field: ['onFail'], target: step.onFail },
      ];
    case 'collect':
      return [
        { field: ['next'], target: step.next },
        { field: ['onFail'], target: step.onFail },
      ];
    case 'condition':
      return [
        ...(step.onHoliday !== undefined ? [{ field: ['onHoliday'], target: step.onHoliday }] : []),
        ...(step.when ?? []).map((r, i) => ({ field: ['when', String(i), 'next'], target: r.next })),
        { field: ['else'], target: step.else },
      ];
    case 'route':
      return [];
  }
}

/** Steps that go on without waiting for the caller or a prompt. */
const INSTANT: ReadonlySet<string> = new Set<IvrStepType>(['condition', 'set']);

/**
 * Cross-reference checks for the `ivr` section, after the schema has passed.
 * Paths start with 'ivr' and the flow id, so the loader can point at the line.
 */
export function validateIvrFlows(flows: Record<string, IvrFlow>, refs: IvrRefs): IvrConfigProblem[] {
  const problems: IvrConfigProblem[] = [];
  for (const [id, flow] of Object.entries(flows ?? {})) checkFlow(id, flow, refs, problems);
  return problems;
}

function checkFlow(id: string, flow: IvrFlow, refs: IvrRefs, problems: IvrConfigProblem[]): void {
  const base = ['ivr', id];
  const at = (path: string[], message: string) => problems.push({ path: [...base, ...path], message });
  const steps = flow.steps ?? {};
  const names = Object.keys(steps);
  const has = (name: string) => Object.hasOwn(steps, name);
  const noStep = (name: string) => `no step "${name}" in flow "${id}"${suggest(name, names)}`;

  if (flow.timezone !== undefined && !isValidTimeZone(flow.timezone)) {
    at(['timezone'], `unknown time zone "${flow.timezone}" (use an IANA name such as Europe/Paris or America/New_York)`);
  }
  if (!has(flow.entry)) at(['entry'], noStep(flow.entry));

  // Variables anything may read: the built-ins and whatever some step collects or sets.
  const defined = new Set<string>(BUILTIN_VARIABLES);
  for (const step of Object.values(steps)) {
    if (step.type === 'collect') defined.add(step.variable);
    if (step.type === 'set') for (const k of Object.keys(step.variables ?? {})) defined.add(k);
  }
  const checkRefs = (path: string[], template: string) => {
    for (const v of referencedVariables(template)) {
      if (!defined.has(v)) at(path, `\${${v}} is never set in this flow${suggest(v, [...defined])}`);
    }
  };
  const checkPrompt = (path: string[], p: string | string[] | undefined) => {
    if (p === undefined) return;
    if (typeof p === 'string') checkRefs(path, p);
    else p.forEach((s, i) => checkRefs([...path, String(i)], s));
  };
  const checkPattern = (path: string[], pattern: string | undefined) => {
    if (pattern === undefined) return;
    const err = patternError(pattern);
    if (err) at(path, `is not a valid pattern: ${err}`);
  };
  const checkDates = (path: string[], dates: string[] | undefined) => {
    dates?.forEach((d, i) => {
      if (!isCalendarDate(d)) at([...path, String(i)], `"${d}" is not a calendar date`);
    });
  };
  const builtin = (name: string) => (BUILTIN_VARIABLES as readonly string[]).includes(name);

  for (const [name, step] of Object.entries(steps)) {
    const sp = ['steps', name];
    for (const { field, target } of stepTargets(step)) {
      if (!has(target)) at([...sp, ...field], noStep(target));
    }
    switch (step.type) {
      case 'play':
        checkPrompt([...sp, 'prompt'], step.prompt);
        break;
      case 'menu':
        checkPrompt([...sp, 'prompt'], step.prompt);
        checkPrompt([...sp, 'invalidPrompt'], step.invalidPrompt);
        checkPrompt([...sp, 'timeoutPrompt'], step.timeoutPrompt);
        break;
      case 'collect': {
        checkPrompt([...sp, 'prompt'], step.prompt);
        checkPrompt([...sp, 'invalidPrompt'], step.invalidPrompt);
        checkPrompt([...sp, 'timeoutPrompt'], step.timeoutPrompt);
        const min = step.minDigits ?? IVR_DEFAULTS.minDigits;
        const max = step.maxDigits ?? IVR_DEFAULTS.maxDigits;
        if (min > max) at([...sp, 'minDigits'], `must not exceed maxDigits (${max})`);
        checkPattern([...sp, 'validate'], step.validate);
        if (builtin(step.variable)) at([...sp, 'variable'], `"${step.variable}" is built in and cannot be set`);
        break;
      }
      case 'condition': {
        checkDates([...sp, 'holidays'], step.holidays);
        const anyHolidays = (step.holidays ?? []).length > 0;
        if (anyHolidays && step.onHoliday === undefined) at([...sp, 'holidays'], 'needs onHoliday: the step calls go to on a holiday');
        if (!anyHolidays && step.onHoliday !== undefined) at([...sp, 'onHoliday'], 'has no holidays to apply to');
        (step.when ?? []).forEach((r, i) => {
          const rp = [...sp, 'when', String(i)];
          const timed = r.days !== undefined || r.from !== undefined || r.to !== undefined || r.dates !== undefined;
          if (!timed && r.var === undefined) at(rp, 'has no condition (days, from/to, dates or var); use else for the fallback');
          if (r.var !== undefined && r.equals === undefined && r.matches === undefined) at([...rp, 'var'], 'needs equals or matches');
          if (r.var === undefined && (r.equals !== undefined || r.matches !== undefined)) {
            at([...rp, r.equals !== undefined ? 'equals' : 'matches'], 'needs var: the variable to test');
          }
          if (r.equals !== undefined && r.matches !== undefined) at([...rp, 'matches'], 'use either equals or matches, not both');
          if (r.var !== undefined && !defined.has(r.var)) at([...rp, 'var'], `"${r.var}" is never set in this flow${suggest(r.var, [...defined])}`);
          checkPattern([...rp, 'matches'], r.matches);
          checkDates([...rp, 'dates'], r.dates);
          const from = r.from !== undefined ? parseClock(r.from) : undefined;
          const to = r.to !== undefined ? parseClock(r.to) : undefined;
          if (from !== undefined && to !== undefined && from === to) at([...rp, 'to'], 'equals from: the time range is empty');
          if (from === 24 * 60) at([...rp, 'from'], 'must be before 24:00');
        });
        break;
      }
      case 'set':
        for (const [k, v] of Object.entries(step.variables ?? {})) {
          if (builtin(k)) at([...sp, 'variables', k], `"${k}" is built in and cannot be set`);
          checkRefs([...sp, 'variables', k], v);
        }
        break;
      case 'route': {
        const to = step.to;
        const tp = [...sp, 'to'];
        if ('queue' in to && !refs.queues.has(to.queue)) at([...tp, 'queue'], `no queue "${to.queue}" is defined${suggest(to.queue, [...refs.queues])}`);
        if ('agent' in to && !refs.agents.has(to.agent)) at([...tp, 'agent'], `no agent "${to.agent}" is defined${suggest(to.agent, [...refs.agents])}`);
        if ('voicemail' in to && refs.voicemailBoxes && !refs.voicemailBoxes.has(to.voicemail)) {
          at([...tp, 'voicemail'], `no voicemail box "${to.voicemail}" is defined${suggest(to.voicemail, [...refs.voicemailBoxes])}`);
        }
        if ('hangup' in to && (to.hangup === false || to.hangup === '')) at([...tp, 'hangup'], 'must be true or a hangup cause such as NORMAL_CLEARING');
        break;
      }
    }
  }

  // Steps nothing leads to (only meaningful when the entry exists).
  if (has(flow.entry)) {
    const seen = new Set<string>([flow.entry]);
    const todo = [flow.entry];
    for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
      for (const { target } of stepTargets(steps[name]!)) {
        if (has(target) && !seen.has(target)) {
          seen.add(target);
          todo.push(target);
        }
      }
    }
    for (const name of names) {
      if (!seen.has(name)) at(['steps', name], `is never reached from the entry step "${flow.entry}"`);
    }
  }

  for (const cycle of instantLoops(steps)) {
    at(['steps', cycle[0]!], `steps ${[...cycle, cycle[0]].join(' -> ')} loop without ever waiting for the caller (put a play, menu or collect step in the loop)`);
  }
}

/**
 * Loops made only of steps that go on at once (condition, set): the call would
 * spin there forever. One cycle per strongly connected component, starting at
 * its first step in the file.
 */
function instantLoops(steps: Record<string, IvrStep>): string[][] {
  const names = Object.keys(steps).filter((n) => INSTANT.has(steps[n]!.type));
  const inGraph = new Set(names);
  const edges = new Map<string, string[]>();
  for (const n of names) edges.set(n, [...new Set(stepTargets(steps[n]!).map((e) => e.target).filter((t) => inGraph.has(t)))]);

  // Tarjan's strongly connected components, iteratively.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of names) {
    if (index.has(root)) continue;
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const out = edges.get(frame.node)!;
      if (frame.i < out.length) {
        const next = out[frame.i++]!;
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          work.push({ node: next, i: 0 });
        } else if (onStack.has(next)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const comp: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          comp.push(n);
        } while (n !== frame.node);
        components.push(comp);
      }
    }
  }

  const order = new Map(names.map((n, i) => [n, i]));
  const cycles: string[][] = [];
  for (const comp of components) {
    const members = new Set(comp);
    const start = comp.reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b));
    const selfLoop = edges.get(start)!.includes(start);
    if (comp.length === 1 && !selfLoop) continue;
    if (selfLoop) {
      cycles.push([start]);
      continue;
    }
    // Shortest way round from `start` back to itself inside the component.
    const prev = new Map<string, string>();
    const queue = [start];
    let last: string | undefined;
    while (queue.length > 0 && last === undefined) {
      const n = queue.shift()!;
      for (const m of edges.get(n)!) {
        if (!members.has(m)) continue;
        if (m === start) {
          last = n;
          break;
        }
        if (!prev.has(m)) {
          prev.set(m, n);
          queue.push(m);
        }
      }
    }
    const path: string[] = [];
    for (let n: string | undefined = last; n !== undefined && n !== start; n = prev.get(n)) path.unshift(n);
    cycles.push([start, ...path]);
  }
  return cycles.sort((a, b) => order.get(a[0]!)! - order.get(b[0]!)!);
}

