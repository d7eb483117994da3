/**
 * A speech-to-text corpus made at run time (nothing is committed): contact-centre
 * sentences and spoken digit strings, synthesised by espeak-ng in a few voices and
 * speeds and degraded by sox the way a phone line does. Shared by `bench/stt.ts` and
 * `test/unit/stt/pocketsphinx.test.ts`.
 *
 * Sets:
 * - `clean8k`: the sentences, resampled to 8 kHz 16-bit PCM (sox's anti-alias filter only).
 * - `phone`: the sentences band-limited to 300-3400 Hz (sox `sinc 300-3400`), at 8 kHz,
 *   encoded as G.711 mu-law (sox `-e mu-law`) and decoded back by `parseWav`.
 * - `digits`: account, order and phone numbers read digit by digit, through the same
 *   telephone band and G.711 as `phone`.
 *
 * The AMD corpus beside the repository (../shared/amd-corpus) has real people reading
 * digits, but its labels say only human or machine, not which digits, so it gives no
 * reference transcript and is not used here.
 *
 * Each clip has 0.3 s of silence before and after the speech (a caller's pause).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseWav } from '../src/audio/wav.js';

const run = promisify(execFile);

export const SENTENCES: readonly string[] = [
  'I would like a refund for the order I placed last week',
  'Can I speak to someone about my bill',
  'I need to change my appointment to next Tuesday',
  'The package never arrived at my house',
  'Please cancel my subscription',
  'I was charged twice for the same payment',
  'What time does the store open tomorrow',
  'I forgot my password and cannot log in',
  'Could you send me a copy of the invoice',
  'My internet connection keeps dropping every evening',
  'I want to update the address on my account',
  'Thank you for calling how can I help you today',
  'Can you confirm your date of birth please',
  'I have been on hold for twenty minutes',
  'The technician did not show up this morning',
  'I would like to book an appointment for Friday afternoon',
  'Is there a fee for paying by credit card',
  'Please transfer me to the billing department',
  'I received the wrong item in the mail',
  'How long will the refund take to reach my bank',
  'I need to report a problem with my phone line',
  'Can I pay the rest of the balance next month',
  'My card was declined at the checkout',
  'Please call me back this afternoon',
  'I would like to speak to a manager',
  'The delivery is three days late',
  'Can you check the status of my order',
  'I moved house and need to transfer my service',
  'Is my warranty still valid',
  'Thank you very much for your help goodbye',
];

/** Digit strings as spoken: espeak-ng reads space-separated digits one by one ("0" as "zero"). */
export const DIGITS: readonly string[] = [
  'My account number is 4 5 2 1 7 7 3 0',
  'The order number is 9 0 3 6 1 2',
  'You can reach me on 5 5 5 0 1 4 2 8 6 7',
  'My zip code is 9 4 1 0 7',
  'The last four digits are 8 8 3 1',
  'My PIN is 2 6 0 9',
  'The reference is 7 1 4 4 0 5 2',
  '3 9 1 2 6 8',
  '6 0 8 5 2 7 4',
  'The ticket number is 1 0 0 4 8',
  'My policy number is 2 2 7 9 3 1 5',
  'Press 1 for billing or 2 for support',
];

export interface Voice {
  /** espeak-ng voice (`-v`). */
  voice: string;
  /** Words per minute (`-s`). */
  wpm: number;
}

export const VOICES: readonly Voice[] = [
  { voice: 'en-us', wpm: 150 },
  { voice: 'en-us+f3', wpm: 175 },
];

export type CorpusSet = 'clean8k' | 'phone' | 'digits';
export const SETS: readonly CorpusSet[] = ['clean8k', 'phone', 'digits'];

export interface CorpusClip {
  set: CorpusSet;
  id: string;
  voice: Voice;
  /** The words spoken (the reference transcript). */
  text: string;
  rate: number;
  samples: Int16Array;
}

/** Why the corpus cannot be made here (espeak-ng or sox missing), or undefined. */
export async function corpusToolsMissing(): Promise<string | undefined> {
  const missing: string[] = [];
  for (const [bin, args] of [['espeak-ng', ['--version']], ['sox', ['--version']]] as const) {
    try {
      await run(bin, [...args]);
    } catch {
      missing.push(bin);
    }
  }
  return missing.length ? `${missing.join(' and ')} not installed (apt-get install espeak-ng sox)` : undefined;
}

/** sox effects (after the output file) and output options per set. */
function soxArgs(set: CorpusSet, input: string, output: string): string[] {
  // -D: no dither when sox reduces the word length, so that the corpus is the same every run
  // (and a G.711 encoder does not dither either).
  if (set === 'clean8k') return ['-D', input, '-r', '8000', '-b', '16', '-e', 'signed-integer', output, 'pad', '0.3', '0.3'];
  return ['-D', input, '-r', '8000', '-e', 'mu-law', '-b', '8', output, 'sinc', '300-3400', 'pad', '0.3', '0.3'];
}

export interface GenerateOptions {
  sets?: readonly CorpusSet[];
  voices?: readonly Voice[];
  /** Only these texts (default: SENTENCES for clean8k/phone, DIGITS for digits). */
  texts?: readonly string[];
  /** How many clips to synthesise at once (default 4). */
  concurrency?: number;
}

/** Synthesises the corpus in a temporary folder (removed afterwards) and returns it in memory. */
export async function generateCorpus(opts: GenerateOptions = {}): Promise<CorpusClip[]> {
  const sets = opts.sets ?? SETS;
  const voices = opts.voices ?? VOICES;
  const dir = mkdtempSync(join(tmpdir(), 'stt-corpus-'));
  try {
    const jobs: { set: CorpusSet; id: string; voice: Voice; text: string }[] = [];
    for (const set of sets) {
      const texts = opts.texts ?? (set === 'digits' ? DIGITS : SENTENCES);
      texts.forEach((text, i) => voices.forEach((voice, v) => jobs.push({ set, id: `${set}-${String(i).padStart(2, '0')}-v${v}`, voice, text })));
    }
    return await mapLimit(jobs, Math.max(1, opts.concurrency ?? 4), async (j) => {
      const raw = join(dir, `${j.id}.espeak.wav`);
      const wav = join(dir, `${j.id}.wav`);
      await run('espeak-ng', ['-v', j.voice.voice, '-s', String(j.voice.wpm), '-w', raw, j.text]);
      await run('sox', soxArgs(j.set, raw, wav));
      const w = parseWav(readFileSync(wav));
      return { set: j.set, id: j.id, voice: j.voice, text: j.text, rate: w.sampleRate, samples: w.samples };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** fn over the items, at most `limit` at a time, the results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}
