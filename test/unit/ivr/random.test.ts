/**
 * Random flows, random inputs: whatever the flow (valid or not) and whatever the
 * media layer sends, a session ends in exactly one route or in the caller's
 * hangup, says nothing afterwards, asks for one thing at a time, and replays
 * identically.
 */
import t from 'tap';
import { validateIvrFlows } from '../../../src/config/ivr-check.js';
import type { IvrFlow, IvrStep } from '../../../src/config/ivr-schema.js';
import { IvrSession } from '../../../src/core/ivr/session.js';
import type { IvrAction, IvrInput } from '../../../src/core/ivr/types.js';
import { pick, rng } from '../../support/random.js';
import { validateIvrSection } from './helpers.js';

const SEED = Number(process.env.IVR_SEED ?? 20260105);
const SESSIONS = 3000;
const REFS = { queues: new Set(['q1', 'q2']), agents: new Set(['a1']), voicemailBoxes: new Set(['vm']) };

function randomFlow(r: () => number, careful: boolean): IvrFlow {
  const n = 1 + Math.floor(r() * 8);
  const names = Array.from({ length: n }, (_, i) => `s${i}`);
  const kinds = ['play', 'menu', 'collect', 'condition', 'set', 'route'] as const;
  // Careful flows end in a route and have none before (a route would cut off the steps after it).
  const kindOf = names.map((_, i) => (!careful ? pick(r, kinds) : i === n - 1 ? 'route' : pick(r, kinds.slice(0, 5))));
  const instant = (k: string) => k === 'condition' || k === 'set';
  // Careful flows: instant steps only lead forward (no instant loops), every name exists.
  // Careful flows: step i always leads to step i+1 somewhere, so that every step is reachable.
  const target = (from: number, primary = false): string => {
    if (careful && primary && from < n - 1) return names[from + 1]!;
    if (!careful) return r() < 0.08 ? 'ghost' : pick(r, names);
    if (instant(kindOf[from]!)) return names[from + 1 + Math.floor(r() * (n - from - 1))]!;
    return pick(r, names);
  };
  const prompt = (): string | string[] => (r() < 0.5 ? 'p.wav' : ['say:hi ${caller}', 'x${v0}.wav'].slice(0, careful ? 1 + Math.floor(r() * 2) : Math.floor(r() * 3)));
  const maybe = <T>(v: T): T | undefined => (r() < 0.5 ? v : undefined);
  const steps: Record<string, IvrStep> = {};
  names.forEach((name, i) => {
    let step: IvrStep;
    switch (kindOf[i]) {
      case 'play':
        step = { type: 'play', prompt: prompt(), next: target(i, true) };
        break;
      case 'menu': {
        const options: Record<string, string> = {};
        const digits = [...'0123456789*#'];
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++) options[digits.splice(Math.floor(r() * digits.length), 1)[0]!] = target(i, k === 0);
        step = {
          type: 'menu',
          prompt: prompt(),
          options,
          onFail: target(i),
          retries: maybe(Math.floor(r() * 4)),
          timeoutSec: maybe(1 + Math.floor(r() * 10)),
          invalidPrompt: maybe('bad.wav'),
          timeoutPrompt: maybe(['none.wav', 'really.wav']),
        };
        break;
      }
      case 'collect': {
        const min = 1 + Math.floor(r() * 3);
        step = {
          type: 'collect',
          prompt: prompt(),
          variable: pick(r, ['v0', 'v1']),
          minDigits: maybe(min),
          maxDigits: maybe(min + Math.floor(r() * 4)),
          terminator: maybe(pick(r, ['#', '*', ''])),
          validate: maybe(pick(r, careful ? ['[0-9]*', '1.*', '[0-9]{2}'] : ['[0-9]*', '1.*', '[0-9]{2}', '('])),
          retries: maybe(Math.floor(r() * 4)),
          invalidPrompt: maybe('bad.wav'),
          onFail: target(i),
          next: target(i, true),
        };
        break;
      }
      case 'condition':
        step = {
          type: 'condition',
          ...(r() < 0.3 ? { holidays: ['01-01', '2026-07-14'], onHoliday: target(i) } : {}),
          when: Array.from({ length: Math.floor(r() * 3) }, () =>
            pick(r, [
              () => ({ days: ['mon' as const, 'sat' as const], from: '08:00', to: '18:00', next: target(i) }),
              () => ({ from: '22:00', to: '06:00', next: target(i) }),
              () => ({ var: 'v0', equals: '1', next: target(i) }),
              () => ({ var: 'v1', matches: '[0-9]+', next: target(i) }),
              () => ({ dates: ['12-25'], next: target(i) }),
            ])(),
          ),
          else: target(i, true),
        };
        break;
      case 'set':
        step = { type: 'set', variables: r() < 0.5 ? { v0: '1' } : { v1: '${v0}${caller}', v0: '${v1}' }, next: target(i, true) };
        break;
      default:
        step = {
          type: 'route',
          to: pick(r, [{ queue: 'q1', priority: 3 }, { queue: 'q2' }, { agent: 'a1' }, { voicemail: 'vm' }, { number: '+15551234' }, { hangup: true }, { hangup: 'USER_BUSY' }]),
        };
    }
    // Drop the undefined optionals, as a parsed YAML file would not have them.
    steps[name] = JSON.parse(JSON.stringify(step)) as IvrStep;
  });
  const entry = careful ? 's0' : r() < 0.05 ? 'ghost' : pick(r, names);
  return { entry, steps, timezone: pick(r, ['UTC', 'Europe/Paris', 'America/New_York', ...(careful ? [] : ['Nowhere/Land'])]) };
}

