/**
 * Record-tone (beep) detection.
 *
 * Per window: a single sinusoid obeys x[n] + x[n-2] = 2cos(w) x[n-1]. The least-squares
 * c = cos(w) over the window gives the frequency, and the energy that this notch leaves
 * behind tells how much of the window is NOT that one sinusoid. Normalising it by what the
 * notch would leave of white noise (2 + 4c^2 times the energy) gives a residual ratio:
 * ~1 for noise, ~0.3-1 for speech (several harmonics and formants), ~0 for a pure tone,
 * and about 1/(1+SNR) for a tone in noise. Four running sums per sample, no FFT, no
 * filter bank, no search over frequencies. The window is the last two 10 ms frames
 * (the sums add), which halves the estimator's variance in noise while the hop stays 10 ms.
 *
 * Over time: a beep is a run of tonal windows at one stable frequency (tracked finely,
 * see BeepTracker) lasting at least beepMinMs. Vowels can look tonal for a few frames,
 * but a human or synthetic voice does not hold one pure partial steady for 200 ms (on
 * the dev corpus no speech run exceeds 110 ms), so duration plus frequency stability
 * separates them. The run tolerates 20 ms of dropouts so a noise burst or a G.711
 * artefact does not split a beep in two. Window k spans frames k-1 and k, so a run of
 * windows ka..kb is reported as [ka*10 - 5, kb*10 + 5] ms: within 5 ms of the true edges
 * whether or not the half-filled edge windows pass the test.
 */
import { FRAME_MS } from './frames.js';

export interface ToneFrame {
  /** Estimated frequency of the dominant sinusoid (Hz). */
  freqHz: number;
  /** Energy not explained by one sinusoid, relative to white noise (0 = pure tone). */
  residual: number;
}

/** Sufficient statistics of the single-sinusoid fit over a stretch of samples. */
export interface ToneSums {
  num: number; // sum x[n-1] (x[n] + x[n-2])
  den: number; // sum x[n-1]^2
  ss: number; //  sum (x[n] + x[n-2])^2
  en: number; //  sum x[n]^2
}

/** Accumulate the fit statistics of the frame part of a Framer buffer ([x-2, x-1, frame...]) into `out`. */
export function toneSums(buf: Float64Array, frameLen: number, out: ToneSums): ToneSums {
  let num = 0, den = 0, ss = 0, en = 0;
  for (let i = 2; i < frameLen + 2; i++) {
    const x0 = buf[i]!;
    const x1 = buf[i - 1]!;
    const s = x0 + buf[i - 2]!;
    num += x1 * s;
    den += x1 * x1;
    ss += s * s;
    en += x0 * x0;
  }
  out.num = num;
  out.den = den;
  out.ss = ss;
  out.en = en;
  return out;
}

/**
 * Best single sinusoid for the given statistics (they add up, so the caller can fit
 * over several frames by summing them).
 *
 * `noisePower` (mean square of the background, if known) de-biases the frequency:
 * white noise adds to sum x[n-1]^2 but not to the cross term, which pulls cos(w) towards
 * zero by S/(S+N) - about +100 Hz for a 440 Hz beep at 15 dB SNR, too far for the fine
 * track in BeepTracker, which this coarse estimate seeds and which must start within
 * +-50 Hz. The residual ratio stays that of the plain least-squares notch.
 */
