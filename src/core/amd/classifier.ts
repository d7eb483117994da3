/**
 * The AMD decision state machine. It sees one 10 ms frame at a time: whether the frame
 * is speech-level energy (from the VAD) and what the beep tracker says.
 *
 * ```
 *                 speech >= minSpeechMs
 *   WAITING ─────────────────────────────▶ UTTERANCE
 *     │  ▲                                  │   │  pauses < silenceAfterHumanMs are
 *     │  ├ (short blips ignored)            │   │  bridged; the utterance keeps growing
 *     │  └─ "speech" turns out to be a steady louder background (VAD) ◀─┘
 *     │                                     │   │
 *     │ t >= deadlineMs                     │   └─ silence >= silenceAfterHumanMs
 *     ▼                                     │      (utterance < machineSpeechMs)
 *   DONE: unknown ◀─── t >= deadlineMs ─────┤      ──▶ DONE: human
 *                                           │
 *         utterance >= machineSpeechMs      │
 *         or a beep (steady tone >= beepMinMs) in WAITING/UTTERANCE
 *                                           ▼
 *                                   LISTENING (verdict machine)
 *                                     │ beep ends ──▶ emit beep ──▶ DONE
 *                                     │ silence >= greetingEndSilenceMs, no tone
 *                                     │           ──▶ emit greeting-end ──▶ DONE
 *                                     │ t - verdict >= beepMaxWaitMs ──▶ DONE (silently)
 * ```
 *
 * Why these rules: a person answers with a short phrase and then waits for the caller,
 * so a short utterance followed by a clear pause is a human. A machine plays its whole
 * greeting without waiting, so speech that goes on (with only inter-word pauses) for
 * longer than anyone says "hello" is a machine. A record tone is a machine whatever came
 * before it.
 */
import type { AmdParams } from './params.js';
import { FRAME_MS } from './frames.js';
import type { ToneUpdate } from './tone.js';

export type AmdVerdict = 'human' | 'machine' | 'unknown';

/**
 * Detector output. Verdict reasons: 'long-speech' and 'beep' (machine),
 * 'short-answer-then-silence' (human), 'no-speech', 'undecided-at-deadline' and
 * 'end-of-stream' (unknown). All times are ms of audio from the start of the stream.
 */
export type AmdEvent =
  | { type: 'verdict'; verdict: AmdVerdict; reason: string; atMs: number }
  | { type: 'beep'; startMs: number; endMs: number; freqHz: number }
  /** The machine greeting ended with silence and no beep; atMs is when that was confirmed. */
  | { type: 'greeting-end'; atMs: number; speechEndMs: number };

type State = 'waiting' | 'utterance' | 'listening' | 'done';

export class AmdClassifier {
  private state: State = 'waiting';
  private verdictValue: AmdVerdict | undefined;
  private verdictAtMs = 0;
  /** Start of the current run of speech-level frames, and its length in frames. */
  private runStartMs = 0;
  private runFrames = 0;
  /** Start of the first utterance and end of its latest speech (ms). */
  private uttStartMs = -1;
  private lastSpeechEndMs = -1;
  private readonly minSpeechFrames: number;

  constructor(private readonly p: AmdParams) {
    this.minSpeechFrames = Math.max(1, Math.round(p.minSpeechMs / FRAME_MS));
  }

  get verdict(): AmdVerdict | undefined {
    return this.verdictValue;
  }

  get finished(): boolean {
    return this.state === 'done';
  }

