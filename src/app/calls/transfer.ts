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
  const user = decodePercentOrRaw(/sips?:([^@;>]+)@?/.exec(referTo)?.[1] ?? '');
  const check = checkTransfer(ctx, call, agentId, user);
  if (!check.ok) {
    d.log.info({ callId: call.id, agentId, referTo, reason: check.error }, 'transfer refused');
    return res.send(check.status === 400 ? 404 : check.status === 403 && call.agent?.id === agentId ? 403 : 481);
  }
  res.send(202);
  // Tell the transferring phone it worked (RFC 3515); the live call then hangs it up.
  const notify = { method: 'NOTIFY', headers: { Event: 'refer', 'Subscription-State': 'terminated;reason=noresource', 'Content-Type': 'message/sipfrag;version=2.0' }, body: 'SIP/2.0 200 OK\r\n' };
  await (call.agent?.dialog as unknown as { request(o: object): Promise<unknown> } | undefined)?.request(notify).catch(() => undefined);
  if (call.ended || call.agent?.id !== agentId) return;
  blindTransfer(ctx, call, agentId, user);
}
