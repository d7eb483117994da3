/**
 * Near talker against far talker.
 *
 * The person who answers holds the handset to their mouth; a television, a colleague
 * across an open office or a second conversation reaches the same microphone from
 * metres away, 15-25 dB lower. The energy VAD only asks "above the background?", and a
 * background voice is: it comes and goes like speech, so no floor tracker learns it, and
 * a short "hello?" followed by the TV talking on looks like one long greeting.
 *
 * So speech counts for the decision only when it is within `nearTalkerDb` of the near
 * talker's level: the highest 50 ms level of speech heard, decaying slowly (a voice keeps
 * renewing it syllable by syllable, a single loud click fades). A far voice under a
 * near one never reaches that band. A machine's greeting is one talker at one distance:
 * its words keep coming back to within a few dB of its own peak.
 *
 * A word's quieter onset and tail belong to it: a stretch of speech (the VAD's run of
 * active frames) counts from its first frame to its last once any frame of it reaches
 * the near band (`speechStart` tells where it began).
 *
 * When the far voice is there first (the TV was on before the person spoke), the level
 * is its level, until a talker clearly nearer starts: a 50 ms level more than
 * `nearTalkerDb` above the peak of 100 ms before. Then `onsetAt` names the first frame of
 * that louder talker (the earliest of the frames just before it already louder than the
 * old peak), and what was heard before it was the far talker, not the start of the
 * answer.
 */

/** How fast the near talker's level is forgotten (dB per 10 ms frame: 3 dB/s). */
const DECAY_DB_PER_FRAME = 0.03;
/** The peak a jump is measured against is this many frames old (100 ms: longer than the 50 ms smoothing's rise). */
const LAG_FRAMES = 10;
/** Frames kept for the look-back to a louder talker's onset (300 ms). */
const RING = 32;

export class NearTalkerGate {
  private peak = -Infinity;
  private readonly levels = new Float64Array(RING);
  private readonly peaks = new Float64Array(RING).fill(-Infinity);
  private lastJump = -RING;
  private runStart = -1;
  private runNear = false;
  /** First frame of the current near-talker speech stretch (valid while frame() returns true). */
  speechStart = -1;
  /** Set by frame() to the onset frame of a clearly nearer talker that just started, else -1. */
  onsetAt = -1;

  constructor(private readonly nearTalkerDb: number) {}

  /** The near talker's current level (dBFS), -Infinity before any speech. */
  get levelDbfs(): number {
    return this.peak;
  }

  /**
   * Frame `index` with its 50 ms level and the VAD's decision; returns whether it is
   * the near talker's speech.
   */
  frame(index: number, smoothedDbfs: number, active: boolean): boolean {
    this.onsetAt = -1;
    if (!active) {
      this.runStart = -1;
      this.runNear = false;
    } else if (this.runStart < 0) {
      this.runStart = index;
    }
    const slot = index % RING;
    this.levels[slot] = smoothedDbfs;
    this.peak -= DECAY_DB_PER_FRAME;
    if (active) {
      const lagged = index >= LAG_FRAMES ? this.peaks[(index - LAG_FRAMES) % RING]! : -Infinity;
      if (Number.isFinite(lagged) && smoothedDbfs > lagged + this.nearTalkerDb && index - this.lastJump > LAG_FRAMES) {
        this.lastJump = index;
        let k = index;
        while (k > 0 && index - (k - 1) < RING && this.levels[(k - 1) % RING]! > lagged) k--;
        this.onsetAt = k;
        if (k > this.runStart) {
          this.runStart = k;
          this.runNear = false;
        }
      }
      if (smoothedDbfs > this.peak) this.peak = smoothedDbfs;
    }
    this.peaks[slot] = this.peak;
    if (active && !this.runNear && smoothedDbfs >= this.peak - this.nearTalkerDb) {
      this.runNear = true;
      this.speechStart = this.runStart;
    }
    return this.runNear;
  }
}
