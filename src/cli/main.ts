#!/usr/bin/env node
/**
 * pbx — the daemon's command line.
 *   pbx run [--config DIR]          start the daemon
 *   pbx config check [DIR]          validate a configuration directory without starting
 *   pbx config schema               print the JSON Schema of a configuration file (for editors)
 *   pbx drachtio-conf [DIR]         print drachtio-server's configuration file for the configured transports
 *   pbx backup FILE [--config DIR]  online backup of the database (safe while the daemon runs)
 *   pbx list import FILE ...        a CSV into a contact list, through the running daemon (src/cli/lists.ts)
 *   pbx dnc import FILE ...         numbers into a do-not-call list, likewise
 */
import { loadConfigDir, formatConfigError } from '../config/load.js';
import { configFileSchema } from '../config/json-schema.js';
import { drachtioConf } from '../sip/drachtio-conf.js';
import { makeLogger, startDaemon } from '../app/daemon.js';
import { backupSqlite } from '../store/backup.js';
import { apiOf, importArgs, importFile } from './lists.js';
import path from 'node:path';
import { existsSync } from 'node:fs';

const DEFAULT_DIR = process.env.PBX_CONFIG_DIR ?? 'config';

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const flagDir = (() => {
    const i = rest.indexOf('--config');
    return i >= 0 ? rest[i + 1] : undefined;
  })();
  switch (verb) {
    case 'config': {
      if (rest[0] === 'schema') {
        console.log(JSON.stringify(configFileSchema(), null, 2));
        return 0;
      }
      if (rest[0] !== 'check') return usage();
      const dir = rest[1] ?? flagDir ?? DEFAULT_DIR;
      const r = await loadConfigDir(dir);
      if (!r.ok) {
        for (const e of r.errors) console.error(formatConfigError(e));
        console.error(`${r.errors.length} problem(s) in ${dir}`);
        return 1;
      }
      console.log(`${dir}: OK (${r.files.length} files, ${Object.keys(r.config.agents).length} agents, ${Object.keys(r.config.queues).length} queues, ${Object.keys(r.config.numbers).length} numbers)`);
      return 0;
    }
    case 'backup': {
      const dest = rest.find((a, i) => !a.startsWith('--') && rest[i - 1] !== '--config');
      if (!dest) return usage();
      const r = await loadConfigDir(flagDir ?? DEFAULT_DIR);
      if (!r.ok) {
        for (const e of r.errors) console.error(formatConfigError(e));
        return 1;
      }
      const source = path.resolve(r.config.daemon.dataDir, 'pbx.sqlite');
      if (!existsSync(source)) {
        console.error(`backup: no database at ${source} (daemon.dataDir in ${flagDir ?? DEFAULT_DIR})`);
        return 1;
      }
      let shown = -1;
      const { pages } = await backupSqlite(source, dest, (done, total) => {
        const pct = total ? Math.floor((done / total) * 100) : 100;
        if (pct !== shown) process.stderr.write(`\rbacking up ${source}: ${(shown = pct)}%`);
      });
      process.stderr.write(`\n${dest}: ${pages} pages\n`);
      return 0;
    }
    case 'list':
    case 'dnc': {
      const a = importArgs(verb, rest);
      if (typeof a === 'string') {
        console.error(a);
        return usage();
      }
      // The daemon's address and token from the config, when there is one (PBX_URL, PBX_TOKEN, --url otherwise).
      const dir = flagDir ?? DEFAULT_DIR;
      const r = existsSync(dir) ? await loadConfigDir(dir) : undefined;
      if (r && !r.ok) {
        for (const e of r.errors) console.error(formatConfigError(e));
        return 1;
      }
      const urlAt = rest.indexOf('--url');
      const api = apiOf(r?.config, urlAt >= 0 ? rest[urlAt + 1] : undefined);
      const started = Date.now();
      const out = await importFile(a, api, (done, total) => process.stderr.write(`\r${a.file}: ${done}/${total} rows sent`)).catch((err: Error & { cause?: { code?: string; message?: string } }) => {
        const unreachable = err.message === 'fetch failed';
        console.error(`\n${a.file}: not imported: ${unreachable ? `no daemon answers at ${api.url} (${err.cause?.code ?? (err.cause as Error | undefined)?.message ?? 'unreachable'}; is it running? --url or PBX_URL)` : err.message}`);
        return undefined;
      });
      if (!out) return 1;
      process.stderr.write('\n');
      for (const p of out.problems) console.log(`row ${p.row}: ${p.message}`);
      console.log(`${a.kind === 'list' ? 'contact list' : 'do-not-call list'} ${out.listId}: ${out.imported} ${a.kind === 'list' ? 'contacts imported' : 'numbers added'}, ${out.problems.length} rows refused, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return out.problems.length ? 1 : 0;
    }
    case 'drachtio-conf': {
      const dir = rest[0] ?? flagDir ?? DEFAULT_DIR;
      const r = await loadConfigDir(dir);
      if (!r.ok) {
        for (const e of r.errors) console.error(formatConfigError(e));
        return 1;
      }
      process.stdout.write(drachtioConf(r.config));
      return 0;
    }
    case 'run': {
      const dir = flagDir ?? rest[0] ?? DEFAULT_DIR;
      const r = await loadConfigDir(dir);
      if (!r.ok) {
        for (const e of r.errors) console.error(formatConfigError(e));
        console.error('not starting: the configuration is invalid');
        return 1;
      }
      const log = makeLogger(r.config.daemon.logLevel);
      const daemon = await startDaemon(dir, r.config, log);
      // Last resort: a library error that escapes every handler is logged and counted, and the calls in
      // progress go on (a crash would drop every call still ringing or queued).
      for (const kind of ['uncaughtException', 'unhandledRejection'] as const) {
        process.on(kind, (err: unknown) => {
          daemon.metrics.internalErrors.inc({ kind });
          log.error({ kind, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'internal error escaped its handler; the daemon keeps running');
        });
      }
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          log.info({ sig }, 'stopping');
          void daemon.stop().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      return 0;
    }
    default:
      return usage();
  }
}

function usage(): number {
  console.error(
    [
      'usage: pbx run [--config DIR] | pbx config check [DIR] | pbx config schema | pbx drachtio-conf [DIR] | pbx backup FILE [--config DIR]',
      '       pbx list import FILE (--list ID | --new NAME) [--number COL] [--name COL] [--time-zone COL] [--country CC] [--config DIR] [--url URL]',
      '       pbx dnc import FILE (--list ID | --new NAME) [--country CC] [--config DIR] [--url URL]',
    ].join('\n'),
  );
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
