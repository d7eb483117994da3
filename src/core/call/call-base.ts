/**
 * The live call's state and the helpers every part of it uses (see
 * live-call.ts for the machine and its rules): the legs, the topology of
 * places and how it is brought to what the state asks for, holds, the
 * recording, releasing agents and the end.
 *
 * The topology is declarative: {@link CallBase.desired} says, from the phase,
 * the consult and the supervisor, where every up leg should be, and
 * {@link CallBase.arrange} emits the commands for the places that differ
 * from what FreeSWITCH has now, in the order listed (music before the
 * partner's silence on hold, a new bridge before the music of the party left
 * out of it on a swap).
 */
import type { ConsultView, EndSide, Leg, LegId, LiveCallCommand, LiveCallPolicy, LiveCallView, Phase, Place, RecordingState, ReleaseWhy, Role, SupervisorView, Who } from './types.js';

export abstract class CallBase {
  protected phase: Phase = 'talking';
  protected readonly legs = new Map<LegId, Leg>();
  protected places: Place[] = [];
  /** The leg of the agent who owns the call (it changes when an attended transfer completes). */
  protected agent: LegId;
  protected owner: string | undefined;
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
  protected consult?: ConsultView;
  protected consults = 0;
  protected supervisor?: SupervisorView;
  protected customerLeft = false;
  /** Agents told to the router as done with this call: each exactly once. */
  protected readonly released = new Set<string>();

  constructor(
    readonly callId: string,
    readonly customer: LegId,
    agent: LegId,
    agentId: string,
    protected readonly policy: LiveCallPolicy,
    firstSegment: number,
  ) {
    this.agent = agent;
    this.owner = agentId;
    this.segment = firstSegment;
    this.legs.set(customer, { id: customer, role: 'customer', up: true });
    this.legs.set(agent, { id: agent, role: 'agent', agentId, up: true });
  }

  /** The agent who owns the call now. */
  get agentId(): string | undefined {
    return this.owner;
  }

  get done(): boolean {
    return this.phase === 'ended' || this.phase === 'handed-back';
  }

  view(): LiveCallView {
    return {
      callId: this.callId,
      phase: this.phase,
      ...(this.owner !== undefined ? { agentId: this.owner } : {}),
      legs: [...this.legs.values()].map((l) => ({ ...l })),
      places: this.places.map((p) => structuredClone(p)),
      muted: this.muted,
      recording: this.recording,
      segment: this.segment,
      holds: this.holds,
      holdMs: this.holdMs,
      consults: this.consults,
      ...(this.heldSince !== undefined ? { heldSince: this.heldSince, heldBy: this.heldBy! } : {}),
      ...(this.dropped ? { dropped: { ...this.dropped } } : {}),
      ...(this.consult ? { consult: { ...this.consult, target: { ...this.consult.target } } } : {}),
      ...(this.supervisor ? { supervisor: { ...this.supervisor } } : {}),
      ...(this.customerLeft ? { customerLeft: true } : {}),
    };
  }

  // ---- legs -----------------------------------------------------------------

  protected isUp(id: LegId | undefined): id is LegId {
    return id !== undefined && this.legs.get(id)?.up === true;
  }

  protected addLeg(id: LegId, role: Role, agentId?: string): void {
    this.legs.set(id, { id, role, ...(agentId !== undefined ? { agentId } : {}), up: true });
  }

  protected hangup(id: LegId | undefined, cause: string, out: LiveCallCommand[]): void {
    if (!this.isUp(id)) return;
    this.gone(this.legs.get(id)!);
    out.push({ type: 'hangup', leg: id, cause });
  }

  /** A leg has gone: out of its place, and the agent's mute with it. */
  protected gone(leg: Leg): void {
    leg.up = false;
    this.places = this.places.flatMap((p) => withoutLeg(p, leg.id));
    if (leg.id === this.agent) this.muted = false;
  }

  // ---- topology -------------------------------------------------------------

