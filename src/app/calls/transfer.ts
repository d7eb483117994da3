/**
 * Blind transfer: the agent's phone sends REFER with the target (a
 * colleague's extension, a queue id, a configured number, or an external
 * number through a trunk). The live call releases the agent (wrap-up) and
 * hands the customer back; the next offer shows who transferred the call and
 * how (live-control.ts routes it on).
 */
import type Srf from 'drachtio-srf';
import type { AgentId } from '../../core/acd/types.js';
import { decodePercentOrRaw } from '../library-guards.js';
import { transferTarget } from '../policy.js';
import { tollRefused } from './inbound.js';
import type { CallState, CentreContext } from './state.js';

export async function onRefer(ctx: CentreContext, call: CallState, agentId: AgentId, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
  const { d } = ctx;
  const referTo = req.get('Refer-To') ?? '';
  const user = decodePercentOrRaw(/sips?:([^@;>]+)@?/.exec(referTo)?.[1] ?? '');
  const target = transferTarget(d.config(), user);
  if (!target || call.ended || call.agent?.id !== agentId || !call.caller || !call.session || call.session.machine.done) {
    d.log.info({ callId: call.id, agentId, referTo }, 'transfer refused');
    return res.send(target ? 481 : 404);
  }
  // An external number: refused here, before the agent is released, when the toll-fraud rules say no.
  const toll = 'number' in target ? d.toll.check(target.number, agentId, ctx.now()) : undefined;
  if (toll && !toll.ok && 'number' in target) {
    tollRefused(ctx, call, target.number, agentId, toll);
    return res.send(403);
  }
  res.send(202);
  // Tell the transferring phone it worked (RFC 3515); the live call then hangs it up.
  const notify = { method: 'NOTIFY', headers: { Event: 'refer', 'Subscription-State': 'terminated;reason=noresource', 'Content-Type': 'message/sipfrag;version=2.0' }, body: 'SIP/2.0 200 OK\r\n' };
  await (call.agent.dialog as unknown as { request(o: object): Promise<unknown> } | undefined)?.request(notify).catch(() => undefined);
  if (call.ended || call.agent?.id !== agentId) return;
  call.transfer = { by: agentId, how: 'blind', to: user };
  ctx.timeline(call, 'transferred', { by: agentId, how: 'blind', to: user });
  ctx.wire(call, { type: 'transfer-out', to: user });
}
