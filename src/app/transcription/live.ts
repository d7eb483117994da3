/**
 * A call transcribed while it happens. FreeSWITCH records the customer's leg
 * to a headerless two-channel file with its write buffering off (left: what
 * the customer says, right: what the customer hears, the agent), a second
 * media bug beside the call's own recording that takes no leg out of its
 * bridge; the daemon reads the file as it grows, every 100 ms, and streams
 * each channel to the engine. Each final segment goes to the agent's desk at
 * once as a `transcript` event; at the end the whole is kept as the call's
 * transcript and the file is deleted.
 *
 *   start ──uuid_record start──> tailing (100 ms reads) ──stop──> uuid_record stop
 *                                  │ customer ─> stream ─> segments ─> desk
 *                                  └ agent    ─> stream ─> segments ─> desk
 *   stop: last bytes read, both streams ended, turns returned, file deleted
 */
import { open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Metrics } from '../../api/metrics.js';
import { turnsOf, type Turn } from '../../core/stt/speakers.js';
import type { SttEngine, SttError, SttStream, Transcript } from '../../stt/engine.js';
import type { LiveEvent } from '../calls/state.js';

const RATE = 8000;
const POLL_MS = 100;
/** An utterance still going is transcribed this often, so its words show before the speaker pauses. */
const PARTIAL_MS = 1500;
/** FreeSWITCH's recording variables: two channels, 8 kHz, nothing held back in buffers. */
const VARS = '{RECORD_STEREO=true,record_sample_rate=8000,enable_file_write_buffering=false,RECORD_PRE_BUFFER_FRAMES=1}';

export interface LiveTranscriberOptions {
  callId: string;
  agentId: string;
  customerUuid: string;
  /** Where FreeSWITCH writes (the recordings directory: the same path for both). */
  dir: string;
  engine: SttEngine;
  language: string;
  api: (command: string) => Promise<string>;
  emit: (e: LiveEvent) => void;
  log: Logger;
  now: () => number;
  metrics?: Metrics;
}

type Side = 'customer' | 'agent';

export class LiveTranscriber {
  readonly file: string;
  private fh?: FileHandle;
  private offset = 0;
  private carry = Buffer.alloc(0);
  private timer?: NodeJS.Timeout;
  private reading: Promise<void> = Promise.resolve();
  private readonly streams = new Map<Side, SttStream>();
  private samples = 0;
  private seq = 0;
  private stopped = false;
  private failed = false;

  constructor(private readonly o: LiveTranscriberOptions) {
    this.file = path.join(o.dir, `live-${o.callId}.raw`);
  }

  async start(): Promise<void> {
    const stream = this.o.engine.stream;
    if (!stream) throw new Error(`${this.o.engine.name} cannot transcribe live`);
    for (const side of ['customer', 'agent'] as const) {
      this.streams.set(
        side,
        stream.call(this.o.engine, {
          rate: RATE,
          language: this.o.language,
          partialEveryMs: PARTIAL_MS,
          onPartial: (t) => this.partial(side, t),
          onFinal: (t) => this.final(side, t),
          onError: (e) => this.error(e),
        }),
      );
    }
    const reply = await this.o.api(`uuid_record ${this.o.customerUuid} start ${this.file} 0 ${VARS}`);
    if (!reply.startsWith('+OK')) {
      this.stopWith(`FreeSWITCH would not tap the call: ${reply.trim()}`);
      return;
    }
    this.timer = setInterval(() => {
      this.reading = this.reading.then(() => this.read()).catch((err: Error) => this.o.log.debug({ callId: this.o.callId, err: err.message }, 'live transcript read failed'));
    }, POLL_MS);
    this.timer.unref();
    this.o.log.info({ callId: this.o.callId, engine: this.o.engine.name }, 'live transcription started');
  }

  audioSeconds(): number {
    return this.samples / RATE;
  }

  /** Ends the tap and the streams; the call's turns so far. */
  async stop(): Promise<Turn[]> {
    if (this.stopped) return [];
    this.stopped = true;
    clearInterval(this.timer);
    await this.o.api(`uuid_record ${this.o.customerUuid} stop ${this.file}`).catch(() => undefined);
    await this.reading;
    await this.read().catch(() => undefined);
    const channels: { speaker: Side; transcript: Transcript }[] = [];
    for (const [side, s] of this.streams) {
      const transcript = await s.end().catch((err: Error) => {
        this.o.log.warn({ callId: this.o.callId, side, err: err.message }, 'live transcription ended with an error');
        return undefined;
      });
      if (transcript) channels.push({ speaker: side, transcript });
    }
    await this.fh?.close().catch(() => undefined);
    await unlink(this.file).catch(() => undefined);
    return turnsOf(channels);
  }

  private async read(): Promise<void> {
    if (this.failed) return;
    if (!this.fh) {
      try {
        this.fh = await open(this.file, 'r');
      } catch {
        return; // not created yet
      }
    }
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      this.feed(Buffer.concat([this.carry, chunk.subarray(0, bytesRead)]));
    }
  }

  /** Interleaved 16-bit frames: left to the customer's stream, right to the agent's. */
  private feed(buf: Buffer): void {
    const frames = Math.floor(buf.length / 4);
    this.carry = Buffer.from(buf.subarray(frames * 4));
    if (!frames) return;
    const left = new Int16Array(frames);
    const right = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      left[i] = buf.readInt16LE(i * 4);
      right[i] = buf.readInt16LE(i * 4 + 2);
    }
    this.samples += frames;
    this.streams.get('customer')?.write(left);
    this.streams.get('agent')?.write(right);
  }

  /** The words of each side's finals so far: a partial's text after them is the utterance under way. */
  private readonly finals: Record<Side, string> = { customer: '', agent: '' };

  private partial(side: Side, t: Transcript): void {
    const done = this.finals[side];
    const text = (t.text.startsWith(done) ? t.text.slice(done.length) : t.text).trim();
    if (!text) return;
    const start = this.samples / RATE;
    this.o.emit({ kind: 'call', callId: this.o.callId, agentId: this.o.agentId, at: this.o.now(), type: 'transcript', data: { speaker: side, final: false, text, start, end: start, seq: ++this.seq } });
  }

  private final(side: Side, t: Transcript): void {
    const text = t.text.trim();
    if (!text) return;
    this.finals[side] = [this.finals[side], t.text].filter((x) => x.trim() !== '').join(' ');
    const start = t.segments[0]?.start ?? t.words[0]?.start ?? 0;
    const end = t.segments.at(-1)?.end ?? t.words.at(-1)?.end ?? start;
    this.o.metrics?.liveSegments.inc({ speaker: side });
    this.o.emit({ kind: 'call', callId: this.o.callId, agentId: this.o.agentId, at: this.o.now(), type: 'transcript', data: { speaker: side, final: true, text, start, end, seq: ++this.seq } });
  }

  private error(e: SttError): void {
    this.o.log.warn({ callId: this.o.callId, code: e.code, retryable: e.retryable, err: e.message }, 'live transcription of an utterance failed');
    if (!e.retryable) this.stopWith(`transcription failed: ${e.message}`);
  }

  private stopWith(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    clearInterval(this.timer);
    this.o.emit({ kind: 'call', callId: this.o.callId, agentId: this.o.agentId, at: this.o.now(), type: 'transcript-stopped', data: { reason } });
  }
}
