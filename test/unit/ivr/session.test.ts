import t from 'tap';
import type { IvrFlow } from '../../../src/config/ivr-schema.js';
import { IVR_FAILURE_CAUSE, IvrSession } from '../../../src/core/ivr/session.js';
import type { IvrAction } from '../../../src/core/ivr/types.js';
import { START, drive, exampleFlows, flow, routes, visible } from './helpers.js';

// Monday 2026-01-05 10:00 UTC = 11:00 in Paris: office hours.
const MONDAY_OPEN = START;

function example(): IvrSession {
  return new IvrSession(exampleFlows().main!);
}

t.test('the example flow: office hours, menu, collect, condition on a variable, route with variables', async (t) => {
  const s = example();
  t.equal(s.waitingFor, 'start');
  let out = s.handle(MONDAY_OPEN);
  t.same(visible(out), [{ type: 'play', prompts: ['welcome.wav', 'say:Calls may be recorded for training.'] }]);
  t.match(out.find((a) => a.type === 'trace' && a.step === 'hours'), { detail: { kind: 'condition', branch: 'when.0', next: 'welcome', local: '2026-01-05 mon 11:00 Europe/Paris' } });
  t.equal(s.currentStep, 'welcome');
  t.equal(s.waitingFor, 'prompt-done');

  out = s.handle({ type: 'prompt-done' });
  t.same(visible(out), [{ type: 'collect-digits', prompts: ['main-menu.wav'], min: 1, max: 1, terminator: '', timeoutMs: 5000, interDigitTimeoutMs: 5000 }]);

  out = s.handle({ type: 'digits', digits: '2' });
  t.same(visible(out), [
    {
      type: 'collect-digits',
      prompts: ['say:Please enter your account number, then press hash.'],
      min: 6,
      max: 8,
      terminator: '#',
      timeoutMs: 5000,
      interDigitTimeoutMs: 3000,
    },
  ]);

  out = s.handle({ type: 'digits', digits: '912345#' });
  t.same(visible(out), [{ type: 'route', target: { queue: 'support', priority: 10 }, variables: { account: '912345' } }]);
  t.ok(s.done);
  t.equal(s.waitingFor, null);
  t.same(s.variables, { account: '912345' });
  t.same(s.handle({ type: 'hangup' }), [], 'nothing after done');
  t.same(s.handle({ type: 'digits', digits: '1' }), []);
});

t.test('set interpolates variables and built-ins, in order, and routes carry them', async (t) => {
  const s = example();
  const { actions } = drive(s, [MONDAY_OPEN, { type: 'prompt-done' }, { type: 'digits', digits: '2' }, { type: 'digits', digits: '123456' }]);
  t.same(routes(actions), [{ type: 'route', target: { queue: 'support' }, variables: { account: '123456', department: 'billing', ref: '+15550100/123456' } }]);

  const f = flow('a', {
    a: { type: 'set', variables: { x: 'one', y: '${x}-two', z: '[${caller}|${did}|${nope}|${y}]' }, next: 'b' },
    b: { type: 'set', variables: { x: 'changed', w: '${x}' }, next: 'p' },
    p: { type: 'play', prompt: ['say:Hello ${caller}, ref ${z}', 'fixed.wav'], next: 'r' },
    r: { type: 'route', to: { agent: 'bob' } },
  });
  const s2 = new IvrSession(f);
  const out = s2.handle({ type: 'start', now: 0, caller: '+331', did: '+1555' });
  t.same(visible(out), [{ type: 'play', prompts: ['say:Hello +331, ref [+331|+1555||one-two]', 'fixed.wav'] }]);
  t.same(s2.variables, { x: 'changed', y: 'one-two', z: '[+331|+1555||one-two]', w: 'changed' });
  t.same(visible(s2.handle({ type: 'prompt-done' })), [{ type: 'route', target: { agent: 'bob' }, variables: { x: 'changed', y: 'one-two', z: '[+331|+1555||one-two]', w: 'changed' } }]);
  const setTrace = out.find((a) => a.type === 'trace' && a.step === 'a');
  t.same(setTrace, { type: 'trace', step: 'a', detail: { kind: 'set', variables: ['x', 'y', 'z'], next: 'b' } }, 'traces name variables, not values');
});

