/**
 * The prompts of a queue announcement, from the sounds the project ships
 * (sounds/queue-*.wav, sounds/digits/N.wav): "You are number 3 in line. Your
 * estimated wait is about 4 minutes." Pure: position and wait in, files out.
 */
const SPOKEN = new Set([...Array.from({ length: 31 }, (_, i) => i), 40, 50, 60]);

/** Files that say `n` (0-69) with the shipped digit recordings; undefined when n cannot be said. */
export function numberPrompts(n: number): string[] | undefined {
  if (!Number.isInteger(n) || n < 0) return undefined;
  if (SPOKEN.has(n)) return [`digits/${n}.wav`];
  const tens = Math.floor(n / 10) * 10;
  if (n < 70 && SPOKEN.has(tens)) return [`digits/${tens}.wav`, `digits/${n - tens}.wav`];
  return undefined;
}

export function announcementPrompts(a: { position?: number; estimatedWaitMs?: number }, say: { position: boolean; estimatedWait: boolean }): string[] {
  const out: string[] = [];
  const pos = a.position !== undefined ? numberPrompts(a.position) : undefined;
  if (say.position && pos) out.push('queue-position.wav', ...pos, 'queue-in-line.wav');
  if (say.estimatedWait && a.estimatedWaitMs !== undefined) {
    const minutes = Math.round(a.estimatedWaitMs / 60_000);
    const m = numberPrompts(minutes);
    if (minutes < 1) out.push('queue-under-minute.wav');
    else if (m) out.push('queue-wait.wav', ...m, minutes === 1 ? 'queue-minute.wav' : 'queue-minutes.wav');
  }
  return out;
}

/** One FreeSWITCH playable for several files. */
export function fileString(files: string[], soundsDir?: string): string {
  const path = (f: string) => (soundsDir && !f.startsWith('/') ? `${soundsDir}/${f}` : f);
  return files.length === 1 ? path(files[0]!) : `file_string://${files.map(path).join('!')}`;
}
