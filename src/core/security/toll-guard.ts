/**
 * Toll fraud: who may place calls to external numbers, to which numbers, and
 * how many. A pure policy: time comes in with every call, numbers are read
 * with libphonenumber-js' metadata (no I/O).
 *
 * ```
 *  request(number, who) --deny pattern--------------------------> refused: denied
 *        |              --agent without external permission-----> refused: agent-not-allowed
 *        |              --allow pattern: skip the number checks
 *        |              --not a valid number for homeCountry----> refused: invalid-number
 *        |              --premium-rate / shared-cost (premium off)> refused: premium
 *        |              --other country (international off)-----> refused: international
 *        |              --maxConcurrent / per agent reached-----> refused: concurrent / agent-concurrent
 *        |              --calls or minutes today reached--------> refused: daily-calls / daily-minutes
 *        v
 *     granted (counted at once) --answered--> talking --ended--> minutes added to the day
 *                               --ended (never answered)--> nothing more
 * ```
 * The day is the calendar day in `timeZone`; minutes still running count
 * against the budget at every request, so a handful of long calls cannot run
 * it over.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { localTime } from '../ivr/time.js';

export interface TollPolicy {
  homeCountry: string;
  international: boolean;
  premium: boolean;
  /** Patterns (regular expressions on the number as dialled, and on its E.164 form) allowed whatever their kind. */
  allow: string[];
  /** Patterns always refused, checked first. */
  deny: string[];
  maxConcurrent: number;
  maxConcurrentPerAgent: number;
  maxCallsPerDay: number;
  maxMinutesPerDay: number;
  timeZone: string;
  /** Agents allowed to send calls to external numbers (transfers); flows the admin configured always may. */
  agents: Set<string>;
}

export type TollRefusal = 'denied' | 'agent-not-allowed' | 'invalid-number' | 'premium' | 'international' | 'concurrent' | 'agent-concurrent' | 'daily-calls' | 'daily-minutes';
export type TollVerdict = { ok: true; e164: string } | { ok: false; reason: TollRefusal; detail: string };

interface Active {
  agentId?: string;
  answeredAt?: number;
}

export class TollGuard {
  private readonly active = new Map<string, Active>();
  private day = '';
  private callsToday = 0;
  private msToday = 0;
  private allow: RegExp[] = [];
  private deny: RegExp[] = [];
  /** When the current day was first seen (calls begun before it count from here). */
  private dayStartedAt?: number;

  constructor(private policy: TollPolicy) {
    this.setPolicy(policy);
  }

  setPolicy(policy: TollPolicy): void {
    this.policy = policy;
    this.allow = policy.allow.map((p) => new RegExp(p));
    this.deny = policy.deny.map((p) => new RegExp(p));
  }

  /** Whether `number` is one external calls may go to at all (for config checks too). */
  classify(number: string): TollVerdict {
    const p = this.policy;
    const parsed = parsePhoneNumberFromString(number, p.homeCountry as CountryCode);
    const forms = [number, parsed?.number ?? number];
    if (this.deny.some((re) => forms.some((f) => re.test(f)))) return { ok: false, reason: 'denied', detail: `${number} matches a deny pattern` };
    if (this.allow.some((re) => forms.some((f) => re.test(f)))) return { ok: true, e164: parsed?.number ?? number };
    if (!parsed || !parsed.isValid()) return { ok: false, reason: 'invalid-number', detail: `${number} is not a valid number (read in ${p.homeCountry})` };
    const type = parsed.getType();
    if (!p.premium && (type === 'PREMIUM_RATE' || type === 'SHARED_COST')) return { ok: false, reason: 'premium', detail: `${parsed.number} is a ${type === 'PREMIUM_RATE' ? 'premium-rate' : 'shared-cost'} number` };
    if (!p.international && parsed.country !== p.homeCountry) return { ok: false, reason: 'international', detail: `${parsed.number} is in ${parsed.country ?? 'another country'}, not ${p.homeCountry}` };
    return { ok: true, e164: parsed.number };
  }

  /**
   * Whether a call to `number` may be placed now (undefined: a SIP URI that
   * is no phone number, held to the caps only). `agentId`: the agent sending
   * it there (a transfer); none for the flows and API calls the admin set up.
   * Counts nothing: {@link request} does.
   */
  check(number: string | undefined, agentId: string | undefined, now: number): TollVerdict {
    const p = this.policy;
    this.rollDay(now);
    const kind: TollVerdict = number === undefined ? { ok: true, e164: '' } : this.classify(number);
    if (!kind.ok && kind.reason === 'denied') return kind;
    if (agentId !== undefined && !p.agents.has(agentId)) return { ok: false, reason: 'agent-not-allowed', detail: `agent ${agentId} may not call external numbers` };
    if (!kind.ok) return kind;
    if (this.active.size >= p.maxConcurrent) return { ok: false, reason: 'concurrent', detail: `${this.active.size} external calls already up (max ${p.maxConcurrent})` };
    if (agentId !== undefined) {
      const mine = [...this.active.values()].filter((a) => a.agentId === agentId).length;
      if (mine >= p.maxConcurrentPerAgent) return { ok: false, reason: 'agent-concurrent', detail: `agent ${agentId} has ${mine} external calls up (max ${p.maxConcurrentPerAgent})` };
    }
    if (this.callsToday >= p.maxCallsPerDay) return { ok: false, reason: 'daily-calls', detail: `${this.callsToday} external calls today (max ${p.maxCallsPerDay})` };
    if (this.minutesToday(now) >= p.maxMinutesPerDay) return { ok: false, reason: 'daily-minutes', detail: `${Math.floor(this.minutesToday(now))} external minutes today (max ${p.maxMinutesPerDay})` };
    return kind;
  }

  /** {@link check}, and a granted call is counted until {@link ended}. */
  request(callId: string, number: string | undefined, agentId: string | undefined, now: number): TollVerdict {
    const verdict = this.check(number, agentId, now);
    if (verdict.ok) {
      this.callsToday++;
      this.active.set(callId, agentId !== undefined ? { agentId } : {});
    }
    return verdict;
  }

  answered(callId: string, now: number): void {
    const a = this.active.get(callId);
    if (a && a.answeredAt === undefined) a.answeredAt = now;
  }

  ended(callId: string, now: number): void {
    const a = this.active.get(callId);
    if (!a) return;
    this.active.delete(callId);
    this.rollDay(now);
    if (a.answeredAt !== undefined) this.msToday += now - Math.max(a.answeredAt, this.dayStartedAt ?? a.answeredAt);
  }

  get concurrent(): number {
    return this.active.size;
  }

  usage(now: number): { day: string; calls: number; minutes: number; concurrent: number } {
    this.rollDay(now);
    return { day: this.day, calls: this.callsToday, minutes: Math.round(this.minutesToday(now) * 10) / 10, concurrent: this.active.size };
  }

  /** Today's answered minutes, the ones still running included (calls begun before the day count from its first event). */
  private minutesToday(now: number): number {
    let ms = this.msToday;
    for (const a of this.active.values()) if (a.answeredAt !== undefined) ms += now - Math.max(a.answeredAt, this.dayStartedAt ?? a.answeredAt);
    return ms / 60_000;
  }

  private rollDay(now: number): void {
    const day = localTime(now, this.policy.timeZone).date;
    if (day === this.day) return;
    if (this.day !== '') this.dayStartedAt = now;
    this.day = day;
    this.callsToday = 0;
    this.msToday = 0;
  }
}
