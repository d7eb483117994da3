/**
 * npm run bench:stt-load: does transcription slow the call path? The inbound
 * latency benchmark of `npm run bench` (200 queue calls at 5 a second to 10
 * SIPp agents, measured on the wire) runs four times on the real stack: twice
 * with nothing else to do (their difference is the run-to-run noise), and
 * twice while the daemon transcribes 20 finished calls' recordings (two
 * channels of speech each, `TRANSCRIBE_SECONDS` long, default 40) with
 * PocketSphinx, two at a time (`transcription.concurrency: 2`, both cores).
 * It prints each run, the noise, the change, and how much was transcribed
 * during the runs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SENTENCES } from './stt-corpus.js';
import { benchInbound } from './inbound.js';
import { printTable } from './stats.js';
import { pcm16Wav } from '../src/audio/wav.js';
import { pocketSphinxMissing } from '../src/stt/pocketsphinx.js';
import { speak, speechMissing } from '../test/support/speech.js';
import type { Stack } from '../test/stack/harness.js';

const CALLS = 20;
const SECONDS = Number(process.env.TRANSCRIBE_SECONDS ?? 40);
const BASE = { calls: 200, agents: 10, cps: 5, talkMs: 1000 };

const missing = pocketSphinxMissing() ?? speechMissing();
if (missing) {
  console.log(`bench:stt-load: ${missing}`);
  process.exit(0);
}

/** A two-channel 8 kHz recording: the customer's sentences on the left, the agent's on the right, taking turns. */
function conversation(seed: number): Buffer {
  const n = SECONDS * 8000;
  const out = new Int16Array(n * 2);
  let at = 4000;
  for (let k = 0; at < n; k++) {
    const s = speak(SENTENCES[(seed + k) % SENTENCES.length]!, k % 2 ? 'en-us+m3' : 'en-us');
    const ch = k % 2;
    for (let i = 0; i < s.length && at + i < n; i++) out[2 * (at + i) + ch] = s[i]!;
    at += s.length + 4000;
  }
  const wav = pcm16Wav(out, 8000);
  wav.writeUInt16LE(2, 22);
  wav.writeUInt32LE(8000 * 4, 28);
  wav.writeUInt16LE(4, 32);
  return wav;
}

console.log(`Making ${CALLS} recordings of ${SECONDS} s of conversation (espeak-ng)...`);
const recordings = Array.from({ length: CALLS }, (_, i) => conversation(i * 3));

/** Queues the 20 recordings for transcription in the stack's daemon; reports what was done by the end of the run. */
async function transcribing(stack: Stack): Promise<() => Promise<string>> {
  const d = stack.daemon;
  const now = Date.now();
  for (let i = 0; i < CALLS; i++) {
    const callId = `bench-stt-${i}`;
    const file = `${callId}-1.wav`;
    writeFileSync(path.join(d.recordingsDir, file), recordings[i]!);
    d.centre.d.calls.recordingStarted({ id: `${callId}-1`, call_id: callId, segment: 1, agent_id: null, queue_id: 'support', file, started_at: now, ended_at: now, status: 'done', error: null, expires_at: null, deleted_at: null });
  }
  await d.centre.d.calls.flush();
  for (let i = 0; i < CALLS; i++) d.transcription.recordingDone({ id: `bench-stt-${i}-1`, callId: `bench-stt-${i}`, mode: 'post-call' });
  // The jobs are due 3 s after the recordings end: wait until they run, so the calls start under the load.
  const t0 = Date.now();
  while ((d.transcription.jobs.stats()['transcribe-recording']?.running ?? 0) === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
  return async () => {
    const s = d.transcription.jobs.stats()['transcribe-recording'];
    return `transcription during the run: ${s?.done ?? 0} of ${CALLS} recordings done, ${s?.running ?? 0} running, ${s?.pending ?? 0} waiting (${SECONDS} s of two-channel audio each)`;
  };
}

const files = { 'transcription.yaml': 'transcription: { concurrency: 2 }\n' };
const runs: { name: string; r: Record<string, number> }[] = [];
for (const [name, during] of [
  ['idle 1', undefined],
  ['transcribing 1', transcribing],
  ['idle 2', undefined],
  ['transcribing 2', transcribing],
] as const) {
  console.log(`\n--- ${name}`);
  const r = await benchInbound({ ...BASE, files, ...(during ? { during } : {}) });
  if (!r) process.exit(0);
  runs.push({ name, r });
}

const keys = ['offerP50', 'offerP99', 'setupP50', 'setupP99'] as const;
const label: Record<(typeof keys)[number], string> = { offerP50: 'queue entry -> agent INVITE, median', offerP99: 'queue entry -> agent INVITE, p99', setupP50: "caller's INVITE -> 200 OK, median", setupP99: "caller's INVITE -> 200 OK, p99" };
const v = (name: string, k: (typeof keys)[number]) => runs.find((x) => x.name === name)!.r[k]!;
printTable(
  `Inbound latencies with and without 20 calls being transcribed (ms; ${BASE.calls} calls at ${BASE.cps}/s each run)`,
  ['interval', 'idle 1', 'idle 2', 'transcribing 1', 'transcribing 2', 'noise (idle 1 vs 2)', 'change (mean transcribing - mean idle)'],
  keys.map((k) => {
    const idle = (v('idle 1', k) + v('idle 2', k)) / 2;
    const busy = (v('transcribing 1', k) + v('transcribing 2', k)) / 2;
    return [label[k], v('idle 1', k).toFixed(2), v('idle 2', k).toFixed(2), v('transcribing 1', k).toFixed(2), v('transcribing 2', k).toFixed(2), Math.abs(v('idle 1', k) - v('idle 2', k)).toFixed(2), (busy - idle).toFixed(2)];
  }),
);
process.exit(0);
