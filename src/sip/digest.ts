/**
 * SIP digest authentication (RFC 3261 §22, RFC 2617 MD5 with qop=auth).
 *
 * Nonces are stateless: a timestamp signed with a per-process HMAC key, so any
 * worker can verify them, replays past `nonceTtlMs` are refused, and a stale
 * nonce gets a fresh challenge with `stale=true` rather than a 403. (The npm
 * middleware for drachtio accepts any nonce, which is why this is our own.)
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

export type DigestOutcome =
  | { ok: true; username: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'bad-nonce' | 'unknown-user' | 'wrong-realm' | 'bad-response' | 'unsupported-algorithm' };

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Parses `Digest k=v, k="v, with comma"` into a map; undefined if it is not digest. */
export function parseDigestHeader(header: string | undefined): Record<string, string> | undefined {
  if (!header) return undefined;
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,|$)/g;
  let part: RegExpExecArray | null;
  while ((part = re.exec(m[1]!)) !== null) out[part[1]!.toLowerCase()] = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : part[3]!;
  return out;
}

export class DigestAuthenticator {
  private readonly key: Buffer;

  constructor(
    private readonly realm: string,
    private readonly nonceTtlMs = 5 * 60_000,
    key?: Buffer,
  ) {
    this.key = key ?? randomBytes(32);
  }

  makeNonce(now: number): string {
    const ts = now.toString(16);
    return `${ts}.${this.sign(ts)}`;
  }

  challenge(now: number, stale = false): string {
    return `Digest realm="${this.realm}", nonce="${this.makeNonce(now)}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
  }

  verify(header: string | undefined, method: string, now: number, passwordOf: (username: string) => string | undefined): DigestOutcome {
    if (!header) return { ok: false, reason: 'missing' };
    const p = parseDigestHeader(header);
    if (!p || !p.username || !p.nonce || !p.uri || !p.response || p.realm === undefined) return { ok: false, reason: 'malformed' };
    if (p.algorithm && p.algorithm.toUpperCase() !== 'MD5') return { ok: false, reason: 'unsupported-algorithm' };
    if (p.realm !== this.realm) return { ok: false, reason: 'wrong-realm' };
    const [ts, sig] = p.nonce.split('.');
    if (!ts || !sig || !sameSecret(sig, this.sign(ts))) return { ok: false, reason: 'bad-nonce' };
    const password = passwordOf(p.username);
    if (password === undefined) return { ok: false, reason: 'unknown-user' };
    const ha1 = md5(`${p.username}:${p.realm}:${password}`);
    const ha2 = md5(`${method}:${p.uri}`);
    const expected = p.qop ? md5(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
    if (!sameSecret(expected, p.response.toLowerCase())) return { ok: false, reason: 'bad-response' };
    // Right password on an old nonce: ask again with stale=true so the phone retries silently.
    if (now - parseInt(ts, 16) > this.nonceTtlMs) return { ok: false, reason: 'stale' };
    return { ok: true, username: p.username };
  }

  private sign(ts: string): string {
    return createHmac('sha256', this.key).update(`${this.realm}:${ts}`).digest('hex').slice(0, 24);
  }
}

/** Compares secrets in constant time; hashing first hides their lengths too (timingSafeEqual wants equal lengths). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The client side, for tests and tools: the Authorization header answering a challenge. */
export function answerChallenge(challenge: string, method: string, uri: string, username: string, password: string, cnonce = 'c0ffee', nc = '00000001'): string {
  const c = parseDigestHeader(challenge) ?? {};
  const ha1 = md5(`${username}:${c.realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = c.qop ? md5(`${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${c.nonce}:${ha2}`);
  const qop = c.qop ? `, qop=auth, nc=${nc}, cnonce="${cnonce}"` : '';
  return `Digest username="${username}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", response="${response}", algorithm=MD5${qop}`;
}
