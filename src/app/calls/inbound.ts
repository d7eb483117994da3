/**
 * A call's way in and its targets: an INVITE to a number (or an agent's
 * extension) is answered through FreeSWITCH, welcomed, and sent where the
 * number says: a queue (hold music, announcements, the router offers
 * agents), an agent's own queue, an IVR flow, a voicemail box, an external
 * number, or a message and hang-up. Overflows and transfers come back here.
 */
import path from 'node:path';
import type { TranscriptionModeValue } from '../../config/transcription-schema.js';
import { randomUUID } from 'node:crypto';
import type Srf from 'drachtio-srf';
import type { AgentId } from '../../core/acd/types.js';
import type { Config, QueueConfig, Target } from '../../config/schema.js';
import { record, RECORD_TONE, stopPlayback } from '../../media/actions.js';
import type { Endpoint } from '../../media/media-server.js';
import { connectCallerLeg, connectDeviceLeg } from '../../media/device-leg.js';
import { identityAsUas } from '../../sip/dialog-identity.js';
import { ring, type RingTarget } from '../../sip/ring.js';
import { announcementPrompts, fileString } from '../announcements.js';
import { directQueueId } from '../policy.js';
import { answerReinvite } from './reinvite.js';
import type { CallState, CentreContext } from './state.js';

export async function handleInvite(ctx: CentreContext, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
  const { d } = ctx;
  const config = d.config();
  const dialled = req.calledNumber ?? '';
  const number = config.numbers[dialled] ?? config.numbers[`+${dialled}`] ?? config.numbers[dialled.replace(/^\+/, '')];
  // An agent dialling a colleague's extension: only registered agents may, so authenticate.
  const callee = number ? undefined : Object.entries(config.agents).find(([, a]) => a.extension === dialled);
  let caller: { number: string; name: string } = { number: req.callingNumber ?? '', name: (req as { callingName?: string }).callingName ?? '' };
  if (callee) {
    const who = d.registrar.authenticateCall(req, res);
    if (!who) return;
    const a = config.agents[who];
    caller = { number: a?.extension ?? '', name: a?.name ?? '' };
  } else if (!number) {
    d.log.info({ dialled, from: req.callingNumber, source: req.source_address }, 'call to unknown number refused');
    d.registrar.observer.failure(req, 'call to an unknown number');
    return res.send(404);
  }
  const ms = d.media.ms;
  if (!ms || !d.media.up) {
    d.log.warn({ dialled }, 'call refused: media server unavailable');
    return res.send(503, { headers: { 'Retry-After': '5' } });
  }
  const call = newCall(randomUUID(), dialled, caller.number, caller.name, ctx.now(), number?.client);
  track(ctx, call);
  d.calls.create({ id: call.id, node_id: d.nodeId, direction: callee ? 'internal' : 'inbound', did: dialled, caller_number: call.callerNumber, caller_name: call.callerName || null, arrived_at: call.arrivedAt });
  ctx.timeline(call, 'arrived', { did: dialled, from: call.callerNumber, sipCallId: req.get('Call-ID') });
  const contact = call.callerNumber && d.contactName ? d.contactName(call.callerNumber).catch(() => undefined) : undefined;

  // The caller may CANCEL while FreeSWITCH is still answering.
  req.on('cancel', () => {
    if (!call.caller) ctx.finish(call, { side: 'caller', cause: 'ORIGINATOR_CANCEL', disposition: 'abandoned' });
  });
  try {
    const leg = await connectCallerLeg(ms, req, res);
    if (call.ended) {
      void leg.dialog.destroy();
      void leg.endpoint.destroy().catch(() => undefined);
      return;
    }
    attachCaller(ctx, call, leg.endpoint, leg.dialog);
    d.calls.update(call.id, { caller_sip: JSON.stringify(identityAsUas(leg.dialog, req)) });
  } catch (err) {
    d.log.error({ callId: call.id, err: (err as Error).message }, 'could not answer caller');
    if (!res.finalResponseSent) res.send(503);
    return ctx.finish(call, { side: 'system', cause: 'MEDIA_FAILURE', disposition: 'failed' });
  }
  d.calls.update(call.id, { answered_at: ctx.now() });
  ctx.timeline(call, 'answered');
  call.contactName = await contact;

  if (number?.welcome) await play(ctx, call, number.welcome);
  if (number?.recordingNotice) {
    await play(ctx, call, number.recordingNotice);
    call.noticePlayed = true;
    ctx.timeline(call, 'recording-notice', { file: number.recordingNotice });
  }
  await routeTo(ctx, call, callee ? { agent: callee[0] } : number!.route, 'number');
}

