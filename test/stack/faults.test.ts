/**
 * Real stack, component failures under calls:
 * - FreeSWITCH killed (-9) with a bridged call: both phones get a BYE, the
 *   agent is free, the record is closed with the cause, new calls get 503
 *   while it is down and are taken again soon after it is back.
 * - drachtio-server killed (-9) and started again under a bridged call: the
 *   daemon reconnects, the call's audio keeps flowing, and the call still
 *   ends cleanly (agent freed, record closed) when the caller hangs up.
 */
import path from 'node:path';
import t from 'tap';
import { sql } from 'kysely';
import type { CallTable } from '../../src/store/tables.js';
import { finalStatus } from '../support/sip-fuzz.js';
import { findStack, peerDir, PORTS, registerAgent, runSipp, SIPP_DIR, startSipp, startStack, waitFor, type Stack } from './harness.js';

const found = findStack();

async function latestCall(stack: Stack): Promise<CallTable | undefined> {
  return ((await stack.http('/api/calls?limit=1')) as { calls: CallTable[] }).calls[0];
}

async function agentStatus(stack: Stack, id = 'agent1'): Promise<string> {
  return ((await stack.http(`/api/agents/${id}`)) as { status: string }).status;
}

const exited = (p: { exitCode: number | null; signalCode: string | null }) => p.exitCode !== null || p.signalCode !== null;

t.test('FreeSWITCH dies under a bridged call', { skip: found.ok ? false : found.missing, timeout: 180_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins);
  t.teardown(() => stack.stop());
  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-m', '1'], peerDir(stack, 'agent', 880, 30));
  t.teardown(() => phone.stop());
  t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0, 'the agent registers');
  const caller = runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller-until-bye.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '16400', '-m', '1', '-timeout', '60s', '-timeout_error'], peerDir(stack, 'caller', 440, 30), 70_000);
  await waitFor('the call to be bridged', async () => ((await latestCall(stack))?.agent_answered_at ? true : undefined));
  await new Promise((r) => setTimeout(r, 1_000));

  const killedAt = Date.now();
  await stack.servers.fs.kill('SIGKILL');
  const row = await waitFor('the call record to close', async () => {
    const r = await latestCall(stack);
    return r?.ended_at ? r : undefined;
  }, 10_000, 50);
  const noticedMs = row.ended_at! - killedAt;
  t.ok(noticedMs < 2_000, `noticed and ended within 2 s (${noticedMs} ms)`);
  t.equal(row.hangup_cause, 'MEDIA_SERVER_LOST', 'closed with the cause');
  t.equal(row.hangup_side, 'system');
  t.equal(row.disposition, 'answered', 'the customer had been talking to an agent');
  const done = await caller;
  t.equal(done.code, 0, "the caller's phone got a BYE (its scenario ends on one)");
  await waitFor("the agent's phone to get its BYE", () => (exited(phone.proc) ? true : undefined), 10_000);
  t.equal(phone.proc.exitCode, 0, "the agent's phone got a BYE and answered it");
  t.equal(await agentStatus(stack), 'ready', 'the agent is free again');
  const health = (await stack.http('/healthz')) as { status: string };
  t.equal(health.status, 'degraded', '/healthz says so');

  const target = { host: '127.0.0.1', port: PORTS.drachtioSip, did: '+15550100', domain: 'test.local' };
  t.equal(await finalStatus(target), 503, 'a new call gets 503 while FreeSWITCH is down');

  await stack.servers.fs.start();
  const upAt = Date.now();
  const phone2 = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-m', '1'], peerDir(stack, 'agent', 880, 30));
  t.teardown(() => phone2.stop());
  await waitFor('the daemon to take calls again', async () => ((await stack.http('/healthz')) as { status: string }).status === 'ok' || undefined, 20_000, 100);
  const tookMs = Date.now() - upAt;
  t.ok(tookMs < 5_000, `takes calls again ${tookMs} ms after FreeSWITCH is back`);
  const next = await runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16101', '-mp', '16500', '-m', '1', '-d', '2000', '-timeout', '30s', '-timeout_error'], peerDir(stack, 'caller2', 440), 40_000);
  t.equal(next.code, 0, 'a new call is answered and bridged, without restarting the daemon');
});

