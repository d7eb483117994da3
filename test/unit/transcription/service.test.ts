/**
 * Transcription beside the calls, over a real SQLite database, real files and
 * a local SMTP server; the engine is a stand-in that "recognises" each
 * channel by its level, so that which speaker said what can be checked:
 * post-call transcripts split by channel and found by the search, an engine
 * that is down retried with back-off, a corrupt recording given up and
 * reported, work surviving a restart, and voicemail e-mailed with its
 * transcript and audio through a server that refuses at first.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import t from 'tap';
import { Transcription } from '../../../src/app/transcription/service.js';
import { Mailer } from '../../../src/app/transcription/mailer.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { SttError, type SttAudio, type SttEngine, type Transcript } from '../../../src/stt/engine.js';
import { CallStore, type RecordingRow } from '../../../src/store/calls.js';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { TranscriptStore } from '../../../src/store/transcripts.js';
import { Metrics } from '../../../src/api/metrics.js';
import { pcm16Wav } from '../../../src/audio/wav.js';
import { startSmtpSink } from '../../support/smtp-sink.js';

const log = pino({ level: 'silent' });

function configWith(smtpPort: number): Config {
  const r = parseConfigTexts([
    {
      file: 'a.yaml',
      text: `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }
agents:
  alice: { name: Alice, extension: "1001", sip: { username: "1001", password: pw1-long } }
queues:
  support: { members: [alice], recording: auto, transcription: post-call }
voicemail:
  general: { name: General, email: [team@example.com], queue: support }
transcription: { retry: { firstSec: 1, maxSec: 2, maxAttempts: 3 } }
email: { from: "PBX <pbx@example.com>", smtp: { host: 127.0.0.1, port: ${smtpPort} }, retry: { firstSec: 1, maxSec: 1, maxAttempts: 5 } }
`,
    },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

/** Left channel at level 1000 ("customer"), right at 3000 ("agent"), 8 kHz, `seconds` long. */
function stereoWav(seconds: number, left = 1000, right = 3000): Buffer {
  const n = seconds * 8000;
  const mono = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    mono[2 * i] = i % 2 ? left : -left;
    mono[2 * i + 1] = i % 2 ? right : -right;
  }
  const wav = pcm16Wav(mono, 8000);
  // pcm16Wav writes one channel: make it two (channels 2, byte rate and block align doubled).
  wav.writeUInt16LE(2, 22);
  wav.writeUInt32LE(8000 * 4, 28);
  wav.writeUInt16LE(4, 32);
  return wav;
}

/** Says "i want a refund" for a quiet channel and "let me help you" for a loud one; fails while `down`. */
class LevelEngine implements SttEngine {
  readonly name = 'level';
  down = 0;
  calls = 0;
  async transcribe(a: SttAudio): Promise<Transcript> {
    this.calls++;
    if (this.down > 0) {
      this.down--;
      throw new SttError('server down', { code: 'unavailable', retryable: true });
    }
    const level = Math.abs(a.samples[0] ?? 0);
    const words = level < 2000 ? ['i', 'want', 'a', 'refund'] : ['let', 'me', 'help', 'you'];
    const offset = level < 2000 ? 0.5 : 2;
    const ws = words.map((w, i) => ({ word: w, start: offset + i * 0.3, end: offset + i * 0.3 + 0.25 }));
    return { text: words.join(' '), words: ws, segments: [{ start: ws[0]!.start, end: ws.at(-1)!.end, text: words.join(' ') }] };
  }
}

async function setup(opts: { engine: SttEngine; smtpPort?: number; dbFile?: string; dir?: string }) {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'tr-'));
  const db = openSqlite(opts.dbFile ?? ':memory:');
  await migrate(db);
  const calls = new CallStore(db, log, { maxPending: 1000, retryMs: 50, maxRetryMs: 100, onLost: () => undefined });
  const store = new TranscriptStore(db);
  const config = configWith(opts.smtpPort ?? 1);
  const metrics = new Metrics();
  const tr = new Transcription({
    config: () => config,
    store,
    recording: (id) => calls.recording(id),
    recordingsDir: dir,
    log,
    metrics,
    now: Date.now,
    emit: () => undefined,
    api: async () => '+OK',
    engine: opts.engine,
    mailer: new Mailer(config.email!),
  });
  await tr.start();
  const stop = async () => {
    await tr.stop();
    calls.stop();
    await db.destroy();
  };
  return { dir, db, calls, store, tr, metrics, stop };
}

