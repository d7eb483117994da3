/**
 * The campaign API over an in-memory database, with the runner's calls going
 * to a recording stand-in for the outbound dialer: lists and CSV rows,
 * do-not-call lists, refusals that name the field, the life cycle, and a
 * progressive campaign whose calls end every way a call can.
 */
import Fastify from 'fastify';
import pino from 'pino';
import t from 'tap';
import { registerCampaigns } from '../../../src/api/campaigns.js';
import { CampaignRunner } from '../../../src/app/campaigns/runner.js';
import type { LiveEvent } from '../../../src/app/calls/state.js';
import type { OriginateRequest } from '../../../src/app/outbound.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import type { Router } from '../../../src/core/acd/router.js';
import { CampaignStore } from '../../../src/store/campaigns.js';
import { migrate, openSqlite } from '../../../src/store/db.js';

const config = (() => {
  const r = parseConfigTexts([{ file: 'a.yaml', text: `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }
agents:
  alice: { name: Alice, extension: "1001", sip: { username: "1001", password: pw1-long } }
queues:
  sales: { members: [alice] }
trunks:
  carrier: { uri: "sip:gw.example:5060" }
` }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
})();

const HOURS = { mon: ['00:00-24:00'], tue: ['00:00-24:00'], wed: ['00:00-24:00'], thu: ['00:00-24:00'], fri: ['00:00-24:00'], sat: ['00:00-24:00'], sun: ['00:00-24:00'] };

t.test('lists, DNC, refusals, life cycle, and a progressive campaign through every outcome', async (t) => {
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const store = new CampaignStore(db);
  const placed: OriginateRequest[] = [];
  const live: LiveEvent[] = [];
  const listeners: ((e: LiveEvent) => void)[] = [];
  let agentStatus = 'ready';
  const router = { agentView: (id: string) => (id === 'alice' ? { agentId: id, status: agentStatus, queues: [{ queueId: 'sales', tier: 1 }] } : undefined), poolFor: () => ({ offered: [], waiting: [] }) } as unknown as Router;
  const runner = new CampaignRunner({ store, originate: (req) => (placed.push(req), { id: req.id! }), cancel: () => true, router: () => router, config: () => config, emit: (e) => live.push(e), onLive: (l) => listeners.push(l), log: pino({ level: 'silent' }), now: Date.now });
  await runner.start();
  t.teardown(() => runner.stop());
  const app = Fastify();
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_r, body, done) => done(null, body));
  registerCampaigns(app, { store, runner: () => runner, config: () => config, log: pino({ level: 'silent' }), now: Date.now });
  const call = async (method: string, url: string, payload?: unknown, csv = false) => {
    const res = await app.inject({ method: method as 'GET', url, ...(payload !== undefined ? { payload: payload as string, headers: { 'content-type': csv ? 'text/csv' : 'application/json' } } : {}) });
    return { status: res.statusCode, json: res.json() as Record<string, unknown> & { problems?: unknown[] } };
  };

  const list = (await call('POST', '/api/lists', { name: 'December' })).json.id as string;
  const csv = 'phone,name,tz,balance\n+12125550101,Ann,,120\n2125550102,Bob,America/New_York,80\nnot-a-number,Cy,,1\n+12125550103,Dee,Mars/Base,5\n+12125550104,Eve\n+12125550105,Fay,,9\n+12125550106,Gus,,3\n';
  const imported = await call('POST', `/api/lists/${list}/contacts?number=phone&name=name&timeZone=tz&country=US`, csv, true);
  t.equal(imported.json.imported, 4, 'the good rows import');
  t.same(imported.json.problems, [
    { row: 3, message: 'phone: "not-a-number" is not a valid phone number' },
    { row: 4, message: 'tz: "Mars/Base" is not a time zone (like America/Chicago)' },
    { row: 5, message: 'expected 4 columns (phone,name,tz,balance), got 2' },
  ], 'the bad ones by row number');
  t.match((await call('POST', `/api/lists/${list}/contacts?number=tel`, csv, true)).json.problems, [{ row: 0, message: /mapping.number: no column "tel"/ }]);

  const dnc = (await call('POST', '/api/dnc-lists', { name: 'Internal' })).json.id as string;
  t.match(await call('POST', `/api/dnc-lists/${dnc}/numbers`, { numbers: ['+12125550105', 'nope'] }), { status: 200, json: { added: 1, problems: [{ row: 2 }] } });

  const base = { name: 'Renewals', lists: [list], dncList: dnc, mode: 'progressive', queue: 'sales', hours: HOURS, retryMinutes: 0, maxAttempts: 2, record: true };
  const badOne = await call('POST', '/api/campaigns', { ...base, queue: 'nowhere', hours: {}, priority: 7 });
  t.equal(badOne.status, 400);
  t.same(badOne.json.problems, ['priority: must be a whole number from 1 to 5', 'queue: no queue "nowhere" is defined', 'hours: no contactable hours on any weekday'], 'each problem names its field');
  t.equal(badOne.json.field, 'priority');
  const badCodes = await call('POST', '/api/campaigns', { ...base, dispositions: { codes: [{ code: 'sale', label: 'Sale', outcome: 'sold' }, { code: 'x' }] } });
  t.equal(badCodes.status, 400);
  t.same(badCodes.json.problems, ['dispositions.codes.0.outcome: must be one of: done, retry, do-not-call', 'dispositions.codes.1.label: is required'], "the campaign's dispositions: each bad code by its place");
  t.same((await call('POST', '/api/campaigns', { ...base, dispositions: { codes: [{ code: 'a', label: 'A' }, { code: 'a', label: 'B' }] } })).json.problems, ['dispositions.codes: "a" is listed twice']);
  const made = await call('POST', '/api/campaigns', base);
  t.equal(made.status, 201);
  const id = made.json.id as string;
  t.equal(made.json.status, 'ready');

  agentStatus = 'on-call';
  t.match(await call('POST', `/api/campaigns/${id}/run`), { status: 200, json: { status: 'active', progress: { contacts: { pool: 3, dnc: 1 } } } }, 'run: the DNC number is scrubbed at once');
  t.match(await call('PUT', `/api/campaigns/${id}`, { ...base, name: 'Renamed' }), { status: 409, json: { error: /active campaign cannot be edited/ } }, 'no edits while active');
  t.match(await call('POST', `/api/campaigns/${id}/run`), { status: 409, json: { error: 'the campaign is already active' } });

  // Alice becomes free: one call for her; the callee is busy, then the next contact answers as a human.
  agentStatus = 'ready';
  await new Promise((r) => setTimeout(r, 1_200));
  t.equal(placed.length, 1, 'one call for the one free agent');
  t.match(placed[0], { to: 'sip:%2B12125550101@gw.example:5060', number: '+12125550101', ringSeconds: 25 });
  placed[0]!.campaign!.ended('busy');
  await new Promise((r) => setTimeout(r, 1_100));
  t.equal(placed.length, 2, 'the next contact, for the same agent');
  t.match(placed[1], { number: '+12125550102' });
  const plan = placed[1]!.campaign!.answered(true);
  t.match(plan, { target: { queue: 'sales', priority: -1 }, variables: { campaign: 'Renewals', contactName: 'Bob' }, modes: { recording: 'auto' } }, 'a human goes to the queue behind inbound callers, with the contact for the agent, recorded (record: true)');
  placed[1]!.campaign!.ended('connected');
  agentStatus = 'on-call';
  for (const l of listeners) l({ kind: 'call', callId: placed[1]!.id!, type: 'ended', at: Date.now() });
  const attempts = (await call('GET', `/api/campaigns/${id}/attempts`)).json.attempts as { number: string; outcome: string }[];
  t.same(attempts.map((a) => `${a.number} ${a.outcome}`).sort(), ['+12125550101 busy', '+12125550102 connected', '+12125550105 dnc'], 'every attempt stored');
  t.ok(live.some((e) => e.kind === 'campaign' && e.type === 'attempt'), 'attempts go out on the live stream');
  // The agent's disposition says the customer asked not to be called again: onto the campaign's DNC list.
  for (const l of listeners) l({ kind: 'call', callId: placed[1]!.id!, type: 'disposition', at: Date.now(), data: { outcome: 'do-not-call' } });
  await new Promise((r) => setTimeout(r, 100));
  t.same((await call('GET', `/api/dnc-lists/${dnc}/numbers`)).json.numbers, ['+12125550102', '+12125550105'], 'a do-not-call disposition puts the number on the list');
  t.match(await call('GET', `/api/campaigns/${id}`), { json: { progress: { contacts: { dnc: 2 } } } });
  // A flow that sets doNotCall does the same (an agentless campaign's DNC key); here for the busy contact's next call.
  await new Promise((r) => setTimeout(r, 1_100));
  agentStatus = 'ready';
  await new Promise((r) => setTimeout(r, 1_100));
  const third = placed[placed.length - 1]!;
  t.not(third.id, placed[1]!.id, 'a third call');
  third.campaign!.answered(true);
  third.campaign!.ended('connected');
  for (const l of listeners) l({ kind: 'call', callId: third.id!, type: 'ivr-end', at: Date.now(), data: { variables: { doNotCall: 'yes' } } });
  agentStatus = 'on-call';
  for (const l of listeners) l({ kind: 'call', callId: third.id!, type: 'ended', at: Date.now() });
  await new Promise((r) => setTimeout(r, 100));
  t.ok(((await call('GET', `/api/dnc-lists/${dnc}/numbers`)).json.numbers as string[]).includes(third.number!), `the flow's doNotCall put ${third.number} on the list`);
  t.match(await call('POST', `/api/campaigns/${id}/pause`), { json: { status: 'paused' } });
  t.match(await call('PUT', `/api/campaigns/${id}`, { ...base, mode: 'predictive' }), { status: 409, json: { field: 'mode', error: /cannot change once the campaign has run/ } });
  t.match(await call('PUT', `/api/campaigns/${id}`, { ...base, name: 'Renewals Q1', priority: 4 }), { status: 200, json: { settings: { name: 'Renewals Q1', priority: 4 } } }, 'a paused campaign takes other edits');
  t.match(await call('POST', `/api/campaigns/${id}/clone`), { status: 201, json: { status: 'ready', settings: { name: 'Renewals Q1 (copy)' } } });
  t.match(await call('DELETE', `/api/lists/${list}`), { status: 409 }, 'a list in use stays');
});

