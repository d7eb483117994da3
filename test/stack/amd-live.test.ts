/**
 * Real stack: the daemon places outbound calls through drachtio to SIPp
 * phones that answer and play corpus recordings (a person, an answering
 * machine with a beep, and the same under real-line conditions: a person with a
 * television behind them, a machine on a noisy line); the daemon taps the audio live from FreeSWITCH and
 * reports the verdict (and the beep) in the call's timeline.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parseWav } from '../../src/audio/wav.js';
import { runAmd } from '../../src/core/amd/index.js';
import { findStack, REPO, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';
import { mulawWav } from '../support/audio.js';
import { mkdirSync } from 'node:fs';

const found = findStack();
const corpus = process.env.AMD_CORPUS ?? path.resolve(REPO, '../shared/amd-corpus');
const labels = path.join(corpus, 'dev/labels.csv');
const skip = !found.ok ? found.missing : !existsSync(labels) ? `live AMD test skipped: no AMD corpus at ${corpus} (set AMD_CORPUS)` : false;

interface Timeline {
  disposition: string | null;
  ended_at: number | null;
  timeline: { at: number; type: string; data: Record<string, unknown> | null }[];
}

const rowsOf = (file: string): string[][] => readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(',').map((c) => c.trim()));

/**
 * Clean clips (a person, two machines with a beep) and, when the corpus has dev-hard,
 * a person with a television talking behind them (babble) and a machine on a line
 * with white noise at 12 dB SNR (noise12).
 */
function pickClips(): { file: string; label: 'human' | 'machine'; beep: boolean }[] {
  const rows = rowsOf(labels);
  const human = rows.find((r) => r[1] === 'human')!;
  const machine = rows.find((r) => r[1] === 'machine' && r[2] === 'yes')!;
  const machine2 = rows.filter((r) => r[1] === 'machine' && r[2] === 'yes')[5]!;
  const clips = [human, machine, machine2].map((r) => ({ file: path.join(corpus, 'dev', r[0]!), label: r[1] as 'human' | 'machine', beep: r[2] === 'yes' }));
  const hardLabels = path.join(corpus, 'dev-hard/labels.csv');
  if (existsSync(hardLabels)) {
    const hard = rowsOf(hardLabels);
    // Two that a detector without near-talker and voice-band rules gets wrong.
    const noisyHuman = hard.find((r) => r[0] === '0066-human.wav' && r[4] === 'babble')!;
    const noisyMachine = hard.find((r) => r[0] === '0035-machine.wav' && r[4] === 'noise12')!;
    for (const r of [noisyHuman, noisyMachine]) clips.push({ file: path.join(corpus, 'dev-hard', r[0]!), label: r[1] as 'human' | 'machine', beep: r[2] === 'yes' });
  }
  return clips;
}

t.test('outbound calls get the right verdict live, with the beep found', { skip, timeout: 180_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins);
  t.teardown(() => stack.stop());
  for (const [i, clip] of pickClips().entries()) {
    const wav = parseWav(readFileSync(clip.file));
    const offline = runAmd(wav.samples, wav.sampleRate as 8000);
    // The phone plays the recording once, then 3 s of silence so the line stays open.
    const samples = new Int16Array(wav.samples.length + 3 * 8000);
    samples.set(wav.samples);
    const dir = path.join(stack.dir, `callee${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'audio.wav'), mulawWav(samples));
    const port = 16300 + 2 * i;
    const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'callee-plays.xml'), '-i', '127.0.0.1', '-p', String(port), '-mp', String(port + 100), '-d', '200', '-m', '1'], dir);
    t.teardown(() => phone.stop());

    const res = await fetch(`${stack.daemon.httpAddress}/api/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: `sip:customer@127.0.0.1:${port}`, from: '+15550199', amd: {} }),
    });
    t.equal(res.status, 202, 'the call is accepted');
    const { id } = (await res.json()) as { id: string };
    const call = await waitFor(`call ${id} to end`, async () => {
      const c = (await stack.http(`/api/calls/${id}`)) as Timeline;
      return c.ended_at ? c : undefined;
    }, 60_000, 200);
    const name = path.basename(clip.file);
    const verdict = call.timeline.find((e) => e.type === 'amd-verdict');
    t.equal(verdict?.data?.verdict, clip.label, `${name}: live verdict is ${clip.label} (${String(verdict?.data?.reason)} at ${String(verdict?.data?.atMs)} ms)`);
    t.equal(verdict?.data?.verdict, offline.verdict, `${name}: live verdict matches the offline run on the file`);
    const answered = call.timeline.find((e) => e.type === 'answered')!.at;
    t.ok(verdict && verdict.at - answered < 6_000, `${name}: decided ${verdict ? Math.round(verdict.at - answered) : '?'} ms after answer`);
    if (clip.beep) {
      const beep = call.timeline.find((e) => e.type === 'amd-beep');
      t.ok(beep, `${name}: the beep is reported`);
      const liveEnd = Number(beep?.data?.endMs);
      t.ok(offline.beep !== undefined && Math.abs(liveEnd - offline.beep.endMs) <= 300, `${name}: live beep end ${liveEnd} ms vs ${offline.beep?.endMs} ms in the file`);
    }
    t.equal(call.disposition, clip.label, `${name}: the call record's disposition`);
    await phone.stop();
  }
});