/** A call's own recording and transcription modes (its campaign's), winning over its queue's. */
export interface CallModes {
  recording?: 'auto';
  transcription?: TranscriptionModeValue;
}

/**
 * An answered outbound call (the outbound dialer's, after a human answered)
 * joins the centre like an inbound one: into a queue or an IVR flow, with
 * variables the agent sees (a campaign's contact), recorded from the start
 * when its campaign says so.
 */
export function adoptAnswered(ctx: CentreContext, leg: { id: string; number: string; ep: Endpoint; dialog: Srf.Dialog; arrivedAt: number }, target: Target, variables: Record<string, string> = {}, modes: CallModes = {}): void {
  const call = newCall(leg.id, '', leg.number, '', leg.arrivedAt);
  Object.assign(call.variables, variables);
  if (modes.recording) call.recording = modes.recording;
  if (modes.transcription) call.transcription = modes.transcription;
  track(ctx, call);
  attachCaller(ctx, call, leg.ep, leg.dialog);
  void routeTo(ctx, call, target, 'outbound');
}

export function newCall(id: string, did: string, callerNumber: string, callerName: string, arrivedAt: number, clientId?: string): CallState {
  return {
    id,
    did,
    callerNumber,
    callerName,
    ...(clientId ? { clientId } : {}),
    arrivedAt,
    ringing: new Map(),
    answers: new Map(),
    variables: {},
    announcing: false,
    segments: 0,
    parties: new Map(),
    routerCalls: new Map(),
    ringingParties: new Map(),
    ended: false,
  };
}

function track(ctx: CentreContext, call: CallState): void {
  ctx.live.set(call.id, call);
  ctx.d.metrics.callsActive.set(ctx.live.size);
}

/** The caller's leg is up: its hang-up, and its phone's own hold (a re-INVITE), are watched from now on. */
function attachCaller(ctx: CentreContext, call: CallState, ep: Endpoint, dialog: Srf.Dialog): void {
  call.caller = { ep, dialog };
  ctx.legs.set(ep.uuid, { callId: call.id, leg: 'caller' });
  ctx.d.calls.update(call.id, { caller_uuid: ep.uuid });
  dialog.on('destroy', () => ctx.hangUpFrom(call, 'caller'));
  // A customer's phone putting the call on hold must not break it: answered in kind, noted in the timeline.
  dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    const held = answerReinvite(dialog, req, res);
    if (call.session) ctx.wire(call, { type: 'customer-phone-hold', held });
    else ctx.timeline(call, held ? 'customer-phone-held' : 'customer-phone-resumed');
  });
}

/** Sends an answered call where a number, an IVR, an overflow or a fallback says. */
export async function routeTo(ctx: CentreContext, call: CallState, target: Target, via: string, depth = 0): Promise<void> {
  if (call.ended || !call.caller) return;
  if (depth > 8) return ctx.finish(call, { side: 'system', cause: 'ROUTING_LOOP', disposition: 'failed' });
  const { d } = ctx;
  const config = d.config();
  if ('queue' in target) {
    const welcome = config.queues[target.queue]?.welcome;
    if (welcome && via !== 'overflow') await play(ctx, call, welcome);
    return enterQueue(ctx, call, target.queue, target.priority ?? 0);
  }
  if ('agent' in target) return enterQueue(ctx, call, directQueueId(target.agent), 0);
  if ('ivr' in target) {
    if (!d.ivr) return ctx.finish(call, { side: 'system', cause: 'IVR_UNAVAILABLE', disposition: 'failed' });
    ctx.timeline(call, 'ivr-start', { flow: target.ivr });
    const result = await d.ivr({ id: call.id, callerNumber: call.callerNumber, did: call.did, leg: call.caller }, target.ivr);
    if (!result || call.ended) return;
    Object.assign(call.variables, result.variables);
    ctx.timeline(call, 'ivr-end', { flow: target.ivr, variables: result.variables });
    return routeTo(ctx, call, result.target, 'ivr', depth + 1);
  }
  if ('voicemail' in target) return voicemail(ctx, call, target.voicemail);
  if ('number' in target) return forward(ctx, call, target.number, target.trunk, via === 'transfer' ? call.transfer?.by : undefined);
  if (target.message) await play(ctx, call, target.message);
  const cause = typeof target.hangup === 'string' ? target.hangup : 'NORMAL_CLEARING';
  ctx.finish(call, { side: 'system', cause, disposition: via === 'overflow' ? 'overflow' : 'rejected' });
}

