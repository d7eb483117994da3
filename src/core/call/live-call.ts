/**
 * A live call: its legs, what is connected to what, holds, mute, recording
 * and voicemail drop, from the moment an agent's leg is up until the call
 * ends or leaves the agent (a blind transfer hands the customer back to
 * routing; the next agent starts a new live call, a new recording segment).
 *
 * Pure and deterministic, like the router: it takes `now` with every event
 * and answers with commands the shell carries out on FreeSWITCH and drachtio.
 * No I/O, no wall clock. A control that does not apply in the current state
 * is refused with a reason and changes nothing (SIP.js's session pattern);
 * events from the wire (a leg gone, a phone's re-INVITE, a playback that
 * finished) are never refused.
 *
 * Legs have a role (customer, agent; consult and supervisor legs come with
 * collaboration) and are `up` or `gone`. Every up leg is in exactly one
 * place of the topology:
 * ```
 *   bridge {a, b}      a and b hear each other
 *   music {leg}        leg hears hold music (the customer on hold)
 *   silence {leg}      leg hears nothing (the agent while the customer is held;
 *                      the customer while a voicemail drop waits for the beep)
 *   message {leg}      leg hears a message, then is hung up (voicemail drop)
 * ```
 * The call's phases:
 * ```
 *            hold (desk, API, phone re-INVITE)
 *   talking ---------------------------------> held
 *      ^  <--------------------------------- |
 *      |     resume                           |
 *      +------- voicemail drop ---------------+--> awaiting-beep --beep/timeout--> dropping
 *      |                                      |                                     |
 *      |  transfer-out (blind)                |  customer gone, agent gone          | playback done,
 *      +--------> handed-back <---------------+----------> ended <------------------+ customer gone
 * ```
 * Rules:
 * - talking: customer bridged to agent. hold: customer to music, agent to
 *   silence; resume: bridged again. Holds are counted and their time summed;
 *   every hold and resume goes to the timeline with who asked (desk or phone).
 *   A phone's hold while already held (or resume while not held) is accepted
 *   and does nothing, since the phone needs its answer either way.
 * - mute silences the agent's audio towards the call (on the agent's leg, so
 *   desk phones are muted too); it stays across hold and ends with the leg.
 * - DTMF goes to the customer's leg, 1 to 32 of 0-9 * # A-D.
 * - recording (`auto` starts at connect; `on-demand` waits for the agent;
 *   `off` refuses): stopped -> on <-> paused -> stopped; each start is a new
 *   file `<call id>-<n>.wav` (n counts from the call's first segment). A
 *   recording that fails is stopped and reported; the call goes on.
 * - voicemail drop: the agent's leg is hung up and the agent released at once;
 *   the customer hears the message from its start (after the beep, when the
 *   call has live AMD, or after `beepWaitMs` without one), then is hung up.
 * - the customer gone ends the call and hangs up the agent; the agent gone
 *   ends the call and hangs up the customer (except during a drop, where the
 *   agent has already left). Every end emits exactly one `ended`, after the
 *   recording's `stop`, and the agent is released exactly once.
 */

import type { EndSide, Leg, LegId, LiveCallCommand, LiveCallEvent, LiveCallPolicy, LiveCallView, Outcome, Phase, Place, RecordingState, Who } from './types.js';

export type * from './types.js';

