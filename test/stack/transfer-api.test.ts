/**
 * Real stack, blind transfer from the API (and so the desk): to a colleague's
 * extension, the customer then hears the colleague; to an external number
 * that declines, the customer is not lost but back in the queue, answered
 * again by the agent; refusals name the reason. Tones tell who hears whom.
 */
import path from 'node:path';
import t from 'tap';
import { RtpPeer } from '../support/rtp-peer.js';
import { findStack, registerAgent, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';
import { AGENT, api, closed, COLLEAGUE, connectCall, describe, dominant, exited, sleep, type CallDetail } from './live-support.js';

const found = findStack();

t.test('blind transfer from the API', { skip: found.ok ? false : found.missing, timeout: 200_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins, {
    agents: 2,
    agentExtra: { agent1: 'mayCallExternal: true' },
    queueYaml: `queues:\n  support:\n    members: [agent1]\n    offerTimeoutSec: 10\n    wrapUpSec: 0\n    missedBackoffSec: 1\ntrunks:\n  pstn: { uri: "sip:127.0.0.1:16560" }\nexternal:\n  allow: ['^\\+1555']\n`,
  });
  t.teardown(() => stack.stop());
  const timeline = async (id: string) => ((await stack.http(`/api/calls/${id}`)) as CallDetail).timeline;

  await t.test('to a colleague: the customer then hears them', async (t) => {
    const colleague = await RtpPeer.open(COLLEAGUE);
    t.teardown(() => colleague.close());
    t.equal((await registerAgent(stack, stack.agents[1]!, 16540)).code, 0, 'agent2 registers');
    const phone2 = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-media.xml'), '-i', '127.0.0.1', '-p', '16540', '-m', '1', '-d', '300', '-key', 'rtp_port', String(colleague.port), '-timeout', '60s', '-timeout_error'], stack.dir);
    const p = await connectCall(stack, { port: 16520 }, t);
    await sleep(1_000);
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/transfer`, { to: 'nowhere' }), { status: 400, json: { field: 'to' } }, 'an unknown target: 400 naming the field');
    t.match(await api(stack, 'POST', `/api/calls/${p.callId}/transfer`, { to: '+442071234567' }), { status: 403, json: { field: 'to' } }, 'a number the toll rules refuse: 403');
    t.match(await api(stack, 'POST', '/api/calls/nope/transfer', { to: '1002' }), { status: 404 }, 'an unknown call: 404');
    const r = await api(stack, 'POST', `/api/calls/${p.callId}/transfer`, { to: '1002' });
    t.match(r, { status: 202, json: { status: 'transferring', to: '1002' } }, 'transfer accepted');
    t.equal(await exited(p.phone, "agent1's phone", 10_000), 0, "agent1's phone gets its BYE");
    await waitFor('agent2 connected', async () => ((await api(stack, 'GET', `/api/calls/${p.callId}/live`)).json as { legs?: { agentId?: string }[] }).legs?.some((l) => l.agentId === 'agent2') || undefined, 15_000);
    await sleep(1_500);
    const now = Date.now();
    const heard = dominant(p.customer, now - 1_000, now);
    t.equal(heard.tone, COLLEAGUE, `the customer hears agent2: ${describe(heard)}`);
    const offered = (await timeline(p.callId)).filter((e) => e.type === 'offered').at(-1);
    t.match(offered?.data, { agentId: 'agent2', transferredBy: 'agent1', transferHow: 'blind' }, "agent2's offer says who transferred it");
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/hangup`)).status, 200);
    t.equal(await exited(p.caller, 'the caller'), 0);
    await exited(phone2, "agent2's phone");
    await closed(stack, p.callId);
  });

  await t.test('to an external number that declines: the customer is back in the queue', async (t) => {
    const trunk = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-decline.xml'), '-i', '127.0.0.1', '-p', '16560', '-m', '1', '-timeout', '60s', '-timeout_error'], stack.dir);
    const p = await connectCall(stack, { port: 16580 }, t);
    await sleep(1_000);
    const r = await api(stack, 'POST', `/api/calls/${p.callId}/transfer`, { to: '+15559990000' });
    t.equal(r.status, 202, `transfer to the number accepted ${JSON.stringify(r.json)}`);
    t.equal(await exited(p.phone, "agent1's phone", 10_000), 0, "agent1's phone gets its BYE");
    // agent1 answers again, on a new phone.
    const again = await RtpPeer.open(AGENT);
    t.teardown(() => again.close());
    t.equal((await registerAgent(stack, stack.agents[0]!, 16600)).code, 0);
    const phoneB = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-media.xml'), '-i', '127.0.0.1', '-p', '16600', '-m', '1', '-d', '300', '-key', 'rtp_port', String(again.port), '-timeout', '60s', '-timeout_error'], stack.dir);
    t.equal(await exited(trunk, 'the trunk'), 0, 'the trunk declined the call');
    const failed = await waitFor('the transfer to fail', async () => (await timeline(p.callId)).find((e) => e.type === 'transfer-failed'), 10_000);
    t.match(failed.data, { by: 'agent1', to: '+15559990000', reason: 'declined', status: 603 }, 'the timeline says why the transfer failed');
    await waitFor('the customer to be connected again', async () => ((await api(stack, 'GET', `/api/calls/${p.callId}/live`)).json as { legs?: { agentId?: string }[] }).legs?.some((l) => l.agentId === 'agent1') || undefined, 20_000);
    const steps = (await timeline(p.callId)).map((e) => e.type);
    t.ok(steps.lastIndexOf('queued') > steps.indexOf('transfer-failed'), 'then queued again');
    await sleep(1_500);
    const now = Date.now();
    t.equal(dominant(p.customer, now - 1_000, now).tone, AGENT, 'and the customer hears the agent again');
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/hangup`)).status, 200);
    t.equal(await exited(p.caller, 'the caller'), 0);
    await exited(phoneB, "agent1's second phone");
    const d = await closed(stack, p.callId);
    t.equal(d.disposition, 'answered');
  });
});
