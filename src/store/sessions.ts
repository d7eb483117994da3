/**
 * Agents' desk sessions. Signing in with the SIP credentials opens a session
 * whose random token the desk sends with every request; the database keeps
 * only its SHA-256. A session ends at its expiry, when it is revoked (sign
 * out, or an admin revoking all of an agent's sessions), or when the agent's
 * password changes (the credential tag no longer matches).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

/** A tag of the credentials a session was opened with (never the password itself). */
export function credentialTag(username: string, password: string): string {
  return sha256(`${username}\u0000${password}`).slice(0, 22);
}

export interface OpenSession {
  agentId: string;
  expiresAt: number;
}

export class SessionStore {
  constructor(private readonly db: Db) {}

  async open(agentId: string, tag: string, ttlMs: number, now: number, source?: string): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + ttlMs;
    await this.db.insertInto('sessions').values({ token_hash: sha256(token), agent_id: agentId, credential_tag: tag, created_at: now, expires_at: expiresAt, source: source ?? null, revoked_at: null }).execute();
    return { token, expiresAt };
  }

  /** The session a token opens, if it is still valid; `tagOf` gives the agent's current credential tag. */
  async find(token: string, now: number, tagOf: (agentId: string) => string | undefined): Promise<OpenSession | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
    if (!row || row.revoked_at !== null || row.expires_at <= now) return undefined;
    if (tagOf(row.agent_id) !== row.credential_tag) return undefined;
    return { agentId: row.agent_id, expiresAt: row.expires_at };
  }

  async revoke(token: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('sessions').set({ revoked_at: now }).where('token_hash', '=', sha256(token)).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async revokeAgent(agentId: string, now: number): Promise<number> {
    const r = await this.db.updateTable('sessions').set({ revoked_at: now }).where('agent_id', '=', agentId).where('revoked_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Forgets sessions that ended more than a day ago. */
  async sweep(now: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<', now - 86_400_000).execute();
  }
}
