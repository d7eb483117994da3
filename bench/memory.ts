/**
 * npm run bench:memory: the daemon's resident memory with MEM_CALLS (500)
 * calls bridged at once on the real stack. The daemon runs as its own
 * `pbx run` process, so the figure is its own; printed with no calls, at
 * each 100 calls up, and once they have all ended. Callers arrive at
 * MEM_RATE a second.
 *
 * The phones send no audio unless MEM_AUDIO=1: the daemon never touches
 * media, and on two cores FreeSWITCH and SIPp relaying a thousand streams
 * next to everything else saturate at about 350 calls (MEM_AUDIO=1 shows
 * it). Silent legs end after FreeSWITCH's rtp-timeout-sec (60 s), so the
 * calls are held for 20 s after the last one arrives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CallTable } from '../src/store/tables.js';
import { findStack, peerDir, PORTS, registerAgents, runSipp, SIPP_DIR, startProcessStack, startSipp, waitFor } from '../test/stack/harness.js';

const CALLS = Number(process.env.MEM_CALLS ?? 500);
const AUDIO = process.env.MEM_AUDIO === '1';
const RATE = Number(process.env.MEM_RATE ?? (AUDIO ? 10 : 20));
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const found = findStack();
if (!found.ok) {
  console.log(`memory: ${found.missing}`);
  process.exit(0);
}
const stack = await startProcessStack(found.bins, { agents: CALLS, httpPort: 18_481, logLevel: 'warn', sipSecurity: '{ allow: [127.0.0.0/8] }' });
/** The scenario as it is, or written into the peer's directory without its audio stream. */
function scenario(name: string, dir: string): string {
  if (AUDIO) return path.join(SIPP_DIR, name);
  const text = readFileSync(path.join(SIPP_DIR, name), 'utf8');
  const silent = text.replace(/<nop>\s*<action>\s*<exec rtp_stream="[^"]*"\/>\s*<\/action>\s*<\/nop>/g, '');
  if (silent === text) throw new Error(`${name}: no audio stream to take out`);
  const file = path.join(dir, `silent-${name}`);
  writeFileSync(file, silent);
  return file;
}
const phonesDir = peerDir(stack, 'phones', 880, 1);
const phones = await startSipp(found.bins, ['-sf', scenario('agent-answer.xml', phonesDir), '-i', '127.0.0.1', '-p', '16000', '-mp', '20000', '-l', '5000', '-aa'], phonesDir);
try {
  await registerAgents(stack, 16000);
  const pid = stack.daemon.proc.pid!;
  const figures: [string, number][] = [['0 calls', rssMb(pid)]];
  // every call is still up when the last one is bridged
  const holdMs = (AUDIO ? 40_000 : 20_000) + Math.ceil((CALLS * 1000) / RATE);
  if (!AUDIO && holdMs > 58_000) throw new Error(`silent calls held ${holdMs} ms would pass FreeSWITCH's rtp-timeout-sec (60 s): raise MEM_RATE`);
  console.log(`memory: ${CALLS} calls arriving at ${RATE}/s, held ${(holdMs / 1000).toFixed(0)} s, ${AUDIO ? 'both phones streaming audio' : 'no audio'}`);
  const callersDir = peerDir(stack, 'callers', 440, 1);
  const callers = runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', scenario('caller.xml', callersDir), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '40000', '-m', String(CALLS), '-r', String(RATE), '-l', String(CALLS), '-d', String(holdMs), '-timeout', `${Math.ceil(holdMs / 1000) + 120}s`, '-aa'], callersDir, holdMs + 180_000);
  const bridged = async () => ((await stack.http(`/api/calls?limit=${CALLS * 2}`)) as { calls: CallTable[] }).calls.filter((c) => c.agent_answered_at && !c.ended_at).length;
  const show = (what: string) => {
    figures.push([what, rssMb(pid)]);
    console.log(`  ${what.padEnd(18)} ${figures.at(-1)![1].toFixed(1)} MB`);
  };
  console.log(`  ${'0 calls'.padEnd(18)} ${figures[0]![1].toFixed(1)} MB`);
  let most = 0;
  for (let n = 100; n <= CALLS; n += 100) {
    const ok = await waitFor(`${n} calls bridged`, async () => {
      most = Math.max(most, await bridged());
      return most >= n ? true : undefined;
    }, 120_000, 250).catch(() => false);
    if (!ok) {
      // Say how far it got, with the daemon's memory there, rather than nothing.
      show(`${most} calls bridged (the most; ${n} not reached in 120 s)`);
      break;
    }
    show(`${n} calls bridged`);
  }
  await callers;
  await waitFor('every call to end', async () => ((await bridged()) === 0 ? true : undefined), 120_000, 1_000);
  figures.push(['all ended', rssMb(pid)]);
  console.log(`\nDaemon RSS with calls bridged at once (target at 500: under 200 MB)`);
  for (const [what, mb] of figures) console.log(`  ${what.padEnd(18)} ${mb.toFixed(1)} MB`);
} finally {
  await phones.stop();
  await stack.stop();
}
process.exit(0);
