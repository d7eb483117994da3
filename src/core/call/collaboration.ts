/**
 * Collaboration on a live call (see live-call.ts for the whole machine):
 * consult, swap, complete (attended transfer), cancel, merge into a 3-way
 * call, and supervision (listen, whisper, barge).
 * ```
 *                 consult                    consult-answered
 *   talking/held ---------> consulting(ringing) ----------------> consulting(up) <--swap--> (talking to the customer)
 *        ^                       |  consult-failed, cancel             |  |  |
 *        +-----------------------+-------------------------------------+  |  | merge
 *        |          cancel, the consulted party hangs up                  |  v
 *        |                                                      complete  | merged --the consulted party leaves--> talking
 *        +<---------- talking, owned by the consulted party <------------+--+  the agent leaves (agentLeavesMerge: keep)
 * ```
 * - consult: the customer is held (music); the agent hears nothing until the
 *   party answers, then talks to it. The party never hears the customer
 *   before a merge or a completed transfer.
 * - swap: the agent talks to the customer, the consulted party hears music;
 *   and back.
 * - complete: the customer is bridged to the consulted party, the agent's leg
 *   is hung up and the agent released (wrap-up); the party becomes the owner
 *   (`owner`): an agent, or nobody for an external number.
 * - cancel: the consult leg is hung up (a consulted colleague goes straight
 *   back to Ready, no wrap-up) and the agent is back with the customer. A
 *   consult that fails does the same, with its reason.
 * - merge: all three in one conference. The consulted party leaving makes it
 *   a plain call again; the customer leaving leaves agent and party talking;
 *   the agent leaving keeps the other two together (or ends the call).
 * - an IVR flow is consulted like a party (the agent hears it and drives it
 *   with the keypad); completing sends the customer into the flow from its
 *   start (a hand-back to `ivr:<flow>`); it is never swapped to hold and
 *   never joins a 3-way call.
 * - the agent leaving while consulting completes the transfer (when the
 *   party has not answered yet, the customer is put through when it does; if
 *   it fails, the customer goes back to the queue) or, with
 *   `agentLeavesConsult: requeue`, ends the consult and hands the customer
 *   back to the queue.
 * - the customer leaving while on hold ends nothing at once: the consult may
 *   go on; the call ends with it.
 * - supervision (no consult meanwhile): the supervisor's devices ring; once
 *   answered, customer, agent and supervisor share a conference where the
 *   supervisor is heard by nobody (listen), by the agent only (whisper) or by
 *   both (barge). On hold the agent and supervisor stay together. Leaving
 *   puts customer and agent back in a plain bridge.
 */
import { CallBase } from './call-base.js';
import type { ConsultTarget, LegId, LiveCallCommand, MonitorMode } from './types.js';

export abstract class Collaboration extends CallBase {
  protected startConsult(target: ConsultTarget, now: number, out: LiveCallCommand[]): string | undefined {
    if (this.phase !== 'talking' && this.phase !== 'held') return this.phase === 'consulting' || this.phase === 'merged' ? 'already consulting' : `the call is ${this.phase}`;
    if (this.supervisor) return 'a supervisor is on the call';
    if (target.kind === 'agent' && target.to === this.owner) return 'an agent cannot consult themselves';
    const n = ++this.consults;
    this.consult = { n, target: { ...target }, state: 'ringing', talkingTo: 'consult', startedAt: now };
    this.phase = 'consulting';
    this.openHold('desk', now);
    out.push({ type: 'timeline', event: 'consult-started', data: { n, target, by: this.owner } });
    this.arrange(out);
    out.push({ type: 'originate', n, target: { ...target } });
    return undefined;
  }

  /** A party the agent's own phone called (REFER with Replaces follows): an answered consult at once. */
  protected consultJoined(leg: LegId, agentId: string | undefined, target: ConsultTarget, now: number, out: LiveCallCommand[]): string | undefined {
    if (this.legs.has(leg)) return 'that leg is already on the call';
    const refusal = this.phase === 'talking' || this.phase === 'held' ? (this.supervisor ? 'a supervisor is on the call' : undefined) : 'already consulting';
    if (refusal) return refusal;
    const n = ++this.consults;
    this.consult = { n, target: { ...target }, state: 'up', leg, ...(agentId !== undefined ? { agentId } : {}), talkingTo: 'consult', startedAt: now };
    this.addLeg(leg, 'consult', agentId);
    this.phase = 'consulting';
    this.openHold('phone', now);
    out.push({ type: 'timeline', event: 'consult-joined', data: { n, target, by: this.owner, ...(agentId ? { agentId } : {}) } });
    this.arrange(out);
    return undefined;
  }