function enterQueue(ctx: CentreContext, call: CallState, queueId: string, priority: number): void {
  if (call.ended || !call.caller) return;
  call.queueId = queueId;
  if (ctx.d.config().queues[queueId]) call.serviceQueueId = queueId;
  call.queuedAt = ctx.now();
  call.agentReleased = false;
  ctx.d.calls.update(call.id, { queue_id: queueId, queued_at: call.queuedAt });
  ctx.timeline(call, 'queued', { queueId, priority });
  holdMusic(ctx, call);
  const clientId = call.clientId ?? ctx.d.config().queues[queueId]?.client;
  ctx.feed({ type: 'call-queued', callId: call.id, queueId, priority, ...(call.callerNumber ? { caller: call.callerNumber } : {}), ...(clientId ? { clientId } : {}) });
}

/** The queue whose settings apply to the call: its own, else (transferred to a person) the queue it came through. */
export function serviceQueue(ctx: CentreContext, call: CallState): { id: string; config: QueueConfig } | undefined {
  const queues = ctx.d.config().queues;
  for (const id of [call.queueId, call.serviceQueueId]) if (id && queues[id]) return { id, config: queues[id] };
  return undefined;
}

/** What a queued caller hears: the queue's music (or the default stream). */
export function holdMusicOf(ctx: CentreContext, call: CallState): string {
  return (call.queueId && ctx.d.config().queues[call.queueId]?.holdMusic) || 'local_stream://moh';
}

function holdMusic(ctx: CentreContext, call: CallState): void {
  // Hold music runs until the bridge (or an announcement) replaces it; its promise settles then.
  void call.caller?.ep.play(holdMusicOf(ctx, call)).catch(() => undefined);
}

async function voicemail(ctx: CentreContext, call: CallState, boxId: string): Promise<void> {
  const box = ctx.d.config().voicemail[boxId];
  if (!call.caller || !box) return ctx.finish(call, { side: 'system', cause: 'NO_VOICEMAIL_BOX', disposition: 'failed' });
  const ep = call.caller.ep;
  await play(ctx, call, box.greeting ?? 'voicemail-greeting.wav');
  await play(ctx, call, RECORD_TONE);
  if (call.ended) return;
  // FreeSWITCH's record does not create directories: one flat directory, the box in the name. The recordings
  // directory as both see it (daemon.recordingsDir), so the daemon finds the message to transcribe and mail.
  const name = `voicemail-${boxId}-${call.id}.wav`;
  const file = path.join(ctx.d.recordingsDir, name);
  const started = ctx.now();
  ctx.timeline(call, 'voicemail-recording', { box: boxId });
  call.inVoicemail = true;
  let callerHungUp = false;
  call.caller.dialog.once('destroy', () => (callerHungUp = true));
  await record(ep, file, box.maxSec).catch((err: Error) => ctx.d.log.warn({ callId: call.id, err: err.message }, 'voicemail recording failed'));
  const durationMs = ctx.now() - started;
  ctx.timeline(call, 'voicemail-recorded', { box: boxId, file: name, durationMs });
  ctx.d.transcription?.voicemail({ callId: call.id, boxId, file: name, durationMs, callerNumber: call.callerNumber, callerName: call.contactName ?? call.callerName, receivedAt: started });
  ctx.finish(call, { side: callerHungUp ? 'caller' : 'system', cause: 'NORMAL_CLEARING', disposition: 'voicemail' }, false, callerHungUp);
}

/** How to ring an external number through a trunk (the one named, else the first), with its credentials. */
export function trunkTarget(config: Config, number: string, trunkId?: string): { id: string; target: RingTarget } | undefined {
  const id = trunkId ?? Object.keys(config.trunks)[0];
  const trunk = id ? config.trunks[id] : undefined;
  if (!id || !trunk) return undefined;
  const uri = trunk.uri.replace(/^(sips?:)(?:[^@]*@)?/, `$1${encodeURIComponent(number)}@`);
  return { id, target: { uri, ...(trunk.username ? { auth: { username: trunk.username, password: trunk.password ?? '' } } : {}) } };
}