t.test('menu: an invalid choice re-prompts with the invalid prompt, then a valid one routes', async (t) => {
  const s = example();
  drive(s, [MONDAY_OPEN, { type: 'prompt-done' }]);
  let out = s.handle({ type: 'digits', digits: '7' });
  t.same(visible(out), [{ type: 'collect-digits', prompts: ['invalid-option.wav', 'main-menu.wav'], min: 1, max: 1, terminator: '', timeoutMs: 5000, interDigitTimeoutMs: 5000 }]);
  t.match(out[0], { type: 'trace', step: 'menu', detail: { event: 'invalid', digit: '7', attempt: 2 } });
  out = s.handle({ type: 'digits', digits: '1' });
  t.same(visible(out), [{ type: 'route', target: { queue: 'sales' }, variables: {} }]);
});

t.test('menu: timeouts re-prompt with the timeout prompt; once retries are exhausted it plays it and goes to onFail', async (t) => {
  const s = example();
  drive(s, [MONDAY_OPEN, { type: 'prompt-done' }]);
  const reprompt = { type: 'collect-digits', prompts: ['no-input.wav', 'main-menu.wav'], min: 1, max: 1, terminator: '', timeoutMs: 5000, interDigitTimeoutMs: 5000 };
  t.same(visible(s.handle({ type: 'timeout' })), [reprompt]);
  t.same(visible(s.handle({ type: 'digits', digits: '' })), [reprompt], "'' digits is a timeout");
  t.same(visible(s.handle({ type: 'timeout' })), [{ type: 'play', prompts: ['no-input.wav'] }]);
  t.equal(s.waitingFor, 'prompt-done');
  t.same(visible(s.handle({ type: 'prompt-done' })), [{ type: 'route', target: { agent: 'alice' }, variables: {} }]);
});

t.test('menu: invalid and timeout share the retry count; no failure prompt goes straight to onFail', async (t) => {
  const f = flow('m', {
    m: { type: 'menu', prompt: ['a.wav', 'b.wav'], options: { '1': 'one', '#': 'hash' }, retries: 1, timeoutSec: 2.5, onFail: 'fail' },
    one: { type: 'route', to: { queue: 'q1' } },
    hash: { type: 'route', to: { queue: 'hash' } },
    fail: { type: 'route', to: { hangup: 'USER_BUSY' } },
  });
  let s = new IvrSession(f);
  t.same(visible(s.handle(START)), [{ type: 'collect-digits', prompts: ['a.wav', 'b.wav'], min: 1, max: 1, terminator: '', timeoutMs: 2500, interDigitTimeoutMs: 2500 }]);
  t.same(visible(s.handle({ type: 'digits', digits: '5' })), [{ type: 'collect-digits', prompts: ['a.wav', 'b.wav'], min: 1, max: 1, terminator: '', timeoutMs: 2500, interDigitTimeoutMs: 2500 }]);
  t.same(visible(s.handle({ type: 'timeout' })), [{ type: 'route', target: { hangup: true, cause: 'USER_BUSY' }, variables: {} }]);

  s = new IvrSession(f);
  t.same(routes(drive(s, [START, { type: 'digits', digits: '#' }]).actions)[0]?.target, { queue: 'hash' }, '# is a menu option, not a terminator');
  s = new IvrSession(f);
  t.same(routes(drive(s, [START, { type: 'digits', digits: '12' }, { type: 'digits', digits: '1' }]).actions)[0]?.target, { queue: 'q1' });
});

t.test('collect: length and pattern validation, terminator, retries, onFail', async (t) => {
  const f = flow('pin', {
    pin: {
      type: 'collect',
      prompt: 'pin.wav',
      variable: 'pin',
      minDigits: 4,
      maxDigits: 6,
      terminator: '*',
      validate: '1[0-9]*',
      invalidPrompt: 'bad.wav',
      retries: 3,
      onFail: 'fail',
      next: 'ok',
    },
    ok: { type: 'route', to: { queue: 'vip' } },
    fail: { type: 'route', to: { hangup: true } },
  });
  const s = new IvrSession(f);
  const first = visible(s.handle(START));
  t.same(first, [{ type: 'collect-digits', prompts: ['pin.wav'], min: 4, max: 6, terminator: '*', timeoutMs: 5000, interDigitTimeoutMs: 3000 }]);
  const again = [{ type: 'collect-digits', prompts: ['bad.wav', 'pin.wav'], min: 4, max: 6, terminator: '*', timeoutMs: 5000, interDigitTimeoutMs: 3000 }];
  const all: IvrAction[] = [];
  for (const bad of ['123', '1234567', '2345*']) {
    const out = s.handle({ type: 'digits', digits: bad });
    all.push(...out);
    t.same(visible(out), again, `${bad} is rejected`);
  }
  t.same(s.variables, {});
  const out = s.handle({ type: 'digits', digits: '13579*' });
  all.push(...out);
  t.same(visible(out), [{ type: 'route', target: { queue: 'vip' }, variables: { pin: '13579' } }]);
  const traces = JSON.stringify(all.filter((a) => a.type === 'trace'));
  t.notMatch(traces, /13579|2345|1234567/, 'collected digits never reach the trace');
  t.match(traces, /"event":"collected","variable":"pin","length":5/);

  const s2 = new IvrSession(f);
  const { actions } = drive(s2, [START, { type: 'timeout' }, { type: 'timeout' }, { type: 'digits', digits: '9999' }, { type: 'timeout' }]);
  t.same(visible(actions).slice(1, 4).map((a) => (a.type === 'collect-digits' ? a.prompts : a.type)), [['pin.wav'], ['pin.wav'], ['bad.wav', 'pin.wav']], 'no timeout prompt: only the prompt again');
  t.same(routes(actions), [{ type: 'route', target: { hangup: true }, variables: {} }], 'fourth failure with retries 3 goes to onFail');
});

