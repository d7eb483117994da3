/**
 * The HTTP API (fastify): health per dependency, Prometheus metrics, call
 * records with their timelines, agents and their devices.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { agentStatus } from '../core/acd/agent.js';
import type { Router } from '../core/acd/router.js';
import type { LocationService } from '../sip/location.js';
import type { CallStore } from '../store/calls.js';
import type { Metrics } from './metrics.js';
import type { OriginateRequest } from '../app/outbound.js';
import type { LiveEvent } from '../app/contact-centre.js';
import type { Presence, RouterEvent } from '../core/acd/types.js';
import { parseContactsCsv, type ContactRow } from '../store/contacts.js';
import { agentMayCall, identify, wallboardMayCall, type Caller } from './auth.js';
import { registerDesk, type DeskSettings } from './desk.js';
import { registerSessions, type SessionDeps } from './sessions.js';
import { registerLiveCalls, type LiveCallDeps } from './live-calls.js';
import { registerCollaboration, type CollaborationDeps } from './collaboration.js';
import { registerWork, type WorkApiDeps } from './work.js';
import { registerTranscripts, type TranscriptApiDeps } from './transcripts.js';
import { registerReports, type ReportsApiDeps } from './reports.js';
import { registerWallboard, type WallboardDeps } from './wallboard.js';
import { registerContactCard } from './contact-card.js';
import { registerCampaigns, type CampaignApiDeps } from './campaigns.js';
import type { ContactStore } from '../store/contacts.js';

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
  outbound: { check(req: OriginateRequest): string[]; originate(req: OriginateRequest): { id: string } | { refused: string } };
  /** Feeds an agent's own action (presence, wrap-up, take call) to the router. */
  agentAction: (event: RouterEvent) => void;
  /** Subscribes to live events; returns the unsubscribe function. */
  subscribe: (listener: (e: LiveEvent) => void) => () => void;
  breakReasons: () => string[];
  contacts: Pick<ContactStore, 'import' | 'nameOf' | 'card' | 'setProperties' | 'history'>;
  /** When set, /api requires `Authorization: Bearer <token>` (or an agent's own credentials, see auth.ts). */
  token?: string;
  /** Opens the wallboard only (daemon.http.wallboardToken). */
  wallboardToken?: string;
  /** Desk sign-in: SIP credentials in, a session out; the agent a session token belongs to. */
  sessions: SessionDeps & { agentOf(token: string): Promise<string | undefined> };
  /** Certificate and key: HTTPS with Strict-Transport-Security. */
  tls?: { cert: Buffer; key: Buffer };
  agentProfile(agentId: string): { id: string; name?: string; extension?: string; username?: string; supervises?: string[] };
  desk: () => DeskSettings;
  /** Live-call controls, recordings, agents' desk settings (live-calls.ts). */
  liveCalls: LiveCallDeps;
  collaboration: CollaborationDeps;
  /** Agents' dispositions, notes and tags on their calls (work.ts). */
  work: WorkApiDeps;
  /** Transcripts and their search, voicemail, the background work (src/api/transcripts.ts). */
  transcripts: TranscriptApiDeps;
  /** The call log, queue performance and agent activity (reports.ts). */
  reports: ReportsApiDeps;
  /** The CRM's view of a caller, when a CRM is configured (src/app/crm-lookup.ts). */
  crm?: (number: string) => Promise<{ name?: string; company?: string; properties: Record<string, string> } | undefined>;
  /** The supervisors' wallboard (wallboard.ts). */
  wallboard: WallboardDeps;
  /** Outbound campaigns, contact lists, do-not-call lists, agents' previews (campaigns.ts). */
  campaigns: CampaignApiDeps;
  /** Sources banned at the SIP door, and lifting a ban by hand. */
  security: { bans(): { source: string; untilMs: number }[]; unban(source: string): boolean };
}

