/**
 * Record-tone (beep) detection.
 *
 * Per frame: a single sinusoid obeys x[n] + x[n-2] = 2cos(w) x[n-1]. The least-squares
 * c = cos(w) over the frame gives the frequency, and the energy that this notch leaves
 * behind tells how much of the frame is NOT that one sinusoid. Normalising it by what the
 * notch would leave of white noise (2 + 4c^2 times the energy) gives a residual ratio:
 * ~1 for noise, ~0.3-1 for speech (several harmonics and formants), ~0 for a pure tone,
 * and about 1/(1+SNR) for a tone in noise. O(frame) per frame, no FFT, no filter bank,
 * no search over frequencies.
 *
 * Over time: a beep is a run of tonal frames at one stable frequency lasting at least
 * beepMinMs. Vowels can look tonal for a few frames, but a human or synthetic voice does
 * not hold one pure partial steady for 200 ms, so duration plus frequency stability
 * separates them. The run is allowed one dropout frame so a noise spike or a G.711
 * artefact does not split a beep in two.
 */
import { FRAME_MS } from './frames.js';

export interface ToneFrame {
  /** Estimated frequency of the dominant sinusoid (Hz). */
  freqHz: number;
  /** Energy not explained by one sinusoid, relative to white noise (0 = pure tone). */
  residual: number;
}

/**
 * Single-sinusoid fit over the frame part of a Framer buffer ([x-2, x-1, frame...]).
 */
export function toneFrame(buf: Float64Array, frameLen: number, sampleRate: number): ToneFrame {
  let num = 0; // sum x[n-1] (x[n] + x[n-2])
  let den = 0; // sum x[n-1]^2
  let ss = 0; //  sum (x[n] + x[n-2])^2
  let en = 0; //  sum x[n]^2
  for (let i = 2; i < frameLen + 2; i++) {
    const x0 = buf[i]!;
    const x1 = buf[i - 1]!;
    const s = x0 + buf[i - 2]!;
    num += x1 * s;
    den += x1 * x1;
    ss += s * s;
    en += x0 * x0;
  }
  if (den <= 0 || en <= 0) return { freqHz: 0, residual: 1 };
  let c = num / (2 * den);
  if (c > 1) c = 1;
  else if (c < -1) c = -1;
  // Residual of the best notch: sum (s - 2c x1)^2 = ss - num^2/den.
  let res = ss - (num * num) / den;
  if (res < 0) res = 0;
  const residual = res / ((2 + 4 * c * c) * en);
  const freqHz = (Math.acos(c) * sampleRate) / (2 * Math.PI);
  return { freqHz, residual };
}

export interface ToneConfig {
  beepMinMs: number;
  beepMaxMs: number;
  toneFreqTolerance: number;
}

/** A finished run of tonal frames. */
export interface ToneRun {
  startMs: number;
  /** End of the last tonal frame (dropout frames at the end are not included). */
  endMs: number;
  freqHz: number;
  /** Long enough and not too long: a record beep. */
  isBeep: boolean;
}

export interface ToneUpdate {
  /** The current run just reached beepMinMs (reported once per run). */
  confirmed: boolean;
  /** A run that ended with this frame (or before it, after its dropout allowance). */
  ended?: ToneRun;
}

/** Dropout frames tolerated inside a run. */
const MAX_DROPOUT_FRAMES = 1;

export class BeepTracker {
  private runStart = -1; // first frame index of the current run, -1 if none
  private lastTonal = -1; // last tonal frame index in the run
  private freqSum = 0;
  private tonalFrames = 0;
  private confirmed = false;
  private readonly minFrames: number;
  private readonly maxFrames: number;

  constructor(private readonly cfg: ToneConfig) {
    this.minFrames = Math.max(1, Math.ceil(cfg.beepMinMs / FRAME_MS));
    this.maxFrames = Math.floor(cfg.beepMaxMs / FRAME_MS);
  }

  /** True while a run (possibly in a dropout frame) is in progress. */
  get inRun(): boolean {
    return this.runStart >= 0;
  }

  /** Length of the current run so far (ms), 0 if none. */
  get runMs(): number {
    return this.runStart < 0 ? 0 : (this.lastTonal - this.runStart + 1) * FRAME_MS;
  }

  /**
   * Feed frame `index`. `tonal` says whether the frame passed the per-frame tone test;
   * `freqHz` is its frequency estimate.
   */
  update(index: number, tonal: boolean, freqHz: number): ToneUpdate {
    const out: ToneUpdate = { confirmed: false };
    if (this.runStart >= 0) {
      const mean = this.freqSum / this.tonalFrames;
      const same = tonal && Math.abs(freqHz - mean) <= this.cfg.toneFreqTolerance * mean;
      if (same) {
        this.extend(index, freqHz, out);
        return out;
      }
      if (!tonal && index - this.lastTonal <= MAX_DROPOUT_FRAMES) return out;
      out.ended = this.close();
    }
    if (tonal) {
      this.runStart = index;
      this.freqSum = 0;
      this.tonalFrames = 0;
      this.confirmed = false;
      this.extend(index, freqHz, out);
    }
    return out;
  }

  /** End of stream: close any run. */
  flush(): ToneRun | undefined {
    return this.runStart >= 0 ? this.close() : undefined;
  }

  private extend(index: number, freqHz: number, out: ToneUpdate): void {
    this.lastTonal = index;
    this.freqSum += freqHz;
    this.tonalFrames++;
    const frames = index - this.runStart + 1;
    if (!this.confirmed && frames >= this.minFrames) {
      this.confirmed = true;
      out.confirmed = true;
    }
  }

  private close(): ToneRun {
    const frames = this.lastTonal - this.runStart + 1;
    const run: ToneRun = {
      startMs: this.runStart * FRAME_MS,
      endMs: (this.lastTonal + 1) * FRAME_MS,
      freqHz: Math.round(this.freqSum / this.tonalFrames),
      isBeep: frames >= this.minFrames && frames <= this.maxFrames,
    };
    this.runStart = -1;
    this.lastTonal = -1;
    this.confirmed = false;
    return run;
  }
}
