/**
 * A live call: its legs, what is connected to what, holds, mute, recording,
 * voicemail drop, consults, transfers, 3-way calls and supervision, from the
 * moment an agent's leg is up until the call ends or leaves the agents (a
 * blind transfer hands the customer back to routing; the next agent starts a
 * new live call, a new recording segment).
 *
 * Pure and deterministic, like the router: it takes `now` with every event
 * and answers with commands the shell carries out on FreeSWITCH and drachtio.
 * No I/O, no wall clock. A control that does not apply in the current state
 * is refused with a reason and changes nothing (SIP.js's session pattern);
 * events from the wire (a leg gone, a phone's re-INVITE, a playback that
 * finished, a consult answered) are never refused.
 *
 * Legs have a role (customer; agent: the owner; consult: the party the agent
 * consults; supervisor) and are `up` or `gone`. Every up leg is in exactly
 * one place of the topology (call-base.ts derives it from the state):
 * ```
 *   bridge {a, b}          a and b hear each other
 *   conference {legs}      all hear each other, except `muted` legs (heard by
 *                          nobody) and `deaf` pairs [a, b] (b does not hear a)
 *   music {leg}            leg hears hold music (the customer on hold, a consulted party on a swap)
 *   silence {leg}          leg hears nothing (the agent while the customer is held,
 *                          the customer while a voicemail drop waits for the beep)
 *   message {leg}          leg hears a message, then is hung up (voicemail drop)
 * ```
 * The call's phases (collaboration.ts draws consulting and merged):
 * ```
 *            hold (desk, API, phone re-INVITE)
 *   talking ---------------------------------> held
 *      ^ | <--------------------------------- |
 *      | |   resume                            |
 *      | +------- voicemail drop --------------+--> awaiting-beep --beep/timeout--> dropping
 *      | consult / back                        |                                     |
 *      +--> consulting <--> merged             |  customer gone, agent gone          | playback done,
 *      |  transfer-out (blind)                 +----------> ended <------------------+ customer gone
 *      +--------> handed-back
 * ```
 * Rules:
 * - talking: customer bridged to agent (in a conference with a supervisor).
 *   hold: customer to music, agent to silence; resume: bridged again. Holds
 *   (a consult's too) are counted and their time summed; every hold and
 *   resume goes to the timeline with who asked (desk or phone). A phone's
 *   hold while already held (or resume while not held, or either while
 *   consulting) is accepted and does nothing: the phone needs its answer.
 * - mute silences the agent's audio towards the call (on the agent's leg, so
 *   desk phones are muted too); it stays across hold and ends with the leg.
 * - DTMF goes to whom the agent talks to (the consulted party during a
 *   consult, for its IVR), else the customer; 1 to 32 of 0-9 * # A-D.
 * - recording (`auto` starts at connect; `on-demand` waits for the agent;
 *   `off` refuses): stopped -> on <-> paused -> stopped, on the customer's
 *   leg (so it covers holds, consults' hold music and the 3-way call); each
 *   start is a new file `<call id>-<n>.wav`. A recording that fails is
 *   stopped and reported; the call goes on.
 * - voicemail drop: the agent's leg is hung up and the agent released at once;
 *   the customer hears the message from its start (after the beep, when the
 *   call has live AMD, or after `beepWaitMs` without one), then is hung up.
 * - the customer gone ends the call (except while consulting: see
 *   collaboration.ts); the agent gone ends it too (except during a drop,
 *   where the agent has already left, and while consulting). Every end emits
 *   exactly one `ended`, after the recording's `stop`, with the owner; every
 *   agent who was on the call is released exactly once.
 */

import { Collaboration } from './collaboration.js';
import type { LegId, LiveCallCommand, LiveCallEvent, LiveCallPolicy, Outcome, Who } from './types.js';

export type * from './types.js';
export { legsOf } from './call-base.js';

