/**
 * Call scripts: a run can never leave a step before its required actions are
 * done (fields valid, checks ticked, disclosure acknowledged), branches pick
 * the next step, back returns along the path; 100,000 random actions keep
 * every invariant. Definitions with errors name the field; the service keeps
 * the run with the call and the routes refuse with the reason.
 */
import t from 'tap';
import pino from 'pino';
import { act, blocker, fieldProblem, startRun, validateScript, type Answer, type Script, type ScriptAction, type ScriptRun } from '../../../src/core/script/script.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import { WorkService } from '../../../src/app/work.js';
import { ScriptService } from '../../../src/app/scripts.js';
import { CallStore } from '../../../src/store/calls.js';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { WorkStore } from '../../../src/store/work.js';
import { rng, pick } from '../../support/random.js';

const YAML = `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }
agents:
  a1: { name: Alice, extension: "1001", sip: { username: "1001", password: pw-1001 } }
  a2: { name: Bob, extension: "1002", sip: { username: "1002", password: pw-1002 } }
queues:
  support: { name: Support, members: [a1, a2], script: refund }
  web: { members: [a1], scriptUrl: "https://crm.example/script?call={callId}&from={caller}" }
scripts:
  refund:
    name: Refund request
    start: greet
    steps:
      greet:
        title: Greeting
        say: "Hello {contact.name}, this is {agent.name} from {queue.name}."
        disclosure: true
        next: identify
      identify:
        title: Identify
        say: Ask for the account number.
        fields:
          - { name: account, label: Account number, type: text, required: true, pattern: "[0-9]{8}" }
          - { name: email, type: email }
        checks:
          - { name: identity, label: Identity confirmed }
        next: reason
      reason:
        fields:
          - { name: reason, type: choice, options: [refund, other], required: true }
        branches:
          - { field: reason, equals: refund, next: amount }
        next: close
      amount:
        say: "Refund for account {answers.account}: how much?"
        fields:
          - { name: amount, type: number, required: true, min: 1, max: 500 }
        next: close
      close:
        say: Thank you.
        end: true
`;

const parsed = parseConfigTexts([{ file: 'c.yaml', text: YAML }]);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const config = parsed.config;
const script = config.scripts.refund as Script;

t.test('a run: required actions block next, branches choose, back keeps answers', async (t) => {
  let run = startRun(script);
  t.same(blocker(script, run), { field: 'acknowledged', message: 'the disclosure must be acknowledged' });
  t.same(act(script, run, { type: 'next' }), { ok: false, field: 'acknowledged', message: 'the disclosure must be acknowledged' }, 'the disclosure first');
  run = (act(script, run, { type: 'next', acknowledged: true }) as { run: ScriptRun }).run;
  t.equal(run.step, 'identify');
  t.same(act(script, run, { type: 'next', values: { account: '123' } }), { ok: false, field: 'account', message: 'must match [0-9]{8}' });
  t.same(act(script, run, { type: 'next', values: { account: '12345678' } }), { ok: false, field: 'identity', message: 'must be ticked' }, 'the check is required by default');
  t.same(act(script, run, { type: 'answer', values: { colour: 'red' } }), { ok: false, field: 'colour', message: 'step identify has no field or check "colour"' });
  t.same(act(script, run, { type: 'answer', values: { email: 'nope' } }), { ok: false, field: 'email', message: 'an e-mail address' }, 'an optional field, when given, must be valid');
  run = (act(script, run, { type: 'answer', values: { account: '12345678' } }) as { run: ScriptRun }).run;
  run = (act(script, run, { type: 'next', values: { identity: true } }) as { run: ScriptRun }).run;
  t.equal(run.step, 'reason', 'answers given earlier with answer count');
  run = (act(script, run, { type: 'next', values: { reason: 'refund' } }) as { run: ScriptRun }).run;
  t.equal(run.step, 'amount', 'the branch on the answer');
  t.same(act(script, run, { type: 'next', values: { amount: '900' } }), { ok: false, field: 'amount', message: 'at most 500' });
  const back = (act(script, run, { type: 'back' }) as { run: ScriptRun }).run;
  t.equal(back.step, 'reason');
  t.equal(back.answers.reason?.reason, 'refund', 'back keeps the answers');
  const other = (act(script, back, { type: 'next', values: { reason: 'other' } }) as { run: ScriptRun }).run;
  t.equal(other.step, 'close', 'no branch matches: next');
  run = (act(script, run, { type: 'next', values: { amount: '42' } }) as { run: ScriptRun }).run;
  run = (act(script, run, { type: 'next' }) as { run: ScriptRun }).run;
  t.equal(run.finished, true);
  t.same(run.path, ['greet', 'identify', 'reason', 'amount']);
  t.match(act(script, run, { type: 'next' }), { ok: false, message: 'the script is finished' });
  t.equal(fieldProblem({ name: 'd', type: 'date', required: true }, '2026-02-30') === undefined || fieldProblem({ name: 'd', type: 'date', required: true }, '2026-13-01') !== undefined, true);
  t.equal(fieldProblem({ name: 'y', type: 'yes-no', required: true }, false), undefined, 'no is an answer');
});

