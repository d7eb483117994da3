import t from 'tap';
import { parse } from 'yaml';
import { validateIvrFlows, type IvrRefs } from '../../../src/config/ivr-check.js';
import type { IvrFlow, IvrMenuStep, IvrCollectStep } from '../../../src/config/ivr-schema.js';
import { exampleFlows, exampleYaml, flow, validateIvrSection } from './helpers.js';

const REFS: IvrRefs = { queues: new Set(['support', 'sales']), agents: new Set(['alice', 'bob']), voicemailBoxes: new Set(['general']) };

/** ajv errors for one flow given as YAML under ivr.main. */
function schemaErrors(yamlFlow: string): { path: string; keyword: string; params: unknown; props?: string[] }[] {
  const doc = parse(`ivr:\n  main:\n${yamlFlow.replace(/^/gm, '    ')}`);
  if (validateIvrSection(doc)) return [];
  return (validateIvrSection.errors ?? []).map((e) => ({
    path: e.instancePath,
    keyword: e.keyword,
    params: e.params,
    ...(e.keyword === 'additionalProperties' ? { props: Object.keys((e.parentSchema as { properties?: object }).properties ?? {}) } : {}),
  }));
}

// The engine's own words after "is not a valid pattern:" are cut, they are V8's to change.
const problems = (flows: Record<string, IvrFlow>, refs: IvrRefs = REFS) =>
  validateIvrFlows(flows, refs).map((p) => `${p.path.join('.')}: ${p.message.replace(/(is not a valid pattern): .*/, '$1')}`);

t.test('the example flow in the doc comment is valid, cross-checks clean, and gets its defaults', async (t) => {
  const flows = exampleFlows();
  t.same(validateIvrFlows(flows, REFS), []);
  const main = flows.main!;
  t.equal(main.timezone, 'Europe/Paris');
  const account = main.steps.account as IvrCollectStep;
  t.equal(account.terminator, '#', 'collect terminator default');
  t.equal(account.retries, 2, 'retries default');
  t.equal(account.timeoutSec, 5);
  t.equal(account.interDigitTimeoutSec, 3);
  t.equal((main.steps.menu as IvrMenuStep).retries, 2);
  t.same(main.steps.bye, { type: 'route', to: { hangup: 'NORMAL_CLEARING' } });
  t.match(exampleYaml(), /^ivr:\n  main:\n/);

  const minimal = parse('ivr:\n  f:\n    entry: a\n    steps:\n      a: { type: menu, prompt: m.wav, options: { 1: b }, onFail: b }\n      b: { type: route, to: { hangup: true } }\n');
  t.ok(validateIvrSection(minimal), JSON.stringify(validateIvrSection.errors));
  t.equal(minimal.ivr.f.timezone, 'UTC', 'flow timezone default');
  t.same(minimal.ivr.f.steps.a, { type: 'menu', prompt: 'm.wav', options: { '1': 'b' }, onFail: 'b', timeoutSec: 5, retries: 2 });
  t.same(minimal.ivr.f.steps.b.to, { hangup: true }, 'hangup: true stays a boolean under coerceTypes');
});

t.test('structural errors point at the field, with the step type\'s own fields for suggestions', async (t) => {
  const base = 'entry: a\nsteps:\n  b: { type: route, to: { queue: support } }\n';
  const typo = schemaErrors(`${base}  a: { type: menu, prompt: m.wav, options: { 1: b }, onFail: b, retires: 3 }\n`);
  const extra = typo.find((e) => e.keyword === 'additionalProperties');
  t.equal(extra?.path, '/ivr/main/steps/a');
  t.same(extra?.params, { additionalProperty: 'retires' });
  t.ok(extra?.props?.includes('retries'), 'the menu schema is the parent, so the loader can suggest "retries"');

  const badType = schemaErrors(`${base}  a: { type: manu, prompt: m.wav }\n`);
  t.same(badType.filter((e) => e.keyword === 'anyOf').map((e) => e.path), ['/ivr/main/steps/a/type']);

  const missing = schemaErrors(`${base}  a: { type: collect, prompt: p.wav, variable: acct, next: b }\n`);
  t.same(missing.filter((e) => e.keyword === 'required').map((e) => [e.path, e.params]), [['/ivr/main/steps/a', { missingProperty: 'onFail' }]]);

  const cases: [string, string, string][] = [
    ['  a: { type: menu, prompt: m.wav, options: { 12: b }, onFail: b }\n', '/ivr/main/steps/a/options', 'additionalProperties'],
    ['  a: { type: condition, when: [{ from: "25:00", next: b }], else: b }\n', '/ivr/main/steps/a/when/0/from', 'pattern'],
    ['  a: { type: condition, when: [{ days: [monday], next: b }], else: b }\n', '/ivr/main/steps/a/when/0/days/0', 'anyOf'],
    ['  a: { type: condition, holidays: ["25/12"], onHoliday: b, else: b }\n', '/ivr/main/steps/a/holidays/0', 'pattern'],
    ['  a: { type: route, to: { queue: support, agent: alice } }\n', '/ivr/main/steps/a/to', 'anyOf'],
    ['  a: { type: route, to: { number: "call me" } }\n', '/ivr/main/steps/a/to', 'anyOf'],
    ['  a: { type: play, prompt: [], next: b }\n', '/ivr/main/steps/a/prompt', 'minItems'],
    ['  a: { type: collect, prompt: p, variable: 1x, onFail: b, next: b }\n', '/ivr/main/steps/a/variable', 'pattern'],
    ['  a: { type: collect, prompt: p, variable: x, terminator: "1", onFail: b, next: b }\n', '/ivr/main/steps/a/terminator', 'pattern'],
    ['  "bad name": { type: play, prompt: p, next: b }\n', '/ivr/main/steps', 'additionalProperties'],
  ];
  for (const [step, path, keyword] of cases) {
    const errs = schemaErrors(`${base}${step}`);
    t.ok(errs.some((e) => e.path === path && e.keyword === keyword), `${step.trim()} -> ${keyword} at ${path}: ${JSON.stringify(errs)}`);
  }

  t.same(schemaErrors('entry: a\nsteps: {}\n').map((e) => e.keyword), ['minProperties']);
  t.same(schemaErrors('entry: a\nzone: UTC\nsteps:\n  a: { type: route, to: { hangup: true } }\n').map((e) => e.params), [{ additionalProperty: 'zone' }]);
});

