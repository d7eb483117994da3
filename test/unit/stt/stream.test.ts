/** Utterance cutting over a fake batch engine, and the audio helpers the engines share. */
import t from 'tap';
import { parseWav } from '../../../src/audio/wav.js';
import { pcm16Wav, resample } from '../../../src/stt/audio.js';
import { SttError, type SttAudio, type Transcript } from '../../../src/stt/engine.js';
import { utteranceStream } from '../../../src/stt/stream.js';

const RATE = 8000;
const burst = (seconds: number, amp = 8000): Int16Array => {
  const s = new Int16Array(Math.round(seconds * RATE));
  for (let i = 0; i < s.length; i++) s[i] = Math.round(amp * Math.sin((2 * Math.PI * 500 * i) / RATE));
  return s;
};
/** Low noise, like a quiet line. */
const hiss = (seconds: number, seed = 1): Int16Array => {
  const s = new Int16Array(Math.round(seconds * RATE));
  let x = seed;
  for (let i = 0; i < s.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s[i] = ((x >> 8) % 41) - 20;
  }
  return s;
};
const concat = (...parts: Int16Array[]): Int16Array => {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Says "uN" for the N-th piece, one word spanning the loud part of it. */
function fakeEngine(): { calls: SttAudio[]; transcribe: (a: SttAudio) => Promise<Transcript> } {
  const calls: SttAudio[] = [];
  return {
    calls,
    transcribe: async (a) => {
      calls.push(a);
      let first = -1, last = -1;
      for (let i = 0; i < a.samples.length; i++) if (Math.abs(a.samples[i]!) > 1000) (first < 0 ? (first = i) : 0), (last = i);
      const word = `u${calls.length}`;
      if (first < 0) return { text: '', words: [], segments: [] };
      const start = first / a.rate, end = (last + 1) / a.rate;
      return { text: word, words: [{ word, start, end }], segments: [{ start, end, text: word }] };
    },
  };
}

const feed = (s: { write(x: Int16Array): void }, audio: Int16Array, packet = 160): void => {
  for (let i = 0; i < audio.length; i += packet) s.write(audio.subarray(i, i + packet));
};

t.test('cuts at pauses; times are stream times; nothing is lost or doubled', async (t) => {
  const eng = fakeEngine();
  const finals: Transcript[] = [];
  const partials: string[] = [];
  const s = utteranceStream(eng, { rate: RATE, onFinal: (f) => finals.push(f), onPartial: (p) => partials.push(p.text) });
  // 0.5 s hiss, 1 s speech, 1 s hiss, 0.8 s speech, 0.3 s hiss (then end)
  const audio = concat(hiss(0.5), burst(1), hiss(1, 2), burst(0.8), hiss(0.3, 3));
  feed(s, audio, 137); // odd packet sizes straddle frames
  // The first utterance is cut by the pause, before end().
  await new Promise((r) => setImmediate(r));
  t.equal(eng.calls.length, 1, 'first utterance transcribed during the stream');
  const all = await s.end();
  t.equal(eng.calls.length, 2);
  t.same(finals.map((f) => f.text), ['u1', 'u2']);
  t.equal(all.text, 'u1 u2');
  t.same(partials, ['u1', 'u1 u2']);
  t.equal(eng.calls.reduce((n, c) => n + c.samples.length, 0), audio.length, 'the pieces cover the stream exactly');
  const [w1, w2] = all.words;
  t.ok(Math.abs(w1!.start - 0.5) < 0.01 && Math.abs(w1!.end - 1.5) < 0.01, `first word ${w1!.start}-${w1!.end} at 0.5-1.5 s`);
  t.ok(Math.abs(w2!.start - 2.5) < 0.01 && Math.abs(w2!.end - 3.3) < 0.01, `second word ${w2!.start}-${w2!.end} at 2.5-3.3 s`);
  t.same(all.segments.map((x) => x.text), ['u1', 'u2']);
});

t.test('silence alone is never transcribed; a long monologue is cut', async (t) => {
  const eng = fakeEngine();
  const s = utteranceStream(eng, { rate: RATE });
  feed(s, hiss(10));
  t.same(await s.end(), { text: '', words: [], segments: [] });
  t.equal(eng.calls.length, 0);

  const eng2 = fakeEngine();
  const s2 = utteranceStream(eng2, { rate: RATE, maxUtteranceSec: 2 });
  feed(s2, burst(5));
  await s2.end();
  t.ok(eng2.calls.length >= 2, `cut into ${eng2.calls.length} pieces`);
  t.ok(eng2.calls.every((c) => c.samples.length <= 2 * RATE), 'none longer than maxUtteranceSec');
});

t.test('an engine error reaches onError and end(), the stream carries on', async (t) => {
  let n = 0;
  const errors: SttError[] = [];
  const finals: string[] = [];
  const s = utteranceStream(
    {
      transcribe: async () => {
        if (++n === 1) throw new SttError('server down', { code: 'unavailable', retryable: true });
        return { text: 'second', words: [], segments: [] };
      },
    },
    { rate: RATE, onError: (e) => errors.push(e), onFinal: (f) => finals.push(f.text) },
  );
  feed(s, concat(burst(0.5), hiss(1), burst(0.5)));
  await t.rejects(s.end(), { code: 'unavailable', retryable: true });
  t.equal(errors.length, 1);
  t.same(finals, ['second']);
});

t.test('resample: a tone keeps its frequency and level; pcm16Wav round-trips', async (t) => {
  const f = 1000;
  const x = new Int16Array(8000).map((_, i) => Math.round(10000 * Math.sin((2 * Math.PI * f * i) / 8000)));
  const y = resample(x, 8000, 16000);
  t.equal(y.length, 16000);
  let err = 0;
  for (let i = 400; i < 15600; i++) {
    err = Math.max(err, Math.abs(y[i]! - 10000 * Math.sin((2 * Math.PI * f * i) / 16000)));
  }
  t.ok(err < 150, `max error ${err.toFixed(0)} of 10000 away from the edges`);
  const down = resample(y, 16000, 8000);
  t.equal(down.length, 8000);
  t.ok(Math.abs(down[4000]! - x[4000]!) < 150, 'and back down');
  // Above the new Nyquist frequency: filtered out, not aliased.
  const hi = new Int16Array(16000).map((_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 6000 * i) / 16000)));
  const hiDown = resample(hi, 16000, 8000);
  const rms = Math.sqrt(hiDown.slice(400, 7600).reduce((s, v) => s + v * v, 0) / 7200);
  t.ok(rms < 100, `6 kHz at 8 kHz: rms ${rms.toFixed(0)}`);
  t.equal(resample(x, 8000, 8000), x, 'same rate: unchanged');

  const w = parseWav(pcm16Wav(x, 8000));
  t.equal(w.sampleRate, 8000);
  t.same(Array.from(w.samples.slice(0, 50)), Array.from(x.slice(0, 50)));
});

