import Fastify from 'fastify';
import t from 'tap';
import { consultTarget, registerCollaboration, type CollaborationDeps } from '../../../src/api/collaboration.js';
import type { ControlResult } from '../../../src/app/calls/live-control.js';
import { parseConfigTexts } from '../../../src/config/load.js';

const parsed = parseConfigTexts([
  {
    file: 'c.yaml',
    text: `sip:
  domain: x
  transports: [{ protocol: udp, port: 5060 }]
agents:
  a1: { name: A, extension: "1001", sip: { username: "1001", password: "pw-1001" } }
  s1: { name: S, extension: "1009", sip: { username: "1009", password: "pw-1009" }, supervises: [support] }
queues:
  support: { members: [a1] }
ivr:
  menu: { entry: out, steps: { out: { type: route, to: { queue: support } } } }
`,
  },
]);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const config = parsed.config;

t.test('what a consult target names when its kind is not given', async (t) => {
  t.same(consultTarget(config, 'a1'), { kind: 'agent', to: 'a1' });
  t.same(consultTarget(config, '1001'), { kind: 'agent', to: 'a1' }, 'an extension is its agent');
  t.same(consultTarget(config, '1001', 'agent'), { kind: 'agent', to: 'a1' });
  t.same(consultTarget(config, 'support'), { kind: 'queue', to: 'support' });
  t.same(consultTarget(config, 'menu'), { kind: 'ivr', to: 'menu' });
  t.same(consultTarget(config, '+15551234'), { kind: 'number', to: '+15551234' });
  t.same(consultTarget(config, '+15551234', 'contact'), { kind: 'contact', to: '+15551234' });
});

t.test('routes: bodies checked, refusals passed on with the field, supervisors named', async (t) => {
  const calls: { what: string; args: unknown[] }[] = [];
  let next: ControlResult = { status: 200, live: { callId: 'c1' } as never };
  const d: CollaborationDeps = {
    control: async (...args) => (calls.push({ what: 'control', args }), next),
    consult: async (...args) => (calls.push({ what: 'consult', args }), next),
    supervise: async (...args) => (calls.push({ what: 'supervise', args }), next),
    supervisedCalls: (who) => [{ callId: 'c1', caller: '+1555', phase: 'talking', onHold: false, talkMs: 5, agentId: who ?? 'a1' }],
    config: () => config,
    observe: () => undefined,
  };
  const app = Fastify();
  let caller: { kind: 'admin' } | { kind: 'agent'; agentId: string } = { kind: 'admin' };
  app.addHook('onRequest', async (req) => void ((req as unknown as { caller: typeof caller }).caller = caller));
  registerCollaboration(app, d);
  const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, ...(payload ? { payload } : {}) });

  t.equal((await post('/api/calls/c1/consult', {})).statusCode, 400, 'consult without to: 400');
  t.equal((await post('/api/calls/c1/consult', { to: 'a1', kind: 'fax' })).statusCode, 400, 'an unknown kind: 400');
  t.equal((await post('/api/calls/c1/consult', { to: '1001' })).statusCode, 200);
  t.same(calls.at(-1), { what: 'consult', args: ['c1', undefined, { kind: 'agent', to: 'a1' }] }, 'the target resolved, as the administrator');
  next = { status: 403, error: 'to: calls to +44 are not allowed (international)' };
  const refused = await post('/api/calls/c1/consult', { to: '+442071234567' });
  t.equal(refused.statusCode, 403);
  t.same(refused.json(), { error: 'to: calls to +44 are not allowed (international)', field: 'to' }, 'the refusal names the field');
  next = { status: 409, error: 'no consult to complete' };
  t.same((await post('/api/calls/c1/complete')).json(), { error: 'no consult to complete' });
  t.same(calls.at(-1), { what: 'control', args: ['c1', undefined, { type: 'complete' }] });
  next = { status: 200, live: { callId: 'c1' } as never };
  t.equal((await post('/api/calls/c1/monitor', { mode: 'listen' })).statusCode, 400, 'an administrator must name the supervisor');
  t.equal((await post('/api/calls/c1/monitor', { mode: 'listen', supervisor: 'ghost' })).statusCode, 400, 'an unknown supervisor: 400');
  t.equal((await post('/api/calls/c1/monitor', { mode: 'peek', supervisor: 's1' })).statusCode, 400, 'an unknown mode: 400');
  t.equal((await post('/api/calls/c1/monitor', { mode: 'whisper', supervisor: 's1' })).statusCode, 200);
  t.same(calls.at(-1), { what: 'supervise', args: ['c1', 's1', { type: 'monitor', supervisorId: 's1', mode: 'whisper' }] });
  caller = { kind: 'agent', agentId: 's1' };
  t.equal((await post('/api/calls/c1/monitor', { mode: 'barge', supervisor: 'a1' })).statusCode, 200);
  t.same(calls.at(-1)?.args[1], 's1', "an agent's session supervises as itself, whatever the body says");
  t.same((await app.inject({ method: 'GET', url: '/api/supervision' })).json(), { calls: [{ callId: 'c1', caller: '+1555', phase: 'talking', onHold: false, talkMs: 5, agentId: 's1' }] });
  caller = { kind: 'agent', agentId: 'a1' };
  t.equal((await app.inject({ method: 'GET', url: '/api/supervision' })).statusCode, 403, 'an agent who supervises nothing: 403');
  await app.close();
});
