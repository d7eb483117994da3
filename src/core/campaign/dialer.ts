/**
 * The campaign dialer: which contact is called when, by which campaign, for
 * which agent. Pure and deterministic (the clock comes in every input, the
 * random tie-break is injected); the shell (src/app/campaigns/) places the
 * calls, runs AMD, hands answered calls to the router or an IVR flow, and
 * stores what comes out ({@link DialerCommand}).
 *
 * A contact:
 * ```
 *            pick (turn, hours, not DNC)            answered by a human
 *   pool ------------------------------> calling -----------------------> done
 *    ^  \--- preview (agent) --dial-->      |        (connected; a 'retry'
 *    |        |  skip / agent away          |         disposition: pool)
 *    |        v                             | no answer, busy, failed,
 *    +--------+---- retry period <----------+ machine, abandoned
 *                          | attempts = max         | number on the DNC list
 *                          v                        v
 *                      exhausted                   dnc
 * ```
 * A campaign: ready --run--> active <--pause/resume--> paused; stop: ready
 * (contacts afresh); active --no contact left, or the schedule over-->
 * completed --run (rerun)--> active, a new instance. A schedule's each
 * occurrence dials the list afresh; outside occurrences nothing is dialed.
 *
 * An agent is free for a campaign when Ready with no call, in the
 * campaign's queue, not held by another dial or preview, and no inbound
 * call waits in any of the agent's queues (inbound first). Each free agent,
 * most idle first, goes to the highest-priority active campaign that has a
 * contact to call (equal priorities: at random) and is held for that call
 * (progressive, predictive) or preview. A predictive campaign also places
 * calls with no agent held for them, as many as its pacer asks
 * (pacing.ts), within its lines ceiling and never more than the day's
 * abandon budget can absorb: if every one of them were abandoned the cap
 * would still hold. When an agent held for a ringing call is taken (by an
 * inbound call, or gone), the call is held for another free agent, or
 * counts against that budget, and past it is cancelled before it is
 * answered. A human answering a predictive call with no free agent is
 * abandoned (the safe-harbor message). A scheduled campaign asks for its
 * do-not-call list afresh (`scrub`) SCRUB_AHEAD_MS before each occurrence,
 * and the pool is scrubbed against what comes back (`dnc-list`).
 *
 * The parts: pool.ts (whose turn, what an attempt leaves), lifecycle.ts
 * (statuses, occurrences, the scrub), predictive.ts (the predictive step,
 * with pacing.ts), context.ts (what they share with this class).
 */
import type { AgentRt, CallRt, DialerCtx } from './context.js';
import { contactable, localTime, occurrenceAt } from './hours.js';
import { advance, campaignAction } from './lifecycle.js';
import { emptyStats, modelPacer } from './pacing.js';
import { nextContact, settleContact, type CampaignRt } from './pool.js';
import { predictStep, type Pacer } from './predictive.js';
import type { Contact, DialerCommand, DialerInput, Outcome, Refusal } from './types.js';

export type { CampaignRt } from './pool.js';
export type { CallRt } from './context.js';
export type { Pacer } from './predictive.js';
export { SCRUB_AHEAD_MS } from './lifecycle.js';

export class CampaignDialer implements DialerCtx {
  readonly campaigns = new Map<string, CampaignRt>();
  readonly calls = new Map<string, CallRt>();
  readonly agents = new Map<string, AgentRt>();
  private readonly inbound = new Map<string, number>();
  private readonly dnc = new Map<string, Set<string>>();
  private seq = 0;
  private out: DialerCommand[] = [];

  constructor(
    private readonly random: () => number,
    private readonly pacer: Pacer = (_c, x) => modelPacer(x),
    private readonly callIds: () => string = () => `dial-${++this.seq}`,
  ) {}

  send(e: DialerInput): DialerCommand[] | Refusal {
    this.out = [];
    const refusal = this.apply(e);
    if (refusal) return refusal;
    this.pump(e.now);
    return this.out;
  }

  emit(c: DialerCommand): void {
    this.out.push(c);
  }

  inboundWaiting(queueId: string): number {
    return this.inbound.get(queueId) ?? 0;
  }

  onDnc(listId: string | undefined, number: string): boolean {
    return listId !== undefined && (this.dnc.get(listId)?.has(number) ?? false);
  }

  /** Whether the agent is free for dialing (see the module's comment). */
  free(agentId: string): boolean {
    const a = this.agents.get(agentId);
    return !!a && a.state === 'idle' && !a.held && a.queues.every((q) => (this.inbound.get(q) ?? 0) === 0);
  }

