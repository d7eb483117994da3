/**
 * Supervision: agents with `supervises: [queues]` see the live calls of
 * those queues and listen, whisper or barge (the live call's `monitor`);
 * their devices are rung (auto-answer asked of desk phones) and the answered
 * leg joins the call's conference in the chosen mode. Which calls a
 * supervisor may join is decided here; who hears whom, by the live call.
 */
import type { AgentId } from '../../core/acd/types.js';
import type { LiveCallEvent, MonitorMode } from '../../core/call/live-call.js';
import { ring, targetsOf } from '../../sip/ring.js';
import { joinParty } from './consult.js';
import { serviceQueue } from './inbound.js';
import { applyControl, connectedCall, wire, type ControlResult } from './live-control.js';
import type { CallState, CentreContext } from './state.js';

export interface SupervisedCall {
  callId: string;
  caller: string;
  callerName?: string;
  queueId?: string;
  agentId?: string;
  phase: string;
  onHold: boolean;
  talkMs: number;
  supervisor?: { supervisorId: string; mode: MonitorMode; state: string };
}

/** Whether `supervisorId` may supervise the call (its queue is one they supervise); an administrator (undefined) may any. */
function mayOversee(ctx: CentreContext, call: CallState, supervisorId: AgentId | undefined): boolean {
  if (supervisorId === undefined) return true;
  const queue = serviceQueue(ctx, call)?.id;
  return queue !== undefined && (ctx.d.config().agents[supervisorId]?.supervises ?? []).includes(queue);
}

/** The live calls a supervisor may join (all of them for an administrator). */
export function supervisedCalls(ctx: CentreContext, supervisorId: AgentId | undefined): SupervisedCall[] {
  const out: SupervisedCall[] = [];
  for (const call of ctx.live.values()) {
    const v = call.session?.machine.view();
    if (!v || call.session!.machine.done || !mayOversee(ctx, call, supervisorId)) continue;
    out.push({
      callId: call.id,
      caller: call.callerNumber,
      ...(call.contactName || call.callerName ? { callerName: call.contactName ?? call.callerName } : {}),
      ...(serviceQueue(ctx, call) ? { queueId: serviceQueue(ctx, call)!.id } : {}),
      ...(v.agentId ? { agentId: v.agentId } : {}),
      phase: v.phase,
      onHold: v.heldSince !== undefined,
      talkMs: call.agent ? Math.max(0, ctx.now() - call.agent.answeredAt) : 0,
      ...(v.supervisor ? { supervisor: { supervisorId: v.supervisor.supervisorId, mode: v.supervisor.mode, state: v.supervisor.state } } : {}),
    });
  }
  return out;
}

/**
 * listen / whisper / barge (`monitor`, also to switch modes) and leaving
 * (`unmonitor`) by a supervisor: 403 when the call's queue is not theirs, 409
 * with the live call's reason when it does not apply now.
 */
export async function supervise(ctx: CentreContext, callId: string, supervisorId: AgentId | undefined, event: Extract<LiveCallEvent, { type: 'monitor' | 'unmonitor' }>): Promise<ControlResult> {
  const call = connectedCall(ctx, callId);
  if ('status' in call) return call;
  if (!mayOversee(ctx, call, supervisorId)) return { status: 403, error: `${supervisorId} does not supervise the queue of this call` };
  const current = call.session!.machine.view().supervisor;
  if (event.type === 'unmonitor' && supervisorId !== undefined && current && current.supervisorId !== supervisorId) return { status: 403, error: `the call is supervised by ${current.supervisorId}` };
  return applyControl(ctx, call, event);
}

/** Rings the supervisor's devices; the answer joins the call. */
export async function callSupervisor(ctx: CentreContext, call: CallState, supervisorId: AgentId): Promise<void> {
  const { d } = ctx;
  const config = d.config();
  const agent = config.agents[supervisorId];
  const bindings = agent ? d.registrar.location.bindings(agent.sip.username, ctx.now()) : [];
  if (!agent || bindings.length === 0) return wire(ctx, call, { type: 'supervisor-failed', reason: 'unreachable' });
  const domain = config.sip.domain;
  const ringing = ring(d.srf, targetsOf(bindings), {
    From: `"Monitor ${call.callerNumber || 'anonymous'}" <sip:monitor@${domain}>`,
    To: `<sip:${agent.sip.username}@${domain}>`,
    'X-CC-Call-Id': call.id,
    'X-CC-Monitor': call.session?.machine.agentId ?? '',
    'Call-Info': `<sip:${domain}>;answer-after=0`,
    'Alert-Info': 'info=alert-autoanswer',
  });
  call.ringingParties.set('supervisor', ringing);
  const timer = setTimeout(() => ringing.cancel(), config.routing.consultTimeoutSec * 1000);
  const outcome = await ringing.outcome;
  clearTimeout(timer);
  if (call.ringingParties.get('supervisor') === ringing) call.ringingParties.delete('supervisor');
  if (outcome.kind === 'answered') return joinParty(ctx, call, outcome.answer, { role: 'supervisor', agentId: supervisorId }, (leg) => ({ type: 'supervisor-answered', leg }));
  wire(ctx, call, { type: 'supervisor-failed', reason: outcome.kind === 'failed' ? outcome.reason : 'no-answer' });
}
