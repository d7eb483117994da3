import t from 'tap';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { backupSqlite } from '../../../src/store/backup.js';

t.test('an online backup of a database that is being written to is a complete, consistent copy', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-backup-'));
  const file = path.join(dir, 'pbx.sqlite');
  const db = openSqlite(file);
  await migrate(db);
  t.teardown(() => db.destroy());
  const rows = Array.from({ length: 5_000 }, (_, i) => ({ id: `c${i}`, node_id: 'n1', direction: 'inbound' as const, arrived_at: i }));
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('calls').values(rows.slice(i, i + 500)).execute();
  // Writes go on while the backup runs.
  let writing = true;
  let extra = 0;
  const writer = (async () => {
    while (writing) {
      await db.insertInto('calls').values({ id: `w${extra++}`, node_id: 'n1', direction: 'inbound', arrived_at: 0 }).execute();
      await new Promise((r) => setImmediate(r));
    }
  })();
  const progress: number[] = [];
  const dest = path.join(dir, 'copy.sqlite');
  const r = await backupSqlite(file, dest, (done, total) => progress.push(done / total));
  writing = false;
  await writer;
  t.ok(r.pages > 0);
  t.ok(extra > 0, `the daemon's writes went on meanwhile (${extra})`);
  t.ok(progress.length > 0 && progress.at(-1) === 1, 'progress reaches 100%');
  const copy = new SQLite(dest, { readonly: true });
  t.teardown(() => copy.close());
  t.equal(copy.pragma('integrity_check', { simple: true }), 'ok', 'the copy passes an integrity check');
  const n = (copy.prepare("select count(*) as n from calls where id like 'c%'").get() as { n: number }).n;
  t.equal(n, 5_000, 'every row written before the backup is in the copy');
});
