import t from 'tap';
import { ContactStore, normalizeNumber, parseContactsCsv } from '../../../src/store/contacts.js';
import { migrate, openSqlite } from '../../../src/store/db.js';

t.test('bad rows are reported by row number and the good rows are kept', async (t) => {
  const csv = 'number,name,company\n+1 555 0100,Ada Lovelace,Analytical\nnot-a-number,Bob\n+15550102,\n15550103,Carol\n"+15550104","Dan ""D"" Smith",ACME,extra\n';
  const r = parseContactsCsv(csv);
  t.same(r.rows, [{ number: '+15550100', name: 'Ada Lovelace', company: 'Analytical' }, { number: '15550103', name: 'Carol' }]);
  t.same(r.problems.map((p) => p.row), [3, 4, 6]);
  t.match(r.problems[0]!.message, /number: "not-a-number"/);
  t.match(r.problems[1]!.message, /name: missing/);
  t.match(r.problems[2]!.message, /got 4 columns/);
});

t.test('a broken quote is reported with its line', async (t) => {
  const r = parseContactsCsv('+15550100,"Ada\n');
  t.equal(r.rows.length, 0);
  t.equal(r.problems.length, 1);
  t.ok(r.problems[0]!.row >= 1);
});

t.test('imported contacts are found whatever the number format', async (t) => {
  const db = openSqlite(':memory:');
  await migrate(db);
  const store = new ContactStore(db);
  t.equal(await store.import(parseContactsCsv('+15550100,Ada Lovelace,Analytical\n15550103,Carol\n').rows), 2);
  t.equal(await store.nameOf('15550100'), 'Ada Lovelace (Analytical)');
  t.equal(await store.nameOf('+15550103'), 'Carol');
  t.equal(await store.nameOf('+19999999'), undefined);
  t.equal(normalizeNumber('(555) 010-0'), '5550100');
  await db.destroy();
});