t.test("a supervisor: the campaigns of the queues they supervise, the lists, and not an administrator's deletions", async (t) => {
  const r = parseConfigTexts([{ file: 'a.yaml', text: `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }
agents:
  alice: { name: Alice, extension: "1001", sip: { username: "1001", password: pw1-long } }
  bob: { name: Bob, extension: "1002", sip: { username: "1002", password: pw2-long } }
  sam: { name: Sam, extension: "1009", sip: { username: "1009", password: pw9-long }, supervises: [sales] }
queues:
  sales: { members: [alice] }
  support: { members: [bob] }
ivr:
  survey: { entry: bye, steps: { bye: { type: route, to: { hangup: true } } } }
trunks:
  carrier: { uri: "sip:gw.example:5060" }
` }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const cfg = r.config;
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const store = new CampaignStore(db);
  const router = { agentView: () => undefined, poolFor: () => ({ offered: [], waiting: [] }) } as unknown as Router;
  const runner = new CampaignRunner({ store, originate: (req) => ({ id: req.id! }), cancel: () => true, router: () => router, config: () => cfg, emit: () => undefined, onLive: () => undefined, log: pino({ level: 'silent' }), now: Date.now });
  await runner.start();
  t.teardown(() => runner.stop());
  const app = Fastify();
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_r, body, done) => done(null, body));
  // The sign-in gate's work, as src/api/http.ts does it: who is calling.
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (req) => {
    const who = req.headers['x-agent'];
    (req as unknown as { caller: unknown }).caller = typeof who === 'string' ? { kind: 'agent', agentId: who } : { kind: 'admin' };
  });
  registerCampaigns(app, { store, runner: () => runner, config: () => cfg, log: pino({ level: 'silent' }), now: Date.now });
  const call = async (method: string, url: string, payload?: unknown, agent?: string) => {
    const res = await app.inject({ method: method as 'GET', url, headers: { ...(agent ? { 'x-agent': agent } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { payload: payload as string } : {}) });
    return { status: res.statusCode, json: res.json() as Record<string, unknown> };
  };
  const list = (await call('POST', '/api/lists', { name: 'Leads' }, 'sam')).json.id as string;
  t.ok(list, 'a supervisor creates a contact list');
  const csv = await app.inject({ method: 'POST', url: `/api/lists/${list}/contacts`, headers: { 'x-agent': 'sam', 'content-type': 'text/csv' }, payload: 'number\n+12125550101\n+12125550102\n' });
  t.match(csv.json(), { imported: 2 }, 'and imports its contacts');
  const dnc = (await call('POST', '/api/dnc-lists', { name: 'Theirs' }, 'sam')).json.id as string;
  t.match(await call('POST', `/api/dnc-lists/${dnc}/numbers`, { numbers: ['+12125550101'] }, 'sam'), { status: 200, json: { added: 1 } }, 'and adds to a do-not-call list');
  const base = { lists: [list], mode: 'progressive', hours: HOURS };
  const mine = await call('POST', '/api/campaigns', { ...base, name: 'Sales push', queue: 'sales' }, 'sam');
  t.equal(mine.status, 201, "a campaign on the supervisor's queue");
  t.match(await call('POST', '/api/campaigns', { ...base, name: 'Support survey', queue: 'support' }, 'sam'), { status: 403, json: { field: 'queue', error: 'queue support is not one you supervise' } });
  t.match(await call('POST', '/api/campaigns', { ...base, name: 'Robocall', mode: 'agentless', flow: 'survey' }, 'sam'), { status: 403, json: { field: 'flow' } }, 'an agentless campaign is for administrators');
  const theirs = (await call('POST', '/api/campaigns', { ...base, name: 'Support survey', queue: 'support' })).json.id as string;
  t.same(((await call('GET', '/api/campaigns', undefined, 'sam')).json.campaigns as { id: string }[]).map((c) => c.id), [mine.json.id], "the supervisor's list: their queue's campaign only");
  t.equal(((await call('GET', '/api/campaigns')).json.campaigns as unknown[]).length, 2, 'the administrator sees both');
  for (const [m, u] of [['GET', ''], ['PUT', ''], ['POST', '/run'], ['POST', '/clone'], ['GET', '/attempts'], ['DELETE', '']] as const) {
    t.equal((await call(m, `/api/campaigns/${theirs}${u}`, m === 'PUT' ? { ...base, name: 'x', queue: 'sales' } : undefined, 'sam')).status, 404, `${m} ${u || 'the campaign'}: another queue's campaign is not there for them`);
  }
  t.match(await call('POST', `/api/campaigns/${mine.json.id}/run`, undefined, 'sam'), { status: 200, json: { status: 'active' } }, 'they run their own');
  t.match(await call('POST', `/api/campaigns/${mine.json.id}/pause`, undefined, 'sam'), { status: 200, json: { status: 'paused' } }, 'and pause it');
  t.match(await call('PUT', `/api/campaigns/${mine.json.id}`, { ...base, name: 'Sales push', queue: 'support' }, 'sam'), { status: 403, json: { field: 'queue' } }, 'nor move it to a queue of others');
  t.equal((await call('DELETE', `/api/dnc-lists/${dnc}/numbers/%2B12125550101`, undefined, 'sam')).status, 403, 'taking a number off a do-not-call list is for administrators');
  t.equal((await call('DELETE', `/api/lists/${list}`, undefined, 'sam')).status, 403, 'so is deleting a list');
  t.match(await call('GET', '/api/campaigns', undefined, 'alice'), { status: 403, json: { error: /for supervisors/ } }, 'an agent who supervises nothing: no campaigns');
  t.equal((await call('GET', '/api/lists', undefined, 'bob')).status, 403, 'nor lists');
});

