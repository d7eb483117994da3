/**
 * Energy voice-activity detection against an adaptive noise floor.
 *
 * The floor is the minimum, over a sliding window of a couple of seconds, of the frame
 * energy smoothed over 50 ms ("minimum statistics"). Speech always has short low-energy
 * stretches (between words, stop closures) so the minimum finds the background even in a
 * continuous greeting, while the 50 ms smoothing keeps the minimum close to the mean of
 * a fluctuating background instead of its deepest dip.
 *
 * A minimum only follows a background that gets quieter. When it gets louder (the media
 * starts after a few silent packets, a noisy room) the floor is raised as soon as the
 * smoothed level has been steady for half a second: syllables modulate speech energy by
 * 15 dB or more within any 500 ms, stationary noise varies by a dB or two. The caller is
 * told (`raisedAt`) so the stretch just reclassified as noise stops counting as speech.
 * Tones are steady too, so this rule is suspended while a tone is sounding.
 */
import { FRAME_MS } from './frames.js';

/** Energy smoothing for the floor estimate: 5 frames = 50 ms. */
const SMOOTH_FRAMES = 5;
/** Window minima are kept per block of 10 frames (100 ms) so a frame costs O(1). */
const BLOCK_FRAMES = 10;
/** The floor never goes below this; real lines always carry some noise (dBFS). */
const FLOOR_MIN_DBFS = -90;
/** Steadiness test: 500 ms whose smoothed level stays within 6 dB is background. */
export const STEADY_FRAMES = 50;
const STEADY_RANGE_DB = 6;

export interface VadConfig {
  speechOnDb: number;
  speechOffDb: number;
  minSpeechDbfs: number;
  noiseWindowMs: number;
}

export class NoiseFloorVad {
  private readonly smooth = new Float64Array(SMOOTH_FRAMES);
  private smoothSum = 0;
  private smoothCount = 0;
  private smoothPos = 0;
  private readonly blockMins: Float64Array;
  private blocksFilled = 0;
  private blockPos = 0;
  private curBlockMin = Infinity;
  private curBlockLen = 0;
  private readonly recent = new Float64Array(STEADY_FRAMES); // smoothed levels, ring
  private frames = 0;
  private framesSinceTone = STEADY_FRAMES;
  private active = false;
  /** Current noise-floor estimate (dBFS). */
  floorDbfs = FLOOR_MIN_DBFS;
  /** The latest frame's level smoothed over 50 ms (dBFS). */
  smoothedDbfs = -120;
  /**
   * Set by frame() when the floor was just raised by the steadiness rule: the index of
   * the first frame of the steady stretch (now background). Otherwise -1.
   */
  raisedAt = -1;

  constructor(private readonly cfg: VadConfig) {
    const blocks = Math.max(1, Math.round(cfg.noiseWindowMs / (FRAME_MS * BLOCK_FRAMES)));
    this.blockMins = new Float64Array(blocks);
  }

  /**
   * Feed one frame's mean square (linear), its level in dBFS and whether a tone is
   * sounding; returns whether the frame is above the speech threshold (with hysteresis).
   */
  frame(meanSquare: number, levelDbfs: number, tone: boolean): boolean {
    this.raisedAt = -1;
    // 50 ms moving average of power, in dB.
    if (this.smoothCount === SMOOTH_FRAMES) this.smoothSum -= this.smooth[this.smoothPos]!;
    else this.smoothCount++;
    this.smooth[this.smoothPos] = meanSquare;
    this.smoothSum += meanSquare;
    this.smoothPos = (this.smoothPos + 1) % SMOOTH_FRAMES;
    const sm = this.smoothSum / this.smoothCount;
    const smDb = sm <= 0 ? -120 : 10 * Math.log10(sm / (32768 * 32768));
    this.smoothedDbfs = smDb;

    // Sliding-window minimum made of per-block minima.
    if (smDb < this.curBlockMin) this.curBlockMin = smDb;
    this.curBlockLen++;
    let floor = this.curBlockMin;
    for (let i = 0; i < this.blocksFilled; i++) {
      const m = this.blockMins[i]!;
      if (m < floor) floor = m;
    }
    if (this.curBlockLen === BLOCK_FRAMES) {
      this.blockMins[this.blockPos] = this.curBlockMin;
      this.blockPos = (this.blockPos + 1) % this.blockMins.length;
      if (this.blocksFilled < this.blockMins.length) this.blocksFilled++;
      this.curBlockMin = Infinity;
      this.curBlockLen = 0;
    }

    // Steady louder background: raise the floor to it.
    this.recent[this.frames % STEADY_FRAMES] = smDb;
    this.frames++;
    this.framesSinceTone = tone ? 0 : this.framesSinceTone + 1;
    if (this.frames >= STEADY_FRAMES && this.framesSinceTone >= STEADY_FRAMES) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < STEADY_FRAMES; i++) {
        const v = this.recent[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo <= STEADY_RANGE_DB && lo > floor + this.cfg.speechOffDb) {
        floor = lo;
        for (let i = 0; i < this.blocksFilled; i++) if (this.blockMins[i]! < lo) this.blockMins[i] = lo;
        if (this.curBlockMin < lo) this.curBlockMin = lo;
        this.raisedAt = this.frames - STEADY_FRAMES;
      }
    }
    this.floorDbfs = floor < FLOOR_MIN_DBFS ? FLOOR_MIN_DBFS : floor;

    const { speechOnDb, speechOffDb, minSpeechDbfs } = this.cfg;
    const rel = this.active ? speechOffDb : speechOnDb;
    const absMin = minSpeechDbfs - (this.active ? speechOnDb - speechOffDb : 0);
    this.active = levelDbfs > this.floorDbfs + rel && levelDbfs > absMin;
    return this.active;
  }
}
