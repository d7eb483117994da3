/**
 * Consults on FreeSWITCH and drachtio: the live call (src/core/call) says
 * `originate`; this rings the party and reports `consult-answered` (with the
 * party's media leg) or `consult-failed` (with the reason).
 * ```
 *   agent   a colleague: a consult "call" waits in the colleague's own queue,
 *           so the router reserves them (no second offer meanwhile)
 *   queue   the same in that queue: its strategy picks the agent, its limits
 *           (max wait, no agents) fail the consult with no-agent
 *   contact a number of the contacts directory, then as a number
 *   number  an external number through a trunk, under the toll-fraud rules
 *   ivr     an IVR flow, run on the agent's own leg (consultIvr)
 * ```
 * A consult waiting in the router is a CallState of its own (`consultOf`),
 * kept in `ctx.consults` and never in `ctx.live`: offers ring it like any
 * call, with the customer's data and X-CC-Consult, and its timeline goes to
 * the customer's call. A colleague's decline, busy or no answer fails the
 * consult at once (the router's retries are for queues).
 */
import type { AgentId } from '../../core/acd/types.js';
import type { ConsultTarget } from '../../core/call/live-call.js';
import { connectDeviceLeg } from '../../media/device-leg.js';
import { releaseEndpoint } from '../../media/media-server.js';
import { ring, type AnsweredOffer, type OfferOutcome } from '../../sip/ring.js';
import { directQueueId } from '../policy.js';
import { newCall, trunkTarget } from './inbound.js';
import { wire } from './live-control.js';
import { dropParty, legGone } from './live-media.js';
import { answerReinvite } from './reinvite.js';
import { onRefer } from './transfer.js';
import type { CallState, CentreContext, Party } from './state.js';

/** The SDP of a leg with nobody on it (an IVR flow's own leg): RTP to 127.0.0.1's discard port. */
const NOBODY_SDP = ['v=0', 'o=cc 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=sendrecv', ''].join('\r\n');

/** The router's id for a call's consult n. */
export const consultCallId = (callId: string, n: number) => `${callId}~consult-${n}`;

/** Why a consult target cannot be rung (400: unknown, 403: not allowed, 409: not now), before the live call hears of it. */
export async function checkConsult(ctx: CentreContext, call: CallState, target: ConsultTarget): Promise<{ status: 400 | 403 | 409; error: string } | undefined> {
  const config = ctx.d.config();
  switch (target.kind) {
    case 'agent': {
      if (!config.agents[target.to]) return { status: 400, error: `to: no agent "${target.to}"` };
      const view = ctx.agentView(target.to);
      if (view && view.status !== 'ready') return { status: 409, error: `agent ${target.to} is ${view.status}` };
      return undefined;
    }
    case 'queue':
      return config.queues[target.to] ? undefined : { status: 400, error: `to: no queue "${target.to}"` };
    case 'ivr':
      return config.ivr[target.to] ? undefined : { status: 400, error: `to: no IVR flow "${target.to}"` };
    case 'contact':
      if (!(await ctx.d.contactName?.(target.to))) return { status: 400, error: `to: no contact with the number ${target.to}` };
      return checkNumber(ctx, call, target.to);
    case 'number':
      return checkNumber(ctx, call, target.to);
  }
}

function checkNumber(ctx: CentreContext, call: CallState, number: string): { status: 400 | 403; error: string } | undefined {
  if (!/^\+?[0-9]{3,20}$/.test(number)) return { status: 400, error: `to: "${number}" is not a phone number` };
  if (Object.keys(ctx.d.config().trunks).length === 0) return { status: 400, error: 'to: calls to external numbers need a trunk (trunks section)' };
  const toll = ctx.d.toll.check(number, call.agent?.id, ctx.now());
  return toll.ok ? undefined : { status: 403, error: `to: calls to ${number} are not allowed (${toll.reason})` };
}

