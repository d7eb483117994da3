/**
 * Re-blocking of arbitrary-length PCM chunks into fixed 10 ms analysis frames.
 *
 * Frames are cut on absolute sample positions, so the same audio gives the same frames
 * (and therefore the same events) whatever chunk sizes the caller pushes. 16 kHz input
 * is analysed natively with 160-sample frames: the energy and single-tone measures below
 * are rate-independent, so no resampler is needed.
 */

/** Analysis frame duration. 10 ms gives beep edges to +-10 ms and is cheap. */
export const FRAME_MS = 10;

/** Full-scale reference for dBFS: a square wave at 32768 has mean square 32768^2 (0 dBFS). */
const FULL_SCALE_SQ = 32768 * 32768;

/** Floor for the log so digital silence gives a finite level. */
const MIN_DBFS = -120;

/** Mean-square energy in dBFS. */
export function energyDbfs(meanSquare: number): number {
  const r = meanSquare / FULL_SCALE_SQ;
  return r <= 1e-12 ? MIN_DBFS : Math.max(MIN_DBFS, 10 * Math.log10(r));
}

/**
 * Collects samples into frames of `frameLen` samples. The buffer keeps the two samples
 * before the frame in slots 0 and 1 (the tone measure predicts each sample from the two
 * before it); the frame itself is at [2, 2 + frameLen).
 */
export class Framer {
  readonly frameLen: number;
  /** [x(-2), x(-1), frame...] as float so analysis needs no conversion. */
  readonly buf: Float64Array;
  private fill = 2;
  /** Number of complete frames emitted so far. */
  frames = 0;
  /** Total samples consumed, including an unfinished frame. */
  samples = 0;

  constructor(readonly sampleRate: number) {
    this.frameLen = Math.round((sampleRate * FRAME_MS) / 1000);
    this.buf = new Float64Array(this.frameLen + 2);
  }

  /**
   * Append samples; call `onFrame(buf)` for each completed frame (buf as described on
   * the class, valid only during the call).
   */
  push(samples: Int16Array, onFrame: (buf: Float64Array) => void): void {
    const buf = this.buf;
    const end = this.frameLen + 2;
    let fill = this.fill;
    for (let i = 0; i < samples.length; i++) {
      buf[fill++] = samples[i]!;
      if (fill === end) {
        onFrame(buf);
        this.frames++;
        // Carry the last two samples over as history for the next frame.
        buf[0] = buf[end - 2]!;
        buf[1] = buf[end - 1]!;
        fill = 2;
      }
    }
    this.samples += samples.length;
    this.fill = fill;
  }
}
