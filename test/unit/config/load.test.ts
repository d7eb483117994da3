import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import t from 'tap';
import { loadConfigDir, parseConfigTexts } from '../../../src/config/load.js';
import { ConfigReloader } from '../../../src/config/reloader.js';

const EXAMPLE = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../../../config');

function copyExample(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-config-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

t.test('the shipped example configuration is valid and gets its defaults', async (t) => {
  const r = await loadConfigDir(EXAMPLE, {});
  if (!r.ok) return t.fail(JSON.stringify(r.errors));
  t.equal(r.config.daemon.http.port, 8080);
  t.equal(r.config.queues.sales!.offerTimeoutSec, 18, 'queue default applied');
  t.equal(r.config.agents.bob!.initialPresence, 'standby');
});

t.test('a typo in a queue field names the file, line and field', async (t) => {
  const dir = copyExample();
  const file = path.join(dir, 'queues.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('wrapUpSec: 5', 'wrapupSec: 5'));
  const r = await loadConfigDir(dir, {});
  t.notOk(r.ok);
  if (r.ok) return;
  t.equal(r.errors.length, 1);
  const e = r.errors[0]!;
  t.equal(e.file, file);
  t.equal(e.field, 'queues.support.wrapupSec');
  const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('wrapupSec')) + 1;
  t.equal(e.line, line);
  t.match(e.message, /unknown field "wrapupSec" \(did you mean "wrapUpSec"\?\)/);
});

t.test('a disposition code listed twice, or a bad one, names the file, line and field', async (t) => {
  const dir = copyExample();
  const file = path.join(dir, 'queues.yaml');
  const original = readFileSync(file, 'utf8');
  const lineOf = (text: string, s: string) => text.split('\n').findIndex((l) => l.includes(s)) + 1;
  const twice = original.replace('- { code: escalated,', '- { code: resolved,');
  writeFileSync(file, twice);
  let r = await loadConfigDir(dir, {});
  t.same(r.ok ? [] : r.errors.map((e) => [e.field, e.line, e.message]), [['queues.support.dispositions.codes.2.code', lineOf(twice, 'Escalated'), 'disposition code "resolved" is listed twice']]);
  const spaced = original.replace('code: callback,', 'code: "call back",');
  writeFileSync(file, spaced);
  r = await loadConfigDir(dir, {});
  t.same(r.ok ? [] : r.errors.map((e) => [e.file, e.field, e.line]), [[file, 'queues.support.dispositions.codes.1.code', lineOf(spaced, 'call back"')]]);
});

t.test('wrong types, bad references and duplicates across files are all reported', async (t) => {
  const r = parseConfigTexts([
    { file: 'a.yaml', text: 'sip:\n  domain: x\n  transports: [{ protocol: udp, port: 5060 }]\nqueues:\n  q1:\n    members: [nobody]\n    offerTimeoutSec: soon\n' },
    { file: 'b.yaml', text: 'queues:\n  q1:\n    members: []\nnumbers:\n  "+1555":\n    route: { queue: missing }\n' },
  ]);
  t.notOk(r.ok);
  if (r.ok) return;
  t.same(r.errors.map((e) => `${e.file}:${e.line} ${e.field}`), ['b.yaml:2 queues.q1']);
  t.match(r.errors[0]!.message, /already defined in a\.yaml:5/);

  const r2 = parseConfigTexts([{ file: 'a.yaml', text: 'sip:\n  domain: x\n  transports: [{ protocol: udp, port: 5060 }]\nqueues:\n  q1:\n    members: [nobody]\n    offerTimeoutSec: soon\nnumbers:\n  "+1555":\n    route: { queue: missing }\n' }]);
  t.notOk(r2.ok);
  if (r2.ok) return;
  t.same(r2.errors.map((e) => `${e.line} ${e.field}`).sort(), ['7 queues.q1.offerTimeoutSec']);
  const r3 = parseConfigTexts([{ file: 'a.yaml', text: 'sip:\n  domain: x\n  transports: [{ protocol: udp, port: 5060 }]\nqueues:\n  q1:\n    members: [nobody]\nnumbers:\n  "+1555":\n    route: { queue: missing }\n' }]);
  t.notOk(r3.ok);
  if (r3.ok) return;
  t.same(r3.errors.map((e) => `${e.line} ${e.field}`), ['6 queues.q1.members.0', '9 numbers.+1555.route.queue']);
});

t.test('YAML syntax errors and missing environment variables are positioned', async (t) => {
  const r = parseConfigTexts([{ file: 'x.yaml', text: 'sip:\n  domain: [unclosed\n' }]);
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.errors[0]!.file, 'x.yaml');
  const r2 = parseConfigTexts([{ file: 'y.yaml', text: 'drachtio:\n  secret: ${NOPE_SECRET}\n' }], {});
  t.notOk(r2.ok);
  if (!r2.ok) {
    t.equal(r2.errors[0]!.line, 2);
    t.match(r2.errors[0]!.message, /NOPE_SECRET is not set/);
  }
  const r3 = parseConfigTexts([{ file: 'z.yaml', text: 'sip:\n  domain: ${D:-fallback.local}\n  transports: [{ protocol: udp, port: "${P}" }]\n' }], { P: '5070' });
  t.ok(r3.ok);
  if (r3.ok) {
    t.equal(r3.config.sip.domain, 'fallback.local');
    t.equal(r3.config.sip.transports[0]!.port, 5070, 'a port from the environment becomes a number');
  }
});