/** The live call asked for the consult: ring (or queue) its target. */
export async function originate(ctx: CentreContext, call: CallState, n: number, target: ConsultTarget): Promise<void> {
  const by = call.session?.machine.agentId;
  if (target.kind === 'agent' || target.kind === 'queue') {
    const id = consultCallId(call.id, n);
    const consult = newCall(id, call.did, call.callerNumber, call.callerName, ctx.now(), call.clientId);
    Object.assign(consult, {
      ...(call.contactName ? { contactName: call.contactName } : {}),
      variables: { ...call.variables },
      consultOf: { parentId: call.id, n, ...(by ? { by } : {}), target },
      queueId: target.kind === 'agent' ? directQueueId(target.to) : target.to,
      queuedAt: ctx.now(),
    });
    ctx.consults.set(id, consult);
    call.ringingParties.set(`consult-${n}`, { cancel: () => withdrawConsult(ctx, id) });
    // A colleague rings for routing.consultTimeoutSec (a queue's consult waits within the queue's own limits).
    if (target.kind === 'agent') {
      consult.consultOf!.timer = setTimeout(() => {
        if (!ctx.consults.has(id)) return;
        withdrawConsult(ctx, id);
        fail(ctx, call, n, 'no-answer');
      }, ctx.d.config().routing.consultTimeoutSec * 1000);
    }
    ctx.feed({ type: 'call-queued', callId: id, queueId: consult.queueId!, ...(call.callerNumber ? { caller: call.callerNumber } : {}) });
    return;
  }
  // Not awaited: the flow waits for the live call's own commands (the bridge to it), which run after this one.
  if (target.kind === 'ivr') return ctx.background(consultIvr(ctx, call, n, target.to), call.id, 'IVR consult');
  await ringNumber(ctx, call, n, target.to, by);
}

/** Stops ringing a consult the live call no longer wants. */
export function cancelOriginate(_ctx: CentreContext, call: CallState, n: number): void {
  call.ringingParties.get(`consult-${n}`)?.cancel();
  call.ringingParties.delete(`consult-${n}`);
}

function fail(ctx: CentreContext, call: CallState, n: number, reason: string, status?: number): void {
  call.ringingParties.delete(`consult-${n}`);
  wire(ctx, call, { type: 'consult-failed', n, reason, ...(status !== undefined ? { status } : {}) });
}

/** A consult waiting in the router leaves it (cancelled, failed, the call over); an answered leg nobody took is let go. */
function withdrawConsult(ctx: CentreContext, id: string): void {
  const consult = ctx.consults.get(id);
  if (!consult) return;
  clearTimeout(consult.consultOf?.timer);
  ctx.consults.delete(id);
  for (const r of consult.ringing.values()) r.cancel();
  for (const a of consult.answers.values()) void a.destroy();
  ctx.feed({ type: 'call-abandoned', callId: id });
}

/**
 * An offer of a consult has an outcome. Answered: the router will say connect.
 * A colleague who declines, is busy or does not answer fails the consult now.
 */
export function consultOfferOutcome(ctx: CentreContext, consult: CallState, agentId: AgentId, outcome: Exclude<OfferOutcome, { kind: 'answered' }> | { kind: 'timeout' }): boolean {
  const of = consult.consultOf!;
  if (of.target.kind !== 'agent' || outcome.kind === 'cancelled') return false;
  const parent = ctx.live.get(of.parentId);
  withdrawConsult(ctx, consult.id);
  if (parent) fail(ctx, parent, of.n, outcome.kind === 'timeout' ? 'no-answer' : outcome.reason, outcome.kind === 'failed' ? outcome.status : undefined);
  ctx.d.log.info({ callId: of.parentId, agentId, outcome: outcome.kind }, 'consult not taken');
  return true;
}

/** The router has no agent for a queue consult within the queue's limits. */
export function consultOverflow(ctx: CentreContext, consult: CallState, reason: string): void {
  const of = consult.consultOf!;
  clearTimeout(of.timer);
  ctx.consults.delete(consult.id);
  const parent = ctx.live.get(of.parentId);
  if (parent) fail(ctx, parent, of.n, `no-agent (${reason})`);
}

/** The router connects a consult's answering agent: the leg joins the customer's live call. */
export async function connectConsult(ctx: CentreContext, consult: CallState, agentId: AgentId): Promise<void> {
  const of = consult.consultOf!;
  const answer = consult.answers.get(agentId);
  consult.answers.delete(agentId);
  clearTimeout(of.timer);
  ctx.consults.delete(consult.id);
  const parent = ctx.live.get(of.parentId);
  if (!answer) return;
  if (!parent || parent.ended) {
    void answer.destroy();
    return ctx.feed({ type: 'call-ended', callId: consult.id });
  }
  parent.ringingParties.delete(`consult-${of.n}`);
  await joinParty(ctx, parent, answer, { role: 'consult', agentId, routerCallId: consult.id }, (leg) => ({ type: 'consult-answered', n: of.n, leg, agentId }));
}