export async function buildApi(d: ApiDeps): Promise<FastifyInstance> {
  // A warn-level child: request lines stay out of the log, errors stay in.
  const app = Fastify({
    loggerInstance: d.log.child({ component: 'http' }, { level: 'warn' }),
    // Union types (a string or a boolean) keep their value; anyOf would coerce it to the first branch.
    ajv: { customOptions: { allowUnionTypes: true } },
    ...(d.tls ? { https: d.tls } : {}),
  }) as unknown as FastifyInstance;
  if (d.tls) {
    app.addHook('onSend', async (_req, reply) => {
      reply.header('Strict-Transport-Security', 'max-age=31536000');
    });
  }

  // Before the routes, so that every route's failures take this shape. Validation failures name the field (fastify's default message does, e.g. "querystring/limit must be <= 1000").
  app.setErrorHandler((err: { validation?: unknown; statusCode?: number; message: string }, _req, reply) => {
    if (err.validation) return reply.code(400).send({ error: err.message });
    d.log.error({ err: err.message }, 'request failed');
    return reply.code(err.statusCode ?? 500).send({ error: err.statusCode && err.statusCode < 500 ? err.message : 'internal error' });
  });
  // Registered before the routes, so `{ websocket: true }` routes are upgraded.
  await app.register(websocket);
  // Before the routes too: the OpenAPI document is built from every route's schema as it is added.
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Contact centre API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the administrator token, or an agent session (POST /api/sessions)' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  // Every route, for the test that checks the document describes each one.
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    // @fastify/websocket hides its routes from the document; the live events are part of the API.
    if ((r as { websocket?: boolean }).websocket && r.schema) (r.schema as { hide?: boolean }).hide = false;
  });
  app.decorate('routeList', routes);
  app.decorateRequest('caller', null);
  const authDeps = { ...(d.token ? { token: d.token } : {}), ...(d.wallboardToken ? { wallboardToken: d.wallboardToken } : {}), session: (token: string) => d.sessions.agentOf(token) };
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    const url = new URL(req.url, 'http://localhost');
    // Signing in checks its own credentials; the API's description is public.
    if (req.method === 'POST' && url.pathname === '/api/sessions') return;
    if (url.pathname === '/api/openapi.json' || url.pathname === '/api/docs' || url.pathname.startsWith('/api/docs/')) return;
    const caller = await identify(url, req.headers.authorization, authDeps);
    if (!caller) return reply.code(401).send({ error: 'sign in: the bearer token, or an agent session (POST /api/sessions)' });
    if (caller.kind === 'agent' && !agentMayCall(caller.agentId, req.method, url)) return reply.code(403).send({ error: 'an agent may only use their own part of the API' });
    if (caller.kind === 'wallboard' && !wallboardMayCall(req.method, url)) return reply.code(403).send({ error: 'the wallboard token opens the wallboard only' });
    (req as unknown as { caller: Caller }).caller = caller;
  });

  // Who signed in: the desk asks this with its session.
  app.get('/api/me', async (req, reply) => {
    const caller = (req as unknown as { caller: Caller }).caller;
    if (caller.kind !== 'agent') return reply.code(401).send({ error: 'sign in as an agent (POST /api/sessions)' });
    return { ...d.agentProfile(caller.agentId), ...d.router().agentView(caller.agentId, Date.now()), breakReasons: d.breakReasons() };
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerSessions(app, d.sessions);
  registerLiveCalls(app, d.liveCalls);
  registerCollaboration(app, d.collaboration);
  registerWork(app, d.work);
  registerReports(app, d.reports);
  registerWallboard(app, d.wallboard);
  registerCampaigns(app, d.campaigns);
  registerContactCard(app, { contacts: d.contacts, calls: d.calls, handled: (callId, agentId) => d.work.handled(callId, agentId), ...(d.crm ? { crm: d.crm } : {}) });
  await registerDesk(app, d.desk);

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

  registerTranscripts(app, d.transcripts);

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
      const placed = d.outbound.originate(req.body);
      if ('refused' in placed) return reply.code(429).send({ error: placed.refused, field: 'to' });
      return reply.code(202).send(placed);
    },
  );

  app.get('/api/security/bans', async () => ({ bans: d.security.bans().map((b) => ({ source: b.source, until: new Date(b.untilMs).toISOString() })) }));

  app.delete<{ Params: { source: string } }>('/api/security/bans/:source', async (req, reply) => {
    if (!d.security.unban(req.params.source)) return reply.code(404).send({ error: `no ban on "${req.params.source}"`, field: 'source' });
    d.log.info({ source: req.params.source }, 'ban lifted through the API');
    return { lifted: req.params.source };
  });

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

  // Contacts arrive as CSV (number,name[,company]); each bad row is reported by number, the good rows import.
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 50 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  app.post<{ Body: string }>('/api/contacts', async (req, reply) => {
    if (typeof req.body !== 'string') return reply.code(415).send({ error: 'send the contacts as text/csv: number,name[,company]' });
    const { rows, problems } = parseContactsCsv(req.body);
    const imported = await d.contacts.import(rows);
    return reply.code(problems.length && !imported ? 400 : 200).send({ imported, problems });
  });
  app.get<{ Params: { number: string } }>('/api/contacts/:number', async (req, reply) => {
    const card = await d.contacts.card(req.params.number);
    return card ? { ...card, history: await d.contacts.history(card.number) } : reply.code(404).send({ error: 'no such contact', field: 'number' });
  });

  const agentOr404 = (id: string) => d.router().agents.get(id);

  app.get<{ Params: { id: string } }>('/api/agents/:id', async (req, reply) => {
    if (!agentOr404(req.params.id)) return reply.code(404).send({ error: 'no such agent', field: 'id' });
    return d.router().agentView(req.params.id, Date.now());
  });

  app.put<{ Params: { id: string }; Body: { presence: Presence; reason?: string } }>(
    '/api/agents/:id/presence',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['presence'],
          properties: { presence: { type: 'string', enum: ['ready', 'standby', 'offline', 'break'] }, reason: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (req, reply) => {
      if (!agentOr404(req.params.id)) return reply.code(404).send({ error: 'no such agent', field: 'id' });
      const { presence, reason } = req.body;
      if (presence === 'break' && (!reason || !d.breakReasons().includes(reason))) {
        return reply.code(400).send({ error: `body/reason must be one of: ${d.breakReasons().join(', ')}`, field: 'reason' });
      }
      d.agentAction({ type: 'agent-presence', agentId: req.params.id, presence, ...(reason ? { reason } : {}) });
      return d.router().agentView(req.params.id, Date.now());
    },
  );

  app.post<{ Params: { id: string }; Body: { extendSec?: number } }>(
    '/api/agents/:id/wrap-up',
    { schema: { body: { type: 'object', additionalProperties: false, properties: { extendSec: { type: 'number', minimum: 1, maximum: 3600 } } } } },
    async (req, reply) => {
      if (!agentOr404(req.params.id)) return reply.code(404).send({ error: 'no such agent', field: 'id' });
      const body = req.body ?? {};
      if (!body.extendSec && d.router().agentView(req.params.id, Date.now())?.wrapHeld) {
        const owed = await d.work.pending(req.params.id);
        if (owed.length > 0) return reply.code(409).send({ error: `a disposition is required before wrap-up can end: call ${owed.join(', ')}`, field: 'disposition', calls: owed });
      }
      d.agentAction(body.extendSec ? { type: 'wrap-up-extend', agentId: req.params.id, byMs: body.extendSec * 1000 } : { type: 'wrap-up-end', agentId: req.params.id });
      return d.router().agentView(req.params.id, Date.now());
    },
  );

  app.get<{ Params: { id: string } }>('/api/agents/:id/pool', async (req, reply) => {
    if (!agentOr404(req.params.id)) return reply.code(404).send({ error: 'no such agent', field: 'id' });
    return d.router().poolFor(req.params.id, Date.now());
  });

  app.post<{ Params: { id: string; callId: string } }>('/api/agents/:id/take/:callId', async (req, reply) => {
    if (!agentOr404(req.params.id)) return reply.code(404).send({ error: 'no such agent', field: 'id' });
    if (!d.router().calls.has(req.params.callId)) return reply.code(404).send({ error: 'no such waiting call', field: 'callId' });
    d.agentAction({ type: 'take-call', agentId: req.params.id, callId: req.params.callId });
    return d.router().poolFor(req.params.id, Date.now());
  });

  app.get('/api/queues', async () => ({
    queues: [...d.router().queues.keys()].filter((id) => !id.startsWith('direct:')).map((id) => ({ id, ...d.router().queueStatus(id, Date.now()) })),
  }));

  app.get<{ Params: { id: string } }>('/api/queues/:id', async (req, reply) => {
    if (!d.router().queues.has(req.params.id)) return reply.code(404).send({ error: 'no such queue', field: 'id' });
    return { id: req.params.id, ...d.router().queueStatus(req.params.id, Date.now()) };
  });

  // Live events for desks and wallboards: one JSON object per message.
  app.get(
    '/api/events',
    {
      websocket: true,
      schema: {
        description: 'A WebSocket of live events (agents\' statuses, calls\' steps), one JSON object per message; an agent session may only follow its own agent.',
        querystring: {
          type: 'object',
          properties: { agent: { type: 'string', maxLength: 128 }, call: { type: 'string', maxLength: 128 }, token: { type: 'string', maxLength: 512 } },
        },
      },
    },
    (socket, req) => {
    const q = new URL(req.url, 'http://localhost').searchParams;
    const agent = q.get('agent');
    const call = q.get('call');
    const unsubscribe = d.subscribe((e) => {
      // A call's events reach its owner's desk and the desk of an agent the event names (a consulted colleague, a supervisor).
      if (agent && !(e.kind === 'agent' ? e.agentId === agent : e.agentId === agent || e.data?.agentId === agent)) return;
      if (call && !(e.kind === 'call' && e.callId === call)) return;
      socket.send(JSON.stringify(e));
    });
    socket.on('close', unsubscribe);
    },
  );

  return app;
}
