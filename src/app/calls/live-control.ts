/**
 * The shell of the live call (src/core/call/live-call.ts): feeds it the
 * controls (desk, API) and the wire's events (a phone's re-INVITE, a leg
 * gone, a playback done) and carries its commands out on FreeSWITCH and
 * drachtio, one after another per call, in the order given. A FreeSWITCH
 * action that fails is logged and put in the timeline; a recording that
 * cannot start is reported back to the machine (the call goes on).
 */
import type { TranscriptionModeValue } from '../../config/transcription-schema.js';
import { LiveCall, type LiveCallCommand, type LiveCallEvent, type LiveCallPolicy, type LiveCallView } from '../../core/call/live-call.js';
import { transferTarget } from '../policy.js';
import { cancelOriginate, originate, passOwnership } from './consult.js';
import { holdMusicOf, serviceQueue } from './inbound.js';
import { execMedia, settleMedia } from './live-media.js';
import { recordingChanged, recordingStarted } from './recordings.js';
import { callSupervisor } from './supervision.js';
import type { CallState, CentreContext } from './state.js';

/** How long a voicemail drop waits for the beep on a call with live AMD. */
const BEEP_WAIT_MS = 10_000;

export function livePolicy(ctx: CentreContext, call: CallState): LiveCallPolicy {
  const config = ctx.d.config();
  // A call transferred to a person keeps the settings of the queue it came through.
  const queue = serviceQueue(ctx, call)?.config;
  const number = config.numbers[call.did];
  return {
    holdMusic: holdMusicOf(ctx, call),
    recording: call.recording ?? queue?.recording ?? number?.recording ?? 'on-demand',
    messages: Object.fromEntries(Object.entries(config.voicemailDrops).map(([name, m]) => [name, m.file])),
    amd: false,
    beepWaitMs: BEEP_WAIT_MS,
    agentLeavesConsult: config.routing.agentLeavesConsult,
    agentLeavesMerge: config.routing.agentLeavesMerge,
  };
}

/** Whether the call's words are transcribed: its own (campaign's) mode, else its queue's. */
export function transcriptionOf(ctx: CentreContext, call: CallState): TranscriptionModeValue {
  return call.transcription ?? serviceQueue(ctx, call)?.config.transcription ?? 'off';
}

/** The agent's leg is up: the live call starts (the bridge, an auto recording). Resolves once they are done. */
export function startLive(ctx: CentreContext, call: CallState): Promise<void> {
  const machine = new LiveCall(call.id, call.caller!.ep.uuid, call.agent!.ep!.uuid, call.agent!.id, livePolicy(ctx, call), ctx.now(), call.segments);
  call.session = { machine, work: Promise.resolve() };
  ctx.d.transcription?.connected({ id: call.id, customerUuid: call.caller!.ep.uuid, agentId: call.agent!.id, mode: transcriptionOf(ctx, call) });
  return run(ctx, call, machine.start());
}

/** An event from the wire: never refused; a late one (the call has moved on) does nothing. */
export function wire(ctx: CentreContext, call: CallState, event: LiveCallEvent): void {
  const s = call.session;
  if (!s || s.machine.done) return;
  void run(ctx, call, s.machine.handle(event, ctx.now()).commands);
}

export type ControlResult = { status: 200; live: LiveCallView } | { status: 400 | 403 | 404 | 409; error: string };

/**
 * A control from the desk or the API, by `agentId` (an agent's session) or
 * an administrator (undefined). Answers once FreeSWITCH has carried it out.
 */
export async function control(ctx: CentreContext, callId: string, agentId: string | undefined, event: LiveCallEvent): Promise<ControlResult> {
  const found = connectedCall(ctx, callId);
  if ('status' in found) return found;
  if (agentId !== undefined && found.session!.machine.agentId !== agentId) return { status: 403, error: 'the call is handled by another agent' };
  return applyControl(ctx, found, event);
}

