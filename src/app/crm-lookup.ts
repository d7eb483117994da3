/**
 * Who a caller is, from a CRM: `GET crm.lookupUrl` with the number filled
 * in, answered with JSON `{name?, company?, properties?}` (404 or an empty
 * object: unknown). The offer waits at most `crm.timeoutMs`: a CRM that is
 * slower, down or wrong leaves the imported contact (or the caller's own
 * name) in place, and its answer, when it comes, is cached for the next
 * call. Answers and "unknown" are kept `crm.cacheSec`. The address and the
 * headers (which may hold a token) are never logged.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';

export interface CrmContact {
  name?: string;
  company?: string;
  properties: Record<string, string>;
}

export interface CrmDeps {
  config: () => Config;
  log: Logger;
  now?: () => number;
  fetch?: typeof fetch;
}

export class CrmLookup {
  private readonly cache = new Map<string, { at: number; contact: CrmContact | null }>();
  private readonly inFlight = new Map<string, Promise<CrmContact | null>>();
  private readonly now: () => number;
  private readonly fetch: typeof fetch;

  constructor(private readonly d: CrmDeps) {
    this.now = d.now ?? Date.now;
    this.fetch = d.fetch ?? fetch;
  }

  /** The CRM's contact within the timeout; undefined when not configured, unknown, slow or failing. */
  async find(number: string): Promise<CrmContact | undefined> {
    const crm = this.d.config().crm;
    if (!crm) return undefined;
    const hit = this.cache.get(number);
    if (hit && this.now() - hit.at < crm.cacheSec * 1000) return hit.contact ?? undefined;
    let pending = this.inFlight.get(number);
    if (!pending) {
      pending = this.ask(number).finally(() => this.inFlight.delete(number));
      this.inFlight.set(number, pending);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), crm.timeoutMs)));
    const got = await Promise.race([pending, late]);
    clearTimeout(timer);
    if (got === 'late') {
      this.d.log.info({ timeoutMs: crm.timeoutMs }, 'CRM lookup slower than its timeout; the offer went on without it');
      return undefined;
    }
    return got ?? undefined;
  }

  /** The display name an offer shows: "name (company)". */
  async nameOf(number: string): Promise<string | undefined> {
    const c = await this.find(number);
    if (!c?.name) return undefined;
    return c.company ? `${c.name} (${c.company})` : c.name;
  }

  private async ask(number: string): Promise<CrmContact | null> {
    const crm = this.d.config().crm!;
    let contact: CrmContact | null = null;
    try {
      // The request itself may run longer than the offer waits (it fills the cache), but not forever.
      const res = await this.fetch(crm.lookupUrl.replaceAll('{number}', encodeURIComponent(number)), { headers: { accept: 'application/json', ...crm.headers }, signal: AbortSignal.timeout(Math.max(crm.timeoutMs * 10, 2_000)) });
      if (res.ok) {
        const body = (await res.json()) as { name?: unknown; company?: unknown; properties?: unknown };
        const properties: Record<string, string> = {};
        if (body.properties && typeof body.properties === 'object') for (const [k, v] of Object.entries(body.properties)) if (v !== null && v !== undefined) properties[k] = String(v);
        if (typeof body.name === 'string' && body.name) contact = { name: body.name, ...(typeof body.company === 'string' && body.company ? { company: body.company } : {}), properties };
        else if (Object.keys(properties).length) contact = { properties };
      } else if (res.status !== 404) {
        this.d.log.warn({ status: res.status }, 'CRM lookup failed');
        await res.body?.cancel().catch(() => undefined);
        return null; // not cached: a failing CRM is asked again next time
      } else await res.body?.cancel().catch(() => undefined);
    } catch (err) {
      this.d.log.warn({ err: (err as Error).name }, 'CRM lookup failed');
      return null;
    }
    this.cache.set(number, { at: this.now(), contact });
    if (this.cache.size > 50_000) this.cache.delete(this.cache.keys().next().value!);
    return contact;
  }
}
