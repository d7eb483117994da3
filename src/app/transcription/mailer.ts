/**
 * E-mailing voicemail messages through the configured SMTP server (`email:` in
 * the config, see src/config/transcription-schema.ts).
 *
 * `composeVoicemail` builds the mail: subject, a text body and an HTML
 * alternative with the caller, time (in the box's zone), length, box and the
 * transcript (or why there is none), and the WAV attached. `Mailer` sends it
 * over a fresh connection each time (no pool) and turns nodemailer's errors into
 * `MailError`s whose `retryable` says whether the same message may go through
 * later: connection failures, 4xx replies and authentication replies (the config
 * may be mended) are retryable; other 5xx replies refuse the message for good.
 * The SMTP user and password never appear in an error message.
 */
import nodemailer from 'nodemailer';
import type { SendMailOptions, Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config/transcription-schema.js';

export interface VoicemailMail {
  to: string[];
  boxId: string; boxName?: string;
  callerNumber?: string; callerName?: string;
  /** Epoch ms. */
  receivedAt: number;
  durationMs: number;
  /** The message's words; absent when not transcribed. */
  transcript?: string;
  /** Why there is no transcript (e.g. "transcription failed: ..."), shown instead. */
  transcriptNote?: string;
  /** Absolute path of the WAV, attached as voicemail-<caller>-<yyyymmdd-hhmm>.wav. */
  audioFile: string;
  /** IANA zone for the time shown in the mail. */
  timeZone: string;
  /** Our id of the message, sent as the header X-CC-Voicemail-Id. */
  messageId: string;
}

/** Control characters (CR, LF...) out of a value that goes into a header or a line. */
const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** 0:23, 12:05, 1:02:03. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** An unknown zone falls back to UTC (the mail says which zone it shows). */
function zoneOf(timeZone: string): string {
  try { return new Intl.DateTimeFormat('en-GB', { timeZone }).resolvedOptions().timeZone; } catch { return 'UTC'; }
}

function parts(at: number, timeZone: string, o: Intl.DateTimeFormatOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', ...o }).formatToParts(at)) out[p.type] = p.value;
  return out;
}

function describe(m: VoicemailMail) {
  const zone = zoneOf(m.timeZone);
  const name = m.callerName ? oneLine(m.callerName) : '';
  const number = m.callerNumber ? oneLine(m.callerNumber) : '';
  const caller = name && number ? `${name} (${number})` : name || number || 'an unknown caller';
  const boxLabel = m.boxName ? oneLine(m.boxName) : '';
  const box = boxLabel ? (/\bbox$/i.test(boxLabel) ? boxLabel : `${boxLabel} box`) : `box ${oneLine(m.boxId)}`;
  const when = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  }).format(m.receivedAt);
  const d = parts(m.receivedAt, zone, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const stamp = `${d.year}${d.month}${d.day}-${d.hour}${d.minute}`;
  const fileCaller = (m.callerNumber ?? '').replace(/[^0-9A-Za-z+]/g, '') || 'unknown';
  const words = m.transcript?.trim();
  const transcript =
    words ? { text: words, isNote: false }
    : m.transcript !== undefined ? { text: '(no speech was recognised)', isNote: true }
    : { text: m.transcriptNote ? `(${m.transcriptNote.trim()})` : '(not transcribed)', isNote: true };
  const boxRow = boxLabel ? `${boxLabel} (${oneLine(m.boxId)})` : oneLine(m.boxId);
  return { caller, box, boxRow, when, duration: formatDuration(m.durationMs), filename: `voicemail-${fileCaller}-${stamp}.wav`, transcript };
}

/** The mail of one voicemail message, from `from`. */
export function composeVoicemail(m: VoicemailMail, from: string): SendMailOptions {
  const v = describe(m);
  const rows: [string, string][] = [['From', v.caller], ['Received', v.when], ['Length', v.duration], ['Box', v.boxRow]];
  const text = [`New voicemail in ${v.box}.`, '', ...rows.map(([k, val]) => `${(k + ':').padEnd(10)}${val}`), '',
    'Message:', v.transcript.text, '', 'The recording is attached.', ''].join('\n');
  const html = [
    `<!doctype html><html><body style="font-family:sans-serif">\n<p>New voicemail in ${escapeHtml(v.box)}.</p>\n<table>`,
    ...rows.map(([k, val]) => `<tr><th align="left">${k}</th><td>${escapeHtml(val)}</td></tr>`),
    '</table>\n<h3>Message</h3>',
    `<p${v.transcript.isNote ? ' style="color:#666"' : ''}>${escapeHtml(v.transcript.text).replace(/\r?\n/g, '<br>')}</p>`,
    '<p>The recording is attached.</p>\n</body></html>',
  ].join('\n');
  return {
    from, to: m.to, subject: `Voicemail from ${v.caller}, ${v.duration}, ${v.box}`, text, html,
    headers: { 'X-CC-Voicemail-Id': oneLine(m.messageId) },
    attachments: [{ filename: v.filename, path: m.audioFile, contentType: 'audio/wav' }],
  };
}

