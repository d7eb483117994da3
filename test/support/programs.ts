/** Finding the programs tests drive: an environment variable naming the file, else the first name found on PATH. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findProgram(envVar: string, names: string[]): string | undefined {
  const given = process.env[envVar];
  if (given) return existsSync(given) ? given : undefined;
  for (const name of names) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const p = r.stdout.trim();
    if (r.status === 0 && p) return p;
  }
  return undefined;
}
