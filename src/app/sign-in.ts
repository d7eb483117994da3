/**
 * Agents signing in to the desk: SIP credentials in, a session out
 * (src/store/sessions.ts). Failed sign-ins from one address count toward a
 * ban like failed SIP registrations do (the same SourceGuard rules, its own
 * counts), so the HTTP door is no easier to brute-force than the SIP one.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { SourceGuard } from '../core/security/source-guard.js';
import { guardPolicy } from '../sip/gatekeeper.js';
import { sameSecret } from '../sip/digest.js';
import { credentialTag, type SessionStore } from '../store/sessions.js';

export type SignInResult = { ok: true; token: string; agentId: string; expiresAt: number } | { ok: false; reason: 'banned' | 'wrong-credentials'; retryAfterSec?: number };

export class SignIn {
  private readonly guard: SourceGuard;

  constructor(
    private readonly store: SessionStore,
    private readonly config: () => Config,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.guard = new SourceGuard(guardPolicy(config()));
  }

  reconfigure(config: Config): void {
    this.guard.setPolicy(guardPolicy(config));
  }

  async signIn(username: string, password: string, source: string): Promise<SignInResult> {
    const now = this.now();
    const verdict = this.guard.check(source, now);
    if (!verdict.ok) return { ok: false, reason: 'banned', retryAfterSec: verdict.reason === 'banned' ? Math.ceil((verdict.untilMs - now) / 1000) : 5 };
    const entry = Object.entries(this.config().agents).find(([, a]) => a.sip.username === username);
    if (!entry || !sameSecret(entry[1].sip.password, password)) {
      const ban = this.guard.failure(source, now);
      this.log.info({ source, username }, 'desk sign-in refused');
      if (ban) this.log.warn({ source, until: new Date(ban.untilMs).toISOString() }, 'source banned after repeated failed desk sign-ins');
      return { ok: false, reason: 'wrong-credentials' };
    }
    this.guard.success(source, now);
    const [agentId] = entry;
    const ttlMs = this.config().daemon.http.sessionHours * 3_600_000;
    const session = await this.store.open(agentId, credentialTag(username, password), ttlMs, now, source);
    this.log.info({ agentId, source, expiresAt: new Date(session.expiresAt).toISOString() }, 'desk session opened');
    return { ok: true, agentId, ...session };
  }

  /** The agent of a valid session token (a changed password ends every session opened with the old one). */
  async agentOf(token: string): Promise<string | undefined> {
    const s = await this.store.find(token, this.now(), (id) => {
      const a = this.config().agents[id];
      return a ? credentialTag(a.sip.username, a.sip.password) : undefined;
    });
    return s?.agentId;
  }

  signOut(token: string): Promise<boolean> {
    return this.store.revoke(token, this.now());
  }

  async revokeAgent(agentId: string): Promise<number> {
    const n = await this.store.revokeAgent(agentId, this.now());
    this.log.info({ agentId, sessions: n }, 'desk sessions revoked');
    return n;
  }
}
