/**
 * Live-call controls and recordings over HTTP:
 * ```
 *   POST /api/calls/:id/hold | resume | mute | unmute | hangup
 *   POST /api/calls/:id/dtmf            {digits}
 *   POST /api/calls/:id/recording       {action: start | stop | pause | resume}
 *   POST /api/calls/:id/voicemail-drop  {message}
 *   POST /api/calls/:id/transfer        {to}: blind, the same targets as a phone's REFER
 *   GET  /api/calls/:id/live            legs, hold, mute, recording state
 *   GET  /api/calls/:id/recordings      the call's recording files (one per agent segment)
 *   GET  /api/recordings/:id            a file (WAV, Range supported)
 *   GET  /api/voicemail-drops           the messages an agent may drop
 *   GET|PUT /api/agents/:id/settings    the agent's desk notifications
 * ```
 * An agent controls and hears only their own calls (a supervisor also hears the
 * recordings of the queues they supervise); an administrator any.
 * A control that does not apply gets 409 with the reason and changes nothing;
 * an unknown call 404; a bad body 400 naming the field.
 */
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LiveCallEvent, LiveCallView } from '../core/call/live-call.js';
import type { RecordingRow } from '../store/calls.js';
import type { ControlResult } from '../app/calls/live-control.js';
import type { TransferResult } from '../app/calls/transfer.js';
import type { Caller } from './auth.js';

export interface LiveCallDeps {
  control(callId: string, agentId: string | undefined, event: LiveCallEvent): Promise<ControlResult>;
  transfer(callId: string, agentId: string | undefined, to: string): TransferResult;
  view(callId: string): LiveCallView | undefined;
  messages(): { name: string; description?: string }[];
  recordings(callId: string): Promise<RecordingRow[]>;
  recording(id: string): Promise<RecordingRow | undefined>;
  recordingsDir: string;
  settings: { get(agentId: string): Promise<AgentSettings>; put(agentId: string, s: AgentSettings): Promise<void> };
  /** The queues an agent supervises: their recordings are open to them too. */
  supervises?: (agentId: string) => string[];
  /** Observes how long a control took, for the metric. */
  observe(control: string, seconds: number): void;
}

export const NOTIFY_MODES = ['off', 'sound', 'desktop', 'both'] as const;
export const NOTIFICATIONS = ['offer', 'missed', 'transfer', 'ended'] as const;
export type AgentSettings = { notifications: Record<(typeof NOTIFICATIONS)[number], (typeof NOTIFY_MODES)[number]> };
export const DEFAULT_SETTINGS: AgentSettings = { notifications: { offer: 'sound', missed: 'desktop', transfer: 'both', ended: 'off' } };

const agentOf = (req: FastifyRequest) => {
  const c = (req as unknown as { caller: Caller }).caller;
  return c.kind === 'agent' ? c.agentId : undefined;
};

const SIMPLE: Record<string, LiveCallEvent> = {
  hold: { type: 'hold', by: 'desk' },
  resume: { type: 'resume', by: 'desk' },
  mute: { type: 'mute' },
  unmute: { type: 'unmute' },
  hangup: { type: 'hang-up' },
};

