/**
 * npm run bench:soak: SOAK_CALLS (10,000) inbound queue calls at a steady
 * SOAK_RATE (10 a second) on the real stack, with the agent behaviour mix of
 * real life, then the state of everything once the calls have ended:
 *
 * - agents (SOAK_AGENTS, 300): 70% answer and talk SOAK_TALK_MS (2 s), 10%
 *   answer and hang up at once (a drop), 10% ring and decline, 5% are busy,
 *   5% never answer (the offer times out);
 * - callers: 85% stay until the agent hangs up, 15% hang up after 0.5-6 s,
 *   often while still waiting (abandoned).
 *
 * Afterwards every agent must be Ready, FreeSWITCH must have no channel,
 * drachtio-server no dialog, and every call a closed record; the daemon (its
 * own `pbx run` process) has its resident memory printed at the start, the
 * middle and the end. Not part of `npm test`: it runs for about
 * SOAK_CALLS / SOAK_RATE seconds.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FreeSwitchClient } from 'esl-lite';
import pino from 'pino';
import { findStack, peerDir, PORTS, registerAgent, runSipp, SIPP_DIR, startProcessStack, startSipp, waitFor, type AgentSpec, type ProcessStack } from '../test/stack/harness.js';
import { printTable } from './stats.js';

const env = (name: string, def: number) => Number(process.env[name] ?? def);
const CALLS = env('SOAK_CALLS', 10_000);
const RATE = env('SOAK_RATE', 10);
const AGENTS = env('SOAK_AGENTS', 300);
const TALK_MS = env('SOAK_TALK_MS', 2_000);

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** The phones: each a SIPp process behind the agents given to it. */
const BEHAVIOURS = [
  { name: 'answer', share: 0.7, port: 16000, args: ['-sf', 'agent-answer-hangup.xml', '-d', String(TALK_MS)] },
  { name: 'drop', share: 0.1, port: 16010, args: ['-sf', 'agent-answer-hangup.xml', '-d', '100'] },
  { name: 'decline', share: 0.1, port: 16020, args: ['-sf', 'agent-decline.xml', '-d', '300'] },
  { name: 'busy', share: 0.05, port: 16030, args: ['-sf', 'agent-busy.xml'] },
  { name: 'no answer', share: 0.05, port: 16040, args: ['-sf', 'agent-no-answer.xml'] },
];

async function registerGroup(stack: ProcessStack, agents: AgentSpec[], port: number): Promise<void> {
  for (let i = 0; i < agents.length; i += 25) {
    const batch = agents.slice(i, i + 25);
    const results = await Promise.all(batch.map((a, k) => registerAgent(stack, a, port, 7200, 18000 + k)));
    if (results.some((r) => r.code !== 0)) throw new Error(`agents of port ${port} could not register`);
  }
}

async function freeswitchChannels(): Promise<number> {
  const client = new FreeSwitchClient({ host: '127.0.0.1', port: PORTS.eslPort, password: 'ClueCon', logger: pino({ level: 'silent' }) });
  try {
    // the session count of `status`, not `show channels` (FreeSWITCH's SQL table, empty under -nosql)
    const res = await client.bgapi('status', 5_000);
    if (res instanceof Error) throw res;
    return Number(/(\d+) session\(s\) - peak/.exec(String(res.body.response ?? ''))?.[1] ?? NaN);
  } finally {
    client.end();
  }
}

