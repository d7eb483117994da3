/**
 * Answering-machine detection over WAV files, streamed in 20 ms chunks as on a live call.
 *
 *   npm run --silent amd -- [--param name=value ...] [--events] FILE.wav [FILE.wav ...]
 *
 * Prints per file: path<TAB>verdict<TAB>decision ms<TAB>beep end ms or "-".
 * With --events, also prints every event as JSON on the following line(s), indented.
 * Bad files are reported on stderr; the exit code is 1 if any file failed, 2 on usage errors.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseWav } from '../audio/wav.js';
import { amdParamNames, runAmd, validateAmdParams, type AmdParams } from '../core/amd/index.js';

const USAGE = `usage: amd [--param name=value ...] [--events] FILE.wav [FILE.wav ...]
params: ${amdParamNames.join(', ')}`;

function main(argv: string[]): number {
  const files: string[] = [];
  const params: Record<string, unknown> = {};
  let showEvents = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    } else if (a === '--events') {
      showEvents = true;
    } else if (a === '--param' || a.startsWith('--param=')) {
      const kv = a === '--param' ? argv[++i] : a.slice('--param='.length);
      const m = kv === undefined ? null : /^([A-Za-z]\w*)=(.*)$/.exec(kv);
      if (!m) {
        console.error(`amd: --param needs name=value, got ${kv === undefined ? 'nothing' : JSON.stringify(kv)}\n${USAGE}`);
        return 2;
      }
      const value = Number(m[2]);
      if (m[2]!.trim() === '' || !Number.isFinite(value)) {
        console.error(`amd: --param ${m[1]}: ${JSON.stringify(m[2])} is not a number`);
        return 2;
      }
      params[m[1]!] = value;
    } else if (a === '--') {
      files.push(...argv.slice(i + 1));
      break;
    } else if (a.startsWith('--')) {
      console.error(`amd: unknown option ${a}\n${USAGE}`);
      return 2;
    } else {
      files.push(a);
    }
  }
  const problems = validateAmdParams(params);
  if (problems.length > 0) {
    for (const p of problems) console.error(`amd: --param ${p}`);
    return 2;
  }
  if (files.length === 0) {
    console.error(USAGE);
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    try {
      // `npm run` moves to the package root; INIT_CWD is where the user typed the command.
      const wav = parseWav(readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), file)));
      if (wav.sampleRate !== 8000 && wav.sampleRate !== 16000) {
        throw new Error(`unsupported sample rate ${wav.sampleRate} Hz (AMD needs 8000 or 16000)`);
      }
      const r = runAmd(wav.samples, wav.sampleRate, params as Partial<AmdParams>, 20);
      console.log([file, r.verdict, String(r.verdictAtMs), r.beep ? String(r.beep.endMs) : '-'].join('\t'));
      if (showEvents) for (const e of r.events) console.log(`  ${JSON.stringify(e)}`);
    } catch (err) {
      failed++;
      const msg = err instanceof Error ? err.message : String(err);
      console.error(`amd: ${file}: ${msg}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
