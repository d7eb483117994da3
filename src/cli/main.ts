#!/usr/bin/env node
/**
 * pbx — the daemon's command line.
 *   pbx run [--config DIR]          start the daemon
 *   pbx config check [DIR]          validate a configuration directory without starting
 *   pbx config schema               print the JSON Schema of a configuration file (for editors)
 *   pbx drachtio-conf [DIR]         print drachtio-server's configuration file for the configured transports
 *   pbx backup FILE [--config DIR]  online backup of the database (safe while the daemon runs)
 */
import { loadConfigDir, formatConfigError } from '../config/load.js';
import { configFileSchema } from '../config/json-schema.js';
import { drachtioConf } from '../sip/drachtio-conf.js';
import { makeLogger, startDaemon } from '../app/daemon.js';
import { backupSqlite } from '../store/backup.js';
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
  console.error('usage: pbx run [--config DIR] | pbx config check [DIR] | pbx config schema | pbx drachtio-conf [DIR] | pbx backup FILE [--config DIR]');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
