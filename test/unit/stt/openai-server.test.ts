/**
 * The OpenAI-compatible server engine against a stand-in server (fastify on 127.0.0.1:0)
 * that records what it receives and answers as told.
 */
import t, { type Test } from 'tap';
import Fastify, { type FastifyInstance } from 'fastify';
import { createServer } from 'node:net';
import { parseWav } from '../../../src/audio/wav.js';
import { SttError } from '../../../src/stt/engine.js';
import { OpenAiServerEngine, parseVerboseJson } from '../../../src/stt/openai-server.js';

const KEY = 'sk-local-test-key-0123456789';

interface Received {
  url: string;
  authorization?: string;
  fields: Record<string, string[]>;
  file?: { name: string; type: string; bytes: Buffer };
}

const verbose = {
  task: 'transcribe',
  language: 'english',
  duration: 2.5,
  text: ' I would like a refund.',
  segments: [
    { id: 0, seek: 0, start: 0.0, end: 1.2, text: ' I would like', tokens: [1, 2] },
    { id: 1, seek: 0, start: 1.2, end: 2.4, text: ' a refund.', tokens: [3] },
  ],
  words: [
    { word: 'I', start: 0.1, end: 0.2 },
    { word: 'would', start: 0.2, end: 0.5 },
    { word: 'like', start: 0.5, end: 1.1 },
    { word: 'a', start: 1.3, end: 1.4 },
    { word: 'refund.', start: 1.4, end: 2.3 },
  ],
};