  protected consultAnswered(n: number, leg: LegId, agentId: string | undefined, now: number, out: LiveCallCommand[]): void {
    const c = this.consult;
    if (!c || c.n !== n || c.state !== 'ringing' || this.legs.has(leg)) {
      // Too late (cancelled, failed, the call over): that party is let go at once.
      if (!this.legs.has(leg)) {
        this.addLeg(leg, 'consult', agentId);
        this.hangup(leg, 'NORMAL_CLEARING', out);
        this.releaseAgent(agentId, 'consult-ended', out, false);
      }
      return;
    }
    c.state = 'up';
    c.leg = leg;
    if (agentId !== undefined) c.agentId = agentId;
    this.addLeg(leg, 'consult', agentId);
    out.push({ type: 'timeline', event: 'consult-answered', data: { n, ...(agentId ? { agentId } : {}), afterMs: now - c.startedAt } });
    if (c.completeOnAnswer) return this.completeTransfer('agent-left', now, out);
    this.arrange(out);
  }

  protected consultFailed(n: number, reason: string, status: number | undefined, now: number, out: LiveCallCommand[]): void {
    const c = this.consult;
    if (!c || c.n !== n || c.state !== 'ringing') return;
    this.consult = undefined;
    out.push({ type: 'timeline', event: 'consult-failed', data: { n, target: c.target, reason, ...(status !== undefined ? { status } : {}) } });
    this.afterConsult(now, out);
  }

  /** The consult is gone: back to the customer, or (nobody left for the customer) the call ends or goes back to the queue. */
  protected afterConsult(now: number, out: LiveCallCommand[]): void {
    if (this.customerLeft) return this.end('customer', 'NORMAL_CLEARING', now, out);
    if (!this.isUp(this.agent)) return this.handBack('', now, out);
    this.phase = 'talking';
    this.closeHold(now);
    this.arrange(out);
  }

  protected swap(now: number, out: LiveCallCommand[]): string | undefined {
    const c = this.consult;
    if (this.phase !== 'consulting' || !c) return 'no consult to swap with';
    if (c.state !== 'up') return 'the consulted party has not answered';
    if (this.customerLeft) return 'the customer has left';
    if (c.target.kind === 'ivr') return 'an IVR flow cannot be put on hold: cancel or complete';
    c.talkingTo = c.talkingTo === 'consult' ? 'customer' : 'consult';
    if (c.talkingTo === 'customer') this.closeHold(now);
    else this.openHold('desk', now);
    out.push({ type: 'timeline', event: 'swapped', data: { n: c.n, to: c.talkingTo } });
    this.arrange(out);
    return undefined;
  }

  protected complete(now: number, out: LiveCallCommand[]): string | undefined {
    const c = this.consult;
    if (!c || (this.phase !== 'consulting' && this.phase !== 'merged')) return 'no consult to complete';
    if (c.state !== 'up') return 'the consulted party has not answered';
    if (this.customerLeft) return 'the customer has left';
    // An IVR flow the agent tried out: the customer goes into the flow, from its start.
    if (c.target.kind === 'ivr') {
      this.dropConsult('completed-into-ivr', false, out);
      out.push({ type: 'timeline', event: 'transfer-completed', data: { n: c.n, how: 'into-ivr', target: c.target, from: this.owner, to: c.target.to } });
      this.handBack(`ivr:${c.target.to}`, now, out);
      return undefined;
    }
    this.hangup(this.agent, 'NORMAL_CLEARING', out);
    this.completeTransfer('completed', now, out);
    return undefined;
  }

  /** The customer goes to the consulted party, who owns the call from now on; the agent (already off the call) is released. */
  protected completeTransfer(how: 'completed' | 'agent-left' | 'merge-left', now: number, out: LiveCallCommand[]): void {
    const c = this.consult!;
    const from = this.owner;
    this.releaseAgent(from, how === 'merge-left' ? 'merge-left' : 'transfer', out);
    const leg = this.legs.get(c.leg!)!;
    leg.role = 'agent';
    this.agent = leg.id;
    this.owner = c.agentId;
    this.muted = false;
    this.consult = undefined;
    this.phase = 'talking';
    this.closeHold(now);
    out.push(
      { type: 'owner', leg: leg.id, ...(c.agentId !== undefined ? { agentId: c.agentId } : {}), ...(from !== undefined ? { from } : {}) },
      { type: 'timeline', event: 'transfer-completed', data: { n: c.n, how, target: c.target, from, to: c.agentId ?? c.target.to } },
    );
    this.arrange(out);
  }

  protected cancel(now: number, out: LiveCallCommand[]): string | undefined {
    if (!this.consult || (this.phase !== 'consulting' && this.phase !== 'merged')) return 'no consult to cancel';
    const merged = this.phase === 'merged';
    this.dropConsult(merged ? 'removed' : 'cancelled', merged, out);
    this.afterConsult(now, out);
    return undefined;
  }

  protected merge(now: number, out: LiveCallCommand[]): string | undefined {
    const c = this.consult;
    if (this.phase === 'merged') return 'already merged';
    if (this.phase !== 'consulting' || !c) return 'nothing to merge: there is only one call';
    if (c.state !== 'up') return 'the consulted party has not answered';
    if (c.target.kind === 'ivr') return 'an IVR flow cannot join a 3-way call';
    if (this.customerLeft) return 'the customer has left';
    this.phase = 'merged';
    this.closeHold(now);
    out.push({ type: 'timeline', event: 'merged', data: { n: c.n, legs: 3 } });
    this.arrange(out);
    return undefined;
  }

