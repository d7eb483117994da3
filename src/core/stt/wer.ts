/**
 * Word error rate (pure): the minimum number of substitutions, deletions and insertions
 * that turn the reference's words into the hypothesis's (Levenshtein alignment), over
 * the reference's word count.
 *
 * Both texts are normalised the same way before they are aligned:
 * - lower case; apostrophes dropped ("don't" = "dont"); every other character that is
 *   not a letter or a digit separates words ("twenty-five" = "twenty five", "$25" = "25");
 * - numbers are compared digit by digit, however they are written: a digit string is
 *   its digits ("4521" = "4 5 2 1"), and a run of number words is read as the numbers it
 *   says, each then written as its digits: "four five two one" = "4 5 2 1",
 *   "twenty five" = "2 5", "four thousand five hundred twenty one" = "4 5 2 1",
 *   "twenty twenty four" = "2 0 2 4", "ten thirty" = "1 0 3 0" ("10:30"). "oh" is
 *   zero ("one oh five" = "1 0 5"). So "5" = "five", and a number's errors are counted
 *   per digit. Ordinals and decimals are left as words.
 * - recogniser markup is dropped: alternate-pronunciation marks ("to(3)" = "to") and
 *   fillers such as `<s>`, `<sil>`, `[NOISE]`, `++breath++`.
 */

export type AlignOp =
  | { op: 'ok'; ref: string; hyp: string }
  | { op: 'sub'; ref: string; hyp: string }
  | { op: 'del'; ref: string }
  | { op: 'ins'; hyp: string };

export interface WerResult {
  /** Words in the normalised reference (the denominator). */
  referenceWords: number;
  hypothesisWords: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  /** (substitutions + deletions + insertions) / referenceWords; with an empty reference, 0 if the hypothesis is empty too, else 1. */
  rate: number;
  alignment: AlignOp[];
}

const UNITS: Record<string, number> = {
  zero: 0, oh: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9,
};
const TEENS: Record<string, number> = {
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20, thirty: 30, forty: 40, fourty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};
const SCALES: Record<string, number> = { hundred: 100, thousand: 1000, million: 1_000_000 };

const isNumberWord = (w: string): boolean => w in UNITS || w in TEENS || w in TENS || w in SCALES;

