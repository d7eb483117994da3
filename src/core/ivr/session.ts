/**
 * The IVR interpreter: one {@link IvrSession} per call, walking one flow.
 *
 * Pure and deterministic: no clock, no timers, no I/O. The media layer feeds it
 * {@link IvrInput}s and carries out the {@link IvrAction}s it answers with; the
 * same flow and inputs always give the same actions. Time conditions read the
 * `now` of the 'start' input, i.e. the flow's clock is the moment the call came in.
 *
 * States (in parentheses) and transitions:
 * ```
 *             start                        condition, set: evaluate, at once
 *   (new) ─────────────────► enter(step) ◄────────────────┐
 *                                │  └─────────────────────┘
 *          ┌─────────────────────┼──────────────────────────────┐
 *          │ play                │ menu, collect                │ route
 *          ▼                     ▼                              ▼
 *     (playing)             (collecting)                   route action ──► (done)
 *          │                     │
 *          │ prompt-done         ├─ digits, valid ─────────────► enter(option | next)
 *          ▼                     ├─ invalid or timeout, retries left:
 *     enter(then)                │    'collect-digits' again with the invalid/timeout
 *                                │    prompt, then the prompt; stay (collecting)
 *                                └─ invalid or timeout, retries exhausted:
 *                                     play the invalid/timeout prompt ──► (playing),
 *                                     then = onFail; no such prompt: enter(onFail)
 *
 *  hangup, in any state but (done) ──► (done), without a route.
 *  Entering more than maxSteps steps ──► trace, route { hangup }, (done).
 *  An input the state does not expect (digits while playing, prompt-done while
 *  collecting, a second start...) is ignored and traced.  (done) answers nothing.
 * ```
 * A session therefore ends in exactly one route action, or in the caller's
 * hangup without one, and emits nothing afterwards.
 *
 * Menus are single-digit collects (min = max = 1, no terminator); '' digits
 * count as a timeout. The interpreter does not trust the flow: a missing step,
 * bad pattern or unknown time zone (all rejected by validateIvrFlows) is
 * traced and handled (hang up, never match, UTC) rather than thrown.
 */
import {
  IVR_DEFAULTS,
  type IvrCollectStep,
  type IvrConditionRule,
  type IvrConditionStep,
  type IvrFlow,
  type IvrMenuStep,
  type IvrRouteTarget,
} from '../../config/ivr-schema.js';
import { interpolate, wholeMatch } from './text.js';
import { inClockRange, isValidTimeZone, localTime, matchesDate, parseClock, type LocalTime } from './time.js';
import type { IvrAction, IvrInput, IvrRouteTargetAction } from './types.js';

/** Step entries allowed per session before the flow counts as runaway. */
export const DEFAULT_MAX_STEPS = 1000;
/** The hangup cause of a flow that cannot go on (runaway, missing step). */
export const IVR_FAILURE_CAUSE = 'NORMAL_TEMPORARY_FAILURE';

type Phase =
  | { kind: 'new' }
  | { kind: 'playing'; then: string }
  | { kind: 'collecting'; failures: number }
  | { kind: 'done' };

export class IvrSession {
  private readonly flow: IvrFlow;
  private readonly maxSteps: number;
  private readonly zone: string;
  private readonly zoneProblem: string | undefined;
  private phase: Phase = { kind: 'new' };
  private stepName: string | undefined;
  private stepCount = 0;
  private startedAt = 0;
  private caller = '';
  private did = '';
  private readonly vars = new Map<string, string>();
  private readonly patterns = new Map<string, RegExp | null>();
  private out: IvrAction[] = [];

  constructor(flow: IvrFlow, opts: { maxSteps?: number } = {}) {
    this.flow = flow;
    this.maxSteps = Math.max(1, Math.floor(opts.maxSteps ?? DEFAULT_MAX_STEPS));
    const tz = flow.timezone ?? IVR_DEFAULTS.timezone;
    if (isValidTimeZone(tz)) {
      this.zone = tz;
    } else {
      this.zone = 'UTC';
      this.zoneProblem = `unknown time zone "${tz}", using UTC`;
    }
  }