function addRecording(calls: CallStore, id: string, callId: string, file: string): void {
  const row: RecordingRow = { id, call_id: callId, segment: 1, agent_id: 'alice', queue_id: 'support', file, started_at: Date.now() - 5000, ended_at: Date.now(), status: 'done', error: null, expires_at: null, deleted_at: null };
  calls.recordingStarted(row);
}

/** A finished two-channel recording of `seconds` for call `callId`, handed to transcription in `mode`. */
async function finished(s: Awaited<ReturnType<typeof setup>>, callId: string, seconds: number, mode: 'post-call' | 'live' | 'off' = 'post-call', wav = stereoWav(seconds)): Promise<void> {
  writeFileSync(path.join(s.dir, `${callId}-1.wav`), wav);
  addRecording(s.calls, `${callId}-1`, callId, `${callId}-1.wav`);
  await s.calls.flush();
  s.tr.recordingDone({ id: `${callId}-1`, callId, mode });
}

async function until(what: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('a finished recording becomes a transcript of two speakers, found by its words', async (t) => {
  const engine = new LevelEngine();
  const s = await setup({ engine });
  t.teardown(s.stop);
  await finished(s, 'c1', 3);
  t.equal((await s.tr.transcriptOf('c1')).pending, true, 'pending while queued');
  await until(async () => (await s.tr.transcriptOf('c1')).transcripts.length > 0);
  const view = await s.tr.transcriptOf('c1');
  t.equal(view.pending, false);
  const turns = view.transcripts[0]!.turns;
  t.same(turns.map((x) => [x.speaker, x.text]), [['customer', 'i want a refund'], ['agent', 'let me help you']], 'left channel the customer, right the agent, in time order');
  t.equal(view.transcripts[0]!.recordingId, 'c1-1');
  t.same((await s.store.search('Refund!', 10)).map((r) => r.call_id), ['c1'], 'search reads words case- and punctuation-blind');
  t.same(await s.store.search('refu', 10), [], 'whole words only');
  t.same(await s.store.search('refund help', 10).then((r) => r.length), 1, 'every word, across speakers');
  t.same(await s.store.search('refund banana', 10), [], 'a word not said: no match');
  const m = await s.metrics.registry.getSingleMetricAsString('cc_transcribed_audio_seconds_total');
  t.match(m, /source="recording"} 6/, 'both channels counted');
  s.tr.recordingDone({ id: 'c1-2', callId: 'c1', mode: 'off' });
  t.equal((await s.tr.transcriptOf('c1')).pending, false, 'mode off queues nothing');
});

t.test('an engine that is down is retried with back-off; a corrupt recording is given up and reported', async (t) => {
  const engine = new LevelEngine();
  engine.down = 1;
  const s = await setup({ engine });
  t.teardown(s.stop);
  const t0 = Date.now();
  await finished(s, 'c2', 1);
  await finished(s, 'c3', 1, 'post-call', Buffer.concat([Buffer.from('RIFF....WAVEjunk'), Buffer.alloc(4000, 7)]));
  await until(() => s.tr.jobs.get('tr-c2-1')?.status === 'done' && s.tr.jobs.get('tr-c3-1')?.status === 'failed');
  t.ok(Date.now() - t0 >= 3000 + 1000, 'the retry waited its back-off (3 s to start, then 1 s)');
  t.equal(s.tr.jobs.get('tr-c2-1')?.attempts, 2, 'done on the second try');
  const failed = s.tr.jobs.get('tr-c3-1')!;
  t.equal(failed.attempts, 1, 'a corrupt file is not tried again');
  t.match(failed.lastError, /bad WAV/);
  const health = s.tr.health().find((h) => h.name === 'jobs:transcribe-recording')!;
  t.equal(health.up, false, '/healthz shows the given-up work');
  t.match(health.detail, /gave up on tr-c3-1: bad WAV/);
  const metrics = await s.metrics.registry.getSingleMetricAsString('cc_jobs_total');
  t.match(metrics, /kind="transcribe-recording",result="gave-up"} 1/);
  t.match(metrics, /kind="transcribe-recording",result="failed"} 2/, 'each failed try counted');
  t.equal((await s.store.job('tr-c3-1'))?.status, 'failed', 'the given-up job is kept in the database');
});

t.test('work queued when the process stops is done by the next one', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tr-restart-'));
  const dbFile = path.join(dir, 'db.sqlite');
  const hang = new LevelEngine();
  hang.transcribe = () => new Promise<Transcript>(() => undefined);
  const first = await setup({ engine: hang, dbFile, dir });
  await finished(first, 'c4', 1, 'live');
  await until(async () => (await first.store.job('tr-c4-1')) !== undefined);
  // The process "dies" with the job queued (its stop would wait for the hung engine).
  first.calls.stop();
  await first.db.destroy();
  const second = await setup({ engine: new LevelEngine(), dbFile, dir });
  t.teardown(second.stop);
  await until(async () => (await second.tr.transcriptOf('c4')).transcripts.length === 1);
  t.pass('the transcript was made after the restart');
});

