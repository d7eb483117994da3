/**
 * pbx list import / pbx dnc import: the arguments, and a file sent chunk by
 * chunk to the campaign API listening on loopback, bad rows by their row in
 * the file while the good rows import; the command itself, its output and
 * exit status.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import t from 'tap';
import { registerCampaigns } from '../../../src/api/campaigns.js';
import { CampaignRunner } from '../../../src/app/campaigns/runner.js';
import { apiOf, CHUNK, importArgs, importFile } from '../../../src/cli/lists.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import type { Router } from '../../../src/core/acd/router.js';
import { CampaignStore } from '../../../src/store/campaigns.js';
import { migrate, openSqlite } from '../../../src/store/db.js';

const config = (() => {
  const r = parseConfigTexts([{ file: 'a.yaml', text: 'sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }\n' }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
})();

t.test('arguments: a list or a new one, known options only; the address and token', async (t) => {
  t.match(importArgs('list', ['import', 'a.csv', '--new', 'Spring', '--number', 'phone', '--country', 'US']), { kind: 'list', file: 'a.csv', create: 'Spring', number: 'phone', country: 'US' });
  t.match(importArgs('list', ['import', 'a.csv']), /--list ID .* or --new NAME/);
  t.match(importArgs('list', ['import', 'a.csv', '--list', 'x', '--new', 'y']), /--list ID .* or --new NAME/);
  t.match(importArgs('dnc', ['import', 'a.csv', '--list', 'x', '--number', 'phone']), /--number: not an option of pbx dnc import/);
  t.match(importArgs('list', ['import', 'a.csv', '--list']), /--list: needs a value/);
  t.match(importArgs('list', ['export']), /the only verb is import/);
  const http = { ...config.daemon.http, host: '0.0.0.0', port: 9090, token: 'a-token-of-16-chars' };
  t.same(apiOf({ ...config, daemon: { ...config.daemon, http } }, undefined, {}), { url: 'http://127.0.0.1:9090', headers: { authorization: 'Bearer a-token-of-16-chars' } });
  t.same(apiOf(undefined, 'http://pbx.example:8080/', { PBX_TOKEN: 't' }), { url: 'http://pbx.example:8080', headers: { authorization: 'Bearer t' } });
});

t.test('a file of 25,003 rows in chunks, with bad rows by row number, into a new list; do-not-call numbers reach the dialer', async (t) => {
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const store = new CampaignStore(db);
  const router = { agentView: () => undefined, poolFor: () => ({ offered: [], waiting: [] }) } as unknown as Router;
  const runner = new CampaignRunner({ store, originate: () => ({ refused: 'none' }), cancel: () => true, router: () => router, config: () => config, emit: () => undefined, onLive: () => undefined, log: pino({ level: 'silent' }), now: Date.now });
  const app = Fastify({ bodyLimit: 50 * 1024 * 1024 });
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 50 * 1024 * 1024 }, (_r, body, done) => done(null, body));
  const TOKEN = 'cli-test-token-123456';
  app.addHook('onRequest', async (req, reply) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply.code(401).send({ error: 'token' });
  });
  registerCampaigns(app, { store, runner: () => runner, config: () => config, log: pino({ level: 'silent' }), now: Date.now });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const api = { url, headers: { authorization: `Bearer ${TOKEN}` } };

  const dir = mkdtempSync(path.join(tmpdir(), 'pbx-cli-'));
  const rows = ['phone,name,plan'];
  const bad = new Set([5, 12_345, 25_001]);
  for (let i = 1; i <= 25_003; i++) rows.push(bad.has(i) ? `not-a-number,Bad ${i},x` : `+1212${String(2000000 + i)},Person ${i},gold`);
  const file = path.join(dir, 'contacts.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  const seen: number[] = [];
  const out = await importFile({ kind: 'list', file, create: 'Spring', number: 'phone', name: 'name' }, api, (done) => seen.push(done));
  t.equal(out.imported, 25_000);
  t.same(out.problems.map((p) => p.row), [5, 12_345, 25_001], "each bad row by its row in the file, across chunks");
  t.match(out.problems[1]!.message, /phone: "not-a-number" is not a valid phone number/);
  t.same(seen, [CHUNK, 2 * CHUNK, 25_003], 'progress after each chunk');
  t.equal((await store.lists()).find((l) => l.id === out.listId)?.name, 'Spring');
  t.equal(Number((await store.lists()).find((l) => l.id === out.listId)?.contacts), 25_000, 'stored');

  const dncFile = path.join(dir, 'dnc.csv');
  writeFileSync(dncFile, '+12122000007\nnope\n2125550199\n');
  const dnc = await importFile({ kind: 'dnc', file: dncFile, create: 'Internal', country: 'US' }, api);
  t.same(dnc.problems, [{ row: 2, message: '"nope" is not a valid phone number' }], 'a headerless file: its second line');
  t.same(await store.dncNumbers(dnc.listId), ['+12122000007', '+12125550199']);
  t.ok(runner.core.onDnc(dnc.listId, '+12122000007'), 'the running dialer knows the number at once');

  // The command itself, as an administrator runs it.
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [path.resolve('src/cli/pbx.mjs'), ...args], { env: { ...process.env, PBX_URL: url, PBX_TOKEN: TOKEN }, cwd: dir });
      let stdout = '', stderr = '';
      p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const small = path.join(dir, 'small.csv');
  writeFileSync(small, 'number,name\n+12125550101,Ann\n+12125550102,Ben\n');
  const ok = await run(['list', 'import', small, '--list', out.listId]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, new RegExp(`contact list ${out.listId}: 2 contacts imported, 0 rows refused`));
  t.match(ok.stderr, /2\/2 rows sent/, 'progress on stderr');
  const some = await run(['dnc', 'import', dncFile, '--list', dnc.listId, '--country', 'US']);
  t.equal(some.code, 1, 'a refused row: status 1');
  t.match(some.stdout, /row 2: "nope" is not a valid phone number/);
  const usage = await run(['list', 'import', small]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /--list ID .* or --new NAME[\s\S]*usage: pbx/);
  // A port nobody listens on any more.
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  const down = await run(['list', 'import', small, '--new', 'X', '--url', `http://127.0.0.1:${closed}`]);
  t.equal(down.code, 1);
  t.match(down.stderr, new RegExp(`no daemon answers at http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED`), 'a daemon that is not there: said so');
});
