/**
 * IVR flows' cross-checks (the schema is src/config/ivr-schema.ts): steps
 * that exist, queues, agents and voicemail boxes that exist, loops that never
 * wait for the caller, patterns, time zones and variable names; each problem
 * by its field path.
 */
import { isCalendarDate, isValidTimeZone, parseClock } from '../core/ivr/time.js';
import { BUILTIN_VARIABLES, patternError, referencedVariables } from '../core/ivr/text.js';
import { suggest } from './suggest.js';
import { IVR_DEFAULTS, type IvrFlow, type IvrStep, type IvrStepType } from './ivr-schema.js';

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

