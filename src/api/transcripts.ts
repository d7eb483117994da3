/**
 * Transcripts, the search over them, voicemail messages and the background
 * work behind them:
 *
 * - `GET /api/calls?text=refund` (and the call log's other filters): calls
 *   whose transcripts hold every word, each with the turns that match;
 *   agents get their own calls, supervisors also their queues'.
 * - `GET /api/calls/:id/transcript`: the call's transcripts as speaker turns
 *   (customer, agent, caller), `pending` while one is being made.
 * - `GET /api/voicemail`, `GET /api/voicemail/:id/audio`,
 *   `PUT /api/voicemail/:id {status: heard|new}`: the boxes the agent may
 *   see (named in the box, members or supervisors of its queue).
 * - `GET /api/jobs?status=`, `POST /api/jobs/:id/retry` (administrators):
 *   work that failed is kept and can be tried again.
 */
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from './auth.js';
import type { Config } from '../config/schema.js';
import type { Job } from '../core/jobs/queue.js';
import type { Turn } from '../core/stt/speakers.js';
import type { TranscriptView } from '../app/transcription/service.js';
import type { CallRow, RecordingRow } from '../store/calls.js';
import { searchWords as normaliseWords } from '../core/stt/speakers.js';
import type { JobRow, TranscriptRow, VoicemailRow } from '../store/transcripts.js';

export interface TranscriptApiDeps {
  config: () => Config;
  view(callId: string): Promise<TranscriptView>;
  call(callId: string): Promise<CallRow | undefined>;
  list(q: { limit: number; before?: number; queue?: string; agent?: string; ids?: string[]; visibleTo?: { agent: string; queues: string[] } }): Promise<CallRow[]>;
  recordings(callId: string): Promise<RecordingRow[]>;
  search(text: string, limit: number): Promise<TranscriptRow[]>;
  messages(boxes: string[], limit: number): Promise<VoicemailRow[]>;
  messageCounts(boxes: string[]): Promise<Map<string, { new: number; total: number }>>;
  message(id: string): Promise<VoicemailRow | undefined>;
  updateMessage(id: string, patch: Partial<Omit<VoicemailRow, 'id'>>): Promise<void>;
  transcripts(callId: string): Promise<TranscriptRow[]>;
  jobs(): Job[];
  job(id: string): Promise<JobRow | undefined>;
  retryJob(id: string): boolean;
  recordingsDir: string;
  now: () => number;
}

const agentOf = (req: FastifyRequest): string | undefined => {
  const c = (req as unknown as { caller: Caller }).caller;
  return c.kind === 'agent' ? c.agentId : undefined;
};

/** The voicemail boxes an agent may see (undefined: an administrator, all of them). */
export function boxesFor(config: Config, agentId: string | undefined): string[] {
  return Object.entries(config.voicemail)
    .filter(([, b]) => {
      if (agentId === undefined || b.agents.includes(agentId)) return true;
      if (!b.queue) return false;
      const q = config.queues[b.queue];
      const member = q?.members.some((m) => (typeof m === 'string' ? m : m.agent) === agentId) ?? false;
      return member || (config.agents[agentId]?.supervises ?? []).includes(b.queue);
    })
    .map(([id]) => id);
}

/** The turns of a transcript that hold any of the words. */
function matches(turns: Turn[], words: string[]): Turn[] {
  return turns.filter((t) => {
    const have = ` ${normaliseWords(t.text)} `;
    return words.some((w) => have.includes(` ${w} `));
  });
}

