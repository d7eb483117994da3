/**
 * Real stack: the daemon (a `pbx run` process of its own) is killed with
 * SIGKILL while 100 calls are bridged. Every call stays up and keeps its
 * audio; the daemon started again adopts all of them, its agents are on
 * call, and each agent is free and each record closed once its call ends.
 */
import path from 'node:path';
import t from 'tap';
import type { CallTable } from '../../src/store/tables.js';
import { findStack, peerDir, PORTS, registerAgents, runSipp, SIPP_DIR, startProcessStack, startSipp, waitFor } from './harness.js';

const found = findStack();
const CALLS = Number(process.env.KILL_CALLS ?? 100);

t.test(`kill -9 of the daemon with ${CALLS} bridged calls`, { skip: found.ok ? false : found.missing, timeout: 300_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startProcessStack(found.bins, { agents: CALLS, httpPort: 18_480, logLevel: 'warn', sipSecurity: '{ allow: [127.0.0.0/8] }' });
  t.teardown(() => stack.stop());
  // One phone answers for every agent and stays on the line until the platform hangs up; it answers the probes (-aa).
  const phones = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '20000', '-l', '1000', '-aa'], peerDir(stack, 'phones', 880, 60));
  t.teardown(() => phones.stop());
  await registerAgents(stack, 16000);
  t.pass(`all ${CALLS} agents register`);
  const talkMs = 45_000;
  // 5 calls a second: what is tested is the kill with 100 calls up, not the set-up rate. At 10 a second
  // a 2-core machine loses a share of set-ups to FreeSWITCH's connection back to the daemon (issue 13's
  // work; bench:load measures the rate).

  const callers = runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '40000', '-m', String(CALLS), '-r', '5', '-l', String(CALLS), '-d', String(talkMs), '-timeout', '180s', '-aa'], peerDir(stack, 'callers', 440, 60), 200_000);
  const list = async () => ((await stack.http(`/api/calls?limit=${CALLS * 2}`)) as { calls: CallTable[] }).calls;
  const bridged = async () => (await list()).filter((c) => c.agent_answered_at && !c.ended_at);
  // Every call set up, or failed in set-up (on a 2-core machine a call or two of 100 can miss FreeSWITCH's
  // connection back to the daemon; that is counted and said, and the kill is tested with the calls that are up).
  const setUp = await waitFor(`${CALLS} calls to be bridged or to have failed`, async () => {
    const l = await list();
    const up = l.filter((c) => c.agent_answered_at && !c.ended_at).length;
    const failed = l.filter((c) => c.ended_at && c.disposition === 'failed').length;
    return l.length === CALLS && up + failed === CALLS ? { up, failed } : undefined;
  }, 90_000, 250);
  t.ok(setUp.up >= CALLS * 0.97, `${setUp.up} of ${CALLS} calls bridged (${setUp.failed} failed in set-up)`);
  const N = setUp.up;
  await new Promise((r) => setTimeout(r, 1_000)); // the router's state is saved within 250 ms of a change

  await stack.daemon.kill('SIGKILL');
  const killedAt = Date.now();
  await stack.daemon.start();
  await waitFor('the new daemon to be up', async () => ((await stack.http('/healthz')) as { status: string }).status === 'ok' || undefined, 30_000, 200);
  t.pass(`a new daemon is up ${Date.now() - killedAt} ms after the kill`);
  const onCall = async () => ((await stack.http('/api/agents')) as { agents: { status: string }[] }).agents.filter((a) => a.status === 'on-call').length;
  t.equal(await onCall(), N, `all ${N} agents with a call are on call under the new daemon`);
  const up = await bridged();
  t.equal(up.length, N, `all ${N} calls are still up`);
  const adopted = await waitFor('the new daemon to adopt every call', async () => {
    const timelines = await Promise.all(up.map(async (c) => (await stack.http(`/api/calls/${c.id}`)) as { timeline: { type: string }[] }));
    const n = timelines.filter((x) => x.timeline.some((e) => e.type === 'adopted-after-restart')).length;
    return n === N ? n : undefined;
  }, 60_000, 500);
  t.equal(adopted, N, `all ${N} calls adopted by the new daemon, ${Date.now() - killedAt} ms after the kill`);

  await callers;
  const rows = await waitFor('every call record to close', async () => {
    const list = ((await stack.http(`/api/calls?limit=${CALLS * 2}`)) as { calls: CallTable[] }).calls;
    return list.length >= CALLS && list.every((c) => c.ended_at && (c.caller_rtp_in !== null || !up.some((u) => u.id === c.id))) ? list : undefined;
  }, 90_000, 500);
  const kept = rows.filter((c) => up.some((u) => u.id === c.id));
  t.equal(kept.filter((c) => c.disposition === 'answered').length, N, 'every call that was up closed as answered');
  const expected = (talkMs / 20) * 0.8;
  const short = kept.filter((c) => (c.caller_rtp_in ?? 0) < expected);
  t.equal(short.length, 0, `every caller's audio reached FreeSWITCH for the whole call, through the kill (fewest: ${Math.min(...kept.map((c) => c.caller_rtp_in ?? 0))} packets, over ${expected} expected)`);
  await waitFor('every agent to be free', async () => ((await onCall()) === 0 ? true : undefined), 30_000, 500);
  t.pass('every agent is free once the calls are over');
});
