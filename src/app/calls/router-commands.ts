/**
 * The router's commands carried out (offers, withdrawals, connecting the
 * agent who answered, overflows, announcements), for calls and for consults
 * waiting in the router (consult.ts). Agent statuses are the centre's own
 * (contact-centre.ts): they go to the desks.
 */
import type { OverflowTarget, RouterCommand } from '../../core/acd/types.js';
import type { Target } from '../../config/schema.js';
import { stopPlayback } from '../../media/actions.js';
import { consultOfferOutcome, consultOverflow } from './consult.js';
import { announce } from './inbound.js';
import { connect, offer } from './offers.js';
import type { CentreContext } from './state.js';

const DEFAULT_OVERFLOW: Target = { message: 'goodbye.wav', hangup: true };

export function carryOut(ctx: CentreContext, c: Exclude<RouterCommand, { type: 'agent-status' }>): void {
  switch (c.type) {
    case 'offer':
      ctx.background(offer(ctx, c.callId, c.agentId), c.callId, 'offer');
      break;
    case 'withdraw-offer': {
      const call = ctx.live.get(c.callId) ?? ctx.consults.get(c.callId);
      const ringing = call?.ringing.get(c.agentId);
      if (call && ringing) {
        call.ringing.delete(c.agentId);
        ringing.cancel();
        ctx.timeline(call, 'offer-withdrawn', { agentId: c.agentId, reason: c.reason });
        if (call.consultOf && c.reason === 'timeout') consultOfferOutcome(ctx, call, c.agentId, { kind: 'timeout' });
      }
      break;
    }
    case 'release-agent-leg': {
      const call = ctx.live.get(c.callId) ?? ctx.consults.get(c.callId);
      const answer = call?.answers.get(c.agentId) ?? ctx.orphans.get(`${c.callId}/${c.agentId}`);
      call?.answers.delete(c.agentId);
      ctx.orphans.delete(`${c.callId}/${c.agentId}`);
      void answer?.destroy();
      break;
    }
    case 'connect':
      ctx.background(connect(ctx, c.callId, c.agentId), c.callId, 'connect');
      break;
    case 'overflow': {
      const consult = ctx.consults.get(c.callId);
      if (consult) {
        consultOverflow(ctx, consult, c.reason);
        break;
      }
      const call = ctx.live.get(c.callId);
      if (!call || !call.caller) break;
      ctx.timeline(call, 'overflow', { queueId: c.queueId, reason: c.reason, target: c.target });
      call.overflowed = true;
      const target = fromOverflow(c.target) ?? DEFAULT_OVERFLOW;
      ctx.background(stopPlayback(call.caller.ep).then(() => ctx.routeTo(call, target, 'overflow')), call.id, 'overflow');
      break;
    }
    case 'announce': {
      const call = ctx.live.get(c.callId);
      if (call) ctx.background(announce(ctx, call, c.position, c.estimatedWaitMs), call.id, 'announcement');
      break;
    }
    case 'take-refused':
      ctx.d.log.info({ callId: c.callId, agentId: c.agentId, reason: c.reason }, 'take call refused');
      break;
  }
}

/** The router's overflow target back in configuration terms. */
function fromOverflow(t: OverflowTarget | undefined): Target | undefined {
  if (!t) return undefined;
  if ('queue' in t) return t.queue.startsWith('direct:') ? { agent: t.queue.slice('direct:'.length) } : { queue: t.queue };
  return t as Target;
}
