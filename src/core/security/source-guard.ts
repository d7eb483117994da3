/**
 * Who may keep talking to the platform, per source address: a pure policy
 * (time comes in with every call, nothing is sent or stored here).
 *
 * ```
 *            failure                          failures >= maxFailures within windowMs
 *   clean ------------> counting (n in window) ---------------------------------------> banned
 *     ^                  |   ^ failure                                                   |
 *     |   success /      |   |                                                           | banMs passed
 *     +--- window passed-+   +                                                           v
 *     +----------------------------------------------------------------------------------+
 * ```
 * - A failure is what an attacker's guess looks like: a refused
 *   authentication, a request for a user or number that does not exist.
 *   A 401/407 challenge is not one (every phone gets those).
 * - A success (an authenticated request) clears the source's failures.
 * - Rate: every source has a bucket of `burst` requests refilled at
 *   `perSecond`; a request that finds it empty is refused (`rate`) but is not
 *   a failure: a phone retransmitting in a burst is no attacker.
 * - Allow-listed networks (the office's own) are never banned or limited.
 * - Memory is bounded: at most `maxSources` addresses are tracked; past that
 *   the least recently seen clean ones are forgotten first, and a source
 *   under a ban is never forgotten before its ban ends.
 */
import ipaddr from 'ipaddr.js';

export interface GuardPolicy {
  maxFailures: number;
  windowMs: number;
  banMs: number;
  perSecond: number;
  burst: number;
  /** CIDRs (or single addresses) never banned or limited. */
  allow: string[];
  maxSources: number;
}

export type Verdict = { ok: true } | { ok: false; reason: 'banned'; untilMs: number } | { ok: false; reason: 'rate' };

interface SourceState {
  /** Times of failures still inside the window, oldest first. */
  failures: number[];
  bannedUntil?: number;
  tokens: number;
  refilledAt: number;
  seenAt: number;
}

export interface Ban {
  source: string;
  untilMs: number;
  failures: number;
}

export class SourceGuard {
  private readonly sources = new Map<string, SourceState>();
  private allow: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  constructor(private policy: GuardPolicy) {
    this.setPolicy(policy);
  }

  setPolicy(policy: GuardPolicy): void {
    this.policy = policy;
    this.allow = policy.allow.map((c) => (c.includes('/') ? ipaddr.parseCIDR(c) : ((a) => [a, a.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number])(ipaddr.parse(c))));
  }

  static isAddressOrCidr(entry: string): boolean {
    try {
      if (entry.includes('/')) ipaddr.parseCIDR(entry);
      else ipaddr.parse(entry);
      return true;
    } catch {
      return false;
    }
  }

  allowed(source: string): boolean {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.process(source);
    } catch {
      return false;
    }
    return this.allow.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
  }

  /** Whether a request from `source` may be handled now; takes one token when it may. */
  check(source: string, now: number): Verdict {
    if (this.allowed(source)) return { ok: true };
    const s = this.state(source, now);
    if (s.bannedUntil !== undefined) return { ok: false, reason: 'banned', untilMs: s.bannedUntil };
    const p = this.policy;
    s.tokens = Math.min(p.burst, s.tokens + ((now - s.refilledAt) / 1000) * p.perSecond);
    s.refilledAt = now;
    if (s.tokens < 1) return { ok: false, reason: 'rate' };
    s.tokens -= 1;
    return { ok: true };
  }

  /** A refused authentication or a request for nothing; returns the ban when this one starts it. */
  failure(source: string, now: number): Ban | undefined {
    if (this.allowed(source)) return undefined;
    const s = this.state(source, now);
    if (s.bannedUntil !== undefined) return undefined;
    const p = this.policy;
    s.failures = s.failures.filter((t) => now - t < p.windowMs);
    s.failures.push(now);
    if (s.failures.length < p.maxFailures) return undefined;
    s.bannedUntil = now + p.banMs;
    const ban = { source, untilMs: s.bannedUntil, failures: s.failures.length };
    s.failures = [];
    return ban;
  }

  success(source: string, now: number): void {
    const s = this.sources.get(source);
    if (!s) return;
    s.failures = [];
    s.seenAt = now;
  }

  /** Lifts a ban by hand (the API's). */
  unban(source: string, now: number): boolean {
    const s = this.sources.get(source);
    if (s?.bannedUntil === undefined || now >= s.bannedUntil) return false;
    delete s.bannedUntil;
    s.failures = [];
    return true;
  }

  bans(now: number): Ban[] {
    return [...this.sources]
      .filter(([, s]) => s.bannedUntil !== undefined && now < s.bannedUntil)
      .map(([source, s]) => ({ source, untilMs: s.bannedUntil!, failures: this.policy.maxFailures }));
  }

  failuresOf(source: string, now: number): number {
    return this.sources.get(source)?.failures.filter((t) => now - t < this.policy.windowMs).length ?? 0;
  }

  get tracked(): number {
    return this.sources.size;
  }

  private state(source: string, now: number): SourceState {
    let s = this.sources.get(source);
    if (s) {
      // Most recently seen last: the map's order is the eviction order.
      this.sources.delete(source);
    } else {
      s = { failures: [], tokens: this.policy.burst, refilledAt: now, seenAt: now };
      this.evict(now);
    }
    s.seenAt = now;
    this.sources.set(source, s);
    // A ban that has run out leaves a clean source: its count starts afresh.
    if (s.bannedUntil !== undefined && now >= s.bannedUntil) {
      delete s.bannedUntil;
      s.failures = [];
    }
    return s;
  }

  private evict(now: number): void {
    if (this.sources.size < this.policy.maxSources) return;
    for (const [source, s] of this.sources) {
      if (this.sources.size < this.policy.maxSources) return;
      if (s.bannedUntil !== undefined && now < s.bannedUntil) continue;
      this.sources.delete(source);
    }
  }
}