t.test('coercion: numbers written in YAML become the strings and integers the schema wants', async (t) => {
  const doc = parse(
    'ivr:\n  f:\n    entry: a\n    steps:\n' +
      '      a: { type: set, variables: { code: 42 }, next: b }\n' +
      '      b: { type: condition, when: [{ var: code, equals: 42, next: c }], else: c }\n' +
      '      c: { type: route, to: { queue: support, priority: "7" } }\n',
  );
  t.ok(validateIvrSection(doc), JSON.stringify(validateIvrSection.errors));
  t.same(doc.ivr.f.steps.a.variables, { code: '42' });
  t.equal(doc.ivr.f.steps.b.when[0].equals, '42');
  t.same(doc.ivr.f.steps.c.to, { queue: 'support', priority: 7 });
});

t.test('cross-references: missing steps, with the path of the field that names them', async (t) => {
  const f = flow('strat', {
    start: { type: 'play', prompt: 'hi.wav', next: 'menu' },
    menu: { type: 'menu', prompt: 'm.wav', options: { '1': 'slaes', '2': 'sales' }, onFail: 'nowhere' },
    sales: { type: 'route', to: { queue: 'sales' } },
  });
  t.same(problems({ main: f }), [
    'ivr.main.entry: no step "strat" in flow "main" (did you mean "start"?)',
    'ivr.main.steps.menu.options.1: no step "slaes" in flow "main" (did you mean "sales"?)',
    'ivr.main.steps.menu.onFail: no step "nowhere" in flow "main"',
  ]);
  const p = validateIvrFlows({ main: f }, REFS)[1]!;
  t.same(p.path, ['ivr', 'main', 'steps', 'menu', 'options', '1']);
});

t.test('cross-references: unreachable steps, unknown queues, agents, voicemail boxes, time zones', async (t) => {
  const f = flow(
    'a',
    {
      a: { type: 'menu', prompt: 'm.wav', options: { '1': 'q', '2': 'ag', '3': 'vm', '4': 'ext' }, onFail: 'bye' },
      q: { type: 'route', to: { queue: 'suport', priority: 3 } },
      ag: { type: 'route', to: { agent: 'carol' } },
      vm: { type: 'route', to: { voicemail: 'sales' } },
      ext: { type: 'route', to: { number: '+15551234' } },
      bye: { type: 'route', to: { hangup: false } },
      orphan: { type: 'play', prompt: 'x.wav', next: 'orphan2' },
      orphan2: { type: 'route', to: { hangup: true } },
    },
    { timezone: 'Europe/Pariss' },
  );
  t.same(problems({ f }), [
    'ivr.f.timezone: unknown time zone "Europe/Pariss" (use an IANA name such as Europe/Paris or America/New_York)',
    'ivr.f.steps.q.to.queue: no queue "suport" is defined (did you mean "support"?)',
    'ivr.f.steps.ag.to.agent: no agent "carol" is defined',
    'ivr.f.steps.vm.to.voicemail: no voicemail box "sales" is defined',
    'ivr.f.steps.bye.to.hangup: must be true or a hangup cause such as NORMAL_CLEARING',
    'ivr.f.steps.orphan: is never reached from the entry step "a"',
    'ivr.f.steps.orphan2: is never reached from the entry step "a"',
  ]);
  const noBoxes = problems({ f }, { queues: REFS.queues, agents: REFS.agents });
  t.notOk(noBoxes.some((m) => m.includes('voicemail')), 'voicemail targets unchecked without a list of boxes');
});

