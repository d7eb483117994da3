/**
 * Real stack, working a live call: hold and resume (API and the phone's own
 * key), mute, DTMF both ways, recording with pause, voicemail drop, a
 * customer's phone holding, a recording that cannot be written. Each party's
 * media is a test RTP peer playing its own tone (customer 440 Hz, agent
 * 1200 Hz, hold music 350 Hz, dropped message 2000 Hz); what reached each
 * party, and what the recording's two channels carry, is checked by content.
 */
import { readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parseWav } from '../../src/audio/wav.js';
import { writeToneWav } from '../support/audio.js';
import { RtpPeer, toneShare } from '../support/rtp-peer.js';
import { findStack, peerDir, registerAgent, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';
import { AGENT, api, callIn, closed, COLLEAGUE, connectCall, CUSTOMER, describe, dominant, exited, hearsWithin, MESSAGE, MUSIC, sleep, type CallDetail } from './live-support.js';

const found = findStack();

t.test('working a live call on the real stack', { skip: found.ok ? false : found.missing, timeout: 300_000 }, async (t) => {
  if (!found.ok) return;
  const dropsDir = path.join('/tmp', `cc-drops-${process.pid}`);
  mkdirSync(dropsDir, { recursive: true });
  writeToneWav(path.join(dropsDir, 'promo.wav'), MESSAGE, 3);
  const stack = await startStack(found.bins, {
    agents: 2,
    queueYaml: `queues:\n  support:\n    members: [agent1]\n    offerTimeoutSec: 10\n    wrapUpSec: 0\n    missedBackoffSec: 1\n    recording: auto\n    recordingRetentionDays: 30\n    holdMusic: "tone_stream://%(10000,0,${MUSIC});loops=-1"\n`,
    files: { 'drops.yaml': `voicemailDrops:\n  promo: { file: ${path.join(dropsDir, 'promo.wav')}, description: Our spring offer }\n` },
  });
  t.teardown(async () => {
    await stack.stop();
    rmSync(dropsDir, { recursive: true, force: true });
  });
  const recordingsDir = stack.daemon.recordingsDir;

  await t.test('hold, mute, keypad and recording from the API, heard by each party', async (t) => {
    const p = await connectCall(stack, { port: 16400 }, t);
    const { customer, agent, callId } = p;
    await sleep(2_000);
    let now = Date.now();
    const talk = [dominant(customer, now - 1_200, now), dominant(agent, now - 1_200, now)];
    t.equal(talk[0]!.tone, AGENT, `talking: the customer hears the agent: ${describe(talk[0]!)}`);
    t.equal(talk[1]!.tone, CUSTOMER, `talking: the agent hears the customer: ${describe(talk[1]!)}`);

    // Controls that do not apply change nothing.
    t.match(await api(stack, 'POST', `/api/calls/${callId}/resume`), { status: 409, json: { error: 'the call is not on hold' } }, 'resume when not held: 409 with the reason');
    t.match(await api(stack, 'POST', `/api/calls/${callId}/dtmf`, { digits: '12x' }), { status: 400, json: { error: /digits/ } }, 'bad digits: 400 naming the field');
    t.match(await api(stack, 'POST', `/api/calls/nope/hold`), { status: 404 }, 'an unknown call: 404');
    t.match(await api(stack, 'POST', `/api/calls/${callId}/voicemail-drop`, { message: 'nope' }), { status: 400, json: { field: 'message' } }, 'an unknown message: 400 naming it');
    // Another agent's session may not touch the call.
    const other = stack.agents[1]!;
    const signIn = await api(stack, 'POST', '/api/sessions', undefined, { authorization: `Basic ${Buffer.from(`${other.user}:${other.password}`).toString('base64')}` });
    const bearer = { authorization: `Bearer ${String(signIn.json.token)}` };
    t.match(await api(stack, 'POST', `/api/calls/${callId}/hold`, undefined, bearer), { status: 403, json: { error: 'the call is handled by another agent' } }, "another agent's call: 403");
    t.match(await api(stack, 'GET', `/api/calls/${callId}/live`, undefined, bearer), { status: 403 }, 'nor its live state');

    const held = await api(stack, 'POST', `/api/calls/${callId}/hold`);
    t.equal(held.status, 200, 'hold');
    t.equal((held.json.live as { phase: string }).phase, 'held');
    const holdAt = Date.now();
    await sleep(2_000);
    const onHold = [dominant(customer, holdAt + 300, holdAt + 1_900), dominant(agent, holdAt + 300, holdAt + 1_900)];
    t.equal(onHold[0]!.tone, MUSIC, `on hold: the customer hears the hold music: ${describe(onHold[0]!)}`);
    t.notOk(onHold[1]!.tone, `on hold: the agent hears nothing: ${describe(onHold[1]!)}`);
    t.match(await api(stack, 'POST', `/api/calls/${callId}/hold`), { status: 409, json: { error: 'the call is already on hold' } });

    t.equal((await api(stack, 'POST', `/api/calls/${callId}/resume`)).status, 200, 'resume');
    const resumeAt = Date.now();
    await sleep(1_500);
    const back = dominant(customer, resumeAt + 300, resumeAt + 1_400);
    t.equal(back.tone, AGENT, `resumed: the customer hears the agent again: ${describe(back)}`);

    t.equal((await api(stack, 'POST', `/api/calls/${callId}/mute`)).status, 200, 'mute');
    const muteAt = Date.now();
    await sleep(1_500);
    const muted = [dominant(customer, muteAt + 300, muteAt + 1_400), dominant(agent, muteAt + 300, muteAt + 1_400)];
    t.notOk(muted[0]!.tone === AGENT, `muted: the agent's tone does not reach the customer: ${describe(muted[0]!)}`);
    t.equal(muted[1]!.tone, CUSTOMER, `muted: the agent still hears the customer: ${describe(muted[1]!)}`);
    t.equal((await api(stack, 'POST', `/api/calls/${callId}/unmute`)).status, 200, 'unmute');
    const unmuteAt = Date.now();
    await sleep(1_500);
    t.equal(dominant(customer, unmuteAt + 300, unmuteAt + 1_400).tone, AGENT, 'unmuted: the customer hears the agent again');

    // Keypad: the platform's digits, and the agent phone's own, both reach the customer.
    t.equal((await api(stack, 'POST', `/api/calls/${callId}/dtmf`, { digits: '123#' })).status, 200, 'DTMF from the API');
    await waitFor('the customer to receive 123#', () => (customer.digits().includes('123#') ? true : undefined), 5_000);
    t.pass(`the customer decoded the API's digits (${customer.digits()})`);
    agent.sendDigits('45');
    await waitFor("the customer to receive the agent phone's 45", () => (customer.digits().includes('45') ? true : undefined), 5_000);
    t.pass(`the customer decoded the agent phone's digits (${customer.digits()})`);

    // Recording: auto from the answer; a pause leaves silence.
    t.equal((await api(stack, 'POST', `/api/calls/${callId}/recording`, { action: 'pause' })).status, 200, 'recording paused');
    const pauseAt = Date.now();
    await sleep(1_500);
    t.equal((await api(stack, 'POST', `/api/calls/${callId}/recording`, { action: 'resume' })).status, 200, 'recording resumed');
    const unpauseAt = Date.now();
    await sleep(1_500);
    t.equal((await api(stack, 'POST', `/api/calls/${callId}/hangup`)).status, 200, 'hang up from the API');
    t.equal(await exited(p.caller, 'the caller'), 0, 'the customer got the BYE');
    t.equal(await exited(p.phone, 'the phone'), 0, 'the agent phone got the BYE');

    const d = await closed(stack, callId);
    t.equal(d.holds, 1, 'the record counts one hold');
    t.ok(d.hold_ms! >= 1_800 && d.hold_ms! < 4_000, `and its time (${d.hold_ms} ms)`);
    t.equal(d.hangup_side, 'agent');
    const types = d.timeline.map((e) => e.type);
    for (const ty of ['recording-started', 'held', 'resumed', 'muted', 'unmuted', 'dtmf-sent', 'recording-paused', 'recording-resumed', 'recording-stopped']) t.ok(types.includes(ty), `timeline: ${ty}`);

    const list = await api(stack, 'GET', `/api/calls/${callId}/recordings`);
    const recs = list.json.recordings as { id: string; url: string; status: string; segment: number }[];
    t.equal(recs.length, 1, 'one recording for the one agent segment');
    t.equal(recs[0]!.status, 'done');
    const range = await fetch(`${stack.daemon.httpAddress}${recs[0]!.url}`, { headers: { Range: 'bytes=0-43' } });
    t.equal(range.status, 206, 'a Range request gets 206');
    t.equal((await range.arrayBuffer()).byteLength, 44, 'and just the bytes asked for');
    const file = readFileSync(path.join(recordingsDir, `${callId}-1.wav`));
    const left = parseWav(file, 0);
    const right = parseWav(file, 1);
    t.equal(left.channels, 2, 'the recording has two channels');
    const startedAt = d.timeline.find((e) => e.type === 'recording-started')!.at;
    const slice = (w: typeof left, from: number, to: number) => w.samples.subarray(Math.max(0, Math.round(((from - startedAt) / 1000) * w.sampleRate)), Math.round(((to - startedAt) / 1000) * w.sampleRate));
    const rms = (s: Int16Array) => Math.sqrt(s.reduce((a, x) => a + x * x, 0) / Math.max(1, s.length));
    const talkL = slice(left, startedAt + 500, startedAt + 1_800);
    const talkR = slice(right, startedAt + 500, startedAt + 1_800);
    t.ok(toneShare(talkL, CUSTOMER) > 0.5, `left channel: the customer's tone (${toneShare(talkL, CUSTOMER).toFixed(2)})`);
    t.ok(toneShare(talkR, AGENT) > 0.5, `right channel: the agent's tone (${toneShare(talkR, AGENT).toFixed(2)})`);
    t.ok(toneShare(talkL, AGENT) < 0.2 && toneShare(talkR, CUSTOMER) < 0.2, 'each channel only its own side');
    const paused = [slice(left, pauseAt + 300, pauseAt + 1_200), slice(right, pauseAt + 300, pauseAt + 1_200)];
    t.ok(rms(paused[0]!) < 100 && rms(paused[1]!) < 100, `paused: silence in the file (rms ${rms(paused[0]!).toFixed(0)}, ${rms(paused[1]!).toFixed(0)})`);
    const after = slice(left, unpauseAt + 300, unpauseAt + 1_200);
    t.ok(toneShare(after, CUSTOMER) > 0.5, 'resumed: the customer again in the file');
  });

  await t.test("voicemail drop: the agent is released at once, the customer hears the message after the agent's BYE", async (t) => {
    const p = await connectCall(stack, { port: 16420 }, t);
    await sleep(1_500);
    const dropAt = Date.now();
    const r = await api(stack, 'POST', `/api/calls/${p.callId}/voicemail-drop`, { message: 'promo' });
    t.equal(r.status, 200, 'voicemail drop accepted');
    t.equal(await exited(p.phone, 'the agent phone', 5_000), 0, "the agent's phone gets its BYE at once");
    const byeAt = Date.now();
    await waitFor('the agent to be free', async () => ((await stack.http('/api/agents/agent1')) as { status: string }).status !== 'on-call' || undefined, 3_000);
    t.pass('the agent is out of the call (wrap-up or ready) while the message plays');
    t.equal(await exited(p.caller, 'the caller', 15_000), 0, 'the customer is hung up after the message');
    const heard = dominant(p.customer, byeAt, byeAt + 2_500);
    t.equal(heard.tone, MESSAGE, `the customer heard the message after the agent's BYE: ${describe(heard)}`);
    t.notOk(dominant(p.customer, byeAt, byeAt + 2_500).share[AGENT]! > 0.2, 'and none of the agent');
    const d = await closed(stack, p.callId);
    t.equal(d.disposition, 'voicemail-drop');
    t.equal(d.voicemail_drop, 'promo', 'the record says which message');
    t.ok(d.voicemail_finished_at! - d.voicemail_dropped_at! >= 2_500, `and when its playback finished (${d.voicemail_finished_at! - d.voicemail_dropped_at!} ms after the drop)`);
    t.ok(d.voicemail_dropped_at! >= dropAt - 1_000);
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/voicemail-drop`, { message: 'promo' }), { status: 404 }, 'a drop after the end: 404, nothing changes');
  });

  await t.test('a voicemail drop while on hold: the message, not the hold music', async (t) => {
    const p = await connectCall(stack, { port: 16430 }, t);
    await sleep(1_000);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/hold`)).status, 200);
    await sleep(800);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/voicemail-drop`, { message: 'promo' })).status, 200, 'dropped while held');
    const dropAt = Date.now();
    t.equal(await exited(p.phone, 'the agent phone', 5_000), 0);
    await sleep(2_000);
    const heard = dominant(p.customer, dropAt + 300, dropAt + 1_900);
    t.equal(heard.tone, MESSAGE, `the customer hears the message: ${describe(heard)}`);
    t.equal(await exited(p.caller, 'the caller', 15_000), 0, 'and is hung up after it');
    const d = await closed(stack, p.callId);
    t.equal(d.holds, 1);
    t.equal(d.disposition, 'voicemail-drop');
  });

  await t.test("the desk phone's own hold key, and the customer's", async (t) => {
    const p = await connectCall(stack, { port: 16440, agentScenario: 'agent-holds.xml', callerScenario: 'caller-holds.xml' }, t);
    const heldEvent = await waitFor('the phone to hold the call', async () => ((await stack.http(`/api/calls/${p.callId}`)) as CallDetail).timeline.find((e) => e.type === 'held'), 10_000);
    t.same(heldEvent.data?.by, 'phone', 'held by the phone');
    const holdAt = Date.now();
    await sleep(1_500);
    const onHold = dominant(p.customer, holdAt + 200, holdAt + 1_400);
    t.equal(onHold.tone, MUSIC, `the customer hears the hold music: ${describe(onHold)}`);
    const resumed = await waitFor('the phone to resume', async () => ((await stack.http(`/api/calls/${p.callId}`)) as CallDetail).timeline.find((e) => e.type === 'resumed'), 10_000);
    t.same(resumed.data?.by, 'phone');
    const resumeAt = Date.now();
    await sleep(1_200);
    t.equal(dominant(p.customer, resumeAt + 200, resumeAt + 1_100).tone, AGENT, 'after the resume the customer hears the agent');
    // The customer's phone holds 6 s after its answer and resumes 2 s later: the call goes on.
    await waitFor("the customer's phone to hold and resume", async () => {
      const d = (await stack.http(`/api/calls/${p.callId}`)) as CallDetail;
      return d.timeline.some((e) => e.type === 'customer-phone-resumed') ? d : undefined;
    }, 15_000);
    const agentHears = await hearsWithin(p.agent, CUSTOMER, 3_000);
    t.ok(agentHears.ok, `after the customer's own hold the agent hears the customer: ${describe(agentHears.last)}`);
    const customerHears = await hearsWithin(p.customer, AGENT, 3_000);
    t.ok(customerHears.ok, `and the customer the agent: ${describe(customerHears.last)}`);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/hangup`)).status, 200);
    t.equal(await exited(p.caller, 'the caller'), 0);
    t.equal(await exited(p.phone, 'the phone'), 0);
    const d = await closed(stack, p.callId);
    t.equal(d.holds, 1, 'one hold on the record (the customer holding is not the agent holding)');
  });

  await t.test('a blind transfer gives one recording per agent, each with its own agent on the right', async (t) => {
    const colleague = await RtpPeer.open(COLLEAGUE);
    const customer = await RtpPeer.open(CUSTOMER);
    t.teardown(() => {
      colleague.close();
      customer.close();
    });
    // agent2 (extension 1002) answers on a phone whose media is the colleague's peer.
    t.equal((await registerAgent(stack, stack.agents[1]!, 16480)).code, 0, 'agent2 registers');
    const phone2 = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-media.xml'), '-i', '127.0.0.1', '-p', '16480', '-m', '1', '-d', '300', '-key', 'rtp_port', String(colleague.port), '-timeout', '60s', '-timeout_error'], stack.dir);
    // agent1 answers, talks 2.5 s (SIPp streams 1200 Hz) and transfers to 1002.
    t.equal((await registerAgent(stack, stack.agents[0]!, 16470)).code, 0, 'agent1 registers');
    const phone1 = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-transfers.xml'), '-i', '127.0.0.1', '-p', '16470', '-mp', '16670', '-m', '1', '-d', '2500', '-key', 'target', '1002', '-key', 'domain', 'test.local', '-timeout', '60s', '-timeout_error'], peerDir(stack, 'agent1-transfers', AGENT, 10));
    const before = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]?.id;
    const caller = await callIn(stack, customer, 16490);
    const callId = await waitFor('the call', async () => {
      const id = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]?.id;
      return id && id !== before ? id : undefined;
    });
    t.equal(await exited(phone1, 'the transferring phone', 20_000), 0, 'agent1 transfers and is hung up');
    await waitFor('agent2 to be connected', async () => ((await api(stack, 'GET', `/api/calls/${callId}/live`)).json as { legs?: { agentId?: string }[] }).legs?.some((l) => l.agentId === 'agent2') || undefined, 15_000);
    await sleep(2_500);
    const now = Date.now();
    t.equal(dominant(customer, now - 1_500, now).tone, COLLEAGUE, 'the customer now hears agent2');
    t.equal((await api(stack, 'POST', `/api/calls/${callId}/hangup`)).status, 200);
    t.equal(await exited(caller, 'the caller'), 0);
    await exited(phone2, 'agent2 phone');
    await closed(stack, callId);
    const recs = (await api(stack, 'GET', `/api/calls/${callId}/recordings`)).json.recordings as { segment: number; agentId: string; status: string }[];
    t.same(recs.map((r) => [r.segment, r.agentId, r.status]), [[1, 'agent1', 'done'], [2, 'agent2', 'done']], 'two recordings: one per agent segment');
    for (const [segment, tone] of [[1, AGENT], [2, COLLEAGUE]] as const) {
      const right = parseWav(readFileSync(path.join(recordingsDir, `${callId}-${segment}.wav`)), 1).samples;
      const mid = right.subarray(4_000, 12_000);
      t.ok(toneShare(mid, tone) > 0.5, `segment ${segment}: the right channel is its own agent (${tone} Hz: ${toneShare(mid, tone).toFixed(2)})`);
    }
  });

  await t.test('a recording that cannot be written never ends the call', async (t) => {
    // The directory replaced by a file: FreeSWITCH cannot open the recording, whoever it runs as.
    renameSync(recordingsDir, `${recordingsDir}.away`);
    writeFileSync(recordingsDir, 'not a directory');
    t.teardown(() => {
      rmSync(recordingsDir, { force: true });
      renameSync(`${recordingsDir}.away`, recordingsDir);
    });
    const p = await connectCall(stack, { port: 16460 }, t);
    const toCustomer = await hearsWithin(p.customer, AGENT, 4_000);
    t.ok(toCustomer.ok, `the call is connected, audio both ways: the customer hears ${describe(toCustomer.last)}`);
    const toAgent = await hearsWithin(p.agent, CUSTOMER, 4_000);
    t.ok(toAgent.ok, `and the agent hears ${describe(toAgent.last)}`);
    const health = (await stack.http('/healthz')) as { status: string; dependencies: Record<string, { up: boolean; detail?: string }> };
    t.equal(health.dependencies.recordings?.up, false, `/healthz says so: ${health.dependencies.recordings?.detail}`);
    const d = (await stack.http(`/api/calls/${p.callId}`)) as CallDetail;
    t.ok(d.timeline.some((e) => e.type === 'recording-failed'), 'the timeline has the failure');
    const recs = (await api(stack, 'GET', `/api/calls/${p.callId}/recordings`)).json.recordings as { status: string; error?: string }[];
    t.equal(recs[0]?.status, 'failed', `the index says failed: ${recs[0]?.error}`);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/hangup`)).status, 200, 'the call goes on until hung up');
    t.equal(await exited(p.caller, 'the caller'), 0);
    await exited(p.phone, 'the phone');
  });
});
