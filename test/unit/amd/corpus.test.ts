/**
 * Development-corpus checks with the default parameters, over ../shared/amd-corpus
 * relative to the repository root, or $AMD_CORPUS (the corpus root):
 * - dev (clean clips): accuracy >= 99% (unknown counts as wrong), beeps found >= 95%;
 * - dev-hard (the same under real-line conditions): accuracy >= 95% overall, >= 90% for
 *   every speaker and every condition.
 * Each set is skipped, with one line saying so, when it is not present.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWav } from '../../../src/audio/wav.js';
import { runAmd } from '../../../src/core/amd/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const base = process.env.AMD_CORPUS ? resolve(process.env.AMD_CORPUS) : join(repoRoot, '..', 'shared', 'amd-corpus');

interface Outcome {
  file: string;
  label: string;
  speaker: string;
  condition: string;
  ok: boolean;
  beep: boolean;
  beepFound: boolean;
}

function runSet(dir: string): Outcome[] {
  const lines = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split(/\r?\n/);
  const header = lines.shift()!.split(',');
  const col = (n: string): number => header.indexOf(n);
  return lines.map((line) => {
    const c = line.split(',');
    const w = parseWav(readFileSync(join(dir, c[col('file')]!)));
    if (w.sampleRate !== 8000 && w.sampleRate !== 16000) throw new Error(`${c[col('file')]}: sample rate ${w.sampleRate}`);
    const r = runAmd(w.samples, w.sampleRate);
    return {
      file: c[col('file')]!,
      label: c[col('label')]!,
      speaker: c[col('speaker')] ?? '?',
      condition: col('condition') >= 0 ? c[col('condition')]! : 'clean',
      ok: r.verdict === c[col('label')],
      beep: c[col('beep')] === 'yes',
      beepFound: r.beep !== undefined,
    };
  });
}

const share = (o: Outcome[]): number => o.filter((x) => x.ok).length / o.length;
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

for (const [set, minAll, minPart] of [
  ['dev', 0.99, 0],
  ['dev-hard', 0.95, 0.9],
] as const) {
  const dir = existsSync(join(base, set, 'labels.csv')) ? join(base, set) : base.endsWith(set) ? base : join(base, set);
  const missing = existsSync(join(dir, 'labels.csv')) ? false : `AMD corpus set ${set} not found at ${dir} (set AMD_CORPUS to the corpus root)`;
  t.test(`${set} accuracy`, { skip: missing }, async (t) => {
    const out = runSet(dir);
    const wrong = out.filter((o) => !o.ok).map((o) => `${o.file} (${o.label}, ${o.speaker}, ${o.condition})`);
    t.comment(`${set}: ${out.filter((o) => o.ok).length}/${out.length}${wrong.length ? `; wrong: ${wrong.join(', ')}` : ''}`);
    t.ok(share(out) >= minAll, `accuracy ${pct(share(out))} >= ${pct(minAll)}`);
    if (minPart > 0) {
      for (const key of ['speaker', 'condition'] as const) {
        for (const v of [...new Set(out.map((o) => o[key]))]) {
          const part = out.filter((o) => o[key] === v);
          t.ok(share(part) >= minPart, `${key} ${v}: ${pct(share(part))} >= ${pct(minPart)}`);
        }
      }
    }
    const beeps = out.filter((o) => o.beep);
    const found = beeps.filter((o) => o.beepFound).length;
    t.ok(found >= 0.95 * beeps.length, `beeps found ${found}/${beeps.length}`);
  });
}
