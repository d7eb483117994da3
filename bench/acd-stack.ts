/**
 * ACD latencies on the real stack, measured on the wire from SIPp traces:
 *  - an agent hangs up -> the next waiting call's INVITE reaches that agent
 *    (the agent becoming free with calls waiting; mod_callcenter's weak spot)
 *  - an agent declines (603 sent) -> the INVITE reaches the next agent
 *  - a caller hangs up (BYE sent) -> the CANCEL reaches the ringing agent
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { findStack, peerDir, PORTS, registerAgent, runSipp, SIPP_DIR, startSipp, startStack, waitFor, type Stack } from '../test/stack/harness.js';
import { readSippTrace, type TracedMessage } from '../test/support/sipp-trace.js';
import { percentile, printTable } from './stats.js';

const QUEUES = `routing: { maxMissedInRow: 100 }
queues:
  busy:    { members: [agent1, agent2], offerTimeoutSec: 10, wrapUpSec: 0 }
  decline: { strategy: top-down, members: [agent3, agent4], offerTimeoutSec: 10, wrapUpSec: 0, missedBackoffSec: 0.3 }
  abandon: { members: [agent5], offerTimeoutSec: 60, wrapUpSec: 0 }
`;
const NUMBERS = `numbers:
  "+15550201": { route: { queue: busy } }
  "+15550202": { route: { queue: decline } }
  "+15550203": { route: { queue: abandon } }
`;

const trace = (dir: string): TracedMessage[] => readSippTrace(path.join(dir, readdirSync(dir).find((f) => f.endsWith('_messages.log'))!));
const userOf = (h: string | undefined) => /sip:([^@;>]+)@/.exec(h ?? '')?.[1];

function caller(stack: Stack, scenario: string, did: string, calls: number, rate: number, holdMs: number, dir: string, port: number) {
  return runSipp(stack.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, scenario), '-s', did, '-i', '127.0.0.1', '-p', String(port), '-mp', String(port + 1000), '-m', String(calls), '-r', String(rate), '-l', '200', '-d', String(holdMs), '-trace_msg', '-timeout', '600s'], dir, 660_000);
}

async function settle(stack: Stack, total: number): Promise<void> {
  await waitFor('every call record to close', async () => {
    const l = (await stack.http(`/api/calls?limit=1000`)) as { calls: { ended_at: number | null }[] };
    return l.calls.length >= total && l.calls.every((c) => c.ended_at) ? true : undefined;
  }, 60_000, 250);
}

export async function benchAcdStack(samples = 200): Promise<Record<string, number> | undefined> {
  const found = findStack();
  if (!found.ok) {
    console.log(`\nACD latencies on the real stack: ${found.missing}`);
    return undefined;
  }
  console.log(`\nACD latencies on the real stack: ${samples} calls per measurement...`);
  const stack = await startStack(found.bins, { agents: 5, queueYaml: QUEUES, numbersYaml: NUMBERS, logLevel: 'warn' });
  const busyPhone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer-hangup.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '300', '-trace_msg'], peerDir(stack, 'busy-phone', 880, 1));
  const declinePhone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-decline.xml'), '-i', '127.0.0.1', '-p', '16010', '-d', '0', '-trace_msg'], peerDir(stack, 'decline-phone', 880, 1));
  const answerPhone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer-hangup.xml'), '-i', '127.0.0.1', '-p', '16020', '-mp', '16220', '-d', '100', '-trace_msg'], peerDir(stack, 'answer-phone', 880, 1));
  const silentPhone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-no-answer.xml'), '-i', '127.0.0.1', '-p', '16030', '-trace_msg'], peerDir(stack, 'silent-phone', 880, 1));
  const phones = [busyPhone, declinePhone, answerPhone, silentPhone];
  try {
    const [a1, a2, a3, a4, a5] = stack.agents;
    for (const [a, port] of [[a1, 16000], [a2, 16000], [a3, 16010], [a4, 16020], [a5, 16030]] as const) {
      const r = await registerAgent(stack, a!, port);
      if (r.code !== 0) throw new Error(`${a!.id} could not register`);
    }

    // 1. Agents free up with calls waiting: 2 agents, calls arriving faster than they are handled.
    const dir1 = peerDir(stack, 'caller-busy', 440, 1);
    await caller(stack, 'caller-until-bye.xml', '+15550201', samples + 2, 8, 0, dir1, 16100);
    let total = samples + 2;
    await settle(stack, total);
    const freeToOffer: number[] = [];
    const lastBye = new Map<string, number>();
    for (const m of trace(path.join(stack.dir, 'busy-phone'))) {
      if (m.direction === 'sent' && m.firstLine.startsWith('BYE ')) lastBye.set(userOf(m.headers.get('from'))!, m.at);
      if (m.direction === 'received' && m.firstLine.startsWith('INVITE ')) {
        const user = userOf(m.headers.get('to'))!;
        const bye = lastBye.get(user);
        if (bye !== undefined) freeToOffer.push(m.at - bye);
        lastBye.delete(user);
      }
    }

    // 2. Decline -> next agent. top-down always tries agent3 (who declines) first.
    const dir2 = peerDir(stack, 'caller-decline', 440, 1);
    const reofferLatencies: number[] = [];
    for (let done = 0; done < samples; done += 50) {
      // A run of declines moves an agent to standby; agent3 comes back to ready between batches.
      await fetch(`${stack.daemon.httpAddress}/api/agents/agent3/presence`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ presence: 'ready' }) });
      await caller(stack, 'caller-until-bye.xml', '+15550202', Math.min(50, samples - done), 2, 0, dir2, 16110);
    }
    total += samples;
    await settle(stack, total);
    const declines = trace(path.join(stack.dir, 'decline-phone')).filter((m) => m.direction === 'sent' && m.firstLine.startsWith('SIP/2.0 603'));
    const invites4 = trace(path.join(stack.dir, 'answer-phone')).filter((m) => m.direction === 'received' && m.firstLine.startsWith('INVITE '));
    const byCall = new Map(invites4.map((m) => [m.headers.get('x-cc-call-id'), m.at]));
    const declineInvites = trace(path.join(stack.dir, 'decline-phone')).filter((m) => m.direction === 'received' && m.firstLine.startsWith('INVITE '));
    const ccOfSip = new Map(declineInvites.map((m) => [m.headers.get('call-id'), m.headers.get('x-cc-call-id')]));
    for (const d of declines) {
      const next = byCall.get(ccOfSip.get(d.headers.get('call-id')));
      if (next !== undefined && next > d.at) reofferLatencies.push(next - d.at);
    }

    // 3. Caller hangs up while the agent's phone rings -> CANCEL.
    const dir3 = peerDir(stack, 'caller-abandon', 440, 1);
    await caller(stack, 'caller.xml', '+15550203', samples, 2, 400, dir3, 16120);
    total += samples;
    await settle(stack, total);
    const calls = (await stack.http(`/api/calls?limit=1000&queue=abandon`)) as { calls: { id: string }[] };
    const details = await Promise.all(calls.calls.map((c) => stack.http(`/api/calls/${c.id}`) as Promise<{ id: string; timeline: { type: string; data: Record<string, unknown> | null }[] }>));
    const ccBySip = new Map(details.map((d) => [d.timeline.find((e) => e.type === 'arrived')?.data?.sipCallId as string, d.id]));
    const byeSent = new Map<string, number>();
    for (const m of trace(dir3)) if (m.direction === 'sent' && m.firstLine.startsWith('BYE ')) byeSent.set(ccBySip.get(m.headers.get('call-id')!)!, m.at);
    const silent = trace(path.join(stack.dir, 'silent-phone'));
    const ccOfInvite = new Map(silent.filter((m) => m.firstLine.startsWith('INVITE ')).map((m) => [m.headers.get('call-id'), m.headers.get('x-cc-call-id')]));
    const cancelLatencies: number[] = [];
    for (const m of silent) {
      if (m.direction !== 'received' || !m.firstLine.startsWith('CANCEL ')) continue;
      const bye = byeSent.get(ccOfInvite.get(m.headers.get('call-id'))!);
      if (bye !== undefined) cancelLatencies.push(m.at - bye);
    }

    const row = (name: string, xs: number[]) => [name, xs.length, percentile(xs, 50).toFixed(2), percentile(xs, 99).toFixed(2), Math.max(...xs).toFixed(2)];
    printTable('ACD on the real stack (milliseconds, on the wire)', ['interval', 'n', 'median', 'p99', 'max'], [
      row("agent's BYE sent -> next waiting call's INVITE at that agent", freeToOffer),
      row("agent's 603 sent -> INVITE at the next agent", reofferLatencies),
      row("caller's BYE sent -> CANCEL at the ringing agent", cancelLatencies),
    ]);
    return {
      freeToOfferP50: percentile(freeToOffer, 50),
      freeToOfferP99: percentile(freeToOffer, 99),
      reofferP50: percentile(reofferLatencies, 50),
      reofferP99: percentile(reofferLatencies, 99),
      cancelP50: percentile(cancelLatencies, 50),
      cancelP99: percentile(cancelLatencies, 99),
    };
  } finally {
    await Promise.all(phones.map((p) => p.stop()));
    await stack.stop();
  }
}
