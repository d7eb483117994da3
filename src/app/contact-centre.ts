/**
 * The wiring between the pure router and the real world: SIP legs (drachtio),
 * media legs (FreeSWITCH through fsmrf) and call records.
 *
 * Inbound call path:
 * ```
 *  INVITE --> number lookup (or an agent's extension) --> connectCaller (200 OK)
 *    --> welcome --> target: queue | agent | IVR | voicemail | external number | hang-up
 *    queue: hold music (+ announcements) --> router offers an agent
 *      --> INVITE to every device of the agent --> 200 OK --> agent media leg
 *      --> bridge caller <-> agent --> either side hangs up --> CDR closed
 *    a queue limit --> overflow target (the same list)
 * ```
 * Every decision (who gets the call, when an offer times out, wrap-up,
 * limits, announcements) is the router's; this module only turns its commands
 * into SIP/media actions and SIP/media outcomes back into router events.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { Router } from '../core/acd/router.js';
import type { AgentId, OverflowTarget, Presence, RouterCommand, RouterEvent, RouterSnapshot } from '../core/acd/types.js';
import type { Config, Target } from '../config/schema.js';
import type { EventSocket } from '../media/event-socket.js';
import { releaseEndpoint, type Endpoint, type MediaConnection } from '../media/media-server.js';
import { record, RECORD_TONE, stopPlayback } from '../media/actions.js';
import { connectCallerLeg, connectDeviceLeg } from '../media/device-leg.js';
import { identityAsUac, identityAsUas } from '../sip/dialog-identity.js';
import { ring, targetsOf, type AnsweredOffer, type RingingOffer } from '../sip/ring.js';
import type { Registrar } from '../sip/registrar.js';
import type { CallStore } from '../store/calls.js';
import type { Db } from '../store/db.js';
import type { Metrics } from '../api/metrics.js';
import type { TollGuard } from '../core/security/toll-guard.js';
import { announcementPrompts, fileString } from './announcements.js';
import { adoptRecorded, byeFromRecord, reconcileAfterRestart, type AdoptedWatcher } from './restart-recovery.js';
import { decodePercentOrRaw } from './library-guards.js';
import { directQueueId, routerPolicy, transferTarget } from './policy.js';

interface Leg {
  ep: Endpoint;
  dialog: Srf.Dialog;
}

interface LiveCall {
  id: string;
  did: string;
  callerNumber: string;
  callerName: string;
  /** From the contacts directory, when the number is known. */
  contactName?: string;
  clientId?: string;
  queueId?: string;
  arrivedAt: number;
  queuedAt?: number;
  caller?: Leg;
  ringing: Map<AgentId, RingingOffer>;
  answers: Map<AgentId, AnsweredOffer>;
  agent?: { id: AgentId; ep?: Endpoint; dialog?: Srf.Dialog; answeredAt: number };
  /** A leg to an external number the call was forwarded to. */
  external?: Partial<Leg> & { answeredAt: number };
  /** Variables collected on the way (IVR), returned with the call. */
  variables: Record<string, string>;
  announcing: boolean;
  /** Leaving a voicemail: the caller hanging up is how it normally ends. */
  inVoicemail?: boolean;
  /** Left its queue through a limit: whatever happens next, that is how it ended. */
  overflowed?: boolean;
  /** Set when an agent transferred the call: shown with the next offer. */
  transfer?: { by: AgentId; how: 'blind'; to: string };
  ended: boolean;
}

export interface ContactCentreDeps {
  srf: Srf;
  media: MediaConnection;
  esl: EventSocket;
  registrar: Registrar;
  calls: CallStore;
  db: Db;
  metrics: Metrics;
  /** Toll-fraud rules for calls to external numbers. */
  toll: TollGuard;
  log: Logger;
  config: () => Config;
  nodeId: string;
  /** Wall clock in ms, for the router and call records. */
  now?: () => number;
  /** The contact name of a caller's number, if known. */
  contactName?: (number: string) => Promise<string | undefined>;
  /** Runs an IVR flow on an answered call and says where the call goes next. */
  ivr?: (call: { id: string; callerNumber: string; did: string; leg: Leg }, flow: string) => Promise<{ target: Target; variables: Record<string, string> } | undefined>;
}

/** What desks and wallboards are told, as it happens. */
export type LiveEvent =
  | { kind: 'agent'; agentId: string; status: string; presence: Presence; reason?: string; at: number }
  | { kind: 'call'; callId: string; type: string; at: number; data?: Record<string, unknown> };

/** High-resolution wall-clock ms, for timelines that latency figures are computed from. */
export const hrNow = () => performance.timeOrigin + performance.now();

const DEFAULT_OVERFLOW: Target = { message: 'goodbye.wav', hangup: true };

