import t from 'tap';
import { parseConfigTexts } from '../../../src/config/load.js';
import { directQueueId, routerPolicy, transferTarget } from '../../../src/app/policy.js';

const base = `sip: { domain: x, transports: [{ protocol: udp, port: 5060 }] }
agents:
  ann: { name: Ann, extension: "2001", sip: { username: "2001", password: secret1 }, fallback: { voicemail: box } }
  ben: { name: Ben, extension: "2002", sip: { username: "2002", password: secret2 } }
queues:
  sales: { members: [ann, { agent: ben, tier: 2 }], tierEscalationSec: 20, maxWaitSec: 60, overflow: { queue: support } }
  support: { members: [ben] }
voicemail: { box: {} }
numbers:
  "+15550100": { route: { queue: support } }
`;

function config(extra = '') {
  const r = parseConfigTexts([{ file: 'c.yaml', text: base + extra }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

t.test('transfer targets: extension, queue, configured number, external number only with a trunk', async (t) => {
  const c = config();
  t.same(transferTarget(c, '2002'), { agent: 'ben' });
  t.same(transferTarget(c, 'sales'), { queue: 'sales' });
  t.same(transferTarget(c, '+15550100'), { queue: 'support' });
  t.same(transferTarget(c, '15550100'), { queue: 'support' }, 'a configured number without its +');
  t.equal(transferTarget(c, '+4930123456'), undefined, 'no trunk: external numbers are refused');
  t.same(transferTarget(config('trunks: { out: { uri: "sip:gw.example:5060" } }\n'), '+4930123456'), { number: '+4930123456' });
  t.equal(transferTarget(c, 'nobody'), undefined);
});

t.test('router policy: tiers, limits, overflow, and a direct queue per agent with its fallback', async (t) => {
  const p = routerPolicy(config());
  const sales = p.queues.find((q) => q.id === 'sales')!;
  t.same(sales.members, [{ agentId: 'ann', tier: 1 }, { agentId: 'ben', tier: 2 }]);
  t.equal(sales.tierEscalationMs, 20_000);
  t.equal(sales.maxWaitMs, 60_000);
  t.same(sales.overflow, { queue: 'support' });
  const direct = p.queues.find((q) => q.id === directQueueId('ann'))!;
  t.same(direct.overflow, { voicemail: 'box' }, "a direct call overflows to the agent's fallback");
  t.equal(direct.maxWaitNoAgentMs, 0, 'at once when the agent is not logged in');
  t.notOk(p.queues.find((q) => q.id === directQueueId('ben'))!.overflow, 'no fallback, no overflow');
});