  private apply(e: DialerInput): Refusal | undefined {
    switch (e.type) {
      case 'tick':
        return;
      case 'load': {
        const ordered = [...e.contacts].sort((a, b) => a.order - b.order);
        const c: CampaignRt = { def: e.def, status: e.status ?? 'ready', instance: e.instance ?? 0, contacts: new Map(ordered.map((k) => [k.id, k])), ordered, skips: new Map(), stats: emptyStats(), day: { date: '', humans: 0, abandons: 0 } };
        this.campaigns.set(e.def.id, c);
        for (const k of ordered) if (k.state === 'pool' && this.onDnc(e.def.dncList, k.number)) this.out.push(settleContact(c, k, 'dnc', undefined));
        return;
      }
      case 'unload': {
        const c = this.campaigns.get(e.campaignId);
        if (!c) return;
        if ([...this.calls.values()].some((x) => x.campaignId === c.def.id)) return { refused: 'the campaign has calls in progress' };
        this.withdrawPreviews(c, 'campaign removed');
        this.campaigns.delete(e.campaignId);
        return;
      }
      case 'run':
      case 'pause':
      case 'resume':
      case 'stop':
        return campaignAction(this, this.campaigns.get(e.campaignId), e.type, e.campaignId);
      case 'agent': {
        const prev = this.agents.get(e.agentId);
        const a: AgentRt = { ...e.view, ...(prev?.held ? { held: prev.held } : {}) };
        this.agents.set(e.agentId, a);
        if (a.held && a.state !== 'idle') this.release(e.agentId, e.view.state === 'away' ? 'agent away' : 'agent busy');
        return;
      }
      case 'inbound-waiting':
        if (e.count > 0) {
          this.inbound.set(e.queueId, e.count);
          // Inbound first: agents of the queue held for a dial will take the caller instead.
          for (const [id, a] of this.agents) if (a.held && a.queues.includes(e.queueId)) this.release(id, 'an inbound call waits');
        } else this.inbound.delete(e.queueId);
        return;
      case 'dnc': {
        const set = this.dnc.get(e.listId) ?? new Set<string>();
        this.dnc.set(e.listId, set);
        if (e.on) set.add(e.number);
        else set.delete(e.number);
        return;
      }
      case 'dnc-list': {
        this.dnc.set(e.listId, new Set(e.numbers));
        for (const c of this.campaigns.values()) {
          if (c.def.dncList !== e.listId) continue;
          for (const k of c.ordered) if (k.state === 'pool' && this.onDnc(e.listId, k.number)) this.out.push(settleContact(c, k, 'dnc', undefined, e.now));
        }
        return;
      }
      case 'answered':
        return this.answered(e.callId, e.human, e.now);
      case 'ended':
        return this.ended(e.callId, e.outcome, e.now);
      case 'disposition':
        return this.disposition(e.contactId, e.outcome, e.now);
      case 'preview-decision':
        return this.decide(e.agentId, e.contactId, e.decision, e.now);
    }
  }

  withdrawPreviews(c: CampaignRt, reason: string): void {
    for (const [agentId, a] of this.agents) if (a.held?.kind === 'preview' && a.held.campaignId === c.def.id) this.release(agentId, reason);
  }

  /** The agent is no longer held: a preview goes back to the pool (not an attempt); a ringing call loses its agent. */
  private release(agentId: string, reason: string): void {
    const a = this.agents.get(agentId);
    if (!a?.held) return;
    const held = a.held;
    delete a.held;
    if (held.kind === 'preview') {
      const c = this.campaigns.get(held.campaignId);
      const k = c?.contacts.get(held.id);
      if (k?.state === 'preview') k.state = 'pool';
      this.out.push({ type: 'preview-withdrawn', agentId, contactId: held.id, reason });
    } else {
      const call = this.calls.get(held.id);
      if (call?.agentId === agentId) delete call.agentId;
    }
  }