async function drachtioDialogs(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${PORTS.drachtioMetrics}/metrics`)).text();
  return Number(/^drachtio_stable_dialogs\S*\s+([\d.e+]+)/m.exec(text)?.[1] ?? NaN);
}

const found = findStack();
if (!found.ok) {
  console.log(`soak: ${found.missing}`);
  process.exit(0);
}
console.log(`soak: ${CALLS} calls at ${RATE}/s onto ${AGENTS} agents (${BEHAVIOURS.map((b) => `${Math.round(b.share * 100)}% ${b.name}`).join(', ')}); callers 85% stay, 15% hang up after 0.5-6 s`);
const queueYaml = `routing: { maxMissedInRow: 100 }\nqueues:\n  support:\n    members: [${Array.from({ length: AGENTS }, (_, i) => `agent${i + 1}`).join(', ')}]\n    offerTimeoutSec: 3\n    wrapUpSec: 0\n    missedBackoffSec: 0\n`;
const stack = await startProcessStack(found.bins, { agents: AGENTS, httpPort: 18_482, queueYaml, logLevel: 'warn', sipSecurity: '{ allow: [127.0.0.0/8] }' });
const phones: Awaited<ReturnType<typeof startSipp>>[] = [];
let exitCode = 0;
try {
  let from = 0;
  for (const [i, b] of BEHAVIOURS.entries()) {
    const n = i === BEHAVIOURS.length - 1 ? AGENTS - from : Math.round(AGENTS * b.share);
    const [sf, scenario, ...rest] = b.args;
    phones.push(await startSipp(found.bins, [sf!, path.join(SIPP_DIR, scenario!), ...rest, '-i', '127.0.0.1', '-p', String(b.port), '-mp', String(20000 + i * 2000), '-l', '100000', '-aa'], peerDir(stack, `phones-${i}`, 880, 1)));
    await registerGroup(stack, stack.agents.slice(from, from + n), b.port);
    from += n;
  }
  console.log(`${AGENTS} agents registered`);
  const pid = stack.daemon.proc.pid!;
  const rss: [string, number][] = [['start', rssMb(pid)]];
  const seconds = CALLS / RATE;
  const stay = Math.round(CALLS * 0.85);
  const leave = CALLS - stay;
  const callers = (scenario: string, calls: number, port: number, mp: number) =>
    runSipp(
      found.bins,
      [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, scenario), '-s', '+15550100', '-i', '127.0.0.1', '-p', String(port), '-mp', String(mp), '-m', String(calls), '-r', String(Math.round((calls / seconds) * 1000)), '-rp', '1000000', '-l', '2000', '-trace_stat', '-fd', '10', '-timeout', `${Math.ceil(seconds) + 300}s`],
      peerDir(stack, `callers-${port}`, 440, 1),
      (seconds + 400) * 1000,
    );
  const started = Date.now();
  const runs = Promise.all([callers('caller-until-bye.xml', stay, 17000, 40000), callers('caller-abandons.xml', leave, 17001, 50000)]);
  const progress = setInterval(() => console.log(`  ${Math.round((Date.now() - started) / 1000)} s: daemon RSS ${rssMb(pid).toFixed(1)} MB`), 60_000);
  await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
  rss.push(['middle', rssMb(pid)]);
  await runs;
  clearInterval(progress);

  const db = new Database(path.join(stack.dir, 'data', 'pbx.sqlite'), { readonly: true });
  const open = () => (db.prepare('select count(*) as n from calls where ended_at is null').get() as { n: number }).n;
  await waitFor('every call record to close', () => (open() === 0 ? true : undefined), 120_000, 1_000).catch(() => undefined);
  const agents = ((await stack.http('/api/agents')) as { agents: { id: string; status: string }[] }).agents;
  await waitFor('every agent to be Ready', async () => (((await stack.http('/api/agents')) as { agents: { status: string }[] }).agents.every((a) => a.status === 'ready') ? true : undefined), 60_000, 1_000).catch(() => undefined);
  const notReady = ((await stack.http('/api/agents')) as { agents: { id: string; status: string }[] }).agents.filter((a) => a.status !== 'ready');
  rss.push(['end', rssMb(pid)]);
  const total = (db.prepare('select count(*) as n from calls').get() as { n: number }).n;
  const byDisposition = db.prepare('select disposition, count(*) as n from calls group by disposition order by n desc').all() as { disposition: string | null; n: number }[];
  const stillOpen = open();
  db.close();
  // BYEs still in flight when the last caller's SIPp exits: a minute to settle, then what is left is left.
  await waitFor('no channel and no dialog left', async () => ((await freeswitchChannels()) === 0 && (await drachtioDialogs()) === 0 ? true : undefined), 60_000, 1_000).catch(() => undefined);
  const channels = await freeswitchChannels();
  const dialogs = await drachtioDialogs();

  printTable(`Soak: ${CALLS} calls at ${RATE}/s, ${AGENTS} agents, ${((Date.now() - started) / 1000).toFixed(0)} s`, ['figure', 'value'], [
    ['call records', total],
    ...byDisposition.map((r) => [`  ${r.disposition ?? '(none)'}`, r.n] as [string, number]),
    ['call records still open', stillOpen],
    ['agents not Ready', `${notReady.length} of ${agents.length}${notReady.length ? ` (${notReady.slice(0, 5).map((a) => `${a.id}: ${a.status}`).join(', ')})` : ''}`],
    ['FreeSWITCH channels left', channels],
    ['drachtio dialogs left', dialogs],
    ...rss.map(([at, mb]) => [`daemon RSS at the ${at}`, `${mb.toFixed(1)} MB`] as [string, string]),
  ]);
  const clean = total >= CALLS && stillOpen === 0 && notReady.length === 0 && channels === 0 && dialogs === 0;
  console.log(`\n${clean ? 'Clean' : 'NOT clean'}: ${total} records for ${CALLS} calls placed`);
  if (!clean) exitCode = 1;
} finally {
  for (const p of phones) await p.stop();
  await stack.stop();
}
process.exit(exitCode);
