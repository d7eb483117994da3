import t from 'tap';
import { searchText, turnsOf, type Speaker, type Turn } from '../../../src/core/stt/speakers.js';
import type { Transcript, TranscriptWord } from '../../../src/stt/engine.js';
import { rng } from '../../support/random.js';

const segs = (...xs: [number, number, string][]): Transcript => ({ text: xs.map((x) => x[2]).join(' '), words: [], segments: xs.map(([start, end, text]) => ({ start, end, text })) });
const words = (...xs: [number, number, string][]): Transcript => ({ text: xs.map((x) => x[2]).join(' '), words: xs.map(([start, end, word]) => ({ word, start, end })), segments: [] });
const brief = (ts: Turn[]) => ts.map((x) => `${x.speaker[0]} ${x.start}-${x.end} ${x.text}`);

t.test('two channels interleave by start; equal starts: customer first', async (t) => {
  const turns = turnsOf([
    { speaker: 'agent', transcript: segs([0, 2, 'Thank you for calling.'], [5, 6, 'Sure.'], [9, 11, 'Anything else?']) },
    { speaker: 'customer', transcript: segs([2.5, 4.5, 'Hi, I need a refund.'], [9, 9.5, 'No.']) },
  ]);
  t.same(turns, [
    { speaker: 'agent', start: 0, end: 2, text: 'Thank you for calling.' },
    { speaker: 'customer', start: 2.5, end: 4.5, text: 'Hi, I need a refund.' },
    { speaker: 'agent', start: 5, end: 6, text: 'Sure.' },
    { speaker: 'customer', start: 9, end: 9.5, text: 'No.' },
    { speaker: 'agent', start: 9, end: 11, text: 'Anything else?' },
  ]);
});

t.test('consecutive turns of one speaker closer than 1.0 s merge; 1.0 s apart they do not', async (t) => {
  const turns = turnsOf([{ speaker: 'customer', transcript: segs([0, 1, 'one'], [1.99, 3, 'two'], [4, 5, 'three'], [4.5, 4.8, 'overlap']) }]);
  t.same(brief(turns), ['c 0-3 one two', 'c 4-5 three overlap'], 'a gap of exactly 1.0 s starts a new turn; an overlap merges, keeping the later end');
  const across = turnsOf([
    { speaker: 'customer', transcript: segs([0, 1, 'a'], [1.5, 2, 'b']) },
    { speaker: 'agent', transcript: segs([1.2, 1.4, 'mhm']) },
  ]);
  t.same(brief(across), ['c 0-1 a', 'a 1.2-1.4 mhm', 'c 1.5-2 b'], 'only consecutive turns merge');
});

t.test('without segments, words are grouped at pauses of 0.8 s or more', async (t) => {
  const tr = words([0, 0.4, 'hello'], [0.5, 0.9, 'there'], [1.69, 2, 'how'], [2.8, 3, 'are'], [3.1, 3.3, 'you']);
  t.same(brief(turnsOf([{ speaker: 'caller', transcript: tr }])), ['c 0-3.3 hello there how are you'], 'a 0.8 s pause cuts, but the two turns then merge (< 1.0 s apart)');
  // The cut shows when the other channel speaks in the pause.
  const agentInPause = { speaker: 'agent' as const, transcript: segs([2.1, 2.5, 'mhm']) };
  t.same(brief(turnsOf([{ speaker: 'customer', transcript: tr }, agentInPause])), ['c 0-2 hello there how', 'a 2.1-2.5 mhm', 'c 2.8-3.3 are you'], 'pause of 0.8 s (2.8 - 2.0 in floating point): cut');
  const short = words([0, 0.4, 'hello'], [0.5, 0.9, 'there'], [1.69, 2, 'how'], [2.79, 3, 'are']);
  t.same(brief(turnsOf([{ speaker: 'customer', transcript: short }, agentInPause])), ['c 0-3 hello there how are', 'a 2.1-2.5 mhm'], 'pause of 0.79 s: one turn');
  const far = words([5, 5.5, 'later'], [0, 0.5, 'first'], [0.6, 1, 'second'], [2.5, 3, 'middle']);
  t.same(brief(turnsOf([{ speaker: 'agent', transcript: far }])), ['a 0-1 first second', 'a 2.5-3 middle', 'a 5-5.5 later'], 'words in any order are read in time order');
  const interleaved = turnsOf([
    { speaker: 'customer', transcript: words([0, 0.3, 'yes'], [0.4, 0.6, 'please'], [3, 3.2, 'thanks']) },
    { speaker: 'agent', transcript: words([1, 1.5, 'one'], [1.6, 2, 'moment']) },
  ]);
  t.same(brief(interleaved), ['c 0-0.6 yes please', 'a 1-2 one moment', 'c 3-3.2 thanks']);
});

