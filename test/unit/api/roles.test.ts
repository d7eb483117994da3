/**
 * Roles, route by route: for every /api route the API has, what the sign-in
 * gate lets through for nobody, an agent, a supervisor (an agent with queues
 * to supervise), the wall screen's token and the administrator. The table
 * below is the policy; a route added without a line here fails the test.
 * Handlers narrow further (a call must be the agent's own, a supervisor sees
 * their queues): those checks are tested with each capability, and here for
 * the reports and the wallboard.
 */
import t from 'tap';
import pino from 'pino';
import { buildApi, type ApiDeps } from '../../../src/api/http.js';
import { SignIn } from '../../../src/app/sign-in.js';
import { SessionStore } from '../../../src/store/sessions.js';
import { migrate, openSqlite } from '../../../src/store/db.js';
import { parseConfigTexts } from '../../../src/config/load.js';
import { Reports } from '../../../src/app/reports.js';
import { ReportStore } from '../../../src/store/reports.js';

type Role = 'nobody' | 'agent' | 'supervisor' | 'wallboard' | 'admin';
const ALL: Role[] = ['agent', 'supervisor', 'wallboard', 'admin'];
const AGENTS: Role[] = ['agent', 'supervisor', 'admin'];
const ADMIN: Role[] = ['admin'];

/** Who passes the gate, per route (the agent and the supervisor each use their own id for :id of /api/agents). */
const POLICY: Record<string, Role[]> = {
  'GET /api/me': AGENTS,
  'GET /api/openapi.json': ['nobody', ...ALL],
  'POST /api/sessions': ['nobody', ...ALL],
  'DELETE /api/sessions/current': AGENTS,
  'DELETE /api/agents/:id/sessions': AGENTS,
  // The live call's controls and its work: the handlers check the call is the agent's own.
  ...Object.fromEntries(
    ['hold', 'resume', 'mute', 'unmute', 'hangup', 'dtmf', 'recording', 'voicemail-drop', 'transfer', 'consult', 'swap', 'complete', 'cancel', 'merge', 'monitor', 'unmonitor'].map((c) => [`POST /api/calls/:id/${c}`, AGENTS]),
  ),
  'GET /api/calls/:id/live': AGENTS,
  'GET /api/calls/:id/recordings': AGENTS,
  'GET /api/recordings/:id': AGENTS,
  'GET /api/voicemail-drops': AGENTS,
  'GET /api/agents/:id/settings': AGENTS,
  'PUT /api/agents/:id/settings': AGENTS,
  'GET /api/supervision': AGENTS,
  'GET /api/calls/:id/work': AGENTS,
  'PUT /api/calls/:id/work': AGENTS,
  'GET /api/calls/:id/work/all': AGENTS,
  'GET /api/calls/:id/script': AGENTS,
  'POST /api/calls/:id/script': AGENTS,
  'GET /api/calls/:id/contact': AGENTS,
  'PUT /api/calls/:id/contact': AGENTS,
  // Reports: the handlers keep them to supervisors' queues (below).
  'GET /api/reports/calls': AGENTS,
  'GET /api/reports/calls/:id': AGENTS,
  'GET /api/reports/queues': AGENTS,
  'GET /api/reports/agents': AGENTS,
  'GET /api/wallboard': ALL,
  'GET /api/wallboard/stream': ALL,
  // The call log and its transcript search, a call's transcript, voicemail boxes: the handlers keep agents to their own calls, queues and boxes (test/unit/transcription/api.test.ts).
  'GET /api/calls': AGENTS,
  'GET /api/calls/:id/transcript': AGENTS,
  'GET /api/voicemail': AGENTS,
  'GET /api/voicemail/:id/audio': AGENTS,
  'PUT /api/voicemail/:id': AGENTS,
  'GET /api/jobs': ADMIN,
  'POST /api/jobs/:id/retry': ADMIN,
  'GET /api/calls/:id': ADMIN,
  'POST /api/calls': ADMIN,
  'GET /api/security/bans': ADMIN,
  'DELETE /api/security/bans/:source': ADMIN,
  'GET /api/agents': ADMIN,
  'POST /api/contacts': ADMIN,
  'GET /api/contacts/:number': ADMIN,
  'GET /api/agents/:id': AGENTS,
  'PUT /api/agents/:id/presence': AGENTS,
  'POST /api/agents/:id/wrap-up': AGENTS,
  'GET /api/agents/:id/pool': AGENTS,
  'POST /api/agents/:id/take/:callId': AGENTS,
  'GET /api/queues': AGENTS,
  'GET /api/queues/:id': AGENTS,
  'GET /api/events': AGENTS,
  // Campaigns and their lists: the handlers keep them to supervisors' queues (test/unit/campaign/api.test.ts).
  'POST /api/lists': AGENTS,
  'GET /api/lists': AGENTS,
  'POST /api/lists/:id/contacts': AGENTS,
  'DELETE /api/lists/:id': AGENTS,
  'POST /api/dnc-lists': AGENTS,
  'GET /api/dnc-lists': AGENTS,
  'GET /api/dnc-lists/:id/numbers': AGENTS,
  'POST /api/dnc-lists/:id/numbers': AGENTS,
  'DELETE /api/dnc-lists/:id/numbers/:number': AGENTS,
  'POST /api/campaigns': AGENTS,
  'GET /api/campaigns': AGENTS,
  'GET /api/campaigns/:id': AGENTS,
  'PUT /api/campaigns/:id': AGENTS,
  'DELETE /api/campaigns/:id': AGENTS,
  'POST /api/campaigns/:id/run': AGENTS,
  'POST /api/campaigns/:id/pause': AGENTS,
  'POST /api/campaigns/:id/resume': AGENTS,
  'POST /api/campaigns/:id/stop': AGENTS,
  'POST /api/campaigns/:id/rerun': AGENTS,
  'POST /api/campaigns/:id/clone': AGENTS,
  'GET /api/campaigns/:id/attempts': AGENTS,
  'GET /api/agents/:id/preview': AGENTS,
  'POST /api/agents/:id/preview': AGENTS,
};

