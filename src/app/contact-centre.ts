/**
 * The wiring between the pure router and the real world: SIP legs (drachtio),
 * media legs (FreeSWITCH through fsmrf) and call records.
 *
 * Inbound call path:
 * ```
 *  INVITE --> number lookup --> connectCaller (200 OK from FreeSWITCH's SDP)
 *    --> welcome prompt --> queued (hold music) --> router offers an agent
 *    --> INVITE to every device of the agent --> 200 OK --> agent media leg
 *    --> bridge caller <-> agent --> either side hangs up --> CDR closed
 * ```
 * Every decision (who gets the call, when an offer times out, wrap-up) is the
 * router's; this module only turns its commands into SIP/media actions and
 * SIP/media outcomes back into router events.
 */
import { randomUUID } from 'node:crypto';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { Router } from '../core/acd/router.js';
import type { AgentId, RouterCommand, RouterEvent } from '../core/acd/types.js';
import type { Presence } from '../core/acd/agent.js';
import type { Config } from '../config/schema.js';
import type { EventSocket } from '../media/event-socket.js';
import type { Endpoint, MediaConnection } from '../media/media-server.js';
import { ring, targetsOf, type AnsweredOffer, type RingingOffer } from '../sip/ring.js';
import type { Registrar } from '../sip/registrar.js';
import type { CallStore } from '../store/calls.js';
import type { Db } from '../store/db.js';
import type { Metrics } from '../api/metrics.js';
import { directQueueId, routerPolicy } from './policy.js';

interface LiveCall {
  id: string;
  did: string;
  callerNumber: string;
  callerName: string;
  queueId?: string;
  arrivedAt: number;
  queuedAt?: number;
  caller?: { ep: Endpoint; dialog: Srf.Dialog };
  ringing: Map<AgentId, RingingOffer>;
  answers: Map<AgentId, AnsweredOffer>;
  agent?: { id: AgentId; ep?: Endpoint; dialog?: Srf.Dialog; answeredAt: number };
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
  log: Logger;
  config: () => Config;
  nodeId: string;
  /** Wall clock in ms, for the router and call records. */
  now?: () => number;
}

/** High-resolution wall-clock ms, for timelines that latency figures are computed from. */
export const hrNow = () => performance.timeOrigin + performance.now();