  private answered(callId: string, human: boolean, now: number): Refusal | undefined {
    const call = this.calls.get(callId);
    if (!call || call.state === 'answered') return { refused: `no call ${callId} ringing` };
    const c = this.campaigns.get(call.campaignId)!;
    if (call.state === 'cancelling') {
      // Answered as the cancel crossed it: nobody will take it, and it is counted as what it is.
      call.state = 'answered';
      call.answeredAt = now;
      if (human) {
        c.stats.humans++;
        const day = this.today(c, now);
        day.humans++;
        day.abandons++;
        this.out.push({ type: 'abandon', callId });
      }
      return;
    }
    call.state = 'answered';
    call.answeredAt = now;
    c.stats.answered++;
    c.stats.answerMs += now - call.dialedAt;
    const heldBy = call.agentId;
    if (heldBy) {
      delete this.agents.get(heldBy)!.held;
      delete call.agentId;
    }
    if (!human) return;
    c.stats.humans++;
    this.today(c, now).humans++;
    if (c.def.mode === 'agentless') {
      this.out.push({ type: 'run-flow', callId, flow: c.def.flow! });
      return;
    }
    const agentId = heldBy && this.free(heldBy) ? heldBy : (this.freeAgents(c)[0] ?? this.takeHeld(c));
    if (agentId) {
      this.out.push({ type: 'connect', callId, queueId: c.def.queue!, agentId });
      // Busy from now on for the dialer; the router's own word follows.
      this.agents.get(agentId)!.state = 'busy';
      this.agents.get(agentId)!.since = now;
    } else if (c.def.mode === 'predictive') {
      this.today(c, now).abandons++;
      this.out.push({ type: 'abandon', callId });
    } else {
      // Progressive and preview: the customer waits in the queue behind inbound callers.
      this.out.push({ type: 'connect', callId, queueId: c.def.queue! });
    }
    return;
  }

  private ended(callId: string, outcome: Outcome | 'cancelled', now: number): Refusal | undefined {
    const call = this.calls.get(callId);
    if (!call) return { refused: `no call ${callId}` };
    this.calls.delete(callId);
    if (call.agentId) {
      const a = this.agents.get(call.agentId);
      if (a?.held?.id === callId) delete a.held;
    }
    const c = this.campaigns.get(call.campaignId)!;
    const k = c.contacts.get(call.contactId)!;
    if (outcome === 'cancelled') {
      k.state = 'pool';
      return;
    }
    if (call.state === 'ringing') c.stats.completed++;
    else {
      c.stats.completed++;
      if (outcome === 'connected') {
        c.stats.handled++;
        c.stats.handleMs += now - (call.answeredAt ?? now);
      }
    }
    k.attempts++;
    this.out.push(settleContact(c, k, outcome, callId, now));
    return;
  }

  private disposition(contactId: string, outcome: 'done' | 'retry' | 'do-not-call', now: number): Refusal | undefined {
    for (const c of this.campaigns.values()) {
      const k = c.contacts.get(contactId);
      if (!k) continue;
      if (k.state === 'calling' || k.state === 'preview') return { refused: 'the contact is being called' };
      if (outcome === 'do-not-call') {
        if (c.def.dncList) {
          this.apply({ type: 'dnc', now, listId: c.def.dncList, number: k.number, on: true });
          this.out.push({ type: 'dnc-add', listId: c.def.dncList, number: k.number });
        }
        k.state = 'dnc';
      } else if (outcome === 'retry') {
        k.state = k.attempts >= c.def.maxAttempts ? 'exhausted' : 'pool';
        k.nextAt = now + c.def.retryMinutes * 60_000;
      } else k.state = 'done';
      return;
    }
    return { refused: `no contact ${contactId}` };
  }

  private decide(agentId: string, contactId: string, decision: 'dial' | 'skip', now: number): Refusal | undefined {
    const a = this.agents.get(agentId);
    if (a?.held?.kind !== 'preview' || a.held.id !== contactId) return { refused: 'this contact is not being previewed by the agent' };
    const c = this.campaigns.get(a.held.campaignId)!;
    const k = c.contacts.get(contactId)!;
    if (decision === 'dial') {
      delete a.held;
      this.dial(c, k, now, agentId);
      return;
    }
    const skips = c.skips.get(agentId) ?? 0;
    if (skips >= c.def.maxSkips) return { refused: `no skips left (${c.def.maxSkips} per agent in this campaign)` };
    c.skips.set(agentId, skips + 1);
    delete a.held;
    k.attempts++;
    this.out.push(settleContact(c, k, 'skipped', undefined, now));
    return;
  }

  today(c: CampaignRt, now: number): CampaignRt['day'] {
    const date = localTime(now, c.def.timeZone).date;
    if (c.day.date !== date) c.day = { date, humans: 0, abandons: 0 };
    return c.day;
  }

  /** Whether the campaign may dial now (active, and inside an occurrence of its schedule if it has one). */
  dialing(c: CampaignRt, now: number): boolean {
    return c.status === 'active' && (!c.def.schedule || occurrenceAt(c.def.schedule, now) !== undefined);
  }

  /** The campaign's next contact to call now (pool.ts). */
  next(c: CampaignRt, now: number): Contact | undefined {
    return nextContact(c, now, (n) => this.onDnc(c.def.dncList, n));
  }

