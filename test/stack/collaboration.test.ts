/**
 * Real stack: consults, attended transfer, swap, cancel, failures, the 3-way
 * call and supervision, from the API (the desk's buttons call the same
 * routes). Every party is a SIPp phone whose media is a test RTP peer
 * playing its own tone: customer 440 Hz, agent 1200, colleague 1500,
 * supervisor 1800, hold music 350. Who hears whom is read from what each
 * peer received, at every step.
 *
 * SUPERVISION_RUNS (default 3) sets how many times in a row a supervisor
 * joins the same call, listens, whispers, barges and leaves, each time with
 * every party checked by tone and no leg lost.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { parseWav } from '../../src/audio/wav.js';
import { writeToneWav } from '../support/audio.js';
import { RtpPeer, toneShare } from '../support/rtp-peer.js';
import { findStack, PORTS, registerAgent, SIPP_DIR, startSipp, startStack, waitFor, type Stack } from './harness.js';
import { AGENT, api, callIn, closed, COLLEAGUE, connectCall, CUSTOMER, describe, exited, hearsMix, hearsWithin, MESSAGE, MUSIC, sleep, SUPERVISOR, type CallDetail, type Parties } from './live-support.js';

const found = findStack();
const RUNS = Number(process.env.SUPERVISION_RUNS ?? 3);

type Live = { phase?: string; agentId?: string; consult?: { state: string; n: number }; supervisor?: { state: string; mode: string }; legs?: { id: string; role: string; agentId?: string; up: boolean }[] };
const live = async (stack: Stack, id: string) => (await api(stack, 'GET', `/api/calls/${id}/live`)).json as Live;
const timeline = async (stack: Stack, id: string) => ((await stack.http(`/api/calls/${id}`)) as CallDetail).timeline;

/** A phone (SIPp, answering `calls` calls one after another) for an agent, whose media is a new peer playing `tone`. */
async function phoneOf(stack: Stack, t: Test, agent: number, port: number, tone: number, opts: { scenario?: string; pause?: number; calls?: number } = {}) {
  const peer = await RtpPeer.open(tone);
  t.teardown(() => peer.close());
  const reg = await registerAgent(stack, stack.agents[agent]!, port);
  if (reg.code !== 0) throw new Error(`registration failed: ${reg.stderr}`);
  const sipp = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, opts.scenario ?? 'agent-media.xml'), '-i', '127.0.0.1', '-p', String(port), '-m', String(opts.calls ?? 1), '-d', String(opts.pause ?? 200), '-key', 'rtp_port', String(peer.port), '-timeout', '300s', '-timeout_error'], stack.dir);
  return { peer, sipp };
}

async function hears(t: Test, peer: RtpPeer, tone: number, what: string, withinMs = 4_000): Promise<void> {
  const r = await hearsWithin(peer, tone, withinMs);
  t.ok(r.ok, `${what}: ${describe(r.last)}`);
}

async function mix(t: Test, peer: RtpPeer, tones: number[], not: number[], what: string, withinMs = 4_000): Promise<void> {
  const r = await hearsMix(peer, tones, not, withinMs);
  t.ok(r.ok, `${what}: ${describe(r.last)}`);
}

async function consultAnswered(stack: Stack, id: string): Promise<void> {
  await waitFor('the consulted party to answer', async () => ((await live(stack, id)).consult?.state === 'up' ? true : undefined), 15_000);
}

