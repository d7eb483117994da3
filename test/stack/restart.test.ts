/**
 * Real stack: the daemon restarts while a caller and an agent talk. FreeSWITCH
 * keeps their bridge; the new daemon restores the router's state (presence,
 * the agent on the call) and adopts the call. Then the caller's phone
 * vanishes: the restarted daemon notices by probing it (in-dialog OPTIONS),
 * sends the agent's phone a BYE and frees the agent. Presence chosen before
 * the restart is kept.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { findStack, peerDir, PORTS, registerAgent, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';
import { FreeSwitchClient } from 'esl-lite';
import pino from 'pino';
import { readSippTrace } from '../support/sipp-trace.js';

const found = findStack();

t.test('a daemon restart during a bridged call keeps the call and the agent state', { skip: found.ok ? false : found.missing, timeout: 120_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins, { agents: 2 });
  t.teardown(() => stack.stop());
  // -aa: the phones answer in-dialog OPTIONS with 200, as real phones do.
  const agentDir = peerDir(stack, 'agent', 880);
  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '100', '-aa', '-trace_msg'], agentDir);
  t.teardown(() => phone.stop());
  t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0);
  t.equal((await registerAgent(stack, stack.agents[1]!, 16000)).code, 0);
  const put = (id: string, body: object) => fetch(`${stack.daemon.httpAddress}/api/agents/${id}/presence`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  t.equal((await put('agent2', { presence: 'break', reason: 'training' })).status, 200);

  // A long call: the caller stays 60 s unless the test ends it.
  const caller = await startSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '16400', '-m', '1', '-d', '60000', '-timeout', '90s', '-aa'], peerDir(stack, 'caller', 440));
  t.teardown(() => caller.stop());
  const call = await waitFor('the call to be bridged', async () => {
    const c = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string; agent_answered_at: number | null; caller_uuid: string | null }[] }).calls[0];
    return c?.agent_answered_at ? c : undefined;
  }, 15_000);
  await new Promise((r) => setTimeout(r, 500));

  await stack.restartDaemon();
  const agent1 = await waitFor('agent1 on the call after the restart', async () => {
    const a = (await stack.http('/api/agents/agent1')) as { status: string };
    return a.status === 'on-call' ? a : undefined;
  }, 10_000);
  t.equal(agent1.status, 'on-call', 'the agent is still on the call in the restarted daemon');
  t.equal(((await stack.http('/api/agents/agent2')) as { status: string; reason?: string }).status, 'break', 'a break chosen before the restart is kept');
  const detail = (await stack.http(`/api/calls/${call.id}`)) as { ended_at: number | null; timeline: { type: string }[] };
  t.equal(detail.ended_at, null, 'the call is not closed by the restart');
  t.ok(detail.timeline.some((e) => e.type === 'adopted-after-restart'), 'the restarted daemon adopted the call');

  // The caller's side ends in FreeSWITCH: the adopted call closes and the agent is free again.
  const esl = new FreeSwitchClient({ host: '127.0.0.1', port: PORTS.eslPort, password: 'ClueCon', logger: pino({ level: 'silent' }) });
  t.teardown(() => esl.end());
  const exists = await esl.bgapi(`uuid_exists ${call.caller_uuid}`, 2_000);
  t.equal(exists instanceof Error ? 'error' : String(exists.body.response).trim(), 'true', "the caller's channel survived the restart");
  const packetsIn = async () => {
    await esl.bgapi(`uuid_set_media_stats ${call.caller_uuid}`, 2_000);
    const r = await esl.bgapi(`uuid_getvar ${call.caller_uuid} rtp_audio_in_media_packet_count`, 2_000);
    return r instanceof Error ? NaN : Number(String(r.body.response).trim());
  };
  const before = await packetsIn();
  await new Promise((r) => setTimeout(r, 1_000));
  const after = await packetsIn();
  t.ok(after - before > 30, `the caller's audio still flows after the restart (${after - before} packets in 1 s)`);
  // Probes are answered while both phones are there: the call stays up.
  await new Promise((r) => setTimeout(r, 6_000));
  t.equal(((await stack.http('/api/agents/agent1')) as { status: string }).status, 'on-call', 'answered probes leave the call up');

  // The caller's phone vanishes (power cut): its silence is seen by probing, long before FreeSWITCH's 60 s media timeout.
  const vanishedAt = Date.now();
  caller.proc.kill('SIGKILL');
  await waitFor('agent1 free again', async () => ((await stack.http('/api/agents/agent1')) as { status: string }).status === 'ready' || undefined, 30_000, 200);
  const detectedMs = Date.now() - vanishedAt;
  t.ok(detectedMs < 20_000, `the vanished caller is noticed in ${detectedMs} ms`);
  const closed = (await stack.http(`/api/calls/${call.id}`)) as { disposition: string | null; hangup_side: string | null; timeline: { type: string; data?: { how?: string } }[] };
  t.equal(closed.disposition, 'answered');
  t.equal(closed.hangup_side, 'caller');
  t.match(closed.timeline.find((e) => e.type === 'ended')?.data?.how, /phone unreachable|481/, 'the timeline says how the end was noticed');
  const trace = readdirSync(agentDir).find((f) => f.endsWith('_messages.log'));
  const agentGotBye = await waitFor("the BYE at the agent's phone", () => (trace && readSippTrace(path.join(agentDir, trace)).some((m) => m.direction === 'received' && m.firstLine.startsWith('BYE ')) ? true : undefined), 5_000);
  t.ok(agentGotBye, "the agent's phone was sent a BYE by the restarted daemon");
  const traced = readSippTrace(path.join(agentDir, trace!));
  const probes = traced.filter((m) => m.direction === 'received' && m.firstLine.startsWith('OPTIONS '));
  t.ok(probes.length >= 2, `the agent's phone was probed in its dialog (${probes.length} OPTIONS)`);
  t.equal(probes[0]?.headers.get('call-id'), traced.find((m) => m.firstLine.startsWith('INVITE '))?.headers.get('call-id'), 'with the Call-ID of its call');
  t.comment(`end noticed by: ${closed.timeline.find((e) => e.type === 'ended')?.data?.how}`);
  const gone = await esl.bgapi(`uuid_exists ${call.caller_uuid}`, 2_000);
  t.equal(gone instanceof Error ? 'error' : String(gone.body.response).trim(), 'false', 'the channels are gone from FreeSWITCH');
});