  /** The agent's leg has gone (hung up, or the desk's hang-up) while consulting or merged. */
  protected agentLeftCollaboration(now: number, cause: string, out: LiveCallCommand[]): void {
    const c = this.consult!;
    if (this.customerLeft) return this.end('agent', cause, now, out);
    if (this.phase === 'merged') {
      if (this.policy.agentLeavesMerge === 'end') return this.end('agent', cause, now, out);
      return this.completeTransfer('merge-left', now, out);
    }
    if (this.policy.agentLeavesConsult === 'requeue') {
      this.dropConsult('agent-left', false, out);
      return this.handBack('', now, out);
    }
    if (c.target.kind === 'ivr') {
      this.dropConsult('agent-left', false, out);
      return this.handBack(`ivr:${c.target.to}`, now, out);
    }
    if (c.state === 'up') return this.completeTransfer('agent-left', now, out);
    // Still ringing: the customer waits on hold and is put through on the answer.
    c.completeOnAnswer = true;
    this.releaseAgent(this.owner, 'transfer', out);
    out.push({ type: 'timeline', event: 'agent-left-consult', data: { n: c.n } });
    this.arrange(out);
  }

  /** The customer's leg has gone while consulting or merged: the consult goes on. */
  protected customerLeftCollaboration(now: number, out: LiveCallCommand[]): void {
    this.customerLeft = true;
    this.closeHold(now);
    this.stopRecording(out);
    out.push({ type: 'timeline', event: 'customer-left', data: { during: this.phase } });
    if (!this.isUp(this.agent)) return this.end('customer', 'NORMAL_CLEARING', now, out);
    this.phase = 'consulting';
    this.consult!.talkingTo = 'consult';
    this.arrange(out);
  }

  /** The consulted party has hung up. */
  protected consultLeft(now: number, out: LiveCallCommand[]): void {
    const merged = this.phase === 'merged';
    const c = this.consult!;
    this.releaseAgent(c.agentId, 'consult-ended', out, merged);
    this.consult = undefined;
    out.push({ type: 'timeline', event: 'consult-ended', data: { n: c.n, target: c.target, why: 'consulted-party-hung-up', ...(c.agentId ? { agentId: c.agentId } : {}) } });
    this.afterConsult(now, out);
  }

  protected handBack(to: string, now: number, out: LiveCallCommand[]): void {
    this.closeHold(now);
    this.stopRecording(out);
    this.dropSupervisor('transfer', out);
    this.hangup(this.agent, 'NORMAL_CLEARING', out);
    this.releaseAgent(this.owner, 'transfer', out);
    // Whatever the customer heard here (hold music) stops: the next target brings its own.
    if (this.isUp(this.customer)) out.push({ type: 'silence', leg: this.customer });
    this.phase = 'handed-back';
    this.places = [];
    out.push({ type: 'hand-back', to });
  }

  // ---- supervision -------------------------------------------------------------

  protected monitor(supervisorId: string, mode: MonitorMode, out: LiveCallCommand[]): string | undefined {
    if (this.phase !== 'talking' && this.phase !== 'held') return this.consult ? 'the agent is consulting' : `the call is ${this.phase}`;
    if (supervisorId === this.owner) return 'the agent cannot supervise their own call';
    const s = this.supervisor;
    if (s && s.supervisorId !== supervisorId) return `already supervised by ${s.supervisorId}`;
    if (s) {
      if (s.mode === mode) return `already in ${mode} mode`;
      s.mode = mode;
      out.push({ type: 'timeline', event: 'monitor-mode', data: { supervisorId, mode } });
      this.arrange(out);
      return undefined;
    }
    this.supervisor = { supervisorId, mode, state: 'ringing' };
    out.push({ type: 'timeline', event: 'monitor-requested', data: { supervisorId, mode } }, { type: 'call-supervisor', supervisorId });
    return undefined;
  }

  protected supervisorAnswered(leg: LegId, out: LiveCallCommand[]): void {
    const s = this.supervisor;
    if (!s || s.state !== 'ringing' || this.legs.has(leg) || this.done) {
      if (!this.legs.has(leg)) {
        this.addLeg(leg, 'supervisor');
        this.hangup(leg, 'NORMAL_CLEARING', out);
      }
      return;
    }
    s.state = 'up';
    s.leg = leg;
    this.addLeg(leg, 'supervisor');
    out.push({ type: 'timeline', event: 'monitor-started', data: { supervisorId: s.supervisorId, mode: s.mode } });
    this.arrange(out);
  }

  protected supervisorFailed(reason: string, out: LiveCallCommand[]): void {
    const s = this.supervisor;
    if (!s || s.state !== 'ringing') return;
    this.supervisor = undefined;
    out.push({ type: 'timeline', event: 'monitor-failed', data: { supervisorId: s.supervisorId, reason } });
  }

  protected unmonitor(out: LiveCallCommand[]): string | undefined {
    if (!this.supervisor) return 'no supervisor on the call';
    this.dropSupervisor('left', out);
    this.arrange(out);
    return undefined;
  }
}
