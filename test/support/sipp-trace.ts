/**
 * Reads SIPp's -trace_msg logs: every message with the microsecond wall-clock
 * time SIPp sent or received it, so latencies are measured on the wire.
 */
import { readFileSync } from 'node:fs';

export interface TracedMessage {
  /** Epoch milliseconds, microsecond precision. */
  at: number;
  direction: 'sent' | 'received';
  firstLine: string;
  headers: Map<string, string>;
}

const STAMP = /^-{10,} (\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})$/;

export function readSippTrace(file: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  const blocks = readFileSync(file, 'utf8').split(/\r?\n(?=-{10,} \d{4}-)/);
  for (const block of blocks) {
    const lines = block.split(/\r?\n/);
    const m = STAMP.exec(lines[0]?.trim() ?? '');
    if (!m) continue;
    // SIPp prints local time; Date's local-time constructor reads it the same way.
    const [, y, mo, d, h, mi, s, us] = m;
    const at = new Date(+y!, +mo! - 1, +d!, +h!, +mi!, +s!).getTime() + +us! / 1000;
    const direction = /message sent/.test(lines[1] ?? '') ? 'sent' : 'received';
    const body = lines.slice(2).map((l) => l.trim());
    const start = body.findIndex((l) => l.length > 0);
    if (start < 0) continue;
    const headers = new Map<string, string>();
    for (const l of body.slice(start + 1)) {
      if (l === '') break;
      const i = l.indexOf(':');
      if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
    }
    out.push({ at, direction, firstLine: body[start]!, headers });
  }
  return out;
}