/** The live call `callId` while it is connected to an agent, or why not (404, 409). */
export function connectedCall(ctx: CentreContext, callId: string): CallState | { status: 404 | 409; error: string } {
  const call = ctx.live.get(callId);
  if (!call) return { status: 404, error: `no live call ${callId}` };
  if (!call.session || call.session.machine.done) return { status: 409, error: 'the call is not connected to an agent' };
  return call;
}

/** A control the caller may give: refused (409, the reason, nothing changed) or carried out on FreeSWITCH before it answers. */
export async function applyControl(ctx: CentreContext, call: CallState, event: LiveCallEvent): Promise<ControlResult> {
  const machine = call.session!.machine;
  const outcome = machine.handle(event, ctx.now());
  const done = run(ctx, call, outcome.commands);
  if (!outcome.ok) return { status: 409, error: outcome.reason! };
  await done;
  return { status: 200, live: machine.view() };
}

/** The live call's state, for the API and the desk. */
export function liveView(call: CallState): LiveCallView | undefined {
  return call.session?.machine.view();
}

/**
 * A leg hung up while bridged parks its partner (park_after_bridge), and that
 * transfer races a bridge of the partner to someone else issued right after
 * (the completed transfer: the agent hung up, the customer bridged to the
 * colleague): both ended up parked in silence about one time in seven. So a
 * hang-up followed, in the same batch, by a bridge or a conference is carried
 * out just after it: the partner has left the bridge by then.
 */
export function hangUpsAfterBridges(cmds: LiveCallCommand[]): LiveCallCommand[] {
  const out = [...cmds];
  for (let i = 0; i < out.length; i++) {
    const c = out[i]!;
    if (c.type !== 'hangup') continue;
    const j = out.findIndex((x, k) => k > i && (x.type === 'bridge' || x.type === 'conference'));
    if (j < 0) continue;
    out.splice(i, 1);
    out.splice(j, 0, c);
    i--;
  }
  return out;
}

/** Carries the live call's commands out, after any still running for the call. */
export function run(ctx: CentreContext, call: CallState, cmds: LiveCallCommand[]): Promise<void> {
  const s = call.session;
  if (!s || cmds.length === 0) return s?.work ?? Promise.resolve();
  s.work = s.work.then(async () => {
    for (const c of hangUpsAfterBridges(cmds)) {
      try {
        await exec(ctx, call, c);
      } catch (err) {
        const message = (err as Error).message;
        ctx.d.log.warn({ callId: call.id, command: c.type, err: message }, 'live call action failed');
        if (c.type === 'record') {
          if (c.op === 'start') {
            ctx.d.metrics.recordingFailures.inc();
            recordingStarted(ctx, call, c.segment, c.file, message);
          }
          wire(ctx, call, { type: 'recording-failed', reason: message });
        } else ctx.timeline(call, 'action-failed', { action: c.type, error: message });
      }
    }
    await settleMedia(ctx, call).catch((err: Error) => ctx.d.log.warn({ callId: call.id, err: err.message }, 'hold music for a leg left alone failed'));
  });
  armTimer(ctx, call);
  return s.work;
}

function armTimer(ctx: CentreContext, call: CallState): void {
  const s = call.session!;
  clearTimeout(s.timer);
  const at = s.machine.nextDeadline();
  if (at === undefined) return;
  s.timer = setTimeout(() => wire(ctx, call, { type: 'tick' }), Math.max(0, at - ctx.now()));
}

