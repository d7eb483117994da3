/**
 * Live audio over a batch engine: the stream is cut into utterances at pauses and each
 * is transcribed as it ends, in order, one at a time. Each piece runs from the previous
 * cut (at most a second before its first speech frame) to `padMs` after its last, so a
 * late-detected onset loses nothing; silence alone is never transcribed. Results arrive
 * per utterance (onFinal, then onPartial with everything so far), a pause plus one
 * transcription after the words were said; there are no word-by-word partials.
 *
 * Pauses: 20 ms frames; a frame is speech when its energy is `thresholdDb` above the
 * noise floor (the quietest recent level: falls at once, rises 0.05 dB a frame, starts
 * at -60 dBFS) and above an absolute -60 dBFS. An utterance ends after `silenceMs` without speech,
 * or is cut at `maxUtteranceSec` (a monologue).
 */
import { SttError, emptyTranscript, type SttAudio, type SttStream, type StreamOptions, type TranscribeOptions, type Transcript } from './engine.js';

export interface UtteranceOptions {
  /** Pause that ends an utterance (default 600 ms). */
  silenceMs?: number;
  /** Audio kept after the last speech frame (default 200 ms). */
  padMs?: number;
  /** Longest piece (default 30 s). */
  maxUtteranceSec?: number;
  /** Speech is this far above the noise floor (default 12 dB). */
  thresholdDb?: number;
  /**
   * While an utterance goes on, transcribe what it holds so far every this many ms (one at a
   * time) and give it to onPartial, so a live reader sees words before the pause; unset: none.
   */
  partialEveryMs?: number;
}

interface BatchEngine {
  transcribe(audio: SttAudio, opts?: TranscribeOptions): Promise<Transcript>;
}

const ABS_FLOOR_DB = 20 * Math.log10(32768) - 60; // -60 dBFS in this module's scale (dB re 1 LSB RMS)