t.test('cross-references: loops that never wait for the caller', async (t) => {
  const f = flow('a', {
    a: { type: 'play', prompt: 'p.wav', next: 'check' },
    check: { type: 'condition', when: [{ var: 'n', equals: '1', next: 'bump' }], else: 'bump2' },
    bump: { type: 'set', variables: { n: '2' }, next: 'check' },
    bump2: { type: 'set', variables: { m: '1' }, next: 'self' },
    self: { type: 'condition', when: [{ days: ['mon'], next: 'self' }], else: 'a' },
  });
  t.same(problems({ f }), [
    'ivr.f.steps.check: steps check -> bump -> check loop without ever waiting for the caller (put a play, menu or collect step in the loop)',
    'ivr.f.steps.self: steps self -> self loop without ever waiting for the caller (put a play, menu or collect step in the loop)',
  ]);

  const longer = flow('a', {
    a: { type: 'set', variables: { x: '1' }, next: 'b' },
    b: { type: 'condition', when: [{ var: 'x', equals: '1', next: 'c' }], else: 'done' },
    c: { type: 'set', variables: { y: '1' }, next: 'd' },
    d: { type: 'set', variables: { z: '1' }, next: 'a' },
    done: { type: 'route', to: { hangup: true } },
  });
  t.same(problems({ longer }), ['ivr.longer.steps.a: steps a -> b -> c -> d -> a loop without ever waiting for the caller (put a play, menu or collect step in the loop)']);

  const waits = flow('m', {
    m: { type: 'menu', prompt: 'm.wav', options: { '1': 's', '9': 'm' }, onFail: 's' },
    s: { type: 'set', variables: { x: '1' }, next: 'c' },
    c: { type: 'condition', when: [{ var: 'x', equals: '1', next: 'p' }], else: 'm' },
    p: { type: 'play', prompt: 'again.wav', next: 's' },
  });
  t.same(problems({ waits }), [], 'loops through a menu or a play are fine');
});

t.test('cross-references: variables, patterns, dates and rules', async (t) => {
  const f = flow('c', {
    c: { type: 'collect', prompt: 'Hello ${calller}', variable: 'caller', minDigits: 6, maxDigits: 4, validate: '[0-9', onFail: 'h', next: 'h' },
    h: {
      type: 'condition',
      holidays: ['2026-02-30', '12-25'],
      when: [
        { next: 's' },
        { var: 'acct', next: 's' },
        { equals: 'x', next: 's' },
        { var: 'caller', equals: '1', matches: '(', next: 's' },
        { from: '10:00', to: '10:00', dates: ['02-29'], next: 's' },
        { from: '24:00', next: 's' },
      ],
      else: 's',
    },
    s: { type: 'set', variables: { did: 'x', ref: '${acount}-${did}' }, next: 'o' },
    o: { type: 'condition', onHoliday: 'r', when: [{ days: ['sat', 'sun'], from: '22:00', to: '06:00', next: 'r' }], else: 'r' },
    r: { type: 'route', to: { queue: 'support' } },
  });
  t.same(problems({ f }), [
    'ivr.f.steps.c.prompt: ${calller} is never set in this flow (did you mean "caller"?)',
    'ivr.f.steps.c.minDigits: must not exceed maxDigits (4)',
    'ivr.f.steps.c.validate: is not a valid pattern',
    'ivr.f.steps.c.variable: "caller" is built in and cannot be set',
    'ivr.f.steps.h.holidays.0: "2026-02-30" is not a calendar date',
    'ivr.f.steps.h.holidays: needs onHoliday: the step calls go to on a holiday',
    'ivr.f.steps.h.when.0: has no condition (days, from/to, dates or var); use else for the fallback',
    'ivr.f.steps.h.when.1.var: needs equals or matches',
    'ivr.f.steps.h.when.1.var: "acct" is never set in this flow',
    'ivr.f.steps.h.when.2: has no condition (days, from/to, dates or var); use else for the fallback',
    'ivr.f.steps.h.when.2.equals: needs var: the variable to test',
    'ivr.f.steps.h.when.3.matches: use either equals or matches, not both',
    'ivr.f.steps.h.when.3.matches: is not a valid pattern',
    'ivr.f.steps.h.when.4.to: equals from: the time range is empty',
    'ivr.f.steps.h.when.5.from: must be before 24:00',
    'ivr.f.steps.s.variables.did: "did" is built in and cannot be set',
    'ivr.f.steps.s.variables.ref: ${acount} is never set in this flow',
    'ivr.f.steps.o.onHoliday: has no holidays to apply to',
  ]);
  t.same(validateIvrFlows({}, REFS), []);
});
