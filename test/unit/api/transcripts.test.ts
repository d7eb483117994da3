/**
 * The transcript and voicemail API's refusals, each naming its field: a search
 * with no word, a voicemail status that is not one, a box or message that is
 * not the agent's, a job that does not exist or cannot be retried.
 */
import Fastify from 'fastify';
import t from 'tap';
import { registerTranscripts, type TranscriptApiDeps } from '../../../src/api/transcripts.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import type { VoicemailRow } from '../../../src/store/transcripts.js';

const config = (() => {
  const r = parseConfigTexts([{ file: 'a.yaml', text: `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }
agents:
  alice: { name: Alice, extension: "1001", sip: { username: "1001", password: pw1-long } }
  bob: { name: Bob, extension: "1002", sip: { username: "1002", password: pw2-long } }
queues:
  support: { members: [alice] }
voicemail:
  general: { queue: support }
  private: { agents: [bob] }
` }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
})();

const msg = (id: string, box: string): VoicemailRow => ({ id, box_id: box, call_id: id, caller_number: null, caller_name: null, received_at: 1, duration_ms: 1, file: `${id}.wav`, status: 'new', heard_at: null, heard_by: null, transcript_status: 'off', email_status: 'off', email_error: null, emailed_at: null });

t.test('refusals name the field', async (t) => {
  const messages = new Map([['m1', msg('m1', 'general')], ['m2', msg('m2', 'private')]]);
  const updated: string[] = [];
  const d: TranscriptApiDeps = {
    config: () => config,
    view: async (callId) => ({ callId, pending: false, transcripts: [] }),
    call: async () => undefined,
    list: async () => [],
    recordings: async () => [],
    search: async () => [],
    messages: async (boxes) => [...messages.values()].filter((m) => boxes.includes(m.box_id)),
    messageCounts: async () => new Map(),
    message: async (id) => messages.get(id),
    updateMessage: async (id) => void updated.push(id),
    transcripts: async () => [],
    jobs: () => [{ id: 'j1', kind: 'email-voicemail', status: 'running', attempts: 1, dueAt: 0, createdAt: 0 }],
    job: async (id) => (id === 'j1' ? { id, kind: 'email-voicemail', status: 'running', attempts: 1, due_at: 0, created_at: 0, finished_at: null, last_error: null, payload: '{}' } : undefined),
    retryJob: () => false,
    recordingsDir: '/nonexistent',
    now: () => 5,
  };
  const app = Fastify();
  let caller: { kind: 'admin' } | { kind: 'agent'; agentId: string } = { kind: 'agent', agentId: 'alice' };
  app.addHook('onRequest', async (req) => void ((req as unknown as { caller: typeof caller }).caller = caller));
  registerTranscripts(app, d);

  const search = await app.inject({ method: 'GET', url: '/api/calls?text=%21%3F' });
  t.equal(search.statusCode, 400, 'punctuation only is no word');
  t.match(search.json(), { field: 'text' });
  t.equal((await app.inject({ method: 'GET', url: `/api/calls?text=${'a'.repeat(201)}` })).statusCode, 400, 'too long');
  const bad = await app.inject({ method: 'PUT', url: '/api/voicemail/m1', payload: { status: 'deleted' } });
  t.equal(bad.statusCode, 400, 'a status that is not heard or new');
  t.match(bad.body, /status/);
  t.same(updated, [], 'nothing changed by a refused body');
  t.match((await app.inject({ method: 'PUT', url: '/api/voicemail/m2', payload: { status: 'heard' } })).json(), { field: 'id' }, "another's box: refused");
  t.equal((await app.inject({ method: 'PUT', url: '/api/voicemail/m2', payload: { status: 'heard' } })).statusCode, 403);
  t.equal((await app.inject({ method: 'GET', url: '/api/voicemail/m2/audio' })).statusCode, 403, "another's message is not played");
  t.equal((await app.inject({ method: 'PUT', url: '/api/voicemail/nope', payload: { status: 'heard' } })).statusCode, 404);
  const box = await app.inject({ method: 'GET', url: '/api/voicemail?box=private' });
  t.equal(box.statusCode, 403);
  t.match(box.json(), { field: 'box' });
  t.equal((await app.inject({ method: 'GET', url: '/api/voicemail?box=nowhere' })).statusCode, 404);
  t.same((await app.inject({ method: 'GET', url: '/api/voicemail' })).json().messages.map((m: { id: string }) => m.id), ['m1'], 'the box of her queue only');
  t.equal((await app.inject({ method: 'PUT', url: '/api/voicemail/m1', payload: { status: 'heard' } })).statusCode, 200);
  t.same(updated, ['m1']);

  caller = { kind: 'admin' };
  t.match((await app.inject({ method: 'POST', url: '/api/jobs/nope/retry' })).json(), { field: 'id' });
  t.equal((await app.inject({ method: 'POST', url: '/api/jobs/nope/retry' })).statusCode, 404, 'an unknown job');
  t.equal((await app.inject({ method: 'POST', url: '/api/jobs/j1/retry' })).statusCode, 409, 'a running job is not retried');
  t.equal((await app.inject({ method: 'GET', url: '/api/jobs?status=lost' })).statusCode, 400, 'an unknown status');
});
