/**
 * AMD benchmark over the development corpus.
 *
 *   npm run bench:amd [-- --param name=value ...] [--no-loso] [--list] [--reps N] [--set dev|dev-hard]
 *
 * Corpus: $AMD_CORPUS (the corpus root, or one set's folder), else ../shared/amd-corpus
 * relative to the repository root (not the cwd). From the root, every set found is run
 * (dev: clean clips; dev-hard: the same under real-line conditions), then a summary.
 *
 * Reports per set: accuracy (unknown counts as wrong) overall and per condition (the
 * labels' `condition` column; `clean` where there is none), the confusion matrix,
 * decision times, beep-end error, leave-one-speaker-out accuracy and processing cost. Two reference
 * quantities are not in the labels and are derived offline from the audio here, with
 * methods deliberately different from the streaming detector:
 *
 * - End of a human's first utterance: 10 ms frame energies; the file's noise floor is
 *   the 10th percentile of them; frames more than 12 dB above it are active; active runs
 *   shorter than 30 ms are dropped, runs separated by less than 500 ms merged (words of
 *   one phrase; the pause before a second "hello" is 1 s or more). The end of the first
 *   merged segment is the end of the first utterance.
 * - Beep end: a 256-point Hann-windowed FFT every 10 ms; frames whose strongest
 *   300-2200 Hz bin (+-1 bin) holds at least half of the 250-3500 Hz power are tonal; the
 *   longest run (>= 150 ms) of tonal frames with a steady peak bin is the beep. Its
 *   frequency is refined by parabolic interpolation, then the signal is demodulated at
 *   that frequency and smoothed with a centred 5 ms moving average (zero phase); the
 *   beep ends at the last sample whose envelope is at least half (-6 dB) of the median
 *   envelope inside the run.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWav } from '../src/audio/wav.js';
import { defaultAmdParams, runAmd, validateAmdParams, type AmdParams, type AmdResult } from '../src/core/amd/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const SETS = ['dev', 'dev-hard'];

/** The sets to run: [name, folder]. */
function corpusSets(only?: string): [string, string][] {
  const base = process.env.AMD_CORPUS ? resolve(process.env.AMD_CORPUS) : join(repoRoot, '..', 'shared', 'amd-corpus');
  if (existsSync(join(base, 'labels.csv'))) return [[base.split('/').pop() ?? base, base]];
  return SETS.filter((s) => (only ? s === only : true))
    .map((s): [string, string] => [s, join(base, s)])
    .filter(([, d]) => existsSync(join(d, 'labels.csv')));
}

interface Clip {
  file: string;
  label: 'human' | 'machine';
  beep: boolean;
  speaker: string;
  condition: string;
  sampleRate: 8000 | 16000;
  samples: Int16Array;
}

function loadCorpus(dir: string): Clip[] {
  const lines = readFileSync(join(dir, 'labels.csv'), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift()!.split(',').map((s) => s.trim());
  const col = (n: string): number => {
    const i = header.indexOf(n);
    if (i < 0) throw new Error(`labels.csv has no column ${n}`);
    return i;
  };
  const [fi, li, bi, si] = [col('file'), col('label'), col('beep'), col('speaker')];
  const ci = header.indexOf('condition');
  return lines.map((l) => {
    const c = l.split(',').map((s) => s.trim());
    const wav = parseWav(readFileSync(join(dir, c[fi]!)));
    if (wav.sampleRate !== 8000 && wav.sampleRate !== 16000) throw new Error(`${c[fi]}: sample rate ${wav.sampleRate}`);
    const label = c[li] === 'machine' ? 'machine' : 'human';
    return { file: c[fi]!, label, beep: c[bi] === 'yes', speaker: c[si] ?? '?', condition: ci >= 0 ? (c[ci] ?? '?') : 'clean', sampleRate: wav.sampleRate, samples: wav.samples };
  });
}

// ---------- offline references ----------

function frameEnergiesDb(x: Int16Array, frame: number): Float64Array {
  const n = Math.floor(x.length / frame);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * frame; j < (i + 1) * frame; j++) s += x[j]! * x[j]!;
    e[i] = 10 * Math.log10(s / frame + 1);
  }
  return e;
}