export class ContactCentre extends EventEmitter<{ live: [LiveEvent] }> {
  readonly router: Router;
  private readonly live = new Map<string, LiveCall>();
  /** FreeSWITCH channel uuid -> call and leg, to file RTP counters when the channel is destroyed. */
  private readonly legs = new Map<string, { callId: string; leg: 'caller' | 'agent' }>();
  /** Answers that arrive for calls that have already gone, kept until the router says to release them. */
  private readonly orphans = new Map<string, AnsweredOffer>();
  private timer?: NodeJS.Timeout;
  private saveTimer?: NodeJS.Timeout;
  private readonly now: () => number;

  /** Calls adopted after a restart, being watched (see restart-recovery.ts). */
  private readonly adoptedWatchers = new Set<AdoptedWatcher>();

  /**
   * `snapshot`: the router's state saved by a previous run (presence, reasons,
   * counters, affinity, calls in flight); see {@link reconcileAfterRestart}.
   */
  constructor(
    private readonly d: ContactCentreDeps,
    snapshot?: RouterSnapshot,
  ) {
    super();
    this.now = d.now ?? Date.now;
    this.router = snapshot ? Router.restore(routerPolicy(d.config()), snapshot, this.now()) : new Router(routerPolicy(d.config()), this.now());
    d.esl.on('channel-stats', (s) => {
      const leg = this.legs.get(s.uuid);
      if (!leg) return;
      this.legs.delete(s.uuid);
      d.calls.update(leg.callId, leg.leg === 'caller' ? { caller_rtp_in: s.rtpInPackets, caller_rtp_out: s.rtpOutPackets } : { agent_rtp_in: s.rtpInPackets, agent_rtp_out: s.rtpOutPackets });
    });
  }

  get activeCalls(): number {
    return this.live.size;
  }

  /** Feeds one event to the router and carries out what it decides. */
  feed(event: RouterEvent): void {
    this.apply(this.router.handle(event, this.now()));
  }

  reconfigure(config: Config): void {
    this.apply(this.router.reconfigure(routerPolicy(config), this.now()));
  }

