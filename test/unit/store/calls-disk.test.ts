import t from 'tap';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { sql } from 'kysely';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { CallStore } from '../../../src/store/calls.js';

const fresh = async () => {
  const db = openSqlite(path.join(mkdtempSync(path.join(os.tmpdir(), 'cc-disk-')), 'pbx.sqlite'));
  await migrate(db);
  return db;
};
const count = async (db: Awaited<ReturnType<typeof fresh>>) => Number((await sql<{ n: number }>`select count(*) as n from calls`.execute(db)).rows[0]!.n);
const until = async (what: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

t.test('a full disk: records wait in memory, in order, and are all written once there is room', async (t) => {
  const db = await fresh();
  t.teardown(() => db.destroy());
  const store = new CallStore(db, pino({ level: 'silent' }), { maxPending: 10_000, retryMs: 20, maxRetryMs: 100 });
  t.teardown(() => store.stop());
  const pages = Number((await sql<{ page_count: number }>`pragma page_count`.execute(db)).rows[0]!.page_count);
  await sql.raw(`pragma max_page_count = ${pages}`).execute(db); // SQLite itself now answers SQLITE_FULL
  const big = 'x'.repeat(3_000);
  for (let i = 0; i < 50; i++) {
    store.create({ id: `c${i}`, node_id: 'n', direction: 'inbound', arrived_at: i, caller_name: big });
    store.update(`c${i}`, { disposition: 'answered' });
  }
  await until(() => store.failing !== undefined);
  t.match(store.failing, /^SQLITE_FULL/, 'the store says why writes fail');
  t.ok(store.backlog > 0, `${store.backlog} writes wait`);
  t.equal(store.lost, 0, 'none is lost');
  await sql`pragma max_page_count = 1073741823`.execute(db); // room again
  await store.flush();
  t.equal(store.failing, undefined, 'writes resumed');
  t.equal(await count(db), 50, 'every record was written');
  const answered = Number((await sql<{ n: number }>`select count(*) as n from calls where disposition = 'answered'`.execute(db)).rows[0]!.n);
  t.equal(answered, 50, 'in order: each update after its create');
});

t.test('a read-only database: the same; past maxPending the oldest writes are dropped and counted', async (t) => {
  const db = await fresh();
  t.teardown(() => db.destroy());
  const lost: number[] = [];
  const store = new CallStore(db, pino({ level: 'silent' }), { maxPending: 10, retryMs: 20, maxRetryMs: 50, onLost: (n) => lost.push(n) });
  t.teardown(() => store.stop());
  await sql`pragma query_only = 1`.execute(db);
  for (let i = 0; i < 15; i++) store.create({ id: `r${i}`, node_id: 'n', direction: 'inbound', arrived_at: i });
  await until(() => store.failing !== undefined);
  t.match(store.failing, /^SQLITE_READONLY/);
  t.equal(store.lost, 5, 'five dropped for the backlog of ten');
  t.equal(lost.length, 5, 'and reported');
  await sql`pragma query_only = 0`.execute(db);
  await store.flush();
  t.equal(await count(db), 10, 'the ten kept were written');
});

t.test('a write the database refuses for good is dropped and does not block the others', async (t) => {
  const db = await fresh();
  t.teardown(() => db.destroy());
  const store = new CallStore(db, pino({ level: 'silent' }));
  store.create({ id: 'dup', node_id: 'n', direction: 'inbound', arrived_at: 1 });
  store.create({ id: 'dup', node_id: 'n', direction: 'inbound', arrived_at: 2 });
  store.create({ id: 'after', node_id: 'n', direction: 'inbound', arrived_at: 3 });
  await store.flush();
  t.equal(store.lost, 1);
  t.equal(await count(db), 2);
});
