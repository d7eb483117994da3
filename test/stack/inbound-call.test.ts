/**
 * Real stack: a SIPp caller dials a DID, waits in the queue, a registered
 * SIPp agent answers, audio flows both ways, the caller hangs up, and the
 * call record says so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { CallTable } from '../../src/store/tables.js';
import { findStack, peerDir, PORTS, registerAgent, runSipp, SIPP_DIR, startSipp, startStack, waitFor, type Stack } from './harness.js';

const found = findStack();

type CallRow = CallTable & { timeline?: { type: string; at: number; data?: Record<string, unknown> }[] };

t.test('a caller reaches a registered agent through the queue, with audio both ways', { skip: found.ok ? false : found.missing, timeout: 120_000 }, async (t) => {
  if (!found.ok) return;
  const stack: Stack = await startStack(found.bins);
  t.teardown(() => stack.stop());
  // SIPp's rtp_stream plays audio.wav from its working directory: one directory per peer.
  const callerDir = peerDir(stack, 'caller', 440);
  const agentDir = peerDir(stack, 'agent', 880);

  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '300'], agentDir);
  t.teardown(() => phone.stop());

  const reg = await registerAgent(stack, stack.agents[0]!, 16000);
  t.equal(reg.code, 0, `agent registers with digest auth${reg.code ? `: ${reg.stderr || reg.stdout.slice(-500)}` : ''}`);
  const agents = (await stack.http('/api/agents')) as { agents: { id: string; status: string; devices: unknown[] }[] };
  t.equal(agents.agents.find((a) => a.id === 'agent1')?.devices.length, 1, 'the device is listed under the agent');
  t.equal(agents.agents.find((a) => a.id === 'agent1')?.status, 'ready');

  // The caller is a known contact; a bad row in the same import is reported and the good one kept.
  const imported = await fetch(`${stack.daemon.httpAddress}/api/contacts`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'number,name,company\n+155570001,Ada Lovelace,Analytical\nnope,Bad Row\n' });
  const importResult = (await imported.json()) as { imported: number; problems: { row: number }[] };
  t.same({ imported: importResult.imported, rows: importResult.problems.map((p) => p.row) }, { imported: 1, rows: [3] }, 'one contact imported, row 3 reported');

  // An admin's typo in a queue field is rejected; the running configuration stays in force for the call below.
  const queues = path.join(stack.configDir, 'queues.yaml');
  const good = readFileSync(queues, 'utf8');
  writeFileSync(queues, good.replace('offerTimeoutSec', 'offerTimoutSec'));
  const reload = await stack.daemon.reload();
  t.equal(reload.ok, false, 'a queue field typo is rejected');
  t.equal(stack.daemon.config().queues.support?.offerTimeoutSec, 10, 'the running configuration is unchanged');

  const caller = await runSipp(
    found.bins,
    [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '16400', '-m', '1', '-d', '3000', '-timeout', '30s', '-timeout_error'],
    callerDir,
    40_000,
  );
  t.equal(caller.code, 0, `caller's call completes${caller.code ? `: ${caller.stderr.slice(-800)} ${caller.stdout.slice(-800)}` : ''}`);

  const row = await waitFor('the call record to close with RTP counters', async () => {
    const list = (await stack.http('/api/calls?limit=5')) as { calls: CallRow[] };
    const r = list.calls[0];
    return r && r.ended_at && r.caller_rtp_in !== null && r.agent_rtp_in !== null ? r : undefined;
  });
  t.equal(row.disposition, 'answered');
  t.equal(row.queue_id, 'support');
  t.equal(row.agent_id, 'agent1');
  t.equal(row.hangup_side, 'caller');
  t.equal(row.hangup_cause, 'NORMAL_CLEARING');
  t.ok(row.answered_at! >= row.arrived_at && row.queued_at! >= row.answered_at! && row.offered_at! >= row.queued_at!, 'arrival <= answer <= queue entry <= offer');
  t.ok(row.agent_answered_at! >= row.offered_at! && row.ended_at! >= row.agent_answered_at!, 'offer <= agent answer <= end');
  t.ok(row.wait_ms! >= 250 && row.wait_ms! < 3_000, `wait covers the agent's ring time (${row.wait_ms} ms)`);
  t.ok(row.talk_ms! > 1_500 && row.talk_ms! < 4_000, `talk time is the bridged part of the call (${row.talk_ms} ms)`);
  // 20 ms packets: over ~2.5 s of talk each direction must carry well over 50 packets.
  t.ok(row.caller_rtp_in! > 50, `FreeSWITCH received the caller's audio (${row.caller_rtp_in} packets)`);
  t.ok(row.agent_rtp_in! > 50, `FreeSWITCH received the agent's audio (${row.agent_rtp_in} packets)`);
  t.ok(row.caller_rtp_out! > 50, `the caller was sent audio (${row.caller_rtp_out} packets)`);
  t.ok(row.agent_rtp_out! > 50, `the agent was sent the caller's audio (${row.agent_rtp_out} packets)`);

  const detail = (await stack.http(`/api/calls/${row.id}`)) as CallRow;
  const types = detail.timeline!.map((e) => e.type);
  t.same(types, ['arrived', 'answered', 'queued', 'offered', 'agent-answered', 'bridged', 'ended'], 'the timeline has every step in order');
  const offered = (detail.timeline as { type: string; data?: Record<string, unknown> }[]).find((e) => e.type === 'offered');
  t.equal(offered?.data?.contactName, 'Ada Lovelace (Analytical)', "the offer shows the caller's contact name");
});
