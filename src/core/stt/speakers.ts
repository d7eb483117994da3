/**
 * Who said what when (pure): per-channel transcripts of a call (the
 * customer's leg and the agent's, recorded apart) or of a voicemail message
 * (the caller alone) interleaved into one conversation of turns, and the
 * lower-case text the transcript search matches against.
 *
 * ```
 *   customer channel: [seg]      [seg seg]            (segments, or words cut at pauses >= 0.8 s)
 *   agent channel:         [seg]          [seg]
 *                     |                              sort by start (ties: customer, caller, agent)
 *                     v
 *   turns: customer, agent, customer (two segments < 1.0 s apart: one turn), agent
 * ```
 * - A transcript's segments are its turns; one with no segments has its
 *   words (in time order) grouped into turns, a new turn wherever the pause
 *   from one word's end to the next's start is >= 0.8 s. One with neither
 *   but with text gives a single turn at 0 s, so no words are lost.
 * - Recogniser markup (`<sil>`, `[NOISE]`, `[BLANK_AUDIO]`, `++breath++`,
 *   `word(2)`) is dropped from the text, white space collapsed; a turn left
 *   with no text is dropped.
 * - Turns are sorted by start; equal starts: customer, then caller, then
 *   agent, then the earlier end, then the order given. Then consecutive
 *   turns of one speaker with a gap (the next's start minus the merged
 *   turn's end) < 1.0 s are merged: the earlier start, the later end, the
 *   texts joined by a space. Overlapping ones (negative gap) merge too.
 * - Times are seconds from the start of the audio; a non-finite start is
 *   read as 0, an end before its start (or non-finite) as the start. The
 *   0.8 s and 1.0 s thresholds are compared with a microsecond's leniency,
 *   so a pause written as 0.8 s is one even when 2.8 - 2.0 comes out as
 *   0.7999999999999998.
 */
import type { Transcript } from '../../stt/engine.js';

export type Speaker = 'customer' | 'agent' | 'caller';

export interface Turn {
  speaker: Speaker;
  start: number;
  end: number;
  text: string;
}

/** A pause of at least this many seconds between words starts a new turn (transcripts without segments). */
export const WORD_PAUSE_SEC = 0.8;
/** Consecutive turns of one speaker closer than this many seconds are one turn. */
export const MERGE_GAP_SEC = 1.0;
/** Times are decimal seconds in binary floating point: 2.8 - 2.0 is 0.7999999999999998. Thresholds are compared this leniently. */
const EPS = 1e-6;

const RANK: Record<Speaker, number> = { customer: 0, caller: 1, agent: 2 };

/** Text with recogniser markup dropped and white space collapsed. */
function clean(text: unknown): string {
  if (typeof text !== 'string') return '';
  return text
    .replace(/<[^>]*>|\[[^\]]*\]|\+\+[^+]*\+\+/g, ' ')
    .replace(/(\S)\(\d+\)(?=\s|$)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

function times(start: unknown, end: unknown): { start: number; end: number } {
  const s = typeof start === 'number' && Number.isFinite(start) ? start : 0;
  const e = typeof end === 'number' && Number.isFinite(end) && end >= s ? end : s;
  return { start: s, end: e };
}

function channelTurns(speaker: Speaker, t: Transcript | undefined): Turn[] {
  if (!t) return [];
  const out: Turn[] = [];
  const push = (start: unknown, end: unknown, text: unknown): void => {
    const x = clean(text);
    if (x !== '') out.push({ speaker, ...times(start, end), text: x });
  };
  const segments = Array.isArray(t.segments) ? t.segments : [];
  const words = Array.isArray(t.words) ? t.words : [];
  if (segments.length > 0) {
    for (const s of segments) push(s?.start, s?.end, s?.text);
  } else if (words.length > 0) {
    const ws = words
      .map((w, i) => ({ ...times(w?.start, w?.end), word: clean(w?.word), i }))
      .filter((w) => w.word !== '')
      .sort((a, b) => a.start - b.start || a.i - b.i);
    let group: typeof ws = [];
    const close = (): void => {
      if (group.length > 0) push(group[0]!.start, Math.max(...group.map((w) => w.end)), group.map((w) => w.word).join(' '));
      group = [];
    };
    let lastEnd = -Infinity;
    for (const w of ws) {
      if (group.length > 0 && w.start - lastEnd >= WORD_PAUSE_SEC - EPS) close();
      group.push(w);
      lastEnd = group.length === 1 ? w.end : Math.max(lastEnd, w.end);
    }
    close();
  } else {
    push(0, 0, t.text);
  }
  return out;
}

/** Interleaves per-channel transcripts into turns by time: each channel's segments (or, when a transcript has no segments, its words grouped at pauses >= 0.8 s) become turns; turns are sorted by start (ties: customer first); consecutive turns of the same speaker with a gap < 1.0 s are merged. */
export function turnsOf(channels: { speaker: Speaker; transcript: Transcript }[]): Turn[] {
  const all = (Array.isArray(channels) ? channels : [])
    .filter((c) => c && Object.prototype.hasOwnProperty.call(RANK, c.speaker))
    .flatMap((c) => channelTurns(c.speaker, c.transcript))
    .map((turn, i) => ({ turn, i }));
  all.sort((a, b) => a.turn.start - b.turn.start || RANK[a.turn.speaker] - RANK[b.turn.speaker] || a.turn.end - b.turn.end || a.i - b.i);
  const out: Turn[] = [];
  for (const { turn } of all) {
    const last = out[out.length - 1];
    if (last && last.speaker === turn.speaker && turn.start - last.end < MERGE_GAP_SEC - EPS) {
      last.end = Math.max(last.end, turn.end);
      last.text = `${last.text} ${turn.text}`;
    } else out.push({ ...turn });
  }
  return out;
}

/**
 * Lower-case searchable text: the words of all turns, normalised (lower case, punctuation removed, single spaces).
 * Apostrophes are dropped ("Don't" = "dont"); any other character that is not a letter or a digit separates
 * words ("twenty-five" = "twenty five", "$25.50" = "25 50"). Letters of any script are kept.
 */
export function searchText(turns: Turn[]): string {
  return (Array.isArray(turns) ? turns : [])
    .map((t) => searchWords(t?.text))
    .filter((w) => w !== '')
    .join(' ');
}

/** One text as the search reads it (a stored transcript's words, a query): the same rules as {@link searchText}. */
export function searchWords(text: unknown): string {
  return clean(text)
    .normalize('NFC')
    .toLowerCase()
    .replace(/['\u2019\u02bc]/g, '')
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter((w) => w !== '')
    .join(' ');
}
