/**
 * The HTTP API (fastify): health per dependency, Prometheus metrics, call
 * records with their timelines, agents and their devices.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { agentStatus } from '../core/acd/agent.js';
import type { Router } from '../core/acd/router.js';
import type { LocationService } from '../sip/location.js';
import type { CallStore } from '../store/calls.js';
import type { Metrics } from './metrics.js';
import type { OriginateRequest } from '../app/outbound.js';

export interface Health {
  name: string;
  up: boolean;
  detail?: string;
}

export interface ApiDeps {
  log: Logger;
  health: () => Health[];
  metrics: Metrics;
  calls: CallStore;
  router: () => Router;
  location: LocationService;
  usernameOf: (agentId: string) => string | undefined;
  outbound: { check(req: OriginateRequest): string[]; originate(req: OriginateRequest): string };
}

export function buildApi(d: ApiDeps): FastifyInstance {
  // A warn-level child: request lines stay out of the log, errors stay in.
  const app = Fastify({ loggerInstance: d.log.child({ component: 'http' }, { level: 'warn' }) }) as unknown as FastifyInstance;

  app.get('/healthz', async (_req, reply) => {
    const deps = d.health();
    const ok = deps.every((x) => x.up);
    // 200 while serving, even degraded: the body says which dependency is down.
    return reply.code(200).send({ status: ok ? 'ok' : 'degraded', dependencies: Object.fromEntries(deps.map((x) => [x.name, { up: x.up, ...(x.detail ? { detail: x.detail } : {}) }])) });
  });

  app.get('/metrics', async (_req, reply) => {
    d.metrics.agentStatus(d.router());
    d.metrics.queues(d.router());
    d.metrics.registrations.set(d.location.all(Date.now()).length);
    return reply.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics());
  });

  app.get<{ Querystring: { limit?: string; before?: string; queue?: string; agent?: string } }>(
    '/api/calls',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            before: { type: 'integer', minimum: 0 },
            queue: { type: 'string', maxLength: 128 },
            agent: { type: 'string', maxLength: 128 },
          },
        },
      },
    },
    async (req) => {
      const q = req.query as unknown as { limit: number; before?: number; queue?: string; agent?: string };
      return { calls: await d.calls.list(q) };
    },
  );

  app.get<{ Params: { id: string } }>('/api/calls/:id', async (req, reply) => {
    const call = await d.calls.get(req.params.id);
    if (!call) return reply.code(404).send({ error: 'not found', field: 'id' });
    return call;
  });

  app.post<{ Body: OriginateRequest }>(
    '/api/calls',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['to'],
          properties: {
            to: { type: 'string', minLength: 5, maxLength: 512 },
            from: { type: 'string', pattern: '^[A-Za-z0-9+*#._-]{1,64}$' },
            amd: {
              type: 'object',
              additionalProperties: false,
              properties: { profile: { type: 'string', maxLength: 128 }, params: { type: 'object', additionalProperties: { type: 'number' } } },
            },
            onHuman: { type: 'object', additionalProperties: false, properties: { queue: { type: 'string', maxLength: 128 } } },
            onMachine: { type: 'object', additionalProperties: false, properties: { play: { type: 'string', maxLength: 512 } } },
          },
        },
      },
    },
    async (req, reply) => {
      const problems = d.outbound.check(req.body);
      if (problems.length) return reply.code(422).send({ error: problems.join('; '), fields: problems.map((p) => p.split(':')[0]) });
      return reply.code(202).send({ id: d.outbound.originate(req.body) });
    },
  );

  app.get('/api/agents', async () => {
    const now = Date.now();
    return {
      agents: [...d.router().agents.values()].map((a) => {
        const username = d.usernameOf(a.id);
        return {
          id: a.id,
          status: agentStatus(a),
          presence: a.presence,
          activity: a.activity,
          callsAnswered: a.callsAnswered,
          devices: username ? d.location.bindings(username, now).map((b) => ({ contact: b.contact, transport: b.transport, userAgent: b.userAgent, expiresInSec: Math.round((b.expiresAt - now) / 1000) })) : [],
        };
      }),
    };
  });

  // Validation failures name the field (fastify's default message does, e.g. "querystring/limit must be <= 1000").
  app.setErrorHandler((err: { validation?: unknown; statusCode?: number; message: string }, _req, reply) => {
    if (err.validation) return reply.code(400).send({ error: err.message });
    d.log.error({ err: err.message }, 'request failed');
    return reply.code(err.statusCode ?? 500).send({ error: err.statusCode && err.statusCode < 500 ? err.message : 'internal error' });
  });
  return app;
}