t.test('an invalid edit is rejected and the running configuration stays in force', async (t) => {
  const dir = copyExample();
  const first = await loadConfigDir(dir, {});
  if (!first.ok) return t.fail('example invalid');
  const reloader = new ConfigReloader(dir, first.config, pino({ level: 'silent' }), {});
  const file = path.join(dir, 'queues.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('offerTimeoutSec: 18', 'offerTimeoutSec: -4'));
  const bad = await reloader.reload('test');
  t.notOk(bad.ok);
  t.equal(bad.errors[0]!.field, 'queues.support.offerTimeoutSec');
  t.equal(reloader.current, first.config, 'the previous configuration object is still current');
  writeFileSync(file, readFileSync(file, 'utf8').replace('offerTimeoutSec: -4', 'offerTimeoutSec: 25'));
  let changed = 0;
  reloader.on('change', () => changed++);
  t.ok((await reloader.reload('test')).ok);
  t.equal(reloader.current.queues.support!.offerTimeoutSec, 25);
  t.equal(changed, 1);
});

t.test('a script with an error is rejected with file, line and field, and the running script stays', async (t) => {
  const dir = copyExample();
  const first = await loadConfigDir(dir, {});
  if (!first.ok) return t.fail(JSON.stringify(first.errors));
  t.equal(first.config.queues.support!.script, 'intake', 'the shipped support queue names the shipped script');
  const reloader = new ConfigReloader(dir, first.config, pino({ level: 'silent' }), {});
  const file = path.join(dir, 'scripts.yaml');
  const broken = readFileSync(file, 'utf8').replace('next: verify', 'next: verfy');
  writeFileSync(file, broken);
  const bad = await reloader.reload('test');
  t.notOk(bad.ok);
  t.match(bad.errors, [{ file, field: 'scripts.intake.steps.greet.next', line: broken.split('\n').findIndex((l) => l.includes('next: verfy')) + 1, message: 'no step "verfy"' }]);
  t.equal(reloader.current.scripts.intake!.steps.greet!.next, 'verify', 'the running script is the one before the edit');
});

t.test('supervises names queues that exist; the consult settings have defaults and checked values', async (t) => {
  const agents = `agents:\n  sup:\n    name: Sup\n    extension: "1009"\n    sip: { username: "1009", password: "secret-9" }\n    supervises: [support, nowhere]\n`;
  const queues = `sip:\n  domain: x\n  transports: [{ protocol: udp, port: 5060 }]\nqueues:\n  support:\n    members: []\n`;
  const r = parseConfigTexts([{ file: 'agents.yaml', text: agents }, { file: 'queues.yaml', text: queues }]);
  t.notOk(r.ok);
  if (r.ok) return;
  t.match(r.errors, [{ file: 'agents.yaml', field: 'agents.sup.supervises.1', message: 'no queue "nowhere" is defined' }]);
  const ok = parseConfigTexts([{ file: 'agents.yaml', text: agents.replace(', nowhere', '') }, { file: 'queues.yaml', text: queues }]);
  if (!ok.ok) return t.fail(JSON.stringify(ok.errors));
  t.same(ok.config.agents.sup!.supervises, ['support']);
  t.same([ok.config.routing.agentLeavesConsult, ok.config.routing.agentLeavesMerge, ok.config.routing.consultTimeoutSec], ['complete', 'keep', 30]);
  const bad = parseConfigTexts([{ file: 'queues.yaml', text: queues }, { file: 'routing.yaml', text: 'routing:\n  agentLeavesConsult: hangup\n' }]);
  t.notOk(bad.ok);
  if (!bad.ok) t.match(bad.errors[0], { file: 'routing.yaml', field: 'routing.agentLeavesConsult', line: 2 });
});

t.test('transcription and voicemail e-mail: bad settings name the file, line and field', async (t) => {
  const base = `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }
agents:
  alice: { name: Alice, extension: "1001", sip: { username: "1001", password: pw1-long } }
`;
  const bad = parseConfigTexts([
    {
      file: 'tr.yaml',
      text: `${base}queues:
  support: { members: [alice], recording: "off", transcription: post-call }
  sales: { members: [alice], transcription: sometimes }
voicemail:
  general: { email: [team@example.com], queue: nowhere, agents: [zed] }
  other: { email: [not-an-address] }
transcription: { engine: server }
`,
    },
  ]);
  t.notOk(bad.ok);
  const problems = bad.ok ? [] : bad.errors.map((e) => `${e.file}:${e.line} ${e.field}: ${e.message}`);
  t.match(problems.join('\n'), /tr\.yaml:\d+ queues\.sales\.transcription: must be one of: off, post-call, live/, 'an unknown mode names the choices');
  t.match(problems.join('\n'), /voicemail\.other\.email\.0/, 'a bad address by its place');
  const refs = parseConfigTexts([
    {
      file: 'tr.yaml',
      text: `${base}queues:
  support: { members: [alice], recording: "off", transcription: post-call }
voicemail:
  general: { email: [team@example.com], queue: nowhere, agents: [zed] }
transcription: { engine: server }
`,
    },
  ]);
  const msgs = refs.ok ? '' : refs.errors.map((e) => `${e.file}:${e.line} ${e.field}: ${e.message}`).join('\n');
  t.match(msgs, /tr\.yaml:5 queues\.support\.transcription: post-call transcripts are made from recordings/);
  t.match(msgs, /voicemail\.general\.queue: no queue "nowhere"/);
  t.match(msgs, /voicemail\.general\.agents\.0: no agent "zed"/);
  t.match(msgs, /voicemail\.general\.email: e-mail needs the email section/);
  t.match(msgs, /tr\.yaml:8 transcription\.url: engine: server needs the url/);
  const good = parseConfigTexts([
    {
      file: 'tr.yaml',
      text: `${base}queues:
  support: { members: [alice], recording: auto, transcription: live }
voicemail:
  general: { email: [team@example.com], queue: support }
email: { from: "PBX <pbx@example.com>", smtp: { host: mail.example.com, password: "\${SMTP_PASSWORD}" } }
`,
    },
  ], { SMTP_PASSWORD: 'pw' });
  if (!good.ok) return t.fail(JSON.stringify(good.errors));
  t.equal(good.config.transcription.engine, 'pocketsphinx', 'the embedded engine by default');
  t.equal(good.config.transcription.maxLiveCalls, 4);
  t.equal(good.config.email?.smtp.port, 587);
  t.equal(good.config.voicemail.general!.transcribe, true);
});
