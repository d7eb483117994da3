/**
 * Blind transfer: the agent's phone sends REFER with the target (a
 * colleague's extension, a queue id, a configured number, or an external
 * number through a trunk), or the desk and the API ask for it
 * (`POST /api/calls/:id/transfer`). The live call releases the agent (wrap-up) and
 * hands the customer back; the next offer shows who transferred the call and
 * how (live-control.ts routes it on).
 */
import type Srf from 'drachtio-srf';
import type { AgentId } from '../../core/acd/types.js';
import { decodePercentOrRaw } from '../library-guards.js';
import { transferTarget } from '../policy.js';
import { tollRefused } from './inbound.js';
import { addParty } from './consult.js';
import { run } from './live-control.js';
import type { CallState, CentreContext } from './state.js';

/** What the desk and the API are told of a blind transfer asked for. */
export type TransferResult = { status: 202; to: string } | { status: 400 | 403 | 404 | 409; error: string };

/** Why a blind transfer cannot be made, with the HTTP status (SIP: 404, 481, 403), or the go-ahead. */
export function checkTransfer(ctx: CentreContext, call: CallState, agentId: AgentId | undefined, to: string): { ok: true; agentId: AgentId } | { ok: false; status: 400 | 403 | 404 | 409; error: string } {
  const target = transferTarget(ctx.d.config(), to);
  if (!target) return { ok: false, status: 400, error: `to: "${to}" is no extension, queue, configured number or external number` };
  const owner = call.agent?.id;
  if (call.ended || !owner || !call.caller || !call.session || call.session.machine.done) return { ok: false, status: 409, error: 'the call is not connected to an agent' };
  if (agentId !== undefined && owner !== agentId) return { ok: false, status: 403, error: 'the call is handled by another agent' };
  // An external number: refused here, before the agent is released, when the toll-fraud rules say no.
  if ('number' in target) {
    const toll = ctx.d.toll.check(target.number, owner, ctx.now());
    if (!toll.ok) {
      tollRefused(ctx, call, target.number, owner, toll);
      return { ok: false, status: 403, error: `to: calls to ${target.number} are not allowed (${toll.reason})` };
    }
  }
  return { ok: true, agentId: owner };
}

/** The blind transfer itself: the live call releases the agent and hands the customer to the target. */
export function blindTransfer(ctx: CentreContext, call: CallState, agentId: AgentId, to: string): void {
  call.transfer = { by: agentId, how: 'blind', to };
  ctx.timeline(call, 'transferred', { by: agentId, how: 'blind', to });
  ctx.wire(call, { type: 'transfer-out', to });
}

export async function onRefer(ctx: CentreContext, call: CallState, agentId: AgentId, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
  const { d } = ctx;
  const referTo = req.get('Refer-To') ?? '';
  const replaces = /[?&]Replaces=([^&>]+)/i.exec(referTo)?.[1];
  if (replaces) return replacesTransfer(ctx, call, agentId, decodePercentOrRaw(replaces), res);
  const user = decodePercentOrRaw(/sips?:([^@;>]+)@?/.exec(referTo)?.[1] ?? '');
  const check = checkTransfer(ctx, call, agentId, user);
  if (!check.ok) {
    d.log.info({ callId: call.id, agentId, referTo, reason: check.error }, 'transfer refused');
    return res.send(check.status === 400 ? 404 : check.status === 403 && call.agent?.id === agentId ? 403 : 481);
  }
  res.send(202);
  await notifyDone(call);
  if (call.ended || call.agent?.id !== agentId) return;
  blindTransfer(ctx, call, agentId, user);
}

/** Tells the transferring phone it worked (RFC 3515); the live call then hangs it up. */
async function notifyDone(call: CallState): Promise<void> {
  const notify = { method: 'NOTIFY', headers: { Event: 'refer', 'Subscription-State': 'terminated;reason=noresource', 'Content-Type': 'message/sipfrag;version=2.0' }, body: 'SIP/2.0 200 OK\r\n' };
  await (call.agent?.dialog as unknown as { request(o: object): Promise<unknown> } | undefined)?.request(notify).catch(() => undefined);
}

/**
 * A desk phone's own attended transfer: it held the customer, called a
 * colleague itself (a call of its own to the extension), and now sends
 * REFER with `Replaces` naming that call (its Call-ID and the phone's
 * from-tag). The colleague's leg leaves that call and joins this one as an
 * answered consult, which completes at once: the customer is bridged to the
 * colleague, who owns the call; the phone's two calls are hung up. 481 when
 * no such call is connected to a colleague, 403 when this call cannot take it.
 */
async function replacesTransfer(ctx: CentreContext, call: CallState, agentId: AgentId, replaces: string, res: Srf.SrfResponse): Promise<void> {
  const [callId, ...params] = replaces.split(';');
  const fromTag = params.find((p) => p.startsWith('from-tag='))?.slice('from-tag='.length);
  const other = [...ctx.live.values()].find((c) => {
    const sip = (c.caller?.dialog as unknown as { sip?: { callId: string; remoteTag?: string } } | undefined)?.sip;
    return c !== call && sip !== undefined && sip.callId === callId && (fromTag === undefined || sip.remoteTag === fromTag);
  });
  const leg = other?.agent;
  if (!other || !leg?.ep || !leg.dialog || leg.gone || !other.session || other.session.machine.done || call.agent?.id !== agentId || !call.session) {
    ctx.d.log.info({ callId: call.id, agentId, replaces: callId }, 'attended transfer refused: no connected call to replace');
    return res.send(481);
  }
  const uuid = leg.ep.uuid;
  const party = { ep: leg.ep, dialog: leg.dialog, role: 'consult' as const, agentId: leg.id, ...(other.routerCalls.get(leg.id) ? { routerCallId: other.routerCalls.get(leg.id)! } : {}) };
  call.parties.set(uuid, party);
  const joined = call.session.machine.handle({ type: 'consult-joined', leg: uuid, agentId: leg.id, target: { kind: 'agent', to: leg.id } }, ctx.now());
  if (!joined.ok) {
    call.parties.delete(uuid);
    ctx.d.log.info({ callId: call.id, agentId, reason: joined.reason }, 'attended transfer refused');
    return res.send(403);
  }
  res.send(202);
  // The colleague's leg leaves the phone's second call without being hung up; the router keeps them on call, now for this one.
  other.routerCalls.delete(leg.id);
  other.agentReleased = true;
  other.agent = undefined;
  for (const e of ['destroy', 'refer', 'modify']) leg.dialog.removeAllListeners(e);
  ctx.legs.delete(uuid);
  call.parties.delete(uuid);
  addParty(ctx, call, party);
  ctx.timeline(call, 'transferred', { by: agentId, how: 'attended', to: leg.id, via: 'phone' });
  ctx.timeline(other, 'replaced', { by: agentId, into: call.id });
  ctx.wire(other, { type: 'leg-gone', leg: uuid, cause: 'ATTENDED_TRANSFER' });
  await run(ctx, call, joined.commands);
  await notifyDone(call);
  ctx.wire(call, { type: 'complete' });
}