export function registerTranscripts(app: FastifyInstance, d: TranscriptApiDeps): void {
  const supervises = (agentId: string) => d.config().agents[agentId]?.supervises ?? [];

  /** Whether the agent may read this call's words: they were on it, or supervise its queue, or it left a message in their box. */
  const mayRead = async (agentId: string | undefined, callId: string, row: CallRow | undefined): Promise<boolean> => {
    if (agentId === undefined) return true;
    if (row?.agent_id === agentId) return true;
    if (row?.queue_id && supervises(agentId).includes(row.queue_id)) return true;
    const recs = await d.recordings(callId);
    if (recs.some((r) => r.agent_id === agentId || (r.queue_id !== null && supervises(agentId).includes(r.queue_id)))) return true;
    const vm = await d.message(`vm-${callId}`);
    return vm !== undefined && boxesFor(d.config(), agentId).includes(vm.box_id);
  };

  app.get<{ Querystring: { limit: number; before?: number; queue?: string; agent?: string; text?: string } }>(
    '/api/calls',
    {
      schema: {
        description: 'Recent call records, newest first; `text` keeps the calls whose transcripts hold every word (with the matching turns). Agents see their own calls, supervisors also their queues\'.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            before: { type: 'integer', minimum: 0 },
            queue: { type: 'string', maxLength: 128 },
            agent: { type: 'string', maxLength: 128 },
            text: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const me = agentOf(req);
      let found: TranscriptRow[] | undefined;
      let words: string[] = [];
      if (q.text !== undefined) {
        words = normaliseWords(q.text).split(' ').filter(Boolean);
        if (!words.length) return reply.code(400).send({ error: 'querystring/text: give at least one word (letters or digits)', field: 'text' });
        found = await d.search(q.text, 5000);
      }
      const ids = found ? [...new Set(found.map((t) => t.call_id))] : undefined;
      // An agent's own calls and their supervised queues', chosen by the query itself (not the newest rows filtered after).
      const visibleTo = me !== undefined ? { visibleTo: { agent: me, queues: supervises(me) } } : {};
      const calls = ids && ids.length === 0 ? [] : await d.list({ limit: q.limit, ...(q.before !== undefined ? { before: q.before } : {}), ...(q.queue ? { queue: q.queue } : {}), ...(q.agent ? { agent: q.agent } : {}), ...(ids ? { ids } : {}), ...visibleTo });
      if (!found) return { calls };
      const byCall = new Map<string, Turn[]>();
      for (const t of found) byCall.set(t.call_id, [...(byCall.get(t.call_id) ?? []), ...matches(JSON.parse(t.turns) as Turn[], words)]);
      return { calls: calls.map((c) => ({ ...c, matches: (byCall.get(c.id) ?? []).sort((a, b) => a.start - b.start).map((t) => ({ speaker: t.speaker, start: t.start, text: t.text })) })) };
    },
  );

  app.get<{ Params: { id: string } }>('/api/calls/:id/transcript', async (req, reply) => {
    const id = req.params.id;
    const row = await d.call(id);
    const view = await d.view(id);
    if (!row && view.transcripts.length === 0 && !view.pending) return reply.code(404).send({ error: `no call ${id}`, field: 'id' });
    if (!(await mayRead(agentOf(req), id, row))) return reply.code(403).send({ error: 'the call belongs to another agent', field: 'id' });
    return view;
  });

  const shape = (m: VoicemailRow, transcript: string | undefined) => ({
    id: m.id,
    boxId: m.box_id,
    callId: m.call_id,
    ...(m.caller_number ? { callerNumber: m.caller_number } : {}),
    ...(m.caller_name ? { callerName: m.caller_name } : {}),
    receivedAt: new Date(Number(m.received_at)).toISOString(),
    durationMs: Number(m.duration_ms),
    status: m.status,
    ...(m.heard_at ? { heardAt: new Date(Number(m.heard_at)).toISOString() } : {}),
    ...(m.heard_by ? { heardBy: m.heard_by } : {}),
    ...(transcript !== undefined ? { transcript } : {}),
    transcriptStatus: m.transcript_status,
    emailStatus: m.email_status,
    ...(m.email_error ? { emailError: m.email_error } : {}),
    audioUrl: `/api/voicemail/${encodeURIComponent(m.id)}/audio`,
  });
  const transcriptText = async (m: VoicemailRow) => {
    const t = (await d.transcripts(m.call_id)).find((r) => r.source === 'voicemail');
    return t ? (JSON.parse(t.turns) as Turn[]).map((x) => x.text).join(' ') : undefined;
  };

  app.get<{ Querystring: { box?: string; limit: number } }>(
    '/api/voicemail',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { box: { type: 'string', maxLength: 128 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } } } } },
    async (req, reply) => {
      const config = d.config();
      let boxes = boxesFor(config, agentOf(req));
      if (req.query.box !== undefined) {
        if (!boxes.includes(req.query.box)) return reply.code(config.voicemail[req.query.box] ? 403 : 404).send({ error: `no voicemail box "${req.query.box}" of yours`, field: 'box' });
        boxes = [req.query.box];
      }
      const [rows, counts] = await Promise.all([d.messages(boxes, req.query.limit), d.messageCounts(boxes)]);
      return {
        boxes: boxes.map((id) => ({ id, ...(config.voicemail[id]?.name ? { name: config.voicemail[id]!.name } : {}), new: counts.get(id)?.new ?? 0, total: counts.get(id)?.total ?? 0 })),
        messages: await Promise.all(rows.map(async (m) => shape(m, await transcriptText(m)))),
      };
    },
  );

  const ownMessage = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const m = await d.message(req.params.id);
    if (!m) return { ok: false as const, status: 404, error: `no voicemail message ${req.params.id}` };
    if (!boxesFor(d.config(), agentOf(req)).includes(m.box_id)) return { ok: false as const, status: 403, error: 'the message is in a box that is not yours' };
    return { ok: true as const, m };
  };

  app.get<{ Params: { id: string } }>('/api/voicemail/:id/audio', async (req, reply) => {
    const r = await ownMessage(req);
    if (!r.ok) return reply.code(r.status).send({ error: r.error, field: 'id' });
    return reply.type('audio/wav').sendFile(path.basename(r.m.file), d.recordingsDir, { acceptRanges: true, cacheControl: false });
  });

  app.put<{ Params: { id: string }; Body: { status: 'heard' | 'new' } }>(
    '/api/voicemail/:id',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['heard', 'new'] } } } } },
    async (req, reply) => {
      const r = await ownMessage(req);
      if (!r.ok) return reply.code(r.status).send({ error: r.error, field: 'id' });
      const heard = req.body.status === 'heard';
      await d.updateMessage(r.m.id, heard ? { status: 'heard', heard_at: d.now(), heard_by: agentOf(req) ?? 'admin' } : { status: 'new', heard_at: null, heard_by: null });
      const m = (await d.message(r.m.id))!;
      return shape(m, await transcriptText(m));
    },
  );

  app.get<{ Querystring: { status?: string } }>(
    '/api/jobs',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: ['pending', 'running', 'done', 'failed'] } } } } },
    async (req) => ({
      jobs: d
        .jobs()
        .filter((j) => !req.query.status || j.status === req.query.status)
        .map((j) => ({ id: j.id, kind: j.kind, status: j.status, attempts: j.attempts, dueAt: new Date(j.dueAt).toISOString(), createdAt: new Date(j.createdAt).toISOString(), ...(j.lastError ? { lastError: j.lastError } : {}), ...(j.finishedAt ? { finishedAt: new Date(j.finishedAt).toISOString() } : {}) })),
    }),
  );

  app.post<{ Params: { id: string } }>('/api/jobs/:id/retry', async (req, reply) => {
    if (!(await d.job(req.params.id))) return reply.code(404).send({ error: `no job ${req.params.id}`, field: 'id' });
    if (!d.retryJob(req.params.id)) return reply.code(409).send({ error: 'the job is running or done', field: 'id' });
    return reply.code(202).send({ id: req.params.id, status: 'pending' });
  });
}