const DTMF = /^[0-9*#A-D]{1,32}$/;

export class LiveCall {
  protected phase: Phase = 'talking';
  protected readonly legs = new Map<LegId, Leg>();
  protected places: Place[] = [];
  protected muted = false;
  protected recording: RecordingState = 'stopped';
  /** Files of this call so far: the next start is segment + 1. */
  protected segment: number;
  protected holds = 0;
  protected holdMs = 0;
  protected heldSince?: number;
  protected heldBy?: Who;
  protected dropped?: { message: string; at: number };
  protected beepDeadline?: number;
  protected agentReleased = false;
  private lastNow: number;

  /**
   * Starts with both legs up and the commands that connect them: the bridge,
   * and the recording when it is `auto`. `firstSegment`: recordings this call
   * already has (earlier agents).
   */
  constructor(
    readonly callId: string,
    readonly customer: LegId,
    readonly agent: LegId,
    readonly agentId: string,
    protected readonly policy: LiveCallPolicy,
    now: number,
    firstSegment = 0,
  ) {
    this.lastNow = now;
    this.segment = firstSegment;
    this.legs.set(customer, { id: customer, role: 'customer', up: true });
    this.legs.set(agent, { id: agent, role: 'agent', agentId, up: true });
  }

  /** The commands that set the call up: run once, right after construction. */
  start(): LiveCallCommand[] {
    const out: LiveCallCommand[] = [];
    this.place({ kind: 'bridge', legs: [this.customer, this.agent] }, out);
    if (this.policy.recording === 'auto') this.startRecording(out);
    return out;
  }

  handle(event: LiveCallEvent, now: number): Outcome {
    now = Math.max(now, this.lastNow);
    this.lastNow = now;
    const out: LiveCallCommand[] = [];
    this.expire(now, out);
    const refusal = this.apply(event, now, out);
    // What fell due before the event (the beep wait) still happens when the event is refused.
    if (refusal) return { ok: false, reason: refusal, commands: out };
    return { ok: true, commands: out };
  }

  /** The next moment a `tick` is due (a drop waiting for the beep), if any. */
  nextDeadline(): number | undefined {
    return this.phase === 'awaiting-beep' ? this.beepDeadline : undefined;
  }

  get done(): boolean {
    return this.phase === 'ended' || this.phase === 'handed-back';
  }

  view(): LiveCallView {
    return {
      callId: this.callId,
      phase: this.phase,
      legs: [...this.legs.values()].map((l) => ({ ...l })),
      places: this.places.map((p) => structuredClone(p)),
      muted: this.muted,
      recording: this.recording,
      segment: this.segment,
      holds: this.holds,
      holdMs: this.holdMs,
      ...(this.heldSince !== undefined ? { heldSince: this.heldSince, heldBy: this.heldBy! } : {}),
      ...(this.dropped ? { dropped: { ...this.dropped } } : {}),
    };
  }

  // ---- transitions --------------------------------------------------------

  /** Returns a refusal reason, or undefined with `out` filled. */
  protected apply(e: LiveCallEvent, now: number, out: LiveCallCommand[]): string | undefined {
    const live = this.phase === 'talking' || this.phase === 'held';
    switch (e.type) {
      case 'hold':
        if (this.phase === 'held' && e.by === 'phone') return undefined;
        if (this.phase !== 'talking') return e.by === 'phone' ? undefined : this.phase === 'held' ? 'the call is already on hold' : `the call is ${this.phase}`;
        return this.hold(e.by, now, out);
      case 'resume':
        if (this.phase === 'talking' && e.by === 'phone') return undefined;
        if (this.phase !== 'held') return e.by === 'phone' ? undefined : 'the call is not on hold';
        return this.resume(e.by, now, out);
      case 'mute':
      case 'unmute': {
        if (!live) return `the call is ${this.phase}`;
        const on = e.type === 'mute';
        if (this.muted === on) return on ? 'already muted' : 'not muted';
        this.muted = on;
        out.push({ type: 'mute', leg: this.agent, on }, { type: 'timeline', event: on ? 'muted' : 'unmuted' });
        return undefined;
      }
      case 'dtmf':
        if (!live) return `the call is ${this.phase}`;
        if (!DTMF.test(e.digits)) return 'digits must be 1 to 32 of 0-9 * # A-D';
        out.push({ type: 'dtmf', leg: this.customer, digits: e.digits }, { type: 'timeline', event: 'dtmf-sent', data: { count: e.digits.length } });
        return undefined;
      case 'record':
        if (!live) return `the call is ${this.phase}`;
        return this.recordControl(e.op, out);
      case 'recording-failed':
        if (this.recording === 'stopped') return undefined;
        this.recording = 'stopped';
        out.push({ type: 'timeline', event: 'recording-failed', data: { segment: this.segment, reason: e.reason } });
        return undefined;
      case 'voicemail-drop': {
        if (!live) return `the call is ${this.phase}`;
        const file = this.policy.messages[e.message];
        if (file === undefined) return `unknown message "${e.message}"`;
        return this.drop(e.message, now, out);
      }
      case 'beep':
        if (this.phase === 'awaiting-beep') this.playDrop(out, 'beep');
        return undefined;
      case 'playback-done':
        if (this.phase !== 'dropping') return undefined;
        out.push({ type: 'timeline', event: 'voicemail-drop-finished', data: { message: this.dropped!.message } });
        this.hangup(this.customer, 'NORMAL_CLEARING', out);
        this.end('system', 'NORMAL_CLEARING', out);
        return undefined;
      case 'transfer-out':
        if (!live) return `the call is ${this.phase}`;
        this.transferOut(e.to, now, out);
        return undefined;
      case 'hang-up':
        if (!live) return `the call is ${this.phase}`;
        this.closeHold(now);
        this.stopRecording(out);
        this.hangup(this.agent, 'NORMAL_CLEARING', out);
        this.releaseAgent('hung-up', out);
        this.hangup(this.customer, 'NORMAL_CLEARING', out);
        this.end('agent', 'NORMAL_CLEARING', out);
        return undefined;
      case 'leg-gone':
        this.legGone(e.leg, e.cause, now, out);
        return undefined;
      case 'customer-phone-hold':
        if (!this.done) out.push({ type: 'timeline', event: e.held ? 'customer-phone-held' : 'customer-phone-resumed' });
        return undefined;
      case 'tick':
        return undefined;
    }
  }

  protected hold(by: Who, now: number, out: LiveCallCommand[]): undefined {
    this.phase = 'held';
    this.holds++;
    this.heldSince = now;
    this.heldBy = by;
    this.place({ kind: 'music', leg: this.customer, source: this.policy.holdMusic }, out);
    this.place({ kind: 'silence', leg: this.agent }, out);
    out.push({ type: 'timeline', event: 'held', data: { by, holds: this.holds } });
    return undefined;
  }

  protected resume(by: Who, now: number, out: LiveCallCommand[]): undefined {
    const heldMs = this.closeHold(now);
    this.phase = 'talking';
    this.place({ kind: 'bridge', legs: [this.customer, this.agent] }, out);
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

  protected startRecording(out: LiveCallCommand[]): void {
    this.segment++;
    this.recording = 'on';
    const file = this.fileName();
    out.push({ type: 'record', op: 'start', leg: this.customer, file, segment: this.segment }, { type: 'timeline', event: 'recording-started', data: { segment: this.segment, file } });
  }

  protected stopRecording(out: LiveCallCommand[]): void {
    if (this.recording === 'stopped') return;
    this.recording = 'stopped';
    // A recording on a leg that has gone has stopped with it: nothing to tell FreeSWITCH.
    if (this.legs.get(this.customer)?.up) out.push({ type: 'record', op: 'stop', leg: this.customer, file: this.fileName(), segment: this.segment });
    out.push({ type: 'timeline', event: 'recording-stopped', data: { segment: this.segment } });
  }

  protected fileName(): string {
    return `${this.callId}-${this.segment}.wav`;
  }

  protected drop(message: string, now: number, out: LiveCallCommand[]): undefined {
    this.closeHold(now);
    this.stopRecording(out);
    this.dropped = { message, at: now };
    out.push({ type: 'timeline', event: 'voicemail-drop', data: { message, agentId: this.agentId } });
    this.hangup(this.agent, 'NORMAL_CLEARING', out);
    this.releaseAgent('voicemail-drop', out);
    if (this.policy.amd) {
      this.phase = 'awaiting-beep';
      this.beepDeadline = now + this.policy.beepWaitMs;
      this.place({ kind: 'silence', leg: this.customer }, out);
    } else this.playDrop(out, 'no-amd');
    return undefined;
  }

  protected playDrop(out: LiveCallCommand[], after: 'beep' | 'no-amd' | 'beep-wait-over'): void {
    this.phase = 'dropping';
    this.beepDeadline = undefined;
    const message = this.dropped!.message;
    this.place({ kind: 'message', leg: this.customer, message: this.policy.messages[message]! }, out);
    out.push({ type: 'timeline', event: 'voicemail-drop-playing', data: { message, after } });
  }

  protected transferOut(to: string, now: number, out: LiveCallCommand[]): void {
    this.closeHold(now);
    this.stopRecording(out);
    this.hangup(this.agent, 'NORMAL_CLEARING', out);
    this.releaseAgent('transfer', out);
    // Whatever the customer heard here (hold music) stops: the next target brings its own.
    this.place({ kind: 'silence', leg: this.customer }, out);
    this.phase = 'handed-back';
    this.places = [];
    out.push({ type: 'hand-back', to });
  }

  protected legGone(id: LegId, cause: string, now: number, out: LiveCallCommand[]): void {
    const leg = this.legs.get(id);
    if (!leg || !leg.up) return;
    this.gone(leg);
    if (this.done) return;
    if (leg.role === 'customer') {
      this.closeHold(now);
      this.stopRecording(out);
      this.hangup(this.agent, 'NORMAL_CLEARING', out);
      this.releaseAgent('customer-gone', out);
      this.end('customer', cause, out);
      return;
    }
    // The agent's leg: during a drop the agent has already left on purpose.
    if (this.phase === 'awaiting-beep' || this.phase === 'dropping') return;
    this.closeHold(now);
    this.stopRecording(out);
    this.releaseAgent('hung-up', out);
    this.hangup(this.customer, 'NORMAL_CLEARING', out);
    this.end('agent', cause, out);
  }

  protected expire(now: number, out: LiveCallCommand[]): void {
    if (this.phase === 'awaiting-beep' && this.beepDeadline !== undefined && now >= this.beepDeadline) this.playDrop(out, 'beep-wait-over');
  }

  // ---- helpers ------------------------------------------------------------

  protected closeHold(now: number): number {
    if (this.heldSince === undefined) return 0;
    const ms = now - this.heldSince;
    this.holdMs += ms;
    this.heldSince = undefined;
    this.heldBy = undefined;
    return ms;
  }

  /** Moves the place's legs out of wherever they were and into it. */
  protected place(p: Place, out: LiveCallCommand[]): void {
    for (const id of legsOf(p)) this.unplace(id);
    this.places.push(p);
    switch (p.kind) {
      case 'bridge':
        out.push({ type: 'bridge', a: p.legs[0], b: p.legs[1] });
        break;
      case 'music':
        out.push({ type: 'music', leg: p.leg, source: p.source });
        break;
      case 'silence':
        out.push({ type: 'silence', leg: p.leg });
        break;
      case 'message':
        out.push({ type: 'play', leg: p.leg, message: p.message });
        break;
    }
  }

  /** Takes a leg out of its place; its bridge partner is left in silence. */
  protected unplace(id: LegId): void {
    const before = this.places;
    this.places = [];
    for (const p of before) {
      if (!legsOf(p).includes(id)) this.places.push(p);
      else if (p.kind === 'bridge') {
        const other = p.legs[0] === id ? p.legs[1] : p.legs[0];
        if (this.legs.get(other)?.up) this.places.push({ kind: 'silence', leg: other });
      }
    }
  }

  protected hangup(id: LegId, cause: string, out: LiveCallCommand[]): void {
    const leg = this.legs.get(id);
    if (!leg?.up) return;
    this.gone(leg);
    out.push({ type: 'hangup', leg: id, cause });
  }

  /** A leg has gone: out of its place, and its mute with it. */
  protected gone(leg: Leg): void {
    leg.up = false;
    this.unplace(leg.id);
    if (leg.role === 'agent') this.muted = false;
  }

  protected releaseAgent(why: 'hung-up' | 'customer-gone' | 'voicemail-drop' | 'transfer', out: LiveCallCommand[]): void {
    if (this.agentReleased) return;
    this.agentReleased = true;
    out.push({ type: 'release-agent', agentId: this.agentId, why });
  }

  protected end(side: EndSide, cause: string, out: LiveCallCommand[]): void {
    this.phase = 'ended';
    this.places = [];
    out.push({ type: 'ended', side, cause, holds: this.holds, holdMs: this.holdMs });
  }
}

export function legsOf(p: Place): LegId[] {
  return p.kind === 'bridge' ? [...p.legs] : [p.leg];
}
