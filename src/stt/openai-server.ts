/**
 * An engine for a transcription server on the user's own hardware that speaks the
 * OpenAI-compatible API: `POST {url}/v1/audio/transcriptions`, multipart with `file`
 * (a WAV), `model`, `language`, `response_format=verbose_json` and
 * `timestamp_granularities[]=word` and `=segment`. whisper.cpp's `whisper-server`
 * (started with `--inference-path /v1/audio/transcriptions`) and the faster-whisper
 * servers answer it.
 *
 * The audio is sent as 16 kHz 16-bit mono PCM WAV (what whisper models take, and what
 * whisper-server reads without its ffmpeg `--convert`); telephone audio is upsampled.
 * Words come from the top-level `words` (OpenAI) or from each segment's `words`
 * (whisper.cpp); a server that returns only `text` gives one segment and no words.
 *
 * Errors: connection failures, timeouts, HTTP 5xx, 408 and 429 are retryable; other
 * 4xx (bad model, key, parameters) are not. The API key is sent as a Bearer token and
 * never appears in an error message or in `name`.
 */
import { checkAudio, pcm16Wav, resampleAsync } from './audio.js';
import { SttError, throwIfAborted, type SttAudio, type SttEngine, type TranscribeOptions, type Transcript, type TranscriptSegment, type TranscriptWord } from './engine.js';

export interface OpenAiServerOptions {
  /** The server's base URL, e.g. http://127.0.0.1:8081 (a trailing /v1 is accepted). */
  url: string;
  /** Model name sent in the request (default `whisper-1`; whisper-server ignores it, faster-whisper servers pick the model by it). */
  model?: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  apiKey?: string;
  /** Language when the caller gives none (ISO 639-1, e.g. `en`); unset lets the server detect it. */
  language?: string;
  /** Give up after this long (default 30 s plus the audio's length); a retryable `timeout`. */
  timeoutMs?: number;
  /** Rate of the WAV sent (default 16000). */
  sampleRate?: number;
  /** For tests: the fetch to use (default the global one). */
  fetch?: typeof fetch;
}

interface VerboseWord {
  word?: unknown;
  start?: unknown;
  end?: unknown;
  probability?: unknown;
  p?: unknown;
}
interface VerboseSegment {
  start?: unknown;
  end?: unknown;
  text?: unknown;
  words?: unknown;
}

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : undefined);

function parseWord(w: VerboseWord): TranscriptWord | undefined {
  const word = typeof w.word === 'string' ? w.word.trim() : '';
  const start = num(w.start), end = num(w.end);
  if (!word || start === undefined || end === undefined) return undefined;
  const out: TranscriptWord = { word, start, end };
  const p = num(w.probability) ?? num(w.p);
  if (p !== undefined) out.confidence = Math.max(0, Math.min(1, p));
  return out;
}

/** A verbose_json (or plain json) response body as a Transcript. */
export function parseVerboseJson(body: unknown, audioSeconds: number): Transcript {
  if (typeof body !== 'object' || body === null) throw new SttError('transcription server answered with something other than a JSON object', { code: 'engine', retryable: false });
  const b = body as { text?: unknown; segments?: unknown; words?: unknown };
  const segments: TranscriptSegment[] = [];
  const nested: TranscriptWord[] = [];
  if (Array.isArray(b.segments)) {
    for (const s of b.segments as VerboseSegment[]) {
      const start = num(s?.start), end = num(s?.end);
      const text = typeof s?.text === 'string' ? s.text.trim() : '';
      if (start === undefined || end === undefined) continue;
      segments.push({ start, end, text });
      if (Array.isArray(s.words)) for (const w of s.words as VerboseWord[]) {
        const pw = parseWord(w ?? {});
        if (pw) nested.push(pw);
      }
    }
  }
  const top: TranscriptWord[] = [];
  if (Array.isArray(b.words)) for (const w of b.words as VerboseWord[]) {
    const pw = parseWord(w ?? {});
    if (pw) top.push(pw);
  }
  const text = typeof b.text === 'string' ? b.text.trim() : segments.map((s) => s.text).join(' ');
  if (segments.length === 0 && text !== '') segments.push({ start: 0, end: audioSeconds, text });
  return { text, words: top.length ? top : nested, segments };
}

