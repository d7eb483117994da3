/**
 * Real stack, ACD behaviour: an agent who declines or does not answer loses
 * the call to the next agent and rests in back-off; a returning caller reaches
 * the agent they spoke with; a queue's maximum wait overflows; a caller who
 * hangs up is withdrawn from the ringing agent at once; presence set over the
 * REST API keeps an agent out of offers; the WebSocket stream reports it all.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import WebSocket from 'ws';
import type { LiveEvent } from '../../src/app/contact-centre.js';
import { readSippTrace } from '../support/sipp-trace.js';
import { findStack, peerDir, PORTS, registerAgent, runSipp, SIPP_DIR, startSipp, startStack, waitFor, type Stack } from './harness.js';

const found = findStack();

const QUEUES = `queues:
  decline:   { members: [agent1, agent2], offerTimeoutSec: 5, wrapUpSec: 0, missedBackoffSec: 3 }
  timeout:   { members: [agent3, agent2], offerTimeoutSec: 2, wrapUpSec: 0, missedBackoffSec: 3 }
  affinity:  { members: [agent2, agent5], offerTimeoutSec: 5, wrapUpSec: 0, affinity: { windowSec: 3600 } }
  overflowq: { members: [agent4], maxWaitSec: 2, overflow: { message: goodbye.wav, hangup: true } }
  abandon:   { members: [agent6], offerTimeoutSec: 20, wrapUpSec: 0 }
  announced: { members: [agent4], announce: { everySec: 10 } }
  carrier:   { members: [agent4], maxWaitSec: 1, overflow: { number: "+15559990000", trunk: pstn } }
trunks:
  pstn: { uri: "sip:127.0.0.1:16050" }
external:
  allow: ['^\\+1555']
`;
const NUMBERS = `numbers:
  "+15550101": { route: { queue: decline } }
  "+15550102": { route: { queue: timeout } }
  "+15550103": { route: { queue: affinity } }
  "+15550104": { route: { queue: overflowq } }
  "+15550105": { route: { queue: abandon } }
  "+15550106": { route: { queue: announced } }
  "+15550107": { route: { queue: carrier } }
`;

interface Detail {
  disposition: string | null;
  agent_id: string | null;
  ended_at: number | null;
  timeline: { at: number; type: string; data: Record<string, unknown> | null }[];
}

async function call(stack: Stack, did: string, holdMs: number, dir: string, port: number): Promise<Detail> {
  const before = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]?.id;
  await runSipp(stack.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', did, '-i', '127.0.0.1', '-p', String(port), '-mp', String(port + 300), '-m', '1', '-d', String(holdMs), '-timeout', '40s'], dir, 45_000);
  return waitFor('the call record to close', async () => {
    const latest = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string; ended_at: number | null }[] }).calls[0];
    if (!latest || latest.id === before || !latest.ended_at) return undefined;
    return (await stack.http(`/api/calls/${latest.id}`)) as Detail;
  }, 15_000, 100);
}

const steps = (d: Detail) => d.timeline.filter((e) => /offer|bridged|overflow/.test(e.type)).map((e) => `${e.type}${e.data?.agentId ? `:${String(e.data.agentId)}` : ''}${e.data?.reason ? `:${String(e.data.reason)}` : ''}`);

t.test('ACD on the real stack', { skip: found.ok ? false : found.missing, timeout: 240_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins, { agents: 6, queueYaml: QUEUES, numbersYaml: NUMBERS });
  t.teardown(() => stack.stop());
  const phones = [
    await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '200'], peerDir(stack, 'answer', 880)),
    await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-decline.xml'), '-i', '127.0.0.1', '-p', '16010', '-d', '300'], peerDir(stack, 'decline', 880)),
    await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-no-answer.xml'), '-i', '127.0.0.1', '-p', '16020', '-trace_msg'], peerDir(stack, 'noanswer', 880)),
  ];
  t.teardown(() => Promise.all(phones.map((p) => p.stop())));
  const events: LiveEvent[] = [];
  const ws = new WebSocket(`${stack.daemon.httpAddress.replace('http', 'ws')}/api/events`);
  await new Promise((r) => ws.once('open', r));
  ws.on('message', (m) => events.push(JSON.parse(String(m)) as LiveEvent));
  t.teardown(() => ws.close());

  // Registration order sets who has been idle longest: the declining and silent phones first.
  const [a1, a2, a3, , a5, a6] = stack.agents;
  for (const [agent, port] of [[a1, 16010], [a3, 16020], [a6, 16020], [a5, 16000], [a2, 16000]] as const) {
    t.equal((await registerAgent(stack, agent!, port)).code, 0, `${agent!.id} registers`);
  }
  const callerDir = peerDir(stack, 'caller', 440);

  await t.test('a declined offer goes to the next agent at once; the decliner rests in back-off', async (t) => {
    const d = await call(stack, '+15550101', 1500, callerDir, 16100);
    t.same(steps(d), ['offered:agent1', 'offer-failed:agent1:declined', 'offered:agent2', 'bridged:agent2']);
    const failed = d.timeline.find((e) => e.type === 'offer-failed')!.at;
    const reoffer = d.timeline.filter((e) => e.type === 'offered')[1]!.at;
    t.ok(reoffer - failed < 100, `re-offered ${(reoffer - failed).toFixed(1)} ms after the decline`);
    t.equal(d.disposition, 'answered');
    const a1Status = events.filter((e) => e.kind === 'agent' && e.agentId === 'agent1').map((e) => (e as { status: string }).status);
    t.ok(a1Status.includes('missed-backoff'), `agent1 went through back-off (${a1Status.join(' > ')})`);
    await waitFor('agent1 back to ready after the back-off', async () => ((await stack.http('/api/agents/agent1')) as { status: string }).status === 'ready' || undefined, 6_000);
  });

  await t.test('an unanswered offer times out, is CANCELled and goes to the next agent', async (t) => {
    const d = await call(stack, '+15550102', 3500, callerDir, 16110);
    t.same(steps(d), ['offered:agent3', 'offer-withdrawn:agent3:timeout', 'offered:agent2', 'bridged:agent2']);
    const offered = d.timeline.find((e) => e.type === 'offered')!.at;
    const withdrawn = d.timeline.find((e) => e.type === 'offer-withdrawn')!.at;
    t.ok(Math.abs(withdrawn - offered - 2000) < 250, `withdrawn after the 2 s offer timeout (${(withdrawn - offered).toFixed(0)} ms)`);
  });

  await t.test('a returning caller reaches the agent they spoke with', async (t) => {
    const first = await call(stack, '+15550103', 800, callerDir, 16120);
    const firstAgent = first.agent_id;
    t.ok(firstAgent, `first call answered by ${firstAgent}`);
    const second = await call(stack, '+15550103', 800, callerDir, 16130);
    t.equal(second.agent_id, firstAgent, 'the second call goes to the same agent, although the other one has been idle longer');
  });

  await t.test('maximum wait overflows to the configured target', async (t) => {
    const d = await call(stack, '+15550104', 6000, callerDir, 16140);
    t.equal(d.disposition, 'overflow');
    const q = d.timeline.find((e) => e.type === 'queued')!.at;
    const o = d.timeline.find((e) => e.type === 'overflow');
    t.equal(o?.data?.reason, 'max-wait');
    t.ok(o && Math.abs(o.at - q - 2000) < 250, `overflowed after the 2 s maximum wait (${o ? (o.at - q).toFixed(0) : '?'} ms)`);
  });

  await t.test('a caller who hangs up is withdrawn from the ringing agent at once', async (t) => {
    const d = await call(stack, '+15550105', 1200, callerDir, 16150);
    t.equal(d.disposition, 'abandoned');
    const ended = d.timeline.find((e) => e.type === 'ended')!;
    const withdrawn = d.timeline.find((e) => e.type === 'offer-withdrawn');
    t.equal(withdrawn?.data?.reason, 'abandoned');
    t.ok(withdrawn && withdrawn.at - ended.at < 100, `withdrawn ${withdrawn ? (withdrawn.at - ended.at).toFixed(1) : '?'} ms after the hang-up`);
    t.equal(((await stack.http('/api/agents/agent6')) as { status: string }).status, 'ready', 'agent6 is free again, not stuck offered');
    const dir = path.join(stack.dir, 'noanswer');
    const cancels = await waitFor('the silent phone to see both CANCELs', () => {
      const file = readdirSync(dir).find((f) => f.endsWith('_messages.log'));
      const n = file ? readSippTrace(path.join(dir, file)).filter((m) => m.direction === 'received' && m.firstLine.startsWith('CANCEL ')).length : 0;
      return n >= 2 ? n : undefined;
    }, 5_000);
    t.equal(cancels, 2, 'the unanswered phone received a CANCEL for the timed-out offer and for the abandoned call');
  });

  await t.test('an agent calls a colleague by extension, authenticated with their own credentials', async (t) => {
    const before = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]?.id;
    const r = await runSipp(stack.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'agent-dials.xml'), '-s', '1005', '-i', '127.0.0.1', '-p', '16170', '-mp', '16470', '-au', a2!.user, '-ap', a2!.password, '-key', 'user', a2!.user, '-key', 'domain', 'test.local', '-m', '1', '-d', '1000', '-timeout', '20s'], callerDir, 25_000);
    t.equal(r.code, 0, `the call completes${r.code ? `: ${r.stdout.slice(-600)}` : ''}`);
    const d = await waitFor('the call record', async () => {
      const latest = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string; ended_at: number | null }[] }).calls[0];
      return latest && latest.id !== before && latest.ended_at ? ((await stack.http(`/api/calls/${latest.id}`)) as Detail & { direction: string; caller_number: string }) : undefined;
    }, 10_000);
    t.equal(d.direction, 'internal');
    t.equal(d.caller_number, '1002', "the caller is the calling agent's extension");
    t.equal(d.agent_id, 'agent5', 'the colleague answered');
    const offered = d.timeline.find((e) => e.type === 'offered');
    t.equal(offered?.data?.caller, '1002', "the offer shows who is calling");
  });

  await t.test('an agent transfers the caller to a colleague (blind): the offer says who and how', async (t) => {
    const transferer = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-transfers.xml'), '-i', '127.0.0.1', '-p', '16040', '-mp', '16240', '-d', '500', '-key', 'target', '1005', '-key', 'domain', 'test.local', '-m', '1'], peerDir(stack, 'transferer', 660));
    t.teardown(() => transferer.stop());
    // agent6 now answers on the transferring phone; its queue sends the call there.
    t.equal((await registerAgent(stack, a6!, 16020, 0)).code, 0, 'agent6 leaves the silent phone');
    t.equal((await registerAgent(stack, a6!, 16040)).code, 0, 'agent6 registers the transferring phone');
    const d = await call(stack, '+15550105', 3000, callerDir, 16180);
    const types = d.timeline.map((e) => e.type);
    t.ok(types.includes('transferred'), 'the transfer is in the timeline');
    t.equal(d.agent_id, 'agent5', 'the colleague took the transferred call');
    const offers = d.timeline.filter((e) => e.type === 'offered');
    t.equal(offers.length, 2);
    t.equal(offers[1]?.data?.transferredBy, 'agent6', 'the second offer shows who transferred');
    t.equal(offers[1]?.data?.transferHow, 'blind');
    t.equal(d.disposition, 'answered');
    await waitFor('agent6 free after the transfer', async () => ((await stack.http('/api/agents/agent6')) as { status: string }).status === 'ready' || undefined, 5_000);
  });

  await t.test('a waiting caller hears their position every 10 s', async (t) => {
    const d = await call(stack, '+15550106', 12_500, callerDir, 16190);
    const queued = d.timeline.find((e) => e.type === 'queued')!.at;
    const a = d.timeline.find((e) => e.type === 'announced');
    t.equal(a?.data?.position, 1, 'position 1 announced');
    t.ok(a && Math.abs(a.at - queued - 10_000) < 500, `announced ${a ? ((a.at - queued) / 1000).toFixed(1) : '?'} s after queue entry`);
  });

  await t.test('overflow to an external number goes out through the trunk and is bridged', async (t) => {
    const carrier = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16050', '-mp', '16250', '-d', '100', '-m', '1', '-trace_msg'], peerDir(stack, 'carrier', 550));
    t.teardown(() => carrier.stop());
    const d = await call(stack, '+15550107', 3000, callerDir, 16095);
    t.same(d.timeline.filter((e) => /overflow|forwarding|bridged/.test(e.type)).map((e) => e.type), ['overflow', 'forwarding', 'bridged']);
    t.equal(d.disposition, 'forwarded');
    const dir = path.join(stack.dir, 'carrier');
    const invite = readSippTrace(path.join(dir, readdirSync(dir).find((f) => f.endsWith('_messages.log'))!)).find((m) => m.firstLine.startsWith('INVITE '));
    t.match(invite?.firstLine ?? '', /^INVITE sip:%2B15559990000@127\.0\.0\.1:16050|^INVITE sip:\+15559990000@127\.0\.0\.1:16050/, 'the carrier was asked for the external number');
  });

  await t.test('presence over REST: a break keeps the agent out of offers', async (t) => {
    const put = async (body: object) =>
      fetch(`${stack.daemon.httpAddress}/api/agents/agent2/presence`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    t.equal((await put({ presence: 'break', reason: 'no-such-reason' })).status, 400, 'an unknown break reason is refused');
    t.equal((await put({ presence: 'break', reason: 'lunch' })).status, 200);
    const d = await call(stack, '+15550101', 1200, callerDir, 16160);
    t.notOk(steps(d).some((s) => s.includes('agent2')), 'agent2 on break is not offered');
    t.equal(((await stack.http('/api/agents/agent2')) as { status: string }).status, 'break');
    t.equal((await put({ presence: 'ready' })).status, 200);
  });
});
