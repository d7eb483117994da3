/** " (did you mean "x"?)" for a misspelt name: the closest candidate within a few edits, or ''. */
export function suggest(word: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestD = Math.min(3, Math.ceil(word.length / 2));
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined ? ` (did you mean "${best}"?)` : '';
}

/** Levenshtein distance with one row of memory. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}