/** End (ms) of the first utterance, see the header comment. */
function firstUtteranceEndMs(c: Clip): number {
  const frame = c.sampleRate / 100;
  const e = frameEnergiesDb(c.samples, frame);
  const sorted = Array.from(e).sort((a, b) => a - b);
  const floor = sorted[Math.floor(sorted.length * 0.1)]!;
  const segs: [number, number][] = [];
  let s = -1;
  for (let i = 0; i <= e.length; i++) {
    const a = i < e.length && e[i]! > floor + 12;
    if (a && s < 0) s = i;
    if (!a && s >= 0) {
      if (i - s >= 3) segs.push([s, i]);
      s = -1;
    }
  }
  if (segs.length === 0) return NaN;
  let end = segs[0]![1];
  for (let k = 1; k < segs.length && segs[k]![0] - end < 50; k++) end = segs[k]![1];
  return end * 10;
}

function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k), wi = Math.sin(ang * k);
        const ar = re[i + k + len / 2]!, ai = im[i + k + len / 2]!;
        const tr = ar * wr - ai * wi, ti = ar * wi + ai * wr;
        re[i + k + len / 2] = re[i + k]! - tr;
        im[i + k + len / 2] = im[i + k]! - ti;
        re[i + k] = re[i + k]! + tr;
        im[i + k] = im[i + k]! + ti;
      }
    }
  }
}

/** Reference beep {startMs,endMs,freqHz} from offline narrowband analysis, see header. */
function referenceBeep(c: Clip): { endMs: number; freqHz: number } | undefined {
  const sr = c.sampleRate;
  const N = sr === 8000 ? 256 : 512;
  const hop = sr / 100;
  const x = c.samples;
  const nF = Math.floor((x.length - N) / hop) + 1;
  const win = new Float64Array(N).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (N - 1)));
  const binHz = sr / N;
  const lo = Math.ceil(300 / binHz), hi = Math.floor(2200 / binHz);
  const blo = Math.ceil(250 / binHz), bhi = Math.floor(3500 / binHz);
  const peak = new Int32Array(nF).fill(-1);
  const specs: Float64Array[] = [];
  for (let f = 0; f < nF; f++) {
    const re = new Float64Array(N), im = new Float64Array(N);
    for (let i = 0; i < N; i++) re[i] = x[f * hop + i]! * win[i]!;
    fftInPlace(re, im);
    const p = new Float64Array(N / 2 + 1);
    for (let k = 0; k <= N / 2; k++) p[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    specs.push(p);
    let kmax = lo;
    for (let k = lo; k <= hi; k++) if (p[k]! > p[kmax]!) kmax = k;
    let tot = 0;
    for (let k = blo; k <= bhi; k++) tot += p[k]!;
    const pk = p[kmax - 1]! + p[kmax]! + p[kmax + 1]!;
    if (tot > 0 && pk >= 0.5 * tot) peak[f] = kmax;
  }
  let best: [number, number] | undefined;
  for (let f = 0; f < nF; ) {
    if (peak[f]! < 0) {
      f++;
      continue;
    }
    let g = f + 1;
    while (g < nF && peak[g]! >= 0 && Math.abs(peak[g]! - peak[f]!) <= 1) g++;
    if (g - f >= 15 && (!best || g - f > best[1] - best[0])) best = [f, g];
    f = g;
  }
  if (!best) return undefined;
  // Frequency: parabolic interpolation on the run-averaged spectrum.
  const avg = new Float64Array(N / 2 + 1);
  for (let f = best[0]; f < best[1]; f++) for (let k = 0; k <= N / 2; k++) avg[k] = avg[k]! + specs[f]![k]!;
  let k0 = lo;
  for (let k = lo; k <= hi; k++) if (avg[k]! > avg[k0]!) k0 = k;
  const a = Math.log(avg[k0 - 1]! + 1e-9), b = Math.log(avg[k0]! + 1e-9), g = Math.log(avg[k0 + 1]! + 1e-9);
  const freq = (k0 + (0.5 * (a - g)) / (a - 2 * b + g)) * binHz;
  // Envelope by complex demodulation + centred 5 ms moving average.
  const w = (2 * Math.PI * freq) / sr;
  const M = Math.round(sr * 0.005);
  const dr = new Float64Array(x.length + 1), di = new Float64Array(x.length + 1); // prefix sums
  for (let n = 0; n < x.length; n++) {
    dr[n + 1] = dr[n]! + x[n]! * Math.cos(w * n);
    di[n + 1] = di[n]! - x[n]! * Math.sin(w * n);
  }
  const env = (n: number): number => {
    const s = Math.max(0, n - (M >> 1)), e = Math.min(x.length, s + M);
    return (2 * Math.hypot(dr[e]! - dr[s]!, di[e]! - di[s]!)) / (e - s);
  };
  const s0 = best[0] * hop + N / 2, s1 = (best[1] - 1) * hop + N / 2;
  const mids: number[] = [];
  for (let n = s0; n < s1; n += hop) mids.push(env(n));
  mids.sort((p, q) => p - q);
  const level = mids[Math.floor(mids.length / 2)]!;
  let n = Math.floor((s0 + s1) / 2);
  while (n + 1 < x.length && env(n + 1) >= level / 2) n++;
  return { endMs: ((n + 1) * 1000) / sr, freqHz: freq };
}

