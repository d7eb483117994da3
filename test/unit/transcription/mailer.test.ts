import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { pcm16Wav } from '../../../src/audio/wav.js';
import type { EmailConfig } from '../../../src/config/transcription-schema.js';
import { composeVoicemail, formatDuration, isRetryable, MailError, Mailer, type VoicemailMail } from '../../../src/app/transcription/mailer.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';

const FROM = 'Contact centre <pbx@example.com>';
const dir = mkdtempSync(path.join(tmpdir(), 'cc-mailer-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const samples = Int16Array.from({ length: 800 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
const wavFile = path.join(dir, 'msg.wav');
writeFileSync(wavFile, pcm16Wav(samples, 8000));
const wavBytes = readFileSync(wavFile);

const config = (port: number, smtp: Partial<EmailConfig['smtp']> = {}): EmailConfig => ({
  from: FROM,
  smtp: { host: '127.0.0.1', port, secure: false, requireTls: false, ...smtp },
  retry: { firstSec: 60, maxSec: 3600, maxAttempts: 48 },
});

const voicemail = (over: Partial<VoicemailMail> = {}): VoicemailMail => ({
  to: ['support@example.com'],
  boxId: '1234', boxName: 'Support',
  callerNumber: '+441632960001', callerName: 'Alice Smith',
  receivedAt: Date.UTC(2024, 6, 1, 13, 5, 0), // 09:05 in New York (EDT)
  durationMs: 23_400,
  transcript: 'Hello, please call me back about my order.',
  audioFile: wavFile,
  timeZone: 'America/New_York',
  messageId: 'vm-42',
  ...over,
});

async function sink(t: Test, opts?: Parameters<typeof startSmtpSink>[0]): Promise<SmtpSink> {
  const s = await startSmtpSink(opts);
  t.teardown(() => s.close());
  return s;
}
function mailer(t: Test, cfg: EmailConfig): Mailer {
  const m = new Mailer(cfg, { connectionTimeoutMs: 3000 });
  t.teardown(() => m.close());
  return m;
}
async function failure(p: Promise<unknown>): Promise<MailError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof MailError)) throw new Error(`expected a MailError, got ${e === undefined ? 'success' : String(e)}`);
  return e;
}
/** A port with nothing listening. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

t.test('a voicemail arrives with its details, the header and the WAV', async (t) => {
  const s = await sink(t);
  const id = await mailer(t, config(s.port)).send(composeVoicemail(voicemail(), FROM));
  const [m] = await s.waitFor(1);
  t.equal(m!.subject, 'Voicemail from Alice Smith (+441632960001), 0:23, Support box');
  t.equal(m!.from, 'pbx@example.com');
  t.same(m!.to, ['support@example.com']);
  t.match(m!.headers.from, /Contact centre/);
  t.equal(m!.headers['x-cc-voicemail-id'], 'vm-42');
  t.equal(id, m!.headers['message-id'], 'resolves with the id the message went out with');
  for (const body of [m!.text, m!.html!]) {
    t.match(body, 'Alice Smith (+441632960001)');
    t.match(body, 'Mon, 1 Jul 2024, 09:05 GMT-4', 'the time in the box zone');
    t.notMatch(body, '13:05');
    t.match(body, '0:23');
    t.match(body, 'Support box');
    t.match(body, 'Support (1234)');
    t.match(body, 'Hello, please call me back about my order.');
  }
  t.equal(m!.attachments.length, 1);
  const a = m!.attachments[0]!;
  t.equal(a.filename, 'voicemail-+441632960001-20240701-0905.wav');
  t.equal(a.contentType, 'audio/wav');
  t.ok(a.content.equals(wavBytes), 'the WAV byte for byte');
});

t.test('the note stands in for a missing transcript', async (t) => {
  const s = await sink(t);
  const mail = composeVoicemail(voicemail({ transcript: undefined, transcriptNote: 'transcription failed: engine not installed', callerName: undefined }), FROM);
  await mailer(t, config(s.port)).send(mail);
  const [m] = await s.waitFor(1);
  t.equal(m!.subject, 'Voicemail from +441632960001, 0:23, Support box');
  t.match(m!.text, 'transcription failed: engine not installed');
  t.match(m!.html!, 'transcription failed: engine not installed');
  t.notMatch(m!.text, 'call me back');
});

t.test('HTML is escaped', async (t) => {
  const s = await sink(t);
  const evil = 'Eve <script>alert("x")</script> & co';
  await mailer(t, config(s.port)).send(composeVoicemail(voicemail({ callerName: evil, transcript: 'press <b>1</b>' }), FROM));
  const [m] = await s.waitFor(1);
  t.notMatch(m!.html!, '<script>');
  t.notMatch(m!.html!, '<b>1</b>');
  t.match(m!.html!, 'Eve &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
  t.match(m!.html!, 'press &lt;b&gt;1&lt;/b&gt;');
  t.match(m!.text, evil, 'the text part keeps the name as it is');
});

t.test('a 451 refusal is retryable, a 550 is not, and the next send goes through', async (t) => {
  const s = await sink(t);
  const m = mailer(t, config(s.port));
  const mail = composeVoicemail(voicemail(), FROM);
  for (const [n, code, retryable] of [[1, 451, true], [2, 550, false]] as const) {
    s.refuse(1, code);
    const e = await failure(m.send(mail));
    t.equal(e.responseCode, code);
    t.equal(e.retryable, retryable, `${code}: retryable ${retryable}`);
    await m.send(mail);
    t.equal(s.messages.length, n, `taken after the ${code}`);
  }
});

t.test('nothing listening is a retryable error', async (t) => {
  const e = await failure(mailer(t, config(await deadPort())).send(composeVoicemail(voicemail(), FROM)));
  t.equal(e.retryable, true);
  t.equal(e.responseCode, undefined);
  t.match(e.message, /ECONNREFUSED/);
});

t.test('a wrong password is retryable and the error keeps the credentials out', async (t) => {
  const user = 'pbx-mailer', password = 'Wr0ng-Secret!';
  const s = await sink(t, { auth: { user, password: 'right-password' } });
  const e = await failure(mailer(t, config(s.port, { user, password })).send(composeVoicemail(voicemail(), FROM)));
  t.equal(e.responseCode, 535);
  t.equal(e.retryable, true);
  t.match(e.message, /535/);
  for (const x of [user, password, Buffer.from(user).toString('base64'), Buffer.from(password).toString('base64')]) t.notMatch(e.message, x);
  t.equal(s.messages.length, 0);
  await mailer(t, config(s.port, { user, password: 'right-password' })).send(composeVoicemail(voicemail(), FROM));
  t.equal(s.messages.length, 1, 'the right password is let in');
});

t.test('reconfigure moves sending to the new server', async (t) => {
  const s = await sink(t);
  const m = mailer(t, config(await deadPort()));
  await failure(m.send(composeVoicemail(voicemail(), FROM)));
  m.reconfigure(config(s.port));
  await m.send(composeVoicemail(voicemail(), FROM));
  t.equal(s.messages.length, 1);
});

t.test('which failures are retryable', async (t) => {
  for (const rc of [421, 450, 451, 452, 530, 534, 535, 538]) t.equal(isRetryable({ code: 'EENVELOPE', responseCode: rc }), true, `${rc}`);
  for (const rc of [550, 551, 552, 553, 554]) t.equal(isRetryable({ code: 'EMESSAGE', responseCode: rc }), false, `${rc}`);
  t.equal(isRetryable({ code: 'ETLS', responseCode: 500 }), true, 'STARTTLS refused (requireTls)');
  t.equal(isRetryable({ code: 'EENVELOPE', responseCode: 503 }), false, '503 is a 5xx like the rest');
  for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EAUTH']) t.equal(isRetryable({ code }), true, code);
  t.equal(isRetryable({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }), true);
  t.equal(isRetryable({ message: 'Connection closed' }), true, 'the transport saw the connection end');
  for (const code of ['EENVELOPE', 'EMESSAGE', 'ESTREAM']) t.equal(isRetryable({ code }), false, code);
  t.equal(formatDuration(23_400), '0:23');
  t.equal(formatDuration(605_000), '10:05');
  t.equal(formatDuration(3_723_000), '1:02:03');
});