export class MailError extends Error {
  override name = 'MailError';
  /** Whether the same message may go through if sent again later. */
  readonly retryable: boolean;
  /** The SMTP server's reply code, when it replied. */
  readonly responseCode?: number;
  /** nodemailer's error code (ECONNECTION, EAUTH, EENVELOPE...). */
  readonly code?: string;

  constructor(message: string, opts: { retryable: boolean; responseCode?: number; code?: string }) {
    super(message);
    this.retryable = opts.retryable;
    if (opts.responseCode !== undefined) this.responseCode = opts.responseCode;
    if (opts.code !== undefined) this.code = opts.code;
  }
}

const CONNECTION_CODES = new Set([
  'ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROXY',
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN',
]);
/** Authentication replies: 530 required, 534 mechanism too weak, 535 credentials invalid, 538 encryption required. */
const AUTH_REPLIES = new Set([530, 534, 535, 538]);

export function isRetryable(e: { code?: string; originalCode?: string; responseCode?: number; message?: string }): boolean {
  const rc = e.responseCode;
  if (e.code === 'ETLS') return true; // STARTTLS refused or failed: the server or the config may be mended
  if (rc) return rc < 500 || AUTH_REPLIES.has(rc);
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return true;
  if (CONNECTION_CODES.has(e.code ?? '') || CONNECTION_CODES.has(e.originalCode ?? '')) return true;
  return e.code === undefined && /connection closed/i.test(e.message ?? '');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The SMTP user and password (also in base64, as AUTH PLAIN and LOGIN send them) out of a text. */
function redact(c: EmailConfig, s: string): string {
  const { user, password } = c.smtp;
  const plain = [user, password].filter((x): x is string => !!x);
  const encoded = [...plain, ...(user && password ? [`\u0000${user}\u0000${password}`] : [])].map((x) => Buffer.from(x).toString('base64'));
  for (const x of [...plain, ...encoded].sort((a, b) => b.length - a.length)) s = s.replace(new RegExp(escapeRe(x), 'gi'), '***');
  return s;
}

export class Mailer {
  private config: EmailConfig;
  private transport: Transporter | undefined;

  constructor(config: EmailConfig, private readonly opts: { connectionTimeoutMs?: number; tls?: { rejectUnauthorized?: boolean } } = {}) {
    this.config = config;
    this.transport = this.create(config);
  }

  private create(c: EmailConfig): Transporter {
    const t = this.opts.connectionTimeoutMs ?? 15_000;
    const { host, port, secure, requireTls, user, password } = c.smtp;
    return nodemailer.createTransport(
      {
        host, port, secure, requireTLS: requireTls, pool: false,
        ...(user ? { auth: { user, pass: password ?? '' } } : {}),
        connectionTimeout: t, greetingTimeout: t, socketTimeout: Math.max(60_000, t),
        ...(this.opts.tls ? { tls: this.opts.tls } : {}),
        logger: false,
      },
      { from: c.from },
    );
  }

  /** Sends; resolves with the server's message id (else the Message-ID header); rejects with a MailError. */
  async send(mail: SendMailOptions): Promise<string> {
    const { transport, config } = this;
    if (!transport) throw new MailError('the mailer is closed', { retryable: true, code: 'ECLOSED' });
    const { host, port } = config.smtp;
    try {
      const info = await transport.sendMail(mail);
      return String(info.serverMessageId ?? info.messageId);
    } catch (err) {
      const e = (err ?? {}) as { message?: string; code?: unknown; originalCode?: unknown; responseCode?: unknown };
      const responseCode = typeof e.responseCode === 'number' && e.responseCode > 0 ? e.responseCode : undefined;
      const code = typeof e.code === 'string' ? e.code : undefined;
      const originalCode = typeof e.originalCode === 'string' ? e.originalCode : undefined;
      const text = typeof e.message === 'string' ? e.message : String(err);
      throw new MailError(redact(config, `sending mail via ${host}:${port} failed: ${text}`), {
        retryable: isRetryable({ code, originalCode, responseCode, message: text }),
        ...(responseCode !== undefined ? { responseCode } : {}),
        ...(code !== undefined ? { code } : {}),
      });
    }
  }

  /** Replace the config (the reloader changes it); closes the old transport. Sends under way finish on it. */
  reconfigure(config: EmailConfig): void {
    const old = this.transport;
    this.config = config;
    this.transport = this.create(config);
    old?.close();
  }

  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }
}
