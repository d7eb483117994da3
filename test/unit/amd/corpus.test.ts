/**
 * Development-corpus check: accuracy >= 95% (unknown counts as wrong) over
 * ../shared/amd-corpus/dev relative to the repository root, or $AMD_CORPUS.
 * Skipped, with one line saying so, when the corpus is not present.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWav } from '../../../src/audio/wav.js';
import { runAmd } from '../../../src/core/amd/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const base = process.env.AMD_CORPUS ? resolve(process.env.AMD_CORPUS) : join(repoRoot, '..', 'shared', 'amd-corpus');
const dir = existsSync(join(base, 'labels.csv')) ? base : join(base, 'dev');

const missing = existsSync(join(dir, 'labels.csv')) ? false : `AMD corpus not found at ${dir} (set AMD_CORPUS)`;

t.test('dev corpus accuracy', { skip: missing }, async (t) => {
  const lines = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split(/\r?\n/);
  const header = lines.shift()!.split(',');
  const fi = header.indexOf('file'), li = header.indexOf('label'), bi = header.indexOf('beep');
  let ok = 0, beeps = 0, beepsFound = 0;
  const wrong: string[] = [];
  for (const line of lines) {
    const c = line.split(',');
    const w = parseWav(readFileSync(join(dir, c[fi]!)));
    t.ok(w.sampleRate === 8000 || w.sampleRate === 16000, `${c[fi]} sample rate`);
    const r = runAmd(w.samples, w.sampleRate as 8000 | 16000);
    if (r.verdict === c[li]) ok++;
    else wrong.push(`${c[fi]}: ${c[li]} -> ${r.verdict}`);
    if (c[bi] === 'yes') {
      beeps++;
      if (r.beep) beepsFound++;
    }
  }
  const acc = ok / lines.length;
  t.comment(`accuracy ${ok}/${lines.length}, beeps found ${beepsFound}/${beeps}${wrong.length ? `; wrong: ${wrong.join(', ')}` : ''}`);
  t.ok(acc >= 0.95, `accuracy ${(100 * acc).toFixed(1)}% >= 95%`);
  t.ok(beepsFound >= 0.95 * beeps, `beeps found ${beepsFound}/${beeps}`);
});
