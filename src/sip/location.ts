/**
 * The location service: which devices (contacts) are registered for each
 * address of record, until when. Pure; the registrar adapter persists it.
 */
export interface Binding {
  aor: string;
  contact: string;
  expiresAt: number;
  /** Where the REGISTER came from ("udp:203.0.113.5:5060"): requests go there, whatever the Contact says (NAT). */
  source: string;
  transport: string;
  userAgent?: string;
  registeredAt: number;
}

export type BindingChange = { aor: string; reachable: boolean };

export class LocationService {
  private readonly byAor = new Map<string, Map<string, Binding>>();

  /** Adds or refreshes a binding; expires=0 removes it. Returns a change if the AOR's reachability flipped. */
  update(b: Binding, expiresSec: number, now: number): BindingChange | undefined {
    const before = this.reachable(b.aor, now);
    if (expiresSec <= 0) this.byAor.get(b.aor)?.delete(b.contact);
    else {
      let m = this.byAor.get(b.aor);
      if (!m) this.byAor.set(b.aor, (m = new Map()));
      m.set(b.contact, { ...b, expiresAt: now + expiresSec * 1000 });
    }
    return this.change(b.aor, before, now);
  }

  removeAll(aor: string, now: number): BindingChange | undefined {
    const before = this.reachable(aor, now);
    this.byAor.delete(aor);
    return this.change(aor, before, now);
  }

  bindings(aor: string, now: number): Binding[] {
    return [...(this.byAor.get(aor)?.values() ?? [])].filter((b) => b.expiresAt > now);
  }

  reachable(aor: string, now: number): boolean {
    return this.bindings(aor, now).length > 0;
  }

  all(now: number): Binding[] {
    return [...this.byAor.values()].flatMap((m) => [...m.values()]).filter((b) => b.expiresAt > now);
  }

  /** Drops expired bindings; returns AORs that became unreachable. */
  sweep(now: number): BindingChange[] {
    const changes: BindingChange[] = [];
    for (const [aor, m] of this.byAor) {
      const had = m.size > 0;
      for (const [c, b] of m) if (b.expiresAt <= now) m.delete(c);
      if (had && m.size === 0) {
        this.byAor.delete(aor);
        changes.push({ aor, reachable: false });
      }
    }
    return changes;
  }

  private change(aor: string, before: boolean, now: number): BindingChange | undefined {
    const after = this.reachable(aor, now);
    return before === after ? undefined : { aor, reachable: after };
  }
}
