/**
 * Agents' work on their calls: `GET|PUT /api/calls/:id/work` (disposition,
 * notes, tags). An agent reads and writes their own work on a call they
 * handled; an administrator names the agent (`?agent=`). Refusals name the
 * reason: a code not in the queue's list (400), another agent's call (403).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Caller } from './auth.js';
import type { WorkPatch } from '../core/work/work.js';
import type { WorkResult, WorkView } from '../app/work.js';
import { LIMITS } from '../core/work/work.js';
import type { ScriptAction } from '../core/script/script.js';
import type { ScriptResult } from '../app/scripts.js';

export interface WorkApiDeps {
  script: {
    view(callId: string, agentId: string): Promise<ScriptResult>;
    act(callId: string, agentId: string, action: ScriptAction): Promise<ScriptResult>;
  };
  read(callId: string, agentId: string): Promise<WorkResult>;
  update(callId: string, agentId: string, patch: WorkPatch): Promise<WorkResult>;
  /** Every agent's work on a call (the call record shows it). */
  forCall(callId: string): Promise<{ agentId: string; disposition?: string; notes: string; tags: string[]; updatedAt: number }[]>;
  pending(agentId: string): Promise<string[]>;
  /** Whether the agent handled the call ('no-call', 'not-theirs', or its queue). */
  handled(callId: string, agentId: string): Promise<unknown>;
}

const callerOf = (req: unknown) => (req as { caller: Caller }).caller;

/** The agent whose work it is: the signed-in agent, or the one an administrator names. */
function agentFor(req: unknown, named: string | undefined, reply: FastifyReply): string | undefined {
  const caller = callerOf(req);
  if (caller.kind === 'agent') {
    if (named !== undefined && named !== caller.agentId) {
      void reply.code(403).send({ error: 'an agent may only read and write their own work', field: 'agent' });
      return undefined;
    }
    return caller.agentId;
  }
  if (!named) void reply.code(400).send({ error: 'querystring/agent: name the agent whose work it is', field: 'agent' });
  return named;
}

function send(reply: FastifyReply, r: WorkResult): WorkView | FastifyReply {
  if (r.ok) return r.view;
  return reply.code(r.status).send({ error: r.error, field: r.status === 400 ? r.error.split(':')[0] : r.status === 403 ? 'id' : 'id' });
}

const agentQuery = { type: 'object', additionalProperties: false, properties: { agent: { type: 'string', minLength: 1, maxLength: 128 } } } as const;

export function registerWork(app: FastifyInstance, d: WorkApiDeps): void {
  app.get<{ Params: { id: string }; Querystring: { agent?: string } }>('/api/calls/:id/work', { schema: { querystring: agentQuery } }, async (req, reply) => {
    const agentId = agentFor(req, req.query.agent, reply);
    if (!agentId) return reply;
    return send(reply, await d.read(req.params.id, agentId));
  });

  app.put<{ Params: { id: string }; Querystring: { agent?: string }; Body: WorkPatch }>(
    '/api/calls/:id/work',
    {
      schema: {
        querystring: agentQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            disposition: { type: ['string', 'null'], maxLength: 40 },
            notes: { type: 'string', maxLength: LIMITS.notesChars },
            tags: { type: 'array', maxItems: LIMITS.tags, items: { type: 'string', maxLength: LIMITS.tagChars } },
          },
        },
      },
    },
    async (req, reply) => {
      const agentId = agentFor(req, req.query.agent, reply);
      if (!agentId) return reply;
      return send(reply, await d.update(req.params.id, agentId, req.body ?? {}));
    },
  );

  const sendScript = (reply: FastifyReply, r: ScriptResult) => (r.ok ? r.view : reply.code(r.status).send({ error: r.error, ...(r.field ? { field: r.field } : {}) }));

  app.get<{ Params: { id: string }; Querystring: { agent?: string } }>('/api/calls/:id/script', { schema: { querystring: agentQuery } }, async (req, reply) => {
    const agentId = agentFor(req, req.query.agent, reply);
    if (!agentId) return reply;
    return sendScript(reply, await d.script.view(req.params.id, agentId));
  });

  app.post<{ Params: { id: string }; Querystring: { agent?: string }; Body: ScriptAction }>(
    '/api/calls/:id/script',
    {
      schema: {
        description: 'The agent\'s action on the call\'s script: answer (keep values), next (needs the step\'s required actions), back.',
        querystring: agentQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: { type: 'string', enum: ['answer', 'next', 'back'] },
            // A union type: a value of either kind passes as it is (anyOf would coerce true to "true").
            values: { type: 'object', additionalProperties: { type: ['string', 'boolean'], maxLength: 2000 } },
            acknowledged: { type: 'boolean' },
          },
        },
      },
    },
    async (req, reply) => {
      const agentId = agentFor(req, req.query.agent, reply);
      if (!agentId) return reply;
      return sendScript(reply, await d.script.act(req.params.id, agentId, req.body));
    },
  );

  app.get<{ Params: { id: string } }>('/api/calls/:id/work/all', async (req, reply) => {
    const caller = callerOf(req);
    if (caller.kind === 'agent') {
      // An agent sees the whole call's work only if they handled it.
      const own = await d.read(req.params.id, caller.agentId);
      if (!own.ok) return send(reply, own);
    }
    return { work: await d.forCall(req.params.id) };
  });
}