t.test('partials: a long utterance is transcribed as it goes, and no partial comes after its final', async (t) => {
  const eng = fakeEngine();
  const events: string[] = [];
  const s = utteranceStream(eng, { rate: RATE, partialEveryMs: 500, onFinal: (f) => events.push(`final ${f.text}`), onPartial: (p) => events.push(`partial ${p.text}`) });
  // 2.2 s of speech fed in real-time-sized packets, letting each partial transcription finish, then a pause.
  const speech = burst(2.2);
  for (let i = 0; i < speech.length; i += 160) {
    s.write(speech.subarray(i, i + 160));
    if (i % 1600 === 0) await new Promise((r) => setImmediate(r));
  }
  const partialsBefore = events.filter((e) => e.startsWith('partial')).length;
  t.ok(partialsBefore >= 3, `partials while the utterance goes on (${partialsBefore})`);
  feed(s, hiss(1));
  await s.end();
  const finalAt = events.findIndex((e) => e.startsWith('final'));
  t.ok(finalAt > 0, 'then the final');
  t.notOk(events.slice(finalAt + 1).some((e) => e.startsWith('partial') && e !== `partial ${events[finalAt]!.slice(6)}`), 'no stale partial after the final');
  const plain = fakeEngine();
  const none: string[] = [];
  const q = utteranceStream(plain, { rate: RATE, onPartial: (p) => none.push(p.text) });
  feed(q, concat(burst(2.2), hiss(1)));
  await q.end();
  t.equal(none.length, 1, 'without partialEveryMs: only the partial after the final');
});
