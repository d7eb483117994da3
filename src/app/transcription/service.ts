/**
 * Transcription beside the calls: finished recordings and voicemail messages
 * become background jobs (src/app/transcription/jobs.ts, rows first, so a
 * restart loses nothing), each transcribed with the configured engine into
 * speaker turns (a recording's left channel is the customer, its right the
 * agent; src/core/stt/speakers.ts) stored with the call; voicemail is then
 * e-mailed to the box's recipients. Calls in `live` mode are transcribed
 * while they happen (live.ts). Nothing here is on the call path: the hooks
 * return at once and the engines run at low priority in their own processes.
 *
 *   recording done ──> transcribe-recording ──> transcript (customer | agent)
 *   voicemail left ──> message row ──> transcribe-voicemail ──> email-voicemail
 *                                  └─(no engine / off)───────────┘
 */
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { TranscriptionModeValue } from '../../config/transcription-schema.js';
import type { KindPolicy } from '../../core/jobs/queue.js';
import { searchText, turnsOf, type Speaker, type Turn } from '../../core/stt/speakers.js';
import type { Metrics } from '../../api/metrics.js';
import { audioFromWav } from '../../stt/audio.js';
import type { SttEngine } from '../../stt/engine.js';
import type { RecordingRow } from '../../store/calls.js';
import type { TranscriptStore, VoicemailRow } from '../../store/transcripts.js';
import type { LiveEvent, TranscriptionHooks } from '../calls/state.js';
import { engineKey, makeEngine } from './engine.js';
import { JobRunner } from './jobs.js';
import { LiveTranscriber } from './live.js';
import { composeVoicemail, Mailer } from './mailer.js';

export interface TranscriptionDeps {
  config: () => Config;
  store: TranscriptStore;
  recording: (id: string) => Promise<RecordingRow | undefined>;
  recordingsDir: string;
  log: Logger;
  metrics?: Metrics;
  now: () => number;
  /** Desks' live events (transcript segments). */
  emit: (e: LiveEvent) => void;
  /** A FreeSWITCH API command (the live tap's recording). */
  api: (command: string) => Promise<string>;
  /** Tests: an engine instead of the configured one, a mailer instead of SMTP. */
  engine?: SttEngine;
  mailer?: Pick<Mailer, 'send'>;
}

export const KIND = { recording: 'transcribe-recording', voicemail: 'transcribe-voicemail', email: 'email-voicemail' } as const;

/** Fails a job for good (not retried): the work cannot succeed as it is. */
const permanent = (message: string): Error => Object.assign(new Error(message), { retryable: false });

export interface TranscriptView {
  callId: string;
  /** A transcription of the call is queued or running. */
  pending: boolean;
  transcripts: { id: string; source: string; recordingId?: string; engine: string; language?: string; createdAt: string; turns: Turn[] }[];
}

export class Transcription implements TranscriptionHooks {
  readonly jobs: JobRunner;
  private engineCache?: { key: string; engine: SttEngine };
  private mailerCache?: { key: string; mailer: Mailer };
  private readonly live = new Map<string, LiveTranscriber>();

  constructor(private readonly d: TranscriptionDeps) {
    this.jobs = new JobRunner({ store: d.store, log: d.log, ...(d.metrics ? { metrics: d.metrics } : {}), now: d.now });
    this.defineKinds();
  }

  /** Picks up the work the last process left; its live taps' files are removed (a new process has no live session). */
  async start(): Promise<void> {
    const stale = (await readdir(this.d.recordingsDir).catch(() => [])).filter((f) => /^live-.*\.raw$/.test(f));
    await Promise.all(stale.map((f) => unlink(path.join(this.d.recordingsDir, f)).catch(() => undefined)));
    if (stale.length) this.d.log.info({ files: stale.length }, 'live transcription files of the last run removed');
    await this.jobs.start();
  }

  /** The configuration changed: the engine and the mailer are made again when used, the policies now. */
  reconfigure(): void {
    this.defineKinds();
  }

