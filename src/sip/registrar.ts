/**
 * The registrar: agents' desk phones and softphones REGISTER here with digest
 * authentication against the configured credentials. Bindings live in the
 * {@link LocationService} and in the database, so a restart keeps phones
 * reachable without waiting for them to re-register.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { DigestAuthenticator } from './digest.js';
import { LocationService, type Binding, type BindingChange } from './location.js';

export interface RegistrarPolicy {
  domain: string;
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  /** SIP username -> password and the agent it belongs to. */
  credentials: Map<string, { password: string; agentId: string }>;
}

/** Told what looks like guessing (refused or unknown credentials) and what proves a device genuine. */
export interface AuthObserver {
  failure(req: Srf.SrfRequest, what: string): void;
  success(req: Srf.SrfRequest): void;
}

export class Registrar {
  readonly location = new LocationService();
  private auth: DigestAuthenticator;
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private policy: RegistrarPolicy,
    private readonly db: Db,
    private readonly log: Logger,
    private readonly onChange: (agentId: string, reachable: boolean) => void,
    private readonly now: () => number = Date.now,
    readonly observer: AuthObserver = { failure: () => undefined, success: () => undefined },
  ) {
    this.auth = new DigestAuthenticator(policy.domain);
  }

  setPolicy(policy: RegistrarPolicy): void {
    if (policy.domain !== this.policy.domain) this.auth = new DigestAuthenticator(policy.domain);
    this.policy = policy;
  }

  agentOf(username: string): string | undefined {
    return this.policy.credentials.get(username)?.agentId;
  }

  /** Restores bindings saved before a restart. */
  async restore(): Promise<number> {
    const now = this.now();
    const rows = await this.db.selectFrom('registrations').selectAll().where('expires_at', '>', now).execute();
    for (const r of rows) {
      const change = this.location.update(
        { aor: r.aor, contact: r.contact, expiresAt: r.expires_at, source: r.source, transport: r.transport, userAgent: r.user_agent ?? undefined, registeredAt: r.registered_at },
        Math.ceil((r.expires_at - now) / 1000),
        now,
      );
      this.report(change);
    }
    await this.db.deleteFrom('registrations').where('expires_at', '<=', now).execute();
    this.sweepTimer = setInterval(() => {
      for (const c of this.location.sweep(this.now())) this.report(c);
    }, 5_000);
    this.sweepTimer.unref();
    return rows.length;
  }

  stop(): void {
    clearInterval(this.sweepTimer);
  }

  /**
   * Authenticates a call placed by an agent's device (an INVITE to a
   * colleague's extension): the agent's id, or undefined once a 407/403 has
   * been sent.
   */
  authenticateCall(req: Srf.SrfRequest, res: Srf.SrfResponse): string | undefined {
    const now = this.now();
    const outcome = this.auth.verify(req.get('Proxy-Authorization') || undefined, 'INVITE', now, (u) => this.policy.credentials.get(u)?.password);
    if (outcome.ok) {
      this.observer.success(req);
      return this.policy.credentials.get(outcome.username)?.agentId;
    }
    if (outcome.reason === 'missing' || outcome.reason === 'stale' || outcome.reason === 'bad-nonce') {
      res.send(407, { headers: { 'Proxy-Authenticate': this.auth.challenge(now, outcome.reason === 'stale') } });
    } else {
      this.log.info({ reason: outcome.reason, source: req.source_address }, 'call from an agent device refused');
      this.observer.failure(req, `call authentication: ${outcome.reason}`);
      res.send(403);
    }
    return undefined;
  }

  handle(req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    try {
      this.register(req, res);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, callId: req.get('Call-ID') }, 'malformed REGISTER');
      if (!res.finalResponseSent) res.send(400);
    }
  }

  private register(req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    const now = this.now();
    const to = req.getParsedHeader('To');
    const user = /sips?:([^@;>]+)@/.exec(to.uri)?.[1];
    if (!user) return res.send(400, 'Bad To header', {});
    const header = req.get('Authorization') || undefined;
    const outcome = this.auth.verify(header, 'REGISTER', now, (u) => this.policy.credentials.get(u)?.password);
    if (!outcome.ok) {
      if (outcome.reason === 'missing' || outcome.reason === 'stale' || outcome.reason === 'bad-nonce') {
        return res.send(401, { headers: { 'WWW-Authenticate': this.auth.challenge(now, outcome.reason === 'stale') } });
      }
      this.log.info({ user, reason: outcome.reason, source: req.source_address }, 'registration refused');
      this.observer.failure(req, `registration: ${outcome.reason}`);
      return res.send(403);
    }
    if (outcome.username !== user) {
      this.log.warn({ user, authenticated: outcome.username }, 'registration for another user refused');
      this.observer.failure(req, 'registration for another user');
      return res.send(403);
    }
    this.observer.success(req);
    const agentId = this.policy.credentials.get(user)!.agentId;
    const aor = user;
    const contactHeader = req.get('Contact');
    const headerExpires = req.has('Expires') ? Number(req.get('Expires')) : undefined;

    if (contactHeader && contactHeader.trim() === '*') {
      if (headerExpires !== 0) return res.send(400, 'Wildcard needs Expires: 0', {});
      this.report(this.location.removeAll(aor, now), agentId);
      this.persistRemoveAll(aor);
      return res.send(200);
    }

    const r = this.policy;
    const transport = transportOf(req);
    const source = `${transport}:${req.source_address}:${req.source_port}`;
    for (const c of contactHeader ? req.getParsedHeader('Contact') : []) {
      const asked = c.params?.expires !== undefined ? Number(c.params.expires) : (headerExpires ?? r.defaultExpires);
      if (!Number.isFinite(asked) || asked < 0) return res.send(400, 'Bad expires', {});
      if (asked > 0 && asked < r.minExpires) return res.send(423, { headers: { 'Min-Expires': String(r.minExpires) } });
      const expires = Math.min(asked, r.maxExpires);
      const binding: Binding = { aor, contact: c.uri, expiresAt: now + expires * 1000, source, transport, userAgent: req.get('User-Agent') || undefined, registeredAt: now };
      this.report(this.location.update(binding, expires, now), agentId);
      this.persist(binding, expires, agentId);
      this.log.info({ agentId, contact: c.uri, expires, source }, expires > 0 ? 'registered' : 'unregistered');
    }
    const current = this.location.bindings(aor, now);
    const contacts = current.map((b) => `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`);
    res.send(200, { headers: contacts.length ? { Contact: contacts.join(', ') } : {} });
  }

  private report(change: BindingChange | undefined, agentId?: string): void {
    if (!change) return;
    const id = agentId ?? this.agentOf(change.aor);
    if (id) this.onChange(id, change.reachable);
  }

  private persist(b: Binding, expires: number, agentId: string): void {
    const del = this.db.deleteFrom('registrations').where('aor', '=', b.aor).where('contact', '=', b.contact);
    void (async () => {
      await del.execute();
      if (expires > 0) {
        await this.db
          .insertInto('registrations')
          .values({ aor: b.aor, contact: b.contact, agent_id: agentId, expires_at: b.expiresAt, source: b.source, transport: b.transport, user_agent: b.userAgent ?? null, registered_at: b.registeredAt })
          .execute();
      }
    })().catch((err: Error) => this.log.error({ err: err.message }, 'saving registration failed'));
  }

  private persistRemoveAll(aor: string): void {
    void this.db.deleteFrom('registrations').where('aor', '=', aor).execute().catch((err: Error) => this.log.error({ err: err.message }, 'removing registrations failed'));
  }
}