const config = (() => {
  const r = parseConfigTexts([
    {
      file: 'a.yaml',
      text: `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }
agents:
  alice: { name: Alice, extension: "1001", sip: { username: "1001", password: pw1-long } }
  bob: { name: Bob, extension: "1002", sip: { username: "1002", password: pw2-long } }
  sam: { name: Sam, extension: "1009", sip: { username: "1009", password: pw9-long }, supervises: [support] }
queues:
  support: { members: [alice] }
  sales: { members: [bob] }
`,
    },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
})();

t.test('every route, every role: the gate lets through exactly what the policy says', async (t) => {
  const db = openSqlite(':memory:');
  await migrate(db);
  t.teardown(() => db.destroy());
  const signIn = new SignIn(new SessionStore(db), () => config, pino({ level: 'silent' }));
  const reports = new Reports(new ReportStore(db));
  const router = { agents: new Map([['alice', {}], ['bob', {}], ['sam', {}]]), agentView: (id: string) => ({ agentId: id, status: 'ready' }), queues: new Map(), calls: new Map(), queueStatus: () => undefined, poolFor: () => ({ offered: [], waiting: [] }) };
  const deps = {
    log: pino({ level: 'silent' }),
    health: () => [],
    router: () => router,
    agentAction: () => undefined,
    breakReasons: () => [],
    token: 'admin-secret-0123456789',
    wallboardToken: 'wall-screen-0123456789',
    sessions: { signIn: (u: string, p: string, s: string) => signIn.signIn(u, p, s), signOut: (x: string) => signIn.signOut(x), revokeAgent: (id: string) => signIn.revokeAgent(id), agentOf: (x: string) => signIn.agentOf(x) },
    agentProfile: (id: string) => ({ id }),
    desk: () => ({ domain: 'x', websockets: [] }),
    security: { bans: () => [], unban: () => false },
    reports: { reports, config: () => config, now: Date.now },
    wallboard: { router: () => router, reports, config: () => config, statuses: () => [], subscribe: () => () => undefined, settle: async () => undefined, now: Date.now },
  } as unknown as ApiDeps;
  const app = await buildApi(deps);
  t.teardown(() => app.close());
  const session = async (user: string, password: string) => ((await app.inject({ method: 'POST', url: '/api/sessions', payload: { username: user, password } })).json() as { token: string }).token;
  const tokens: Record<Role, string | undefined> = {
    nobody: undefined,
    agent: await session('1001', 'pw1-long'),
    supervisor: await session('1009', 'pw9-long'),
    wallboard: 'wall-screen-0123456789',
    admin: 'admin-secret-0123456789',
  };
  const own: Record<Role, string> = { nobody: 'alice', agent: 'alice', supervisor: 'sam', wallboard: 'alice', admin: 'alice' };
  const routes = (app as unknown as { routeList: { method: string; url: string }[] }).routeList.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD' && !r.url.startsWith('/api/docs'));
  const unlisted = routes.map((r) => `${r.method} ${r.url}`).filter((k) => !(k in POLICY));
  t.same(unlisted, [], 'every route has a line in the policy');
  const wrong: string[] = [];
  for (const r of routes) {
    const allowed = POLICY[`${r.method} ${r.url}`] ?? [];
    for (const role of ['nobody', ...ALL] as Role[]) {
      const url = r.url.replace(':id', r.url.startsWith('/api/agents/') ? own[role] : 'c1').replace(':callId', 'c1').replace(':source', '10.0.0.1').replace(':number', '+15551234') + (r.url === '/api/events' ? `?agent=${own[role]}` : '');
      const res = await app.inject({ method: r.method as 'GET', url, headers: tokens[role] ? { authorization: `Bearer ${tokens[role]}` } : {}, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
      const body = res.body;
      const gated = (res.statusCode === 401 && /sign in: the bearer token/.test(body)) || (res.statusCode === 403 && /may only use their own part|opens the wallboard only/.test(body));
      // Signing out or revoking ends the session: open a new one for the next routes.
      if (r.url.includes('sessions')) {
        tokens.agent = await session('1001', 'pw1-long');
        tokens.supervisor = await session('1009', 'pw9-long');
      }
      if (gated === allowed.includes(role)) wrong.push(`${role} ${r.method} ${url}: ${res.statusCode} ${body.slice(0, 80)}`);
    }
  }
  t.same(wrong, [], `${routes.length} routes x 5 roles as the policy says`);

  // Another agent's own part stays closed, for an agent and a supervisor alike.
  for (const role of ['agent', 'supervisor'] as Role[]) {
    const res = await app.inject({ url: '/api/agents/bob/pool', headers: { authorization: `Bearer ${tokens[role]}` } });
    t.equal(res.statusCode, 403, `${role}: not another agent's pool`);
    const ev = await app.inject({ url: '/api/events?agent=bob', headers: { authorization: `Bearer ${tokens[role]}` } });
    t.equal(ev.statusCode, 403, `${role}: not another agent's events`);
  }
  // Behind the gate, the handlers: reports and the wallboard for supervisors of their queues only.
  const get = (url: string, role: Role) => app.inject({ url, headers: { authorization: `Bearer ${tokens[role]}` } });
  t.equal((await get('/api/reports/queues', 'agent')).statusCode, 403, 'an agent who supervises nothing: no reports');
  t.equal((await get('/api/wallboard', 'agent')).statusCode, 403, 'nor the wallboard');
  t.equal((await get('/api/reports/queues', 'supervisor')).statusCode, 200);
  t.equal((await get('/api/reports/calls?queue=sales', 'supervisor')).statusCode, 403, "a supervisor: not another queue's calls");
  t.same(((await get('/api/wallboard', 'supervisor')).json() as { queues: { id: string }[] }).queues.map((q) => q.id), ['support'], "the supervisor's wallboard: their queue");
  t.same(((await get('/api/wallboard', 'wallboard')).json() as { queues: { id: string }[] }).queues.map((q) => q.id), ['support', 'sales'], 'the wall screen: every queue');
  t.equal((await get('/api/reports/queues', 'wallboard')).statusCode, 403, 'the wall screen token opens nothing else');
});