export class OpenAiServerEngine implements SttEngine {
  readonly name: string;
  private readonly endpoint: string;
  /** The URL without credentials, for messages. */
  private readonly shown: string;
  private readonly opts: OpenAiServerOptions;

  constructor(opts: OpenAiServerOptions) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new SttError(`transcription server URL is not a URL: ${JSON.stringify(opts.url.replace(/\/\/[^@/]*@/, '//'))}`, { code: 'not-installed', retryable: false });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SttError(`transcription server URL must be http or https, not ${u.protocol}`, { code: 'not-installed', retryable: false });
    if (u.username || u.password) throw new SttError('transcription server URL must not hold credentials (use apiKey)', { code: 'not-installed', retryable: false });
    const path = u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.shown = `${u.origin}${path}`;
    this.endpoint = `${this.shown}/v1/audio/transcriptions`;
    this.opts = opts;
    this.name = `openai-server(${opts.model ?? 'whisper-1'})`;
  }

  async transcribe(audio: SttAudio, opts: TranscribeOptions = {}): Promise<Transcript> {
    checkAudio(audio);
    throwIfAborted(opts.signal);
    const rate = this.opts.sampleRate ?? 16000;
    const audioSeconds = audio.samples.length / audio.rate;
    const wav = pcm16Wav(await resampleAsync(audio.samples, audio.rate, rate), rate);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'audio.wav');
    form.append('model', this.opts.model ?? 'whisper-1');
    const language = opts.language ?? this.opts.language;
    if (language) form.append('language', language);
    form.append('response_format', 'verbose_json');
    form.append('timestamp_granularities[]', 'word');
    form.append('timestamp_granularities[]', 'segment');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;

    // One controller for the caller's signal and the timeout (AbortSignal.any is Node 20.3+).
    const ctl = new AbortController();
    let timedOut = false;
    const timeoutMs = this.opts.timeoutMs ?? 30_000 + 1000 * audioSeconds;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, timeoutMs);
    const onAbort = (): void => ctl.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const doFetch = this.opts.fetch ?? fetch;
    try {
      let res: Response;
      try {
        res = await doFetch(this.endpoint, { method: 'POST', body: form, headers, signal: ctl.signal });
      } catch (e) {
        throw this.failure(e, timedOut, opts.signal);
      }
      let bodyText: string;
      try {
        bodyText = await res.text();
      } catch (e) {
        throw this.failure(e, timedOut, opts.signal);
      }
      if (!res.ok) {
        const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
        throw new SttError(this.scrub(`transcription server ${this.shown} answered HTTP ${res.status}${describeBody(bodyText)}`), {
          code: retryable ? 'unavailable' : 'rejected',
          retryable,
          status: res.status,
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(bodyText);
      } catch {
        throw new SttError(this.scrub(`transcription server ${this.shown} answered with something other than JSON${describeBody(bodyText)}`), { code: 'engine', retryable: false, status: res.status });
      }
      return parseVerboseJson(json, audioSeconds);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private failure(e: unknown, timedOut: boolean, signal: AbortSignal | undefined): SttError {
    if (signal?.aborted) return new SttError('transcription aborted', { code: 'aborted', retryable: false, cause: signal.reason });
    if (timedOut) return new SttError(`transcription server ${this.shown} did not answer in time (timeout)`, { code: 'timeout', retryable: true });
    // fetch's TypeError("fetch failed") carries the socket error as its cause: ECONNREFUSED, ENOTFOUND, a reset...
    const cause = (e as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (e as Error)?.message ?? String(e);
    return new SttError(this.scrub(`transcription server ${this.shown} unreachable: ${why}`), { code: 'unavailable', retryable: true });
  }

  /** The API key never leaves in a message, even if a server echoes it. */
  private scrub(s: string): string {
    const key = this.opts.apiKey;
    return key ? s.split(key).join('***') : s;
  }
}

function describeBody(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return '';
  try {
    const j = JSON.parse(t) as { error?: unknown; detail?: unknown; message?: unknown };
    const e = j.error;
    const msg = typeof e === 'string' ? e : typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : typeof j.detail === 'string' ? j.detail : typeof j.message === 'string' ? j.message : undefined;
    if (msg) return `: ${msg.slice(0, 300)}`;
  } catch {
    /* not JSON */
  }
  return `: ${t.slice(0, 200)}`;
}
