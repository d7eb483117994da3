/**
 * The speech-to-text engine interface. An engine turns mono 16-bit linear PCM at any
 * rate into a transcript with word and segment times (seconds from the start of the
 * audio). Implementations: `PocketSphinxEngine` (embedded, the default) and
 * `OpenAiServerEngine` (a whisper.cpp or faster-whisper server on the user's own
 * hardware, OpenAI-compatible API).
 *
 * Failures are `SttError`s: `retryable` says whether the same request may succeed later
 * (a server down or overloaded, a timeout), so a caller can back off and try again;
 * bad audio, a refused request or a missing engine are not retryable.
 */

export interface SttAudio {
  /** Mono 16-bit linear PCM. */
  samples: Int16Array;
  /** Samples per second. */
  rate: number;
}

export interface TranscriptWord {
  word: string;
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
  /** 0-1 where the engine gives one. */
  confidence?: number;
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
}

export interface Transcript {
  text: string;
  words: TranscriptWord[];
  segments: TranscriptSegment[];
}

export interface TranscribeOptions {
  /** ISO 639-1 code, e.g. `en`. An engine whose model has one language refuses another. */
  language?: string;
  /** Aborts the transcription (an `SttError` with code `aborted`). */
  signal?: AbortSignal;
}

export interface StreamOptions extends TranscribeOptions {
  /** Sample rate of what will be written. */
  rate: number;
  /** The text so far, including the utterance under way, when it changes. */
  onPartial?: (t: Transcript) => void;
  /** One finished utterance, times from the start of the stream. */
  onFinal?: (segment: Transcript) => void;
  /** Errors of utterances transcribed while the stream runs (the stream carries on); `end()` rejects with the first. */
  onError?: (e: SttError) => void;
  /** Engines that transcribe by utterance: also transcribe an utterance under way this often, for onPartial (stream.ts). */
  partialEveryMs?: number;
}

export interface SttStream {
  /** More samples at the stream's rate, in order. */
  write(samples: Int16Array): void;
  /** No more audio: the whole transcript once the last utterance is transcribed. */
  end(): Promise<Transcript>;
}

export interface SttEngine {
  /** For logs and metrics, e.g. `pocketsphinx` or `openai-server(whisper-1)`. */
  readonly name: string;
  transcribe(audio: SttAudio, opts?: TranscribeOptions): Promise<Transcript>;
  /** Live audio. Absent when the engine is batch-only. */
  stream?(opts: StreamOptions): SttStream;
}

export type SttErrorCode =
  /** The audio cannot be transcribed (empty, corrupt WAV, unsupported rate). */
  | 'bad-audio'
  /** The engine's binary or model is not installed or not configured. */
  | 'not-installed'
  /** The caller asked for something the engine cannot do (another language). */
  | 'unsupported'
  /** A server refused the request (HTTP 4xx): wrong model, key or parameters. */
  | 'rejected'
  /** A server or engine is down, overloaded or failed internally (HTTP 5xx, connection refused). */
  | 'unavailable'
  /** No answer in time. */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** The engine ran but its output could not be understood, or it crashed on this audio. */
  | 'engine';

export class SttError extends Error {
  override name = 'SttError';
  readonly code: SttErrorCode;
  /** Whether the same request may succeed if tried again later. */
  readonly retryable: boolean;
  /** HTTP status, for server engines. */
  readonly status?: number;

  constructor(message: string, opts: { code: SttErrorCode; retryable: boolean; status?: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code;
    this.retryable = opts.retryable;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

/** An empty transcript. */
export const emptyTranscript = (): Transcript => ({ text: '', words: [], segments: [] });

/** Throws the SttError for an aborted signal. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SttError('transcription aborted', { code: 'aborted', retryable: false, cause: signal.reason });
}
