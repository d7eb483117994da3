/**
 * Outbound calls with live answering-machine detection.
 *
 * ```
 *  dialing --200 OK--> media leg --tap bridged--> ACK --> detecting
 *     |                                              human/unknown --> queue (onHuman) or hang up
 *     '--busy/no answer--> ended                     machine --> wait for beep or greeting end
 *                                                       --> message (onMachine.play) or hang up
 * ```
 * The customer's phone only learns our media address from the ACK (late
 * offer), so the tap is bridged before the ACK and no audio is lost. The
 * detector is the pure one in src/core/amd; its times are audio times from
 * the first packet, and every event also lands in the call's timeline.
 */
import type { CallModes } from './calls/inbound.js';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { AmdDetector, type AmdEvent, type AmdParams } from '../core/amd/index.js';
import type { Config, Target } from '../config/schema.js';
import type { Outcome } from '../core/campaign/types.js';
import { AudioTap } from '../media/audio-tap.js';
import { releaseEndpoint, type Endpoint, type MediaConnection } from '../media/media-server.js';
import { ring } from '../sip/ring.js';
import type { TollGuard } from '../core/security/toll-guard.js';
import { decodePercentOrRaw } from './library-guards.js';
import type { CallStore } from '../store/calls.js';
import type { ContactCentre } from './contact-centre.js';
import { hrNow } from './contact-centre.js';

export interface OriginateRequest {
  /** A SIP URI to call. */
  to: string;
  /** Caller id presented. */
  from?: string;
  /** The number dialled (E.164), when `to` is a trunk's URI for it. */
  number?: string;
  /** The call's id, when the caller has one for it already (a campaign's dialer). */
  id?: string;
  amd?: { profile?: string; params?: Partial<AmdParams> };
  onHuman?: { queue?: string };
  onMachine?: { play?: string };
  /** A campaign's call: it decides what a human gets, and hears how the attempt ended. */
  campaign?: CampaignHooks;
  /** Stop ringing after this long (no answer). */
  ringSeconds?: number;
}

/** What to do with a human who answered: a queue or flow (with the variables the agent sees), a message and hang up (abandoned), or hang up. */
export type HumanPlan = { target: Target; variables?: Record<string, string>; modes?: CallModes } | { abandon: string } | { hangup: true };

export interface CampaignHooks {
  answered(human: boolean): HumanPlan;
  /** Once per call: how the attempt ended ('connected': handed to the centre, whose end follows there). */
  ended(outcome: Outcome | 'cancelled'): void;
}

export interface AmdOutcome {
  callId: string;
  event: AmdEvent;
  /** Wall-clock ms when the event was produced. */
  at: number;
}

export interface OutboundDeps {
  srf: Srf;
  media: MediaConnection;
  calls: CallStore;
  centre: ContactCentre;
  log: Logger;
  config: () => Config;
  nodeId: string;
  /** Address the audio tap's UDP socket binds to (FreeSWITCH must reach it). */
  tapAddress: string;
  /** Toll-fraud rules: a URI whose user part is a phone number is held to them, any call to the caps. */
  toll: TollGuard;
  onTollRefused: (reason: string) => void;
}

/** The phone number a SIP URI dials, if its user part is one. */
export function dialledNumber(uri: string): string | undefined {
  const user = /^sips?:([^@;]+)@/.exec(uri)?.[1];
  const n = user ? decodePercentOrRaw(user) : undefined;
  return n && /^\+?[0-9]{3,20}$/.test(n) ? n : undefined;
}

export class OutboundDialer extends EventEmitter<{ amd: [AmdOutcome] }> {
  /** Answered calls not yet handed to the contact centre: call id -> end it because FreeSWITCH is gone. */
  private readonly inProgress = new Map<string, () => void>();
  /** Calls still ringing: call id -> cancel. */
  private readonly ringing = new Map<string, () => void>();

  constructor(private readonly d: OutboundDeps) {
    super();
  }

  /** FreeSWITCH has gone: every answered call still here is hung up and its record closed. */
  mediaLost(): number {
    const ends = [...this.inProgress.values()];
    for (const end of ends) end();
    return ends.length;
  }

  /** Stops a call that is still ringing (its campaign's 'ended' says cancelled); false when it is past ringing. */
  cancel(id: string): boolean {
    const stop = this.ringing.get(id);
    stop?.();
    return stop !== undefined;
  }