// ---------- statistics ----------

function quantile(v: number[], q: number): number {
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
const fmt = (v: number, d = 0): string => (Number.isFinite(v) ? v.toFixed(d) : '-');
const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);

function runAll(clips: Clip[], params: Partial<AmdParams>): AmdResult[] {
  return clips.map((c) => runAmd(c.samples, c.sampleRate, params, 20));
}
const correct = (c: Clip, r: AmdResult): boolean => r.verdict === c.label;

// ---------- main ----------

function main(): void {
  const argv = process.argv.slice(2);
  const params: Record<string, number> = {};
  let loso = true;
  let list = false;
  let reps = 5;
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--no-loso') loso = false;
    else if (a === '--set') only = argv[++i];
    else if (a === '--list') list = true;
    else if (a === '--reps') reps = Math.max(1, Number(argv[++i]));
    else if (a === '--param') {
      const [k, v] = (argv[++i] ?? '').split('=');
      params[k!] = Number(v);
    }
  }
  const problems = validateAmdParams(params);
  if (problems.length) throw new Error(`bad --param: ${problems.join('; ')}`);

  const sets = corpusSets(only);
  if (sets.length === 0) {
    console.error('bench:amd: no corpus found (set AMD_CORPUS to the corpus root or a set folder with labels.csv)');
    process.exitCode = 1;
    return;
  }
  const summaries: SetSummary[] = [];
  for (const [name, dir] of sets) {
    if (!statSync(dir).isDirectory()) continue;
    summaries.push(benchSet(name, dir, params, { loso, list, reps }));
    console.log('');
  }
  console.log('summary');
  console.log(`  ${'set'.padEnd(9)} ${'accuracy'.padStart(8)} ${'LOSO'.padStart(7)} ${'worst speaker (LOSO)'.padStart(22)} ${'human after answer'.padStart(19)} ${'beep end |err| max'.padStart(19)}`);
  for (const m of summaries) {
    console.log(
      `  ${m.name.padEnd(9)} ${m.accuracy.padStart(8)} ${(m.loso ?? '-').padStart(7)} ${(m.worstSpeaker ?? '-').padStart(22)} ${`${m.humanAfterMs} ms`.padStart(19)} ${`${m.beepMaxErrMs} ms`.padStart(19)}`,
    );
  }
}

interface SetSummary {
  name: string;
  accuracy: string;
  loso?: string;
  worstSpeaker?: string;
  humanAfterMs: string;
  beepMaxErrMs: string;
}

