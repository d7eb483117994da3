/**
 * Real stack: an agentless campaign whose answered calls run an IVR flow
 * with a do-not-call key (SIPp callees who press 1), and a predictive run
 * with one agent against the SIPp carrier (people from the AMD corpus,
 * machines, busy, no answer) under a high abandon cap, so that people who
 * answer with no agent free hear the safe-harbor message and are recorded
 * as abandoned, within the cap.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { writeToneWav } from '../support/audio.js';
import { ALL_DAY, campaignApi, CORPUS, CORPUS_LABELS, writeCarrierClips } from './campaign-support.js';
import { findStack, peerDir, registerAgent, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';

const found = findStack();
const DTMF_1 = '/usr/share/sip-tester/dtmf_2833_1.pcap';
const skip = !found.ok ? found.missing : !existsSync(CORPUS_LABELS) ? `campaign test skipped: no AMD corpus at ${CORPUS} (set AMD_CORPUS)` : !existsSync(DTMF_1) ? `campaign test skipped: no ${DTMF_1} (Debian's sip-tester)` : false;

t.test('agentless through an IVR with a do-not-call key; predictive with the safe-harbor message', { skip, timeout: 420_000 }, async (t) => {
  if (!found.ok) return;
  const media = path.join('/tmp', `cc-campaign-media-${process.pid}`);
  mkdirSync(media, { recursive: true });
  writeToneWav(path.join(media, 'menu.wav'), 2000, 1);
  writeToneWav(path.join(media, 'harbor.wav'), 1500, 1);
  const stack = await startStack(found.bins, {
    agents: 1,
    queueYaml: `queues:\n  outbound: { members: [agent1], offerTimeoutSec: 10, wrapUpSec: 0 }\ntrunks:\n  carrier: { uri: "sip:127.0.0.1:16050" }\n  pressers: { uri: "sip:127.0.0.1:16060" }\nexternal:\n  allow: ['^\\\\+1212555']\n  maxConcurrent: 50\n`,
    numbersYaml: 'numbers:\n  "+15550100": { route: { queue: outbound } }\n',
    files: {
      'ivr.yaml': `ivr:\n  reminder:\n    entry: menu\n    steps:\n      menu:\n        type: menu\n        prompt: ${path.join(media, 'menu.wav')}\n        options: { "1": remove }\n        timeoutSec: 6\n        retries: 1\n        onFail: bye\n      remove:\n        type: set\n        variables: { doNotCall: "yes" }\n        next: bye\n      bye:\n        type: route\n        to: { hangup: true }\n`,
    },
  });
  t.teardown(() => stack.stop());
  const api = campaignApi(stack);
  const listOf = async (name: string, numbers: string[]) => {
    const id = (await api('POST', '/api/lists', { name })).json.id as string;
    t.match(await api('POST', `/api/lists/${id}/contacts?number=number`, `number\n${numbers.join('\n')}\n`, true), { json: { imported: numbers.length } });
    return id;
  };
  const completed = (id: string) => waitFor(`campaign ${id} to complete`, async () => {
    const c = (await api('GET', `/api/campaigns/${id}`)).json as { status: string };
    return c.status === 'completed' ? c : undefined;
  }, 300_000, 1_000);
  const attemptsOf = async (id: string) => (await api('GET', `/api/campaigns/${id}/attempts?limit=1000`)).json.attempts as { number: string; outcome: string; callId: string }[];

  await t.test('agentless: each answered call runs the flow; pressing 1 puts the number on the DNC list', async (t) => {
    const dir = path.join(stack.dir, 'pressers');
    mkdirSync(dir, { recursive: true });
    copyFileSync(DTMF_1, path.join(dir, 'dtmf.pcap'));
    const pressers = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'callee-presses.xml'), '-i', '127.0.0.1', '-p', '16060', '-mp', '16600', '-m', '100'], dir);
    t.teardown(() => pressers.stop());
    const numbers = Array.from({ length: 6 }, (_, i) => `+12125550${200 + i}`);
    const list = await listOf('reminders', numbers);
    const dnc = (await api('POST', '/api/dnc-lists', { name: 'opt-outs' })).json.id as string;
    const made = await api('POST', '/api/campaigns', { name: 'Reminders', lists: [list], dncList: dnc, mode: 'agentless', flow: 'reminder', trunk: 'pressers', lines: 2, hours: ALL_DAY, maxAttempts: 1, ringSeconds: 10 });
    t.equal(made.status, 201, `saved ${made.status === 201 ? '' : JSON.stringify(made.json)}`);
    const id = made.json.id as string;
    await api('POST', `/api/campaigns/${id}/run`);
    t.match(await completed(id), { progress: { contacts: { dnc: 6 } } }, 'completed, every contact on the DNC list');
    t.same((await api('GET', `/api/dnc-lists/${dnc}/numbers`)).json.numbers, numbers, 'the six numbers are on the list');
    const attempts = await attemptsOf(id);
    t.same(attempts.map((a) => a.outcome), Array(6).fill('connected'), 'each reached once');
    const call = (await stack.http(`/api/calls/${attempts[0]!.callId}`)) as { timeline: { type: string; data: Record<string, unknown> | null }[] };
    t.match(call.timeline.find((e) => e.type === 'ivr-end')?.data, { flow: 'reminder', variables: { doNotCall: 'yes' } }, 'the flow ran and heard the key');
  });

  await t.test('predictive: one agent, people ahead of them hear the safe-harbor message, within the cap', async (t) => {
    const carrierDir = writeCarrierClips(path.join(stack.dir, 'carrier'));
    const carrier = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'callee-campaign.xml'), '-i', '127.0.0.1', '-p', '16050', '-mp', '16400', '-m', '1000'], carrierDir);
    t.teardown(() => carrier.stop());
    const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer-hangup.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '3000', '-m', '1000'], peerDir(stack, 'phone', 1200, 1));
    t.teardown(() => phone.stop());
    t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0, 'agent1 registers');
    const numbers = Array.from({ length: 30 }, (_, i) => `+121255503${String(i).padStart(2, '0')}`);
    const list = await listOf('leads', numbers);
    const made = await api('POST', '/api/campaigns', { name: 'Leads', lists: [list], mode: 'predictive', queue: 'outbound', trunk: 'carrier', hours: ALL_DAY, maxAttempts: 1, ringSeconds: 5, lines: 4, abandonCap: 0.5, amd: { enabled: true }, safeHarborMessage: path.join(media, 'harbor.wav') });
    t.equal(made.status, 201, `saved ${made.status === 201 ? '' : JSON.stringify(made.json)}`);
    const id = made.json.id as string;
    await api('POST', `/api/campaigns/${id}/run`);
    const done = (await completed(id)) as unknown as { progress: { today: { humans: number; abandons: number } } };
    const attempts = await attemptsOf(id);
    const people = attempts.filter((a) => a.outcome === 'connected' || a.outcome === 'abandoned');
    t.equal(people.length, numbers.filter((n) => /[0-4]$/.test(n)).length, 'every person answered and was either connected or abandoned');
    const abandoned = attempts.filter((a) => a.outcome === 'abandoned');
    t.ok(abandoned.length >= 1, `people ahead of the one agent were abandoned (${abandoned.length} of ${people.length})`);
    t.ok(done.progress.today.abandons <= 0.5 * done.progress.today.humans, `the day's abandons ${done.progress.today.abandons} of ${done.progress.today.humans} people, within the 50% cap`);
    const a = (await stack.http(`/api/calls/${abandoned[0]!.callId}`)) as { agent_id: string | null; timeline: { type: string; data: Record<string, unknown> | null }[] };
    t.equal(a.agent_id, null, 'an abandoned person reached no agent');
    t.match(a.timeline.find((e) => e.type === 'abandoned')?.data, { message: path.join(media, 'harbor.wav') }, 'and heard the safe-harbor message');
    const connected = attempts.filter((x) => x.outcome === 'connected');
    for (const c of connected) t.ok(((await stack.http(`/api/calls/${c.callId}`)) as { agent_id: string | null }).agent_id === 'agent1', `${c.number}: connected to agent1`);
  });
});
