import t from 'tap';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { CallStore, type RecordingRow } from '../../../src/store/calls.js';
import { recordingsHealth, sweepRecordings } from '../../../src/app/calls/recordings.js';

const DAY = 86_400_000;

t.test('the retention sweeper deletes expired files only, marks them deleted and logs each', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-rec-'));
  const db = openSqlite(path.join(dir, 'pbx.sqlite'));
  await migrate(db);
  t.teardown(() => db.destroy());
  const calls = new CallStore(db, pino({ level: 'silent' }), { maxPending: 1_000, retryMs: 20, maxRetryMs: 100 });
  t.teardown(() => calls.stop());
  const now = 100 * DAY;
  const row = (id: string, expiresAt: number | null): RecordingRow => ({ id, call_id: id.split('-')[0]!, segment: 1, agent_id: 'a1', queue_id: 'support', file: `${id}.wav`, started_at: now - 40 * DAY, ended_at: now - 40 * DAY, status: 'done', error: null, expires_at: expiresAt, deleted_at: null });
  for (const [id, exp] of [['old-1', now - DAY], ['new-1', now + DAY], ['kept-1', null], ['gone-1', now - 2 * DAY]] as const) {
    calls.recordingStarted(row(id, exp));
    if (id !== 'gone-1') writeFileSync(path.join(dir, `${id}.wav`), 'RIFF');
  }
  await calls.flush();
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  t.equal(await sweepRecordings(calls, dir, now, log), 2, 'two past their retention (one whose file is already gone)');
  await calls.flush();
  t.notOk(existsSync(path.join(dir, 'old-1.wav')), 'the expired file is deleted');
  t.ok(existsSync(path.join(dir, 'new-1.wav')) && existsSync(path.join(dir, 'kept-1.wav')), 'the others stay');
  t.same((await calls.recording('old-1'))?.status, 'deleted');
  t.same((await calls.recording('old-1'))?.deleted_at, now);
  t.same((await calls.recording('new-1'))?.status, 'done');
  t.same(lines.filter((l) => l.msg === 'recording deleted: retention over').map((l) => l.recording).sort(), ['gone-1', 'old-1'], 'each deletion is logged');
  t.equal(await sweepRecordings(calls, dir, now, log), 0, 'a second sweep finds nothing');
});

t.test('/healthz: recordings degraded for 15 minutes after a failure', async (t) => {
  t.match(recordingsHealth(Date.now()), { name: 'recordings', up: true });
  const { recordingHealth } = await import('../../../src/app/calls/recordings.js');
  recordingHealth.last = { at: 1_000_000, error: 'disk full', callId: 'c1' };
  recordingHealth.failures = 1;
  t.match(recordingsHealth(1_000_000 + 60_000), { up: false, detail: /disk full.*c1/ });
  t.match(recordingsHealth(1_000_000 + 16 * 60_000), { up: true });
});