/**
 * An IVR flow consulted by the agent. The live call sees a consulted party
 * like any other: a FreeSWITCH leg with nobody on it holds its place. When
 * the live call connects the agent to it, the flow runs on the agent's own
 * leg (a flow's prompts and digit collection are applications on the leg it
 * runs on, and an application would take a bridged leg out of its bridge):
 * the agent hears it, and the phone's keypad or the desk's drives it. When
 * the flow ends by itself, where it would have sent the customer goes in the
 * timeline and the agent is back with the customer; completing sends the
 * customer into the flow (the live call's hand-back).
 */
async function consultIvr(ctx: CentreContext, call: CallState, n: number, flow: string): Promise<void> {
  const ms = ctx.d.media.ms;
  const ivr = ctx.d.ivr;
  if (!ms || !ivr) return fail(ctx, call, n, 'unavailable');
  const ep = await ms.createEndpoint({ remoteSdp: NOBODY_SDP });
  const uuid = ep.uuid;
  call.ringingParties.delete(`consult-${n}`);
  if (call.ended || !call.session || call.session.machine.view().consult?.n !== n) {
    releaseEndpoint(ep);
    return;
  }
  let flowStarts!: () => void;
  const connected = new Promise<void>((resolve) => (flowStarts = resolve));
  addParty(ctx, call, { ep, dialog: ep.dialog, role: 'consult', ivr: { flow, flowStarts } });
  wire(ctx, call, { type: 'consult-answered', n, leg: uuid });
  await connected;
  const agent = call.agent;
  const result = agent?.ep && agent.dialog ? await ivr({ id: call.id, callerNumber: call.callerNumber, did: call.did, leg: { ep: agent.ep, dialog: agent.dialog } }, flow).catch(() => undefined) : undefined;
  if (!call.parties.has(uuid)) return; // cancelled, completed or the call over: the live call has moved on
  ctx.timeline(call, 'consult-ivr-result', { n, flow, ...(result ? { target: result.target, variables: result.variables } : {}) });
  dropParty(ctx, call, uuid, false);
  wire(ctx, call, { type: 'leg-gone', leg: uuid, cause: 'NORMAL_CLEARING' });
}

/** An external number (or a contact's) rung through a trunk. */
async function ringNumber(ctx: CentreContext, call: CallState, n: number, number: string, by: AgentId | undefined): Promise<void> {
  const { d } = ctx;
  const config = d.config();
  const trunk = trunkTarget(config, number);
  if (!trunk) return fail(ctx, call, n, 'no-trunk');
  const tollKey = consultCallId(call.id, n);
  const verdict = d.toll.request(tollKey, number, by, ctx.now());
  if (!verdict.ok) return fail(ctx, call, n, `refused (${verdict.reason})`, 403);
  const ringing = ring(d.srf, [trunk.target], {
    From: `<sip:${config.numbers[call.did] ? call.did : call.callerNumber || 'anonymous'}@${config.sip.domain}>`,
    'X-CC-Call-Id': call.id,
    'X-CC-Consult': `${call.id};by=${by ?? ''}`,
  });
  const timer = setTimeout(() => ringing.cancel(), config.routing.consultTimeoutSec * 1000);
  let cancelled = false;
  call.ringingParties.set(`consult-${n}`, {
    cancel: () => {
      cancelled = true;
      ringing.cancel();
    },
  });
  const outcome = await ringing.outcome;
  clearTimeout(timer);
  if (outcome.kind !== 'answered') {
    d.toll.ended(tollKey, ctx.now());
    if (cancelled) return;
    return fail(ctx, call, n, outcome.kind === 'failed' ? outcome.reason : 'no-answer', outcome.kind === 'failed' ? outcome.status : undefined);
  }
  call.ringingParties.delete(`consult-${n}`);
  if (cancelled || call.ended) {
    d.toll.ended(tollKey, ctx.now());
    return void outcome.answer.destroy();
  }
  d.toll.answered(tollKey, ctx.now());
  await joinParty(ctx, call, outcome.answer, { role: 'consult', tollKey }, (leg) => ({ type: 'consult-answered', n, leg }));
}