async function exec(ctx: CentreContext, call: CallState, c: LiveCallCommand): Promise<void> {
  switch (c.type) {
    case 'bridge':
    case 'music':
    case 'silence':
    case 'play':
    case 'conference':
    case 'mute':
    case 'dtmf':
    case 'record':
    case 'hangup':
      return execMedia(ctx, call, c);
    case 'release-agent':
      return releaseAgent(ctx, call, c.agentId, c.wrapUp);
    case 'originate':
      return originate(ctx, call, c.n, c.target);
    case 'cancel-originate':
      return cancelOriginate(ctx, call, c.n);
    case 'call-supervisor':
      return callSupervisor(ctx, call, c.supervisorId);
    case 'cancel-supervisor':
      call.ringingParties.get('supervisor')?.cancel();
      call.ringingParties.delete('supervisor');
      return;
    case 'owner':
      return passOwnership(ctx, call, c.leg, c.agentId, c.from);
    case 'hand-back': {
      // '' : back to the queue the call came through (a consult the agent left), else to the agent's own line.
      // 'ivr:<flow>': into the flow the agent consulted.
      const target = c.to.startsWith('ivr:') ? { ivr: c.to.slice(4) } : c.to ? transferTarget(ctx.d.config(), c.to) : call.serviceQueueId ? { queue: call.serviceQueueId } : undefined;
      endSession(ctx, call);
      call.agent = undefined;
      if (target) ctx.background(ctx.routeTo(call, target, 'transfer'), call.id, 'transfer');
      else ctx.finish(call, { side: 'system', cause: 'NO_ROUTE_DESTINATION', disposition: 'failed' });
      return;
    }
    case 'ended':
      endSession(ctx, call);
      ctx.d.calls.update(call.id, { holds: c.holds, hold_ms: c.holdMs });
      ctx.finish(
        call,
        { side: c.side === 'customer' ? 'caller' : c.side, cause: c.cause, disposition: call.dropped ? 'voicemail-drop' : 'answered' },
        c.side === 'agent',
        c.side === 'customer',
      );
      return;
    case 'timeline':
      ctx.timeline(call, c.event, c.data);
      recordOnCall(ctx, call, c.event, c.data);
      return;
  }
}

/** The router hears that the agent is done with the call (wrap-up follows, unless `wrapUp` is false: straight back to Ready). */
export function releaseAgent(ctx: CentreContext, call: CallState, agentId: string, wrapUp: boolean): void {
  const routerCall = call.routerCalls.get(agentId);
  if (routerCall === undefined) return;
  call.routerCalls.delete(agentId);
  if (routerCall === call.id) {
    if (call.agentReleased) return;
    call.agentReleased = true;
    ctx.work.onRelease(call.id, agentId, call.serviceQueueId ?? call.queueId);
  }
  ctx.feed({ type: 'call-ended', callId: routerCall });
  if (!wrapUp) ctx.feed({ type: 'wrap-up-end', agentId });
}

/** The parts of the live call's story that the call record keeps as columns. */
function recordOnCall(ctx: CentreContext, call: CallState, event: string, data: Record<string, unknown> | undefined): void {
  const v = call.session?.machine.view();
  if (event === 'held' || event === 'resumed') ctx.d.calls.update(call.id, { holds: v?.holds ?? 0, hold_ms: v?.holdMs ?? 0 });
  if (event === 'voicemail-drop') {
    call.dropped = String(data?.message);
    ctx.d.calls.update(call.id, { voicemail_drop: call.dropped, voicemail_dropped_at: ctx.now() });
  }
  if (event === 'voicemail-drop-finished') ctx.d.calls.update(call.id, { voicemail_finished_at: ctx.now() });
  const segment = Number(data?.segment);
  if (event === 'recording-stopped') recordingChanged(ctx, call, segment, 'done');
  if (event === 'recording-paused') recordingChanged(ctx, call, segment, 'paused');
  if (event === 'recording-resumed') recordingChanged(ctx, call, segment, 'recording');
}

/** The live call is over (or the call ended around it: media lost, shutdown); a recording still on is closed in the index. */
export function endSession(ctx: CentreContext, call: CallState): void {
  const s = call.session;
  if (!s) return;
  clearTimeout(s.timer);
  const v = s.machine.view();
  if (v.recording !== 'stopped') recordingChanged(ctx, call, v.segment, 'done');
  call.segments = v.segment;
  call.session = undefined;
  ctx.d.transcription?.ended(call.id);
}