/** Lower-cased words with recogniser markup and punctuation removed (before number handling). */
function rawWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/<[^>]*>|\[[^\]]*\]|\+\+[^+]*\+\+/g, ' ') // <s>, <sil>, [NOISE], ++breath++
    .replace(/\(\d+\)/g, '') // to(3): an alternate pronunciation
    .replace(/['\u2019]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/**
 * Reads one run of number words into the numbers it says. A new number starts where the
 * next word cannot continue the current one: a unit after a unit or a teen ("four five"),
 * a tens word after anything but a scale ("twenty twenty"), zero / oh always on its own.
 */
function readNumberRun(words: string[]): number[] {
  const out: number[] = [];
  let total = 0; // the thousands / millions said so far
  let current = 0; // the part below the last scale word
  let last: 'none' | 'unit' | 'teen' | 'tens' | 'hundred' | 'scale' = 'none';
  const flush = (): void => {
    if (last !== 'none') out.push(total + current);
    total = 0;
    current = 0;
    last = 'none';
  };
  for (const w of words) {
    if (w === 'zero' || w === 'oh') {
      flush();
      out.push(0);
    } else if (w in UNITS) {
      if (last === 'unit' || last === 'teen') flush();
      current += UNITS[w]!;
      last = 'unit';
    } else if (w in TEENS || w in TENS) {
      if (last !== 'none' && last !== 'hundred' && last !== 'scale') flush();
      current += TEENS[w] ?? TENS[w]!;
      last = w in TEENS ? 'teen' : 'tens';
    } else if (w === 'hundred') {
      if (last === 'hundred' || current >= 100) flush();
      current = (current || 1) * 100;
      last = 'hundred';
    } else {
      const scale = SCALES[w]!;
      // "five thousand three thousand": two numbers.
      if (total !== 0 && total % (scale * 1000) !== 0) {
        const keep = current;
        out.push(total);
        total = 0;
        current = keep;
      }
      total += (current || 1) * scale;
      current = 0;
      last = 'scale';
    }
  }
  flush();
  return out;
}

/** The normalised words of a text, as compared by `wordErrorRate`. */
export function normaliseWords(text: string): string[] {
  const words = rawWords(text);
  const out: string[] = [];
  const digits = (s: string): void => {
    for (const ch of s) out.push(ch);
  };
  for (let i = 0; i < words.length; ) {
    const w = words[i]!;
    if (/^\d+$/.test(w)) {
      digits(w);
      i++;
    } else if (isNumberWord(w) && !(w in SCALES)) {
      // A run of number words; "and" after a scale word inside it ("one hundred and
      // five") belongs to it. A run cannot start with a scale word ("hundred" alone).
      const run: string[] = [];
      while (i < words.length) {
        const x = words[i]!;
        if (isNumberWord(x)) run.push(x);
        else if (x === 'and' && run.length > 0 && run[run.length - 1]! in SCALES && i + 1 < words.length && isNumberWord(words[i + 1]!) && !(words[i + 1]! in SCALES)) {
          /* skip */
        } else break;
        i++;
      }
      for (const n of readNumberRun(run)) digits(String(n));
    } else if (w === 'a' && (words[i + 1] === 'hundred' || words[i + 1] === 'thousand')) {
      // "a hundred" = "one hundred"
      words[i] = 'one';
    } else {
      // Letters and digits glued together ("2nd", "a1") stay one word.
      out.push(w);
      i++;
    }
  }
  return out;
}

/** Word error rate of `hypothesis` against `reference`, normalised as the module comment says. */
export function wordErrorRate(reference: string, hypothesis: string): WerResult {
  return alignWords(normaliseWords(reference), normaliseWords(hypothesis));
}

/** Levenshtein alignment of two word lists (already normalised). */
export function alignWords(ref: readonly string[], hyp: readonly string[]): WerResult {
  const n = ref.length, m = hyp.length;
  const w = m + 1;
  const d = new Uint32Array((n + 1) * w);
  for (let i = 0; i <= n; i++) d[i * w] = i;
  for (let j = 0; j <= m; j++) d[j] = j;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const sub = d[(i - 1) * w + j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      const del = d[(i - 1) * w + j]! + 1;
      const ins = d[i * w + j - 1]! + 1;
      d[i * w + j] = Math.min(sub, del, ins);
    }
  }
  // Trace back, preferring a match or substitution, then a deletion, then an insertion.
  const alignment: AlignOp[] = [];
  let s = 0, dl = 0, is = 0;
  let i = n, j = m;
  while (i > 0 || j > 0) {
    const here = d[i * w + j]!;
    if (i > 0 && j > 0 && here === d[(i - 1) * w + j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1)) {
      const same = ref[i - 1] === hyp[j - 1];
      alignment.push({ op: same ? 'ok' : 'sub', ref: ref[i - 1]!, hyp: hyp[j - 1]! });
      if (!same) s++;
      i--;
      j--;
    } else if (i > 0 && here === d[(i - 1) * w + j]! + 1) {
      alignment.push({ op: 'del', ref: ref[i - 1]! });
      dl++;
      i--;
    } else {
      alignment.push({ op: 'ins', hyp: hyp[j - 1]! });
      is++;
      j--;
    }
  }
  alignment.reverse();
  const errors = s + dl + is;
  return {
    referenceWords: n,
    hypothesisWords: m,
    substitutions: s,
    deletions: dl,
    insertions: is,
    rate: n === 0 ? (errors === 0 ? 0 : 1) : errors / n,
    alignment,
  };
}

/** Corpus-level WER: the errors of all utterances over all their reference words (not a mean of rates). */
export function combineWer(results: readonly WerResult[]): { referenceWords: number; substitutions: number; deletions: number; insertions: number; rate: number } {
  const sum = (f: (r: WerResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const referenceWords = sum((r) => r.referenceWords);
  const substitutions = sum((r) => r.substitutions), deletions = sum((r) => r.deletions), insertions = sum((r) => r.insertions);
  const errors = substitutions + deletions + insertions;
  return { referenceWords, substitutions, deletions, insertions, rate: referenceWords === 0 ? (errors === 0 ? 0 : 1) : errors / referenceWords };
}