export function registerLiveCalls(app: FastifyInstance, d: LiveCallDeps): void {
  const send = async (req: FastifyRequest<{ Params: { id: string } }>, reply: import('fastify').FastifyReply, name: string, event: LiveCallEvent) => {
    const started = performance.now();
    const r = await d.control(req.params.id, agentOf(req), event);
    if (r.status === 200) d.observe(name, (performance.now() - started) / 1000);
    return r.status === 200 ? { live: r.live } : reply.code(r.status).send({ error: r.error });
  };

  for (const [name, event] of Object.entries(SIMPLE)) {
    app.post<{ Params: { id: string } }>(`/api/calls/:id/${name}`, (req, reply) => send(req, reply, name, event));
  }
  app.post<{ Params: { id: string }; Body: { digits: string } }>(
    '/api/calls/:id/dtmf',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['digits'], properties: { digits: { type: 'string', pattern: '^[0-9*#A-D]{1,32}$' } } } } },
    (req, reply) => send(req, reply, 'dtmf', { type: 'dtmf', digits: req.body.digits }),
  );
  app.post<{ Params: { id: string }; Body: { action: 'start' | 'stop' | 'pause' | 'resume' } }>(
    '/api/calls/:id/recording',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['action'], properties: { action: { enum: ['start', 'stop', 'pause', 'resume'] } } } } },
    (req, reply) => send(req, reply, `recording-${req.body.action}`, { type: 'record', op: req.body.action }),
  );
  app.post<{ Params: { id: string }; Body: { message: string } }>(
    '/api/calls/:id/voicemail-drop',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['message'], properties: { message: { type: 'string', minLength: 1, maxLength: 128 } } } } },
    async (req, reply) => {
      const known = d.messages().map((m) => m.name);
      if (!known.includes(req.body.message)) return reply.code(400).send({ error: `message: no voicemail drop "${req.body.message}" is configured (${known.join(', ') || 'none are'})`, field: 'message' });
      return send(req, reply, 'voicemail-drop', { type: 'voicemail-drop', message: req.body.message });
    },
  );
  app.post<{ Params: { id: string }; Body: { to: string } }>(
    '/api/calls/:id/transfer',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['to'], properties: { to: { type: 'string', minLength: 1, maxLength: 64 } } } } },
    async (req, reply) => {
      const r = d.transfer(req.params.id, agentOf(req), req.body.to);
      if (r.status !== 202) return reply.code(r.status).send({ error: r.error, ...(r.status === 400 || r.status === 403 ? { field: 'to' } : {}) });
      // How it went follows in the call's events: transferred, then offered / forwarding, or transfer-failed with the reason.
      return reply.code(202).send({ status: 'transferring', to: r.to });
    },
  );
  app.get<{ Params: { id: string } }>('/api/calls/:id/live', async (req, reply) => {
    const v = d.view(req.params.id);
    if (!v) return reply.code(404).send({ error: `no live call ${req.params.id} connected to an agent` });
    const agent = agentOf(req);
    if (agent && !v.legs.some((l) => l.agentId === agent)) return reply.code(403).send({ error: 'the call is handled by another agent' });
    return v;
  });
  app.get('/api/voicemail-drops', async () => ({ messages: d.messages() }));

  // An agent hears their own segments; a supervisor also those of the queues they supervise.
  const visible = (req: FastifyRequest, r: RecordingRow) => {
    const agent = agentOf(req);
    return agent === undefined || r.agent_id === agent || (r.queue_id !== null && (d.supervises?.(agent) ?? []).includes(r.queue_id));
  };
  const shape = (r: RecordingRow) => ({
    id: r.id,
    callId: r.call_id,
    segment: r.segment,
    agentId: r.agent_id,
    queueId: r.queue_id,
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
    startedAt: new Date(r.started_at).toISOString(),
    ...(r.ended_at ? { endedAt: new Date(r.ended_at).toISOString() } : {}),
    ...(r.expires_at ? { expiresAt: new Date(r.expires_at).toISOString() } : {}),
    ...(r.status !== 'deleted' && r.status !== 'failed' ? { url: `/api/recordings/${encodeURIComponent(r.id)}` } : {}),
  });
  app.get<{ Params: { id: string } }>('/api/calls/:id/recordings', async (req, reply) => {
    const rows = await d.recordings(req.params.id);
    const mine = rows.filter((r) => visible(req, r));
    if (rows.length > 0 && mine.length === 0) return reply.code(403).send({ error: 'the recordings of this call belong to another agent' });
    return { recordings: mine.map(shape) };
  });
  app.get<{ Params: { id: string } }>('/api/recordings/:id', async (req, reply) => {
    const r = await d.recording(req.params.id);
    if (!r) return reply.code(404).send({ error: `no recording ${req.params.id}` });
    if (!visible(req, r)) return reply.code(403).send({ error: 'the recording belongs to another agent' });
    if (r.status === 'deleted') return reply.code(410).send({ error: 'the recording was deleted when its retention ran out' });
    if (r.status === 'failed') return reply.code(404).send({ error: `the recording failed: ${r.error ?? 'unknown'}` });
    // @fastify/static's send: Range, If-Range, Content-Length, ETag.
    return reply.type('audio/wav').sendFile(path.basename(r.file), d.recordingsDir, { acceptRanges: true, cacheControl: false });
  });

  app.get<{ Params: { id: string } }>('/api/agents/:id/settings', async (req) => d.settings.get(req.params.id));
  const mode = { enum: [...NOTIFY_MODES] };
  app.put<{ Params: { id: string }; Body: AgentSettings }>(
    '/api/agents/:id/settings',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['notifications'],
          properties: { notifications: { type: 'object', additionalProperties: false, properties: Object.fromEntries(NOTIFICATIONS.map((n) => [n, mode])) } },
        },
      },
    },
    async (req) => {
      const current = await d.settings.get(req.params.id);
      const next: AgentSettings = { notifications: { ...current.notifications, ...req.body.notifications } };
      await d.settings.put(req.params.id, next);
      return next;
    },
  );
}
