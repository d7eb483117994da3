/** Turns the admins' configuration into the policies the pure core and the registrar take. */
import type { RouterPolicy } from '../core/acd/types.js';
import type { Config } from '../config/schema.js';
import type { RegistrarPolicy } from '../sip/registrar.js';

export const MAX_MISSED_IN_ROW = 3;

/** Direct calls to one agent ride on an implicit one-member queue, so they get the same offer handling. */
export function routerPolicy(config: Config): RouterPolicy {
  const policy: RouterPolicy = {
    maxMissedInRow: MAX_MISSED_IN_ROW,
    agents: Object.entries(config.agents).map(([id, a]) => ({ id, initialPresence: a.initialPresence })),
    queues: Object.entries(config.queues).map(([id, q]) => ({
      id,
      strategy: q.strategy,
      members: q.members,
      offerTimeoutMs: q.offerTimeoutSec * 1000,
      wrapUpMs: q.wrapUpSec * 1000,
      missedBackoffMs: q.missedBackoffSec * 1000,
      ...(q.maxWaitSec !== undefined ? { maxWaitMs: q.maxWaitSec * 1000 } : {}),
    })),
  };
  for (const id of Object.keys(config.agents)) {
    policy.queues.push({ id: directQueueId(id), strategy: 'longest-idle', members: [id], offerTimeoutMs: 30_000, wrapUpMs: 0, missedBackoffMs: 0 });
  }
  return policy;
}

export function directQueueId(agentId: string): string {
  return `direct:${agentId}`;
}

export function registrarPolicy(config: Config): RegistrarPolicy {
  const r = config.sip.registration;
  return {
    domain: config.sip.domain,
    minExpires: r.minExpires,
    maxExpires: r.maxExpires,
    defaultExpires: r.defaultExpires,
    credentials: new Map(Object.entries(config.agents).map(([id, a]) => [a.sip.username, { password: a.sip.password, agentId: id }])),
  };
}
