import t from 'tap';
import pino from 'pino';
import { agentMayCall, identify } from '../../../src/api/auth.js';
import { sameSecret } from '../../../src/sip/digest.js';
import { buildApi, type ApiDeps } from '../../../src/api/http.js';
import { SignIn } from '../../../src/app/sign-in.js';
import { SessionStore } from '../../../src/store/sessions.js';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';

const u = (path: string) => new URL(path, 'http://localhost');
const basic = (user: string, p: string) => `Basic ${Buffer.from(`${user}:${p}`).toString('base64')}`;

function config(alicePassword = 'pw1-long'): Config {
  const r = parseConfigTexts([
    {
      file: 'a.yaml',
      text: `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }], security: { maxFailures: 3 } }\ndaemon: { http: { sessionHours: 1 } }\nagents:\n  alice: { name: Alice, extension: "1001", sip: { username: "1001", password: ${alicePassword} } }\n  bob: { name: Bob, extension: "1002", sip: { username: "1002", password: pw2-long } }\n`,
    },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

t.test('identify: the admin token, an agent session, or nobody', async (t) => {
  const session = async (token: string) => (token === 'session-of-alice' ? 'alice' : undefined);
  const d = { token: 'admin-secret', session };
  t.same(await identify(u('/api/queues'), 'Bearer admin-secret', d), { kind: 'admin' });
  t.same(await identify(u('/api/events?token=admin-secret'), undefined, d), { kind: 'admin' }, 'token in the query (WebSocket)');
  t.same(await identify(u('/api/me'), 'Bearer session-of-alice', d), { kind: 'agent', agentId: 'alice' });
  t.same(await identify(u('/api/events?agent=alice&token=session-of-alice'), undefined, d), { kind: 'agent', agentId: 'alice' }, 'a session in the query (WebSocket)');
  t.equal(await identify(u('/api/me'), basic('1001', 'pw1-long'), d), undefined, 'SIP credentials open nothing but the sign-in');
  t.equal(await identify(u('/api/queues'), 'Bearer wrong', d), undefined);
  t.equal(await identify(u('/api/queues'), undefined, d), undefined);
  t.same(await identify(u('/api/queues'), undefined, { session }), { kind: 'admin' }, 'no token configured: open');
  t.same(await identify(u('/api/me'), 'Bearer session-of-alice', { session }), { kind: 'agent', agentId: 'alice' }, 'agents are still told apart without a token');
  t.ok(sameSecret('a', 'a'));
  t.notOk(sameSecret('a', 'ab'));
});

t.test('agentMayCall: only their own part of the API', async (t) => {
  t.ok(agentMayCall('alice', 'GET', u('/api/me')));
  t.ok(agentMayCall('alice', 'DELETE', u('/api/sessions/current')), 'signing out');
  t.ok(agentMayCall('alice', 'PUT', u('/api/agents/alice/presence')));
  t.ok(agentMayCall('alice', 'GET', u('/api/agents/alice')));
  t.ok(agentMayCall('alice', 'POST', u('/api/agents/alice/take/c1')));
  t.ok(agentMayCall('alice', 'GET', u('/api/queues/support')));
  t.ok(agentMayCall('alice', 'GET', u('/api/events?agent=alice')));
  t.notOk(agentMayCall('alice', 'PUT', u('/api/agents/bob/presence')), "another agent's presence");
  t.notOk(agentMayCall('alice', 'GET', u('/api/agents/alicex')), 'a prefix of an id is not the id');
  t.notOk(agentMayCall('alice', 'GET', u('/api/agents')), 'the list of all agents');
  t.ok(agentMayCall('alice', 'GET', u('/api/calls')), 'call records: the handler keeps them to their own calls and queues');
  t.notOk(agentMayCall('alice', 'GET', u('/api/jobs')), 'background work');
  t.notOk(agentMayCall('alice', 'DELETE', u('/api/voicemail/vm-1')), 'deleting voicemail');
  t.notOk(agentMayCall('alice', 'POST', u('/api/calls')), 'placing calls');
  t.notOk(agentMayCall('alice', 'GET', u('/api/events')), 'every live event');
  t.notOk(agentMayCall('alice', 'GET', u('/api/events?agent=bob')));
});

t.test('the API applies it, and serves the desk', async (t) => {
  const view = (id: string) => ({ agentId: id, status: 'ready', presence: 'ready' });
  const router = { agents: new Map([['alice', {}], ['bob', {}]]), agentView: view, queues: new Map(), calls: new Map() };
  const actions: unknown[] = [];
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  let now = Date.UTC(2026, 11, 1, 9);
  let current = config();
  const signIn = new SignIn(new SessionStore(db), () => current, pino({ level: 'silent' }), () => now);
  const deps = {
    log: pino({ level: 'silent' }),
    health: () => [],
    router: () => router,
    agentAction: (e: unknown) => actions.push(e),
    breakReasons: () => ['lunch'],
    token: 'admin-secret',
    sessions: {
      signIn: (u: string, p: string, src: string) => signIn.signIn(u, p, src),
      signOut: (tok: string) => signIn.signOut(tok),
      revokeAgent: (id: string) => signIn.revokeAgent(id),
      agentOf: (tok: string) => signIn.agentOf(tok),
    },
    agentProfile: (id: string) => ({ id, name: id === 'alice' ? 'Alice' : 'Bob' }),
    desk: () => ({ domain: 'pbx.test', websockets: [{ secure: false, port: 8088 }] }),
    security: { bans: () => [], unban: () => false },
  } as unknown as ApiDeps;
  const app = await buildApi(deps);
  t.teardown(() => app.close());

  const opened = await app.inject({ method: 'POST', url: '/api/sessions', headers: { authorization: basic('1001', 'pw1-long') } });
  t.equal(opened.statusCode, 201, 'signing in with the SIP credentials opens a session');
  const { token, expiresAt } = opened.json() as { token: string; expiresAt: string };
  t.equal(expiresAt, new Date(now + 3_600_000).toISOString(), 'for sessionHours');
  const bearer = `Bearer ${token}`;
  const me = await app.inject({ url: '/api/me', headers: { authorization: bearer } });
  t.equal(me.statusCode, 200);
  t.match(me.json(), { id: 'alice', name: 'Alice', status: 'ready', breakReasons: ['lunch'] });
  t.equal((await app.inject({ url: '/api/me', headers: { authorization: 'Bearer admin-secret' } })).statusCode, 401, '/api/me is for agents');
  t.equal((await app.inject({ url: '/api/me' })).statusCode, 401);

  t.equal((await app.inject({ url: '/api/me', headers: { authorization: basic('1001', 'pw1-long') } })).statusCode, 401, 'the SIP credentials themselves open nothing else');
  const own = await app.inject({ method: 'PUT', url: '/api/agents/alice/presence', headers: { authorization: bearer }, payload: { presence: 'standby' } });
  t.equal(own.statusCode, 200, 'an agent sets their own presence');
  const other = await app.inject({ method: 'PUT', url: '/api/agents/bob/presence', headers: { authorization: bearer }, payload: { presence: 'offline' } });
  t.equal(other.statusCode, 403, "but not a colleague's");
  t.same(actions, [{ type: 'agent-presence', agentId: 'alice', presence: 'standby' }], 'only the allowed change reached the router');
  t.equal((await app.inject({ method: 'PUT', url: '/api/agents/bob/presence', headers: { authorization: 'Bearer admin-secret' }, payload: { presence: 'offline' } })).statusCode, 200, 'the administrator may');

  const page = await app.inject({ url: '/desk/' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /<title>Agent desk<\/title>/);
  t.equal((await app.inject({ url: '/desk/vendor/sip.js/index.js' })).statusCode, 200, 'SIP.js is served next to it');
  t.same((await app.inject({ url: '/desk/settings.json' })).json(), { domain: 'pbx.test', websockets: [{ secure: false, port: 8088 }] });

  // Sessions end: at their expiry, on sign-out, when revoked, when the password changes.
  now += 3_600_001;
  t.equal((await app.inject({ url: '/api/me', headers: { authorization: bearer } })).statusCode, 401, 'an expired session opens nothing');
  const open = async (user = '1001', pw = 'pw1-long') => `Bearer ${((await app.inject({ method: 'POST', url: '/api/sessions', payload: { username: user, password: pw } })).json() as { token: string }).token}`;
  const second = await open();
  t.equal((await app.inject({ url: '/api/me', headers: { authorization: second } })).statusCode, 200, 'signed in again (JSON body)');
  t.equal((await app.inject({ method: 'DELETE', url: '/api/sessions/current', headers: { authorization: second } })).statusCode, 200);
  t.equal((await app.inject({ url: '/api/me', headers: { authorization: second } })).statusCode, 401, 'signed out');
  const third = await open();
  const fourth = await open();
  const revoked = await app.inject({ method: 'DELETE', url: '/api/agents/alice/sessions', headers: { authorization: 'Bearer admin-secret' } });
  t.same(revoked.json(), { revoked: 2 }, 'the administrator revokes every session of the agent');
  for (const s of [third, fourth]) t.equal((await app.inject({ url: '/api/me', headers: { authorization: s } })).statusCode, 401);
  const fifth = await open();
  current = config('a-new-password');
  t.equal((await app.inject({ url: '/api/me', headers: { authorization: fifth } })).statusCode, 401, 'a changed password ends the sessions opened with the old one');

  // Guessing: wrong passwords from one address are banned after security.maxFailures.
  const guess = () => app.inject({ method: 'POST', url: '/api/sessions', headers: { authorization: basic('1002', 'guess') } });
  t.same([(await guess()).statusCode, (await guess()).statusCode, (await guess()).statusCode], [401, 401, 401], 'three wrong guesses');
  const banned = await app.inject({ method: 'POST', url: '/api/sessions', headers: { authorization: basic('1002', 'pw2-long') } });
  t.equal(banned.statusCode, 429, 'then even the right password is refused from that address');
  t.ok(Number(banned.headers['retry-after']) > 0, 'with Retry-After');
  t.equal((await app.inject({ method: 'POST', url: '/api/sessions', payload: { username: 'x' } })).statusCode, 400, 'a body without a password names the field');
});
