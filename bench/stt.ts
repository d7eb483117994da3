/**
 * Speech-to-text benchmark over a corpus made at run time (bench/stt-corpus.ts):
 *
 *   npm run bench:stt [-- --sets clean8k,phone,digits] [--list] [--jobs N] [--no-adapt] [--args "-lw 8 ..."]
 *
 * Per set, for the embedded engine (PocketSphinx): word error rate (corpus level:
 * all errors over all reference words, with substitutions, deletions, insertions) and
 * cost in CPU seconds per second of audio. CPU time is the decoder processes' own
 * user + system time: each run is wrapped in `bash -c '"$@"; times'` and the shell's
 * `times` prints its children's times (getrusage RUSAGE_CHILDREN of that shell, whose
 * only child is the decoder); this process's own usage is not counted, and runs in
 * parallel do not blur each other. A run's fixed cost (starting the decoder, loading
 * the model) is measured on 1 s of silence and also shown subtracted; and the phone
 * set is transcribed once more as one long recording, where that cost is spread thin.
 *
 * With STT_URL set (and STT_MODEL, STT_API_KEY when the server wants them), the same
 * sets go to that OpenAI-compatible server too; its CPU is not visible from here, so
 * only wall time per second of audio is reported for it.
 */
import { cpus } from 'node:os';
import { combineWer, wordErrorRate, type WerResult } from '../src/core/stt/wer.js';
import type { SttEngine } from '../src/stt/engine.js';
import { OpenAiServerEngine, type OpenAiServerOptions } from '../src/stt/openai-server.js';
import { PocketSphinxEngine, pocketSphinxMissing } from '../src/stt/pocketsphinx.js';
import { corpusToolsMissing, generateCorpus, mapLimit, SETS, VOICES, type CorpusClip, type CorpusSet } from './stt-corpus.js';

interface ClipResult {
  clip: CorpusClip;
  hyp: string;
  wer: WerResult;
  cpu?: number;
  wall: number;
  error?: string;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const audioSec = (c: CorpusClip): number => c.samples.length / c.rate;

interface Runner {
  label: string;
  run(clip: CorpusClip): Promise<{ text: string; cpu?: number }>;
  /** CPU seconds of one transcription of 1 s of silence: the fixed cost of a run (starting the decoder, loading the model). */
  startup?: number;
}

function runEngine(runner: Runner, clips: CorpusClip[], jobs: number): Promise<ClipResult[]> {
  return mapLimit(clips, jobs, async (clip) => {
    const t0 = process.hrtime.bigint();
    let hyp = '';
    let cpu: number | undefined;
    let error: string | undefined;
    try {
      ({ text: hyp, cpu } = await runner.run(clip));
    } catch (e) {
      error = (e as Error).message;
    }
    const r: ClipResult = { clip, hyp, wer: wordErrorRate(clip.text, hyp), wall: Number(process.hrtime.bigint() - t0) / 1e9 };
    if (cpu !== undefined) r.cpu = cpu;
    if (error) r.error = error;
    return r;
  });
}

interface Row {
  engine: string;
  set: string;
  clips: number;
  audio: number;
  wer: ReturnType<typeof combineWer>;
  cpuPerSec?: number;
  /** (CPU - runs x startup) / audio: the cost of the audio itself, what a long recording tends to. */
  beyondStartup?: number;
  wallPerSec: number;
  errors: number;
}

function report(engine: string, set: string, rs: ClipResult[], list: boolean, startup?: number): Row {
  const audio = rs.reduce((s, r) => s + audioSec(r.clip), 0);
  const wer = combineWer(rs.map((r) => r.wer));
  const wall = rs.reduce((s, r) => s + r.wall, 0);
  const withCpu = rs.filter((r) => r.cpu !== undefined);
  const row: Row = { engine, set, clips: rs.length, audio, wer, wallPerSec: wall / audio, errors: rs.filter((r) => r.error).length };
  if (withCpu.length === rs.length && rs.length > 0) {
    row.cpuPerSec = withCpu.reduce((s, r) => s + r.cpu!, 0) / audio;
    if (startup !== undefined) row.beyondStartup = (withCpu.reduce((s, r) => s + r.cpu!, 0) - rs.length * startup) / audio;
  }
  console.log(`=== ${engine} / ${set}: ${rs.length} clips, ${audio.toFixed(1)} s of audio, ${wer.referenceWords} reference words`);
  console.log(`  WER ${pct(wer.rate)}  (substitutions ${wer.substitutions}, deletions ${wer.deletions}, insertions ${wer.insertions})`);
  for (const v of VOICES) {
    const mine = rs.filter((r) => r.clip.voice === v);
    if (mine.length) console.log(`    voice ${`${v.voice} ${v.wpm} wpm`.padEnd(20)} WER ${pct(combineWer(mine.map((r) => r.wer)).rate)}`);
  }
  const perfect = rs.filter((r) => r.wer.rate === 0).length;
  console.log(`  clips without an error: ${perfect}/${rs.length}`);
  if (row.cpuPerSec !== undefined) {
    console.log(`  CPU: ${row.cpuPerSec.toFixed(3)} s per second of audio${row.beyondStartup !== undefined ? `; ${row.beyondStartup.toFixed(3)} s without the ${startup!.toFixed(2)} s each run costs to start` : ''}`);
  }
  console.log(`  wall: ${row.wallPerSec.toFixed(3)} s per second of audio (sum over clips)`);
  if (row.errors) console.log(`  ${row.errors} clips failed, first: ${rs.find((r) => r.error)!.error}`);
  if (list) {
    for (const r of rs) console.log(`    ${r.clip.id}  ${pct(r.wer.rate).padStart(6)}  ref: ${r.clip.text}\n${' '.repeat(18)}hyp: ${r.hyp}`);
  }
  console.log('');
  return row;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let sets: CorpusSet[] = [...SETS];
  let list = false;
  let adaptCmn = true;
  let jobs = Math.max(1, cpus().length);
  let extraArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--sets') sets = (argv[++i] ?? '').split(',').filter((s): s is CorpusSet => (SETS as readonly string[]).includes(s));
    else if (a === '--list') list = true;
    else if (a === '--no-adapt') adaptCmn = false;
    else if (a === '--jobs') jobs = Math.max(1, Number(argv[++i]));
    else if (a === '--args') extraArgs = (argv[++i] ?? '').split(/\s+/).filter(Boolean);
    else throw new Error(`unknown argument ${a}`);
  }
  const tools = await corpusToolsMissing();
  if (tools) {
    console.error(`bench:stt: cannot make the corpus: ${tools}`);
    process.exitCode = 1;
    return;
  }
  const runners: Runner[] = [];
  const missing = pocketSphinxMissing();
  if (missing) console.log(`PocketSphinx skipped: ${missing}`);
  else {
    runners.push({
      label: `pocketsphinx${adaptCmn ? '' : ' (one pass)'}${extraArgs.length ? ` ${extraArgs.join(' ')}` : ''}`,
      run: async (clip) => {
        let cpu: number | undefined;
        // One engine per clip, so that its usage report is this clip's with several jobs.
        const engine = new PocketSphinxEngine({ measureCpu: true, adaptCmn, extraArgs, onUsage: (u) => (cpu = u.cpuSeconds) });
        const t = await engine.transcribe({ samples: clip.samples, rate: clip.rate }, { language: 'en' });
        return cpu === undefined ? { text: t.text } : { text: t.text, cpu };
      },
    });
    const silence: CorpusClip = { set: 'phone', id: 'silence', voice: VOICES[0]!, text: '', rate: 8000, samples: new Int16Array(8000) };
    const costs: number[] = [];
    for (let i = 0; i < 3; i++) costs.push((await runners[0]!.run(silence)).cpu ?? NaN);
    runners[0]!.startup = costs.sort((x, y) => x - y)[1]!;
  }
  if (process.env.STT_URL) {
    const opts: OpenAiServerOptions = { url: process.env.STT_URL };
    if (process.env.STT_MODEL) opts.model = process.env.STT_MODEL;
    if (process.env.STT_API_KEY) opts.apiKey = process.env.STT_API_KEY;
    const engine: SttEngine = new OpenAiServerEngine(opts);
    runners.push({ label: engine.name, run: async (clip) => ({ text: (await engine.transcribe({ samples: clip.samples, rate: clip.rate }, { language: 'en' })).text }) });
  }
  if (runners.length === 0) {
    console.error('bench:stt: no engine to run (PocketSphinx missing and STT_URL not set)');
    process.exitCode = 1;
    return;
  }

