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
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import { Router } from '../core/acd/router.js';
import type { AgentView, RouterCommand, RouterEvent, RouterSnapshot } from '../core/acd/types.js';
import type { ConsultTarget, LiveCallEvent, LiveCallView } from '../core/call/live-call.js';
import type { Config, Target } from '../config/schema.js';
import { releaseEndpoint, type Endpoint } from '../media/media-server.js';
import type { AnsweredOffer } from '../sip/ring.js';
import { adoptRecorded, byeFromRecord, reconcileAfterRestart, type AdoptedWatcher } from './restart-recovery.js';
import { routerPolicy } from './policy.js';
import { adoptAnswered, handleInvite, routeTo, type CallModes } from './calls/inbound.js';
import { control, endSession, liveView, wire, type ControlResult } from './calls/live-control.js';
import { blindTransfer, checkTransfer, type TransferResult } from './calls/transfer.js';
import { checkConsult, endCollaboration } from './calls/consult.js';
import { supervise, supervisedCalls, type SupervisedCall } from './calls/supervision.js';
import { legGone } from './calls/live-media.js';
import { carryOut } from './calls/router-commands.js';
import { WorkService } from './work.js';
import { StatusLedger } from './status-ledger.js';
import { WorkStore } from '../store/work.js';
import { hrNow, type CallState, type CentreContext, type ContactCentreDeps, type Finish, type LiveEvent } from './calls/state.js';

export { hrNow, type ContactCentreDeps, type LiveEvent } from './calls/state.js';

export class ContactCentre extends EventEmitter<{ live: [LiveEvent] }> implements CentreContext {
  readonly router: Router;
  readonly live = new Map<string, CallState>();
  /** FreeSWITCH channel uuid -> call and leg, to file RTP counters when the channel is destroyed. */
  readonly legs = new Map<string, { callId: string; leg: 'caller' | 'agent' }>();
  /** Answers that arrive for calls that have already gone, kept until the router says to release them. */
  readonly orphans = new Map<string, AnsweredOffer>();
  /** Consults waiting in the router for an agent (consult.ts). */
  readonly consults = new Map<string, CallState>();
  private timer?: NodeJS.Timeout;
  private saveTimer?: NodeJS.Timeout;
  readonly now: () => number;
  /** Agents' dispositions, notes and tags on the calls they handled. */
  readonly work: WorkService;
  /** Agents' time per status and day, and their wrap-up after each call (for the reports). */
  readonly ledger: StatusLedger;

  /** Calls adopted after a restart, being watched (see restart-recovery.ts). */
  private readonly adoptedWatchers = new Set<AdoptedWatcher>();

  /**
   * `snapshot`: the router's state saved by a previous run (presence, reasons,
   * counters, affinity, calls in flight); see {@link reconcileAfterRestart}.
   */
  constructor(
    readonly d: ContactCentreDeps,
    snapshot?: RouterSnapshot,
  ) {
    super();
    this.now = d.now ?? Date.now;
    this.ledger = new StatusLedger(d.db, d.calls, () => d.config().reports.timeZone, d.log.child({ component: 'ledger' }));
    void this.ledger.load().catch((err: Error) => d.log.warn({ err: err.message }, 'agent statuses not loaded'));
    this.work = new WorkService({
      store: new WorkStore(d.db),
      calls: d.calls,
      config: d.config,
      feed: (e) => this.feed(e),
      agentView: (id) => this.agentView(id),
      liveCall: (callId) => {
        const call = this.live.get(callId);
        if (!call) return undefined;
        const queueId = call.serviceQueueId ?? call.queueId;
        return { ...(call.agent && !call.agent.gone ? { agentId: call.agent.id } : {}), ...(queueId ? { queueId } : {}) };
      },
      now: () => this.now(),
      log: d.log.child({ component: 'work' }),
      released: (agentId, callId) => this.ledger.released(agentId, callId),
      timeline: (callId, type, data) => this.timeline({ id: callId }, type, data, this.now()),
    });
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

  timeline(call: { id: string }, type: string, data?: Record<string, unknown>, at = hrNow()): void {
    // A consult's story is the customer's call's.
    const of = this.consults.get(call.id)?.consultOf;
    if (of) return this.timeline({ id: of.parentId }, type, { consult: of.n, ...data }, at);
    this.d.calls.event(call.id, at, type, data);
    const agentId = this.live.get(call.id)?.agent?.id;
    this.emit('live', { kind: 'call', callId: call.id, type, at, ...(data ? { data } : {}), ...(agentId ? { agentId } : {}) });
  }

  // ---- calls in, targets, live-call controls (calls/*.ts) ---------------

  handleInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    return handleInvite(this, req, res);
  }

  /** An answered call placed by someone else (the outbound dialer after a human answered), queued like an inbound one. */
  adoptAnswered(leg: { id: string; number: string; ep: Endpoint; dialog: Srf.Dialog; arrivedAt: number }, target: Target, variables?: Record<string, string>, modes?: CallModes): void {
    adoptAnswered(this, leg, target, variables, modes);
  }

  routeTo(call: CallState, target: Target, via: string, depth = 0): Promise<void> {
    return routeTo(this, call, target, via, depth);
  }

  /** A control from the desk or the API (`agentId`: an agent's own session; undefined: an administrator). */
  control(callId: string, agentId: string | undefined, event: LiveCallEvent): Promise<ControlResult> {
    return control(this, callId, agentId, event);
  }

  /** A blind transfer from the desk or the API: the same targets and rules as a phone's REFER. */
  transfer(callId: string, agentId: string | undefined, to: string): TransferResult {
    const call = this.live.get(callId);
    if (!call) return { status: 404, error: `no live call ${callId}` };
    const check = checkTransfer(this, call, agentId, to);
    if (!check.ok) return { status: check.status, error: check.error };
    blindTransfer(this, call, check.agentId, to);
    return { status: 202, to };
  }

