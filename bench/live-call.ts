/**
 * Live-call controls on the real stack, request to effect on the wire:
 *  - hold: POST /api/calls/:id/hold -> the first hold-music packet (its tone)
 *    reaches the customer's phone
 *  - resume: POST .../resume -> the first packet of the agent's tone again
 *  - DTMF: POST .../dtmf -> the first RFC 2833 packet reaches the customer
 * The customer and the agent are test RTP peers each playing its own tone.
 */
import { RtpPeer } from '../test/support/rtp-peer.js';
import { findStack, startStack, waitFor } from '../test/stack/harness.js';
import { AGENT, api, connectCall, exited, MUSIC, sleep } from '../test/stack/live-support.js';
import { percentile, printTable } from './stats.js';

const hr = () => performance.timeOrigin + performance.now();

export async function benchLiveControls(actions = 200): Promise<Record<string, number> | undefined> {
  const found = findStack();
  if (!found.ok) {
    console.log(`live-call controls: ${found.missing}`);
    return undefined;
  }
  const stack = await startStack(found.bins, {
    agents: 1,
    logLevel: 'warn',
    queueYaml: `queues:\n  support:\n    members: [agent1]\n    offerTimeoutSec: 10\n    wrapUpSec: 0\n    holdMusic: "tone_stream://%(10000,0,${MUSIC});loops=-1"\n`,
  });
  const out: Record<string, number[]> = { hold: [], resume: [], dtmf: [] };
  const replied: Record<string, number[]> = { hold: [], resume: [], dtmf: [] };
  let misses = 0;
  try {
    const p = await connectCall(stack, { port: 16600 });
    await sleep(1_000);
    const effect = async (what: keyof typeof out, path: string, body: unknown, match: (r: import('../test/support/rtp-peer.js').Received) => boolean) => {
      const t0 = hr();
      const r = await api(stack, 'POST', `/api/calls/${p.callId}/${path}`, body);
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.json)}`);
      replied[what]!.push(hr() - t0);
      const first = await waitFor(`${what}'s effect on the wire`, () => p.customer.firstAfter(t0, match), 2_000, 2).catch(() => undefined);
      if (first) out[what]!.push(first.at - t0);
      else misses++;
    };
    for (let i = 0; i < actions; i++) {
      await effect('hold', 'hold', undefined, (r) => RtpPeer.isTone(r, MUSIC));
      await sleep(60);
      await effect('resume', 'resume', undefined, (r) => RtpPeer.isTone(r, AGENT));
      await effect('dtmf', 'dtmf', { digits: '5' }, (r) => r.pt === 101);
      await sleep(150);
      if ((i + 1) % 50 === 0) console.log(`live-call controls: ${i + 1}/${actions} rounds`);
    }
    await api(stack, 'POST', `/api/calls/${p.callId}/hangup`);
    await exited(p.caller, 'the caller').catch(() => undefined);
    await exited(p.phone, 'the phone').catch(() => undefined);
    p.customer.close();
    p.agent.close();
  } finally {
    await stack.stop();
  }
  const row = (name: string, xs: number[]) => [name, xs.length, percentile(xs, 50).toFixed(2), percentile(xs, 99).toFixed(2), Math.max(...xs).toFixed(2)];
  printTable('live-call controls: request -> effect on the wire (ms)', ['control', 'n', 'median', 'p99', 'max'], [
    row('hold -> first music packet', out.hold!),
    row('resume -> first agent packet', out.resume!),
    row('DTMF -> first RFC 2833 packet', out.dtmf!),
    row('hold: API reply (FreeSWITCH done)', replied.hold!),
    row('resume: API reply', replied.resume!),
    row('DTMF: API reply', replied.dtmf!),
  ]);
  if (misses) console.log(`effects not seen within 2 s: ${misses}`);
  return {
    holdP50: percentile(out.hold!, 50), holdP99: percentile(out.hold!, 99),
    resumeP50: percentile(out.resume!, 50), resumeP99: percentile(out.resume!, 99),
    dtmfP50: percentile(out.dtmf!, 50), dtmfP99: percentile(out.dtmf!, 99),
    misses,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchLiveControls(Number(process.env.LIVE_ACTIONS ?? 200));
  process.exit(0);
}