/**
 * An answered device becomes a party of the live call: its media leg is set
 * up, its BYE and its phone's hold are watched, and the live call hears of it.
 */
export async function joinParty(
  ctx: CentreContext,
  call: CallState,
  answer: AnsweredOffer,
  who: Omit<Party, 'ep' | 'dialog'>,
  event: (leg: string) => Parameters<typeof wire>[2],
): Promise<void> {
  const ms = ctx.d.media.ms;
  if (!ms) {
    void answer.destroy();
    if (who.routerCallId) ctx.feed({ type: 'call-ended', callId: who.routerCallId });
    return;
  }
  const { ep, dialog } = await connectDeviceLeg(ms, answer);
  const uuid = ep.uuid;
  const party: Party = { ep, dialog, ...who };
  addParty(ctx, call, party);
  if (call.ended || !call.session) {
    dialog.destroy();
    releaseEndpoint(ep);
    call.parties.delete(uuid);
    if (who.routerCallId) ctx.feed({ type: 'call-ended', callId: who.routerCallId });
    return;
  }
  wire(ctx, call, event(uuid));
}

/** A party joins the call: its BYE and its phone's hold are watched from now on. */
export function addParty(ctx: CentreContext, call: CallState, party: Party): void {
  const { ep, dialog } = party;
  const uuid = ep.uuid;
  call.parties.set(uuid, party);
  if (party.agentId && party.routerCallId) call.routerCalls.set(party.agentId, party.routerCallId);
  dialog.on('destroy', () => partyHungUp(ctx, call, uuid));
  dialog.on('modify', (req, res) => {
    const held = answerReinvite(dialog, req, res);
    // Once the party owns the call (a completed transfer), its phone's hold key holds the customer.
    if (call.agent?.dialog === dialog) ctx.wire(call, { type: held ? 'hold' : 'resume', by: 'phone' });
  });
}

/** A party's phone hung up (or, once it owns the call, the new owner's). */
function partyHungUp(ctx: CentreContext, call: CallState, uuid: string): void {
  if (!dropParty(ctx, call, uuid, false)) {
    if (call.agent?.ep?.uuid !== uuid || call.agent.gone) return;
    call.agent.gone = true;
    releaseEndpoint(call.agent.ep);
    legGone(call, uuid);
  }
  wire(ctx, call, { type: 'leg-gone', leg: uuid, cause: 'NORMAL_CLEARING' });
}

/** An attended transfer completed: the consulted party owns the call now (a colleague: the call's agent; external: nobody). */
export function passOwnership(ctx: CentreContext, call: CallState, leg: string, agentId: AgentId | undefined, from: AgentId | undefined): void {
  const party = call.parties.get(leg);
  if (!party) return;
  call.transfer = { by: from ?? '', how: 'attended', to: agentId ?? 'external' };
  ctx.d.calls.update(call.id, { agent_id: agentId ?? null, agent_uuid: party.ep.uuid });
  if (agentId === undefined) return; // an external party stays a party: its BYE ends the call like anyone's
  call.parties.delete(leg);
  // The agent who handed over is hung up by the live call's next commands: kept until then.
  const old = call.agent;
  if (old?.ep && old.dialog && !old.gone) call.parties.set(old.ep.uuid, { ep: old.ep, dialog: old.dialog, role: 'former-agent', agentId: old.id });
  call.agent = { id: agentId, ep: party.ep, dialog: party.dialog, answeredAt: ctx.now() };
  ctx.legs.set(party.ep.uuid, { callId: call.id, leg: 'agent' });
  party.dialog.on('refer', (req, res) => ctx.background(onRefer(ctx, call, agentId, req, res), call.id, 'transfer'));
}

/** The call is over outside its live call (media lost, shutdown): consults ringing or waiting stop, agents on it are freed. */
export function endCollaboration(ctx: CentreContext, call: CallState): void {
  for (const r of call.ringingParties.values()) r.cancel();
  call.ringingParties.clear();
  for (const [agentId, routerCall] of [...call.routerCalls]) {
    if (routerCall === call.id) continue;
    call.routerCalls.delete(agentId);
    ctx.feed({ type: 'call-ended', callId: routerCall });
  }
  for (const uuid of [...call.parties.keys()]) dropParty(ctx, call, uuid, true);
}
