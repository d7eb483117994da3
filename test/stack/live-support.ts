/**
 * What the live-call tests share: the parties' tones, an API helper, what a
 * party heard (by content), waiting for SIPp to finish, and placing a call
 * whose two parties are test RTP peers.
 */
import path from 'node:path';
import { RtpPeer } from '../support/rtp-peer.js';
import { PORTS, registerAgent, SIPP_DIR, startSipp, waitFor, type Stack } from './harness.js';

export const CUSTOMER = 440;
export const AGENT = 1200;
export const MUSIC = 350;
export const MESSAGE = 2000;
/** A second agent (a colleague the call is transferred to). */
export const COLLEAGUE = 1500;
/** A supervisor listening in, whispering or barging. */
export const SUPERVISOR = 1800;
export const FREQS = [CUSTOMER, AGENT, MUSIC, MESSAGE, COLLEAGUE, SUPERVISOR];
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CallDetail {
  id: string;
  disposition: string | null;
  ended_at: number | null;
  holds: number | null;
  hold_ms: number | null;
  voicemail_drop: string | null;
  voicemail_dropped_at: number | null;
  voicemail_finished_at: number | null;
  hangup_side: string | null;
  agent_id: string | null;
  timeline: { at: number; type: string; data: Record<string, unknown> | null }[];
}

export async function api(stack: Stack, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; raw: Response }> {
  const res = await fetch(`${stack.daemon.httpAddress}${pathname}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = res.headers.get('content-type')?.includes('json') ? await res.text() : '';
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, raw: res };
}

/** Which of the test tones dominate what a party heard in [from, to). */
export function dominant(peer: RtpPeer, from: number, to: number): { tone?: number; rms: number; share: Record<number, number>; packets: number; streams: string[]; gaps: number } {
  const h = peer.heard(from, to, FREQS);
  const best = FREQS.reduce((a, b) => (h.share[b]! > h.share[a]! ? b : a));
  return { ...(h.rms > 150 && h.share[best]! > 0.5 ? { tone: best } : {}), rms: Math.round(h.rms), share: h.share, packets: h.packets, streams: h.streams, gaps: h.gaps };
}

/** What a party heard, for an assertion's message: the tone, its level and shares, and (when it is not one clean stream) how the packets came. */
export const describe = (d: ReturnType<typeof dominant>) =>
  `${d.tone ? `${d.tone} Hz` : 'no tone'} (rms ${d.rms}; ${FREQS.map((f) => `${f}: ${d.share[f]!.toFixed(2)}`).join(', ')}; ${d.packets} packets${d.streams.length > 1 || d.gaps ? ` from ${d.streams.join(', ')}, ${d.gaps} gaps` : ''})`;

export interface Parties {
  customer: RtpPeer;
  agent: RtpPeer;
  callId: string;
  caller: Awaited<ReturnType<typeof startSipp>>;
  phone: Awaited<ReturnType<typeof startSipp>>;
}

/** A customer calls, the agent's phone (scenario) answers; resolves once the live call is up. The peers close with the test (`owner`). */
/** `timeoutSec`: how long the two SIPp processes may run (90 s). */
export async function connectCall(stack: Stack, opts: { agentScenario?: string; callerScenario?: string; did?: string; port: number; timeoutSec?: number }, owner?: { teardown(fn: () => void): void }): Promise<Parties> {
  const customer = await RtpPeer.open(CUSTOMER);
  const agent = await RtpPeer.open(AGENT);
  owner?.teardown(() => {
    customer.close();
    agent.close();
  });
  const phonePort = opts.port;
  const reg = await registerAgent(stack, stack.agents[0]!, phonePort);
  if (reg.code !== 0) throw new Error(`registration failed: ${reg.stderr}`);
  const phone = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, opts.agentScenario ?? 'agent-media.xml'), '-i', '127.0.0.1', '-p', String(phonePort), '-m', '1', '-d', '300', '-key', 'rtp_port', String(agent.port), '-timeout', `${opts.timeoutSec ?? 90}s`, '-timeout_error'], stack.dir);
  const before = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]?.id;
  const caller = await startSipp(stack.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, opts.callerScenario ?? 'caller-media.xml'), '-s', opts.did ?? '+15550100', '-i', '127.0.0.1', '-p', String(phonePort + 100), '-m', '1', '-key', 'rtp_port', String(customer.port), '-timeout', `${opts.timeoutSec ?? 90}s`, '-timeout_error'], stack.dir);
  const callId = await waitFor('the call to be connected to the agent', async () => {
    const latest = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0];
    if (!latest || latest.id === before) return undefined;
    const live = await api(stack, 'GET', `/api/calls/${latest.id}/live`);
    return live.status === 200 ? latest.id : undefined;
  }, 20_000);
  return { customer, agent, callId, caller, phone };
}

export async function closed(stack: Stack, callId: string): Promise<CallDetail> {
  return waitFor('the call record to close', async () => {
    const d = (await stack.http(`/api/calls/${callId}`)) as CallDetail;
    return d.ended_at ? d : undefined;
  }, 15_000);
}

export async function exited(p: { proc: import('node:child_process').ChildProcess; output(): string }, what: string, timeoutMs = 20_000): Promise<number> {
  if (p.proc.exitCode !== null) return p.proc.exitCode;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish: ${p.output().slice(-800)}`)), timeoutMs);
    p.proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    });
  });
}


/** A customer (SIPp, media: `customer`) dials `did` from `port`; resolves with the SIPp process. */
export function callIn(stack: Stack, customer: RtpPeer, port: number, did = '+15550100', scenario = 'caller-media.xml'): Promise<Awaited<ReturnType<typeof startSipp>>> {
  return startSipp(stack.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, scenario), '-s', did, '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-key', 'rtp_port', String(customer.port), '-timeout', '90s', '-timeout_error'], stack.dir);
}

/** Waits until the last 800 ms a party heard are `tone` (within `withinMs`); what it heard last, for the message. */
export async function hearsWithin(peer: RtpPeer, tone: number, withinMs: number): Promise<{ ok: boolean; last: ReturnType<typeof dominant> }> {
  let last = dominant(peer, Date.now() - 800, Date.now());
  const ok = await waitFor(`${tone} Hz`, () => {
    last = dominant(peer, Date.now() - 800, Date.now());
    return last.tone === tone ? true : undefined;
  }, withinMs, 100).catch(() => false);
  return { ok, last };
}

/**
 * Waits until, over the last second, a party hears each of `tones` (a mix:
 * each at least `minShare` of the audio's energy, 15% by default) and none
 * of `not` (under 5%).
 */
export async function hearsMix(peer: RtpPeer, tones: number[], not: number[], withinMs: number, minShare = 0.15): Promise<{ ok: boolean; last: ReturnType<typeof dominant> }> {
  let last = dominant(peer, Date.now() - 1_000, Date.now());
  const ok = await waitFor(`${tones.join('+')} Hz without ${not.join(', ')}`, () => {
    last = dominant(peer, Date.now() - 1_000, Date.now());
    return last.rms > 150 && tones.every((f) => last.share[f]! >= minShare) && not.every((f) => last.share[f]! < 0.05) ? true : undefined;
  }, withinMs, 100).catch(() => false);
  return { ok, last };
}
