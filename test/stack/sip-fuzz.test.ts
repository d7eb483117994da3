/**
 * Real stack under malformed SIP and API input: while a call is bridged, a
 * few thousand malformed messages go to drachtio-server's SIP port and random
 * bodies to the API. drachtio-server and the daemon stay up, the call in
 * progress keeps its audio to the end, and a new call afterwards works.
 */
import path from 'node:path';
import t from 'tap';
import type { CallTable } from '../../src/store/tables.js';
import { fuzzMessages, MUTATIONS, sendFuzz } from '../support/sip-fuzz.js';
import { rng, pick } from '../support/random.js';
import { findStack, peerDir, PORTS, registerAgent, runSipp, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';

const found = findStack();
const MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 4_000);

t.test('malformed SIP and API bodies crash nothing and drop no call', { skip: found.ok ? false : found.missing, timeout: 240_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins, {
    numbersYaml: `numbers:\n  "+15550100":\n    route: { queue: support }\n  "+15550199":\n    route: { message: goodbye.wav, hangup: true }\n`,
  });
  t.teardown(() => stack.stop());
  const callerDir = peerDir(stack, 'caller', 440, 30);
  const agentDir = peerDir(stack, 'agent', 880, 30);
  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200'], agentDir);
  t.teardown(() => phone.stop());
  t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0, 'the agent registers');

  // A call that stays bridged through the whole run.
  const talkMs = 25_000;
  const call = runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '16400', '-m', '1', '-d', String(talkMs), '-timeout', '60s', '-timeout_error'], callerDir, 90_000);
  await waitFor('the call to be bridged', async () => {
    const list = (await stack.http('/api/calls?limit=1')) as { calls: CallTable[] };
    return list.calls[0]?.agent_answered_at ? true : undefined;
  });

  // Every mutation, the INVITEs to a number the platform answers (so they reach FreeSWITCH too).
  const target = { host: '127.0.0.1', port: PORTS.drachtioSip, did: '+15550199', domain: 'test.local' };
  const messages = fuzzMessages(Number(process.env.FUZZ_SEED ?? 7), MESSAGES, target);
  // From an address of its own, as a scanner on the internet: the phones on 127.0.0.1 must not suffer for it.
  const sip = await sendFuzz(messages, target, 400, '127.0.0.2');
  t.equal(sip.sent, MESSAGES, `${MESSAGES} malformed messages sent (${Object.keys(MUTATIONS).length} kinds)`);
  t.ok(sip.responses > MESSAGES / 10, `drachtio-server answered what it could parse (${sip.responses} responses)`);
  const bans = (await stack.http('/api/security/bans')) as { bans: { source: string }[] };
  t.same(bans.bans.map((b) => b.source), ['127.0.0.2'], 'the fuzzing source is banned, nobody else');

  // Random API bodies: every one gets a 4xx or a 2xx, never a 5xx or a dropped connection.
  const r = rng(11);
  const bodies = ['', '{', 'null', '[]', '{"to":1}', '{"digits":{}}', '"x"', '{"presence":"nope"}', '{"to":"sip:a@b","amd":{"params":{"x":-1}}}', JSON.stringify({ a: 'x'.repeat(100_000) }), '\u0000\u00ff', '{"__proto__":{"admin":true}}'];
  const routes = ['/api/calls', '/api/agents/agent1/presence', '/api/agents/agent1/wrap-up', '/api/contacts', '/api/agents/nobody/presence', '/api/reload', '/api/agents/agent1/take/nope'];
  const statuses = new Map<number, number>();
  for (let i = 0; i < 300; i++) {
    const route = pick(r, routes);
    const method = pick(r, ['POST', 'PUT', 'DELETE']);
    const body = pick(r, bodies);
    const res = await fetch(`${stack.daemon.httpAddress}${route}`, { method, headers: { 'content-type': pick(r, ['application/json', 'text/csv', 'text/plain']) }, body: body === '' ? undefined : body });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    await res.arrayBuffer();
  }
  const serverErrors = [...statuses].filter(([s]) => s >= 500);
  t.same(serverErrors, [], `no API body made a 5xx (${JSON.stringify(Object.fromEntries(statuses))})`);

  t.equal(stack.servers.drachtio.proc.exitCode ?? stack.servers.drachtio.proc.signalCode, null, 'drachtio-server is still running');
  t.equal(stack.servers.fs.proc.exitCode ?? stack.servers.fs.proc.signalCode, null, 'FreeSWITCH is still running');
  const health = (await stack.http('/healthz')) as { status: string };
  t.equal(health.status, 'ok', 'the daemon reports every dependency up');

  const done = await call;
  t.equal(done.code, 0, `the call in progress ran to its end${done.code ? `: ${done.stderr.slice(-600)}` : ''}`);
  const row = await waitFor('the call record to close with RTP counters', async () => {
    const list = (await stack.http('/api/calls?limit=1000')) as { calls: CallTable[] };
    const c = list.calls.find((c) => c.did === '+15550100');
    return c?.ended_at && c.agent_rtp_in !== null && c.caller_rtp_in !== null ? c : undefined;
  }, 40_000);
  t.equal(row.disposition, 'answered');
  t.equal(row.hangup_side, 'caller', 'the caller ended it, nobody else');
  // 20 ms packets: the whole talk time, each way, without a gap the fuzzing caused.
  const expected = (talkMs / 20) * 0.9;
  t.ok(row.caller_rtp_in! > expected && row.agent_rtp_in! > expected, `audio flowed the whole call both ways (caller ${row.caller_rtp_in}, agent ${row.agent_rtp_in} packets; over ${expected} expected)`);

  // And the platform takes the next call as usual.
  const next = await runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16101', '-mp', '16500', '-m', '1', '-d', '2000', '-timeout', '30s', '-timeout_error'], callerDir, 40_000);
  t.equal(next.code, 0, 'a call after the run is answered and bridged');
});
