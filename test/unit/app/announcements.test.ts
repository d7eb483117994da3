import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { announcementPrompts, fileString, numberPrompts } from '../../../src/app/announcements.js';
import { REPO } from '../../stack/harness.js';

t.test('numbers are said with the shipped digit recordings', async (t) => {
  t.same(numberPrompts(7), ['digits/7.wav']);
  t.same(numberPrompts(42), ['digits/40.wav', 'digits/2.wav']);
  t.equal(numberPrompts(75), undefined);
  t.equal(numberPrompts(-1), undefined);
  for (let n = 0; n < 70; n++) for (const f of numberPrompts(n)!) t.ok(existsSync(path.join(REPO, 'sounds', f)), `sounds/${f} exists`);
});

t.test('position and estimated wait', async (t) => {
  const all = { position: true, estimatedWait: true };
  t.same(announcementPrompts({ position: 3, estimatedWaitMs: 4 * 60_000 }, all), ['queue-position.wav', 'digits/3.wav', 'queue-in-line.wav', 'queue-wait.wav', 'digits/4.wav', 'queue-minutes.wav']);
  t.same(announcementPrompts({ position: 1, estimatedWaitMs: 20_000 }, { position: false, estimatedWait: true }), ['queue-under-minute.wav']);
  t.same(announcementPrompts({ position: 2 }, all), ['queue-position.wav', 'digits/2.wav', 'queue-in-line.wav'], 'no estimate: position only');
  t.same(announcementPrompts({ position: 500, estimatedWaitMs: 90 * 60_000 }, all), [], 'what cannot be said is left out');
  t.equal(fileString(['a.wav', 'b.wav'], '/s'), 'file_string:///s/a.wav!/s/b.wav');
  for (const f of ['queue-position.wav', 'queue-in-line.wav', 'queue-wait.wav', 'queue-minute.wav', 'queue-minutes.wav', 'queue-under-minute.wav']) t.ok(existsSync(path.join(REPO, 'sounds', f)), f);
});
