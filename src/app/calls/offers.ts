/**
 * Offers: the router chose an agent, every device of that agent rings (with
 * the call's data in X-CC-* headers and the desk's popup in the timeline);
 * the first answer is reported back, and when the router says connect, the
 * agent's media leg is set up and the live call takes over (live-control.ts).
 */
import type { AgentId } from '../../core/acd/types.js';
import { connectDeviceLeg } from '../../media/device-leg.js';
import { identityAsUac } from '../../sip/dialog-identity.js';
import { ring, targetsOf } from '../../sip/ring.js';
import { directQueueId } from '../policy.js';
import { answerReinvite } from './reinvite.js';
import { startLive } from './live-control.js';
import { onRefer } from './transfer.js';
import { connectConsult, consultOfferOutcome } from './consult.js';
import type { CentreContext } from './state.js';

export async function offer(ctx: CentreContext, callId: string, agentId: AgentId): Promise<void> {
  const { d } = ctx;
  const call = ctx.live.get(callId) ?? ctx.consults.get(callId);
  const config = d.config();
  const agent = config.agents[agentId];
  const consult = call?.consultOf;
  if (!call || !agent) return ctx.feed({ type: 'offer-failed', callId, agentId, reason: 'unreachable' });
  const bindings = d.registrar.location.bindings(agent.sip.username, ctx.now());
  const domain = config.sip.domain;
  const from = call.callerNumber || 'anonymous';
  const display = call.contactName ?? call.callerName;
  const ringing = ring(d.srf, targetsOf(bindings), {
    From: `${display ? `"${display.replace(/"/g, '')}" ` : ''}<sip:${from}@${domain}>`,
    To: `<sip:${agent.sip.username}@${domain}>`,
    // A consult's desk popup names the customer's call: after a completed transfer the colleague controls it.
    'X-CC-Call-Id': consult ? consult.parentId : call.id,
    // A direct call waits in the agent's own internal queue: the phone is told "direct", not its id.
    ...(call.queueId?.startsWith(directQueueId('')) ? { 'X-CC-Direct': 'yes' } : { 'X-CC-Queue': call.queueId ?? '' }),
    'X-CC-Waited': String(Math.round((ctx.now() - (call.queuedAt ?? call.arrivedAt)) / 1000)),
    ...(call.transfer ? { 'X-CC-Transferred-By': `${call.transfer.by};how=${call.transfer.how}` } : {}),
    // A consult: the colleague talks to the agent first; the customer's data come with it.
    ...(consult ? { 'X-CC-Consult': `${consult.parentId};by=${consult.by ?? ''}` } : {}),
    // Desk phones that support it answer on their own (Polycom/Yealink: Alert-Info; Snom/Cisco: Call-Info).
    ...(agent.autoAnswer ? { 'Call-Info': `<sip:${domain}>;answer-after=0`, 'Alert-Info': 'info=alert-autoanswer' } : {}),
  });
  call.ringing.set(agentId, ringing);
  if (call.ringing.size === 1) d.calls.update(call.id, { offered_at: ctx.now() });
  const queue = call.queueId ? config.queues[call.queueId] : undefined;
  void ringing.sent.then((at) => {
    // What the agent's desk shows while it rings.
    ctx.timeline(call, 'offered', {
      agentId,
      devices: bindings.length,
      caller: call.callerNumber,
      ...(call.callerName ? { callerName: call.callerName } : {}),
      ...(call.contactName ? { contactName: call.contactName } : {}),
      queueId: call.queueId,
      waitedMs: Math.round(at - (call.queuedAt ?? call.arrivedAt)),
      ...(queue ? { timeoutMs: queue.offerTimeoutSec * 1000 } : {}),
      ...(Object.keys(call.variables).length ? { variables: call.variables } : {}),
      ...(call.transfer ? { transferredBy: call.transfer.by, transferHow: call.transfer.how } : {}),
      ...(consult ? { consult: { n: consult.n, by: consult.by, kind: consult.target.kind } } : {}),
    }, at);
    if (call.queuedAt !== undefined) d.metrics.offerLatency.observe((at - call.queuedAt) / 1000);
  });
  const outcome = await ringing.outcome;
  if (call.ringing.get(agentId) === ringing) call.ringing.delete(agentId);
  switch (outcome.kind) {
    case 'cancelled':
      return;
    case 'failed':
      ctx.timeline(call, 'offer-failed', { agentId, reason: outcome.reason, status: outcome.status });
      if (consult && consultOfferOutcome(ctx, call, agentId, outcome)) return;
      return ctx.feed({ type: 'offer-failed', callId, agentId, reason: outcome.reason });
    case 'answered':
      ctx.timeline(call, 'agent-answered', { agentId, contact: outcome.answer.contact });
      if (ctx.live.has(callId) || ctx.consults.has(callId)) call.answers.set(agentId, outcome.answer);
      else ctx.orphans.set(`${callId}/${agentId}`, outcome.answer);
      return ctx.feed({ type: 'offer-answered', callId, agentId });
  }
}

export async function connect(ctx: CentreContext, callId: string, agentId: AgentId): Promise<void> {
  const { d } = ctx;
  const consult = ctx.consults.get(callId);
  if (consult) return connectConsult(ctx, consult, agentId);
  const call = ctx.live.get(callId);
  const answer = call?.answers.get(agentId);
  if (!call || !answer) return;
  call.answers.delete(agentId);
  const ms = d.media.ms;
  call.agent = { id: agentId, answeredAt: ctx.now() };
  if (call.queueId !== undefined) call.routerCalls.set(agentId, call.id);
  d.calls.update(call.id, { agent_id: agentId, agent_answered_at: call.agent.answeredAt, wait_ms: call.agent.answeredAt - (call.queuedAt ?? call.arrivedAt) });
  try {
    if (!ms || !call.caller) throw new Error('media server unavailable');
    // A softphone's answer is a DTLS-SRTP offer: connectDeviceLeg lets FreeSWITCH do the handshake.
    const { ep, dialog } = await connectDeviceLeg(ms, answer);
    call.agent.ep = ep;
    call.agent.dialog = dialog;
    ctx.legs.set(ep.uuid, { callId: call.id, leg: 'agent' });
    d.calls.update(call.id, { agent_uuid: ep.uuid, agent_sip: JSON.stringify(identityAsUac(dialog, answer.proxy)) });
    dialog.on('destroy', () => ctx.hangUpFrom(call, 'agent', dialog));
    dialog.on('refer', (req, res) => ctx.background(onRefer(ctx, call, agentId, req, res), call.id, 'transfer'));
    // The desk phone's own hold key.
    dialog.on('modify', (req, res) => {
      const held = answerReinvite(dialog, req, res);
      if (call.agent?.dialog === dialog) ctx.wire(call, { type: held ? 'hold' : 'resume', by: 'phone' });
    });
    if (call.ended) return ctx.releaseOtherLeg(call);
    // Either leg may leave the bridge (hold, a transfer, a voicemail drop): the other stays up, parked (dialplans/mrf.xml).
    await startLive(ctx, call);
  } catch (err) {
    d.log.error({ callId, agentId, err: (err as Error).message }, 'connecting agent failed');
    if (!call.agent.dialog) void answer.destroy();
    ctx.finish(call, { side: 'system', cause: 'MEDIA_FAILURE', disposition: 'failed' });
  }
}