  private defineKinds(): void {
    type Msg = { messageId: string };
    this.jobs.define(KIND.recording, { policy: this.sttPolicy(), run: (p) => this.transcribeRecording(p as { recordingId: string; callId: string }) });
    this.jobs.define(KIND.voicemail, {
      policy: this.sttPolicy(),
      run: (p) => this.transcribeVoicemail((p as Msg).messageId),
      gaveUp: (p, error) => void this.voicemailTranscriptFailed((p as Msg).messageId, error),
    });
    this.jobs.define(KIND.email, {
      policy: this.mailPolicy(),
      run: (p) => this.email((p as Msg).messageId),
      gaveUp: (p, error) => void this.d.store.updateMessage((p as Msg).messageId, { email_status: 'failed', email_error: error }),
    });
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.live.values()].map((l) => l.stop()));
    this.live.clear();
    await this.jobs.stop();
    this.mailerCache?.mailer.close();
  }

  engine(): SttEngine {
    if (this.d.engine) return this.d.engine;
    const c = this.d.config().transcription;
    const key = engineKey(c);
    if (this.engineCache?.key !== key) this.engineCache = { key, engine: makeEngine(c) };
    return this.engineCache.engine;
  }

  // --- hooks from the call path (return at once)

  connected(call: { id: string; customerUuid: string; agentId: string; mode: TranscriptionModeValue }): void {
    if (call.mode !== 'live' || this.live.has(call.id)) return;
    const max = this.d.config().transcription.maxLiveCalls;
    const engine = this.engine();
    if (this.live.size >= max || !engine.stream) {
      this.d.log.info({ callId: call.id, live: this.live.size, max }, 'live transcription refused (at its limit, or the engine cannot stream): the recording is transcribed after the call');
      return;
    }
    const t = new LiveTranscriber({
      callId: call.id,
      agentId: call.agentId,
      customerUuid: call.customerUuid,
      dir: this.d.recordingsDir,
      engine,
      language: this.d.config().transcription.language,
      api: this.d.api,
      emit: this.d.emit,
      log: this.d.log,
      now: this.d.now,
      ...(this.d.metrics ? { metrics: this.d.metrics } : {}),
    });
    this.live.set(call.id, t);
    this.d.metrics?.liveTranscriptions.set(this.live.size);
    t.start().catch((err: Error) => this.d.log.warn({ callId: call.id, err: err.message }, 'live transcription could not start'));
  }

  ended(callId: string): void {
    const t = this.live.get(callId);
    if (!t) return;
    this.live.delete(callId);
    this.d.metrics?.liveTranscriptions.set(this.live.size);
    void t
      .stop()
      .then(async (turns) => {
        if (!turns.length) return;
        await this.d.store.putTranscript({ id: `live-${callId}-${this.d.now()}`, call_id: callId, source: 'live', recording_id: null, engine: this.engine().name, language: this.d.config().transcription.language, turns: JSON.stringify(turns), text: searchText(turns), audio_ms: Math.round(t.audioSeconds() * 1000), created_at: this.d.now() });
      })
      .catch((err: Error) => this.d.log.warn({ callId, err: err.message }, 'live transcript could not be kept'));
  }

  recordingDone(r: { id: string; callId: string; mode: TranscriptionModeValue }): void {
    const wanted = r.mode === 'post-call' || (r.mode === 'live' && !this.live.has(r.callId));
    if (!wanted) return;
    const id = `tr-${r.id}`;
    // A few seconds for FreeSWITCH to close the file (its header is written then).
    this.jobs.add(KIND.recording, id, { recordingId: r.id, callId: r.callId }, this.d.now() + 3000).catch((err: Error) => this.d.log.error({ recording: r.id, err: err.message }, 'transcription could not be queued'));
  }

  voicemail(m: { callId: string; boxId: string; file: string; durationMs: number; callerNumber: string; callerName: string; receivedAt: number }): void {
    void this.voicemailLeft(m).catch((err: Error) => this.d.log.error({ callId: m.callId, box: m.boxId, err: err.message }, 'voicemail message could not be indexed'));
  }

  // --- reading

  async transcriptOf(callId: string): Promise<TranscriptView> {
    const rows = await this.d.store.transcripts(callId);
    // Every job's payload names its call: a restarted process knows what is still to come.
    const pending = this.live.has(callId) || this.jobs.unfinished((p) => (p as { callId?: string } | undefined)?.callId === callId);
    return {
      callId,
      pending,
      transcripts: rows.map((r) => ({
        id: r.id,
        source: r.source,
        ...(r.recording_id ? { recordingId: r.recording_id } : {}),
        engine: r.engine,
        ...(r.language ? { language: r.language } : {}),
        createdAt: new Date(Number(r.created_at)).toISOString(),
        turns: JSON.parse(r.turns) as Turn[],
      })),
    };
  }

  /** /healthz: the live transcriptions and each kind of background work. */
  health(): { name: string; up: boolean; detail?: string }[] {
    return this.jobs.health();
  }

  // --- the jobs

  private sttPolicy(): KindPolicy {
    const c = this.d.config().transcription;
    return { concurrency: c.concurrency, firstRetrySec: c.retry.firstSec, maxRetrySec: c.retry.maxSec, maxAttempts: c.retry.maxAttempts };
  }

  private mailPolicy(): KindPolicy {
    const r = this.d.config().email?.retry ?? { firstSec: 60, maxSec: 3600, maxAttempts: 48 };
    return { concurrency: 2, firstRetrySec: r.firstSec, maxRetrySec: r.maxSec, maxAttempts: r.maxAttempts };
  }

  /** The file's audio; a file FreeSWITCH may still be closing is retried, a missing or corrupt one is not. */
  private async readAudioFile(file: string): Promise<Buffer> {
    const full = path.join(this.d.recordingsDir, path.basename(file));
    let buf: Buffer;
    try {
      buf = await readFile(full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw permanent(`recording file ${path.basename(file)} is missing`);
      throw err;
    }
    const young = this.d.now() - (await stat(full)).mtimeMs < 10_000;
    if (buf.length <= 44 && young) throw new Error(`recording file ${path.basename(file)} is still being written`);
    return buf;
  }

  private async transcribeChannels(buf: Buffer, speakers: Speaker[], source: string): Promise<{ turns: Turn[]; audioMs: number }> {
    const engine = this.engine();
    const language = this.d.config().transcription.language;
    const channels = [];
    let audioMs = 0;
    for (const [i, speaker] of speakers.entries()) {
      const audio = audioFromWav(buf, speakers.length > 1 ? i : undefined);
      audioMs = Math.max(audioMs, Math.round((audio.samples.length / audio.rate) * 1000));
      channels.push({ speaker, transcript: await engine.transcribe(audio, { language }) });
      this.d.metrics?.transcribedSeconds.inc({ source }, audio.samples.length / audio.rate);
    }
    return { turns: turnsOf(channels), audioMs };
  }

  private async transcribeRecording(p: { recordingId: string; callId: string }): Promise<void> {
    const rec = await this.d.recording(p.recordingId);
    if (!rec) throw permanent(`no recording ${p.recordingId}`);
    if (rec.status === 'deleted') throw permanent(`recording ${p.recordingId} was deleted`);
    const buf = await this.readAudioFile(rec.file);
    const { turns, audioMs } = await this.transcribeChannels(buf, ['customer', 'agent'], 'recording');
    const c = this.d.config().transcription;
    await this.d.store.putTranscript({ id: `rec-${rec.id}`, call_id: rec.call_id, source: 'recording', recording_id: rec.id, engine: this.engine().name, language: c.language, turns: JSON.stringify(turns), text: searchText(turns), audio_ms: audioMs, created_at: this.d.now() });
    this.d.log.info({ callId: rec.call_id, recording: rec.id, turns: turns.length, audioMs }, 'recording transcribed');
  }

  private async voicemailLeft(m: { callId: string; boxId: string; file: string; durationMs: number; callerNumber: string; callerName: string; receivedAt: number }): Promise<void> {
    const config = this.d.config();
    const box = config.voicemail[m.boxId];
    const transcribe = box?.transcribe ?? true;
    const recipients = box?.email ?? [];
    const id = `vm-${m.callId}`;
    const row: VoicemailRow = {
      id,
      box_id: m.boxId,
      call_id: m.callId,
      caller_number: m.callerNumber || null,
      caller_name: m.callerName || null,
      received_at: m.receivedAt,
      duration_ms: m.durationMs,
      file: m.file,
      status: 'new',
      heard_at: null,
      heard_by: null,
      transcript_status: transcribe ? 'pending' : 'off',
      email_status: recipients.length && config.email ? 'pending' : 'off',
      email_error: null,
      emailed_at: null,
    };
    await this.d.store.addMessage(row);
    if (transcribe) await this.jobs.add(KIND.voicemail, `vmt-${id}`, { messageId: id, callId: m.callId }, this.d.now() + 1000);
    else if (row.email_status === 'pending') await this.jobs.add(KIND.email, `vme-${id}`, { messageId: id, callId: m.callId });
    this.d.log.info({ callId: m.callId, box: m.boxId, durationMs: m.durationMs, transcribe, recipients: recipients.length }, 'voicemail message left');
  }

  private async transcribeVoicemail(messageId: string): Promise<void> {
    const m = await this.d.store.message(messageId);
    if (!m) throw permanent(`no voicemail message ${messageId}`);
    const buf = await this.readAudioFile(m.file);
    const { turns, audioMs } = await this.transcribeChannels(buf, ['caller'], 'voicemail');
    const c = this.d.config().transcription;
    await this.d.store.putTranscript({ id: `vm-${messageId}`, call_id: m.call_id, source: 'voicemail', recording_id: null, engine: this.engine().name, language: c.language, turns: JSON.stringify(turns), text: searchText(turns), audio_ms: audioMs, created_at: this.d.now() });
    await this.d.store.updateMessage(messageId, { transcript_status: 'done' });
    await this.queueEmail(m);
  }

  private async voicemailTranscriptFailed(messageId: string, error: string): Promise<void> {
    await this.d.store.updateMessage(messageId, { transcript_status: 'failed' });
    const m = await this.d.store.message(messageId);
    // The message still goes out, with the reason instead of its words.
    if (m) await this.queueEmail(m, error);
  }

  private async queueEmail(m: VoicemailRow, transcriptError?: string): Promise<void> {
    if (m.email_status !== 'pending') return;
    await this.jobs.add(KIND.email, `vme-${m.id}`, { messageId: m.id, callId: m.call_id, ...(transcriptError ? { transcriptError } : {}) });
  }

  private mailer(): Pick<Mailer, 'send'> {
    if (this.d.mailer) return this.d.mailer;
    const c = this.d.config().email;
    if (!c) throw permanent('no email section in the configuration');
    const key = JSON.stringify(c);
    if (this.mailerCache?.key !== key) {
      this.mailerCache?.mailer.close();
      this.mailerCache = { key, mailer: new Mailer(c) };
    }
    return this.mailerCache.mailer;
  }

  private async email(messageId: string): Promise<void> {
    const m = await this.d.store.message(messageId);
    if (!m) throw permanent(`no voicemail message ${messageId}`);
    const config = this.d.config();
    const box = config.voicemail[m.box_id];
    const to = box?.email ?? [];
    if (!to.length || !config.email) {
      await this.d.store.updateMessage(messageId, { email_status: 'off' });
      return;
    }
    const tr = (await this.d.store.transcripts(m.call_id)).find((t) => t.source === 'voicemail');
    const words = tr ? (JSON.parse(tr.turns) as Turn[]).map((t) => t.text).join(' ') : undefined;
    const note = m.transcript_status === 'failed' ? 'The message could not be transcribed.' : m.transcript_status === 'off' ? undefined : words === undefined ? 'No transcript yet.' : undefined;
    const mail = composeVoicemail(
      {
        to,
        boxId: m.box_id,
        ...(box?.name ? { boxName: box.name } : {}),
        ...(m.caller_number ? { callerNumber: m.caller_number } : {}),
        ...(m.caller_name ? { callerName: m.caller_name } : {}),
        receivedAt: Number(m.received_at),
        durationMs: Number(m.duration_ms),
        ...(words !== undefined ? { transcript: words || '(no words recognised)' } : {}),
        ...(note ? { transcriptNote: note } : {}),
        audioFile: path.join(this.d.recordingsDir, path.basename(m.file)),
        timeZone: config.reports.timeZone,
        messageId: m.id,
      },
      config.email.from,
    );
    try {
      await this.mailer().send(mail);
    } catch (err) {
      await this.d.store.updateMessage(messageId, { email_error: (err as Error).message });
      throw err;
    }
    await this.d.store.updateMessage(messageId, { email_status: 'sent', emailed_at: this.d.now(), email_error: null });
    this.d.log.info({ message: messageId, box: m.box_id, recipients: to.length }, 'voicemail e-mailed');
  }
}
