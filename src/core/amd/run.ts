/** Convenience for whole buffers (CLI, bench, tests): stream them through a detector in fixed chunks. */
import type { AmdEvent, AmdVerdict } from './classifier.js';
import { AmdDetector } from './detector.js';
import type { AmdParams } from './params.js';

export interface AmdResult {
  verdict: AmdVerdict;
  reason: string;
  /** Audio time of the verdict (ms from the start). */
  verdictAtMs: number;
  beep?: { startMs: number; endMs: number; freqHz: number };
  greetingEndMs?: number;
  events: AmdEvent[];
  /** Audio actually pushed before the detector was done (ms); the rest was skipped. */
  processedMs: number;
}

/** Run a detector over `samples`, pushing `chunkMs` at a time like a live media stream. */
export function runAmd(
  samples: Int16Array,
  sampleRate: 8000 | 16000,
  params?: Partial<AmdParams>,
  chunkMs = 20,
): AmdResult {
  const det = new AmdDetector(sampleRate, params);
  const chunk = Math.max(1, Math.round((sampleRate * chunkMs) / 1000));
  const events: AmdEvent[] = [];
  let pushed = 0;
  for (let i = 0; i < samples.length && !det.done; i += chunk) {
    const end = Math.min(samples.length, i + chunk);
    for (const e of det.push(samples.subarray(i, end))) events.push(e);
    pushed = end;
  }
  for (const e of det.finish()) events.push(e);
  const res: AmdResult = { verdict: 'unknown', reason: 'none', verdictAtMs: -1, events, processedMs: (pushed * 1000) / sampleRate };
  for (const e of events) {
    if (e.type === 'verdict') {
      res.verdict = e.verdict;
      res.reason = e.reason;
      res.verdictAtMs = e.atMs;
    } else if (e.type === 'beep') {
      res.beep = { startMs: e.startMs, endMs: e.endMs, freqHz: e.freqHz };
    } else {
      res.greetingEndMs = e.atMs;
    }
  }
  return res;
}