function randomInput(r: () => number): IvrInput {
  const x = r();
  if (x < 0.1) return { type: 'start', now: Date.UTC(2026, 0, 1) + Math.floor(r() * 400 * 86_400_000), caller: '+3310' + Math.floor(r() * 100), did: '+1555' };
  if (x < 0.4) return { type: 'prompt-done' };
  if (x < 0.75) return { type: 'digits', digits: Array.from({ length: Math.floor(r() * 6) }, () => pick(r, [...'0123456789*#'])).join('') };
  if (x < 0.98) return { type: 'timeout' };
  return { type: 'hangup' };
}

/** An input the session is waiting for (so that every session can be driven to its end). */
function helpfulInput(r: () => number, s: IvrSession): IvrInput {
  switch (s.waitingFor) {
    case 'start':
      return { type: 'start', now: Date.UTC(2026, 5, 1, 12), caller: '+331', did: '+1555' };
    case 'prompt-done':
      return { type: 'prompt-done' };
    default:
      return r() < 0.5 ? { type: 'timeout' } : { type: 'digits', digits: pick(r, ['1', '12#', '0', '', '123456']) };
  }
}

const kindTraces = (batch: IvrAction[]) => batch.filter((a) => a.type === 'trace' && 'kind' in a.detail).length;

t.test(`${SESSIONS} random sessions (seed ${SEED}) end in exactly one route or the caller's hangup`, async (t) => {
  const r = rng(SEED);
  let inputsFed = 0;
  let validFlows = 0;
  let routed = 0;
  let hungUp = 0;
  const failures: string[] = [];
  const fail = (msg: string) => {
    if (failures.length < 10) failures.push(msg);
  };

  for (let n = 0; n < SESSIONS; n++) {
    const careful = r() < 0.5;
    const f = randomFlow(r, careful);
    // Valid: passes the schema (checked on a copy, so that the session also sees flows without defaults) and the cross-checks.
    const valid = validateIvrSection({ ivr: { f: structuredClone(f) } }) && validateIvrFlows({ f }, REFS).length === 0;
    if (valid) validFlows++;
    const maxSteps = 5 + Math.floor(r() * 60);
    const s = new IvrSession(f, { maxSteps });
    const inputs: IvrInput[] = [];
    const batches: IvrAction[][] = [];
    let callerHungUp = false;
    let doneAt = -1;
    const feed = (input: IvrInput) => {
      const wasDone = s.done;
      const before = s.waitingFor;
      const out = s.handle(input);
      inputs.push(input);
      batches.push(out);
      inputsFed++;
      const where = `session ${n} input ${inputs.length - 1} ${JSON.stringify(input)}`;
      if (wasDone) {
        if (out.length > 0) fail(`${where}: actions after done: ${JSON.stringify(out)}`);
        if (!s.done) fail(`${where}: done went back to false`);
        return;
      }
      if (input.type === 'hangup') callerHungUp = true;
      const visible = out.filter((a) => a.type !== 'trace');
      if (visible.length > 1) fail(`${where}: more than one request in one answer: ${JSON.stringify(visible)}`);
      const last = visible[0];
      if (last?.type === 'route') {
        if (out[out.length - 1] !== last) fail(`${where}: route is not the last action`);
        if (!s.done) fail(`${where}: routed but not done`);
        if (JSON.stringify(last.variables) !== JSON.stringify(s.variables)) fail(`${where}: route variables differ from the session's`);
      }
      if (last?.type === 'play' && (last.prompts.length === 0 || s.waitingFor !== 'prompt-done')) fail(`${where}: bad play ${JSON.stringify(last)} / ${s.waitingFor}`);
      if (last?.type === 'collect-digits') {
        if (s.waitingFor !== 'digits' || last.min < 1 || last.max < last.min || last.timeoutMs <= 0 || last.interDigitTimeoutMs <= 0) {
          fail(`${where}: bad collect ${JSON.stringify(last)} / ${s.waitingFor}`);
        }
      }
      if (!last && s.waitingFor !== before && !s.done) fail(`${where}: state changed without a request`);
      if (s.done && doneAt < 0) doneAt = inputs.length - 1;
      if (valid) {
        if (out.some((a) => a.type === 'trace' && a.detail.event === 'error')) fail(`${where}: error in a valid flow`);
        if (kindTraces(out) > Object.keys(f.steps).length + 1) fail(`${where}: a valid flow ran ${kindTraces(out)} steps in one go`);
      }
    };

    const randomCount = Math.floor(r() * 60);
    for (let i = 0; i < randomCount; i++) feed(randomInput(r));
    for (let i = 0; i < 5000 && !s.done; i++) feed(helpfulInput(r, s));
    if (!s.done) fail(`session ${n}: not done after driving it`);
    for (let i = 0; i < 5; i++) feed(randomInput(r));

    const all = batches.flat();
    const routeCount = all.filter((a) => a.type === 'route').length;
    const hungUpBeforeDone = callerHungUp && inputs.findIndex((i) => i.type === 'hangup') === doneAt;
    if (hungUpBeforeDone ? routeCount !== 0 : routeCount !== 1) fail(`session ${n}: ${routeCount} routes (caller hangup ending: ${hungUpBeforeDone})`);
    if (hungUpBeforeDone) hungUp++;
    else routed++;

    const replay = new IvrSession(f, { maxSteps });
    const again = inputs.map((i) => replay.handle(i));
    if (JSON.stringify(again) !== JSON.stringify(batches)) fail(`session ${n}: replay differs`);
  }

  t.same(failures, [], 'no invariant broken');
  t.ok(inputsFed > 50_000, `${inputsFed} inputs fed`);
  t.ok(validFlows > SESSIONS / 5, `${validFlows} of the flows pass validateIvrFlows`);
  t.ok(routed > SESSIONS / 2 && hungUp > 10, `${routed} routed, ${hungUp} ended by the caller`);
});
