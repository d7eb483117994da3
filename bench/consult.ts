/**
 * Consults on the real stack, on the wire, over `runs` calls:
 *  - consult: POST /api/calls/:id/consult {to: agent2} -> the INVITE at
 *    agent2's phone (SIPp's own receive time, -trace_msg)
 *  - complete: POST /api/calls/:id/complete -> the first packet of the
 *    colleague's tone at the customer's phone (the customer is bridged)
 * Each run is a new customer call to agent1, who consults agent2 and
 * completes; the customer, agent1 and agent2 are test RTP peers, each with
 * its own tone.
 */
import path from 'node:path';
import { RtpPeer } from '../test/support/rtp-peer.js';
import { readSippTrace } from '../test/support/sipp-trace.js';
import { findStack, registerAgent, SIPP_DIR, startSipp, startStack, waitFor } from '../test/stack/harness.js';
import { AGENT, api, callIn, COLLEAGUE, CUSTOMER, describe, dominant, exited, hearsWithin } from '../test/stack/live-support.js';
import { percentile, printTable } from './stats.js';

const hr = () => performance.timeOrigin + performance.now();

export async function benchConsult(runs = 100): Promise<Record<string, number> | undefined> {
  const found = findStack();
  if (!found.ok) {
    console.log(`consult: ${found.missing}`);
    return undefined;
  }
  const stack = await startStack(found.bins, { agents: 2, logLevel: 'warn', queueYaml: `queues:\n  support:\n    members: [agent1]\n    offerTimeoutSec: 10\n    wrapUpSec: 0\n` });
  const invite: number[] = [];
  const bridged: number[] = [];
  let misses = 0;
  const agent = await RtpPeer.open(AGENT);
  const colleague = await RtpPeer.open(COLLEAGUE);
  try {
    for (const [i, port] of [[0, 16900], [1, 16920]] as const) if ((await registerAgent(stack, stack.agents[i]!, port)).code !== 0) throw new Error('registration failed');
    const trace = path.join(stack.dir, 'consult-colleague-trace.log');
    const phone1 = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-media.xml'), '-i', '127.0.0.1', '-p', '16900', '-m', String(runs), '-d', '0', '-key', 'rtp_port', String(agent.port), '-timeout', '900s'], stack.dir);
    const phone2 = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-media.xml'), '-i', '127.0.0.1', '-p', '16920', '-m', String(runs), '-d', '0', '-key', 'rtp_port', String(colleague.port), '-trace_msg', '-message_file', trace, '-timeout', '900s'], stack.dir);
    for (let run = 0; run < runs; run++) {
      const customer = await RtpPeer.open(CUSTOMER);
      const before = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]?.id;
      const caller = await callIn(stack, customer, 16940);
      const callId = await waitFor('the call connected', async () => {
        const latest = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0];
        if (!latest || latest.id === before) return undefined;
        return (await api(stack, 'GET', `/api/calls/${latest.id}/live`)).status === 200 ? latest.id : undefined;
      }, 20_000);
      await hearsWithin(customer, AGENT, 3_000);
      const t0 = hr();
      const r = await api(stack, 'POST', `/api/calls/${callId}/consult`, { to: 'agent2' });
      if (r.status !== 200) throw new Error(`consult: ${r.status} ${JSON.stringify(r.json)}`);
      const inv = await waitFor('the INVITE at agent2', () => readSippTrace(trace).find((m) => m.direction === 'received' && m.firstLine.startsWith('INVITE') && m.at >= t0 - 5), 5_000, 5).catch(() => undefined);
      if (inv) invite.push(inv.at - t0);
      else misses++;
      await waitFor('agent2 answered', async () => (((await api(stack, 'GET', `/api/calls/${callId}/live`)).json as { consult?: { state: string } }).consult?.state === 'up' ? true : undefined), 10_000);
      const t1 = hr();
      const c = await api(stack, 'POST', `/api/calls/${callId}/complete`);
      if (c.status !== 200) throw new Error(`complete: ${c.status} ${JSON.stringify(c.json)}`);
      const first = await waitFor('the colleague at the customer', () => customer.firstAfter(t1, (p) => RtpPeer.isTone(p, COLLEAGUE)), 3_000, 2).catch(() => undefined);
      if (first) bridged.push(first.at - t1);
      else {
        misses++;
        const now = Date.now();
        console.log(`run ${run + 1}: the customer did not hear the colleague within 3 s; heard ${describe(dominant(customer, now - 1_000, now))}; the colleague heard ${describe(dominant(colleague, now - 1_000, now))}, packets ${colleague.heard(now - 1_000, now, [COLLEAGUE]).packets}, customer packets ${customer.heard(now - 1_000, now, [COLLEAGUE]).packets}`);
        const v = (await api(stack, 'GET', `/api/calls/${callId}/live`)).json as { legs: { id: string; up: boolean }[] };
        if (process.env.CONSULT_DEBUG) {
          const { execSync } = await import('node:child_process');
          for (const l of v.legs.filter((x) => x.up)) console.log(l.id, execSync(`fs_cli -H 127.0.0.1 -P 18021 -p ClueCon -x "uuid_dump ${l.id}" | grep -E "^(Channel-State|Channel-Call-State|variable_bridge_uuid|variable_current_application|variable_signal_bond|Other-Leg-Unique-ID|variable_cc_parked|variable_cc_music|Channel-Read-Codec-Name|variable_rtp_audio_in_packet_count|variable_rtp_audio_out_packet_count)"`).toString());
        }
      }
      await api(stack, 'POST', `/api/calls/${callId}/hangup`);
      await exited(caller, 'the caller').catch(() => undefined);
      customer.close();
      if ((run + 1) % 10 === 0) console.log(`consult: ${run + 1}/${runs} runs`);
    }
    phone1.proc.kill();
    phone2.proc.kill();
  } finally {
    agent.close();
    colleague.close();
    await stack.stop();
  }
  const row = (name: string, xs: number[]) => [name, xs.length, percentile(xs, 50).toFixed(2), percentile(xs, 99).toFixed(2), Math.max(...xs).toFixed(2)];
  printTable('consult and attended transfer: request -> effect on the wire (ms)', ['step', 'n', 'median', 'p99', 'max'], [
    row('consult -> INVITE at the colleague', invite),
    row('complete -> colleague heard by the customer', bridged),
  ]);
  if (misses) console.log(`effects not seen in time: ${misses}`);
  return { inviteP50: percentile(invite, 50), inviteP99: percentile(invite, 99), bridgedP50: percentile(bridged, 50), bridgedP99: percentile(bridged, 99), misses };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchConsult(Number(process.env.CONSULT_RUNS ?? 100));
  process.exit(0);
}