export function toneFit(t: ToneSums, sampleRate: number, noisePower = 0, samples = 0): ToneFrame {
  const { num, den, ss, en } = t;
  if (den <= 0 || en <= 0) return { freqHz: 0, residual: 1 };
  const clamp = (v: number): number => (v > 1 ? 1 : v < -1 ? -1 : v);
  const c = clamp(num / (2 * den));
  // Residual of the best notch: sum (s - 2c x1)^2 = ss - num^2/den.
  let res = ss - (num * num) / den;
  if (res < 0) res = 0;
  const residual = res / ((2 + 4 * c * c) * en);
  // Never remove more than half of the energy: the floor is an estimate.
  const denTone = Math.max(den - noisePower * samples, den / 2);
  const freqHz = (Math.acos(clamp(num / (2 * denTone))) * sampleRate) / (2 * Math.PI);
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

/** Dropout frames tolerated inside a run (20 ms). */
const MAX_DROPOUT_FRAMES = 2;
/** Frames at the end of a run whose magnitude is kept for placing the end (> the dropouts + a window). */
const TAIL = 8;
/** A frame holds some of the beep while its magnitude at f0 is above this share of the run's. */
const TAIL_PRESENT = 0.15;

const TWO_PI = 2 * Math.PI;
const wrapPi = (a: number): number => a - TWO_PI * Math.round(a / TWO_PI);

/**
 * Groups tonal windows into runs and decides which runs are beeps.
 *
 * Frequency stability is judged on a fine track, not on the coarse per-window fit (whose
 * jitter at 15 dB SNR is several % for a 440 Hz tone): once a run starts at the coarse
 * frequency f0, each frame's complex amplitude at f0 is taken (a single DFT bin), and the
 * phase advance between frames gives the frequency to a fraction of a Hz (valid within
 * +-50 Hz of f0 at 8 kHz, far more than the coarse error). A vowel's partial drifts by
 * more than toneFreqTolerance within beepMinMs; a beep does not drift at all.
 */
export class BeepTracker {
  private runStart = -1; // first window index of the current run, -1 if none
  private lastTonal = -1; // last tonal window index in the run
  private confirmed = false;
  private readonly minFrames: number;
  private readonly maxFrames: number;
  // Fine frequency track of the current run.
  private readonly cosT: Float64Array;
  private readonly sinT: Float64Array;
  private prevRe = 0;
  private prevIm = 0;
  private prevIndex = -1; // frame whose amplitude is in prevRe/prevIm
  private wRef = 0; // rad/sample: coarse f0, then the run's mean fine frequency
  private wSum = 0;
  private wCount = 0;
  /** Magnitudes at f0 of the run's tonal frames (for the run's reference level). */
  private readonly runMags: number[] = [];
  /** Magnitude at f0 of the latest frames of the run, tonal or not, by frame index. */
  private readonly tailMags = new Float64Array(TAIL);
  private tailLast = -1;

  constructor(
    private readonly cfg: ToneConfig,
    private readonly frameLen: number,
    private readonly sampleRate: number,
  ) {
    this.minFrames = Math.max(1, Math.ceil(cfg.beepMinMs / FRAME_MS));
    this.maxFrames = Math.floor(cfg.beepMaxMs / FRAME_MS);
    this.cosT = new Float64Array(frameLen);
    this.sinT = new Float64Array(frameLen);
  }

  /** True while a run (possibly in a dropout frame) is in progress. */
  get inRun(): boolean {
    return this.runStart >= 0;
  }

  /**
   * Feed window `index` (the frame of that index is in `buf` at [2, 2 + frameLen)).
   * `tonal` says whether the window passed the tone test; `freqHz` is its coarse estimate.
   */
  update(index: number, tonal: boolean, freqHz: number, buf: Float64Array): ToneUpdate {
    const out: ToneUpdate = { confirmed: false };
    if (this.runStart >= 0) {
      if (tonal) {
        const w = this.fineFrequency(index, buf);
        this.keepTail(index, Math.hypot(this.prevRe, this.prevIm), true);
        const mean = this.wCount > 0 ? this.wSum / this.wCount : w;
        if (Math.abs(w - mean) <= this.cfg.toneFreqTolerance * mean) {
          this.wSum += w;
          this.wCount++;
          this.wRef = this.wSum / this.wCount;
          this.extend(index, out);
          return out;
        }
      } else if (index - this.lastTonal <= MAX_DROPOUT_FRAMES) {
        this.keepTail(index, this.magnitude(buf), false);
        return out;
      }
      out.ended = this.close();
    }
    if (tonal) this.open(index, freqHz, buf, out);
    return out;
  }

  /** End of stream: close any run. */
  flush(): ToneRun | undefined {
    return this.runStart >= 0 ? this.close() : undefined;
  }

  private open(index: number, freqHz: number, buf: Float64Array, out: ToneUpdate): void {
    this.runStart = index;
    this.confirmed = false;
    const w0 = (TWO_PI * freqHz) / this.sampleRate;
    for (let n = 0; n < this.frameLen; n++) {
      this.cosT[n] = Math.cos(w0 * n);
      this.sinT[n] = Math.sin(w0 * n);
    }
    this.wRef = w0;
    this.wSum = 0;
    this.wCount = 0;
    this.amplitude(buf);
    this.prevIndex = index;
    this.runMags.length = 0;
    this.tailLast = -1;
    this.keepTail(index, Math.hypot(this.prevRe, this.prevIm), true);
    this.extend(index, out);
  }

  private keepTail(index: number, mag: number, tonal: boolean): void {
    this.tailMags[index % TAIL] = mag;
    this.tailLast = index;
    if (tonal) this.runMags.push(mag);
  }

  /** |DFT bin at the run's f0| over the frame, leaving the phase track alone. */
  private magnitude(buf: Float64Array): number {
    const pr = this.prevRe, pi = this.prevIm;
    this.amplitude(buf);
    const m = Math.hypot(this.prevRe, this.prevIm);
    this.prevRe = pr;
    this.prevIm = pi;
    return m;
  }

  /**
   * Where the run's tone stopped (ms), to a fraction of a frame: a frame's DFT bin sums
   * the tone coherently over the part of the frame it sounds in, so a frame whose
   * magnitude is a share s of the run's median was sounding for s of its 10 ms. The last
   * frame still holding some of it (above TAIL_PRESENT, clear of noise in one bin) ends it.
   */
  private endMs(): number {
    const window = this.lastTonal * FRAME_MS + FRAME_MS / 2;
    if (this.runMags.length < 3) return window;
    const sorted = [...this.runMags].sort((a, b) => a - b);
    const ref = sorted[sorted.length >> 1]!;
    if (!(ref > 0)) return window;
    const first = Math.max(this.runStart, this.tailLast - TAIL + 1);
    for (let f = this.tailLast; f >= first; f--) {
      const share = this.tailMags[f % TAIL]! / ref;
      if (share >= TAIL_PRESENT) return Math.round(f * FRAME_MS + FRAME_MS * Math.min(1, share));
    }
    return window;
  }

  /** DFT bin at the run's f0 over the frame, into prevRe/prevIm. */
  private amplitude(buf: Float64Array): void {
    let re = 0, im = 0;
    for (let n = 0; n < this.frameLen; n++) {
      const x = buf[n + 2]!;
      re += x * this.cosT[n]!;
      im -= x * this.sinT[n]!;
    }
    this.prevRe = re;
    this.prevIm = im;
  }

  /** Fine frequency (rad/sample) from the phase advance since the last tonal frame. */
  private fineFrequency(index: number, buf: Float64Array): number {
    const pr = this.prevRe, pi = this.prevIm;
    this.amplitude(buf);
    const gap = (index - this.prevIndex) * this.frameLen;
    this.prevIndex = index;
    // arg(X_k * conj(X_prev)) = w * gap (mod 2pi); resolve the ambiguity around wRef.
    const dphi = Math.atan2(this.prevIm * pr - this.prevRe * pi, this.prevRe * pr + this.prevIm * pi);
    return this.wRef + wrapPi(dphi - this.wRef * gap) / gap;
  }

  private extend(index: number, out: ToneUpdate): void {
    this.lastTonal = index;
    const frames = index - this.runStart + 1;
    if (!this.confirmed && frames >= this.minFrames) {
      this.confirmed = true;
      out.confirmed = true;
    }
  }

  private close(): ToneRun {
    const frames = this.lastTonal - this.runStart + 1;
    const w = this.wCount > 0 ? this.wSum / this.wCount : this.wRef;
    const run: ToneRun = {
      startMs: Math.max(0, this.runStart * FRAME_MS - FRAME_MS / 2),
      endMs: this.endMs(),
      freqHz: Math.round((w * this.sampleRate) / TWO_PI),
      isBeep: frames >= this.minFrames && frames <= this.maxFrames,
    };
    this.runStart = -1;
    this.lastTonal = -1;
    this.confirmed = false;
    return run;
  }
}