t.test('100,000 random actions: a run never leaves a step whose required actions are not done', async (t) => {
  const r = rng(4242);
  let run = startRun(script);
  let steps = 0;
  let refusals = 0;
  let finishes = 0;
  const failures: string[] = [];
  const values = (step: string): Record<string, Answer> => {
    const st = script.steps[step]!;
    const out: Record<string, Answer> = {};
    for (const f of st.fields) if (r() < 0.6) out[f.name] = pick(r, f.type === 'choice' ? [...(f.options ?? []), 'x'] : f.type === 'number' ? ['42', '0', '900', 'abc', ''] : f.type === 'email' ? ['a@b.co', 'nope', ''] : ['12345678', '12', '']);
    for (const c of st.checks) if (r() < 0.6) out[c.name] = r() < 0.7;
    if (r() < 0.05) out.bogus = 'x';
    return out;
  };
  for (let i = 0; i < 100_000; i++) {
    const type = pick(r, ['answer', 'next', 'next', 'back'] as const);
    const a: ScriptAction = type === 'back' ? { type } : { type, values: values(run.step), ...(r() < 0.5 ? { acknowledged: r() < 0.8 } : {}) };
    const before = run;
    const out = act(script, run, a);
    if (!out.ok) {
      refusals++;
      if (JSON.stringify(run) !== JSON.stringify(before)) failures.push(`step ${i}: a refusal changed the run`);
      continue;
    }
    run = out.run;
    // Invariants.
    if (!script.steps[run.step]) failures.push(`step ${i}: on unknown step ${run.step}`);
    if (type === 'next' && (run.step !== before.step || run.finished)) {
      steps++;
      // The step left had every required action done, with the values it was left with.
      const left = { ...out.run, step: before.step };
      const stop = blocker(script, left);
      if (stop) failures.push(`step ${i}: left ${before.step} although ${stop.field}: ${stop.message}`);
      if (run.finished) {
        finishes++;
        if (!script.steps[before.step]!.end) failures.push(`step ${i}: finished on ${before.step}, which does not end`);
        run = startRun(script);
      } else if (run.path.at(-1) !== before.step) failures.push(`step ${i}: path does not end with the step left`);
    }
    for (const [k, st] of [...run.path.entries()]) {
      const nextOf = run.path[k + 1] ?? run.step;
      const def = script.steps[st]!;
      const allowed = new Set([def.next, ...def.branches.map((b) => b.next)]);
      if (!allowed.has(nextOf)) failures.push(`step ${i}: path ${st} -> ${nextOf} is not an edge of the script`);
    }
    if (failures.length > 5) break;
  }
  t.same(failures, [], 'no invariant broken');
  t.ok(steps > 5_000 && finishes > 500 && refusals > 10_000, `${steps} steps taken, ${finishes} runs finished, ${refusals} actions refused`);
});

t.test('definitions: errors name the file, line and field', async (t) => {
  const bad = YAML.replace('next: identify', 'next: identity').replace('equals: refund, next: amount', 'equals: refnud, next: amount').replace('pattern: "[0-9]{8}"', 'pattern: "[0-9"');
  const r = parseConfigTexts([{ file: 'c.yaml', text: bad }]);
  t.notOk(r.ok);
  if (r.ok) return;
  const lines = bad.split('\n');
  const lineOf = (s: string) => lines.findIndex((l) => l.includes(s)) + 1;
  t.same(
    r.errors.map((e) => [e.field, e.line, e.message.replace(/: .*$/, '')]).sort(),
    [
      ['scripts.refund.steps.greet.next', lineOf('next: identity'), 'no step "identity"'],
      ['scripts.refund.steps.identify.fields.0.pattern', lineOf('pattern: "[0-9"'), 'not a regular expression'],
      ['scripts.refund.steps.reason.branches.0.equals', lineOf('refnud'), '"refnud" is not one of the options (refund, other)'],
    ].sort(),
  );
  const missing = parseConfigTexts([{ file: 'c.yaml', text: YAML.replace('script: refund }', 'script: refunds }') }]);
  t.match(missing.ok ? [] : missing.errors, [{ field: 'queues.support.script', message: 'no script "refunds" is defined' }]);
  t.same(validateScript({ start: 'x', steps: {} }), [{ path: ['start'], message: 'no step "x" in steps' }]);
});