export function utteranceStream(engine: BatchEngine, opts: StreamOptions & UtteranceOptions): SttStream {
  const rate = opts.rate;
  if (!Number.isInteger(rate) || rate < 4000) throw new SttError(`unsupported sample rate ${rate}`, { code: 'bad-audio', retryable: false });
  const frame = Math.round(rate / 50);
  const silenceFrames = Math.ceil((opts.silenceMs ?? 600) / 20);
  const pad = Math.round(((opts.padMs ?? 200) * rate) / 1000);
  const maxSamples = Math.round((opts.maxUtteranceSec ?? 30) * rate);
  const threshold = opts.thresholdDb ?? 12;
  const partialEvery = opts.partialEveryMs ? Math.round((opts.partialEveryMs * rate) / 1000) : 0;
  let partialFrom = -1; // stream position of the last partial (or the utterance's first speech)
  let partialBusy = false;

  let chunks: Int16Array[] = []; // samples since the last cut
  let pendingLen = 0;
  let cutAt = 0; // stream position (samples) of chunks[0]
  let pos = 0; // samples seen
  let frameBuf = new Int16Array(frame);
  let frameFill = 0;
  // Starts low, so that audio beginning with speech is speech; rises to a noisy line's level within seconds.
  let floor = ABS_FLOOR_DB;
  let lastSpeechEnd = -1; // stream position just after the last speech frame, since the cut
  let quietFrames = 0;
  let ended = false;

  const total: Transcript = emptyTranscript();
  let chain: Promise<void> = Promise.resolve();
  let firstError: SttError | undefined;

  const take = (n: number): Int16Array => {
    // The first n samples of what is pending, removed from it.
    const out = new Int16Array(n);
    let o = 0;
    while (o < n && chunks.length) {
      const c = chunks[0]!;
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) chunks.shift();
      else chunks[0] = c.subarray(k);
    }
    pendingLen -= n;
    return out;
  };

  const cut = (upTo: number): void => {
    const n = Math.max(0, Math.min(upTo - cutAt, pendingLen));
    if (n === 0) return;
    const offset = cutAt / rate;
    const piece = take(n);
    cutAt += n;
    const hadSpeech = lastSpeechEnd > 0;
    lastSpeechEnd = -1;
    quietFrames = 0;
    if (!hadSpeech) return;
    chain = chain.then(async () => {
      try {
        const t = await engine.transcribe({ samples: piece, rate }, { ...(opts.language ? { language: opts.language } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
        const shifted: Transcript = {
          text: t.text,
          words: t.words.map((w) => ({ ...w, start: w.start + offset, end: w.end + offset })),
          segments: t.segments.map((s) => ({ ...s, start: s.start + offset, end: s.end + offset })),
        };
        if (shifted.text.trim() === '' && shifted.words.length === 0) return;
        total.words.push(...shifted.words);
        total.segments.push(...shifted.segments);
        total.text = [total.text, shifted.text].filter((x) => x.trim() !== '').join(' ');
        opts.onFinal?.(shifted);
        opts.onPartial?.({ text: total.text, words: [...total.words], segments: [...total.segments] });
      } catch (e) {
        const err = e instanceof SttError ? e : new SttError(`transcription failed: ${(e as Error).message}`, { code: 'engine', retryable: false, cause: e });
        firstError ??= err;
        opts.onError?.(err);
      }
    });
  };

  /** The utterance under way so far, transcribed beside the finals; kept only if it is still under way when done. */
  const partial = (): void => {
    partialBusy = true;
    const piece = new Int16Array(pendingLen);
    let o = 0;
    for (const c of chunks) {
      piece.set(c, o);
      o += c.length;
    }
    const from = cutAt;
    void engine
      .transcribe({ samples: piece, rate }, { ...(opts.language ? { language: opts.language } : {}) })
      .then((t) => {
        if (cutAt !== from || ended || t.text.trim() === '') return;
        opts.onPartial?.({ text: [total.text, t.text].filter((x) => x.trim() !== '').join(' '), words: [...total.words], segments: [...total.segments] });
      })
      .catch(() => undefined) // a partial that fails is only a partial: the final reports errors
      .finally(() => (partialBusy = false));
  };

  const onFrame = (f: Int16Array, endPos: number): void => {
    let s = 0;
    for (let i = 0; i < f.length; i++) s += f[i]! * f[i]!;
    const e = 10 * Math.log10(s / f.length + 1);
    floor = e < floor ? e : floor + 0.05;
    const speech = e > floor + threshold && e > ABS_FLOOR_DB;
    if (speech) {
      if (lastSpeechEnd < 0) partialFrom = endPos;
      lastSpeechEnd = endPos;
      quietFrames = 0;
      if (partialEvery && !partialBusy && endPos - partialFrom >= partialEvery) {
        partialFrom = endPos;
        partial();
      }
    } else if (lastSpeechEnd > 0) {
      quietFrames++;
      if (quietFrames >= silenceFrames) cut(lastSpeechEnd + pad);
    }
    if (endPos - cutAt >= maxSamples) cut(endPos); // a monologue: cut where it is
  };

  return {
    write(samples: Int16Array): void {
      if (ended) throw new SttError('write after end()', { code: 'bad-audio', retryable: false });
      if (samples.length === 0) return;
      const copy = samples.slice();
      chunks.push(copy);
      pendingLen += copy.length;
      for (let i = 0; i < copy.length; ) {
        const k = Math.min(frame - frameFill, copy.length - i);
        frameBuf.set(copy.subarray(i, i + k), frameFill);
        frameFill += k;
        i += k;
        pos += k;
        if (frameFill === frame) {
          onFrame(frameBuf, pos);
          frameBuf = new Int16Array(frame);
          frameFill = 0;
        }
      }
      // Leading silence with no speech: drop it, keeping only the last second for a soft onset.
      if (lastSpeechEnd < 0 && pendingLen > rate * 2) {
        const drop = pendingLen - rate;
        take(drop);
        cutAt += drop;
      }
    },
    async end(): Promise<Transcript> {
      if (!ended) {
        ended = true;
        if (frameFill > 0) {
          onFrame(frameBuf.subarray(0, frameFill), pos);
          frameFill = 0;
        }
        cut(pos);
        chunks = [];
        pendingLen = 0;
      }
      await chain;
      if (firstError) throw firstError;
      return total;
    },
  };
}
