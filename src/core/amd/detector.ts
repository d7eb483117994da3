/**
 * Streaming answering-machine detector, per 10 ms frame:
 *
 * ```
 *   samples ─▶ Framer ─┬─▶ full-band energy ─▶ NoiseFloorVad ──┐
 *                      ├─▶ VoiceBand 250-1000 Hz ─▶ NoiseFloorVad ─┴─ either ─▶ NearTalkerGate ─▶ AmdClassifier
 *                      └─▶ single-tone fit ─▶ BeepTracker ───────────────────────────────────────────┘
 * ```
 *
 * Robust to real lines by design, not by tuning: every level is relative (to the noise
 * floor of its band, to the near talker), so a weak or a hot line is the same signal;
 * the voice band hears speech through white or hiss-like noise the full band hides; the
 * floor rises onto a steady background (hum, fans); the near-talker gate keeps a voice
 * from across the room out of the answer; a beep's end is placed inside its frame from
 * its magnitude at the beep frequency. Clipping keeps speech's envelope and a beep's
 * frequency, so a hot line needs nothing of its own.
 *
 * Pure and deterministic: no clocks, no I/O; every time reported is audio time derived
 * from the sample count, so the same audio gives the same events whatever the chunking.
 */
import { AmdClassifier, type AmdEvent, type AmdVerdict } from './classifier.js';
import { Framer, energyDbfs, FRAME_MS } from './frames.js';
import { defaultAmdParams, validateAmdParams, type AmdParams } from './params.js';
import { BeepTracker, toneFit, toneSums, type ToneSums } from './tone.js';
import { VoiceBand } from './band.js';
import { NearTalkerGate } from './near.js';
import { NoiseFloorVad } from './vad.js';

export class AmdDetector {
  readonly params: Readonly<AmdParams>;
  private readonly framer: Framer;
  private readonly vad: NoiseFloorVad;
  private readonly near: NearTalkerGate;
  private readonly band: VoiceBand;
  private readonly bandVad: NoiseFloorVad;
  private readonly tracker: BeepTracker;
  private readonly fsm: AmdClassifier;
  private finished = false;
  /** Tone-fit statistics of the previous and current frame; their sum is the 20 ms window. */
  private prevSums: ToneSums = { num: 0, den: 0, ss: 0, en: 0 };
  private curSums: ToneSums = { num: 0, den: 0, ss: 0, en: 0 };
  private readonly winSums: ToneSums = { num: 0, den: 0, ss: 0, en: 0 };

  constructor(readonly sampleRate: 8000 | 16000, params?: Partial<AmdParams>) {
    if (sampleRate !== 8000 && sampleRate !== 16000) {
      throw new RangeError(`AmdDetector: sampleRate must be 8000 or 16000, got ${String(sampleRate)}`);
    }
    const problems = params ? validateAmdParams(params) : [];
    if (problems.length > 0) throw new RangeError(`AmdDetector: invalid params: ${problems.join('; ')}`);
    this.params = Object.freeze({ ...defaultAmdParams, ...params });
    this.framer = new Framer(sampleRate);
    this.vad = new NoiseFloorVad(this.params);
    this.near = new NearTalkerGate(this.params.nearTalkerDb);
    this.band = new VoiceBand(sampleRate);
    this.bandVad = new NoiseFloorVad(this.params);
    this.tracker = new BeepTracker(this.params, this.framer.frameLen, sampleRate);
    this.fsm = new AmdClassifier(this.params);
  }

  /** The verdict once given, else undefined. */
  get verdict(): AmdVerdict | undefined {
    return this.fsm.verdict;
  }

  /** True once the detector has nothing more to say (further audio is ignored cheaply). */
  get done(): boolean {
    return this.finished || this.fsm.finished;
  }

  /** Feed audio (any length); returns the events it caused, in time order. */
  push(samples: Int16Array): AmdEvent[] {
    const events: AmdEvent[] = [];
    if (this.done) return events;
    this.framer.push(samples, (buf) => this.onFrame(buf, events));
    return events;
  }

  /** End of stream: settles an open verdict as 'unknown' and reports a beep still sounding. */
  finish(): AmdEvent[] {
    const events: AmdEvent[] = [];
    if (this.finished) return events;
    this.finished = true;
    if (this.fsm.finished) return events;
    const endMs = this.framer.frames * FRAME_MS;
    this.fsm.finish(endMs, this.tracker.flush(), events);
    return events;
  }

  private onFrame(buf: Float64Array, events: AmdEvent[]): void {
    if (this.fsm.finished) return;
    const p = this.params;
    const index = this.framer.frames;
    const n = this.framer.frameLen;
    const cur = toneSums(buf, n, this.curSums);
    const ms = cur.en / n;
    const level = energyDbfs(ms);
    const prev = this.prevSums;
    const win = this.winSums;
    win.num = prev.num + cur.num;
    win.den = prev.den + cur.den;
    win.ss = prev.ss + cur.ss;
    win.en = prev.en + cur.en;
    this.prevSums = cur;
    this.curSums = prev;
    // Fit a tone only where there is energy worth looking at (also skips the work on
    // silence). The floor is the one from the previous frame.
    const floor = this.vad.floorDbfs;
    const samples = index === 0 ? n : 2 * n;
    const winLevel = energyDbfs(win.en / samples);
    let tonal = false;
    let freq = 0;
    if (winLevel > floor + p.toneMinDb && winLevel > p.minSpeechDbfs) {
      const noisePower = 10 ** (floor / 10) * 32768 * 32768;
      const tf = toneFit(win, this.sampleRate, noisePower, samples);
      freq = tf.freqHz;
      tonal = tf.residual <= p.toneResidualMax && freq >= p.beepMinHz && freq <= p.beepMaxHz;
    }
    const tu = this.tracker.update(index, tonal, freq, buf);
    const toneOn = tonal || this.tracker.inRun;
    const bandMs = this.band.meanSquare(buf, n);
    const bandActive = this.bandVad.frame(bandMs, energyDbfs(bandMs), toneOn);
    const active = this.vad.frame(ms, level, toneOn) || bandActive;
    if (this.vad.raisedAt >= 0) this.fsm.discardSpeechFrom(this.vad.raisedAt * FRAME_MS);
    if (this.bandVad.raisedAt >= 0) this.fsm.discardSpeechFrom(this.bandVad.raisedAt * FRAME_MS);
    const speech = this.near.frame(index, this.vad.smoothedDbfs, active);
    if (this.near.onsetAt >= 0) this.fsm.restartUtteranceAt(this.near.onsetAt * FRAME_MS);
    this.fsm.frame(index, speech, tu, this.tracker.inRun, events, speech ? this.near.speechStart : index);
  }
}