  /** Validates a request against the configuration; returns problems naming the field. */
  check(req: OriginateRequest): string[] {
    const config = this.d.config();
    const problems: string[] = [];
    if (!/^sips?:[^@\s]+@[^\s]+$/.test(req.to)) problems.push('to: must be a SIP URI like sip:user@host');
    if (req.amd?.profile && !config.amdProfiles[req.amd.profile]) problems.push(`amd.profile: no profile "${req.amd.profile}" is configured`);
    if (req.amd?.params) {
      try {
        new AmdDetector(8000, req.amd.params);
      } catch (err) {
        problems.push(`amd.params: ${(err as Error).message.replace(/^AmdDetector: invalid params: /, '')}`);
      }
    }
    if (req.onHuman?.queue && !config.queues[req.onHuman.queue]) problems.push(`onHuman.queue: no queue "${req.onHuman.queue}" is defined`);
    const number = dialledNumber(req.to);
    const kind = number ? this.d.toll.classify(number) : undefined;
    if (kind && !kind.ok) problems.push(`to: ${kind.detail} (toll-fraud rules, see the external section)`);
    return problems;
  }

  /**
   * Places the call; returns its id at once, the call goes on in the
   * background. Refused (with the reason) when the toll-fraud caps are reached.
   */
  originate(req: OriginateRequest): { id: string } | { refused: string } {
    const id = req.id ?? randomUUID();
    const arrivedAt = Date.now();
    const verdict = this.d.toll.request(id, dialledNumber(req.to), undefined, arrivedAt);
    if (!verdict.ok) {
      this.d.onTollRefused(verdict.reason);
      this.d.log.warn({ to: req.to, reason: verdict.reason, detail: verdict.detail }, 'outbound call refused by the toll-fraud rules');
      return { refused: verdict.detail };
    }
    this.d.calls.create({ id, node_id: this.d.nodeId, direction: 'outbound', arrived_at: arrivedAt, caller_number: req.from ?? null, did: req.to });
    this.d.calls.event(id, hrNow(), 'dialing', { to: req.to });
    void this.run(id, arrivedAt, req).catch((err: Error) => {
      this.d.log.error({ callId: id, err: err.message }, 'outbound call failed');
      this.d.toll.ended(id, Date.now());
      this.d.calls.update(id, { ended_at: Date.now(), disposition: 'failed', hangup_cause: 'SYSTEM_ERROR', hangup_side: 'system' });
      req.campaign?.ended('failed');
    });
    return { id };
  }