  /**
   * Stops taking decisions. Calls not yet connected are ended; bridged calls
   * are left up in FreeSWITCH (their media does not need the daemon) for the
   * next run to adopt. Resolves once the router's state is saved.
   */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    for (const watcher of this.adoptedWatchers) watcher.stop();
    for (const call of [...this.live.values()]) {
      if (call.agent?.dialog) continue;
      this.finish(call, { side: 'system', cause: 'SYSTEM_SHUTDOWN', disposition: 'failed' });
    }
    clearTimeout(this.saveTimer);
    await this.saveState();
  }

  /** Saves the router's snapshot; runs shortly after every change and at stop. */
  async saveState(): Promise<void> {
    const snapshot = JSON.stringify(this.router.snapshot());
    const now = this.now();
    await this.d.db
      .insertInto('router_state')
      .values({ id: 'router', snapshot, saved_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ snapshot, saved_at: now }))
      .execute()
      .catch((err: Error) => this.d.log.error({ err: err.message }, 'saving router state failed'));
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.saveState();
    }, 250);
    this.saveTimer.unref();
  }

  /** After a restart: adopt the bridged calls the previous run left up, close the rest (see restart-recovery.ts). */
  reconcileAfterRestart(): Promise<{ adopted: number; ended: number }> {
    return reconcileAfterRestart(this.recoveryDeps());
  }

  /**
   * drachtio-server is back after a loss and has forgotten every dialog;
   * FreeSWITCH kept the media. Bridged calls are watched from their records
   * like calls adopted after a restart (their audio never stopped); calls not
   * yet bridged are ended and their callers sent a BYE from the saved dialog.
   */
  async sipRestored(): Promise<{ adopted: number; ended: number }> {
    const deps = this.recoveryDeps();
    let adopted = 0;
    let ended = 0;
    for (const call of [...this.live.values()]) {
      if (call.agent?.ep && call.caller && !call.ended) {
        this.live.delete(call.id);
        this.d.metrics.callsActive.set(this.live.size);
        if (await adoptRecorded(deps, call.id, 'drachtio-server restarted')) {
          adopted++;
          continue;
        }
        this.live.set(call.id, call);
      }
      this.finish(call, { side: 'system', cause: 'SIP_SERVER_LOST', disposition: call.agent ? 'answered' : 'failed' });
      await byeFromRecord(deps, call.id, 'caller').catch(() => undefined);
      ended++;
    }
    return { adopted, ended };
  }

  private recoveryDeps() {
    return {
      router: this.router,
      db: this.d.db,
      esl: this.d.esl,
      calls: this.d.calls,
      now: this.now,
      feed: (e: RouterEvent) => this.feed(e),
      timeline: (callId: string, type: string, data?: Record<string, unknown>) => this.timeline({ id: callId }, type, data),
      srf: this.d.srf,
      log: this.d.log,
      watchers: this.adoptedWatchers,
    };
  }

  private timeline(call: { id: string }, type: string, data?: Record<string, unknown>, at = hrNow()): void {
    this.d.calls.event(call.id, at, type, data);
    this.emit('live', { kind: 'call', callId: call.id, type, at, ...(data ? { data } : {}) });
  }

  // ---- inbound calls ------------------------------------------------------

  async handleInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const config = this.d.config();
    const dialled = req.calledNumber ?? '';
    const number = config.numbers[dialled] ?? config.numbers[`+${dialled}`] ?? config.numbers[dialled.replace(/^\+/, '')];
    // An agent dialling a colleague's extension: only registered agents may, so authenticate.
    const callee = number ? undefined : Object.entries(config.agents).find(([, a]) => a.extension === dialled);
    let caller: { number: string; name: string } = { number: req.callingNumber ?? '', name: (req as { callingName?: string }).callingName ?? '' };
    if (callee) {
      const who = this.d.registrar.authenticateCall(req, res);
      if (!who) return;
      const a = config.agents[who];
      caller = { number: a?.extension ?? '', name: a?.name ?? '' };
    } else if (!number) {
      this.d.log.info({ dialled, from: req.callingNumber, source: req.source_address }, 'call to unknown number refused');
      this.d.registrar.observer.failure(req, 'call to an unknown number');
      return res.send(404);
    }
    const ms = this.d.media.ms;
    if (!ms || !this.d.media.up) {
      this.d.log.warn({ dialled }, 'call refused: media server unavailable');
      return res.send(503, { headers: { 'Retry-After': '5' } });
    }
    const call: LiveCall = {
      id: randomUUID(),
      did: dialled,
      callerNumber: caller.number,
      callerName: caller.name,
      ...(number?.client ? { clientId: number.client } : {}),
      arrivedAt: this.now(),
      ringing: new Map(),
      answers: new Map(),
      variables: {},
      announcing: false,
      ended: false,
    };
    this.live.set(call.id, call);
    this.d.metrics.callsActive.set(this.live.size);
    this.d.calls.create({ id: call.id, node_id: this.d.nodeId, direction: callee ? 'internal' : 'inbound', did: dialled, caller_number: call.callerNumber, caller_name: call.callerName || null, arrived_at: call.arrivedAt });
    this.timeline(call, 'arrived', { did: dialled, from: call.callerNumber, sipCallId: req.get('Call-ID') });
    const contact = call.callerNumber && this.d.contactName ? this.d.contactName(call.callerNumber).catch(() => undefined) : undefined;

    // The caller may CANCEL while FreeSWITCH is still answering.
    req.on('cancel', () => {
      if (!call.caller) this.finish(call, { side: 'caller', cause: 'ORIGINATOR_CANCEL', disposition: 'abandoned' });
    });
    try {
      const leg = await connectCallerLeg(this.d.srf, ms, req, res);
      if (call.ended) {
        void leg.dialog.destroy();
        void leg.endpoint.destroy().catch(() => undefined);
        return;
      }
      call.caller = { ep: leg.endpoint, dialog: leg.dialog };
      this.legs.set(leg.endpoint.uuid, { callId: call.id, leg: 'caller' });
      this.d.calls.update(call.id, { caller_uuid: leg.endpoint.uuid, caller_sip: JSON.stringify(identityAsUas(leg.dialog, req)) });
    } catch (err) {
      this.d.log.error({ callId: call.id, err: (err as Error).message }, 'could not answer caller');
      if (!res.finalResponseSent) res.send(503);
      return this.finish(call, { side: 'system', cause: 'MEDIA_FAILURE', disposition: 'failed' });
    }
    this.d.calls.update(call.id, { answered_at: this.now() });
    this.timeline(call, 'answered');
    call.caller.dialog.on('destroy', () => this.hangUpFrom(call, 'caller'));
    call.contactName = await contact;

    if (number?.welcome) await this.play(call, number.welcome);
    await this.routeTo(call, callee ? { agent: callee[0] } : number!.route, 'number');
  }

  /**
   * Takes over an answered call placed by someone else (the outbound dialer
   * after a human answered) and queues it like an inbound one.
   */
  adoptAnswered(leg: { id: string; number: string; ep: Endpoint; dialog: Srf.Dialog; arrivedAt: number }, queueId: string): void {
    const call: LiveCall = { id: leg.id, did: '', callerNumber: leg.number, callerName: '', arrivedAt: leg.arrivedAt, ringing: new Map(), answers: new Map(), variables: {}, announcing: false, ended: false, caller: { ep: leg.ep, dialog: leg.dialog } };
    this.live.set(call.id, call);
    this.d.metrics.callsActive.set(this.live.size);
    this.legs.set(leg.ep.uuid, { callId: call.id, leg: 'caller' });
    this.d.calls.update(call.id, { caller_uuid: leg.ep.uuid });
    leg.dialog.on('destroy', () => this.hangUpFrom(call, 'caller'));
    void this.routeTo(call, { queue: queueId }, 'outbound');
  }

  // ---- targets --------------------------------------------------------------

  /** Sends an answered call where a number, an IVR, an overflow or a fallback says. */
  private async routeTo(call: LiveCall, target: Target, via: string, depth = 0): Promise<void> {
    if (call.ended || !call.caller) return;
    if (depth > 8) return this.finish(call, { side: 'system', cause: 'ROUTING_LOOP', disposition: 'failed' });
    const config = this.d.config();
    if ('queue' in target) {
      const welcome = config.queues[target.queue]?.welcome;
      if (welcome && via !== 'overflow') await this.play(call, welcome);
      return this.enterQueue(call, target.queue, target.priority ?? 0);
    }
    if ('agent' in target) return this.enterQueue(call, directQueueId(target.agent), 0);
    if ('ivr' in target) {
      if (!this.d.ivr) return this.finish(call, { side: 'system', cause: 'IVR_UNAVAILABLE', disposition: 'failed' });
      this.timeline(call, 'ivr-start', { flow: target.ivr });
      const result = await this.d.ivr({ id: call.id, callerNumber: call.callerNumber, did: call.did, leg: call.caller }, target.ivr);
      if (!result || call.ended) return;
      Object.assign(call.variables, result.variables);
      this.timeline(call, 'ivr-end', { flow: target.ivr, variables: result.variables });
      return this.routeTo(call, result.target, 'ivr', depth + 1);
    }
    if ('voicemail' in target) return this.voicemail(call, target.voicemail);
    if ('number' in target) return this.forward(call, target.number, target.trunk, via === 'transfer' ? call.transfer?.by : undefined);
    if (target.message) await this.play(call, target.message);
    const cause = typeof target.hangup === 'string' ? target.hangup : 'NORMAL_CLEARING';
    this.finish(call, { side: 'system', cause, disposition: via === 'overflow' ? 'overflow' : 'rejected' });
  }

  private enterQueue(call: LiveCall, queueId: string, priority: number): void {
    if (call.ended || !call.caller) return;
    call.queueId = queueId;
    call.queuedAt = this.now();
    this.d.calls.update(call.id, { queue_id: queueId, queued_at: call.queuedAt });
    this.timeline(call, 'queued', { queueId, priority });
    this.holdMusic(call);
    const clientId = call.clientId ?? this.d.config().queues[queueId]?.client;
    this.feed({ type: 'call-queued', callId: call.id, queueId, priority, ...(call.callerNumber ? { caller: call.callerNumber } : {}), ...(clientId ? { clientId } : {}) });
  }

  private holdMusic(call: LiveCall): void {
    const hold = (call.queueId && this.d.config().queues[call.queueId]?.holdMusic) || 'local_stream://moh';
    // Hold music runs until the bridge (or an announcement) replaces it; its promise settles then.
    void call.caller?.ep.play(hold).catch(() => undefined);
  }

  private async voicemail(call: LiveCall, boxId: string): Promise<void> {
    const box = this.d.config().voicemail[boxId];
    if (!call.caller || !box) return this.finish(call, { side: 'system', cause: 'NO_VOICEMAIL_BOX', disposition: 'failed' });
    const ep = call.caller.ep;
    await this.play(call, box.greeting ?? 'voicemail-greeting.wav');
    await this.play(call, RECORD_TONE);
    if (call.ended) return;
    // FreeSWITCH's record does not create directories: one flat directory, the box in the name.
    const name = `voicemail-${boxId}-${call.id}.wav`;
    const file = `\${recordings_dir}/${name}`;
    const started = this.now();
    this.timeline(call, 'voicemail-recording', { box: boxId });
    call.inVoicemail = true;
    let callerHungUp = false;
    call.caller.dialog.once('destroy', () => (callerHungUp = true));
    await record(ep, file, box.maxSec).catch((err: Error) => this.d.log.warn({ callId: call.id, err: err.message }, 'voicemail recording failed'));
    this.timeline(call, 'voicemail-recorded', { box: boxId, file: name, durationMs: this.now() - started });
    this.finish(call, { side: callerHungUp ? 'caller' : 'system', cause: 'NORMAL_CLEARING', disposition: 'voicemail' }, false, callerHungUp);
  }

  /** Forwards the call to an external number through a trunk and bridges it. */
  /** Forwards the call to an external number through a trunk, if the toll-fraud rules let it (`byAgent`: a transfer). */
  private async forward(call: LiveCall, number: string, trunkId?: string, byAgent?: AgentId): Promise<void> {
    const config = this.d.config();
    const id = trunkId ?? Object.keys(config.trunks)[0];
    const trunk = id ? config.trunks[id] : undefined;
    const ms = this.d.media.ms;
    if (!trunk || !ms || !call.caller) return this.finish(call, { side: 'system', cause: 'NO_ROUTE_DESTINATION', disposition: 'failed' });
    const verdict = this.d.toll.request(call.id, number, byAgent, this.now());
    if (!verdict.ok) {
      this.tollRefused(call, number, byAgent, verdict);
      await this.play(call, 'goodbye.wav');
      return this.finish(call, { side: 'system', cause: 'OUTGOING_CALL_BARRED', disposition: 'failed' });
    }
    const uri = trunk.uri.replace(/^(sips?:)(?:[^@]*@)?/, `$1${encodeURIComponent(number)}@`);
    this.timeline(call, 'forwarding', { number, trunk: id });
    const ringing = ring(this.d.srf, [{ uri, ...(trunk.username ? { auth: { username: trunk.username, password: trunk.password ?? '' } } : {}) }], {
      From: `<sip:${call.callerNumber || 'anonymous'}@${config.sip.domain}>`,
      'X-CC-Call-Id': call.id,
    });
    call.external = { answeredAt: 0 };
    const stopRinging = () => ringing.cancel();
    call.caller.dialog.once('destroy', stopRinging);
    const outcome = await ringing.outcome;
    if (outcome.kind !== 'answered') {
      this.timeline(call, 'forward-failed', outcome.kind === 'failed' ? { reason: outcome.reason, status: outcome.status } : {});
      if (call.ended) return;
      await this.play(call, 'goodbye.wav');
      return this.finish(call, { side: 'system', cause: 'NO_ANSWER', disposition: 'failed' });
    }
    if (call.ended) return void outcome.answer.destroy();
    const { ep, dialog } = await connectDeviceLeg(ms, outcome.answer);
    call.external = { ep, dialog, answeredAt: this.now() };
    this.d.toll.answered(call.id, call.external.answeredAt);
    dialog.on('destroy', () => this.hangUpFrom(call, 'agent'));
    if (call.ended) return this.releaseOtherLeg(call);
    await call.caller.ep.bridge(ep);
    this.timeline(call, 'bridged', { number });
  }

  private async play(call: LiveCall, file: string): Promise<void> {
    try {
      await call.caller?.ep.play(file);
    } catch (err) {
      this.d.log.warn({ callId: call.id, file, err: (err as Error).message }, 'prompt failed');
    }
  }

  /** Interrupts hold music with the queue's position / wait announcement, then resumes it. */
  private async announce(call: LiveCall, position: number, estimatedWaitMs: number | undefined): Promise<void> {
    const q = call.queueId ? this.d.config().queues[call.queueId] : undefined;
    if (!q?.announce || !call.caller || call.agent || call.announcing) return;
    const files = announcementPrompts({ position, ...(estimatedWaitMs !== undefined ? { estimatedWaitMs } : {}) }, q.announce);
    if (files.length === 0) return;
    call.announcing = true;
    this.timeline(call, 'announced', { position, estimatedWaitMs });
    await stopPlayback(call.caller.ep);
    await this.play(call, fileString(files, '${sounds_dir}'));
    call.announcing = false;
    // Back to the music unless an agent took the call meanwhile.
    if (!call.ended && !call.agent && call.answers.size === 0) this.holdMusic(call);
  }

  // ---- router commands ----------------------------------------------------

  private apply(cmds: RouterCommand[]): void {
    for (const c of cmds) {
      switch (c.type) {
        case 'offer':
          this.background(this.offer(c.callId, c.agentId), c.callId, 'offer');
          break;
        case 'withdraw-offer': {
          const call = this.live.get(c.callId);
          const ringing = call?.ringing.get(c.agentId);
          if (call && ringing) {
            call.ringing.delete(c.agentId);
            ringing.cancel();
            this.timeline(call, 'offer-withdrawn', { agentId: c.agentId, reason: c.reason });
          }
          break;
        }
        case 'release-agent-leg': {
          const call = this.live.get(c.callId);
          const answer = call?.answers.get(c.agentId) ?? this.orphans.get(`${c.callId}/${c.agentId}`);
          call?.answers.delete(c.agentId);
          this.orphans.delete(`${c.callId}/${c.agentId}`);
          void answer?.destroy();
          break;
        }
        case 'connect':
          this.background(this.connect(c.callId, c.agentId), c.callId, 'connect');
          break;
        case 'overflow': {
          const call = this.live.get(c.callId);
          if (!call || !call.caller) break;
          this.timeline(call, 'overflow', { queueId: c.queueId, reason: c.reason, target: c.target });
          call.overflowed = true;
          const target = fromOverflow(c.target) ?? DEFAULT_OVERFLOW;
          this.background(stopPlayback(call.caller.ep).then(() => this.routeTo(call, target, 'overflow')), call.id, 'overflow');
          break;
        }
        case 'announce': {
          const call = this.live.get(c.callId);
          if (call) this.background(this.announce(call, c.position, c.estimatedWaitMs), call.id, 'announcement');
          break;
        }
        case 'take-refused':
          this.d.log.info({ callId: c.callId, agentId: c.agentId, reason: c.reason }, 'take call refused');
          break;
        case 'agent-status':
          this.d.log.info({ agentId: c.agentId, status: c.status, presence: c.presence, reason: c.reason }, 'agent status');
          // Persisted with the router's snapshot (scheduleSave below); metrics count statuses when scraped.
          this.emit('live', { kind: 'agent', agentId: c.agentId, status: c.status, presence: c.presence, ...(c.reason ? { reason: c.reason } : {}), at: this.now() });
          break;
      }
    }
    this.armTimer();
    this.scheduleSave();
  }

  private tollRefused(call: LiveCall, number: string, agentId: AgentId | undefined, verdict: { reason: string; detail: string }): void {
    this.d.metrics.externalRefused.inc({ reason: verdict.reason });
    this.d.log.warn({ callId: call.id, number, agentId, reason: verdict.reason, detail: verdict.detail }, 'call to an external number refused');
    this.timeline(call, 'external-refused', { number, reason: verdict.reason, detail: verdict.detail, ...(agentId ? { agentId } : {}) });
  }

  /** Work started from an event handler: a failure is logged with the call, never left unhandled. */
  private background(work: Promise<unknown>, callId: string, what: string): void {
    work.catch((err: Error) => this.d.log.error({ callId, what, err: err.message }, 'call step failed'));
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    const at = this.router.nextDeadline();
    if (at === undefined) return;
    this.timer = setTimeout(() => this.feed({ type: 'tick' }), Math.max(0, at - this.now()));
  }

  private async offer(callId: string, agentId: AgentId): Promise<void> {
    const call = this.live.get(callId);
    const config = this.d.config();
    const agent = config.agents[agentId];
    if (!call || !agent) return this.feed({ type: 'offer-failed', callId, agentId, reason: 'unreachable' });
    const bindings = this.d.registrar.location.bindings(agent.sip.username, this.now());
    const domain = config.sip.domain;
    const from = call.callerNumber || 'anonymous';
    const display = call.contactName ?? call.callerName;
    const ringing = ring(this.d.srf, targetsOf(bindings), {
      From: `${display ? `"${display.replace(/"/g, '')}" ` : ''}<sip:${from}@${domain}>`,
      To: `<sip:${agent.sip.username}@${domain}>`,
      'X-CC-Call-Id': call.id,
      // A direct call waits in the agent's own internal queue: the phone is told "direct", not its id.
      ...(call.queueId?.startsWith(directQueueId('')) ? { 'X-CC-Direct': 'yes' } : { 'X-CC-Queue': call.queueId ?? '' }),
      'X-CC-Waited': String(Math.round((this.now() - (call.queuedAt ?? call.arrivedAt)) / 1000)),
      ...(call.transfer ? { 'X-CC-Transferred-By': `${call.transfer.by};how=${call.transfer.how}` } : {}),
      // Desk phones that support it answer on their own (Polycom/Yealink: Alert-Info; Snom/Cisco: Call-Info).
      ...(agent.autoAnswer ? { 'Call-Info': `<sip:${domain}>;answer-after=0`, 'Alert-Info': 'info=alert-autoanswer' } : {}),
    });
    call.ringing.set(agentId, ringing);
    if (call.ringing.size === 1) this.d.calls.update(call.id, { offered_at: this.now() });
    const queue = call.queueId ? config.queues[call.queueId] : undefined;
    void ringing.sent.then((at) => {
      // What the agent's desk shows while it rings.
      this.timeline(call, 'offered', {
        agentId,
        devices: bindings.length,
        caller: call.callerNumber,
        ...(call.callerName ? { callerName: call.callerName } : {}),
        ...(call.contactName ? { contactName: call.contactName } : {}),
        queueId: call.queueId,
        waitedMs: Math.round(at - (call.queuedAt ?? call.arrivedAt)),
        ...(queue ? { timeoutMs: queue.offerTimeoutSec * 1000 } : {}),
        ...(Object.keys(call.variables).length ? { variables: call.variables } : {}),
        ...(call.transfer ? { transferredBy: call.transfer.by, transferHow: call.transfer.how } : {}),
      }, at);
      if (call.queuedAt !== undefined) this.d.metrics.offerLatency.observe((at - call.queuedAt) / 1000);
    });
    const outcome = await ringing.outcome;
    if (call.ringing.get(agentId) === ringing) call.ringing.delete(agentId);
    switch (outcome.kind) {
      case 'cancelled':
        return;
      case 'failed':
        this.timeline(call, 'offer-failed', { agentId, reason: outcome.reason, status: outcome.status });
        return this.feed({ type: 'offer-failed', callId, agentId, reason: outcome.reason });
      case 'answered':
        this.timeline(call, 'agent-answered', { agentId, contact: outcome.answer.contact });
        if (this.live.has(callId)) call.answers.set(agentId, outcome.answer);
        else this.orphans.set(`${callId}/${agentId}`, outcome.answer);
        return this.feed({ type: 'offer-answered', callId, agentId });
    }
  }

  private async connect(callId: string, agentId: AgentId): Promise<void> {
    const call = this.live.get(callId);
    const answer = call?.answers.get(agentId);
    if (!call || !answer) return;
    call.answers.delete(agentId);
    const ms = this.d.media.ms;
    call.agent = { id: agentId, answeredAt: this.now() };
    this.d.calls.update(call.id, { agent_id: agentId, agent_answered_at: call.agent.answeredAt, wait_ms: call.agent.answeredAt - (call.queuedAt ?? call.arrivedAt) });
    try {
      if (!ms || !call.caller) throw new Error('media server unavailable');
      // A softphone's answer is a DTLS-SRTP offer: connectDeviceLeg lets FreeSWITCH do the handshake.
      const { ep, dialog } = await connectDeviceLeg(ms, answer);
      call.agent.ep = ep;
      call.agent.dialog = dialog;
      this.legs.set(ep.uuid, { callId: call.id, leg: 'agent' });
      this.d.calls.update(call.id, { agent_uuid: ep.uuid, agent_sip: JSON.stringify(identityAsUac(dialog, answer.proxy)) });
      dialog.on('destroy', () => this.hangUpFrom(call, 'agent', dialog));
      dialog.on('refer', (req, res) => this.background(this.onRefer(call, agentId, req, res), call.id, 'transfer'));
      if (call.ended) return this.releaseOtherLeg(call);
      // When the agent's leg goes (a transfer), the caller's leg stays up, parked, for the next target.
      await call.caller.ep.set({ hangup_after_bridge: 'false', park_after_bridge: 'true' });
      await call.caller.ep.bridge(ep);
      this.timeline(call, 'bridged', { agentId });
    } catch (err) {
      this.d.log.error({ callId, agentId, err: (err as Error).message }, 'connecting agent failed');
      if (!call.agent.dialog) void answer.destroy();
      this.finish(call, { side: 'system', cause: 'MEDIA_FAILURE', disposition: 'failed' });
    }
  }

  // ---- transfers ------------------------------------------------------------

  /**
   * Blind transfer: the agent's phone sends REFER with the target (a
   * colleague's extension, a queue id, a configured number, or an external
   * number through a trunk). The agent's leg is released (the agent goes to
   * wrap-up) and the caller goes to the target; the next offer shows who
   * transferred the call and how.
   */
  private async onRefer(call: LiveCall, agentId: AgentId, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const referTo = req.get('Refer-To') ?? '';
    const user = decodePercentOrRaw(/sips?:([^@;>]+)@?/.exec(referTo)?.[1] ?? '');
    const target = transferTarget(this.d.config(), user);
    if (!target || call.ended || call.agent?.id !== agentId || !call.caller) {
      this.d.log.info({ callId: call.id, agentId, referTo }, 'transfer refused');
      return res.send(target ? 481 : 404);
    }
    // An external number: refused here, before the agent is released, when the toll-fraud rules say no.
    const toll = 'number' in target ? this.d.toll.check(target.number, agentId, this.now()) : undefined;
    if (toll && !toll.ok && 'number' in target) {
      this.tollRefused(call, target.number, agentId, toll);
      return res.send(403);
    }
    res.send(202);
    const agentDialog = call.agent.dialog;
    // Tell the transferring phone it worked (RFC 3515), then hang it up.
    const notify = { method: 'NOTIFY', headers: { Event: 'refer', 'Subscription-State': 'terminated;reason=noresource', 'Content-Type': 'message/sipfrag;version=2.0' }, body: 'SIP/2.0 200 OK\r\n' };
    await (agentDialog as unknown as { request(o: object): Promise<unknown> } | undefined)?.request(notify).catch(() => undefined);
    call.transfer = { by: agentId, how: 'blind', to: user };
    this.timeline(call, 'transferred', { by: agentId, how: 'blind', to: user });
    const agentEp = call.agent.ep;
    call.agent = undefined;
    this.feed({ type: 'call-ended', callId: call.id });
    agentDialog?.destroy();
    void agentEp?.destroy().catch(() => undefined);
    await this.routeTo(call, target, 'transfer');
  }

  // ---- hang-up ------------------------------------------------------------

  private hangUpFrom(call: LiveCall, side: 'caller' | 'agent', leg?: Srf.Dialog): void {
    if (call.ended || (side === 'caller' && call.inVoicemail)) return;
    // A BYE from a leg the call has already left (the agent who transferred it) ends nothing.
    if (side === 'agent' && leg && call.agent?.dialog !== leg && call.external?.dialog !== leg) return;
    const connected = call.agent !== undefined || (call.external?.answeredAt ?? 0) > 0;
    const disposition = connected ? (call.agent ? 'answered' : 'forwarded') : call.overflowed ? 'overflow' : 'abandoned';
    this.finish(call, { side, cause: 'NORMAL_CLEARING', disposition }, side === 'agent');
  }

  /**
   * FreeSWITCH has gone (its connection closed): every call's media is dead.
   * Each phone still in a call gets a BYE, agents are freed, records closed
   * with the cause; calls adopted after a restart end the same way.
   */
  mediaLost(): number {
    const calls = [...this.live.values()];
    for (const call of calls) {
      const disposition = call.agent ? 'answered' : (call.external?.answeredAt ?? 0) > 0 ? 'forwarded' : 'failed';
      this.finish(call, { side: 'system', cause: 'MEDIA_SERVER_LOST', disposition, mediaGone: true });
    }
    for (const watcher of [...this.adoptedWatchers]) watcher.mediaLost();
    return calls.length;
  }

  private finish(call: LiveCall, how: { side: 'caller' | 'agent' | 'system'; cause: string; disposition: string; mediaGone?: boolean }, otherHungUp = false, callerHungUp = how.side === 'caller'): void {
    if (call.ended) return;
    call.ended = true;
    const endedAt = this.now();
    // The router first, while the call is still live: its withdrawals land in this call's timeline.
    if (call.queueId !== undefined) this.feed({ type: call.agent ? 'call-ended' : 'call-abandoned', callId: call.id });
    this.live.delete(call.id);
    this.d.metrics.callsActive.set(this.live.size);
    this.d.metrics.callsTotal.inc({ disposition: how.disposition });
    // Forwarded calls and outbound calls handed over by the dialer are counted until here.
    this.d.toll.ended(call.id, endedAt);
    for (const r of call.ringing.values()) r.cancel();
    for (const a of call.answers.values()) void a.destroy();
    if (call.caller) {
      if (!callerHungUp) call.caller.dialog.destroy();
      releaseEndpoint(call.caller.ep, how.mediaGone);
    }
    this.releaseOtherLeg(call, otherHungUp, how.mediaGone);
    const waitFrom = call.queuedAt ?? call.arrivedAt;
    const talkFrom = call.agent?.answeredAt ?? (call.external?.answeredAt || undefined);
    this.d.calls.update(call.id, {
      ended_at: endedAt,
      wait_ms: call.agent ? call.agent.answeredAt - waitFrom : endedAt - waitFrom,
      talk_ms: talkFrom !== undefined ? endedAt - talkFrom : null,
      disposition: how.disposition,
      hangup_cause: how.cause,
      hangup_side: how.side,
    });
    this.timeline(call, 'ended', { side: how.side, cause: how.cause, disposition: how.disposition, ...(Object.keys(call.variables).length ? { variables: call.variables } : {}) });
    // FreeSWITCH reports RTP counters a moment after the legs are destroyed; stop waiting after a while.
    setTimeout(() => {
      for (const [uuid, leg] of this.legs) if (leg.callId === call.id) this.legs.delete(uuid);
    }, 30_000).unref();
  }

  /** Hangs up the agent's (or forwarded-to party's) leg, unless that side hung up itself. */
  private releaseOtherLeg(call: LiveCall, otherHungUp = false, mediaGone = false): void {
    for (const leg of [call.agent, call.external]) {
      if (!leg) continue;
      if (leg.dialog && !otherHungUp) leg.dialog.destroy();
      if (leg.ep) releaseEndpoint(leg.ep, mediaGone);
    }
  }
}

/** The router's overflow target back in configuration terms. */
function fromOverflow(t: OverflowTarget | undefined): Target | undefined {
  if (!t) return undefined;
  if ('queue' in t) return t.queue.startsWith('direct:') ? { agent: t.queue.slice('direct:'.length) } : { queue: t.queue };
  return t as Target;
}