export class ContactCentre {
  readonly router: Router;
  private readonly live = new Map<string, LiveCall>();
  /** FreeSWITCH channel uuid -> call and leg, to file RTP counters when the channel is destroyed. */
  private readonly legs = new Map<string, { callId: string; leg: 'caller' | 'agent' }>();
  private timer?: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    private readonly d: ContactCentreDeps,
    presence: ReadonlyMap<AgentId, Presence>,
  ) {
    this.now = d.now ?? Date.now;
    this.router = new Router(routerPolicy(d.config()), this.now(), presence);
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

  stop(): void {
    clearTimeout(this.timer);
    for (const call of this.live.values()) this.finish(call, { side: 'system', cause: 'SYSTEM_SHUTDOWN', disposition: 'failed' });
  }

  // ---- inbound calls ------------------------------------------------------

  async handleInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const config = this.d.config();
    const did = req.calledNumber ?? '';
    const number = config.numbers[did] ?? config.numbers[`+${did}`] ?? config.numbers[did.replace(/^\+/, '')];
    if (!number) {
      this.d.log.info({ did, from: req.callingNumber }, 'call to unknown number refused');
      return res.send(404);
    }
    const ms = this.d.media.ms;
    if (!ms || !this.d.media.up) {
      this.d.log.warn({ did }, 'call refused: media server unavailable');
      return res.send(503, { headers: { 'Retry-After': '5' } });
    }
    const call: LiveCall = {
      id: randomUUID(),
      did,
      callerNumber: req.callingNumber ?? '',
      callerName: (req as { callingName?: string }).callingName ?? '',
      arrivedAt: this.now(),
      ringing: new Map(),
      answers: new Map(),
      ended: false,
    };
    this.live.set(call.id, call);
    this.d.metrics.callsActive.set(this.live.size);
    this.d.calls.create({ id: call.id, node_id: this.d.nodeId, direction: 'inbound', did, caller_number: call.callerNumber, caller_name: call.callerName || null, arrived_at: call.arrivedAt });
    this.d.calls.event(call.id, hrNow(), 'arrived', { did, from: call.callerNumber, sipCallId: req.get('Call-ID') });
    const log = this.d.log.child({ callId: call.id });

    // The caller may CANCEL while FreeSWITCH is still answering.
    req.on('cancel', () => {
      if (!call.caller) this.finish(call, { side: 'caller', cause: 'ORIGINATOR_CANCEL', disposition: 'abandoned' });
    });
    try {
      const leg = await ms.connectCaller(req, res);
      if (call.ended) {
        void leg.dialog.destroy();
        void leg.endpoint.destroy().catch(() => undefined);
        return;
      }
      call.caller = { ep: leg.endpoint, dialog: leg.dialog };
      this.legs.set(leg.endpoint.uuid, { callId: call.id, leg: 'caller' });
    } catch (err) {
      log.error({ err: (err as Error).message }, 'could not answer caller');
      if (!res.finalResponseSent) res.send(503);
      return this.finish(call, { side: 'system', cause: 'MEDIA_FAILURE', disposition: 'failed' });
    }
    const answeredAt = this.now();
    this.d.calls.update(call.id, { answered_at: answeredAt });
    this.d.calls.event(call.id, hrNow(), 'answered');
    call.caller.dialog.on('destroy', () => this.hangUpFrom(call, 'caller'));

    const route = number.route;
    if ('hangup' in route) {
      if (number.welcome) await this.play(call, number.welcome);
      return this.finish(call, { side: 'system', cause: route.hangup ?? 'NORMAL_CLEARING', disposition: 'rejected' });
    }
    const queueId = 'queue' in route ? route.queue : directQueueId((route as { agent: string }).agent);
    const welcome = number.welcome ?? ('queue' in route ? config.queues[route.queue]?.welcome : undefined);
    if (welcome) await this.play(call, welcome);
    this.enterQueue(call, queueId);
  }

  /**
   * Takes over an answered call placed by someone else (the outbound dialer
   * after a human answered) and queues it like an inbound one.
   */
  adoptAnswered(leg: { id: string; number: string; ep: Endpoint; dialog: Srf.Dialog; arrivedAt: number }, queueId: string): void {
    const call: LiveCall = { id: leg.id, did: '', callerNumber: leg.number, callerName: '', arrivedAt: leg.arrivedAt, ringing: new Map(), answers: new Map(), ended: false, caller: { ep: leg.ep, dialog: leg.dialog } };
    this.live.set(call.id, call);
    this.d.metrics.callsActive.set(this.live.size);
    this.legs.set(leg.ep.uuid, { callId: call.id, leg: 'caller' });
    leg.dialog.on('destroy', () => this.hangUpFrom(call, 'caller'));
    this.enterQueue(call, queueId);
  }

  private enterQueue(call: LiveCall, queueId: string): void {
    if (call.ended || !call.caller) return;
    call.queueId = queueId;
    call.queuedAt = this.now();
    this.d.calls.update(call.id, { queue_id: queueId, queued_at: call.queuedAt });
    this.d.calls.event(call.id, hrNow(), 'queued', { queueId });
    const hold = this.d.config().queues[queueId]?.holdMusic ?? 'local_stream://moh';
    // Hold music runs until the bridge replaces it; its promise settles then.
    void call.caller.ep.play(hold).catch(() => undefined);
    this.feed({ type: 'call-queued', callId: call.id, queueId });
  }

  private async play(call: LiveCall, file: string): Promise<void> {
    try {
      await call.caller?.ep.play(file);
    } catch (err) {
      this.d.log.warn({ callId: call.id, file, err: (err as Error).message }, 'prompt failed');
    }
  }

  // ---- router commands ----------------------------------------------------

  private apply(cmds: RouterCommand[]): void {
    for (const c of cmds) {
      switch (c.type) {
        case 'offer':
          void this.offer(c.callId, c.agentId);
          break;
        case 'withdraw-offer': {
          const call = this.live.get(c.callId);
          const ringing = call?.ringing.get(c.agentId);
          if (call && ringing) {
            call.ringing.delete(c.agentId);
            ringing.cancel();
            this.d.calls.event(call.id, hrNow(), 'offer-withdrawn', { agentId: c.agentId, reason: c.reason });
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
          void this.connect(c.callId, c.agentId);
          break;
        case 'max-wait': {
          const call = this.live.get(c.callId);
          if (call) this.finish(call, { side: 'system', cause: 'MAX_WAIT_EXCEEDED', disposition: 'overflow' });
          break;
        }
        case 'agent-status':
          this.d.log.info({ agentId: c.agentId, status: c.status, presence: c.presence, reason: c.reason }, 'agent status');
          this.d.metrics.agentStatus(this.router);
          void this.d.db
            .insertInto('agent_state')
            .values({ agent_id: c.agentId, presence: c.presence, updated_at: this.now() })
            .onConflict((oc) => oc.column('agent_id').doUpdateSet({ presence: c.presence, updated_at: this.now() }))
            .execute()
            .catch((err: Error) => this.d.log.error({ err: err.message }, 'saving agent state failed'));
          break;
      }
    }
    this.armTimer();
  }

  /** Answers that arrive for calls that have already gone, kept until the router says to release them. */
  private readonly orphans = new Map<string, AnsweredOffer>();

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
    const ringing = ring(this.d.srf, targetsOf(bindings), {
      From: `${call.callerName ? `"${call.callerName.replace(/"/g, '')}" ` : ''}<sip:${from}@${domain}>`,
      To: `<sip:${agent.sip.username}@${domain}>`,
      'X-CC-Call-Id': call.id,
      'X-CC-Queue': call.queueId ?? '',
    });
    call.ringing.set(agentId, ringing);
    if (call.ringing.size === 1) this.d.calls.update(call.id, { offered_at: this.now() });
    void ringing.sent.then((at) => {
      this.d.calls.event(call.id, at, 'offered', { agentId, devices: bindings.length });
      if (call.queuedAt !== undefined) this.d.metrics.offerLatency.observe((at - call.queuedAt) / 1000);
    });
    const outcome = await ringing.outcome;
    if (call.ringing.get(agentId) === ringing) call.ringing.delete(agentId);
    switch (outcome.kind) {
      case 'cancelled':
        return;
      case 'failed':
        this.d.calls.event(call.id, hrNow(), 'offer-failed', { agentId, reason: outcome.reason, status: outcome.status });
        return this.feed({ type: 'offer-failed', callId, agentId, reason: outcome.reason });
      case 'answered':
        this.d.calls.event(call.id, hrNow(), 'agent-answered', { agentId, contact: outcome.answer.contact });
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
      const ep = await ms.createEndpoint({ remoteSdp: answer.sdp });
      call.agent.ep = ep;
      this.legs.set(ep.uuid, { callId: call.id, leg: 'agent' });
      const dialog = await answer.ack(ep.local.sdp);
      call.agent.dialog = dialog;
      dialog.on('destroy', () => this.hangUpFrom(call, 'agent'));
      if (call.ended) return this.releaseAgent(call);
      await call.caller.ep.bridge(ep);
      this.d.calls.event(call.id, hrNow(), 'bridged', { agentId });
    } catch (err) {
      this.d.log.error({ callId, agentId, err: (err as Error).message }, 'connecting agent failed');
      if (!call.agent.dialog) void answer.destroy();
      this.finish(call, { side: 'system', cause: 'MEDIA_FAILURE', disposition: 'failed' });
    }
  }

  // ---- hang-up ------------------------------------------------------------

  private hangUpFrom(call: LiveCall, side: 'caller' | 'agent'): void {
    if (call.ended) return;
    const connected = call.agent !== undefined;
    this.finish(call, { side, cause: 'NORMAL_CLEARING', disposition: connected ? 'answered' : 'abandoned' });
  }

  private finish(call: LiveCall, how: { side: 'caller' | 'agent' | 'system'; cause: string; disposition: string }): void {
    if (call.ended) return;
    call.ended = true;
    const endedAt = this.now();
    this.live.delete(call.id);
    this.d.metrics.callsActive.set(this.live.size);
    this.d.metrics.callsTotal.inc({ disposition: how.disposition });
    if (call.queueId !== undefined) this.feed({ type: call.agent ? 'call-ended' : 'call-abandoned', callId: call.id });
    for (const r of call.ringing.values()) r.cancel();
    for (const a of call.answers.values()) void a.destroy();
    if (call.caller) {
      if (how.side !== 'caller') call.caller.dialog.destroy();
      void call.caller.ep.destroy().catch(() => undefined);
    }
    this.releaseAgent(call, how.side === 'agent');
    const waitFrom = call.queuedAt ?? call.arrivedAt;
    this.d.calls.update(call.id, {
      ended_at: endedAt,
      wait_ms: call.agent ? call.agent.answeredAt - waitFrom : endedAt - waitFrom,
      talk_ms: call.agent ? endedAt - call.agent.answeredAt : null,
      disposition: how.disposition,
      hangup_cause: how.cause,
      hangup_side: how.side,
    });
    this.d.calls.event(call.id, hrNow(), 'ended', { side: how.side, cause: how.cause, disposition: how.disposition });
    // FreeSWITCH reports RTP counters a moment after the legs are destroyed; stop waiting after a while.
    setTimeout(() => {
      for (const [uuid, leg] of this.legs) if (leg.callId === call.id) this.legs.delete(uuid);
    }, 30_000).unref();
  }

  private releaseAgent(call: LiveCall, remoteHungUp = false): void {
    const a = call.agent;
    if (!a) return;
    if (a.dialog && !remoteHungUp) a.dialog.destroy();
    void a.ep?.destroy().catch(() => undefined);
  }
}