t.test('voicemail: transcribed, then e-mailed with the transcript and the audio through a server that refuses at first', async (t) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  sink.refuse(1, 451);
  const s = await setup({ engine: new LevelEngine(), smtpPort: sink.port });
  t.teardown(s.stop);
  // A voicemail is mono: the left channel only.
  const mono = pcm16Wav(new Int16Array(16000).map((_, i) => (i % 2 ? 1000 : -1000)), 8000);
  writeFileSync(path.join(s.dir, 'voicemail-general-c5.wav'), mono);
  s.tr.voicemail({ callId: 'c5', boxId: 'general', file: 'voicemail-general-c5.wav', durationMs: 2000, callerNumber: '+441632960001', callerName: 'Bob', receivedAt: Date.now() });
  await until(async () => (await s.store.message('vm-c5'))?.email_status === 'sent', 20_000);
  const [mail] = sink.messages;
  t.equal(sink.messages.length, 1, 'one message delivered after the refusal');
  t.same(mail!.to, ['team@example.com']);
  t.match(mail!.text, /i want a refund/, 'the transcript in the mail');
  t.match(mail!.subject, /Bob/);
  t.same(mail!.attachments[0]!.content, mono, 'the message audio attached byte for byte');
  const m = (await s.store.message('vm-c5'))!;
  t.equal(m.transcript_status, 'done');
  t.equal(m.status, 'new');
  t.equal(s.tr.jobs.get('vme-vm-c5')?.attempts, 2, 'sent on the second try');
  t.same((await s.tr.transcriptOf('c5')).transcripts.map((x) => x.turns.map((u) => u.speaker)), [['caller']]);
});

t.test('voicemail whose transcription fails for good still goes out, saying so', async (t) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const broken: SttEngine = { name: 'broken', transcribe: async () => Promise.reject(new SttError('no model', { code: 'not-installed', retryable: false })) };
  const s = await setup({ engine: broken, smtpPort: sink.port });
  t.teardown(s.stop);
  writeFileSync(path.join(s.dir, 'voicemail-general-c6.wav'), pcm16Wav(new Int16Array(8000), 8000));
  s.tr.voicemail({ callId: 'c6', boxId: 'general', file: 'voicemail-general-c6.wav', durationMs: 1000, callerNumber: '+441632960002', callerName: '', receivedAt: Date.now() });
  await sink.waitFor(1, 15_000);
  t.match(sink.messages[0]!.text, /could not be transcribed/);
  await until(async () => (await s.store.message('vm-c6'))?.email_status === 'sent');
  t.equal((await s.store.message('vm-c6'))?.transcript_status, 'failed');
});

t.test('a transcription server that is down: retried, shown in /healthz and /metrics, and done once it is back', async (t) => {
  const { OpenAiServerEngine } = await import('../../../src/stt/openai-server.js');
  const working = new LevelEngine();
  // Nothing listens on port 1: connections are refused, as with a server that is down.
  let target: SttEngine = new OpenAiServerEngine({ url: 'http://127.0.0.1:1' });
  const engine: SttEngine = { name: 'switch', transcribe: (a, o) => target.transcribe(a, o) };
  const s = await setup({ engine });
  t.teardown(s.stop);
  await finished(s, 'c7', 1);
  await until(() => (s.tr.jobs.get('tr-c7-1')?.attempts ?? 0) >= 1 && s.tr.jobs.get('tr-c7-1')?.status === 'pending');
  const h = s.tr.health().find((x) => x.name === 'jobs:transcribe-recording')!;
  t.equal(h.up, false, 'degraded while it retries');
  t.match(h.detail, /1 pending \(1 retrying\).*last failure: .*127\.0\.0\.1:1/);
  t.match(await s.metrics.registry.getSingleMetricAsString('cc_jobs_retrying'), /kind="transcribe-recording"} 1/);
  t.match(await s.metrics.registry.getSingleMetricAsString('cc_jobs'), /kind="transcribe-recording",status="pending"} 1/, 'the backlog in /metrics');
  target = working;
  await until(async () => (await s.tr.transcriptOf('c7')).transcripts.length === 1);
  t.equal(s.tr.health().find((x) => x.name === 'jobs:transcribe-recording')!.up, true, 'healthy again once the work is done');
});