t.test('collect: defaults, and no terminator', async (t) => {
  const f = flow('c', {
    c: { type: 'collect', prompt: 'p', variable: 'n', terminator: '', onFail: 'r', next: 'r' },
    r: { type: 'route', to: { number: '+15551234' } },
  });
  const s = new IvrSession(f);
  t.same(visible(s.handle(START)), [{ type: 'collect-digits', prompts: ['p'], min: 1, max: 20, terminator: '', timeoutMs: 5000, interDigitTimeoutMs: 3000 }]);
  t.same(visible(s.handle({ type: 'digits', digits: '12#' })), [{ type: 'route', target: { number: '+15551234' }, variables: { n: '12#' } }]);
});

t.test('condition on variables: equals and matches (whole value), built-ins, first rule wins', async (t) => {
  const f = flow('c', {
    c: { type: 'collect', prompt: 'p', variable: 'code', onFail: 'r0', next: 'k' },
    k: {
      type: 'condition',
      when: [
        { var: 'code', equals: '42', next: 'r1' },
        { var: 'code', matches: '9[0-9]', next: 'r2' },
        { var: 'caller', matches: '\\+44.*', next: 'r3' },
        { var: 'code', matches: '[0-9]+', next: 'r4' },
      ],
      else: 'r0',
    },
    r0: { type: 'route', to: { queue: 'r0' } },
    r1: { type: 'route', to: { queue: 'r1' } },
    r2: { type: 'route', to: { queue: 'r2' } },
    r3: { type: 'route', to: { queue: 'r3' } },
    r4: { type: 'route', to: { queue: 'r4' } },
  });
  const run = (code: string, caller = '+33100') => {
    const s = new IvrSession(f);
    s.handle({ ...START, caller } as typeof START);
    return routes(s.handle({ type: 'digits', digits: code }))[0]?.target;
  };
  t.same(run('42'), { queue: 'r1' });
  t.same(run('95'), { queue: 'r2' });
  t.same(run('950'), { queue: 'r4' }, 'matches is anchored: 9[0-9] does not match 950');
  t.same(run('950', '+4420'), { queue: 'r3' });
  t.same(run('*'), { queue: 'r0' });
});

t.test('every route target', async (t) => {
  const targets: [IvrFlow['steps'][string], unknown][] = [
    [{ type: 'route', to: { queue: 'q' } }, { queue: 'q' }],
    [{ type: 'route', to: { queue: 'q', priority: 0 } }, { queue: 'q', priority: 0 }],
    [{ type: 'route', to: { agent: 'alice' } }, { agent: 'alice' }],
    [{ type: 'route', to: { voicemail: 'general' } }, { voicemail: 'general' }],
    [{ type: 'route', to: { number: '+15551234' } }, { number: '+15551234' }],
    [{ type: 'route', to: { hangup: true } }, { hangup: true }],
    [{ type: 'route', to: { hangup: 'CALL_REJECTED' } }, { hangup: true, cause: 'CALL_REJECTED' }],
  ];
  for (const [step, target] of targets) {
    const out = new IvrSession(flow('r', { r: step })).handle(START);
    t.same(visible(out), [{ type: 'route', target, variables: {} }]);
    t.same(out[0], { type: 'trace', step: '', detail: { event: 'start', caller: START.type === 'start' ? START.caller : '', did: '+15550100' } });
    t.match(out[1], { type: 'trace', step: 'r', detail: { kind: 'route', target } });
  }
});