  /**
   * Process frame `index`. `speech` is the VAD decision, `tone` the beep tracker's
   * update for the same frame, `toneInRun` whether a tone run is in progress,
   * `speechStartIndex` the first frame of the speech run this frame belongs to.
   */
  frame(index: number, speech: boolean, tone: ToneUpdate, toneInRun: boolean, events: AmdEvent[], speechStartIndex = index): void {
    if (this.state === 'done') return;
    const startMs = index * FRAME_MS;
    const nowMs = startMs + FRAME_MS;

    // Speech runs shorter than minSpeechMs (clicks) never count. Once a run is long
    // enough it counts from its first frame (which the caller may place earlier: a
    // word's quiet onset).
    if (speech) {
      if (this.runFrames === 0) this.runStartMs = Math.min(startMs, speechStartIndex * FRAME_MS);
      this.runFrames = Math.round((nowMs - this.runStartMs) / FRAME_MS);
      if (this.runFrames >= this.minSpeechFrames) {
        if (this.uttStartMs < 0) this.uttStartMs = this.runStartMs;
        this.lastSpeechEndMs = nowMs;
      }
    } else {
      this.runFrames = 0;
    }

    if (this.state === 'listening') {
      if (tone.ended?.isBeep) {
        const b = tone.ended;
        events.push({ type: 'beep', startMs: b.startMs, endMs: b.endMs, freqHz: b.freqHz });
        this.state = 'done';
        return;
      }
      if (!toneInRun && nowMs - this.lastSpeechEndMs >= this.p.greetingEndSilenceMs) {
        events.push({ type: 'greeting-end', atMs: nowMs, speechEndMs: this.lastSpeechEndMs });
        this.state = 'done';
        return;
      }
      if (nowMs - this.verdictAtMs >= this.p.beepMaxWaitMs) this.state = 'done';
      return;
    }

    // Undecided (waiting or utterance).
    if (tone.confirmed) {
      this.decide('machine', 'beep', nowMs, events);
      return;
    }
    if (this.uttStartMs >= 0) {
      this.state = 'utterance';
      if (this.lastSpeechEndMs - this.uttStartMs >= this.p.machineSpeechMs) {
        this.decide('machine', 'long-speech', nowMs, events);
        return;
      }
      // A tone run in progress is energy too: wait for it to turn out beep or not.
      if (!speech && !toneInRun && nowMs - this.lastSpeechEndMs >= this.p.silenceAfterHumanMs) {
        this.decide('human', 'short-answer-then-silence', nowMs, events);
        return;
      }
    }
    if (nowMs >= this.p.deadlineMs) {
      this.decide('unknown', this.uttStartMs < 0 ? 'no-speech' : 'undecided-at-deadline', nowMs, events);
    }
  }

  /**
   * The VAD found that the audio since `fromMs` was a steady background, not speech:
   * forget speech evidence from then on (an utterance that began there never happened).
   */
  discardSpeechFrom(fromMs: number): void {
    if (this.state !== 'waiting' && this.state !== 'utterance') return;
    this.runFrames = 0;
    // Speech detected just before the steady stretch is the same noise onset (the
    // 50 ms smoothing lags), so allow that much slack.
    if (this.uttStartMs >= fromMs - 100) {
      this.uttStartMs = -1;
      this.lastSpeechEndMs = -1;
      this.state = 'waiting';
    } else if (this.lastSpeechEndMs > fromMs) {
      this.lastSpeechEndMs = fromMs;
    }
  }

  /**
   * A clearly nearer talker started at `atMs` (near.ts): what was heard before was a far
   * voice, so the utterance, if one is open, begins there.
   */
  restartUtteranceAt(atMs: number): void {
    if (this.state !== 'waiting' && this.state !== 'utterance') return;
    if (this.uttStartMs >= 0 && this.uttStartMs < atMs) this.uttStartMs = atMs;
  }

  /** End of stream at `endMs`: an open question becomes 'unknown'; a beep in progress is reported. */
  finish(endMs: number, lastRun: ToneUpdate['ended'], events: AmdEvent[]): void {
    if (this.state === 'done') return;
    if (this.state === 'listening') {
      if (lastRun?.isBeep) {
        events.push({ type: 'beep', startMs: lastRun.startMs, endMs: lastRun.endMs, freqHz: lastRun.freqHz });
      }
      this.state = 'done';
      return;
    }
    if (lastRun?.isBeep) {
      this.decide('machine', 'beep', endMs, events);
      events.push({ type: 'beep', startMs: lastRun.startMs, endMs: lastRun.endMs, freqHz: lastRun.freqHz });
      this.state = 'done';
      return;
    }
    this.decide('unknown', 'end-of-stream', endMs, events);
  }

  private decide(v: AmdVerdict, reason: string, atMs: number, events: AmdEvent[]): void {
    this.verdictValue = v;
    this.verdictAtMs = atMs;
    events.push({ type: 'verdict', verdict: v, reason, atMs });
    this.state = v === 'machine' ? 'listening' : 'done';
  }
}
