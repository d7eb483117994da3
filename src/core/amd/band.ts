/**
 * The voice band: energy between 250 and 1000 Hz, where voiced speech (first formants,
 * low harmonics) puts most of its energy and where white or hiss-like line noise puts
 * only a quarter of its own. Hum (50/60 Hz and its first harmonics) stays below it.
 * A second energy VAD on this band hears a far-from-loud voice through noise that the
 * full band hides (about 5 dB better signal-to-noise against white noise).
 *
 * One biquad band-pass (RBJ cookbook, constant 0 dB peak gain), run sample by sample:
 * deterministic and independent of how the audio is chunked.
 */
const LOW_HZ = 250;
const HIGH_HZ = 1000;

export class VoiceBand {
  private readonly b0: number;
  private readonly b2: number;
  private readonly a1: number;
  private readonly a2: number;
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;

  constructor(sampleRate: number) {
    const f0 = Math.sqrt(LOW_HZ * HIGH_HZ);
    const q = f0 / (HIGH_HZ - LOW_HZ);
    const w0 = (2 * Math.PI * f0) / sampleRate;
    const alpha = Math.sin(w0) / (2 * q);
    const a0 = 1 + alpha;
    this.b0 = alpha / a0;
    this.b2 = -alpha / a0;
    this.a1 = (-2 * Math.cos(w0)) / a0;
    this.a2 = (1 - alpha) / a0;
  }

  /** Mean square of the band-passed frame part of a Framer buffer ([x-2, x-1, frame...]). */
  meanSquare(buf: Float64Array, frameLen: number): number {
    const { b0, b2, a1, a2 } = this;
    let { x1, x2, y1, y2 } = this;
    let en = 0;
    for (let i = 2; i < frameLen + 2; i++) {
      const x0 = buf[i]!;
      const y0 = b0 * x0 + b2 * x2 - a1 * y1 - a2 * y2;
      x2 = x1;
      x1 = x0;
      y2 = y1;
      y1 = y0;
      en += y0 * y0;
    }
    this.x1 = x1;
    this.x2 = x2;
    this.y1 = y1;
    this.y2 = y2;
    return en / frameLen;
  }
}