function benchSet(name: string, dir: string, params: Record<string, number>, opts: { loso: boolean; list: boolean; reps: number }): SetSummary {
  const { loso, list, reps } = opts;
  const clips = loadCorpus(dir);
  const audioSec = clips.reduce((s, c) => s + c.samples.length / c.sampleRate, 0);
  console.log(`=== ${name}: ${clips.length} clips, ${audioSec.toFixed(1)} s of audio, corpus ${dir}`);
  console.log(`params: ${JSON.stringify({ ...defaultAmdParams, ...params })}\n`);

  // Cost: whole corpus streamed in 20 ms chunks, repeated; median pass reported.
  const passes: number[] = [];
  let results: AmdResult[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    results = runAll(clips, params);
    passes.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const usPerAudioSec = quantile(passes, 0.5) / audioSec;
  const activeSec = results.reduce((s, r) => s + r.processedMs / 1000, 0);
  const usPerActiveSec = quantile(passes, 0.5) / activeSec;
  const usPerActiveSecBest = Math.min(...passes) / activeSec;

  // Accuracy and confusion.
  const labels = ['human', 'machine'] as const;
  const verdicts = ['human', 'machine', 'unknown'] as const;
  const conf: Record<string, Record<string, number>> = { human: {}, machine: {} };
  let ok = 0;
  clips.forEach((c, i) => {
    const r = results[i]!;
    conf[c.label]![r.verdict] = (conf[c.label]![r.verdict] ?? 0) + 1;
    if (correct(c, r)) ok++;
  });
  console.log(`accuracy (unknown = wrong): ${ok}/${clips.length} = ${pct(ok, clips.length)}`);
  const conditions = [...new Set(clips.map((c) => c.condition))];
  if (conditions.length > 1 || conditions[0] !== 'clean') {
    console.log('per condition                 accuracy   humans   machines');
    for (const cond of conditions) {
      const idx = clips.map((c, i) => (c.condition === cond ? i : -1)).filter((i) => i >= 0);
      const k = idx.filter((i) => correct(clips[i]!, results[i]!)).length;
      const part = (l: string): string => {
        const li = idx.filter((i) => clips[i]!.label === l);
        return `${li.filter((i) => correct(clips[i]!, results[i]!)).length}/${li.length}`;
      };
      console.log(`  ${cond.padEnd(10)} ${`${k}/${idx.length}`.padStart(8)} = ${pct(k, idx.length).padStart(6)} ${part('human').padStart(8)} ${part('machine').padStart(10)}`);
    }
  }
  console.log('confusion (rows: truth, cols: verdict)');
  console.log(`  ${'truth'.padEnd(8)} ${verdicts.map((v) => v.padStart(8)).join(' ')}`);
  for (const l of labels) console.log(`  ${l.padEnd(8)} ${verdicts.map((v) => String(conf[l]![v] ?? 0).padStart(8)).join(' ')}`);

  // Decision times (correct decisions only).
  const hT: number[] = [], hRel: number[] = [], mT: number[] = [];
  clips.forEach((c, i) => {
    const r = results[i]!;
    if (!correct(c, r)) return;
    if (c.label === 'human') {
      hT.push(r.verdictAtMs);
      hRel.push(r.verdictAtMs - firstUtteranceEndMs(c));
    } else mT.push(r.verdictAtMs);
  });
  console.log('\ndecision time (correct verdicts)          median      p95');
  console.log(`  human, from answer                   ${fmt(quantile(hT, 0.5)).padStart(8)} ${fmt(quantile(hT, 0.95)).padStart(8)} ms`);
  console.log(`  human, after first utterance end     ${fmt(quantile(hRel, 0.5)).padStart(8)} ${fmt(quantile(hRel, 0.95)).padStart(8)} ms   (target median <= 1000)`);
  console.log(`  machine, from answer                 ${fmt(quantile(mT, 0.5)).padStart(8)} ${fmt(quantile(mT, 0.95)).padStart(8)} ms   (target median <= 3000)`);
  console.log('  (first utterance end: offline 10 ms energies > 10th percentile + 12 dB, words < 500 ms apart merged)');

  // Beep end error vs offline reference.
  const errs: number[] = [];
  let beepClips = 0, missed = 0, noRef = 0, falseBeeps = 0;
  const freqErr: number[] = [];
  clips.forEach((c, i) => {
    const r = results[i]!;
    if (!c.beep) {
      if (r.beep) falseBeeps++;
      return;
    }
    beepClips++;
    const ref = referenceBeep(c);
    if (!ref) {
      noRef++;
      return;
    }
    if (!r.beep) {
      missed++;
      return;
    }
    errs.push(r.beep.endMs - ref.endMs);
    freqErr.push(r.beep.freqHz - ref.freqHz);
  });
  const absErr = errs.map(Math.abs);
  const within = absErr.filter((e) => e <= 300).length;
  console.log(`\nbeep end vs offline reference (${beepClips} clips labelled beep=yes)`);
  console.log(`  found ${errs.length}, missed ${missed}, no reference ${noRef}; false beeps on ${falseBeeps} clips without one`);
  console.log(`  |error| median ${fmt(quantile(absErr, 0.5))} ms, max ${fmt(Math.max(...absErr))} ms, signed median ${fmt(quantile(errs, 0.5))} ms`);
  console.log(`  within 300 ms: ${within}/${beepClips} = ${pct(within, beepClips)}`);
  console.log('  (reference: offline FFT peak run, then -6 dB point of the envelope demodulated at the beep frequency)');
  console.log(`  frequency error median ${fmt(quantile(freqErr.map(Math.abs), 0.5), 1)} Hz, max ${fmt(Math.max(...freqErr.map(Math.abs)), 1)} Hz`);

  // Per speaker with the given params (not cross-validated).
  const speakers = [...new Set(clips.map((c) => c.speaker))].sort();
  console.log('\nper-speaker accuracy with these params:');
  for (const s of speakers) {
    const idx = clips.map((c, i) => (c.speaker === s ? i : -1)).filter((i) => i >= 0);
    const k = idx.filter((i) => correct(clips[i]!, results[i]!)).length;
    console.log(`  ${s.padEnd(10)} ${k}/${idx.length} = ${pct(k, idx.length)}`);
  }

  console.log('\ncost (streamed in 20 ms chunks, median of ' + reps + ' passes):');
  console.log(`  while listening: ${fmt(usPerActiveSec, 1)} us per second of audio = ${fmt(usPerActiveSec / 1e4, 4)}% of one core per concurrent call (best pass ${fmt(usPerActiveSecBest, 1)} us)`);
  console.log(`    (${fmt(activeSec, 1)} s of the ${fmt(audioSec, 1)} s were streamed; the detector stops after its last event)`);
  console.log(`  over whole files: ${fmt(usPerAudioSec, 1)} us per second of audio`);

  if (list) {
    console.log('\nper clip: file label speaker verdict reason atMs beepEnd refBeepEnd firstUttEnd');
    clips.forEach((c, i) => {
      const r = results[i]!;
      const ref = c.beep ? referenceBeep(c) : undefined;
      console.log(
        [c.file, c.label, c.speaker, r.verdict, r.reason, r.verdictAtMs, r.beep?.endMs ?? '-', ref ? fmt(ref.endMs) : '-',
          c.label === 'human' ? firstUtteranceEndMs(c) : '-', correct(c, r) ? '' : 'WRONG'].join('\t'),
      );
    });
  }

  const summary: SetSummary = {
    name,
    accuracy: pct(ok, clips.length),
    humanAfterMs: fmt(quantile(hRel, 0.5)),
    beepMaxErrMs: absErr.length ? fmt(Math.max(...absErr)) : '-',
  };
  if (loso) Object.assign(summary, leaveOneSpeakerOut(clips, speakers, params));
  return summary;
}

/**
 * Leave-one-speaker-out: for each speaker, choose the parameters on a small grid around
 * the defaults using only the other speakers (max accuracy; ties to the grid point
 * nearest the defaults), then score the held-out speaker with them.
 */
function leaveOneSpeakerOut(clips: Clip[], speakers: string[], base: Partial<AmdParams>): { loso: string; worstSpeaker: string } {
  // Five steps either side of the defaults for the two timing rules, one for the VAD level.
  const d = { ...defaultAmdParams, ...base };
  const grid = {
    silenceAfterHumanMs: [-200, -100, 0, 100, 200].map((x) => d.silenceAfterHumanMs + x),
    machineSpeechMs: [-400, -200, 0, 200, 400].map((x) => d.machineSpeechMs + x),
    speechOnDb: [-2, 0, 2].map((x) => d.speechOnDb + x),
  };
  const combos: Partial<AmdParams>[] = [];
  for (const a of grid.silenceAfterHumanMs)
    for (const b of grid.machineSpeechMs)
      for (const c of grid.speechOnDb)
        combos.push({ ...base, silenceAfterHumanMs: a, machineSpeechMs: b, speechOnDb: c, speechOffDb: Math.min(d.speechOffDb, c) });
  const dist = (p: Partial<AmdParams>): number =>
    Math.abs(grid.silenceAfterHumanMs.indexOf(p.silenceAfterHumanMs!) - 2) +
    Math.abs(grid.machineSpeechMs.indexOf(p.machineSpeechMs!) - 2) +
    Math.abs(grid.speechOnDb.indexOf(p.speechOnDb!) - 1);
  const ok = combos.map((p) => runAll(clips, p).map((r, i) => correct(clips[i]!, r)));
  console.log(`\nleave-one-speaker-out (grid of ${combos.length}: silenceAfterHumanMs x machineSpeechMs x speechOnDb, chosen on the other speakers)`);
  let total = 0;
  let worstTotal = 0;
  let worstSpeaker = { name: '', share: 2, text: '' };
  for (const s of speakers) {
    const idx = clips.map((c, i) => (c.speaker === s ? i : -1)).filter((i) => i >= 0);
    const train = combos.map((_, k) => clips.reduce((n, c, i) => n + (c.speaker !== s && ok[k]![i] ? 1 : 0), 0));
    const heldOut = combos.map((_, k) => idx.filter((i) => ok[k]![i]).length);
    const bestScore = Math.max(...train);
    const tied = combos.map((_, k) => k).filter((k) => train[k] === bestScore);
    // Among equally good grid points prefer the one nearest the defaults.
    const bestK = tied.reduce((a, b) => (dist(combos[b]!) < dist(combos[a]!) ? b : a));
    const worst = Math.min(...tied.map((k) => heldOut[k]!));
    const p = combos[bestK]!;
    total += heldOut[bestK]!;
    const share = heldOut[bestK]! / idx.length;
    if (share < worstSpeaker.share) worstSpeaker = { name: s, share, text: `${s} ${pct(heldOut[bestK]!, idx.length)}` };
    worstTotal += worst;
    console.log(
      `  held out ${s.padEnd(8)} ${heldOut[bestK]}/${idx.length} = ${pct(heldOut[bestK]!, idx.length).padStart(6)}  ` +
        `(chosen: silence ${p.silenceAfterHumanMs}, machineSpeech ${p.machineSpeechMs}, onDb ${p.speechOnDb}; train ${pct(bestScore, clips.length - idx.length)}; ` +
        `${tied.length} grid points tie on train, worst of them scores ${worst}/${idx.length} held out)`,
    );
  }
  console.log(`  LOSO accuracy: ${total}/${clips.length} = ${pct(total, clips.length)}`);
  console.log(`  LOSO accuracy, worst tied grid point in every fold: ${worstTotal}/${clips.length} = ${pct(worstTotal, clips.length)}`);
  return { loso: pct(total, clips.length), worstSpeaker: worstSpeaker.text };
}

main();
