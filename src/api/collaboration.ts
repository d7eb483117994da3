/**
 * Consults, attended transfers, 3-way calls and supervision over HTTP:
 * ```
 *   POST /api/calls/:id/consult    {to, kind?}: kind agent | queue | contact | number | ivr
 *                                  (guessed from `to` when absent: an agent's id or extension,
 *                                  a queue's id, else a number)
 *   POST /api/calls/:id/swap | complete | cancel | merge
 *   POST /api/calls/:id/monitor    {mode: listen | whisper | barge, supervisor?}: join or switch modes
 *   POST /api/calls/:id/unmonitor  the supervisor leaves
 *   GET  /api/supervision          the live calls of the queues the caller supervises
 * ```
 * The agent who owns the call starts, swaps, completes, cancels and merges;
 * a supervisor of the call's queue monitors (an administrator names the
 * supervisor). 409 with the reason when a control does not apply (consult
 * while consulting, complete with no consult, merge with one call), 403 for
 * a queue the caller does not supervise, 400 naming the field for an unknown
 * target.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsultTarget, LiveCallEvent, MonitorMode } from '../core/call/live-call.js';
import type { ControlResult } from '../app/calls/live-control.js';
import type { SupervisedCall } from '../app/calls/supervision.js';
import type { Config } from '../config/schema.js';
import type { Caller } from './auth.js';

export interface CollaborationDeps {
  control(callId: string, agentId: string | undefined, event: LiveCallEvent): Promise<ControlResult>;
  consult(callId: string, agentId: string | undefined, target: ConsultTarget): Promise<ControlResult>;
  supervise(callId: string, supervisorId: string | undefined, event: Extract<LiveCallEvent, { type: 'monitor' | 'unmonitor' }>): Promise<ControlResult>;
  supervisedCalls(supervisorId: string | undefined): SupervisedCall[];
  config(): Config;
  observe(control: string, seconds: number): void;
}

const KINDS = ['agent', 'queue', 'contact', 'number', 'ivr'] as const;

const agentOf = (req: FastifyRequest) => {
  const c = (req as unknown as { caller: Caller }).caller;
  return c.kind === 'agent' ? c.agentId : undefined;
};

/** What `to` names when the kind is not given: an agent (id or extension), a queue, an IVR flow, else a number. */
export function consultTarget(config: Config, to: string, kind?: ConsultTarget['kind']): ConsultTarget {
  if (kind) return { kind, to: kind === 'agent' ? (Object.entries(config.agents).find(([, a]) => a.extension === to)?.[0] ?? to) : to };
  if (config.agents[to]) return { kind: 'agent', to };
  const byExtension = Object.entries(config.agents).find(([, a]) => a.extension === to);
  if (byExtension) return { kind: 'agent', to: byExtension[0] };
  if (config.queues[to]) return { kind: 'queue', to };
  if (config.ivr[to]) return { kind: 'ivr', to };
  return { kind: 'number', to };
}

export function registerCollaboration(app: FastifyInstance, d: CollaborationDeps): void {
  const answer = async (reply: FastifyReply, name: string, work: Promise<ControlResult>) => {
    const started = performance.now();
    const r = await work;
    // "to: ..." names the field at fault.
    const field = r.status !== 200 && r.status !== 404 ? /^(\w+): /.exec(r.error)?.[1] : undefined;
    if (r.status !== 200) return reply.code(r.status).send({ error: r.error, ...(field ? { field } : {}) });
    d.observe(name, (performance.now() - started) / 1000);
    return { live: r.live };
  };
  app.post<{ Params: { id: string }; Body: { to: string; kind?: ConsultTarget['kind'] } }>(
    '/api/calls/:id/consult',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['to'], properties: { to: { type: 'string', minLength: 1, maxLength: 64 }, kind: { enum: [...KINDS] } } } } },
    (req, reply) => answer(reply, 'consult', d.consult(req.params.id, agentOf(req), consultTarget(d.config(), req.body.to, req.body.kind))),
  );
  for (const name of ['swap', 'complete', 'cancel', 'merge'] as const) {
    app.post<{ Params: { id: string } }>(`/api/calls/:id/${name}`, (req, reply) => answer(reply, name, d.control(req.params.id, agentOf(req), { type: name })));
  }
  app.post<{ Params: { id: string }; Body: { mode: MonitorMode; supervisor?: string } }>(
    '/api/calls/:id/monitor',
    {
      schema: {
        body: { type: 'object', additionalProperties: false, required: ['mode'], properties: { mode: { enum: ['listen', 'whisper', 'barge'] }, supervisor: { type: 'string', minLength: 1, maxLength: 64 } } },
      },
    },
    async (req, reply) => {
      const me = agentOf(req);
      const supervisorId = me ?? req.body.supervisor;
      if (!supervisorId) return reply.code(400).send({ error: 'supervisor: an administrator names the supervisor whose phone joins the call', field: 'supervisor' });
      if (!d.config().agents[supervisorId]) return reply.code(400).send({ error: `supervisor: no agent "${supervisorId}"`, field: 'supervisor' });
      // An administrator acts for the named supervisor, within what that supervisor may see.
      return answer(reply, `monitor-${req.body.mode}`, d.supervise(req.params.id, supervisorId, { type: 'monitor', supervisorId, mode: req.body.mode }));
    },
  );
  app.post<{ Params: { id: string } }>('/api/calls/:id/unmonitor', (req, reply) => answer(reply, 'unmonitor', d.supervise(req.params.id, agentOf(req), { type: 'unmonitor' })));
  app.get('/api/supervision', async (req, reply) => {
    const me = agentOf(req);
    if (me !== undefined && (d.config().agents[me]?.supervises ?? []).length === 0) return reply.code(403).send({ error: `${me} supervises no queue` });
    return { calls: d.supervisedCalls(me) };
  });
}