t.test('service: the run is kept with the call, the text is filled in, steps go into the timeline; an external page wins', async (t) => {
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const log = pino({ level: 'silent' });
  const calls = new CallStore(db, log);
  calls.create({ id: 'c1', node_id: 'n', direction: 'inbound', arrived_at: 1, queue_id: 'support', agent_id: 'a1', caller_number: '+15551234' });
  calls.create({ id: 'c2', node_id: 'n', direction: 'inbound', arrived_at: 1, queue_id: 'web', agent_id: 'a1', caller_number: '+15551234' });
  calls.event('c1', 2, 'agent-answered', { agentId: 'a1' });
  await calls.flush();
  const store = new WorkStore(db);
  const work = new WorkService({ store, calls, config: () => config, feed: () => undefined, agentView: () => undefined, liveCall: () => undefined, now: () => 10, log });
  const scripts = new ScriptService({ work, store, calls, config: () => config, contactName: async (n) => (n === '+15551234' ? 'Dana Scully' : undefined), now: () => 10 });
  const v = await scripts.view('c1', 'a1');
  t.match(v, { ok: true, view: { kind: 'built', step: { id: 'greet', say: 'Hello Dana Scully, this is Alice from Support.' }, blocked: { field: 'acknowledged' } } });
  t.match(await scripts.act('c1', 'a1', { type: 'next' }), { ok: false, status: 400, field: 'acknowledged' });
  t.match(await scripts.act('c1', 'a1', { type: 'next', acknowledged: true }), { ok: true, view: { step: { id: 'identify' } } });
  t.match(await scripts.act('c1', 'a1', { type: 'next', values: { account: '12345678', identity: true } }), { ok: true, view: { step: { id: 'reason' } } });
  t.match(await scripts.act('c1', 'a1', { type: 'next', values: { reason: 'refund' } }), { ok: true, view: { step: { id: 'amount', say: 'Refund for account 12345678: how much?' } } }, 'earlier answers filled in');
  t.match(await scripts.view('c1', 'a1'), { ok: true, view: { step: { id: 'amount' }, done: [{ id: 'greet' }, { id: 'identify', answers: { account: '12345678', identity: true } }, { id: 'reason' }] } }, 'kept: a reload of the desk comes back to the same step');
  t.match(await scripts.view('c1', 'a2'), { ok: false, status: 403 }, "another agent's call");
  await calls.flush();
  const record = await calls.get('c1');
  t.same(record?.timeline.filter((e) => e.type === 'script-step').map((e) => [e.data?.from, e.data?.to, e.data?.answers]), [['greet', 'identify', {}], ['identify', 'reason', { account: '12345678', identity: true }], ['reason', 'amount', { reason: 'refund' }]], 'the steps in the timeline, with the answers given on the way');
  t.same(await scripts.view('c2', 'a1'), { ok: true, view: { callId: 'c2', kind: 'url', url: 'https://crm.example/script?call=c2&from=%2B15551234' } }, 'the external page, with the call filled in');
  t.match(await scripts.act('c2', 'a1', { type: 'next' }), { ok: false, status: 409 });
});

t.test('the route keeps a check true and a text "true" as they are', async (t) => {
  const Fastify = (await import('fastify')).default;
  const { registerWork } = await import('../../../src/api/work.js');
  const seen: unknown[] = [];
  const app = Fastify({ ajv: { customOptions: { allowUnionTypes: true } } });
  app.addHook('onRequest', async (req) => void ((req as unknown as { caller: unknown }).caller = { kind: 'agent', agentId: 'a1' }));
  const no = async () => ({ ok: false as const, status: 404 as const, error: 'x' });
  registerWork(app, { read: no, update: no, forCall: async () => [], pending: async () => [], handled: async () => ({}), script: { view: no, act: async (_c, _a, action) => (seen.push(action), no()) } });
  await app.inject({ method: 'POST', url: '/api/calls/c1/script', payload: { type: 'next', values: { identity: true, account: 'true', n: '42' } } });
  t.same(seen, [{ type: 'next', values: { identity: true, account: 'true', n: '42' } }]);
});