async function standIn(t: Test, answer: (r: Received) => { status: number; body: unknown }): Promise<{ url: string; received: Received[] }> {
  const app: FastifyInstance = Fastify({ forceCloseConnections: true });
  const received: Received[] = [];
  // The raw multipart body, parsed by undici's own form-data parser (no plugin needed).
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: 50 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  app.post('/v1/audio/transcriptions', async (req, reply) => {
    const form = await new Response(new Uint8Array(req.body as Buffer), { headers: { 'content-type': req.headers['content-type']! } }).formData();
    const r: Received = { url: req.url, fields: {} };
    if (req.headers.authorization) r.authorization = req.headers.authorization;
    for (const [k, v] of form.entries()) {
      if (typeof v === 'string') (r.fields[k] ??= []).push(v);
      else r.file = { name: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) };
    }
    received.push(r);
    const a = answer(r);
    return reply.code(a.status).send(a.body);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { url: `http://127.0.0.1:${addr.port}`, received };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const tone = (seconds: number, rate = 8000): Int16Array => {
  const s = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < s.length; i++) s[i] = Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return s;
};

async function sttError(t: Test, p: Promise<unknown>): Promise<SttError> {
  try {
    await p;
  } catch (e) {
    t.type(e, SttError);
    return e as SttError;
  }
  t.fail('expected an SttError');
  throw new Error('no error');
}

t.test('sends the multipart fields, a 16 kHz WAV and the key; parses verbose_json', async (t) => {
  const srv = await standIn(t, () => ({ status: 200, body: verbose }));
  const engine = new OpenAiServerEngine({ url: `${srv.url}/`, model: 'large-v3', apiKey: KEY });
  t.equal(engine.name, 'openai-server(large-v3)');
  t.notMatch(engine.name, KEY);
  const tr = await engine.transcribe({ samples: tone(2), rate: 8000 }, { language: 'en' });

  t.equal(srv.received.length, 1);
  const r = srv.received[0]!;
  t.equal(r.url, '/v1/audio/transcriptions', 'a trailing slash on the URL is fine');
  t.equal(r.authorization, `Bearer ${KEY}`);
  t.same(r.fields.model, ['large-v3']);
  t.same(r.fields.language, ['en']);
  t.same(r.fields.response_format, ['verbose_json']);
  t.same(r.fields['timestamp_granularities[]'], ['word', 'segment']);
  t.equal(r.file?.type, 'audio/wav');
  t.match(r.file?.name, /\.wav$/);
  const wav = parseWav(r.file!.bytes);
  t.equal(wav.sampleRate, 16000, 'upsampled for the model');
  t.equal(wav.channels, 1);
  t.equal(wav.samples.length, 32000, 'all 2 s of it');

  t.equal(tr.text, 'I would like a refund.');
  t.same(tr.words.map((w) => [w.word, w.start, w.end]), [['I', 0.1, 0.2], ['would', 0.2, 0.5], ['like', 0.5, 1.1], ['a', 1.3, 1.4], ['refund.', 1.4, 2.3]]);
  t.same(tr.segments, [{ start: 0, end: 1.2, text: 'I would like' }, { start: 1.2, end: 2.4, text: 'a refund.' }]);
});

t.test('a URL ending in /v1 is not doubled; no key, no Authorization header; no language unless given', async (t) => {
  const srv = await standIn(t, () => ({ status: 200, body: { text: 'hello' } }));
  const tr = await new OpenAiServerEngine({ url: `${srv.url}/v1` }).transcribe({ samples: tone(1, 16000), rate: 16000 });
  t.equal(srv.received[0]!.url, '/v1/audio/transcriptions');
  t.equal(srv.received[0]!.authorization, undefined);
  t.equal(srv.received[0]!.fields.language, undefined);
  t.same(srv.received[0]!.fields.model, ['whisper-1'], 'the default model name');
  t.same(tr, { text: 'hello', words: [], segments: [{ start: 0, end: 1, text: 'hello' }] }, 'a bare {text} is one segment');
});

t.test("whisper.cpp's shape: words inside segments, with probabilities", async (t) => {
  const tr = parseVerboseJson(
    {
      text: ' Yes please.',
      segments: [
        { id: 0, start: 0.0, end: 1.0, text: ' Yes please.', words: [{ word: ' Yes', start: 0.0, end: 0.4, probability: 0.93 }, { word: ' please.', start: 0.4, end: 1.0, probability: 0.81 }] },
      ],
    },
    1,
  );
  t.same(tr.words, [
    { word: 'Yes', start: 0, end: 0.4, confidence: 0.93 },
    { word: 'please.', start: 0.4, end: 1, confidence: 0.81 },
  ]);
  t.throws(() => parseVerboseJson('nope', 1), { name: 'SttError', retryable: false });
});

t.test('HTTP 503 is retryable, 400 is not, and neither message holds the key', async (t) => {
  let status = 503;
  // A careless server that echoes the Authorization header in its error.
  const srv = await standIn(t, (r) => ({ status, body: { error: { message: `model busy (auth was ${r.authorization})` } } }));
  const engine = new OpenAiServerEngine({ url: srv.url, apiKey: KEY });
  const e503 = await sttError(t, engine.transcribe({ samples: tone(0.5), rate: 8000 }));
  t.equal(e503.retryable, true);
  t.equal(e503.code, 'unavailable');
  t.equal(e503.status, 503);
  t.match(e503.message, /HTTP 503: model busy/);
  t.notMatch(e503.message, KEY);
  t.notMatch(JSON.stringify(e503), KEY);

  status = 400;
  const e400 = await sttError(t, engine.transcribe({ samples: tone(0.5), rate: 8000 }));
  t.equal(e400.retryable, false);
  t.equal(e400.code, 'rejected');
  t.equal(e400.status, 400);
  t.notMatch(e400.message, KEY);
  t.notMatch(String(e400.stack), KEY);

  status = 429;
  t.equal((await sttError(t, engine.transcribe({ samples: tone(0.5), rate: 8000 }))).retryable, true, '429: try again later');
});

t.test('a 200 that is not JSON is a non-retryable engine error', async (t) => {
  const app = Fastify({ forceCloseConnections: true });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
  app.post('/v1/audio/transcriptions', async (_req, reply) => reply.type('text/html').send('<html>proxy login</html>'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const e = await sttError(t, new OpenAiServerEngine({ url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` }).transcribe({ samples: tone(0.2), rate: 8000 }));
  t.equal(e.retryable, false);
  t.equal(e.code, 'engine');
});

t.test('connection refused is retryable, and says so without the key', async (t) => {
  const port = await closedPort();
  const e = await sttError(t, new OpenAiServerEngine({ url: `http://127.0.0.1:${port}`, apiKey: KEY }).transcribe({ samples: tone(0.2), rate: 8000 }));
  t.equal(e.retryable, true);
  t.equal(e.code, 'unavailable');
  t.match(e.message, /unreachable: ECONNREFUSED/);
  t.notMatch(e.message, KEY);
});

t.test('timeout is retryable; the caller aborting is not', async (t) => {
  const app = Fastify({ forceCloseConnections: true });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
  app.post('/v1/audio/transcriptions', async () => {
    await new Promise((r) => setTimeout(r, 2000));
    return verbose;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const slow = await sttError(t, new OpenAiServerEngine({ url, timeoutMs: 200 }).transcribe({ samples: tone(0.2), rate: 8000 }));
  t.equal(slow.code, 'timeout');
  t.equal(slow.retryable, true);
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 100);
  const aborted = await sttError(t, new OpenAiServerEngine({ url }).transcribe({ samples: tone(0.2), rate: 8000 }, { signal: ctl.signal }));
  t.equal(aborted.code, 'aborted');
  t.equal(aborted.retryable, false);
});

t.test('bad input and configuration are refused before any request', async (t) => {
  const engine = new OpenAiServerEngine({ url: 'http://127.0.0.1:9' });
  const empty = await sttError(t, engine.transcribe({ samples: new Int16Array(0), rate: 8000 }));
  t.equal(empty.code, 'bad-audio');
  t.equal(empty.retryable, false);
  t.throws(() => new OpenAiServerEngine({ url: 'not a url' }), { name: 'SttError', retryable: false });
  t.throws(() => new OpenAiServerEngine({ url: 'ftp://host/' }), { name: 'SttError' });
  t.throws(() => new OpenAiServerEngine({ url: 'http://user:secret@host/' }), /must not hold credentials/);
});
