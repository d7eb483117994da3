/**
 * Keeps the running configuration: reloads on SIGHUP and when a file in the
 * directory changes. An invalid edit is reported and the last good
 * configuration stays in force.
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { formatConfigError, loadConfigDir, type ConfigError } from './load.js';
import type { Config } from './schema.js';

export interface ReloaderEvents {
  change: [config: Config, previous: Config];
  invalid: [errors: ConfigError[]];
}

export class ConfigReloader extends EventEmitter<ReloaderEvents> {
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  private reloading: Promise<void> = Promise.resolve();
  private readonly onHup = () => this.scheduleReload('SIGHUP', 0);

  constructor(
    readonly dir: string,
    public current: Config,
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    super();
  }

  start(): void {
    process.on('SIGHUP', this.onHup);
    try {
      // Editors write through temp files and renames; a short debounce folds those into one reload.
      this.watcher = watch(this.dir, (_event, name) => {
        if (name && /\.ya?ml$/.test(name)) this.scheduleReload(`file ${name}`, 150);
      });
    } catch (err) {
      this.log.warn({ err, dir: this.dir }, 'cannot watch config directory; reload with SIGHUP');
    }
  }

  stop(): void {
    process.off('SIGHUP', this.onHup);
    this.watcher?.close();
    clearTimeout(this.debounce);
  }

  private scheduleReload(reason: string, delayMs: number): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.reloading = this.reloading.then(async () => {
        await this.reload(reason);
      });
    }, delayMs);
  }

  /** Loads the directory again; resolves once the outcome has been applied or rejected. */
  async reload(reason = 'request'): Promise<{ ok: boolean; errors: ConfigError[] }> {
    const result = await loadConfigDir(this.dir, this.env);
    if (!result.ok) {
      for (const e of result.errors) this.log.error({ file: e.file, line: e.line, field: e.field }, `config rejected: ${formatConfigError(e)}`);
      this.log.warn({ reason, errors: result.errors.length }, 'configuration reload rejected; the running configuration stays in force');
      this.emit('invalid', result.errors);
      return { ok: false, errors: result.errors };
    }
    const previous = this.current;
    this.current = result.config;
    this.log.info({ reason, files: result.files.length }, 'configuration reloaded');
    this.emit('change', result.config, previous);
    return { ok: true, errors: [] };
  }
}
