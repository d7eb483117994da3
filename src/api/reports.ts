/**
 * Reports over HTTP: the call log (JSON or CSV), queue performance (with the
 * hours of the range for the charts) and agent activity per day. The
 * administrator sees everything; a supervisor (an agent with `supervises`)
 * sees the queues they supervise and those queues' members only.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Caller } from './auth.js';
import type { Config } from '../config/schema.js';
import { parseRange, Reports, type Range } from '../app/reports.js';

export interface ReportsApiDeps {
  reports: Reports;
  config: () => Config;
  now: () => number;
  /** One call for the call log's detail: its record with the timeline, its recordings, every agent's work. */
  call?: (callId: string) => Promise<{ record: { queue_id: string | null }; recordings: unknown[]; work: unknown[] } | undefined>;
}

const range = { from: { type: 'string', maxLength: 40 }, to: { type: 'string', maxLength: 40 } } as const;

/** What the caller may see: everything (undefined), or these queues and agents. */
export function scopeOf(caller: Caller, config: Config): { queues: Set<string>; agents: Set<string> } | undefined | 'none' {
  if (caller.kind === 'admin') return undefined;
  if (caller.kind === 'wallboard') return 'none';
  const supervised = config.agents[caller.agentId]?.supervises ?? [];
  if (supervised.length === 0) return 'none';
  const agents = new Set<string>();
  for (const q of supervised) for (const m of config.queues[q]?.members ?? []) agents.add(typeof m === 'string' ? m : m.agent);
  return { queues: new Set(supervised), agents };
}

export function registerReports(app: FastifyInstance, d: ReportsApiDeps): void {
  const prepare = (req: { query: unknown }, reply: FastifyReply) => {
    const q = req.query as { from?: string; to?: string };
    const r = parseRange(q.from, q.to, d.config().reports.timeZone, d.now());
    if ('error' in r) {
      void reply.code(400).send(r);
      return undefined;
    }
    const scope = scopeOf((req as unknown as { caller: Caller }).caller, d.config());
    if (scope === 'none') {
      void reply.code(403).send({ error: 'reports are for supervisors (of the queues they supervise) and administrators' });
      return undefined;
    }
    return { r, scope };
  };
  const refuseOutside = (reply: FastifyReply, scope: { queues: Set<string>; agents: Set<string> } | undefined, queue?: string, agent?: string) => {
    if (scope && queue && !scope.queues.has(queue)) return void reply.code(403).send({ error: `queue ${queue} is not one you supervise`, field: 'queue' }), true;
    if (scope && agent && !scope.agents.has(agent)) return void reply.code(403).send({ error: `agent ${agent} is not in a queue you supervise`, field: 'agent' }), true;
    return false;
  };

  app.get<{ Querystring: { from?: string; to?: string; queue?: string; agent?: string; direction?: string; disposition?: string; outcome?: string; limit: number; offset: number; format?: 'json' | 'csv' } }>(
    '/api/reports/calls',
    {
      schema: {
        description: 'The call log, newest first, with filters; format=csv exports every match (up to 200,000).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...range,
            queue: { type: 'string', maxLength: 128 },
            agent: { type: 'string', maxLength: 128 },
            direction: { type: 'string', enum: ['inbound', 'outbound', 'internal'] },
            disposition: { type: 'string', maxLength: 40 },
            outcome: { type: 'string', maxLength: 40 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            offset: { type: 'integer', minimum: 0, default: 0 },
            format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
          },
        },
      },
    },
    async (req, reply) => {
      const p = prepare(req, reply);
      if (!p) return reply;
      const q = req.query;
      if (refuseOutside(reply, p.scope, q.queue, q.agent)) return reply;
      const csv = q.format === 'csv';
      // A supervisor without a queue named: the calls of all their queues.
      const filter = { from: p.r.from, to: p.r.to, limit: csv ? 200_000 : q.limit, offset: csv ? 0 : q.offset, ...pick(q, ['queue', 'agent', 'direction', 'disposition', 'outcome']), ...(p.scope && !q.queue ? { queues: [...p.scope.queues] } : {}) };
      const log = await d.reports.callLog(filter);
      if (!csv) return { from: new Date(p.r.from).toISOString(), to: new Date(p.r.to).toISOString(), total: log.total, calls: log.rows };
      return reply
        .header('content-disposition', `attachment; filename="calls-${new Date(p.r.from).toISOString().slice(0, 10)}.csv"`)
        .type('text/csv; charset=utf-8')
        .send(Reports.csv(log.rows));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/reports/calls/:id',
    { schema: { description: "One call of the call log: its record and timeline, its recordings, every agent's disposition, notes and tags." } },
    async (req, reply) => {
      const scope = scopeOf((req as unknown as { caller: Caller }).caller, d.config());
      if (scope === 'none') return reply.code(403).send({ error: 'reports are for supervisors (of the queues they supervise) and administrators' });
      const call = await d.call?.(req.params.id);
      if (!call) return reply.code(404).send({ error: `no call ${req.params.id}`, field: 'id' });
      if (scope && !(call.record.queue_id && scope.queues.has(call.record.queue_id))) return reply.code(403).send({ error: `call ${req.params.id} is not in a queue you supervise`, field: 'id' });
      return call;
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; queue?: string; serviceLevelSec?: number } }>(
    '/api/reports/queues',
    {
      schema: {
        description: 'Queue performance over the range: offered, answered, abandoned, service level, average and p90 wait, talk, hold and handle time; per local hour too for ranges up to 7 days.',
        querystring: { type: 'object', additionalProperties: false, properties: { ...range, queue: { type: 'string', maxLength: 128 }, serviceLevelSec: { type: 'number', minimum: 1, maximum: 3600 } } },
      },
    },
    async (req, reply) => {
      const p = prepare(req, reply);
      if (!p) return reply;
      if (refuseOutside(reply, p.scope, req.query.queue)) return reply;
      const sl = req.query.serviceLevelSec ?? d.config().reports.serviceLevelSec;
      const scope = p.scope;
      if (scope && !req.query.queue) {
        // A supervisor's figures: their queues only.
        return { ...meta(p.r, sl), ...(await d.reports.queues(p.r, sl, [...scope.queues])) };
      }
      return { ...meta(p.r, sl), ...(await d.reports.queues(p.r, sl, req.query.queue)) };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; agent?: string } }>(
    '/api/reports/agents',
    {
      schema: {
        description: 'Agent activity per local day: time in each state, calls, talk, hold and wrap-up time, missed offers.',
        querystring: { type: 'object', additionalProperties: false, properties: { ...range, agent: { type: 'string', maxLength: 128 } } },
      },
    },
    async (req, reply) => {
      const p = prepare(req, reply);
      if (!p) return reply;
      if (refuseOutside(reply, p.scope, undefined, req.query.agent)) return reply;
      const rows = await d.reports.agents(p.r, req.query.agent);
      const scope = p.scope;
      return { ...meta(p.r), agents: scope ? rows.filter((r) => scope.agents.has(r.agentId)) : rows };
    },
  );
}

function meta(r: Range, serviceLevelSec?: number) {
  return { from: new Date(r.from).toISOString(), to: new Date(r.to).toISOString(), timeZone: r.tz, ...(serviceLevelSec !== undefined ? { serviceLevelSec } : {}) };
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
