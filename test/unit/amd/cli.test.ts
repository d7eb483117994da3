import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Track } from './fixtures/synth.js';
import { pcmWav as wav16 } from '../../support/audio.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

t.test('amd CLI prints one tab-separated line per file and reports bad files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'amd-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const machine = join(dir, 'machine.wav');
  const human = join(dir, 'human.wav');
  const bad = join(dir, 'bad.wav');
  writeFileSync(machine, wav16(new Track(8000, 9000).noise(-62, 5).speech(500, 4500, 10).tone(850, -16, 5100, 5600).pcm(), 8000));
  writeFileSync(human, wav16(new Track(16000, 6000).noise(-62, 5).speech(600, 1100, 7).pcm(), 16000));
  writeFileSync(bad, 'this is a text file, not a wav recording at all');
  const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [join(repoRoot, 'src/cli/amd.ts'), machine, bad, human], { encoding: 'utf8', cwd: dir });
  t.equal(r.status, 1, 'non-zero exit because one file failed');
  const lines = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  t.equal(lines.length, 2, 'one line per good file');
  t.equal(lines[0]![0], machine);
  t.equal(lines[0]![1], 'machine');
  t.match(lines[0]![2], /^\d+$/);
  t.ok(Math.abs(Number(lines[0]![3]) - 5600) <= 30, `beep end ${lines[0]![3]}`);
  t.same([lines[1]![0], lines[1]![1], lines[1]![3]], [human, 'human', '-']);
  t.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a RIFF file`));

  const p = spawnSync(tsx, [join(repoRoot, 'src/cli/amd.ts'), '--param', 'machineSpeechMs=1500', machine], { encoding: 'utf8' });
  t.equal(p.status, 0);
  t.match(p.stdout, /\tmachine\t/);
  const badParam = spawnSync(tsx, [join(repoRoot, 'src/cli/amd.ts'), '--param', 'nope=1', machine], { encoding: 'utf8' });
  t.equal(badParam.status, 2);
  t.match(badParam.stderr, /nope: unknown parameter/);
});