  /** A consult from the desk or the API: the target is checked (400/403/409 naming it) before the live call hears of it. */
  async consult(callId: string, agentId: string | undefined, target: ConsultTarget): Promise<ControlResult> {
    const call = this.live.get(callId);
    if (!call) return { status: 404, error: `no live call ${callId}` };
    const v = call.session?.machine.view();
    if (v?.consult || v?.phase === 'merged') return { status: 409, error: 'already consulting' };
    const refused = await checkConsult(this, call, target);
    if (refused) return refused;
    return control(this, callId, agentId, { type: 'consult', target });
  }

  /** Listen, whisper, barge or leave, by a supervisor (undefined: an administrator). */
  supervise(callId: string, supervisorId: string | undefined, event: Extract<LiveCallEvent, { type: 'monitor' | 'unmonitor' }>): Promise<ControlResult> {
    return supervise(this, callId, supervisorId, event);
  }

  /** The live calls a supervisor may join. */
  supervisedCalls(supervisorId: string | undefined): SupervisedCall[] {
    return supervisedCalls(this, supervisorId);
  }

  agentView(agentId: string): AgentView | undefined {
    return this.router.agentView(agentId, this.now());
  }

  /** The live call's state (legs, hold, mute, recording), if the call is connected to an agent. */
  liveView(callId: string): LiveCallView | undefined {
    const call = this.live.get(callId);
    return call ? liveView(call) : undefined;
  }

  wire(call: CallState, event: LiveCallEvent): void {
    wire(this, call, event);
  }

  // ---- router commands ----------------------------------------------------

  private apply(cmds: RouterCommand[]): void {
    for (const c of cmds) {
      if (c.type !== 'agent-status') {
        carryOut(this, c);
        continue;
      }
      this.d.log.info({ agentId: c.agentId, status: c.status, presence: c.presence, reason: c.reason }, 'agent status');
      this.ledger.change(c.agentId, c.status, c.presence, c.reason, this.now());
      // Persisted with the router's snapshot (scheduleSave below); metrics count statuses when scraped.
      this.emit('live', { kind: 'agent', agentId: c.agentId, status: c.status, presence: c.presence, ...(c.reason ? { reason: c.reason } : {}), at: this.now() });
    }
    this.armTimer();
    this.scheduleSave();
  }

  /** Work started from an event handler: a failure is logged with the call, never left unhandled. */
  background(work: Promise<unknown>, callId: string, what: string): void {
    work.catch((err: Error) => this.d.log.error({ callId, what, err: err.message }, 'call step failed'));
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    const at = this.router.nextDeadline();
    if (at === undefined) return;
    this.timer = setTimeout(() => this.feed({ type: 'tick' }), Math.max(0, at - this.now()));
  }

  // ---- hang-up ------------------------------------------------------------

  hangUpFrom(call: CallState, side: 'caller' | 'agent', leg?: Srf.Dialog): void {
    if (call.ended || (side === 'caller' && call.inVoicemail)) return;
    // A BYE from a leg the call has already left (the agent who transferred it) ends nothing.
    if (side === 'agent' && leg && (call.agent?.dialog !== leg || call.agent.gone) && call.external?.dialog !== leg) return;
    // With an agent connected, the live call decides what a leg leaving means.
    const s = call.session;
    if (s && !s.machine.done) {
      const uuid = side === 'caller' ? call.caller?.ep.uuid : call.agent?.ep?.uuid;
      if (uuid) {
        legGone(call, uuid);
        return this.wire(call, { type: 'leg-gone', leg: uuid, cause: 'NORMAL_CLEARING' });
      }
    }
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
      this.finish(call, { side: 'system', cause: 'MEDIA_SERVER_LOST', disposition });
    }
    for (const watcher of [...this.adoptedWatchers]) watcher.mediaLost();
    return calls.length;
  }

  finish(call: CallState, how: Finish, otherHungUp = false, callerHungUp = how.side === 'caller'): void {
    if (call.ended) return;
    call.ended = true;
    const endedAt = this.now();
    // Ended from outside the live call (media lost, shutdown): its recording ends with the legs, consults and supervisors with the call.
    endSession(this, call);
    endCollaboration(this, call);
    // The router first, while the call is still live: its withdrawals land in this call's timeline.
    if (call.queueId !== undefined && !call.agentReleased) {
      if (call.agent) this.work.onRelease(call.id, call.agent.id, call.serviceQueueId ?? call.queueId);
      this.feed({ type: call.agent ? 'call-ended' : 'call-abandoned', callId: call.id });
    }
    this.live.delete(call.id);
    this.d.metrics.callsActive.set(this.live.size);
    this.d.metrics.callsTotal.inc({ disposition: how.disposition });
    // Forwarded calls and outbound calls handed over by the dialer are counted until here.
    this.d.toll.ended(call.id, endedAt);
    for (const r of call.ringing.values()) r.cancel();
    for (const a of call.answers.values()) void a.destroy();
    if (call.caller) {
      if (!callerHungUp) call.caller.dialog.destroy();
      releaseEndpoint(call.caller.ep);
    }
    this.releaseOtherLeg(call, otherHungUp);
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
  releaseOtherLeg(call: CallState, otherHungUp = false): void {
    for (const leg of [call.agent, call.external]) {
      if (!leg || (leg === call.agent && call.agent.gone)) continue;
      if (leg.dialog && !otherHungUp) leg.dialog.destroy();
      if (leg.ep) releaseEndpoint(leg.ep);
    }
  }
}
