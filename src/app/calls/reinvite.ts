/**
 * A phone's re-INVITE within a call: its hold key (a=sendonly or a=inactive,
 * or the old c=0.0.0.0) and the resume (a=sendrecv). Answered in kind from
 * the dialog's own SDP (sendonly -> recvonly, inactive -> inactive), so the
 * phone shows the call held and nothing else changes on the wire.
 */
import type Srf from 'drachtio-srf';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The offer's audio direction: the audio section's attribute, else the session's, else sendrecv. */
export function offeredDirection(sdp: string): Direction {
  const lines = sdp.split(/\r?\n/);
  const audio = lines.findIndex((l) => l.startsWith('m=audio'));
  const pick = (from: number, to: number) => lines.slice(from, to).map((l) => /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.exec(l)?.[1]).find(Boolean) as Direction | undefined;
  const next = lines.findIndex((l, i) => i > audio && l.startsWith('m='));
  const media = audio >= 0 ? pick(audio + 1, next < 0 ? lines.length : next) : undefined;
  const session = pick(0, audio >= 0 ? audio : lines.length);
  const dir = media ?? session ?? 'sendrecv';
  if (dir === 'sendrecv' && lines.some((l) => /^c=IN IP4 0\.0\.0\.0\s*$/.test(l))) return 'sendonly';
  return dir;
}

export const isHold = (d: Direction) => d === 'sendonly' || d === 'inactive';

/** The answer's direction to an offer's. */
export function answerDirection(offer: Direction): Direction {
  return offer === 'sendonly' ? 'recvonly' : offer === 'recvonly' ? 'sendonly' : offer;
}

/** Our SDP with its audio direction set (any direction lines replaced, one added to the audio section when none). */
export function withDirection(sdp: string, dir: Direction): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/).filter((l) => !/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.test(l));
  const audio = lines.findIndex((l) => l.startsWith('m=audio'));
  if (audio < 0) return sdp;
  let end = lines.findIndex((l, i) => i > audio && l.startsWith('m='));
  if (end < 0) end = lines.length;
  while (end > audio + 1 && lines[end - 1] === '') end--;
  lines.splice(end, 0, `a=${dir}`);
  return lines.join(eol);
}

/** Answers a re-INVITE on `dialog` in kind; whether it puts the call on hold. */
export function answerReinvite(dialog: Srf.Dialog, req: Srf.SrfRequest, res: Srf.SrfResponse): boolean {
  const offer = offeredDirection(req.body ?? '');
  const local = (dialog as unknown as { local: { sdp: string; contact?: string } }).local;
  const body = withDirection(local.sdp, answerDirection(offer));
  res.send(200, { body, headers: { 'Content-Type': 'application/sdp', ...(local.contact ? { Contact: local.contact } : {}) } });
  return isHold(offer);
}
