/**
 * The shell of the live call (src/core/call/live-call.ts): feeds it the
 * controls (desk, API) and the wire's events (a phone's re-INVITE, a leg
 * gone, a playback done) and carries its commands out on FreeSWITCH and
 * drachtio, one after another per call, in the order given. A FreeSWITCH
 * action that fails is logged and put in the timeline; a recording that
 * cannot start is reported back to the machine (the call goes on).
 */
import path from 'node:path';
import { LiveCall, type LiveCallCommand, type LiveCallEvent, type LiveCallPolicy, type LiveCallView } from '../../core/call/live-call.js';
import { bridge, holdMusic, mute, playAlone, recordLeg, resumeBridge, sendDtmf, silence, type Api } from '../../media/call-media.js';
import { releaseEndpoint, type Endpoint } from '../../media/media-server.js';
import { transferTarget } from '../policy.js';
import { holdMusicOf, serviceQueue } from './inbound.js';
import { recordingStarted, recordingChanged } from './recordings.js';
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
    recording: queue?.recording ?? number?.recording ?? 'on-demand',
    messages: Object.fromEntries(Object.entries(config.voicemailDrops).map(([name, m]) => [name, m.file])),
    amd: false,
    beepWaitMs: BEEP_WAIT_MS,
  };
}

/** The agent's leg is up: the live call starts (the bridge, an auto recording). Resolves once they are done. */
export function startLive(ctx: CentreContext, call: CallState): Promise<void> {
  const machine = new LiveCall(call.id, call.caller!.ep.uuid, call.agent!.ep!.uuid, call.agent!.id, livePolicy(ctx, call), ctx.now(), call.segments);
  call.session = { machine, work: Promise.resolve() };
  return run(ctx, call, machine.start());
}

/** An event from the wire: never refused; a late one (the call has moved on) does nothing. */
export function wire(ctx: CentreContext, call: CallState, event: LiveCallEvent): void {
  const s = call.session;
  if (!s || s.machine.done) return;
  void run(ctx, call, s.machine.handle(event, ctx.now()).commands);
}

export type ControlResult = { status: 200; live: LiveCallView } | { status: 403 | 404 | 409; error: string };

/**
 * A control from the desk or the API, by `agentId` (an agent's session) or
 * an administrator (undefined). Answers once FreeSWITCH has carried it out.
 */
export async function control(ctx: CentreContext, callId: string, agentId: string | undefined, event: LiveCallEvent): Promise<ControlResult> {
  const call = ctx.live.get(callId);
  if (!call) return { status: 404, error: `no live call ${callId}` };
  const s = call.session;
  if (!s || s.machine.done) return { status: 409, error: 'the call is not connected to an agent' };
  if (agentId !== undefined && s.machine.agentId !== agentId) return { status: 403, error: 'the call is handled by another agent' };
  const outcome = s.machine.handle(event, ctx.now());
  const done = run(ctx, call, outcome.commands);
  if (!outcome.ok) return { status: 409, error: outcome.reason! };
  await done;
  return { status: 200, live: s.machine.view() };
}

/** The live call's state, for the API and the desk. */
export function liveView(call: CallState): LiveCallView | undefined {
  return call.session?.machine.view();
}

function run(ctx: CentreContext, call: CallState, cmds: LiveCallCommand[]): Promise<void> {
  const s = call.session;
  if (!s || cmds.length === 0) return s?.work ?? Promise.resolve();
  s.work = s.work.then(async () => {
    for (const c of cmds) {
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

/** What FreeSWITCH has now: which two legs are bridged, which leg runs hold music. */
function media(call: CallState): NonNullable<CallState['media']> {
  return (call.media ??= {});
}

function endpoint(call: CallState, leg: string): Endpoint {
  if (call.caller?.ep.uuid === leg) return call.caller.ep;
  if (call.agent?.ep?.uuid === leg) return call.agent.ep;
  throw new Error(`leg ${leg} is not on the call`);
}

async function exec(ctx: CentreContext, call: CallState, c: LiveCallCommand): Promise<void> {
  const api: Api = (command) => ctx.d.esl.api(command);
  switch (c.type) {
    case 'bridge': {
      const a = endpoint(call, c.a).uuid;
      const b = endpoint(call, c.b).uuid;
      const m = media(call);
      // Back from hold: the bridge was only suspended for the music.
      if (m.bridged?.includes(a) && m.bridged.includes(b) && m.music && [a, b].includes(m.music.uuid)) await resumeBridge(api, m.music.uuid, m.music.source);
      else await bridge(api, a, b);
      m.bridged = [a, b];
      m.music = undefined;
      if (!call.ended) ctx.timeline(call, 'bridged', { agentId: call.session?.machine.agentId });
      return;
    }
    case 'music': {
      const uuid = endpoint(call, c.leg).uuid;
      await holdMusic(api, uuid, c.source);
      media(call).music = { uuid, source: c.source };
      return;
    }
    case 'silence': {
      const uuid = endpoint(call, c.leg).uuid;
      const m = media(call);
      // The partner of a leg on hold music already hears nothing (that leg's voice is silenced).
      if (m.bridged?.includes(uuid) && m.music && m.music.uuid !== uuid && m.bridged.includes(m.music.uuid)) return;
      if (m.music?.uuid === uuid) {
        await resumeBridge(api, uuid, m.music.source).catch(() => undefined);
        m.music = undefined;
      }
      return silence(api, uuid);
    }
    case 'play': {
      const m = media(call);
      // A message from its start, not under the hold music (a drop during hold).
      if (m.music?.uuid === c.leg) await resumeBridge(api, c.leg, m.music.source).catch(() => undefined);
      m.bridged = undefined;
      m.music = undefined;
      ctx.background(
        playAlone(api, endpoint(call, c.leg), c.message).finally(() => wire(ctx, call, { type: 'playback-done' })),
        call.id,
        'voicemail drop',
      );
      return;
    }
    case 'mute':
      return mute(api, endpoint(call, c.leg).uuid, c.on);
    case 'dtmf':
      return sendDtmf(api, endpoint(call, c.leg).uuid, c.digits);
    case 'record': {
      const file = path.join(ctx.d.recordingsDir, c.file);
      await recordLeg(api, endpoint(call, c.leg).uuid, c.op, file);
      // Later changes of the index follow the timeline (recordOnCall): a recording also stops with its leg.
      if (c.op === 'start') recordingStarted(ctx, call, c.segment, c.file);
      return;
    }
    case 'hangup':
      // The customer's leg is hung up with the end of the call (finish); the agent's here.
      if (media(call).bridged?.includes(c.leg)) media(call).bridged = undefined;
      if (call.agent && call.agent.ep?.uuid === c.leg) {
        call.agent.gone = true;
        call.agent.dialog?.destroy();
        if (call.agent.ep) releaseEndpoint(call.agent.ep);
      }
      return;
    case 'release-agent':
      if (!call.agentReleased && call.queueId !== undefined) ctx.feed({ type: 'call-ended', callId: call.id });
      call.agentReleased = true;
      return;
    case 'hand-back': {
      const target = transferTarget(ctx.d.config(), c.to);
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
}
