/** The OpenAPI document: generated from the routes' schemas, public, and naming every route of the API. */
import t from 'tap';
import pino from 'pino';
import { buildApi, type ApiDeps } from '../../../src/api/http.js';

t.test('/api/openapi.json describes every /api route, with its body and query schemas', async (t) => {
  const deps = {
    log: pino({ level: 'silent' }),
    health: () => [],
    router: () => ({ agents: new Map(), queues: new Map(), calls: new Map() }),
    breakReasons: () => [],
    token: 'admin-secret',
    sessions: { agentOf: async () => undefined },
    desk: () => ({ domain: 'x', websockets: [] }),
    security: { bans: () => [], unban: () => false },
  } as unknown as ApiDeps;
  const app = await buildApi(deps);
  t.teardown(() => app.close());
  const res = await app.inject({ url: '/api/openapi.json' });
  t.equal(res.statusCode, 200, 'public: no token needed');
  const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { name: string; in: string }[] }>> };
  t.match(doc.openapi, /^3\./);
  const routes = (app as unknown as { routeList: { method: string; url: string }[] }).routeList.filter(
    (r) => r.url.startsWith('/api/') && r.method !== 'HEAD' && !r.url.startsWith('/api/docs') && r.url !== '/api/openapi.json',
  );
  t.ok(routes.length >= 40, `${routes.length} routes`);
  const missing = routes.filter((r) => !doc.paths[r.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.url}`);
  t.same(missing, [], 'every route is in the document');
  t.ok(doc.paths['/api/calls/{id}/work']?.put?.requestBody, 'a body schema is described');
  t.ok(doc.paths['/api/calls']?.get?.parameters?.some((p) => p.name === 'limit' && p.in === 'query'), 'query parameters are described');
  const ui = await app.inject({ url: '/api/docs/' });
  t.equal(ui.statusCode, 200, 'the browsable page');
  t.match(ui.body, /swagger/i);
});
