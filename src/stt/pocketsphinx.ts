/**
 * The embedded engine: CMU PocketSphinx (Debian's `pocketsphinx` and `pocketsphinx-en-us`
 * packages), run as `pocketsphinx_continuous -infile <wav> -time yes` on a temporary WAV.
 * No network; the model is found on disk at run time.
 *
 * What it is given, and why (measured with `npm run bench:stt`, see the README):
 * - 16 kHz. The en-us acoustic model is a 16 kHz model (its feat.params: mel filters
 *   130-6800 Hz); telephone audio is upsampled (windowed sinc), which leaves the bands
 *   above 4 kHz empty. Running the model on 8 kHz features instead (`-samprate 8000
 *   -nfft 256`, filters to 3500 Hz) recognised almost nothing (WER 99% on clean 8 kHz).
 * - `-dither yes -remove_noise no`: with empty upper bands, spectral noise subtraction
 *   removed speech; dither (a fixed seed: same audio, same words) keeps the empty bands finite.
 * - Two passes: the model's initial cepstral mean is that of wideband speech, far from
 *   narrowband audio's, and the decoder's live mean adapts only after an utterance or
 *   two, so short calls came out as nonsense (98-100% WER on the bench's short clips in
 *   one pass, 81-91% in two). A first, cheap pass (keyword spotting with a one-word
 *   dictionary: no language model to load) only reads from its log the cepstral mean the
 *   front end arrives at for this audio; the second pass starts from it (`-featparams`:
 *   the model's feat.params with that `-cmninit`). On short clips that costs about a fifth
 *   more CPU (0.52 against 0.43 s per audio second); `adaptCmn: false` turns it off.
 *
 * Batch-only at heart; `stream()` cuts live audio into utterances at pauses and
 * transcribes each (see stream.ts), so results come per utterance, not per word.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { checkAudio, pcm16Wav, resampleAsync } from './audio.js';
import { SttError, throwIfAborted, type SttAudio, type SttEngine, type SttStream, type StreamOptions, type TranscribeOptions, type Transcript, type TranscriptSegment, type TranscriptWord } from './engine.js';
import { utteranceStream, type UtteranceOptions } from './stream.js';

export const DEFAULT_MODEL_DIRS = ['/usr/share/pocketsphinx/model/en-us', '/usr/local/share/pocketsphinx/model/en-us'];

export interface PocketSphinxOptions {
  /** The `pocketsphinx_continuous` binary: a path, or a name looked up on PATH. Default $POCKETSPHINX_BIN, else `pocketsphinx_continuous`. */
  bin?: string;
  /** Folder holding the acoustic model folder, a `*.lm.bin` and a `*.dict`. Default $POCKETSPHINX_MODEL_DIR, else the first of DEFAULT_MODEL_DIRS that exists. */
  modelDir?: string;
  /** Override the parts of the model found in modelDir. */
  hmm?: string;
  lm?: string;
  dict?: string;
  /** Rate the acoustic model wants (default 16000). */
  sampleRate?: number;
  /** The two-pass cepstral-mean start (default true), see the module comment. */
  adaptCmn?: boolean;
  /** More decoder arguments, after ours (a later argument wins). */
  extraArgs?: string[];
  /** Give up after this long (default 60 s plus twice the audio's length); a retryable `timeout`. */
  timeoutMs?: number;
  /** Where the temporary WAV goes (default the OS temp folder). */
  tmpDir?: string;
  /**
   * Measure the decoder's CPU time: each run is wrapped in `bash -c '"$@"; times'`, and
   * the shell's `times` reports its children's user and system time (getrusage
   * RUSAGE_CHILDREN of the shell, whose only child is the decoder). Reported through onUsage.
   */
  measureCpu?: boolean;
  onUsage?: (u: { cpuSeconds: number; wallSeconds: number; audioSeconds: number; passes: number }) => void;
  /** Utterance cutting for stream(). */
  utterance?: UtteranceOptions;
  /**
   * Run the decoder below the call path's processes: `idle` under the kernel's idle scheduling class
   * (SCHED_IDLE through `chrt -i 0`: it gets a core only when nothing else wants it), falling back to
   * `nice -n 19` where chrt is missing; unset: as the daemon.
   */
  priority?: 'idle';
}