  /** Variables collected and set so far (not the built-ins caller and did). */
  get variables(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.vars);
  }

  get done(): boolean {
    return this.phase.kind === 'done';
  }

  /** The step the call is at (undefined before start). */
  get currentStep(): string | undefined {
    return this.stepName;
  }

  /** The input that moves the session on: 'start', 'prompt-done', 'digits' (or 'timeout'), or null once done. */
  get waitingFor(): 'start' | 'prompt-done' | 'digits' | null {
    switch (this.phase.kind) {
      case 'new':
        return 'start';
      case 'playing':
        return 'prompt-done';
      case 'collecting':
        return 'digits';
      case 'done':
        return null;
    }
  }

  handle(input: IvrInput): IvrAction[] {
    if (this.phase.kind === 'done') return [];
    this.out = [];
    const phase = this.phase;
    switch (input.type) {
      case 'hangup':
        this.trace({ event: 'caller-hangup' });
        this.phase = { kind: 'done' };
        break;
      case 'start':
        if (phase.kind !== 'new') {
          this.ignored(input.type);
          break;
        }
        this.startedAt = input.now;
        this.caller = input.caller;
        this.did = input.did;
        this.trace({ event: 'start', caller: input.caller, did: input.did, ...(this.zoneProblem ? { warning: this.zoneProblem } : {}) });
        this.enter(this.flow.entry);
        break;
      case 'prompt-done':
        if (phase.kind !== 'playing') {
          this.ignored(input.type);
          break;
        }
        this.enter(phase.then);
        break;
      case 'digits':
      case 'timeout':
        if (phase.kind !== 'collecting') {
          this.ignored(input.type);
          break;
        }
        this.onInput(phase, input.type === 'digits' ? input.digits : '');
        break;
      default:
        this.ignored((input as { type?: unknown }).type);
    }
    return this.out;
  }

  // ---- stepping ----

  /** Runs steps from `name` until one waits for the media layer or the flow ends. */
  private enter(name: string): void {
    for (;;) {
      if (this.stepCount >= this.maxSteps) {
        this.trace({ event: 'max-steps', maxSteps: this.maxSteps, next: name });
        this.finish({ hangup: true, cause: IVR_FAILURE_CAUSE });
        return;
      }
      this.stepCount++;
      this.stepName = name;
      const step = Object.hasOwn(this.flow.steps, name) ? this.flow.steps[name] : undefined;
      if (step === undefined) {
        this.trace({ event: 'error', error: `no step "${name}"` });
        this.finish({ hangup: true, cause: IVR_FAILURE_CAUSE });
        return;
      }
      switch (step.type) {
        case 'play': {
          const prompts = this.prompts(step.prompt);
          this.trace({ kind: 'play', prompts });
          if (prompts.length === 0) {
            name = step.next;
            continue;
          }
          this.out.push({ type: 'play', prompts });
          this.phase = { kind: 'playing', then: step.next };
          return;
        }
        case 'menu':
        case 'collect':
          this.trace({ kind: step.type, attempt: 1 });
          this.collect(step, this.prompts(step.prompt));
          this.phase = { kind: 'collecting', failures: 0 };
          return;
        case 'condition': {
          const { next, detail } = this.evaluate(step);
          this.trace({ kind: 'condition', ...detail, next });
          name = next;
          continue;
        }
        case 'set': {
          for (const [k, v] of Object.entries(step.variables ?? {})) this.vars.set(k, interpolate(v, (n) => this.lookup(n)));
          this.trace({ kind: 'set', variables: Object.keys(step.variables ?? {}), next: step.next });
          name = step.next;
          continue;
        }
        case 'route': {
          const target = routeTarget(step.to);
          this.trace({ kind: 'route', target });
          this.finish(target);
          return;
        }
        default:
          this.trace({ event: 'error', error: `unknown step type "${String((step as { type?: unknown }).type)}"` });
          this.finish({ hangup: true, cause: IVR_FAILURE_CAUSE });
          return;
      }
    }
  }

  private finish(target: IvrRouteTargetAction): void {
    this.out.push({ type: 'route', target, variables: this.variables });
    this.phase = { kind: 'done' };
  }

  private collect(step: IvrMenuStep | IvrCollectStep, prompts: string[]): void {
    if (step.type === 'menu') {
      const timeoutMs = secToMs(step.timeoutSec ?? IVR_DEFAULTS.menuTimeoutSec);
      this.out.push({ type: 'collect-digits', prompts, min: 1, max: 1, terminator: '', timeoutMs, interDigitTimeoutMs: timeoutMs });
      return;
    }
    const { min, max } = digitBounds(step);
    this.out.push({
      type: 'collect-digits',
      prompts,
      min,
      max,
      terminator: step.terminator ?? IVR_DEFAULTS.terminator,
      timeoutMs: secToMs(step.timeoutSec ?? IVR_DEFAULTS.collectTimeoutSec),
      interDigitTimeoutMs: secToMs(step.interDigitTimeoutSec ?? IVR_DEFAULTS.interDigitTimeoutSec),
    });
  }

  /** Digits (or '' for a timeout) for the menu or collect step the call is at. */
  private onInput(phase: { kind: 'collecting'; failures: number }, raw: string): void {
    const step = this.flow.steps[this.stepName!];
    if (step === undefined || (step.type !== 'menu' && step.type !== 'collect')) return; // unreachable: set with the phase
    if (step.type === 'menu') {
      if (raw === '') return this.failed(step, phase, 'timeout');
      const options = step.options ?? {};
      if (Object.hasOwn(options, raw)) {
        const next = options[raw]!;
        this.trace({ event: 'selected', digit: raw, next });
        return this.enter(next);
      }
      return this.failed(step, phase, 'invalid', { digit: raw });
    }
    const terminator = step.terminator ?? IVR_DEFAULTS.terminator;
    const digits = terminator !== '' && raw.endsWith(terminator) ? raw.slice(0, -terminator.length) : raw;
    if (digits === '') return this.failed(step, phase, 'timeout');
    const { min, max } = digitBounds(step);
    const valid = digits.length >= min && digits.length <= max && (step.validate === undefined || (this.pattern(step.validate)?.test(digits) ?? false));
    // Collected digits may be account numbers or PINs: the trace gets their length only.
    if (!valid) return this.failed(step, phase, 'invalid', { length: digits.length });
    this.vars.set(step.variable, digits);
    this.trace({ event: 'collected', variable: step.variable, length: digits.length, next: step.next });
    this.enter(step.next);
  }

  private failed(
    step: IvrMenuStep | IvrCollectStep,
    phase: { kind: 'collecting'; failures: number },
    reason: 'invalid' | 'timeout',
    extra: Record<string, unknown> = {},
  ): void {
    const failures = phase.failures + 1;
    const retries = step.retries ?? IVR_DEFAULTS.retries;
    const notice = this.prompts(reason === 'invalid' ? step.invalidPrompt : step.timeoutPrompt);
    if (failures <= retries) {
      this.trace({ event: reason, ...extra, attempt: failures + 1 });
      this.collect(step, [...notice, ...this.prompts(step.prompt)]);
      this.phase = { kind: 'collecting', failures };
      return;
    }
    this.trace({ event: reason, ...extra, attempts: failures, next: step.onFail });
    if (notice.length === 0) return this.enter(step.onFail);
    this.out.push({ type: 'play', prompts: notice });
    this.phase = { kind: 'playing', then: step.onFail };
  }

  // ---- conditions ----

  private evaluate(step: IvrConditionStep): { next: string; detail: Record<string, unknown> } {
    let local: LocalTime | undefined;
    const now = () => (local ??= localTime(this.startedAt, this.zone));
    const withTime = (d: Record<string, unknown>) => (local ? { ...d, local: `${local.date} ${local.weekday} ${local.clock} ${this.zone}` } : d);
    if (step.onHoliday !== undefined && (step.holidays ?? []).length > 0 && matchesDate(step.holidays!, now())) {
      return { next: step.onHoliday, detail: withTime({ branch: 'holiday' }) };
    }
    const rules = step.when ?? [];
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (this.holds(rule, now)) return { next: rule.next, detail: withTime({ branch: `when.${i}` }) };
    }
    return { next: step.else, detail: withTime({ branch: 'else' }) };
  }

  /** Every condition a rule states holds (a rule stating none holds). */
  private holds(rule: IvrConditionRule, now: () => LocalTime): boolean {
    if (rule.days !== undefined && !rule.days.includes(now().weekday)) return false;
    if (rule.dates !== undefined && !matchesDate(rule.dates, now())) return false;
    if (rule.from !== undefined || rule.to !== undefined) {
      const from = rule.from !== undefined ? parseClock(rule.from) : undefined;
      const to = rule.to !== undefined ? parseClock(rule.to) : undefined;
      if ((rule.from !== undefined && from === undefined) || (rule.to !== undefined && to === undefined)) return false;
      if (!inClockRange(now().minutes, from, to)) return false;
    }
    if (rule.var !== undefined) {
      const value = this.lookup(rule.var) ?? '';
      if (rule.equals !== undefined && value !== rule.equals) return false;
      if (rule.matches !== undefined && !(this.pattern(rule.matches)?.test(value) ?? false)) return false;
      if (rule.equals === undefined && rule.matches === undefined && value === '') return false;
    }
    return true;
  }

  // ---- helpers ----

  private lookup(name: string): string | undefined {
    if (name === 'caller') return this.caller;
    if (name === 'did') return this.did;
    return this.vars.get(name);
  }

  private prompts(p: string | string[] | undefined): string[] {
    if (p === undefined) return [];
    return (typeof p === 'string' ? [p] : p).map((s) => interpolate(s, (n) => this.lookup(n)));
  }

  /** A configured pattern compiled once; null (never matches) if it does not compile. */
  private pattern(source: string): RegExp | null {
    let re = this.patterns.get(source);
    if (re === undefined) {
      try {
        re = wholeMatch(source);
      } catch {
        re = null;
      }
      this.patterns.set(source, re);
    }
    return re;
  }

  private trace(detail: Record<string, unknown>): void {
    this.out.push({ type: 'trace', step: this.stepName ?? '', detail });
  }

  private ignored(input: unknown): void {
    this.trace({ event: 'ignored', input, state: this.phase.kind });
  }
}

function routeTarget(to: IvrRouteTarget): IvrRouteTargetAction {
  if ('queue' in to) return to.priority !== undefined ? { queue: to.queue, priority: to.priority } : { queue: to.queue };
  if ('agent' in to) return { agent: to.agent };
  if ('voicemail' in to) return { voicemail: to.voicemail };
  if ('number' in to) return { number: to.number };
  if ('hangup' in to && typeof to.hangup === 'string' && to.hangup !== '') return { hangup: true, cause: to.hangup };
  return { hangup: true };
}

function digitBounds(step: IvrCollectStep): { min: number; max: number } {
  const min = step.minDigits ?? IVR_DEFAULTS.minDigits;
  return { min, max: Math.max(min, step.maxDigits ?? IVR_DEFAULTS.maxDigits) };
}

function secToMs(sec: number): number {
  return Math.round(sec * 1000);
}
