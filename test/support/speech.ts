/**
 * Known speech for tests: espeak-ng says a sentence, sox makes it telephone
 * audio (8 kHz, 300-3400 Hz), returned as 16-bit linear samples (or written as
 * a WAV). Both are Debian packages (.ci/run installs them).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseWav, pcm16Wav } from '../../src/audio/wav.js';
import { findProgram } from './programs.js';

/** Why speech cannot be made here, or undefined. */
export function speechMissing(): string | undefined {
  const missing = ['espeak-ng', 'sox'].filter((p) => !findProgram(`${p.replace('-', '_').toUpperCase()}_BIN`, [p]));
  return missing.length ? `speech test skipped: ${missing.join(' and ')} not installed (apt-get install espeak-ng sox)` : undefined;
}

/** `text` spoken by espeak-ng's `voice`, as 8 kHz telephone-band samples. */
export function speak(text: string, voice = 'en-us'): Int16Array {
  const dir = mkdtempSync(path.join(tmpdir(), 'speech-'));
  try {
    const raw = path.join(dir, 'raw.wav');
    const tel = path.join(dir, 'tel.wav');
    execFileSync('espeak-ng', ['-v', voice, '-s', '150', '-w', raw, text]);
    execFileSync('sox', [raw, '-r', '8000', '-b', '16', '-e', 'signed-integer', tel, 'sinc', '300-3400']);
    return parseWav(readFileSync(tel)).samples;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Silence, then the samples, then silence: a WAV at 8 kHz. */
export function padded(samples: Int16Array, beforeSec: number, afterSec: number): Buffer {
  const out = new Int16Array(Math.round((beforeSec + afterSec) * 8000) + samples.length);
  out.set(samples, Math.round(beforeSec * 8000));
  return pcm16Wav(out, 8000);
}
