/**
 * Real stack: a progressive campaign of 50 contacts with AMD, dialed through
 * the trunk to a SIPp carrier whose callees answer as a person or an
 * answering machine (clips from the AMD corpus), are busy, or never answer;
 * three SIPp agents take the people. Afterwards every contact's attempts say
 * what happened to it, every person reached an agent, and the campaign is
 * Completed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parseWav } from '../../src/audio/wav.js';
import { ALL_DAY, campaignApi, CORPUS, CORPUS_LABELS, writeCarrierClips } from './campaign-support.js';
import { findStack, peerDir, registerAgent, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';

const found = findStack();
const skip = !found.ok ? found.missing : !existsSync(CORPUS_LABELS) ? `campaign test skipped: no AMD corpus at ${CORPUS} (set AMD_CORPUS)` : false;

const QUEUES = `queues:
  outbound: { members: [agent1, agent2, agent3], offerTimeoutSec: 10, wrapUpSec: 0 }
trunks:
  carrier: { uri: "sip:127.0.0.1:16050" }
external:
  allow: ['^\\\\+1212555']
  maxConcurrent: 50
`;
/** The callee's last digit decides (test/sipp/callee-campaign.xml). */
const expected = (n: string) => (/[0-4]$/.test(n) ? 'connected' : /[56]$/.test(n) ? 'machine' : /7$/.test(n) ? 'busy' : 'no-answer');

t.test('a progressive campaign of 50 contacts: people to agents, machines, busy and no answer retried, then Completed', { skip, timeout: 420_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins, { agents: 3, queueYaml: QUEUES, numbersYaml: 'numbers:\n  "+15550100": { route: { queue: outbound } }\n', logLevel: 'info' });
  t.teardown(() => stack.stop());
  const api = campaignApi(stack);

  // The carrier: one SIPp for every callee, with a person's and a machine's recording.
  const carrierDir = writeCarrierClips(path.join(stack.dir, 'carrier'));
  const carrier = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'callee-campaign.xml'), '-i', '127.0.0.1', '-p', '16050', '-mp', '16400', '-m', '1000', '-trace_msg'], carrierDir);
  t.teardown(() => carrier.stop());

  const phones: Awaited<ReturnType<typeof startSipp>>[] = [];
  for (const [i, a] of stack.agents.entries()) {
    const port = 16000 + 10 * i;
    phones.push(await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer-hangup.xml'), '-i', '127.0.0.1', '-p', String(port), '-mp', String(16200 + 20 * i), '-d', '1500', '-m', '1000'], peerDir(stack, `phone${i}`, 1200, 1)));
    t.equal((await registerAgent(stack, a, port)).code, 0, `${a.id} registers`);
  }
  t.teardown(() => Promise.all(phones.map((p) => p.stop())));

  const numbers = Array.from({ length: 50 }, (_, i) => `+121255501${String(i).padStart(2, '0')}`);
  const list = (await api('POST', '/api/lists', { name: 'December' })).json.id as string;
  const imported = await api('POST', `/api/lists/${list}/contacts?number=number&name=name`, `number,name,account\n${numbers.map((n, i) => `${n},Customer ${i},A-${1000 + i}`).join('\n')}\n`, true);
  t.match(imported, { status: 200, json: { imported: 50, problems: [] } }, '50 contacts imported');
  const made = await api('POST', '/api/campaigns', { name: 'Renewals', lists: [list], mode: 'progressive', queue: 'outbound', hours: ALL_DAY, timeZone: 'UTC', maxAttempts: 2, retryMinutes: 0, ringSeconds: 5, amd: { enabled: true }, onMachine: 'hangup', callerId: '+15550199', record: true });
  t.equal(made.status, 201, `the campaign is saved ${made.status === 201 ? '' : JSON.stringify(made.json)}`);
  if (made.status !== 201) return;
  const id = made.json.id as string;
  const started = Date.now();
  t.match(await api('POST', `/api/campaigns/${id}/run`), { status: 200, json: { status: 'active' } }, 'run');

  const done = await waitFor('the campaign to complete', async () => {
    const c = (await api('GET', `/api/campaigns/${id}`)).json as { status: string };
    return c.status === 'completed' ? c : undefined;
  }, 360_000, 1_000);
  t.pass(`completed in ${Math.round((Date.now() - started) / 1000)} s`);
  t.match(done, { progress: { contacts: { done: 25, exhausted: 25 } } }, '25 people reached, 25 contacts out of attempts');

  const attempts = (await api('GET', `/api/campaigns/${id}/attempts?limit=1000`)).json.attempts as { number: string; outcome: string; callId: string | null }[];
  const wrong: string[] = [];
  for (const n of numbers) {
    const mine = attempts.filter((a) => a.number === n).map((a) => a.outcome);
    const want = expected(n) === 'connected' ? ['connected'] : [expected(n), expected(n)];
    if (JSON.stringify(mine) !== JSON.stringify(want)) wrong.push(`${n}: ${mine.join(',')} (expected ${want.join(',')})`);
  }
  t.same(wrong, [], 'every contact: a person once and connected; machines, busy and no answer twice each');

  // Every person reached an agent, who saw the campaign and the contact.
  const people = attempts.filter((a) => a.outcome === 'connected');
  const agents = new Set<string>();
  let withAgent = 0;
  for (const a of people) {
    const call = (await stack.http(`/api/calls/${a.callId}`)) as { agent_id: string | null; timeline: { type: string; data: Record<string, unknown> | null }[] };
    if (call.agent_id) {
      withAgent++;
      agents.add(call.agent_id);
    }
  }
  t.equal(withAgent, 25, 'all 25 people talked with an agent');
  // record: true: each person's call recorded from the start of the conversation, for its length (over a second: the
  // carrier hangs up once its clip is over). What a recording holds is proven in live-call.test.ts.
  const recorded: string[] = [];
  for (const a of people) {
    const recs = (await api('GET', `/api/calls/${a.callId}/recordings`)).json.recordings as { url: string; status: string }[] | undefined;
    const rec = recs?.find((r) => r.status === 'done');
    if (!rec) continue;
    const wav = parseWav(Buffer.from(await (await fetch(`${stack.daemon.httpAddress}${rec.url}`)).arrayBuffer()), 0);
    if (wav.samples.length >= wav.sampleRate) recorded.push(a.callId!);
  }
  t.equal(recorded.length, 25, "every person's call recorded for the conversation's length");
  t.equal(agents.size, 3, 'the three agents shared them');
  const machineCall = attempts.find((a) => a.outcome === 'machine')!;
  const m = (await stack.http(`/api/calls/${machineCall.callId}`)) as { agent_id: string | null; timeline: { type: string; data: Record<string, unknown> | null }[] };
  t.equal(m.agent_id, null, 'a machine never reaches an agent');
  t.equal(m.timeline.find((e) => e.type === 'amd-verdict')?.data?.verdict, 'machine');
  await waitFor('agents ready again', async () => {
    for (const a of stack.agents) if (((await stack.http(`/api/agents/${a.id}`)) as { status: string }).status !== 'ready') return undefined;
    return true;
  }, 20_000);
  t.pass('every agent is ready again');
});