const DTMF = /^[0-9*#A-D]{1,32}$/;

export class LiveCall extends Collaboration {
  private lastNow: number;

  /**
   * Starts with both legs up; {@link start} gives the commands that connect
   * them. `firstSegment`: recordings this call already has (earlier agents).
   */
  constructor(callId: string, customer: LegId, agent: LegId, agentId: string, policy: LiveCallPolicy, now: number, firstSegment = 0) {
    super(callId, customer, agent, agentId, policy, firstSegment);
    this.lastNow = now;
  }

  /** The commands that set the call up: run once, right after construction. */
  start(): LiveCallCommand[] {
    const out: LiveCallCommand[] = [];
    this.arrange(out);
    if (this.policy.recording === 'auto') this.startRecording(out);
    return out;
  }

  handle(event: LiveCallEvent, now: number): Outcome {
    now = Math.max(now, this.lastNow);
    this.lastNow = now;
    const out: LiveCallCommand[] = [];
    this.expire(out);
    const refusal = this.apply(event, now, out);
    // What fell due before the event (the beep wait) still happens when the event is refused.
    if (refusal) return { ok: false, reason: refusal, commands: out };
    return { ok: true, commands: out };
  }

  /** The next moment a `tick` is due (a drop waiting for the beep), if any. */
  nextDeadline(): number | undefined {
    return this.phase === 'awaiting-beep' ? this.beepDeadline : undefined;
  }

  // ---- transitions --------------------------------------------------------

  /** Returns a refusal reason, or undefined with `out` filled. */
  protected apply(e: LiveCallEvent, now: number, out: LiveCallCommand[]): string | undefined {
    const live = this.phase === 'talking' || this.phase === 'held';
    const working = live || this.phase === 'consulting' || this.phase === 'merged';
    switch (e.type) {
      case 'hold':
        if (e.by === 'phone' && this.phase !== 'talking') return undefined;
        if (this.phase !== 'talking') return this.phase === 'held' ? 'the call is already on hold' : this.collaborating() ?? `the call is ${this.phase}`;
        return this.hold(e.by, now, out);
      case 'resume':
        if (e.by === 'phone' && this.phase !== 'held') return undefined;
        if (this.phase !== 'held') return this.collaborating() ?? 'the call is not on hold';
        return this.resume(e.by, now, out);
      case 'mute':
      case 'unmute': {
        if (!working || !this.isUp(this.agent)) return `the call is ${this.phase}`;
        const on = e.type === 'mute';
        if (this.muted === on) return on ? 'already muted' : 'not muted';
        this.muted = on;
        out.push({ type: 'mute', leg: this.agent, on }, { type: 'timeline', event: on ? 'muted' : 'unmuted' });
        return undefined;
      }
      case 'dtmf': {
        if (!working) return `the call is ${this.phase}`;
        if (!DTMF.test(e.digits)) return 'digits must be 1 to 32 of 0-9 * # A-D';
        const c = this.consult;
        const to = this.phase === 'consulting' && c?.state === 'up' && c.talkingTo === 'consult' ? c.leg! : this.customer;
        if (!this.isUp(to)) return 'the customer has left';
        out.push({ type: 'dtmf', leg: to, digits: e.digits }, { type: 'timeline', event: 'dtmf-sent', data: { count: e.digits.length, to: to === this.customer ? 'customer' : 'consult' } });
        return undefined;
      }
      case 'record':
        if (!working) return `the call is ${this.phase}`;
        if (this.customerLeft) return 'the customer has left';
        return this.recordControl(e.op, out);
      case 'recording-failed':
        if (this.recording === 'stopped') return undefined;
        this.recording = 'stopped';
        out.push({ type: 'timeline', event: 'recording-failed', data: { segment: this.segment, reason: e.reason } });
        return undefined;
      case 'voicemail-drop': {
        if (!live) return this.collaborating() ?? `the call is ${this.phase}`;
        if (this.policy.messages[e.message] === undefined) return `unknown message "${e.message}"`;
        return this.drop(e.message, now, out);
      }
      case 'beep':
        if (this.phase === 'awaiting-beep') this.playDrop(out, 'beep');
        return undefined;
      case 'playback-done':
        if (this.phase !== 'dropping') return undefined;
        out.push({ type: 'timeline', event: 'voicemail-drop-finished', data: { message: this.dropped!.message } });
        this.end('system', 'NORMAL_CLEARING', now, out);
        return undefined;
      case 'transfer-out':
        if (!live) return this.collaborating() ?? `the call is ${this.phase}`;
        this.handBack(e.to, now, out);
        return undefined;
      case 'hang-up':
        if (!working) return `the call is ${this.phase}`;
        if (!this.isUp(this.agent)) return 'the agent has left the call';
        if (!live) {
          this.hangup(this.agent, 'NORMAL_CLEARING', out);
          this.agentLeftCollaboration(now, 'NORMAL_CLEARING', out);
          return undefined;
        }
        this.end('agent', 'NORMAL_CLEARING', now, out);
        return undefined;
      case 'leg-gone':
        this.legGone(e.leg, e.cause, now, out);
        return undefined;
      case 'customer-phone-hold':
        if (!this.done) out.push({ type: 'timeline', event: e.held ? 'customer-phone-held' : 'customer-phone-resumed' });
        return undefined;
      case 'consult':
        if (!this.isUp(this.agent)) return 'the agent has left the call';
        return this.startConsult(e.target, now, out);
      case 'consult-answered':
        this.consultAnswered(e.n, e.leg, e.agentId, now, out);
        return undefined;
      case 'consult-joined':
        if (!this.isUp(this.agent)) return 'the agent has left the call';
        return this.consultJoined(e.leg, e.agentId, e.target, now, out);
      case 'consult-failed':
        this.consultFailed(e.n, e.reason, e.status, now, out);
        return undefined;
      case 'swap':
        return this.swap(now, out);
      case 'complete':
        return this.complete(now, out);
      case 'cancel':
        return this.cancel(now, out);
      case 'merge':
        return this.merge(now, out);
      case 'monitor':
        return this.monitor(e.supervisorId, e.mode, out);
      case 'supervisor-answered':
        this.supervisorAnswered(e.leg, out);
        return undefined;
      case 'supervisor-failed':
        this.supervisorFailed(e.reason, out);
        return undefined;
      case 'unmonitor':
        return this.unmonitor(out);
      case 'tick':
        return undefined;
    }
  }

  /** Why a plain-call control does not apply now, if a consult or a 3-way call is the reason. */
  private collaborating(): string | undefined {
    if (this.phase === 'consulting') return 'the agent is consulting (swap, complete, cancel or merge)';
    if (this.phase === 'merged') return 'the call is a 3-way call';
    return undefined;
  }

  protected hold(by: Who, now: number, out: LiveCallCommand[]): undefined {
    this.phase = 'held';
    this.openHold(by, now);
    this.arrange(out);
    out.push({ type: 'timeline', event: 'held', data: { by, holds: this.holds } });
    return undefined;
  }

  protected resume(by: Who, now: number, out: LiveCallCommand[]): undefined {
    const heldMs = this.closeHold(now);
    this.phase = 'talking';
    this.arrange(out);
    out.push({ type: 'timeline', event: 'resumed', data: { by, heldMs } });
    return undefined;
  }

  protected recordControl(op: 'start' | 'stop' | 'pause' | 'resume', out: LiveCallCommand[]): string | undefined {
    if (this.policy.recording === 'off') return 'recording is off for this call';
    const file = this.fileName();
    switch (op) {
      case 'start':
        if (this.recording !== 'stopped') return 'already recording';
        this.startRecording(out);
        return undefined;
      case 'stop':
        if (this.recording === 'stopped') return 'not recording';
        this.stopRecording(out);
        return undefined;
      case 'pause':
        if (this.recording !== 'on') return this.recording === 'paused' ? 'already paused' : 'not recording';
        this.recording = 'paused';
        out.push({ type: 'record', op: 'pause', leg: this.customer, file, segment: this.segment }, { type: 'timeline', event: 'recording-paused', data: { segment: this.segment } });
        return undefined;
      case 'resume':
        if (this.recording !== 'paused') return 'recording is not paused';
        this.recording = 'on';
        out.push({ type: 'record', op: 'resume', leg: this.customer, file, segment: this.segment }, { type: 'timeline', event: 'recording-resumed', data: { segment: this.segment } });
        return undefined;
    }
  }

  protected drop(message: string, now: number, out: LiveCallCommand[]): undefined {
    this.closeHold(now);
    this.stopRecording(out);
    this.dropSupervisor('voicemail-drop', out);
    this.dropped = { message, at: now };
    out.push({ type: 'timeline', event: 'voicemail-drop', data: { message, agentId: this.owner } });
    this.hangup(this.agent, 'NORMAL_CLEARING', out);
    this.releaseAgent(this.owner, 'voicemail-drop', out);
    if (this.policy.amd) {
      this.phase = 'awaiting-beep';
      this.beepDeadline = this.lastNow + this.policy.beepWaitMs;
      this.arrange(out);
    } else this.playDrop(out, 'no-amd');
    return undefined;
  }

  protected playDrop(out: LiveCallCommand[], after: 'beep' | 'no-amd' | 'beep-wait-over'): void {
    this.phase = 'dropping';
    this.beepDeadline = undefined;
    this.arrange(out);
    out.push({ type: 'timeline', event: 'voicemail-drop-playing', data: { message: this.dropped!.message, after } });
  }

  protected legGone(id: LegId, cause: string, now: number, out: LiveCallCommand[]): void {
    const leg = this.legs.get(id);
    if (!leg || !leg.up) return;
    this.gone(leg);
    if (this.done) return;
    const collaborating = this.phase === 'consulting' || this.phase === 'merged';
    if (leg.role === 'supervisor') {
      out.push({ type: 'timeline', event: 'monitor-ended', data: { supervisorId: this.supervisor?.supervisorId, why: 'supervisor-hung-up' } });
      this.supervisor = undefined;
      return this.arrange(out);
    }
    if (leg.role === 'consult') return this.consultLeft(now, out);
    if (leg.role === 'customer') {
      if (collaborating) return this.customerLeftCollaboration(now, out);
      return this.end('customer', cause, now, out);
    }
    // The agent's leg: during a drop the agent has already left on purpose.
    if (this.phase === 'awaiting-beep' || this.phase === 'dropping') return;
    if (collaborating) return this.agentLeftCollaboration(now, cause, out);
    this.end('agent', cause, now, out);
  }

  protected expire(out: LiveCallCommand[]): void {
    if (this.phase === 'awaiting-beep' && this.beepDeadline !== undefined && this.lastNow >= this.beepDeadline) this.playDrop(out, 'beep-wait-over');
  }
}