t.test('runaway protection: maxSteps ends the flow with a hangup and a trace', async (t) => {
  // Not valid configuration (validateIvrFlows rejects the loop), but the interpreter must survive it.
  const spin = flow('a', {
    a: { type: 'set', variables: { n: '${n}x' }, next: 'b' },
    b: { type: 'condition', when: [{ var: 'n', matches: '.*', next: 'a' }], else: 'a' },
  });
  const s = new IvrSession(spin, { maxSteps: 50 });
  const out = s.handle(START);
  t.ok(s.done);
  t.same(visible(out), [{ type: 'route', target: { hangup: true, cause: IVR_FAILURE_CAUSE }, variables: { n: 'x'.repeat(25) } }]);
  t.match(out.at(-2), { type: 'trace', detail: { event: 'max-steps', maxSteps: 50 } });
  t.equal(out.filter((a) => a.type === 'trace' && 'kind' in a.detail).length, 50);

  const def = new IvrSession(spin);
  t.equal(routes(def.handle(START)).length, 1, 'the default cap stops it too');

  // A loop through a play step waits each time round, but still ends.
  const chant = flow('p', { p: { type: 'play', prompt: 'again.wav', next: 'p' } });
  const s2 = new IvrSession(chant, { maxSteps: 10 });
  s2.handle(START);
  let n = 1;
  while (!s2.done && n < 100) {
    s2.handle({ type: 'prompt-done' });
    n++;
  }
  t.equal(n, 11, 'ten plays, then the cap');
});

t.test('a missing step (unvalidated flow) hangs up with a trace instead of throwing', async (t) => {
  const s = new IvrSession(flow('a', { a: { type: 'play', prompt: 'x', next: 'constructor' } }));
  s.handle(START);
  const out = s.handle({ type: 'prompt-done' });
  t.match(out, [{ type: 'trace', step: 'constructor', detail: { event: 'error' } }, { type: 'route', target: { hangup: true, cause: IVR_FAILURE_CAUSE } }]);
  const s2 = new IvrSession(flow('nope', {}));
  t.match(visible(s2.handle(START)), [{ type: 'route', target: { hangup: true } }]);
});

t.test('caller hangup ends the session without a route; unexpected inputs are ignored and traced', async (t) => {
  const s = example();
  t.match(s.handle({ type: 'digits', digits: '1' }), [{ type: 'trace', step: '', detail: { event: 'ignored', input: 'digits', state: 'new' } }]);
  t.match(s.handle({ type: 'prompt-done' }), [{ type: 'trace', detail: { event: 'ignored' } }]);
  s.handle(MONDAY_OPEN);
  t.match(s.handle({ type: 'digits', digits: '1' }), [{ type: 'trace', step: 'welcome', detail: { event: 'ignored', input: 'digits', state: 'playing' } }]);
  t.match(s.handle(MONDAY_OPEN), [{ type: 'trace', detail: { event: 'ignored', input: 'start' } }]);
  s.handle({ type: 'prompt-done' });
  t.match(s.handle({ type: 'prompt-done' }), [{ type: 'trace', step: 'menu', detail: { event: 'ignored', state: 'collecting' } }]);
  t.same(s.handle({ type: 'hangup' }), [{ type: 'trace', step: 'menu', detail: { event: 'caller-hangup' } }]);
  t.ok(s.done);
  t.same(s.handle({ type: 'digits', digits: '1' }), []);
  t.same(s.handle(MONDAY_OPEN), []);

  const early = example();
  t.same(early.handle({ type: 'hangup' }), [{ type: 'trace', step: '', detail: { event: 'caller-hangup' } }]);
  t.ok(early.done);
});

t.test('an unknown time zone falls back to UTC with a warning in the start trace', async (t) => {
  const f = flow(
    'h',
    { h: { type: 'condition', when: [{ from: '10:00', to: '11:00', next: 'in' }], else: 'out' }, in: { type: 'route', to: { queue: 'in' } }, out: { type: 'route', to: { queue: 'out' } } },
    { timezone: 'Mars/Olympus' },
  );
  const out = new IvrSession(f).handle(START); // 10:00 UTC
  t.match(out[0], { detail: { event: 'start', warning: /Mars\/Olympus/ } });
  t.same(routes(out)[0]?.target, { queue: 'in' });
});
