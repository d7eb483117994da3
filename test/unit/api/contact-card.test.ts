/**
 * The contact card: properties imported from CSV (named by the header row)
 * and set by the agent on the call, the caller's earlier calls with the
 * agent's disposition and notes, the IVR's data; another agent's call is
 * refused, and so is a property name that is not one.
 */
import Fastify from 'fastify';
import pino from 'pino';
import t from 'tap';
import { registerContactCard } from '../../../src/api/contact-card.js';
import { CallStore } from '../../../src/store/calls.js';
import { ContactStore, parseContactsCsv } from '../../../src/store/contacts.js';
import { migrate, openSqlite } from '../../../src/store/db.js';

t.test('CSV columns after company are properties, named by the header; bad rows reported by number', async (t) => {
  const { rows, problems } = parseContactsCsv('number,name,company,plan,account manager\n+15551234,Dana Scully,FBI,gold,Mulder\n+15550000,Fox,,,\n12,Short,,\n+15559999,Too,many,columns,x,y\n');
  t.same(rows, [
    { number: '+15551234', name: 'Dana Scully', company: 'FBI', properties: { plan: 'gold', 'account manager': 'Mulder' } },
    { number: '+15550000', name: 'Fox' },
  ]);
  t.same(problems.map((p) => p.row), [4, 5]);
  t.match(problems[1]!.message, /expected number,name\[,company\],plan,account manager, got 6 columns/);
});

t.test('the card of a call: contact, properties, history, data; set by the agent who handled it', async (t) => {
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const calls = new CallStore(db, pino({ level: 'silent' }));
  const contacts = new ContactStore(db);
  await contacts.import(parseContactsCsv('number,name,company,plan\n+15551234,Dana Scully,FBI,gold\n').rows);
  calls.create({ id: 'old', node_id: 'n', direction: 'inbound', arrived_at: 1000, caller_number: '15551234', queue_id: 'support', agent_id: 'a2', talk_ms: 60_000 });
  calls.create({ id: 'now', node_id: 'n', direction: 'inbound', arrived_at: 5000, caller_number: '+15551234', caller_name: 'DANA', queue_id: 'support', agent_id: 'a1' });
  calls.create({ id: 'stranger', node_id: 'n', direction: 'inbound', arrived_at: 6000, caller_number: '+15557777', caller_name: 'Walter', agent_id: 'a1' });
  calls.event('now', 5001, 'ivr-end', { flow: 'main', variables: { account: '12345678', lang: 'en' } });
  await calls.flush();
  await db.insertInto('call_work').values({ call_id: 'old', agent_id: 'a2', queue_id: 'support', disposition: 'callback', notes: 'asked about the invoice', tags: null, required: 0, wrap_up_ms: null, script: null, updated_at: 2000 }).execute();
  await db.insertInto('recordings').values({ id: 'old-1', call_id: 'old', segment: 1, agent_id: 'a2', queue_id: 'support', file: 'old-1.wav', started_at: 1000, ended_at: 2000, status: 'done', error: null, expires_at: null, deleted_at: null }).execute();

  const app = Fastify();
  let caller: { kind: 'admin' } | { kind: 'agent'; agentId: string } = { kind: 'agent', agentId: 'a1' };
  app.addHook('onRequest', async (req) => void ((req as unknown as { caller: typeof caller }).caller = caller));
  const handledBy: Record<string, string> = { old: 'a2', now: 'a1', stranger: 'a1' };
  registerContactCard(app, { contacts, calls, handled: async (callId, agentId) => (handledBy[callId] === agentId ? {} : 'not-theirs') });

  const card = (await app.inject({ url: '/api/calls/now/contact' })).json();
  t.match(card, { known: true, contact: { number: '+15551234', name: 'Dana Scully', company: 'FBI', properties: { plan: 'gold' } }, data: { account: '12345678', lang: 'en' } });
  t.same(card.history, [{ id: 'old', arrivedAt: 1000, direction: 'inbound', queueId: 'support', agentId: 'a2', outcome: null, talkMs: 60_000, disposition: 'callback', notes: 'asked about the invoice', recordings: ['old-1'] }], 'earlier calls (the number written without +), with disposition, notes and recordings');

  const set = await app.inject({ method: 'PUT', url: '/api/calls/now/contact', payload: { properties: { plan: 'platinum', 'preferred time': 'mornings' } } });
  t.same(set.json().contact.properties, { plan: 'platinum', 'preferred time': 'mornings' });
  t.same((await contacts.card('+15551234'))?.properties, { plan: 'platinum', 'preferred time': 'mornings' }, 'stored');
  await app.inject({ method: 'PUT', url: '/api/calls/now/contact', payload: { properties: { 'preferred time': '' } } });
  t.same((await contacts.card('+15551234'))?.properties, { plan: 'platinum' }, 'an empty value removes a property');
  t.equal((await app.inject({ method: 'PUT', url: '/api/calls/now/contact', payload: { properties: { '1bad': 'x' } } })).statusCode, 400, 'a property name must start with a letter');
  t.equal((await app.inject({ method: 'PUT', url: '/api/calls/now/contact', payload: { properties: { plan: 'x'.repeat(501) } } })).statusCode, 400, 'values up to 500 characters');

  const unknown = (await app.inject({ url: '/api/calls/stranger/contact' })).json();
  t.match(unknown, { known: false, contact: { number: '+15557777', name: 'Walter', properties: {} } });
  await app.inject({ method: 'PUT', url: '/api/calls/stranger/contact', payload: { properties: { note: 'first call' } } });
  t.match(await contacts.card('+15557777'), { name: 'Walter', properties: { note: 'first call' } }, 'a caller not yet a contact becomes one');

  t.equal((await app.inject({ url: '/api/calls/old/contact' })).statusCode, 403, "another agent's call");
  t.equal((await app.inject({ url: '/api/calls/nope/contact' })).statusCode, 404);
  caller = { kind: 'admin' };
  t.equal((await app.inject({ url: '/api/calls/old/contact' })).statusCode, 200, 'the administrator may');
});
