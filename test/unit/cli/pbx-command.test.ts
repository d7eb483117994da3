/**
 * The `pbx` command as the README shows it: `npx pbx ...` from the repository after
 * `npm ci` (package.json "bin"), not only `npm run pbx`.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function npx(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['--no-install', 'pbx', ...args], { cwd: repo, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

t.test('npx pbx config check config/ validates the shipped configuration', async (t) => {
  const r = await npx(['config', 'check', 'config/']);
  t.equal(r.code, 0, `exit code 0 (stderr: ${r.stderr.trim()})`);
  t.match(r.stdout, /config\/: OK \(\d+ files, \d+ agents, \d+ queues, \d+ numbers\)/);
});

t.test('npx pbx config check names the file, line and field of an error', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pbx-cli-'));
  cpSync(path.join(repo, 'config'), dir, { recursive: true });
  writeFileSync(path.join(dir, 'queues.yaml'), 'queues:\n  sales:\n    strategy: loudest\n');
  const r = await npx(['config', 'check', dir]);
  t.equal(r.code, 1, 'exit code 1');
  t.match(r.stderr, /queues\.yaml:3:\d+: .*strategy/, `stderr names file, line and field: ${r.stderr.trim().split('\n')[0]}`);
});

t.test('npx pbx with an unknown verb prints the usage', async (t) => {
  const r = await npx(['frobnicate']);
  t.not(r.code, 0);
  t.match(r.stderr + r.stdout, /pbx run/);
});

t.test('npx pbx config schema prints a JSON Schema each shipped file passes and a typo fails', async (t) => {
  const r = await npx(['config', 'schema']);
  t.equal(r.code, 0, r.stderr);
  const schema = JSON.parse(r.stdout) as Record<string, unknown>;
  t.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const { Ajv } = await import('ajv');
  const { parse } = await import('yaml');
  const { readdirSync, readFileSync } = await import('node:fs');
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  const files = readdirSync(path.join(repo, 'config')).filter((f) => f.endsWith('.yaml'));
  t.ok(files.length >= 5);
  for (const f of files) {
    // ${VAR} references (daemon.yaml) are allowed where numbers and lists of values are.
    const doc = parse(readFileSync(path.join(repo, 'config', f), 'utf8')) as unknown;
    const ok = validate(doc);
    t.ok(ok, `${f} passes (${JSON.stringify(validate.errors?.slice(0, 2))})`);
  }
  t.notOk(validate({ queues: { sales: { strategy: 'round-robin', wrapupSec: 5 } } }), 'an unknown field fails');
  t.notOk(validate({ queues: { sales: { strategy: 'loudest' } } }), 'a value outside the list fails');
  t.ok(validate({ daemon: { http: { port: '${HTTP_PORT:-8080}' } } }), 'an environment reference where a number goes');
  t.notOk(validate({ daemon: { http: { port: 'eighty' } } }), 'but not any string');
});