  /** An idle agent held for a call still ringing: a person on the line goes first; that call rings on without one. */
  private takeHeld(c: CampaignRt): string | undefined {
    const q = c.def.queue;
    for (const [id, a] of this.agents) {
      if (a.held?.kind !== 'call' || a.state !== 'idle' || q === undefined || !a.queues.includes(q) || a.queues.some((qq) => (this.inbound.get(qq) ?? 0) > 0)) continue;
      const call = this.calls.get(a.held.id);
      if (call?.agentId === id) delete call.agentId;
      delete a.held;
      return id;
    }
    return undefined;
  }

  freeAgents(c: CampaignRt): string[] {
    const q = c.def.queue;
    return [...this.agents.entries()].filter(([id, a]) => q !== undefined && a.queues.includes(q) && this.free(id)).sort((x, y) => x[1].since - y[1].since || (x[0] < y[0] ? -1 : 1)).map(([id]) => id);
  }

  dial(c: CampaignRt, k: Contact, now: number, agentId?: string): void {
    if (this.onDnc(c.def.dncList, k.number)) {
      // The last check, right before dialing.
      this.out.push(settleContact(c, k, 'dnc', undefined, now));
      return;
    }
    if (!c.def.schedule?.recurrencePrecedence && !contactable(c.def.hours, k.zones, now)) {
      // A preview that outlasted the contact's hours: back to the pool, not an attempt.
      k.state = 'pool';
      if (agentId) this.out.push({ type: 'preview-withdrawn', agentId, contactId: k.id, reason: "outside the contact's hours" });
      return;
    }
    const id = this.callIds();
    k.state = 'calling';
    this.calls.set(id, { id, campaignId: c.def.id, contactId: k.id, state: 'ringing', dialedAt: now, ...(agentId ? { agentId } : {}) });
    if (agentId) this.agents.get(agentId)!.held = { kind: 'call', id, campaignId: c.def.id };
    this.out.push({ type: 'dial', callId: id, campaignId: c.def.id, contactId: k.id, number: k.number, ringSeconds: c.def.ringSeconds, ...(agentId ? { agentId } : {}) });
  }

  private pump(now: number): void {
    for (const c of this.campaigns.values()) advance(this, c, now);
    // Previews past their time dial by themselves.
    for (const [agentId, a] of this.agents) {
      if (a.held?.kind === 'preview' && a.held.autoDialAt !== undefined && a.held.autoDialAt <= now) {
        const c = this.campaigns.get(a.held.campaignId)!;
        const k = c.contacts.get(a.held.id)!;
        delete a.held;
        this.dial(c, k, now, agentId);
      }
    }
    const agents = [...this.agents.entries()].filter(([id]) => this.free(id)).sort((x, y) => x[1].since - y[1].since || (x[0] < y[0] ? -1 : 1));
    for (const [agentId, a] of agents) this.assign(agentId, a, now);
    for (const c of this.campaigns.values()) {
      if (c.def.mode === 'predictive') predictStep(this, c, now, this.pacer);
      else if (c.def.mode === 'agentless' && this.dialing(c, now)) {
        let inFlight = [...this.calls.values()].filter((x) => x.campaignId === c.def.id).length;
        for (let k = this.next(c, now); k && inFlight < c.def.lines; k = this.next(c, now), inFlight++) this.dial(c, k, now);
      }
    }
  }

  /** A free agent: first a ringing call of theirs that lost its agent, else the best campaign's next contact. */
  private assign(agentId: string, a: AgentRt, now: number): void {
    for (const call of this.calls.values()) {
      const c = this.campaigns.get(call.campaignId)!;
      if (call.state === 'ringing' && !call.agentId && c.def.queue && a.queues.includes(c.def.queue) && c.def.mode !== 'agentless') {
        call.agentId = agentId;
        a.held = { kind: 'call', id: call.id, campaignId: c.def.id };
        return;
      }
    }
    const options: { c: CampaignRt; k: Contact; tie: number }[] = [];
    for (const c of this.campaigns.values()) {
      if (c.def.mode === 'agentless' || !c.def.queue || !a.queues.includes(c.def.queue) || !this.dialing(c, now)) continue;
      const k = this.next(c, now);
      if (k) options.push({ c, k, tie: this.random() });
    }
    options.sort((x, y) => y.c.def.priority - x.c.def.priority || x.tie - y.tie);
    const best = options[0];
    if (!best) return;
    if (best.c.def.mode === 'preview') {
      best.k.state = 'preview';
      const autoDialAt = now + best.c.def.previewSeconds * 1000;
      a.held = { kind: 'preview', id: best.k.id, campaignId: best.c.def.id, autoDialAt };
      this.out.push({ type: 'preview', agentId, campaignId: best.c.def.id, contactId: best.k.id, autoDialAt, canSkip: (best.c.skips.get(agentId) ?? 0) < best.c.def.maxSkips });
    } else this.dial(best.c, best.k, now, agentId);
  }


}
