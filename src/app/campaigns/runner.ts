/**
 * The campaign dialer's shell: feeds the pure dialer (src/core/campaign)
 * the router's view of agents and waiting inbound calls once a second,
 * places its calls through the outbound dialer (trunk, AMD, ring time),
 * hands answered humans to the campaign's queue (behind inbound callers:
 * priority -1) or flow, and stores every attempt and each contact's
 * progress. Campaign events (status, attempts, previews) go out on the live
 * event stream.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CampaignDialer } from '../../core/campaign/dialer.js';
import type { AgentView, CampaignStatus, DialerCommand, DialerInput, Outcome } from '../../core/campaign/types.js';
import type { AgentStatus } from '../../core/acd/types.js';
import type { Router } from '../../core/acd/router.js';
import type { Config } from '../../config/schema.js';
import type { CampaignStore } from '../../store/campaigns.js';
import type { HumanPlan, OriginateRequest } from '../outbound.js';
import type { LiveEvent } from '../calls/state.js';
import { trunkTarget } from '../calls/inbound.js';
import type { DispositionList } from '../../core/work/work.js';
import { toDef, type CampaignSettings } from './settings.js';

export interface RunnerDeps {
  store: CampaignStore;
  originate(req: OriginateRequest): { id: string } | { refused: string };
  cancel(callId: string): boolean;
  router: () => Router;
  config: () => Config;
  /** Live events out (the centre's stream), and the centre's own in (a campaign call's end). */
  emit(e: LiveEvent): void;
  onLive(listener: (e: LiveEvent) => void): void;
  log: Logger;
  now: () => number;
}

const BUSY: AgentStatus[] = ['offered', 'on-call', 'wrap-up', 'missed-backoff'];