t.test('drachtio-server dies and comes back under a bridged call', { skip: found.ok ? false : found.missing, timeout: 180_000 }, async (t) => {
  if (!found.ok) return;
  // The phones answer in-dialog OPTIONS (-aa): the daemon probes them once drachtio-server has forgotten their dialogs.
  const stack = await startStack(found.bins);
  t.teardown(() => stack.stop());
  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-m', '1', '-aa'], peerDir(stack, 'agent', 880, 30));
  t.teardown(() => phone.stop());
  t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0, 'the agent registers');
  const talkMs = 15_000;
  const caller = runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '16400', '-m', '1', '-d', String(talkMs), '-timeout', '60s', '-aa'], peerDir(stack, 'caller', 440, 30), 70_000);
  await waitFor('the call to be bridged', async () => ((await latestCall(stack))?.agent_answered_at ? true : undefined));
  const callId = (await latestCall(stack))!.id;

  await stack.servers.drachtio.kill('SIGKILL');
  await waitFor('/healthz to say drachtio is down', async () => ((await stack.http('/healthz')) as { dependencies: Record<string, { up: boolean }> }).dependencies.drachtio?.up === false || undefined, 5_000, 50);
  await new Promise((r) => setTimeout(r, 1_000));
  await stack.servers.drachtio.start();
  const backAt = Date.now();
  await waitFor('the daemon to reconnect', async () => ((await stack.http('/healthz')) as { status: string }).status === 'ok' || undefined, 10_000, 50);
  const reconnectMs = Date.now() - backAt;
  t.ok(reconnectMs < 5_000, `the daemon reconnected ${reconnectMs} ms after drachtio-server was back`);
  t.equal(await agentStatus(stack), 'on-call', 'the agent is still on the call');

  await caller;
  const row = await waitFor('the call record to close', async () => {
    const r = (await stack.http(`/api/calls/${callId}`)) as CallTable;
    return r.ended_at && r.caller_rtp_in !== null && r.agent_rtp_in !== null ? r : undefined;
  }, 30_000, 200);
  const expected = (talkMs / 20) * 0.85;
  t.ok(row.caller_rtp_in! > expected && row.agent_rtp_in! > expected, `audio flowed through the outage both ways (caller ${row.caller_rtp_in}, agent ${row.agent_rtp_in} packets; over ${expected} expected)`);
  t.equal(row.disposition, 'answered');
  await waitFor('the agent to be free', async () => ((await agentStatus(stack)) === 'ready' ? true : undefined), 10_000);
  t.pass('the agent is free once the call is over');
  await waitFor("the agent's phone to get its BYE", () => (exited(phone.proc) ? true : undefined), 15_000);
  t.equal(phone.proc.exitCode, 0, "the agent's phone was hung up too");
});

t.test('the database becomes read-only: calls go on, /healthz says so, the records are written once it is writable', { skip: found.ok ? false : found.missing, timeout: 120_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins);
  t.teardown(() => stack.stop());
  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200'], peerDir(stack, 'agent', 880));
  t.teardown(() => phone.stop());
  t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0, 'the agent registers');
  const db = stack.daemon.db;
  // SQLite itself answers SQLITE_READONLY to every write from here on, as on a disk remounted read-only
  // (a full disk is SQLITE_FULL, the same path: test/unit/store/calls-disk.test.ts).
  await sql`pragma query_only = 1`.execute(db);
  const before = ((await stack.http('/api/calls?limit=1000')) as { calls: CallTable[] }).calls.length;
  for (const n of [0, 1, 2]) {
    const r = await runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', String(16100 + n), '-mp', String(16400 + 10 * n), '-m', '1', '-d', '1500', '-timeout', '30s', '-timeout_error'], peerDir(stack, `caller${n}`, 440), 40_000);
    t.equal(r.code, 0, `call ${n + 1} is answered and bridged with the database read-only`);
  }
  const health = (await stack.http('/healthz')) as { status: string; dependencies: Record<string, { up: boolean; detail?: string }> };
  t.equal(health.status, 'degraded');
  t.match(health.dependencies.database?.detail ?? '', /SQLITE_READONLY.*waiting in memory/, '/healthz names the failure and the backlog');
  await sql`pragma query_only = 0`.execute(db);
  const rows = await waitFor('the records to be written', async () => {
    const list = ((await stack.http('/api/calls?limit=1000')) as { calls: CallTable[] }).calls;
    return list.length >= before + 3 && list.slice(0, 3).every((c) => c.ended_at && c.disposition === 'answered') ? list : undefined;
  }, 20_000, 200);
  t.equal(rows.length, before + 3, 'all three calls have their record, closed, once the database is writable');
  t.equal(((await stack.http('/healthz')) as { status: string }).status, 'ok', 'and /healthz is healthy again');
  t.equal((await stack.daemon.metrics.dbWritesLost.get()).values[0]?.value ?? 0, 0, 'no write was lost');
});
