/**
 * Real stack, IVR: a caller presses 1 in a menu and reaches the sales queue's
 * agent with the flow's variables on the call; a caller who presses nothing
 * ends in a voicemail box and the message is recorded.
 */
import { copyFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { findStack, peerDir, PORTS, registerAgent, runSipp, SIPP_DIR, startSipp, startStack, waitFor, type Stack } from './harness.js';

const found = findStack();
const DTMF_1 = '/usr/share/sip-tester/dtmf_2833_1.pcap';

const QUEUES = `queues:
  sales: { members: [agent1], offerTimeoutSec: 5, wrapUpSec: 0 }
voicemail:
  general: { maxSec: 10 }
ivr:
  main:
    entry: menu
    steps:
      menu:
        type: menu
        prompt: main-menu.wav
        options: { "1": tag }
        timeoutSec: 2
        retries: 0
        onFail: mailbox
      tag: { type: set, variables: { choice: sales, ref: "\${did}" }, next: sales }
      sales: { type: route, to: { queue: sales } }
      mailbox: { type: route, to: { voicemail: general } }
`;
const NUMBERS = `numbers:\n  "+15550100": { route: { ivr: main } }\n`;

interface Detail {
  disposition: string | null;
  queue_id: string | null;
  agent_id: string | null;
  ended_at: number | null;
  timeline: { at: number; type: string; data: Record<string, unknown> | null }[];
}

async function latestEnded(stack: Stack, before: string | undefined): Promise<Detail> {
  return waitFor('the call record to close', async () => {
    const latest = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string; ended_at: number | null }[] }).calls[0];
    if (!latest || latest.id === before || !latest.ended_at) return undefined;
    return (await stack.http(`/api/calls/${latest.id}`)) as Detail;
  }, 20_000, 100);
}

const lastId = async (stack: Stack) => ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]?.id;

t.test('IVR on the real stack', { skip: !found.ok ? found.missing : !existsSync(DTMF_1) ? `IVR test skipped: ${DTMF_1} (Debian's sip-tester) not found` : false, timeout: 120_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins, { agents: 1, queueYaml: QUEUES, numbersYaml: NUMBERS });
  t.teardown(() => stack.stop());
  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '200'], peerDir(stack, 'agent', 880));
  t.teardown(() => phone.stop());
  t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0, 'agent registers');

  await t.test('pressing 1 reaches the sales queue, variables kept on the call', async (t) => {
    const dir = peerDir(stack, 'dtmf-caller', 440);
    copyFileSync(DTMF_1, path.join(dir, 'dtmf.pcap'));
    const before = await lastId(stack);
    await runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller-dtmf.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '16400', '-m', '1', '-d', '3000', '-timeout', '30s'], dir, 40_000);
    const d = await latestEnded(stack, before);
    t.equal(d.queue_id, 'sales', 'routed to the sales queue');
    t.equal(d.agent_id, 'agent1', 'answered by the agent');
    t.equal(d.disposition, 'answered');
    const end = d.timeline.find((e) => e.type === 'ivr-end');
    t.same(end?.data?.variables, { choice: 'sales', ref: '+15550100' }, 'the flow’s variables are on the call');
    t.ok(d.timeline.some((e) => e.type === 'ivr-step'), 'the flow’s steps are in the timeline');
  });

  await t.test('no input: the menu gives up and the caller leaves a voicemail', async (t) => {
    const dir = peerDir(stack, 'silent-caller', 300);
    const before = await lastId(stack);
    await runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16110', '-mp', '16410', '-m', '1', '-d', '16000', '-timeout', '40s'], dir, 50_000);
    const d = await latestEnded(stack, before);
    t.equal(d.disposition, 'voicemail');
    const rec = d.timeline.find((e) => e.type === 'voicemail-recorded');
    t.ok(rec, 'a message was recorded');
    // In the recordings directory the daemon serves (daemon.recordingsDir), where FreeSWITCH writes it.
    const file = path.join(stack.daemon.recordingsDir, String(rec?.data?.file));
    t.ok(existsSync(file) && statSync(file).size > 8_000, `the recording exists with audio (${file})`);
  });
});
