/**
 * Configuration of transcription and e-mail: which speech-to-text engine
 * turns recordings, voicemail and live calls into text (src/stt), and the
 * SMTP server voicemail messages are e-mailed through.
 *
 *   transcription:
 *     engine: pocketsphinx            # or server: an OpenAI-compatible server (whisper.cpp, faster-whisper)
 *     language: en
 *     url: http://127.0.0.1:8178       # engine: server
 *     model: whisper-1                 # server: the model asked for; pocketsphinx: the model folder
 *   email:
 *     from: "Contact centre <pbx@example.com>"
 *     smtp: { host: mail.example.com, port: 587, user: pbx, password: ${SMTP_PASSWORD} }
 *
 * Queues and campaigns say whether their calls are transcribed:
 * `transcription: off | post-call | live`.
 */
import { Type, type Static } from '@sinclair/typebox';

export const TranscriptionMode = Type.Union([Type.Literal('off'), Type.Literal('post-call'), Type.Literal('live')], { description: 'off | post-call | live' });
export type TranscriptionModeValue = Static<typeof TranscriptionMode>;

const Retry = (firstSec: number, maxSec: number, maxAttempts: number) =>
  Type.Object(
    {
      /** Wait before the first retry; each later one waits twice as long, up to maxSec. */
      firstSec: Type.Number({ minimum: 1, maximum: 86_400, default: firstSec }),
      maxSec: Type.Number({ minimum: 1, maximum: 7 * 86_400, default: maxSec }),
      /** Tries in all before the work is given up (and reported; nothing is deleted). */
      maxAttempts: Type.Integer({ minimum: 1, maximum: 1000, default: maxAttempts }),
    },
    { additionalProperties: false, default: {} },
  );

export const TranscriptionSchema = Type.Object(
  {
    engine: Type.Union([Type.Literal('pocketsphinx'), Type.Literal('server')], { default: 'pocketsphinx' }),
    /** ISO 639-1 code of the calls' language. */
    language: Type.String({ pattern: '^[a-z]{2}$', default: 'en' }),
    /** pocketsphinx: the folder of its model (default Debian's en-us); server: the model name sent with each request. */
    model: Type.Optional(Type.String({ minLength: 1 })),
    /** engine: server, its base URL, e.g. http://127.0.0.1:8178 (POST <url>/v1/audio/transcriptions). */
    url: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** engine: server, sent as a Bearer token when set. */
    apiKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Recordings and voicemail messages transcribed at once (each runs at low CPU priority). */
    concurrency: Type.Integer({ minimum: 1, maximum: 32, default: 1 }),
    /** Calls transcribed live at once; a call beyond it is transcribed after the call instead. */
    maxLiveCalls: Type.Integer({ minimum: 0, maximum: 500, default: 4 }),
    /** A transcription that failed for a reason that may pass (the server down, a timeout) is tried again. */
    retry: Retry(30, 3600, 10),
  },
  { additionalProperties: false, default: {} },
);
export type TranscriptionConfig = Static<typeof TranscriptionSchema>;

export const EmailSchema = Type.Object(
  {
    /** The sender, e.g. "Contact centre <pbx@example.com>". */
    from: Type.String({ minLength: 3 }),
    smtp: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
        /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
        secure: Type.Boolean({ default: false }),
        /** Refuse to send unless the connection is encrypted (STARTTLS). */
        requireTls: Type.Boolean({ default: false }),
        user: Type.Optional(Type.String({ minLength: 1 })),
        password: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    /** A message the server refused or could not take is sent again. */
    retry: Retry(60, 3600, 48),
  },
  { additionalProperties: false },
);
export type EmailConfig = Static<typeof EmailSchema>;

/** An e-mail address, as far as a config check can tell. */
export const EmailAddress = Type.String({ pattern: '^[^@\\s<>]+@[^@\\s<>]+$' });
