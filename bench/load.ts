/**
 * npm run bench:load: a rate ramp of inbound queue calls on the real stack.
 * SIPp callers dial a DID that queues them; several hundred registered
 * agents (one SIPp phone answering for all of them) answer at once and hang
 * up after the talk time. Each step runs LOAD_STEP_SEC seconds at a rising
 * rate until the first failed call, or until the p99 of queue entry -> agent
 * INVITE passes LOAD_P99_MS. Per step it prints attempted, answered, failed,
 * retransmissions, the offer latency and each process's CPU and memory; then
 * the headline: the highest rate with no failure within the latency limit.
 *
 *   LOAD_AGENTS (400)  LOAD_RATES (10,20,30,40,50,60,70,80)  LOAD_STEP_SEC (30)
 *   LOAD_TALK_MS (2000)  LOAD_P99_MS (20)
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { findStack, peerDir, PORTS, registerAgents, runSipp, SIPP_DIR, startSipp, startStack, waitFor } from '../test/stack/harness.js';
import { percentile, printTable } from './stats.js';

const env = (name: string, def: number) => Number(process.env[name] ?? def);
const AGENTS = env('LOAD_AGENTS', 400);
const RATES = (process.env.LOAD_RATES ?? '10,20,30,40,50,60,70,80').split(',').map(Number);
const STEP_SEC = env('LOAD_STEP_SEC', 30);
const TALK_MS = env('LOAD_TALK_MS', 2000);
const P99_LIMIT_MS = env('LOAD_P99_MS', 20);
const TICK = 100; // Linux clock ticks per second (/proc/PID/stat)

/** CPU seconds and resident memory of a process, from /proc. */
function usage(pid: number): { cpuSec: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSec = (Number(fields[11]) + Number(fields[12])) / TICK;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpuSec, rssMb: Number(rss ?? 0) / 1024 };
}

/** SIPp's cumulative counters from its -trace_stat file (the last line). */
function sippCounters(dir: string): { success: number; failed: number; retrans: number; created: number } {
  const file = readdirSync(dir).find((f) => f.endsWith('_.csv'));
  if (!file) return { success: 0, failed: 0, retrans: 0, created: 0 };
  const lines = readFileSync(path.join(dir, file), 'utf8').trim().split('\n');
  const header = lines[0]!.split(';');
  const last = lines.at(-1)!.split(';');
  const col = (name: string) => Number(last[header.indexOf(name)] ?? 0);
  return { success: col('SuccessfulCall(C)'), failed: col('FailedCall(C)'), retrans: col('Retransmissions(C)'), created: col('TotalCallCreated') };
}

interface Step {
  rate: number;
  attempted: number;
  answered: number;
  failed: number;
  /** Answered by both phones but never bridged by FreeSWITCH (counted in failed). */
  unbridged: number;
  retrans: number;
  offerP50: number;
  offerP99: number;
  cpu: Record<string, number>;
  rss: Record<string, number>;
}