async function hangUpAll(t: Test, stack: Stack, p: Parties, ...others: { proc: import('node:child_process').ChildProcess; output(): string }[]): Promise<CallDetail> {
  t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/hangup`)).status, 200, 'hung up from the API');
  t.equal(await exited(p.caller, 'the caller'), 0, 'the customer gets a BYE');
  for (const o of others) await exited(o, 'a phone');
  return closed(stack, p.callId);
}

t.test('consults, transfers, merge and supervision', { skip: found.ok ? false : found.missing, timeout: 300_000 + RUNS * 30_000 }, async (t) => {
  if (!found.ok) return;
  const media = path.join('/tmp', `cc-collab-media-${process.pid}`);
  mkdirSync(media, { recursive: true });
  writeToneWav(path.join(media, 'menu.wav'), MESSAGE, 2);
  t.teardown(() => rmSync(media, { recursive: true, force: true }));
  const stack = await startStack(found.bins, {
    agents: 3,
    files: {
      'ivr.yaml': `ivr:\n  survey:\n    entry: menu\n    steps:\n      menu:\n        type: menu\n        prompt: ${path.join(media, 'menu.wav')}\n        options: { "1": done }\n        timeoutSec: 8\n        retries: 5\n        onFail: done\n      done:\n        type: route\n        to: { hangup: true }\n`,
    },
    agentExtra: { agent1: 'mayCallExternal: true', agent3: 'supervises: [support]' },
    queueYaml: `queues:
  support:
    members: [agent1]
    offerTimeoutSec: 10
    wrapUpSec: 30
    missedBackoffSec: 1
    holdMusic: "tone_stream://%(10000,0,${MUSIC});loops=-1"
  experts:
    members: [agent2]
    offerTimeoutSec: 10
    wrapUpSec: 30
    maxWaitSec: 6
trunks:
  pstn: { uri: "sip:127.0.0.1:16760" }
external:
  allow: ['^\\+1555']
routing:
  consultTimeoutSec: 4
`,
  });
  t.teardown(() => stack.stop());
  const status = async (agent: string) => ((await stack.http(`/api/agents/${agent}`)) as { status: string }).status;
  /** Between subtests: agents out of wrap-up, nobody on a call. */
  const settle = async () => {
    for (const a of ['agent1', 'agent2']) await api(stack, 'POST', `/api/agents/${a}/wrap-up`, {});
    await waitFor('agents free', async () => {
      for (const a of ['agent1', 'agent2']) if (['on-call', 'offered', 'wrap-up'].includes(await status(a))) return undefined;
      return true;
    }, 40_000);
  };

  await t.test('consult a colleague, swap, complete: the customer ends up with the colleague, who owns the call', async (t) => {
    const colleague = await phoneOf(stack, t, 1, 16640, COLLEAGUE);
    const p = await connectCall(stack, { port: 16620 }, t);
    await hears(t, p.customer, AGENT, 'the customer hears the agent');
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/complete`), { status: 409, json: { error: 'no consult to complete' } }, 'complete with no consult: 409');
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/merge`), { status: 409, json: { error: 'nothing to merge: there is only one call' } }, 'merge with one call: 409');
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'nobody' }), { status: 400, json: { field: 'to' } }, 'an unknown target: 400 naming the field');
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'agent2', kind: 'queue' }), { status: 400, json: { field: 'to' } }, 'a queue that does not exist: 400');
    const started = Date.now();
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: '1002' }), { status: 200, json: { live: { phase: 'consulting' } } }, "consult agent2 by extension");
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: '1002' }), { status: 409, json: { error: 'already consulting' } }, 'a second consult: 409');
    await hears(t, p.customer, MUSIC, 'the customer is on hold music');
    await consultAnswered(stack, p.callId);
    t.ok(Date.now() - started < 10_000, 'the colleague answered');
    await hears(t, p.agent, COLLEAGUE, 'the agent hears the colleague');
    await hears(t, colleague.peer, AGENT, 'the colleague hears the agent');
    await mix(t, p.customer, [MUSIC], [COLLEAGUE, AGENT], 'the customer hears neither of them');
    await mix(t, colleague.peer, [AGENT], [CUSTOMER], 'the colleague does not hear the customer');
    const offered = (await timeline(stack, p.callId)).find((e) => e.type === 'offered' && e.data?.agentId === 'agent2');
    t.match(offered?.data, { consult: { n: 1, by: 'agent1', kind: 'agent' }, caller: String }, "the colleague's offer says it is a consult, from whom, with the customer's data");

    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/swap`)).status, 200, 'swap');
    await hears(t, p.customer, AGENT, 'swapped: the customer hears the agent');
    await hears(t, p.agent, CUSTOMER, 'and the agent the customer');
    await hears(t, colleague.peer, MUSIC, 'the colleague is on hold music');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/swap`)).status, 200, 'swap back');
    await hears(t, p.agent, COLLEAGUE, 'the agent hears the colleague again');
    await hears(t, p.customer, MUSIC, 'the customer is on hold again');

    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/complete`)).status, 200, 'complete');
    t.equal(await exited(p.phone, "agent1's phone", 10_000), 0, "agent1's phone gets its BYE");
    await hears(t, p.customer, COLLEAGUE, 'the customer hears the colleague');
    await hears(t, colleague.peer, CUSTOMER, 'the colleague hears the customer');
    t.equal((await live(stack, p.callId)).agentId, 'agent2', 'the colleague owns the call');
    t.equal(await status('agent1'), 'wrap-up', 'agent1 is in wrap-up');
    t.equal(await status('agent2'), 'on-call', 'agent2 is on call');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/hold`)).status, 200, "the new owner's controls work: hold");
    await hears(t, p.customer, MUSIC, 'the customer is held by agent2');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/resume`)).status, 200, 'resume');
    await hears(t, p.customer, COLLEAGUE, 'and back with agent2');
    const d = await hangUpAll(t, stack, p, colleague.sipp);
    const steps = d.timeline.map((e) => e.type);
    for (const s of ['consult-started', 'consult-answered', 'swapped', 'transfer-completed']) t.ok(steps.includes(s), `the timeline has ${s}`);
    t.match(d.timeline.find((e) => e.type === 'transfer-completed')?.data, { from: 'agent1', to: 'agent2', how: 'completed' });
    t.match(d, { agent_id: 'agent2', disposition: 'answered' }, 'the record names the colleague as the owner at the end');
    // The colleague was on call through their own line (a consult): free when the call ends.
    await waitFor('agent2 free after the call', async () => ((await status('agent2')) !== 'on-call' ? true : undefined), 5_000);
  });

  await t.test("cancel a queue consult: the queue's agent goes straight back to Ready; the agent is back with the customer", async (t) => {
    await settle();
    const colleague = await phoneOf(stack, t, 1, 16680, COLLEAGUE);
    const p = await connectCall(stack, { port: 16660 }, t);
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'experts' }), { status: 200, json: { live: { consult: { target: { kind: 'queue', to: 'experts' } } } } }, 'consult the experts queue');
    await consultAnswered(stack, p.callId);
    t.equal((await live(stack, p.callId)).consult?.n, 1);
    t.match((await timeline(stack, p.callId)).find((e) => e.type === 'consult-answered')?.data, { agentId: 'agent2' }, "the queue's strategy picked agent2");
    await hears(t, p.agent, COLLEAGUE, 'the agent hears the colleague');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/cancel`)).status, 200, 'cancel');
    t.equal(await exited(colleague.sipp, "the colleague's phone", 10_000), 0, "the colleague's phone gets its BYE");
    await hears(t, p.customer, AGENT, 'the customer hears the agent again');
    await hears(t, p.agent, CUSTOMER, 'and the agent the customer');
    await waitFor('agent2 ready without wrap-up', async () => ((await status('agent2')) === 'ready' ? true : undefined), 3_000);
    t.pass("agent2 is ready at once, although the experts queue has 30 s of wrap-up");
    const d = await hangUpAll(t, stack, p);
    t.match(d.timeline.find((e) => e.type === 'consult-ended')?.data, { n: 1, why: 'cancelled', agentId: 'agent2' });
  });

  await t.test('failures: a colleague who declines, a number that is busy, a queue with no agent in time', async (t) => {
    await settle();
    const decliner = await phoneOf(stack, t, 1, 16720, COLLEAGUE, { scenario: 'agent-decline.xml' });
    const p = await connectCall(stack, { port: 16700 }, t);
    const failedWith = async (n: number) => waitFor(`consult ${n} to fail`, async () => (await timeline(stack, p.callId)).find((e) => e.type === 'consult-failed' && e.data?.n === n), 20_000);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'agent2' })).status, 200);
    t.match((await failedWith(1)).data, { reason: 'declined', target: { kind: 'agent', to: 'agent2' } }, 'declined, with the reason');
    await hears(t, p.customer, AGENT, 'the customer is back with the agent');
    await exited(decliner.sipp, "the colleague's phone");
    // A colleague whose phone rings and rings: no answer within routing.consultTimeoutSec (4 s here).
    const ringer = await phoneOf(stack, t, 1, 16725, COLLEAGUE, { scenario: 'agent-no-answer.xml' });
    const rang = Date.now();
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'agent2' })).status, 200);
    t.match((await failedWith(2)).data, { reason: 'no-answer' }, 'no answer in time, with the reason');
    t.ok(Date.now() - rang < 8_000, `within consultTimeoutSec (${Date.now() - rang} ms)`);
    await hears(t, p.customer, AGENT, 'the customer is back with the agent');
    ringer.sipp.proc.kill();
    // agent3 has no phone registered: refused at once with what the colleague's status is.
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'agent3' }), { status: 409, json: { error: 'agent agent3 is unreachable' } }, 'an unreachable colleague: 409 with the reason');
    const trunk = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-decline.xml'), '-i', '127.0.0.1', '-p', '16760', '-m', '1', '-timeout', '60s', '-timeout_error'], stack.dir);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: '+15559990000' })).status, 200, 'consult an external number');
    t.match((await failedWith(3)).data, { reason: 'declined', status: 603, target: { kind: 'number' } }, 'the trunk declined: reason and status');
    await exited(trunk, 'the trunk');
    await hears(t, p.customer, AGENT, 'the customer is back with the agent');
    const refused = await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: '+442071234567' });
    t.match(refused, { status: 403, json: { field: 'to' } }, `a number the toll rules refuse: 403 ${JSON.stringify(refused.json)}`);
    // agent2 is not registered now: the queue finds nobody within its maximum wait.
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'experts' })).status, 200, 'consult the experts queue');
    t.match((await failedWith(4)).data, { reason: /^no-agent/ }, 'no agent within the queue limit');
    await hears(t, p.customer, AGENT, 'the customer is back with the agent');
    await hangUpAll(t, stack, p);
  });

  await t.test('merge: all three hear each other; the colleague leaves, then a plain call; the agent leaves, the other two stay', async (t) => {
    await settle();
    await api(stack, 'PUT', '/api/agents/agent2/presence', { presence: 'ready' });
    // This colleague hangs up by themselves after 12 s.
    const leaver = await phoneOf(stack, t, 1, 16800, COLLEAGUE, { scenario: 'agent-media-hangup.xml', pause: 12_000 });
    const p = await connectCall(stack, { port: 16780 }, t);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'agent2' })).status, 200);
    await consultAnswered(stack, p.callId);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/recording`, { action: 'start' })).status, 200, 'recording started before the merge');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/merge`)).status, 200, 'merge');
    const mergedAt = Date.now();
    await mix(t, p.customer, [AGENT, COLLEAGUE], [MUSIC], 'the customer hears agent and colleague');
    await mix(t, p.agent, [CUSTOMER, COLLEAGUE], [MUSIC], 'the agent hears customer and colleague');
    await mix(t, leaver.peer, [CUSTOMER, AGENT], [MUSIC], 'the colleague hears customer and agent');
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/hold`), { status: 409 }, 'hold in a 3-way call: 409');
    await sleep(1_500);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/recording`, { action: 'stop' })).status, 200, 'recording stopped');
    const rec = (await api(stack, 'GET', `/api/calls/${p.callId}/recordings`)).json.recordings as { url: string; status: string }[];
    const wav = Buffer.from(await (await fetch(`${stack.daemon.httpAddress}${rec[0]!.url}`)).arrayBuffer());
    const startedAt = (await timeline(stack, p.callId)).find((e) => e.type === 'recording-started')!.at;
    const left = parseWav(wav, 0);
    const right = parseWav(wav, 1);
    const from = Math.round(((mergedAt + 1_000 - startedAt) / 1000) * right.sampleRate);
    const part = (w: typeof right) => w.samples.subarray(from, from + right.sampleRate);
    t.ok(toneShare(part(left), CUSTOMER) > 0.5, `the recording covers the 3-way call: left, the customer (${toneShare(part(left), CUSTOMER).toFixed(2)})`);
    t.ok(toneShare(part(right), AGENT) > 0.15 && toneShare(part(right), COLLEAGUE) > 0.15, `right, the agent and the colleague mixed (${toneShare(part(right), AGENT).toFixed(2)}, ${toneShare(part(right), COLLEAGUE).toFixed(2)})`);
    t.equal(await exited(leaver.sipp, 'the colleague hanging up', 20_000), 0, 'the colleague hangs up');
    await hears(t, p.customer, AGENT, 'a plain call again: the customer hears the agent');
    await hears(t, p.agent, CUSTOMER, 'and the agent the customer');
    t.equal((await live(stack, p.callId)).phase, 'talking');

    await waitFor('agent2 free', async () => ((await status('agent2')) !== 'on-call' ? true : undefined), 5_000);
    await api(stack, 'POST', '/api/agents/agent2/wrap-up', {});
    await waitFor('agent2 ready', async () => ((await status('agent2')) === 'ready' ? true : undefined), 5_000);
    const colleague = await phoneOf(stack, t, 1, 16820, COLLEAGUE);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'agent2' })).status, 200, 'a second consult');
    await consultAnswered(stack, p.callId);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/merge`)).status, 200, 'merge again');
    await mix(t, p.customer, [AGENT, COLLEAGUE], [MUSIC], 'three-way again');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/hangup`)).status, 200, 'the agent leaves the 3-way call');
    t.equal(await exited(p.phone, "agent1's phone", 10_000), 0, "agent1's phone gets its BYE");
    await hears(t, p.customer, COLLEAGUE, 'the customer and the colleague stay connected');
    await hears(t, colleague.peer, CUSTOMER, 'and hear each other');
    t.equal((await live(stack, p.callId)).agentId, 'agent2', 'the colleague owns the call');
    const d = await hangUpAll(t, stack, p, colleague.sipp);
    const steps = d.timeline.map((e) => e.type);
    t.ok(steps.filter((s) => s === 'merged').length === 2, 'two merges in the timeline');
    t.match(d.timeline.find((e) => e.type === 'transfer-completed')?.data, { how: 'merge-left', to: 'agent2' });
    t.equal(d.agent_id, 'agent2');
  });

  await t.test('consult an IVR flow: the agent tries it with the keypad; complete sends the customer into it', async (t) => {
    await settle();
    const p = await connectCall(stack, { port: 16940 }, t);
    await hears(t, p.customer, AGENT, 'the customer hears the agent');
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'survey' }), { status: 200, json: { live: { consult: { target: { kind: 'ivr', to: 'survey' } } } } }, 'consult the survey flow');
    await consultAnswered(stack, p.callId);
    await hears(t, p.agent, MESSAGE, "the agent hears the flow's menu");
    await hears(t, p.customer, MUSIC, 'the customer waits on hold music');
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/merge`), { status: 409, json: { error: 'an IVR flow cannot join a 3-way call' } });
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/dtmf`, { digits: '1' })).status, 200, 'the agent presses 1 on the desk');
    const result = await waitFor('the flow to end', async () => (await timeline(stack, p.callId)).find((e) => e.type === 'consult-ivr-result'), 10_000);
    t.match(result.data, { flow: 'survey', target: { hangup: true } }, 'where the flow would send the customer is in the timeline');
    await hears(t, p.customer, AGENT, 'and the agent is back with the customer');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'survey' })).status, 200, 'consult the flow again');
    await consultAnswered(stack, p.callId);
    await hears(t, p.agent, MESSAGE, "the agent hears the flow's menu again");
    p.agent.sendDigits('1');
    await waitFor("the phone's keypad to end the flow", async () => ((await timeline(stack, p.callId)).filter((e) => e.type === 'consult-ivr-result').length === 2 ? true : undefined), 10_000);
    t.pass("the agent's phone keypad drives the flow too");
    await hears(t, p.customer, AGENT, 'back with the customer');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/consult`, { to: 'survey', kind: 'ivr' })).status, 200, 'consult the flow a third time');
    await consultAnswered(stack, p.callId);
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/swap`), { status: 409, json: { error: 'an IVR flow cannot be put on hold: cancel or complete' } }, 'an IVR flow is not swapped to hold');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/complete`)).status, 200, 'complete: the customer goes into the flow');
    t.equal(await exited(p.phone, "agent1's phone", 10_000), 0, "agent1's phone gets its BYE");
    await hears(t, p.customer, MESSAGE, "the customer hears the flow's menu");
    p.customer.sendDigits('1');
    t.equal(await exited(p.caller, 'the customer', 15_000), 0, 'the customer pressed 1 and the flow hung up, as its route says');
    const d = await closed(stack, p.callId);
    t.match(d.timeline.find((e) => e.type === 'transfer-completed')?.data, { how: 'into-ivr', to: 'survey' });
    t.ok(d.timeline.some((e) => e.type === 'ivr-start'), 'the customer ran the flow');
  });

  await t.test("a desk phone's own attended transfer: hold, call the colleague, REFER with Replaces", async (t) => {
    await settle();
    const colleague = await phoneOf(stack, t, 1, 16900, COLLEAGUE);
    const customer = await RtpPeer.open(CUSTOMER);
    const agentLine1 = await RtpPeer.open(AGENT);
    const agentLine2 = await RtpPeer.open(AGENT);
    t.teardown(() => [customer, agentLine1, agentLine2].forEach((p) => p.close()));
    const a = stack.agents[0]!;
    t.equal((await registerAgent(stack, a, 16880)).code, 0, 'agent1 registers');
    // The phone: answers, holds after 5 s, and 6 s later transfers with Replaces naming its second call (Call-ID att-1, from-tag c2tag).
    const phone = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-attended.xml'), '-i', '127.0.0.1', '-p', '16880', '-m', '1', '-d', '6000', '-key', 'rtp_port', String(agentLine1.port), '-key', 'target', '1002', '-key', 'domain', 'test.local', '-key', 'replaces', 'att-1%3Bto-tag%3Dx%3Bfrom-tag%3Dc2tag', '-timeout', '60s', '-timeout_error'], stack.dir);
    const before = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]?.id;
    const caller = await callIn(stack, customer, 16980);
    const callId = await waitFor('the call connected', async () => {
      const latest = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0];
      return latest && latest.id !== before && (await api(stack, 'GET', `/api/calls/${latest.id}/live`)).status === 200 ? latest.id : undefined;
    }, 20_000);
    await hears(t, customer, AGENT, 'the customer hears the agent');
    await waitFor('the phone to hold', async () => ((await live(stack, callId)).phase === 'held' ? true : undefined), 8_000);
    await hears(t, customer, MUSIC, "held by the phone's own key");
    // The same phone's second line calls the colleague's extension.
    const second = await startSipp(stack.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'agent-consults.xml'), '-s', '1002', '-i', '127.0.0.1', '-p', '16890', '-au', a.user, '-ap', a.password, '-key', 'user', a.user, '-key', 'domain', 'test.local', '-key', 'rtp_port', String(agentLine2.port), '-key', 'fromtag', 'c2tag', '-cid_str', 'att-%u', '-m', '1', '-timeout', '60s', '-timeout_error'], stack.dir);
    await hears(t, colleague.peer, AGENT, "the colleague answers the phone's second call and hears the agent");
    await hears(t, agentLine2, COLLEAGUE, 'and the agent hears the colleague');
    t.equal(await exited(phone, "agent1's phone (REFER, NOTIFY, BYE)", 20_000), 0, 'the REFER is accepted, NOTIFY says 200, the platform hangs the first line up');
    t.equal(await exited(second, "agent1's second line", 10_000), 0, 'the second line is hung up too');
    await hears(t, customer, COLLEAGUE, 'the customer hears the colleague');
    await hears(t, colleague.peer, CUSTOMER, 'the colleague hears the customer');
    t.equal((await live(stack, callId)).agentId, 'agent2', 'the colleague owns the call');
    t.equal(await status('agent1'), 'wrap-up', 'agent1 wraps up');
    t.equal(await status('agent2'), 'on-call', 'agent2 is on call');
    t.equal((await api(stack, 'POST', `/api/calls/${callId}/hangup`)).status, 200);
    t.equal(await exited(caller, 'the caller'), 0);
    await exited(colleague.sipp, "the colleague's phone");
    const d = await closed(stack, callId);
    t.match(d.timeline.find((e) => e.type === 'transferred'), { data: { how: 'attended', via: 'phone', to: 'agent2' } }, 'the timeline says how');
    t.ok(d.timeline.some((e) => e.type === 'transfer-completed'), 'and that it completed');
    t.equal(d.agent_id, 'agent2');
    await waitFor('agent2 free after the call', async () => ((await status('agent2')) !== 'on-call' ? true : undefined), 5_000);
  });

  await t.test(`supervision: listen, whisper, barge and leave, ${RUNS} times on one call`, async (t) => {
    await settle();
    const supervisor = await phoneOf(stack, t, 2, 16860, SUPERVISOR, { calls: RUNS + 1 });
    const p = await connectCall(stack, { port: 16840, timeoutSec: 90 + RUNS * 5 }, t);
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/monitor`, { mode: 'listen', supervisor: 'agent2' }), { status: 403 }, 'agent2 supervises no queue: 403');
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/monitor`, { mode: 'spy', supervisor: 'agent3' }), { status: 400 }, 'an unknown mode: 400');
    const view = (await api(stack, 'GET', '/api/supervision')).json as { calls: { callId: string; agentId: string }[] };
    t.ok(view.calls.some((c) => c.callId === p.callId && c.agentId === 'agent1'), 'the call is in the supervision view');
    let lost = 0;
    for (let run = 1; run <= RUNS; run++) {
      const r = await api(stack, 'POST', `/api/calls/${p.callId}/monitor`, { mode: 'listen', supervisor: 'agent3' });
      t.equal(r.status, 200, `run ${run}: listen`);
      await waitFor('the supervisor to join', async () => ((await live(stack, p.callId)).supervisor?.state === 'up' ? true : undefined), 10_000);
      await mix(t, supervisor.peer, [CUSTOMER, AGENT], [], `run ${run} listen: the supervisor hears both`);
      await mix(t, p.customer, [AGENT], [SUPERVISOR], `run ${run} listen: the customer does not hear the supervisor`);
      await mix(t, p.agent, [CUSTOMER], [SUPERVISOR], `run ${run} listen: nor does the agent`);
      t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/monitor`, { mode: 'whisper', supervisor: 'agent3' })).status, 200, `run ${run}: whisper`);
      await mix(t, p.agent, [CUSTOMER, SUPERVISOR], [], `run ${run} whisper: the agent hears the supervisor`);
      await mix(t, p.customer, [AGENT], [SUPERVISOR], `run ${run} whisper: the customer does not`);
      t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/monitor`, { mode: 'barge', supervisor: 'agent3' })).status, 200, `run ${run}: barge`);
      await mix(t, p.customer, [AGENT, SUPERVISOR], [], `run ${run} barge: the customer hears the supervisor`);
      await mix(t, p.agent, [CUSTOMER, SUPERVISOR], [], `run ${run} barge: so does the agent`);
      t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/unmonitor`)).status, 200, `run ${run}: leave`);
      await waitFor('the supervisor gone', async () => ((await live(stack, p.callId)).supervisor ? undefined : true), 5_000);
      await hears(t, p.customer, AGENT, `run ${run} after: the customer hears the agent`);
      await hears(t, p.agent, CUSTOMER, `run ${run} after: the agent hears the customer`);
      const v = await live(stack, p.callId);
      const up = (v.legs ?? []).filter((l) => l.up && (l.role === 'customer' || l.role === 'agent')).length;
      if (up !== 2 || v.phase !== 'talking') lost++;
    }
    t.equal(lost, 0, `no leg lost in ${RUNS} runs`);
    const d = await hangUpAll(t, stack, p);
    t.equal(d.timeline.filter((e) => e.type === 'monitor-started').length, RUNS, 'each run is in the timeline');
    supervisor.sipp.proc.kill();
  });
});