/** Forwards the call to an external number through a trunk, if the toll-fraud rules let it (`byAgent`: a transfer). */
async function forward(ctx: CentreContext, call: CallState, number: string, trunkId?: string, byAgent?: AgentId): Promise<void> {
  const { d } = ctx;
  const config = d.config();
  const trunk = trunkTarget(config, number, trunkId);
  const ms = d.media.ms;
  if (!trunk || !ms || !call.caller) return ctx.finish(call, { side: 'system', cause: 'NO_ROUTE_DESTINATION', disposition: 'failed' });
  const verdict = d.toll.request(call.id, number, byAgent, ctx.now());
  if (!verdict.ok) {
    tollRefused(ctx, call, number, byAgent, verdict);
    await play(ctx, call, 'goodbye.wav');
    return ctx.finish(call, { side: 'system', cause: 'OUTGOING_CALL_BARRED', disposition: 'failed' });
  }
  ctx.timeline(call, 'forwarding', { number, trunk: trunk.id });
  const ringing = ring(d.srf, [trunk.target], {
    From: `<sip:${call.callerNumber || 'anonymous'}@${config.sip.domain}>`,
    'X-CC-Call-Id': call.id,
  });
  call.external = { answeredAt: 0 };
  call.caller.dialog.once('destroy', () => ringing.cancel());
  const outcome = await ringing.outcome;
  if (outcome.kind !== 'answered') {
    const why = outcome.kind === 'failed' ? { reason: outcome.reason, status: outcome.status } : { reason: 'cancelled' };
    ctx.timeline(call, byAgent ? 'transfer-failed' : 'forward-failed', byAgent ? { by: byAgent, to: number, ...why } : why);
    if (call.ended) return;
    call.external = undefined;
    // A blind transfer that did not go through: the customer is not lost, but back in line (or with the agent).
    if (byAgent) {
      d.toll.ended(call.id, ctx.now());
      const back = config.routing.failedTransferTo === 'agent' || !call.serviceQueueId ? { agent: byAgent } : { queue: call.serviceQueueId };
      return routeTo(ctx, call, back, 'transfer-failed');
    }
    await play(ctx, call, 'goodbye.wav');
    return ctx.finish(call, { side: 'system', cause: 'NO_ANSWER', disposition: 'failed' });
  }
  if (call.ended) return void outcome.answer.destroy();
  const { ep, dialog } = await connectDeviceLeg(ms, outcome.answer);
  call.external = { ep, dialog, answeredAt: ctx.now() };
  d.toll.answered(call.id, call.external.answeredAt);
  dialog.on('destroy', () => ctx.hangUpFrom(call, 'agent'));
  if (call.ended) return ctx.releaseOtherLeg(call);
  await call.caller.ep.bridge(ep);
  ctx.timeline(call, 'bridged', { number });
}

export function tollRefused(ctx: CentreContext, call: CallState, number: string, agentId: AgentId | undefined, verdict: { reason: string; detail: string }): void {
  ctx.d.metrics.externalRefused.inc({ reason: verdict.reason });
  ctx.d.log.warn({ callId: call.id, number, agentId, reason: verdict.reason, detail: verdict.detail }, 'call to an external number refused');
  ctx.timeline(call, 'external-refused', { number, reason: verdict.reason, detail: verdict.detail, ...(agentId ? { agentId } : {}) });
}

export async function play(ctx: CentreContext, call: CallState, file: string): Promise<void> {
  try {
    await call.caller?.ep.play(file);
  } catch (err) {
    ctx.d.log.warn({ callId: call.id, file, err: (err as Error).message }, 'prompt failed');
  }
}

/** Interrupts hold music with the queue's position / wait announcement, then resumes it. */
export async function announce(ctx: CentreContext, call: CallState, position: number, estimatedWaitMs: number | undefined): Promise<void> {
  const q = call.queueId ? ctx.d.config().queues[call.queueId] : undefined;
  if (!q?.announce || !call.caller || call.agent || call.announcing) return;
  const files = announcementPrompts({ position, ...(estimatedWaitMs !== undefined ? { estimatedWaitMs } : {}) }, q.announce);
  if (files.length === 0) return;
  call.announcing = true;
  ctx.timeline(call, 'announced', { position, estimatedWaitMs });
  await stopPlayback(call.caller.ep);
  await play(ctx, call, fileString(files, '${sounds_dir}'));
  call.announcing = false;
  // Back to the music unless an agent took the call meanwhile.
  if (!call.ended && !call.agent && call.answers.size === 0) holdMusic(ctx, call);
}
