/** The transcription rows' queries: voicemail counts per box in one pass, and the call log kept to what an agent may see by the query itself. */
import pino from 'pino';
import t from 'tap';
import { CallStore } from '../../../src/store/calls.js';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { TranscriptStore, type VoicemailRow } from '../../../src/store/transcripts.js';

t.test('voicemail counts per box, and calls an agent may see', async (t) => {
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const store = new TranscriptStore(db);
  const msg = (id: string, box: string, status: string): VoicemailRow => ({ id, box_id: box, call_id: id, caller_number: null, caller_name: null, received_at: 1, duration_ms: 1, file: `${id}.wav`, status, heard_at: null, heard_by: null, transcript_status: 'off', email_status: 'off', email_error: null, emailed_at: null });
  for (const m of [msg('a', 'general', 'new'), msg('b', 'general', 'heard'), msg('c', 'general', 'new'), msg('d', 'sales', 'heard'), msg('e', 'other', 'new')]) await store.addMessage(m);
  const counts = await store.messageCounts(['general', 'sales', 'empty']);
  t.same(Object.fromEntries(counts), { general: { new: 2, total: 3 }, sales: { new: 0, total: 1 } }, 'only the boxes asked, new and total each');
  t.same(await store.messageCounts([]), new Map());

  const calls = new CallStore(db, pino({ level: 'silent' }), { maxPending: 100, retryMs: 10, maxRetryMs: 10, onLost: () => undefined });
  t.teardown(() => calls.stop());
  // 1,200 newer calls of others, then alice's own and one of the queue she supervises: the query finds hers all the same.
  for (let i = 0; i < 1200; i++) calls.create({ id: `x${i}`, node_id: 'n', direction: 'inbound', arrived_at: 10_000 + i, agent_id: 'bob', queue_id: 'sales' });
  calls.create({ id: 'mine', node_id: 'n', direction: 'inbound', arrived_at: 5, agent_id: 'alice', queue_id: 'sales' });
  calls.create({ id: 'theirs', node_id: 'n', direction: 'inbound', arrived_at: 4, agent_id: 'carol', queue_id: 'support' });
  await calls.flush();
  t.same((await calls.list({ limit: 10, visibleTo: { agent: 'alice', queues: ['support'] } })).map((c) => c.id), ['mine', 'theirs']);
  t.same((await calls.list({ limit: 10, visibleTo: { agent: 'alice', queues: [] } })).map((c) => c.id), ['mine']);
  t.equal((await calls.list({ limit: 10 })).length, 10, 'an administrator: everyone\'s');
});
