/**
 * A local SMTP server for tests: takes every message on 127.0.0.1, parses it
 * (mailparser) and keeps it in `messages`. `refuse(n, code)` makes it refuse the
 * next n messages at the end of DATA with that reply; with `auth` it asks for
 * that user and password (AUTH over plain TCP, STARTTLS is off).
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  /** The envelope sender (MAIL FROM). */
  from: string;
  /** The envelope recipients (RCPT TO). */
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** Lowercase header name to its (first) value, decoded. */
  headers: Record<string, string>;
  attachments: { filename: string; contentType: string; content: Buffer }[];
  raw: Buffer;
}

export interface SmtpSink {
  port: number;
  host: string;
  messages: SinkMessage[];
  /** The next n messages are refused with this reply code (default 550). */
  refuse(n: number, code?: number): void;
  /** Resolves when messages.length >= n, rejects after timeoutMs. */
  waitFor(n: number, timeoutMs?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(opts: { auth?: { user: string; password: string }; port?: number } = {}): Promise<SmtpSink> {
  const host = '127.0.0.1';
  const messages: SinkMessage[] = [];
  const refusals: number[] = [];
  const waiters = new Set<() => void>();
  const auth = opts.auth;

  const server = new SMTPServer({
    logger: false,
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    onAuth(a, _session, cb) {
      if (auth && a.username === auth.user && a.password === auth.password) cb(null, { user: a.username });
      else cb(Object.assign(new Error(`Authentication failed for ${a.username}`), { responseCode: 535 })); // echoes the user as some servers do
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e) => cb(e));
      stream.on('end', () => {
        const code = refusals.shift();
        if (code !== undefined) {
          const text = code < 500 ? 'Try again later' : 'Message refused';
          cb(Object.assign(new Error(text), { responseCode: code }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (p) => {
            const headers: Record<string, string> = {};
            for (const { key, line } of p.headerLines) {
              if (key in headers) continue;
              const v = p.headers.get(key);
              headers[key] = typeof v === 'string' ? v : line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
            }
            const mailFrom = session.envelope.mailFrom;
            messages.push({
              from: mailFrom ? mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: p.subject ?? '',
              text: p.text ?? '',
              ...(typeof p.html === 'string' ? { html: p.html } : {}),
              headers,
              attachments: p.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
              raw,
            });
            for (const w of waiters) w();
            cb();
          },
          (e: Error) => cb(Object.assign(e, { responseCode: 554 })),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {}); // a client going away mid-session is not the test's business
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('smtp sink: no port');

  return {
    host,
    port: address.port,
    messages,
    refuse(n, code = 550) {
      for (let i = 0; i < n; i++) refusals.push(code);
    },
    waitFor(n, timeoutMs = 5000) {
      if (messages.length >= n) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp sink: ${messages.length} of ${n} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