export interface PocketSphinxModel {
  hmm: string;
  lm: string;
  dict: string;
}

/** Looks a binary up as given (a path) or on PATH; undefined when not found or not executable. */
export function findBinary(name: string): string | undefined {
  const ok = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return ok(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && ok(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The model's parts, found in modelDir (or the defaults); throws a non-retryable `not-installed` SttError saying what is missing. */
export function findModel(opts: Pick<PocketSphinxOptions, 'modelDir' | 'hmm' | 'lm' | 'dict'> = {}): PocketSphinxModel {
  const dirs = opts.modelDir ? [opts.modelDir] : process.env.POCKETSPHINX_MODEL_DIR ? [process.env.POCKETSPHINX_MODEL_DIR] : DEFAULT_MODEL_DIRS;
  const dir = dirs.find((d) => existsSync(d));
  const missing = (what: string): SttError =>
    new SttError(`PocketSphinx ${what} not found (install Debian's pocketsphinx-en-us, or set modelDir / POCKETSPHINX_MODEL_DIR)`, { code: 'not-installed', retryable: false });
  const list = dir ? readdirSync(dir) : [];
  const hmm = opts.hmm ?? list.map((f) => join(dir!, f)).find((p) => existsSync(join(p, 'mdef')) && existsSync(join(p, 'feat.params')));
  const lm = opts.lm ?? list.filter((f) => f.endsWith('.lm.bin') && !f.includes('phone')).map((f) => join(dir!, f))[0] ?? list.filter((f) => /\.(lm|arpa)$/.test(f)).map((f) => join(dir!, f))[0];
  const dict = opts.dict ?? list.filter((f) => f.endsWith('.dict')).map((f) => join(dir!, f))[0];
  if (!hmm || !existsSync(hmm)) throw missing(`acoustic model${dir ? ` in ${dir}` : ` (looked in ${dirs.join(', ')})`}`);
  if (!lm || !existsSync(lm)) throw missing(`language model${dir ? ` in ${dir}` : ''}`);
  if (!dict || !existsSync(dict)) throw missing(`dictionary${dir ? ` in ${dir}` : ''}`);
  return { hmm, lm, dict };
}

/** Why the engine cannot run here (binary or model missing), or undefined when it can. */
export function pocketSphinxMissing(opts: PocketSphinxOptions = {}): string | undefined {
  const bin = opts.bin ?? process.env.POCKETSPHINX_BIN ?? 'pocketsphinx_continuous';
  if (!findBinary(bin)) return `${bin} not found (apt-get install pocketsphinx pocketsphinx-en-us, or set POCKETSPHINX_BIN)`;
  try {
    findModel(opts);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

const FILLER = /^(<.*>|\[.*\]|\+\+.*\+\+)$/; // <s> </s> <sil> [NOISE] ++BREATH++
const WORD_LINE = /^(\S+) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)$/;
/** One frame: the decoder reports the start of a word's last frame as its end. */
const FRAME = 0.01;

/**
 * Parses `pocketsphinx_continuous -time yes` output: per utterance a hypothesis line,
 * then one line per word `word start end posterior`, from `<s>` to `</s>`.
 */
export function parsePocketSphinxOutput(stdout: string): Transcript {
  const words: TranscriptWord[] = [];
  const segments: TranscriptSegment[] = [];
  let seg: TranscriptWord[] | undefined;
  const close = (): void => {
    if (seg && seg.length > 0) segments.push({ start: seg[0]!.start, end: seg[seg.length - 1]!.end, text: seg.map((w) => w.word).join(' ') });
    seg = undefined;
  };
  for (const raw of stdout.split(/\r?\n/)) {
    const m = WORD_LINE.exec(raw.trim());
    if (!m) continue; // a hypothesis line: the words follow with their times
    const token = m[1]!;
    if (token === '<s>') {
      close();
      seg = [];
      continue;
    }
    if (token === '</s>') {
      close();
      continue;
    }
    if (FILLER.test(token)) continue;
    const w: TranscriptWord = {
      word: token.replace(/\(\d+\)$/, ''), // refund(2): the dictionary's second pronunciation
      start: round(Number(m[2])),
      end: round(Number(m[3]) + FRAME),
      confidence: round(Math.max(0, Math.min(1, Number(m[4]))), 4),
    };
    words.push(w);
    (seg ??= []).push(w);
  }
  close();
  return { text: segments.map((s) => s.text).join(' '), words, segments };
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

interface RunResult {
  stdout: string;
  /** `Update to < ... >` vectors of the live cepstral mean, in order. */
  cmn: string[];
  cpuSeconds?: number;
}

export class PocketSphinxEngine implements SttEngine {
  readonly name = 'pocketsphinx';
  private readonly opts: PocketSphinxOptions;

  constructor(opts: PocketSphinxOptions = {}) {
    this.opts = opts;
  }

  stream(opts: StreamOptions): SttStream {
    return utteranceStream(this, { ...this.opts.utterance, ...opts });
  }

  async transcribe(audio: SttAudio, opts: TranscribeOptions = {}): Promise<Transcript> {
    checkAudio(audio);
    throwIfAborted(opts.signal);
    if (opts.language && !/^en(\b|[-_])/i.test(opts.language)) {
      throw new SttError(`PocketSphinx's model is English; language ${opts.language} is not supported`, { code: 'unsupported', retryable: false });
    }
    const binName = this.opts.bin ?? process.env.POCKETSPHINX_BIN ?? 'pocketsphinx_continuous';
    const bin = findBinary(binName);
    if (!bin) throw new SttError(`${binName} not found (apt-get install pocketsphinx pocketsphinx-en-us, or set POCKETSPHINX_BIN)`, { code: 'not-installed', retryable: false });
    const model = findModel(this.opts);
    const rate = this.opts.sampleRate ?? 16000;
    const audioSeconds = audio.samples.length / audio.rate;
    const timeoutMs = this.opts.timeoutMs ?? 60_000 + 2000 * audioSeconds;
    const deadline = Date.now() + timeoutMs;

    const dir = mkdtempSync(join(this.opts.tmpDir ?? tmpdir(), 'stt-ps-'));
    const t0 = process.hrtime.bigint();
    let cpu = 0;
    let passes = 0;
    try {
      const wav = join(dir, 'audio.wav');
      // Half a second of silence after the audio: the decoder's voice activity detector
      // closes an utterance still open at the end of the file, which the keyword pass
      // otherwise left without its cepstral-mean update (audio cut right after speech).
      const body = await resampleAsync(audio.samples, audio.rate, rate);
      const padded = new Int16Array(body.length + Math.round(rate / 2));
      padded.set(body);
      writeFileSync(wav, pcm16Wav(padded, rate));
      const front = ['-infile', wav, '-hmm', model.hmm, '-samprate', String(rate), '-dither', 'yes', '-remove_noise', 'no'];
      const extra = this.opts.extraArgs ?? [];
      let featArgs: string[] = [];
      if (this.opts.adaptCmn ?? true) {
        // Pass 1: only the front end's cepstral mean matters, so the cheapest search there
        // is: spotting one keyword of a one-word dictionary (no language model to load).
        const dict = join(dir, 'one.dict');
        writeFileSync(dict, 'hello HH AH L OW\n');
        const first = await this.run(bin, [...front, '-dict', dict, '-keyphrase', 'hello', ...extra], deadline, opts.signal);
        passes++;
        cpu += first.cpuSeconds ?? 0;
        const mean = first.cmn.at(-1);
        // No update: no utterance found; the second pass then starts from the model's mean.
        if (mean !== undefined) {
          const params = readFileSync(join(model.hmm, 'feat.params'), 'utf8')
            .split(/\r?\n/)
            .filter((l) => !/^\s*-cmninit\b/.test(l))
            .join('\n');
          const fp = join(dir, 'feat.params');
          writeFileSync(fp, `${params.trimEnd()}\n-cmninit ${mean}\n`);
          featArgs = ['-featparams', fp];
        }
      }
      const out = await this.run(bin, [...front, '-lm', model.lm, '-dict', model.dict, '-time', 'yes', ...featArgs, ...extra], deadline, opts.signal);
      passes++;
      cpu += out.cpuSeconds ?? 0;
      const tr = parsePocketSphinxOutput(out.stdout);
      for (const w of tr.words) w.end = Math.min(w.end, round(audioSeconds));
      for (const sg of tr.segments) sg.end = Math.min(sg.end, round(audioSeconds));
      return tr;
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (this.opts.onUsage && passes > 0) {
        this.opts.onUsage({ cpuSeconds: cpu, wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9, audioSeconds, passes });
      }
    }
  }

  private run(bin: string, args: string[], deadline: number, signal: AbortSignal | undefined): Promise<RunResult> {
    const measure = this.opts.measureCpu ?? false;
    const niced = this.opts.priority !== 'idle' ? [bin] : findBinary('chrt') ? ['chrt', '-i', '0', bin] : findBinary('nice') ? ['nice', '-n', '19', bin] : [bin];
    const [cmd, argv] = measure ? ['bash', ['-c', '"$@"; rc=$?; times >&2; exit $rc', 'pocketsphinx', ...niced, ...args]] : [niced[0]!, [...niced.slice(1), ...args]];
    return new Promise<RunResult>((resolve, reject) => {
      const child = spawn(cmd as string, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const cmn: string[] = [];
      const problems: string[] = [];
      let tail = '';
      let partial = '';
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.setEncoding('utf8');
      const onLine = (l: string): void => {
        const m = /Update to\s+<([^>]*)>/.exec(l);
        if (m) cmn.push(m[1]!.trim().split(/\s+/).join(','));
        else if (/^(ERROR|FATAL)/.test(l) && problems.length < 5) problems.push(l.trim());
      };
      child.stderr.on('data', (s: string) => {
        // The log is long (the whole configuration, then per utterance); keep what is used.
        const lines = (partial + s).split('\n');
        partial = lines.pop()!;
        for (const l of lines) onLine(l);
        tail = (tail + s).slice(-400);
      });
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        f();
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(() => reject(new SttError('PocketSphinx took too long (timeout)', { code: 'timeout', retryable: true })));
      }, Math.max(1, deadline - Date.now()));
      const onAbort = (): void => {
        child.kill('SIGKILL');
        finish(() => reject(new SttError('transcription aborted', { code: 'aborted', retryable: false, cause: signal?.reason })));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e: NodeJS.ErrnoException) =>
        finish(() =>
          reject(
            e.code === 'ENOENT'
              ? new SttError(`${cmd} not found`, { code: 'not-installed', retryable: false, cause: e })
              : new SttError(`could not run PocketSphinx: ${e.message}`, { code: 'unavailable', retryable: true, cause: e }),
          ),
        ),
      );
      child.on('close', (code, sig) =>
        finish(() => {
          onLine(partial);
          const text = tail;
          if (sig) return reject(new SttError(`PocketSphinx was killed by ${sig}`, { code: 'unavailable', retryable: true }));
          // FATAL lines: the decoder gives up but may still exit 0 (a file it cannot read).
          const fatal = problems.find((p) => p.startsWith('FATAL'));
          if (code !== 0 || fatal) {
            const why = problems.length ? problems.join('; ') : text.trim().split('\n').slice(-3).join(' | ');
            return reject(new SttError(`PocketSphinx failed (exit ${code}): ${why}`, { code: 'engine', retryable: false }));
          }
          let cpuSeconds: number | undefined;
          if (measure) {
            // `times`: the shell's own user/system time, then its children's: "0m1.294s 0m0.233s".
            const t = [...text.matchAll(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/g)].at(-1);
            if (t) cpuSeconds = Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4]);
          }
          const r: RunResult = { stdout: Buffer.concat(out).toString('utf8'), cmn };
          if (cpuSeconds !== undefined) r.cpuSeconds = cpuSeconds;
          resolve(r);
        }),
      );
    });
  }
}
