/** Audio plumbing the engines share: checks, resampling, WAV writing, WAV reading with SttError. */
import { parseWav, WavError } from '../audio/wav.js';

export { pcm16Wav } from '../audio/wav.js';
import { SttError, type SttAudio } from './engine.js';

/** Throws a non-retryable SttError when the audio cannot be transcribed at all. */
export function checkAudio(audio: SttAudio): void {
  if (!(audio.samples instanceof Int16Array)) throw new SttError('audio samples must be an Int16Array of 16-bit linear PCM', { code: 'bad-audio', retryable: false });
  if (!Number.isInteger(audio.rate) || audio.rate < 4000 || audio.rate > 192000) {
    throw new SttError(`unsupported sample rate ${audio.rate} (4000-192000 Hz)`, { code: 'bad-audio', retryable: false });
  }
  if (audio.samples.length === 0) throw new SttError('no audio: 0 samples', { code: 'bad-audio', retryable: false });
}

/** A WAV file (PCM, mu-law or A-law) as engine input; a bad file is a non-retryable SttError. */
export function audioFromWav(buf: Buffer | Uint8Array, channel?: number): SttAudio {
  try {
    const w = parseWav(buf, channel);
    return { samples: w.samples, rate: w.sampleRate };
  } catch (e) {
    if (e instanceof WavError) throw new SttError(`bad WAV file: ${e.message}`, { code: 'bad-audio', retryable: false, cause: e });
    throw e;
  }
}


/**
 * Band-limited resampling by a Hann-windowed sinc (32 zero crossings wide at the lower of
 * the two rates), any ratio. Upsampling 8 kHz to 16 kHz adds no content above 4 kHz.
 */
export function resample(x: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return x;
  const out = new Int16Array(Math.floor(x.length * (to / from)));
  resampleInto(x, from, to, out, 0, out.length);
  return out;
}

/**
 * The same, in slices of `slice` output samples with the event loop let go between them:
 * a long recording (minutes at 8 kHz, some hundred million multiply-adds) never holds the
 * daemon's calls up for more than a few milliseconds at a time.
 */
export async function resampleAsync(x: Int16Array, from: number, to: number, slice = 16_000): Promise<Int16Array> {
  if (from === to) return x;
  const out = new Int16Array(Math.floor(x.length * (to / from)));
  for (let i = 0; i < out.length; i += slice) {
    resampleInto(x, from, to, out, i, Math.min(out.length, i + slice));
    await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}

function resampleInto(x: Int16Array, from: number, to: number, out: Int16Array, i0: number, i1: number): void {
  const ratio = to / from;
  const fc = Math.min(1, ratio) * 0.95; // cut-off, as a fraction of the input's Nyquist frequency
  const half = Math.ceil(16 / fc); // taps either side, in input samples
  const kernel = (d: number) => {
    const arg = Math.PI * fc * d;
    const sinc = d === 0 ? 1 : Math.sin(arg) / arg;
    const win = 0.5 + 0.5 * Math.cos((Math.PI * d) / (half + 1));
    return fc * sinc * win;
  };
  // Output sample i sits at input position i * from / to: its fraction repeats every to / gcd(from, to) samples,
  // so for the usual rates (8 kHz to 16 kHz: 2 phases) the taps are computed once per phase, not per sample.
  const g = gcd(from, to);
  const period = to / g;
  const step = from / g;
  const taps = 2 * half;
  const table = period <= 4096 ? new Float64Array(period * taps) : undefined;
  if (table) {
    for (let p = 0; p < period; p++) {
      const frac = ((p * step) % period) / period;
      for (let j = 0; j < taps; j++) table[p * taps + j] = kernel(frac + half - 1 - j);
    }
  }
  for (let i = i0; i < i1; i++) {
    const c = table ? Math.floor((i * step) / period) : Math.floor(i / ratio);
    const t = i / ratio;
    const base = table ? (i % period) * taps : 0;
    let acc = 0;
    for (let j = 0, k = c - half + 1; j < taps; j++, k++) {
      if (k < 0 || k >= x.length) continue;
      acc += x[k]! * (table ? table[base + j]! : kernel(t - k));
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
}

function gcd(a: number, b: number): number {
  a = Math.round(Math.abs(a));
  b = Math.round(Math.abs(b));
  while (b) [a, b] = [b, a % b];
  return a || 1;
}