  /** Where every up leg should be, from the state. */
  protected desired(): Place[] {
    const up = (id: LegId | undefined) => (this.isUp(id) ? id : undefined);
    const cu = up(this.customer);
    const ag = up(this.agent);
    const co = up(this.consult?.leg);
    const su = up(this.supervisor?.leg);
    const want: Place[] = [];
    const music = (leg: LegId | undefined) => leg && want.push({ kind: 'music', leg, source: this.policy.holdMusic });
    switch (this.phase) {
      case 'talking':
      case 'held': {
        const held = this.phase === 'held';
        if (held) music(cu);
        const talkers = [held ? undefined : cu, ag, su].filter((l): l is LegId => l !== undefined);
        if (su && talkers.length >= 2) want.push(this.monitorPlace(talkers, cu, su));
        else if (!held && cu && ag) want.push({ kind: 'bridge', legs: [cu, ag] });
        break;
      }
      case 'consulting':
        if (this.consult?.talkingTo === 'customer' && cu && ag) {
          want.push({ kind: 'bridge', legs: [cu, ag] });
          music(co);
        } else {
          if (ag && co) want.push({ kind: 'bridge', legs: [ag, co] });
          music(cu);
        }
        break;
      case 'merged': {
        const all = [cu, ag, co].filter((l): l is LegId => l !== undefined);
        if (all.length >= 2) want.push({ kind: 'conference', legs: all, muted: [], deaf: [] });
        break;
      }
      case 'awaiting-beep':
        if (cu) want.push({ kind: 'silence', leg: cu });
        break;
      case 'dropping':
        if (cu && this.dropped) want.push({ kind: 'message', leg: cu, message: this.policy.messages[this.dropped.message]! });
        break;
      case 'handed-back':
      case 'ended':
        return [];
    }
    // Whoever is left over hears nothing (the agent while the customer is held, a leg alone).
    const placed = new Set(want.flatMap(legsOf));
    for (const l of this.legs.values()) if (l.up && !placed.has(l.id)) want.push({ kind: 'silence', leg: l.id });
    return want;
  }

  /** The supervisor's conference: listen (heard by nobody), whisper (heard by the agent only), barge (heard by both). */
  private monitorPlace(legs: LegId[], cu: LegId | undefined, su: LegId): Place {
    const mode = this.supervisor!.mode;
    return {
      kind: 'conference',
      legs,
      muted: mode === 'listen' ? [su] : [],
      deaf: mode === 'whisper' && cu && legs.includes(cu) ? [[su, cu]] : [],
    };
  }