export async function benchLoad(): Promise<Step[] | undefined> {
  const found = findStack();
  if (!found.ok) {
    console.log(`load ramp: ${found.missing}`);
    return undefined;
  }
  console.log(`load ramp: ${AGENTS} agents, rates ${RATES.join(', ')} calls/s, ${STEP_SEC} s per step, ${TALK_MS} ms talk...`);
  const queueYaml = `routing: { maxMissedInRow: 100 }\nqueues:\n  support:\n    members: [${Array.from({ length: AGENTS }, (_, i) => `agent${i + 1}`).join(', ')}]\n    offerTimeoutSec: 10\n    wrapUpSec: 0\n    missedBackoffSec: 0\n`;
  // The load generator stands for a carrier or SBC: allow-listed, like the office's own networks.
  const stack = await startStack(found.bins, { agents: AGENTS, queueYaml, logLevel: 'warn', sipSecurity: '{ allow: [127.0.0.0/8] }' });
  const phones = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer-hangup.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '20000', '-d', String(TALK_MS), '-l', '100000', '-aa'], peerDir(stack, 'phones', 880, 1));
  const steps: Step[] = [];
  try {
    await registerAgents(stack, 16000);
    console.log(`${AGENTS} agents registered`);
    const pids = { freeswitch: stack.servers.fs.proc.pid!, drachtio: stack.servers.drachtio.proc.pid!, daemon: process.pid };
    for (const [i, rate] of RATES.entries()) {
      const calls = rate * STEP_SEC;
      const dir = peerDir(stack, `callers-${rate}`, 440, 1);
      const startedAt = Date.now();
      const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, usage(pid).cpuSec]));
      const r = await runSipp(
        found.bins,
        [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller-until-bye.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', String(17000 + i), '-mp', String(40000 + i * 2000), '-m', String(calls), '-r', String(rate), '-l', String(rate * 20), '-trace_stat', '-fd', '1', '-timeout', `${STEP_SEC + 60}s`],
        dir,
        (STEP_SEC + 90) * 1000,
      );
      const elapsed = (Date.now() - startedAt) / 1000;
      const after = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, usage(pid)]));
      const counters = sippCounters(dir);
      // Queue entry -> the INVITE leaving for the agent, from the daemon's records of this step's calls.
      await waitFor('the step\'s call records to close', async () => {
        const open = await sql<{ n: number }>`select count(*) as n from calls where arrived_at >= ${startedAt} and ended_at is null`.execute(stack.daemon.db);
        return Number(open.rows[0]!.n) === 0 ? true : undefined;
      }, 60_000, 500).catch(() => undefined);
      const rows = await sql<{ d: number }>`select offered_at - queued_at as d from calls where arrived_at >= ${startedAt} and offered_at is not null and queued_at is not null`.execute(stack.daemon.db);
      const offers = rows.rows.map((x) => Number(x.d));
      // SIPp counts a call whose phones were answered; a call whose media was never bridged failed all the same.
      const unbridged = await sql<{ n: number }>`select count(*) as n from calls c where c.arrived_at >= ${startedAt} and c.agent_answered_at is not null and not exists (select 1 from call_events e where e.call_id = c.id and e.type = 'bridged')`.execute(stack.daemon.db);
      const step: Step = {
        rate,
        attempted: counters.created || calls,
        answered: counters.success,
        failed: counters.failed + (r.code !== 0 && counters.failed === 0 ? Math.max(0, calls - counters.success) : 0) + Number(unbridged.rows[0]!.n),
        unbridged: Number(unbridged.rows[0]!.n),
        retrans: counters.retrans,
        offerP50: percentile(offers, 50),
        offerP99: percentile(offers, 99),
        cpu: Object.fromEntries(Object.entries(after).map(([k, u]) => [k, ((u.cpuSec - before[k]!) / elapsed) * 100])),
        rss: Object.fromEntries(Object.entries(after).map(([k, u]) => [k, u.rssMb])),
      };
      steps.push(step);
      console.log(`  ${rate} cps: ${step.answered}/${step.attempted} answered, ${step.failed} failed (${step.unbridged} never bridged), offer p99 ${step.offerP99.toFixed(1)} ms, CPU fs ${step.cpu.freeswitch!.toFixed(0)}% drachtio ${step.cpu.drachtio!.toFixed(0)}% daemon ${step.cpu.daemon!.toFixed(0)}%`);
      if (step.failed > 0 || step.offerP99 > P99_LIMIT_MS) break;
      await new Promise((res) => setTimeout(res, 3_000));
    }
  } finally {
    await phones.stop();
    await stack.stop();
  }
  printTable(
    `Load ramp (${AGENTS} agents, ${STEP_SEC} s per step, ${TALK_MS} ms talk; CPU in % of one core, RSS in MB)`,
    ['cps', 'attempted', 'answered', 'failed', 'retrans', 'offer p50 ms', 'offer p99 ms', 'CPU fs', 'CPU drachtio', 'CPU daemon', 'RSS fs', 'RSS drachtio', 'RSS daemon'],
    steps.map((s) => [s.rate, s.attempted, s.answered, s.failed, s.retrans, s.offerP50.toFixed(2), s.offerP99.toFixed(2), s.cpu.freeswitch!.toFixed(0), s.cpu.drachtio!.toFixed(0), s.cpu.daemon!.toFixed(0), s.rss.freeswitch!.toFixed(0), s.rss.drachtio!.toFixed(0), s.rss.daemon!.toFixed(0)]),
  );
  const clean = steps.filter((s) => s.failed === 0 && s.offerP99 <= P99_LIMIT_MS).map((s) => s.rate);
  const best = clean.length ? Math.max(...clean) : 0;
  console.log(`\nHeadline: ${best} calls per second with 0 failures and offer p99 <= ${P99_LIMIT_MS} ms (mod_callcenter on this kind of machine: 55 clean; ratio ${(best / 55).toFixed(2)})`);
  const perCps = steps.filter((s) => s.failed === 0).map((s) => ({ rate: s.rate, fs: s.cpu.freeswitch! / s.rate, drachtio: s.cpu.drachtio! / s.rate, daemon: s.cpu.daemon! / s.rate }));
  for (const p of perCps) console.log(`  at ${p.rate} cps, % of a core per call/s: FreeSWITCH ${p.fs.toFixed(2)}, drachtio ${p.drachtio.toFixed(2)}, daemon ${p.daemon.toFixed(2)} (mod_callcenter's FreeSWITCH: 2.5)`);
  return steps;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchLoad();
  process.exit(0);
}