t.test('segments win over words; markup and empty text are dropped; text alone gives one turn', async (t) => {
  const both: Transcript = { text: 'hi', words: [{ word: 'ignored', start: 0, end: 1 }], segments: [{ start: 0, end: 1, text: ' hi   there ' }] };
  t.same(brief(turnsOf([{ speaker: 'agent', transcript: both }])), ['a 0-1 hi there']);
  const noisy = segs([0, 1, '[BLANK_AUDIO]'], [2, 3, '<sil> refund(2) please [NOISE]'], [5, 6, '   ']);
  t.same(brief(turnsOf([{ speaker: 'customer', transcript: noisy }])), ['c 2-3 refund please']);
  const wordsNoisy = words([0, 0.2, '<s>'], [0.2, 0.5, 'yes'], [0.6, 0.7, '++BREATH++']);
  t.same(brief(turnsOf([{ speaker: 'customer', transcript: wordsNoisy }])), ['c 0.2-0.5 yes']);
  t.same(brief(turnsOf([{ speaker: 'caller', transcript: { text: 'call me back', words: [], segments: [] } }])), ['c 0-0 call me back']);
  t.same(turnsOf([{ speaker: 'caller', transcript: { text: '', words: [], segments: [] } }]), []);
  t.same(turnsOf([]), []);
});

t.test('bad times do not break the order', async (t) => {
  const tr: Transcript = { text: '', words: [], segments: [{ start: NaN, end: 2, text: 'a' }, { start: 3, end: 1, text: 'b' }] };
  t.same(turnsOf([{ speaker: 'agent', transcript: tr }]), [
    { speaker: 'agent', start: 0, end: 2, text: 'a' },
    { speaker: 'agent', start: 3, end: 3, text: 'b' },
  ]);
});

t.test('searchText: lower case, punctuation gone, single spaces', async (t) => {
  const turns = turnsOf([
    { speaker: 'customer', transcript: segs([0, 1, "Hello, I DON'T have my card — it's twenty-five $25.50!"]) },
    { speaker: 'agent', transcript: segs([2, 3, '  Café  in Zürich?  [NOISE] ']) },
  ]);
  t.equal(searchText(turns), 'hello i dont have my card its twenty five 25 50 café in zürich');
  t.equal(searchText([]), '');
  t.equal(searchText([{ speaker: 'agent', start: 0, end: 1, text: '...' }]), '');
  t.equal(searchText([{ speaker: 'agent', start: 0, end: 1, text: 'Cafe\u0301' }]), 'café', 'combining marks stay in the word (NFC)');
});

/**
 * Random channels: whatever comes in, the turns are in start order, no two
 * consecutive turns of one speaker are closer than 1.0 s, every word comes
 * out once and in time order per speaker, and each turn spans its words.
 */
t.test('randomized: 3,000 random calls keep order, merge rule and every word', async (t) => {
  const r = rng(4242);
  const vocab = ['yes', 'no', 'refund', 'account', 'please', 'thanks', 'card', 'order', 'hello', 'wait'];
  const failures: string[] = [];
  for (let n = 0; n < 3_000 && failures.length < 5; n++) {
    const speakers: Speaker[] = r() < 0.2 ? ['caller'] : ['customer', 'agent'];
    const channels = speakers.map((speaker) => {
      const ws: TranscriptWord[] = [];
      let clock = r() * 3;
      for (let k = Math.floor(r() * 25); k > 0; k--) {
        const len = 0.1 + r() * 0.5;
        ws.push({ word: vocab[Math.floor(r() * vocab.length)]!, start: Math.round(clock * 100) / 100, end: Math.round((clock + len) * 100) / 100 });
        clock += len + (r() < 0.3 ? r() * 4 : r() * 0.3);
      }
      const useSegments = r() < 0.5;
      const segments: Transcript['segments'] = [];
      if (useSegments) for (let k = 0; k < ws.length; ) {
        const m = 1 + Math.floor(r() * 4);
        const part = ws.slice(k, k + m);
        segments.push({ start: part[0]!.start, end: part[part.length - 1]!.end, text: part.map((w) => w.word).join(' ') });
        k += m;
      }
      return { speaker, transcript: { text: ws.map((w) => w.word).join(' '), words: useSegments ? ws : [...ws].sort(() => r() - 0.5), segments }, ws };
    });
    const turns = turnsOf(channels.map(({ speaker, transcript }) => ({ speaker, transcript })));
    const fail = (m: string) => failures.push(`call ${n}: ${m} ${JSON.stringify(brief(turns))}`);
    for (let k = 1; k < turns.length; k++) {
      const a = turns[k - 1]!, b = turns[k]!;
      if (b.start < a.start) fail('out of order');
      if (a.speaker === b.speaker && b.start - a.end < 1.0 - 1e-6) fail('unmerged turns');
    }
    for (const c of channels) {
      const mine = turns.filter((x) => x.speaker === c.speaker);
      const said = mine.map((x) => x.text).join(' ');
      const want = c.ws.map((w) => w.word).join(' ');
      if (said !== want) fail(`${c.speaker} said "${said}", want "${want}"`);
      for (const x of mine) if (x.end < x.start) fail('a turn ending before it starts');
      if (c.ws.length > 0 && (mine[0]!.start !== c.ws[0]!.start || Math.max(...mine.map((x) => x.end)) !== Math.max(...c.ws.map((w) => w.end)))) fail(`${c.speaker}'s turns do not span the words`);
    }
    if (searchText(turns).split(' ').filter(Boolean).length !== channels.reduce((s, c) => s + c.ws.length, 0)) fail('searchText lost words');
  }
  t.same(failures, []);
});