  /** Brings the topology to {@link desired}: a command for each place that is not already so. */
  protected arrange(out: LiveCallCommand[]): void {
    const want = this.desired();
    const have = new Set(this.places.map(placeKey));
    for (const p of want) {
      if (have.has(placeKey(p))) continue;
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
        case 'conference':
          out.push({ type: 'conference', legs: [...p.legs], muted: [...p.muted], deaf: p.deaf.map(([a, b]) => [a, b]) });
          break;
      }
    }
    this.places = want;
  }

  // ---- holds ----------------------------------------------------------------

  /** The customer goes on hold (music): counted, timed from now. */
  protected openHold(by: Who, now: number): void {
    if (this.heldSince !== undefined) return;
    this.holds++;
    this.heldSince = now;
    this.heldBy = by;
  }

  protected closeHold(now: number): number {
    if (this.heldSince === undefined) return 0;
    const ms = now - this.heldSince;
    this.holdMs += ms;
    this.heldSince = undefined;
    this.heldBy = undefined;
    return ms;
  }

  // ---- recording ------------------------------------------------------------

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
    if (this.isUp(this.customer)) out.push({ type: 'record', op: 'stop', leg: this.customer, file: this.fileName(), segment: this.segment });
    out.push({ type: 'timeline', event: 'recording-stopped', data: { segment: this.segment } });
  }

  protected fileName(): string {
    return `${this.callId}-${this.segment}.wav`;
  }

  // ---- agents and the end ---------------------------------------------------

  protected releaseAgent(agentId: string | undefined, why: ReleaseWhy, out: LiveCallCommand[], wrapUp = true): void {
    if (agentId === undefined || this.released.has(agentId)) return;
    this.released.add(agentId);
    out.push({ type: 'release-agent', agentId, why, wrapUp });
  }

  /** The consult is over: its leg hung up (or its ringing stopped) and its agent released. */
  protected dropConsult(why: string, wrapUp: boolean, out: LiveCallCommand[]): void {
    const c = this.consult;
    if (!c) return;
    if (c.state === 'ringing') out.push({ type: 'cancel-originate', n: c.n });
    else this.hangup(c.leg, 'NORMAL_CLEARING', out);
    if (c.state === 'up') this.releaseAgent(c.agentId, 'consult-ended', out, wrapUp);
    this.consult = undefined;
    out.push({ type: 'timeline', event: 'consult-ended', data: { n: c.n, target: c.target, why, ...(c.agentId ? { agentId: c.agentId } : {}) } });
  }

  /** The supervisor leaves (or stops ringing). */
  protected dropSupervisor(why: string, out: LiveCallCommand[]): void {
    const s = this.supervisor;
    if (!s) return;
    if (s.state === 'ringing') out.push({ type: 'cancel-supervisor', supervisorId: s.supervisorId });
    else this.hangup(s.leg, 'NORMAL_CLEARING', out);
    this.supervisor = undefined;
    out.push({ type: 'timeline', event: 'monitor-ended', data: { supervisorId: s.supervisorId, why } });
  }

  /**
   * The call is over: every leg still up is hung up (the customer's by the
   * shell with the call), every agent on it released, the record closed once.
   */
  protected end(side: EndSide, cause: string, now: number, out: LiveCallCommand[], why: ReleaseWhy = side === 'customer' ? 'customer-gone' : 'hung-up'): void {
    this.closeHold(now);
    this.stopRecording(out);
    this.dropSupervisor('call-ended', out);
    this.dropConsult('call-ended', this.phase === 'merged', out);
    this.hangup(this.agent, 'NORMAL_CLEARING', out);
    this.releaseAgent(this.owner, why, out);
    this.hangup(this.customer, 'NORMAL_CLEARING', out);
    this.phase = 'ended';
    this.places = [];
    out.push({ type: 'ended', side, cause, holds: this.holds, holdMs: this.holdMs, ...(this.owner !== undefined ? { owner: this.owner } : {}) });
  }
}

export function legsOf(p: Place): LegId[] {
  return p.kind === 'bridge' ? [...p.legs] : p.kind === 'conference' ? [...p.legs] : [p.leg];
}

/** A place with a leg taken out: a bridge leaves its partner alone, a conference goes on without it. */
function withoutLeg(p: Place, id: LegId): Place[] {
  if (!legsOf(p).includes(id)) return [p];
  if (p.kind === 'bridge') return [{ kind: 'silence', leg: p.legs[0] === id ? p.legs[1] : p.legs[0] }];
  if (p.kind === 'conference') {
    const legs = p.legs.filter((l) => l !== id);
    return legs.length ? [{ kind: 'conference', legs, muted: p.muted.filter((l) => l !== id), deaf: p.deaf.filter(([a, b]) => a !== id && b !== id) }] : [];
  }
  return [];
}

/** The same place whatever the order its legs were listed in. */
export function placeKey(p: Place): string {
  switch (p.kind) {
    case 'bridge':
      return `bridge:${[...p.legs].sort().join(',')}`;
    case 'conference':
      return `conference:${[...p.legs].sort().join(',')}|${[...p.muted].sort().join(',')}|${p.deaf.map((d) => d.join('>')).sort().join(',')}`;
    case 'music':
      return `music:${p.leg}:${p.source}`;
    case 'silence':
      return `silence:${p.leg}`;
    case 'message':
      return `message:${p.leg}:${p.message}`;
  }
}