  private async run(id: string, arrivedAt: number, req: OriginateRequest): Promise<void> {
    const config = this.d.config();
    const from = req.from ?? 'anonymous';
    const ringing = ring(this.d.srf, [{ uri: req.to }], { From: `<sip:${from}@${config.sip.domain}>`, 'X-CC-Call-Id': id });
    let timedOut = false;
    const timer = req.ringSeconds ? setTimeout(() => ((timedOut = true), ringing.cancel()), req.ringSeconds * 1000) : undefined;
    this.ringing.set(id, () => ringing.cancel());
    const outcome = await ringing.outcome;
    clearTimeout(timer);
    this.ringing.delete(id);
    if (outcome.kind !== 'answered') {
      const disposition = outcome.kind === 'failed' ? (outcome.reason === 'busy' ? 'busy' : 'no-answer') : timedOut ? 'no-answer' : 'failed';
      req.campaign?.ended(outcome.kind === 'failed' ? (outcome.reason === 'unreachable' ? 'failed' : outcome.reason === 'busy' ? 'busy' : 'no-answer') : timedOut ? 'no-answer' : 'cancelled');
      this.d.calls.event(id, hrNow(), 'not-answered', outcome.kind === 'failed' ? { reason: outcome.reason, status: outcome.status } : {});
      this.d.toll.ended(id, Date.now());
      this.d.calls.update(id, { ended_at: Date.now(), disposition, hangup_cause: outcome.kind === 'failed' ? `SIP_${outcome.status ?? 0}` : 'CANCELLED', hangup_side: 'callee' });
      return;
    }
    const ms = this.d.media.ms;
    if (!ms) {
      await outcome.answer.destroy();
      throw new Error('media server unavailable');
    }
    const ep = await ms.createEndpoint({ remoteSdp: outcome.answer.sdp });
    let tap: AudioTap | undefined;
    let detector: AmdDetector | undefined;
    if (req.amd) {
      detector = new AmdDetector(8000, { ...(req.amd.profile ? (config.amdProfiles[req.amd.profile] as Partial<AmdParams>) : {}), ...req.amd.params });
      tap = await AudioTap.open(this.d.tapAddress);
      await tap.attach(ms, ep);
    }
    const dialog = await outcome.answer.ack(ep.local.sdp);
    const answeredAt = Date.now();
    this.d.toll.answered(id, answeredAt);
    this.d.calls.update(id, { answered_at: answeredAt });
    this.d.calls.event(id, hrNow(), 'answered');

    let ended = false;
    let handedOver = false;
    let abandoned = false;
    const finish = (side: 'callee' | 'system', disposition: string, cause = 'NORMAL_CLEARING') => {
      if (ended || handedOver) return;
      ended = true;
      req.campaign?.ended(abandoned ? 'abandoned' : disposition === 'machine' ? 'machine' : disposition === 'human' ? 'connected' : disposition === 'failed' ? 'failed' : 'no-answer');
      this.inProgress.delete(id);
      this.d.toll.ended(id, Date.now());
      void tap?.stop();
      if (side !== 'callee') dialog.destroy();
      releaseEndpoint(ep);
      const endedAt = Date.now();
      this.d.calls.update(id, { ended_at: endedAt, talk_ms: endedAt - answeredAt, disposition, hangup_cause: cause, hangup_side: side });
      this.d.calls.event(id, hrNow(), 'ended', { side, disposition, cause });
    };
    this.inProgress.set(id, () => finish('system', 'failed', 'MEDIA_SERVER_LOST'));
    dialog.on('destroy', () => finish('callee', detector?.verdict === 'machine' ? 'machine' : 'answered'));
    let result: 'human' | 'machine' | 'unknown' = 'human';
    if (tap && detector) {
      result = await this.detect(id, tap, detector);
      await tap.stop();
    } else if (!req.campaign) return;
    if (ended) return;
    if (result === 'human' || result === 'unknown') {
      const plan: HumanPlan | undefined = req.campaign ? req.campaign.answered(true) : req.onHuman?.queue ? { target: { queue: req.onHuman.queue } } : undefined;
      if (plan && 'target' in plan) {
        handedOver = true;
        this.inProgress.delete(id);
        await ep.api('uuid_break', ep.uuid).catch(() => undefined);
        req.campaign?.ended('connected');
        this.d.centre.adoptAnswered({ id, number: req.number ?? req.to, ep, dialog, arrivedAt }, plan.target, plan.variables, plan.modes);
        return;
      }
      if (plan && 'abandon' in plan) {
        abandoned = true;
        await ep.play(plan.abandon).catch(() => undefined);
        this.d.calls.event(id, hrNow(), 'abandoned', { message: plan.abandon });
        return finish('system', 'abandoned');
      }
      return finish('system', result === 'human' ? 'human' : 'amd-unknown');
    }
    req.campaign?.answered(false);
    if (req.onMachine?.play) {
      await ep.play(req.onMachine.play).catch(() => undefined);
      this.d.calls.event(id, hrNow(), 'message-left', { file: req.onMachine.play });
    }
    finish('system', 'machine');
  }

  /**
   * Feeds the tap's audio to the detector until it has nothing more to say:
   * the verdict, and for machines the beep or the end of the greeting.
   */
  private detect(id: string, tap: AudioTap, detector: AmdDetector): Promise<'human' | 'machine' | 'unknown'> {
    return new Promise((resolve) => {
      const onAudio = (frame: Int16Array) => {
        for (const event of detector.push(frame)) this.report(id, event);
        if (detector.done) {
          tap.off('audio', onAudio);
          clearTimeout(guard);
          resolve(detector.verdict ?? 'unknown');
        }
      };
      tap.on('audio', onAudio);
      // If audio stops flowing the detector never reaches its deadline on its own.
      const p = detector.params;
      const guard = setTimeout(() => {
        tap.off('audio', onAudio);
        for (const event of detector.finish()) this.report(id, event);
        resolve(detector.verdict ?? 'unknown');
      }, p.deadlineMs + p.beepMaxWaitMs + 2_000);
    });
  }

  private report(callId: string, event: AmdEvent): void {
    const at = hrNow();
    const type = event.type === 'verdict' ? 'amd-verdict' : event.type === 'beep' ? 'amd-beep' : 'amd-greeting-end';
    const { type: _drop, ...data } = event;
    this.d.calls.event(callId, at, type, data);
    this.d.log.info({ callId, ...event }, 'answering-machine detection');
    this.emit('amd', { callId, event, at });
  }
}