export class CampaignRunner {
  readonly core = new CampaignDialer(Math.random, undefined, randomUUID);
  private readonly settings = new Map<string, CampaignSettings>();
  /** Contact id -> its number, name and properties (what the agent sees). */
  private readonly contacts = new Map<string, { number: string; name?: string; properties: Record<string, string> }>();
  /** Calls handed to the centre: their attempt ends when the centre's call does. */
  private readonly connected = new Set<string>();
  private readonly agentSeen = new Map<string, string>();
  /** Campaign calls by id -> their contact (a disposition may come after the call), and dispositions given during the call. */
  private readonly callContact = new Map<string, string>();
  private readonly dispositions = new Map<string, 'done' | 'retry' | 'do-not-call'>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly d: RunnerDeps) {
    d.onLive((e) => {
      if (e.kind !== 'call') return;
      if (e.type === 'ended' && this.connected.delete(e.callId)) {
        this.send({ type: 'ended', now: d.now(), callId: e.callId, outcome: 'connected' });
        const given = this.dispositions.get(e.callId);
        if (given) this.dispose(e.callId, given);
      }
      // The agent's disposition of a campaign call: done, retry (back in the pool) or do-not-call (onto the campaign's list);
      // an IVR flow (agentless) asks for the last by setting the variable doNotCall (yes, true or 1).
      const flowSaid = e.type === 'ivr-end' && this.callContact.has(e.callId) && /^(yes|true|1)$/i.test(String((e.data?.variables as Record<string, unknown> | undefined)?.doNotCall ?? ''));
      const outcome = e.type === 'disposition' ? e.data?.outcome : flowSaid ? 'do-not-call' : undefined;
      if (outcome === 'done' || outcome === 'retry' || outcome === 'do-not-call') {
        if (this.connected.has(e.callId)) this.dispositions.set(e.callId, outcome);
        else this.dispose(e.callId, outcome);
      }
    });
  }

  /** Loads the campaigns that were active or paused, and dials once a second from now on. */
  async start(): Promise<void> {
    for (const c of await this.d.store.campaigns()) if (c.status === 'active' || c.status === 'paused') await this.load(c.id);
    this.timer = setInterval(() => this.tick(), 1_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async load(id: string): Promise<void> {
    const row = await this.d.store.campaign(id);
    if (!row) throw new Error(`no campaign ${id}`);
    const s = JSON.parse(row.settings) as CampaignSettings;
    this.settings.set(id, s);
    const loaded = await this.d.store.loadContacts(id, s.lists, row.instance);
    if (s.order === 'random') for (const { contact } of loaded) contact.order = Math.random();
    for (const { contact, row: r } of loaded) this.contacts.set(contact.id, { number: r.number, ...(r.name ? { name: r.name } : {}), properties: r.properties ? (JSON.parse(r.properties) as Record<string, string>) : {} });
    if (s.dncList) for (const n of await this.d.store.dncNumbers(s.dncList)) this.core.send({ type: 'dnc', now: this.d.now(), listId: s.dncList, number: n, on: true });
    for (const { contact } of loaded) if (contact.zones.length === 0) contact.zones = [s.timeZone];
    this.send({ type: 'load', now: this.d.now(), def: toDef(id, s), contacts: loaded.map((l) => l.contact), status: row.status as CampaignStatus, instance: row.instance });
    this.d.log.info({ campaignId: id, contacts: loaded.length, status: row.status }, 'campaign loaded');
  }

  /** run, pause, resume, stop: the reason when refused. */
  async act(id: string, action: 'run' | 'pause' | 'resume' | 'stop'): Promise<string | undefined> {
    if (!this.core.campaigns.has(id)) await this.load(id);
    const r = this.send({ type: action, now: this.d.now(), campaignId: id });
    return 'refused' in r ? r.refused : undefined;
  }

  /** Takes a campaign out (edited or deleted); refused while it has calls. */
  unload(id: string): string | undefined {
    if (!this.core.campaigns.has(id)) return undefined;
    const r = this.send({ type: 'unload', now: this.d.now(), campaignId: id });
    if ('refused' in r) return r.refused;
    this.settings.delete(id);
    return undefined;
  }

  dnc(listId: string, number: string, on: boolean): void {
    this.send({ type: 'dnc', now: this.d.now(), listId, number, on });
  }

  previewDecision(agentId: string, contactId: string, decision: 'dial' | 'skip'): string | undefined {
    const r = this.send({ type: 'preview-decision', now: this.d.now(), agentId, contactId, decision });
    return 'refused' in r ? r.refused : undefined;
  }

  /** The agent's preview, if any. */
  previewOf(agentId: string): { campaignId: string; campaign: string; contactId: string; autoDialAt?: number; canSkip: boolean; contact?: unknown } | undefined {
    const held = this.core.agents.get(agentId)?.held;
    if (held?.kind !== 'preview') return undefined;
    const c = this.core.campaigns.get(held.campaignId);
    const canSkip = (c?.skips.get(agentId) ?? 0) < (c?.def.maxSkips ?? 0);
    return { campaignId: held.campaignId, campaign: c?.def.name ?? '', contactId: held.id, ...(held.autoDialAt ? { autoDialAt: held.autoDialAt } : {}), canSkip, contact: this.contacts.get(held.id) };
  }

  /** The dispositions of a campaign call's campaign, when it lists its own (else the queue's apply); after a restart, from the call's attempt. */
  async dispositionsOf(callId: string): Promise<DispositionList | undefined> {
    const contactId = this.callContact.get(callId);
    const campaignId = contactId ? [...this.core.campaigns.values()].find((c) => c.contacts.has(contactId))?.def.id : await this.d.store.campaignOfCall(callId);
    if (!campaignId) return undefined;
    const s = this.settings.get(campaignId) ?? (await this.d.store.campaign(campaignId).then((row) => (row ? (JSON.parse(row.settings) as CampaignSettings) : undefined)));
    return s?.dispositions;
  }

  /** Progress: contacts by state, calls in flight, the day's humans and abandons. */
  progress(id: string): { status: CampaignStatus; instance: number; contacts: Record<string, number>; calling: number; today: { humans: number; abandons: number } } | undefined {
    const c = this.core.campaigns.get(id);
    if (!c) return undefined;
    const contacts: Record<string, number> = {};
    for (const k of c.ordered) contacts[k.state] = (contacts[k.state] ?? 0) + 1;
    const calling = [...this.core.calls.values()].filter((x) => x.campaignId === id).length;
    return { status: c.status, instance: c.instance, contacts, calling, today: { humans: c.day.humans, abandons: c.day.abandons } };
  }

  private tick(): void {
    const now = this.d.now();
    const router = this.d.router();
    const queues = new Set([...this.settings.values()].map((s) => s.queue).filter((q): q is string => !!q));
    const config = this.d.config();
    const inbound = new Map<string, Set<string>>([...queues].map((q) => [q, new Set<string>()]));
    for (const agentId of Object.keys(config.agents)) {
      const view = router.agentView(agentId, now);
      const member = view?.queues.map((q) => q.queueId).filter((q) => queues.has(q)) ?? [];
      if (member.length === 0) continue;
      const state: AgentView['state'] = !view ? 'away' : view.status === 'ready' ? 'idle' : BUSY.includes(view.status) ? 'busy' : 'away';
      const key = `${state}/${member.join(',')}`;
      if (this.agentSeen.get(agentId) !== key) {
        this.agentSeen.set(agentId, key);
        this.send({ type: 'agent', now, agentId, view: { queues: member, state, since: now } });
      }
      for (const w of router.poolFor(agentId, now)?.waiting ?? []) if (w.priority >= 0 && inbound.has(w.queueId)) inbound.get(w.queueId)!.add(w.callId);
    }
    for (const [queueId, waiting] of inbound) this.send({ type: 'inbound-waiting', now, queueId, count: waiting.size });
    this.send({ type: 'tick', now });
  }

  private send(e: DialerInput): DialerCommand[] | { refused: string } {
    const out = this.core.send(e);
    if (Array.isArray(out)) for (const c of out) this.carryOut(c);
    return out;
  }

  /** What the dialer says for the call being answered, for the outbound dialer's hook. */
  private plans = new Map<string, HumanPlan>();

  private carryOut(c: DialerCommand): void {
    const now = this.d.now();
    switch (c.type) {
      case 'dial':
        return this.dial(c);
      case 'cancel':
        this.d.cancel(c.callId);
        return;
      case 'connect': {
        // The dialer counts the agent it meant busy from now on, but the router offers the person to whoever it picks:
        // the next tick tells the dialer again what the router says of that agent (else a Ready agent stays stranded).
        if (c.agentId) this.agentSeen.delete(c.agentId);
        const k = this.contactOfCall(c.callId);
        const s = this.settingsOfCall(c.callId);
        const variables: Record<string, string> = { campaign: s?.name ?? '', ...(k?.name ? { contactName: k.name } : {}), ...(k?.properties ?? {}) };
        this.plans.set(c.callId, { target: { queue: c.queueId, priority: -1 }, variables, modes: { ...(s?.record ? { recording: 'auto' as const } : {}), ...(s?.transcription && s.transcription !== 'off' ? { transcription: s.transcription } : {}) } });
        return;
      }
      case 'run-flow':
        this.plans.set(c.callId, { target: { ivr: c.flow }, variables: { campaign: this.settingsOfCall(c.callId)?.name ?? '' } });
        return;
      case 'abandon':
        this.plans.set(c.callId, { abandon: this.settingsOfCall(c.callId)?.safeHarborMessage ?? 'goodbye.wav' });
        return;
      case 'attempt': {
        const rt = this.core.campaigns.get(c.campaignId);
        const number = this.contacts.get(c.contactId)?.number ?? '';
        void this.d.store.saveProgress(c.campaignId, rt?.instance ?? 0, { id: c.contactId, attempts: c.attempts, nextAt: c.nextAt, state: c.state, last: c.outcome }, now).catch((err: Error) => this.d.log.error({ err: err.message }, 'campaign progress not stored'));
        void this.d.store.addAttempt({ campaignId: c.campaignId, instance: rt?.instance ?? 0, contactId: c.contactId, ...(c.callId ? { callId: c.callId } : {}), number, outcome: c.outcome, at: now }).catch((err: Error) => this.d.log.error({ err: err.message }, 'campaign attempt not stored'));
        this.d.emit({ kind: 'campaign', campaignId: c.campaignId, type: 'attempt', at: now, data: { contactId: c.contactId, outcome: c.outcome, attempts: c.attempts, state: c.state, ...(c.callId ? { callId: c.callId } : {}) } });
        return;
      }
      case 'status':
        void this.d.store.setStatus(c.campaignId, c.status, c.instance, now).catch((err: Error) => this.d.log.error({ err: err.message }, 'campaign status not stored'));
        this.d.log.info({ campaignId: c.campaignId, status: c.status, instance: c.instance }, 'campaign status');
        this.d.emit({ kind: 'campaign', campaignId: c.campaignId, type: 'status', at: now, data: { status: c.status, instance: c.instance } });
        return;
      case 'preview':
        this.d.emit({ kind: 'campaign', campaignId: c.campaignId, type: 'preview', at: now, agentId: c.agentId, data: { contactId: c.contactId, autoDialAt: c.autoDialAt, canSkip: c.canSkip, contact: this.contacts.get(c.contactId) } });
        return;
      case 'preview-withdrawn':
        this.d.emit({ kind: 'campaign', campaignId: '', type: 'preview-withdrawn', at: now, agentId: c.agentId, data: { contactId: c.contactId, reason: c.reason } });
        return;
      case 'scrub':
        void this.d.store
          .dncNumbers(c.listId)
          .then((numbers) => {
            this.send({ type: 'dnc-list', now: this.d.now(), listId: c.listId, numbers });
            this.d.log.info({ campaignId: c.campaignId, occurrence: c.occurrence, numbers: numbers.length }, 'do-not-call list read again before the occurrence');
          })
          .catch((err: Error) => this.d.log.error({ campaignId: c.campaignId, err: err.message }, 'do-not-call list not read again; the one in memory applies'));
        return;
      case 'dnc-add':
        void this.d.store.addDnc(c.listId, [c.number], 'disposition', now).catch((err: Error) => this.d.log.error({ err: err.message }, 'do-not-call number not stored'));
        return;
    }
  }

  private dispose(callId: string, outcome: 'done' | 'retry' | 'do-not-call'): void {
    this.dispositions.delete(callId);
    const contactId = this.callContact.get(callId);
    if (!contactId) return;
    const r = this.send({ type: 'disposition', now: this.d.now(), contactId, outcome });
    if ('refused' in r) return void this.d.log.warn({ callId, contactId, outcome, why: r.refused }, 'disposition not applied to the campaign contact');
    const c = [...this.core.campaigns.values()].find((x) => x.contacts.has(contactId));
    const k = c?.contacts.get(contactId);
    if (c && k) void this.d.store.saveProgress(c.def.id, c.instance, k, this.d.now()).catch((err: Error) => this.d.log.error({ err: err.message }, 'campaign progress not stored'));
    this.d.log.info({ callId, contactId, outcome }, 'campaign contact disposed');
  }

  private contactOfCall(callId: string) {
    const call = this.core.calls.get(callId);
    return call ? this.contacts.get(call.contactId) : undefined;
  }

  private settingsOfCall(callId: string): CampaignSettings | undefined {
    const call = this.core.calls.get(callId);
    return call ? this.settings.get(call.campaignId) : undefined;
  }

  private dial(c: Extract<DialerCommand, { type: 'dial' }>): void {
    const s = this.settings.get(c.campaignId)!;
    this.callContact.set(c.callId, c.contactId);
    if (this.callContact.size > 100_000) this.callContact.delete(this.callContact.keys().next().value!);
    const trunk = trunkTarget(this.d.config(), c.number, s.trunk);
    const failed = (why: string) => {
      this.d.log.warn({ campaignId: c.campaignId, contactId: c.contactId, why }, 'campaign call not placed');
      // After this command batch: the dialer is still handing out its commands.
      queueMicrotask(() => this.send({ type: 'ended', now: this.d.now(), callId: c.callId, outcome: 'failed' }));
    };
    if (!trunk) return failed('no trunk');
    const r = this.d.originate({
      id: c.callId,
      to: trunk.target.uri,
      number: c.number,
      ...(s.callerId ? { from: s.callerId } : {}),
      ...(s.amd.enabled ? { amd: s.amd.profile ? { profile: s.amd.profile } : {} } : {}),
      ...(s.onMachine === 'message' && s.machineMessage ? { onMachine: { play: s.machineMessage } } : {}),
      ringSeconds: c.ringSeconds,
      campaign: {
        answered: (human) => {
          this.send({ type: 'answered', now: this.d.now(), callId: c.callId, human });
          const plan = this.plans.get(c.callId);
          this.plans.delete(c.callId);
          return plan ?? { hangup: true };
        },
        ended: (outcome) => {
          if (outcome === 'connected') this.connected.add(c.callId);
          else this.send({ type: 'ended', now: this.d.now(), callId: c.callId, outcome: outcome as Outcome | 'cancelled' });
        },
      },
    });
    if ('refused' in r) failed(r.refused);
  }
}