  const t0 = Date.now();
  const clips = await generateCorpus({ sets });
  console.log(`corpus: ${clips.length} clips (${sets.join(', ')}; voices ${VOICES.map((v) => `${v.voice} ${v.wpm} wpm`).join(', ')}), ${clips.reduce((s, c) => s + audioSec(c), 0).toFixed(1)} s of audio, made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}; ${jobs} transcriptions at a time\n`);

  // The phone set again as one recording (a call of a few minutes): what a run costs when
  // starting the decoder is spread over a long file, and whether the words survive it.
  const phone = clips.filter((c) => c.set === 'phone');
  const long: CorpusClip | undefined = phone.length
    ? {
        set: 'phone',
        id: 'phone-as-one',
        voice: phone[0]!.voice,
        text: phone.map((c) => c.text).join(' '),
        rate: phone[0]!.rate,
        samples: (() => {
          const out = new Int16Array(phone.reduce((n, c) => n + c.samples.length, 0));
          let o = 0;
          for (const c of phone) {
            out.set(c.samples, o);
            o += c.samples.length;
          }
          return out;
        })(),
      }
    : undefined;

  const rows: Row[] = [];
  for (const r of runners) {
    if (r.startup !== undefined) console.log(`${r.label}: one run on 1 s of silence costs ${r.startup.toFixed(2)} s of CPU (median of 3)\n`);
    for (const set of sets) rows.push(report(r.label, set, await runEngine(r, clips.filter((c) => c.set === set), jobs), list, r.startup));
    if (long) rows.push(report(r.label, 'phone as one recording', await runEngine(r, [long], 1), false, r.startup));
  }

  console.log('summary');
  console.log(`  ${'engine'.padEnd(24)} ${'set'.padEnd(22)} ${'clips'.padStart(5)} ${'audio s'.padStart(8)} ${'WER'.padStart(7)} ${'CPU s/audio s'.padStart(14)} ${'without start'.padStart(14)} ${'wall s/audio s'.padStart(15)}`);
  for (const r of rows) {
    console.log(
      `  ${r.engine.padEnd(24)} ${r.set.padEnd(22)} ${String(r.clips).padStart(5)} ${r.audio.toFixed(1).padStart(8)} ${pct(r.wer.rate).padStart(7)} ${(r.cpuPerSec?.toFixed(3) ?? '-').padStart(14)} ${(r.beyondStartup?.toFixed(3) ?? '-').padStart(14)} ${r.wallPerSec.toFixed(3).padStart(15)}`,
    );
  }
}

await main();
