/** Turns the admins' configuration into the policies the pure core and the registrar take. */
import type { OverflowTarget, QueueMember, RouterPolicy } from '../core/acd/types.js';
import type { Config, Target } from '../config/schema.js';
import type { RegistrarPolicy } from '../sip/registrar.js';
import type { TollPolicy } from '../core/security/toll-guard.js';

export function directQueueId(agentId: string): string {
  return `direct:${agentId}`;
}

export function toOverflow(t: Target | undefined): OverflowTarget | undefined {
  if (!t) return undefined;
  if ('queue' in t) return { queue: t.queue };
  if ('ivr' in t) return { ivr: t.ivr };
  if ('voicemail' in t) return { voicemail: t.voicemail };
  if ('number' in t) return { number: t.number };
  if ('agent' in t) return { queue: directQueueId(t.agent) };
  return { hangup: true, ...(t.message ? { message: t.message } : {}) };
}

/** Direct calls to one agent ride on an implicit one-member queue, so they get the same offer handling. */
export function routerPolicy(config: Config): RouterPolicy {
  const policy: RouterPolicy = {
    maxMissedInRow: config.routing.maxMissedInRow,
    agents: Object.entries(config.agents).map(([id, a]) => ({ id, initialPresence: a.initialPresence, skills: a.skills, clients: a.clients })),
    queues: Object.entries(config.queues).map(([id, q]) => ({
      id,
      strategy: q.strategy as RouterPolicy['queues'][number]['strategy'],
      members: q.members.map((m): QueueMember => (typeof m === 'string' ? { agentId: m, tier: 1 } : { agentId: m.agent, tier: m.tier })),
      offerTimeoutMs: q.offerTimeoutSec * 1000,
      wrapUpMs: q.wrapUpSec * 1000,
      missedBackoffMs: q.missedBackoffSec * 1000,
      tierEscalationMs: q.tierEscalationSec * 1000,
      requiredSkills: q.requiredSkills,
      ...(q.maxWaitSec !== undefined ? { maxWaitMs: q.maxWaitSec * 1000 } : {}),
      ...(q.maxWaitNoAgentSec !== undefined ? { maxWaitNoAgentMs: q.maxWaitNoAgentSec * 1000 } : {}),
      ...(q.maxSize !== undefined ? { maxSize: q.maxSize } : {}),
      ...(q.overflow ? { overflow: toOverflow(q.overflow) } : {}),
      ...(q.announce ? { announceEveryMs: q.announce.everySec * 1000 } : {}),
      ...(q.affinity ? { affinityWindowMs: q.affinity.windowSec * 1000, affinityWaitMs: q.affinity.waitSec * 1000 } : {}),
      ...(q.client ? { clientId: q.client } : {}),
    })),
  };
  for (const [id, a] of Object.entries(config.agents)) {
    policy.queues.push({
      id: directQueueId(id),
      strategy: 'longest-idle',
      members: [{ agentId: id, tier: 1 }],
      offerTimeoutMs: 30_000,
      wrapUpMs: 0,
      missedBackoffMs: 0,
      tierEscalationMs: 0,
      requiredSkills: {},
      // A direct call to a busy or absent agent goes to the agent's fallback after one offer cycle.
      ...(a.fallback ? { overflow: toOverflow(a.fallback), maxWaitNoAgentMs: 0, maxWaitMs: 30_000 } : {}),
    });
  }
  return policy;
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

/** What a transfer target names: an agent's extension, a queue, a configured number, or an external number. */
export function transferTarget(config: Config, user: string): Target | undefined {
  const agent = Object.entries(config.agents).find(([, a]) => a.extension === user);
  if (agent) return { agent: agent[0] };
  if (config.queues[user]) return { queue: user };
  const number = config.numbers[user] ?? config.numbers[`+${user}`];
  if (number) return number.route;
  if (/^\+?[0-9]{3,20}$/.test(user) && Object.keys(config.trunks).length) return { number: user };
  return undefined;
}

export function tollPolicy(config: Config): TollPolicy {
  const e = config.external;
  return {
    homeCountry: e.homeCountry,
    international: e.international,
    premium: e.premium,
    allow: e.allow,
    deny: e.deny,
    maxConcurrent: e.maxConcurrent,
    maxConcurrentPerAgent: e.maxConcurrentPerAgent,
    maxCallsPerDay: e.maxCallsPerDay,
    maxMinutesPerDay: e.maxMinutesPerDay,
    timeZone: e.timeZone,
    agents: new Set(Object.entries(config.agents).filter(([, a]) => a.mayCallExternal).map(([id]) => id)),
  };
}
