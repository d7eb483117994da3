/**
 * Inbound call latencies on the real stack: FreeSWITCH, drachtio-server and
 * the daemon on loopback, SIPp callers and a SIPp agent phone answering for
 * several registered agents (so a Ready agent is always there).
 *
 *  - caller's INVITE sent -> caller's 200 OK received (SIPp caller's trace)
 *  - queue entry (daemon timeline) -> INVITE received by the agent's phone (SIPp agent's trace)
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { findStack, peerDir, PORTS, registerAgent, runSipp, SIPP_DIR, startSipp, startStack, waitFor, type Stack } from '../test/stack/harness.js';
import { readSippTrace } from '../test/support/sipp-trace.js';
import { percentile, printTable } from './stats.js';

interface CallDetail {
  id: string;
  ended_at: number | null;
  disposition: string | null;
  timeline: { at: number; type: string; data: Record<string, unknown> | null }[];
}

export interface InboundOptions {
  calls: number;
  agents: number;
  cps: number;
  talkMs: number;
  /** More configuration files for the stack (e.g. transcription settings). */
  files?: Record<string, string>;
  /** Work started once the agents are registered and before the first caller; what it returns is called after the last call, and its line is printed. */
  during?: (stack: Stack) => Promise<() => Promise<string>>;
}

export async function benchInbound(opts: InboundOptions = { calls: 150, agents: 10, cps: 5, talkMs: 1000 }): Promise<Record<string, number> | undefined> {
  const found = findStack();
  if (!found.ok) {
    console.log(`\nInbound call latency: ${found.missing}`);
    return undefined;
  }
  console.log(`\nInbound call latency: starting FreeSWITCH, drachtio-server and the daemon; ${opts.calls} calls at ${opts.cps}/s to ${opts.agents} agents...`);
  const stack = await startStack(found.bins, { agents: opts.agents, logLevel: 'warn', ...(opts.files ? { files: opts.files } : {}) });
  const agentDir = peerDir(stack, 'agent', 880, 1);
  const callerDir = peerDir(stack, 'caller', 440, 1);
  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '100', '-trace_msg'], agentDir);
  try {
    for (const a of stack.agents) {
      const r = await registerAgent(stack, a, 16000);
      if (r.code !== 0) throw new Error(`agent ${a.user} could not register: ${r.stdout.slice(-400)}`);
    }
    const after = await opts.during?.(stack);
    const caller = await runSipp(
      found.bins,
      [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '16400', '-m', String(opts.calls), '-r', String(opts.cps), '-l', '50', '-d', String(opts.talkMs), '-trace_msg', '-timeout', '300s'],
      callerDir,
      360_000,
    );
    const list = await waitFor(
      'every call record to close',
      async () => {
        const l = (await stack.http(`/api/calls?limit=1000`)) as { calls: { id: string; ended_at: number | null }[] };
        return l.calls.length >= opts.calls && l.calls.every((c) => c.ended_at) ? l.calls : undefined;
      },
      30_000,
      250,
    );
    const details = await Promise.all(list.map((c) => stack.http(`/api/calls/${c.id}`) as Promise<CallDetail>));
    const bySipCallId = new Map<string, CallDetail>();
    const byId = new Map<string, CallDetail>();
    for (const d of details) {
      byId.set(d.id, d);
      const sipCallId = d.timeline.find((e) => e.type === 'arrived')?.data?.sipCallId;
      if (typeof sipCallId === 'string') bySipCallId.set(sipCallId, d);
    }

    const callerTrace = readSippTrace(path.join(callerDir, readdirSync(callerDir).find((f) => f.endsWith('_messages.log'))!));
    const agentTrace = readSippTrace(path.join(agentDir, readdirSync(agentDir).find((f) => f.endsWith('_messages.log'))!));
    const inviteSent = new Map<string, number>();
    const setup: number[] = [];
    for (const m of callerTrace) {
      const cid = m.headers.get('call-id')!;
      if (m.direction === 'sent' && m.firstLine.startsWith('INVITE ')) inviteSent.set(cid, m.at);
      if (m.direction === 'received' && m.firstLine.startsWith('SIP/2.0 200') && /INVITE/.test(m.headers.get('cseq') ?? '') && inviteSent.has(cid)) {
        setup.push(m.at - inviteSent.get(cid)!);
        inviteSent.delete(cid);
      }
    }
    const offer: number[] = [];
    const offerInternal: number[] = [];
    for (const m of agentTrace) {
      if (m.direction !== 'received' || !m.firstLine.startsWith('INVITE ')) continue;
      const d = byId.get(m.headers.get('x-cc-call-id') ?? '');
      const queued = d?.timeline.find((e) => e.type === 'queued')?.at;
      if (queued !== undefined) offer.push(m.at - queued);
    }
    for (const d of details) {
      const q = d.timeline.find((e) => e.type === 'queued')?.at;
      const o = d.timeline.find((e) => e.type === 'offered')?.at;
      if (q !== undefined && o !== undefined) offerInternal.push(o - q);
    }
    if (after) console.log(await after());
    const answered = details.filter((d) => d.disposition === 'answered').length;
    const failedCalls = /Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(caller.stdout)?.[1];
    const row = (name: string, xs: number[]) => [name, xs.length, percentile(xs, 50).toFixed(2), percentile(xs, 99).toFixed(2), Math.max(...xs).toFixed(2)];
    printTable(
      `Inbound calls on the real stack: ${details.length} calls, ${answered} answered by an agent, SIPp failed calls: ${failedCalls ?? '?'} (milliseconds)`,
      ['interval', 'n', 'median', 'p99', 'max'],
      [
        row("caller's INVITE sent -> caller's 200 OK received", setup),
        row("queue entry -> INVITE received at the agent's phone", offer),
        row('queue entry -> INVITE handed to drachtio (daemon only)', offerInternal),
      ],
    );
    return { setupP50: percentile(setup, 50), setupP99: percentile(setup, 99), offerP50: percentile(offer, 50), offerP99: percentile(offer, 99) };
  } finally {
    await phone.stop();
    await stack.stop();
  }
}