/**
 * The transport the request came over, from its top Via: drachtio reports
 * WebSocket connections as "tcp", the Via says WS or WSS.
 */
export function transportOf(req: Srf.SrfRequest): string {
  try {
    const via = req.getParsedHeader('Via')[0];
    const proto = via?.protocol?.toLowerCase();
    if (proto && ['udp', 'tcp', 'tls', 'ws', 'wss'].includes(proto)) return proto;
  } catch {
    // fall through to what drachtio says
  }
  return req.protocol;
}

/**
 * Where to send requests for a binding when the device is behind NAT: its
 * source address, as a SIP URI for drachtio's `proxy` option. A Contact whose
 * host is the address the REGISTER came from is reachable as it stands.
 */
export function natProxyFor(b: Binding): string | undefined {
  const [transport, ...hostPort] = b.source.split(':');
  const port = hostPort.pop();
  return proxyUnlessContactHost(b.contact, transport ?? 'udp', hostPort.join(':'), port ?? '');
}

/**
 * The address a message came from as a `proxy` URI, or undefined when its
 * Contact already names that host (shared by registrations and dialogs).
 */
export function proxyUnlessContactHost(contact: string, transport: string, host: string, port: string | number): string | undefined {
  const contactHost = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>]+)/.exec(contact)?.[1]?.replace(/^\[|\]$/g, '');
  if (contactHost === host) return undefined;
  const h = host.includes(':') ? `[${host}]` : host;
  return `sip:${h}:${port};transport=${transport.toLowerCase()}`;
}