t.test('the person the dialer meant for one agent goes to another: the first is dialed for again at the next tick, not left stranded', async (t) => {
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const store = new CampaignStore(db);
  const placed: OriginateRequest[] = [];
  // The router keeps alice Ready throughout: the person went to somebody else.
  const router = { agentView: (id: string) => (id === 'alice' ? { agentId: id, status: 'ready', queues: [{ queueId: 'sales', tier: 1 }] } : undefined), poolFor: () => ({ offered: [], waiting: [] }) } as unknown as Router;
  const runner = new CampaignRunner({ store, originate: (req) => (placed.push(req), { id: req.id! }), cancel: () => true, router: () => router, config: () => config, emit: () => undefined, onLive: () => undefined, log: pino({ level: 'silent' }), now: Date.now });
  const listId = await store.createList('L', Date.now());
  await store.addContacts(listId, ['+12125550101', '+12125550102'].map((number, i) => ({ row: i + 1, number, zones: ['UTC'], properties: {} })));
  const id = 'c1';
  await store.putCampaign(id, 'C', { name: 'C', lists: [listId], mode: 'progressive', queue: 'sales', hours: Object.fromEntries(Object.entries(HOURS)), priority: 5, order: 'list', maxAttempts: 1, retryMinutes: 0, ringSeconds: 25, timeZone: 'UTC', amd: { enabled: false }, onMachine: 'hangup', record: false, lines: 2, abandonCap: 0.03, previewSeconds: 30, maxSkips: 3 }, Date.now());
  await runner.start();
  t.teardown(() => runner.stop());
  t.equal(await runner.act(id, 'run'), undefined);
  await new Promise((r) => setTimeout(r, 1_100));
  t.equal(placed.length, 1, 'one call for alice');
  placed[0]!.campaign!.answered(true);
  placed[0]!.campaign!.ended('connected');
  await new Promise((r) => setTimeout(r, 2_200));
  t.equal(placed.length, 2, 'alice is still Ready in the router: the next contact is dialed for her');
});
