/**
 * The SIP door: every request outside a dialog passes the {@link SourceGuard}
 * before the registrar or the contact centre sees it. A banned source gets
 * 403 and a flooding one 503 with Retry-After, the same short answer whatever
 * it asked, so a scanner learns nothing. The registrar and the contact centre
 * report what looks like guessing (refused authentication, unknown users and
 * numbers) and what proves a device genuine (authenticated requests).
 * Requests inside a known dialog never reach here (drachtio-srf hands them to
 * their dialog first), and ACK/CANCEL always pass: they belong to a
 * transaction already admitted. Before all that, a request that drachtio-server
 * would crash on answering is left unanswered (drachtio-shield.ts).
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { Config } from '../config/schema.js';
import { SourceGuard, type GuardPolicy } from '../core/security/source-guard.js';
import { unanswerableRequest } from './drachtio-shield.js';

export function guardPolicy(config: Config): GuardPolicy {
  const s = config.sip.security;
  return { maxFailures: s.maxFailures, windowMs: s.windowSec * 1000, banMs: s.banSec * 1000, perSecond: s.perSecond, burst: s.burst, allow: s.allow, maxSources: s.maxSources };
}

export interface GatekeeperMetrics {
  refused: Counter<'reason'>;
  bans: Counter;
}

export class Gatekeeper {
  readonly guard: SourceGuard;

  constructor(
    config: Config,
    private readonly log: Logger,
    private readonly metrics: GatekeeperMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.guard = new SourceGuard(guardPolicy(config));
  }

  reconfigure(config: Config): void {
    this.guard.setPolicy(guardPolicy(config));
  }

  /** drachtio-srf middleware: runs before every handler for requests outside a dialog. */
  readonly middleware = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: (err?: Error) => void): void => {
    if (req.method === 'ACK' || req.method === 'CANCEL') return next();
    // First of all, whoever sent it: any answer to this one would crash drachtio-server (see drachtio-shield.ts).
    const unsafe = unanswerableRequest(req);
    if (unsafe) {
      this.metrics.refused.inc({ reason: 'unanswerable' });
      this.log.debug({ source: req.source_address, method: req.method, why: unsafe }, 'malformed request left unanswered');
      this.failure(req, unsafe);
      return;
    }
    const verdict = this.guard.check(req.source_address, this.now());
    if (verdict.ok) return next();
    this.metrics.refused.inc({ reason: verdict.reason });
    if (verdict.reason === 'banned') return void res.send(403);
    res.send(503, { headers: { 'Retry-After': '5' } });
  };

  /** A refused authentication or a request for a user or number that does not exist. */
  failure(req: Srf.SrfRequest, what: string): void {
    const ban = this.guard.failure(req.source_address, this.now());
    if (!ban) return;
    this.metrics.bans.inc();
    this.log.warn({ source: ban.source, failures: ban.failures, until: new Date(ban.untilMs).toISOString(), last: what, userAgent: req.get('User-Agent') || undefined }, 'source banned after repeated failures');
  }

  /** An authenticated request: the source is a genuine device. */
  success(req: Srf.SrfRequest): void {
    this.guard.success(req.source_address, this.now());
  }
}
