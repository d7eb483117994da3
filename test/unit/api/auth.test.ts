import t from 'tap';
import pino from 'pino';
import { agentMayCall, identify } from '../../../src/api/auth.js';
import { sameSecret } from '../../../src/sip/digest.js';
import { buildApi, type ApiDeps } from '../../../src/api/http.js';

const u = (path: string) => new URL(path, 'http://localhost');
const basic = (user: string, p: string) => `Basic ${Buffer.from(`${user}:${p}`).toString('base64')}`;
const agents = { agentFor: (u: string, p: string) => (u === '1001' && p === 'pw1' ? 'alice' : u === '1002' && p === 'pw2' ? 'bob' : undefined) };

t.test('identify: token, agent credentials, or nobody', async (t) => {
  const d = { token: 'admin-secret', ...agents };
  t.same(identify(u('/api/queues'), 'Bearer admin-secret', d), { kind: 'admin' });
  t.same(identify(u('/api/events?token=admin-secret'), undefined, d), { kind: 'admin' }, 'token in the query (WebSocket)');
  t.same(identify(u('/api/me'), basic('1001', 'pw1'), d), { kind: 'agent', agentId: 'alice' });
  t.same(identify(u(`/api/events?agent=alice&auth=${Buffer.from('1001:pw1').toString('base64')}`), undefined, d), { kind: 'agent', agentId: 'alice' }, 'credentials in the query (WebSocket)');
  t.equal(identify(u('/api/me'), basic('1001', 'nope'), d), undefined, 'a wrong password is nobody');
  t.equal(identify(u('/api/queues'), 'Bearer wrong', d), undefined);
  t.equal(identify(u('/api/queues'), undefined, d), undefined);
  t.same(identify(u('/api/queues'), undefined, agents), { kind: 'admin' }, 'no token configured: open');
  t.same(identify(u('/api/me'), basic('1002', 'pw2'), agents), { kind: 'agent', agentId: 'bob' }, 'agents are still told apart without a token');
  t.ok(sameSecret('a', 'a'));
  t.notOk(sameSecret('a', 'ab'));
});

t.test('agentMayCall: only their own part of the API', async (t) => {
  t.ok(agentMayCall('alice', 'GET', u('/api/me')));
  t.ok(agentMayCall('alice', 'PUT', u('/api/agents/alice/presence')));
  t.ok(agentMayCall('alice', 'GET', u('/api/agents/alice')));
  t.ok(agentMayCall('alice', 'POST', u('/api/agents/alice/take/c1')));
  t.ok(agentMayCall('alice', 'GET', u('/api/queues/support')));
  t.ok(agentMayCall('alice', 'GET', u('/api/events?agent=alice')));
  t.notOk(agentMayCall('alice', 'PUT', u('/api/agents/bob/presence')), "another agent's presence");
  t.notOk(agentMayCall('alice', 'GET', u('/api/agents/alicex')), 'a prefix of an id is not the id');
  t.notOk(agentMayCall('alice', 'GET', u('/api/agents')), 'the list of all agents');
  t.notOk(agentMayCall('alice', 'GET', u('/api/calls')), 'call records');
  t.notOk(agentMayCall('alice', 'POST', u('/api/calls')), 'placing calls');
  t.notOk(agentMayCall('alice', 'GET', u('/api/events')), 'every live event');
  t.notOk(agentMayCall('alice', 'GET', u('/api/events?agent=bob')));
});

t.test('the API applies it, and serves the desk', async (t) => {
  const view = (id: string) => ({ agentId: id, status: 'ready', presence: 'ready' });
  const router = { agents: new Map([['alice', {}], ['bob', {}]]), agentView: view, queues: new Map(), calls: new Map() };
  const actions: unknown[] = [];
  const deps = {
    log: pino({ level: 'silent' }),
    health: () => [],
    router: () => router,
    agentAction: (e: unknown) => actions.push(e),
    breakReasons: () => ['lunch'],
    token: 'admin-secret',
    ...agents,
    agentProfile: (id: string) => ({ id, name: id === 'alice' ? 'Alice' : 'Bob' }),
    desk: () => ({ domain: 'pbx.test', websockets: [{ secure: false, port: 8088 }] }),
    security: { bans: () => [], unban: () => false },
  } as unknown as ApiDeps;
  const app = await buildApi(deps);
  t.teardown(() => app.close());

  const me = await app.inject({ url: '/api/me', headers: { authorization: basic('1001', 'pw1') } });
  t.equal(me.statusCode, 200);
  t.match(me.json(), { id: 'alice', name: 'Alice', status: 'ready', breakReasons: ['lunch'] });
  t.equal((await app.inject({ url: '/api/me', headers: { authorization: 'Bearer admin-secret' } })).statusCode, 401, '/api/me is for agents');
  t.equal((await app.inject({ url: '/api/me' })).statusCode, 401);

  const own = await app.inject({ method: 'PUT', url: '/api/agents/alice/presence', headers: { authorization: basic('1001', 'pw1') }, payload: { presence: 'standby' } });
  t.equal(own.statusCode, 200, 'an agent sets their own presence');
  const other = await app.inject({ method: 'PUT', url: '/api/agents/bob/presence', headers: { authorization: basic('1001', 'pw1') }, payload: { presence: 'offline' } });
  t.equal(other.statusCode, 403, "but not a colleague's");
  t.same(actions, [{ type: 'agent-presence', agentId: 'alice', presence: 'standby' }], 'only the allowed change reached the router');
  t.equal((await app.inject({ method: 'PUT', url: '/api/agents/bob/presence', headers: { authorization: 'Bearer admin-secret' }, payload: { presence: 'offline' } })).statusCode, 200, 'the administrator may');

  const page = await app.inject({ url: '/desk/' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /<title>Agent desk<\/title>/);
  t.equal((await app.inject({ url: '/desk/vendor/sip.js/index.js' })).statusCode, 200, 'SIP.js is served next to it');
  t.same((await app.inject({ url: '/desk/settings.json' })).json(), { domain: 'pbx.test', websockets: [{ secure: false, port: 8088 }] });
});
