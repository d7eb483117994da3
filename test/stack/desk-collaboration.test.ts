/**
 * Real stack, two desks in headless Chromium: agent1 works a call and
 * consults agent2 (a SIPp phone) with the desk's Consult panel: swap, merge,
 * drop the colleague, consult again and complete; agent3's desk supervises
 * the same call from its Supervision panel (listen, barge, leave), its
 * softphone answering by itself. Each browser's microphone plays its own
 * tone (agent 1200 Hz, supervisor 1800 Hz); the customer and the colleague
 * are test RTP peers (440 Hz, 1500 Hz); who hears whom is read at the peers.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { findBrowser, launchBrowser } from '../support/browser.js';
import { writePcmToneWav } from '../support/audio.js';
import { RtpPeer } from '../support/rtp-peer.js';
import { findStack, registerAgent, SIPP_DIR, startSipp, startStack, waitFor, type Stack } from './harness.js';
import { AGENT, callIn, closed, COLLEAGUE, CUSTOMER, describe, exited, hearsMix, hearsWithin, MUSIC, SUPERVISOR } from './live-support.js';

const found = findStack();
const browser = findBrowser();
const skip = !found.ok ? found.missing : !browser.ok ? browser.missing : false;

async function signIn(stack: Stack, page: import('playwright-core').Page, i: number): Promise<void> {
  const agent = stack.agents[i]!;
  await page.goto(`${stack.daemon.httpAddress}/desk/`);
  await page.fill('input[name=username]', agent.user);
  await page.fill('input[name=password]', agent.password);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#phone-state:has-text("phone registered")', { timeout: 15_000 });
}

t.test('the desk consults, swaps, merges, completes; a supervisor listens and barges from the desk', { skip, timeout: 240_000 }, async (t) => {
  if (!found.ok || !browser.ok) return;
  const media = path.join('/tmp', `cc-desk-collab-${process.pid}`);
  mkdirSync(media, { recursive: true });
  writePcmToneWav(path.join(media, 'agent.wav'), AGENT, 10);
  writePcmToneWav(path.join(media, 'supervisor.wav'), SUPERVISOR, 10);
  const stack = await startStack(found.bins, {
    agents: 3,
    agentExtra: { agent3: 'supervises: [support]' },
    queueYaml: `queues:\n  support:\n    members: [agent1]\n    offerTimeoutSec: 15\n    wrapUpSec: 30\n    holdMusic: "tone_stream://%(10000,0,${MUSIC});loops=-1"\n`,
  });
  t.teardown(async () => {
    await stack.stop();
    rmSync(media, { recursive: true, force: true });
  });
  const agentBrowser = await launchBrowser(browser.path, { fakeAudioFile: path.join(media, 'agent.wav') });
  const supervisorBrowser = await launchBrowser(browser.path, { fakeAudioFile: path.join(media, 'supervisor.wav') });
  t.teardown(() => Promise.all([agentBrowser.close(), supervisorBrowser.close()]));
  const desk = await agentBrowser.newPage();
  const sup = await supervisorBrowser.newPage();
  const consoleLines: string[] = [];
  for (const p of [desk, sup]) p.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  await signIn(stack, desk, 0);
  await desk.click('[data-presence="ready"]');
  await signIn(stack, sup, 2);
  t.ok(await sup.isVisible('#supervision'), "the supervisor's desk has the Supervision panel");
  t.notOk(await desk.isVisible('#supervision'), "an agent who supervises nothing has none");
  const hears = async (peer: RtpPeer, tone: number, what: string) => {
    const r = await hearsWithin(peer, tone, 5_000);
    t.ok(r.ok, `${what}: ${describe(r.last)}`);
  };
  // A browser's microphone reaches the mix some 15 dB below a test peer (WebRTC's gain control): a smaller share still proves it is there.
  const mix = async (peer: RtpPeer, tones: number[], not: number[], what: string) => {
    const r = await hearsMix(peer, tones, not, 5_000, 0.005);
    t.ok(r.ok, `${what}: ${describe(r.last)}`);
  };

  const customer = await RtpPeer.open(CUSTOMER);
  const colleague = await RtpPeer.open(COLLEAGUE);
  t.teardown(() => [customer, colleague].forEach((p) => p.close()));
  const caller = await callIn(stack, customer, 16500);
  await desk.waitForSelector('#offer:not([hidden])', { timeout: 15_000 });
  await desk.click('#answer');
  await desk.waitForSelector('#consult button[type=submit]', { timeout: 10_000 });
  await hears(customer, AGENT, "the customer hears the agent's browser");

  // Supervision from the desk: the call is listed; Listen rings the supervisor's softphone, which answers by itself.
  await sup.waitForSelector('#supervision tr[data-call]', { timeout: 10_000 });
  t.match(await sup.textContent('#supervision tbody'), /agent1/, 'the supervision view shows the call and its agent');
  await sup.click('#supervision button[data-mode="listen"]');
  await sup.waitForSelector('#supervision button[data-mode="listen"][aria-pressed="true"]', { timeout: 10_000 });
  await mix(customer, [AGENT], [SUPERVISOR], 'listen: the customer does not hear the supervisor');
  await sup.click('#supervision button[data-mode="barge"]');
  await mix(customer, [AGENT, SUPERVISOR], [], 'barge: the customer hears agent and supervisor');
  await sup.click('#supervision button[data-mode="leave"]');
  await hears(customer, AGENT, 'the supervisor left: the customer hears the agent alone');

  // Consult a colleague from the desk.
  t.equal((await registerAgent(stack, stack.agents[1]!, 16540)).code, 0, 'agent2 registers');
  const phone2 = await startSipp(stack.bins, ['-sf', path.join(SIPP_DIR, 'agent-media.xml'), '-i', '127.0.0.1', '-p', '16540', '-m', '2', '-d', '300', '-key', 'rtp_port', String(colleague.port), '-timeout', '120s', '-timeout_error'], stack.dir);
  await desk.fill('#consult input[name=to]', '1002');
  await desk.click('#consult button[type=submit]');
  await desk.waitForSelector('#consult-state:has-text("talking to agent2")', { timeout: 15_000 });
  await hears(customer, MUSIC, 'consulting: the customer is on hold music');
  await hears(colleague, AGENT, 'the colleague hears the agent');
  await desk.click('#consult-swap');
  await desk.waitForSelector('#consult-state:has-text("talking to the customer")');
  await hears(customer, AGENT, 'swapped: the customer hears the agent');
  await hears(colleague, MUSIC, 'and the colleague the music');
  await desk.click('#consult-merge');
  await desk.waitForSelector('#consult-state:has-text("3-way call")');
  await mix(customer, [AGENT, COLLEAGUE], [MUSIC], 'merged: the customer hears agent and colleague');
  await desk.click('#consult-cancel');
  await desk.waitForSelector('#consult button[type=submit]', { timeout: 10_000 });
  await hears(customer, AGENT, 'the colleague dropped: a plain call again');
  await waitFor('agent2 free', async () => (['ready', 'wrap-up'].includes(((await stack.http('/api/agents/agent2')) as { status: string }).status) ? true : undefined), 5_000);
  await fetch(`${stack.daemon.httpAddress}/api/agents/agent2/wrap-up`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await waitFor('agent2 ready', async () => (((await stack.http('/api/agents/agent2')) as { status: string }).status === 'ready' ? true : undefined), 5_000);
  await desk.fill('#consult input[name=to]', '1002');
  await desk.click('#consult button[type=submit]');
  await desk.waitForSelector('#consult-complete:not([disabled])', { timeout: 15_000 });
  await desk.click('#consult-complete');
  await desk.waitForSelector('#call', { state: 'hidden', timeout: 10_000 });
  t.pass("completed: the agent's desk call ends");
  await hears(customer, COLLEAGUE, 'the customer hears the colleague');
  await hears(colleague, CUSTOMER, 'the colleague hears the customer');
  await desk.waitForSelector('#wrap-up:not([hidden])', { timeout: 5_000 });
  t.pass('the agent is in wrap-up');
  const callId = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]!.id;
  await fetch(`${stack.daemon.httpAddress}/api/calls/${callId}/hangup`, { method: 'POST' });
  t.equal(await exited(caller, 'the customer'), 0);
  await exited(phone2, "agent2's phone");
  const d = await closed(stack, callId);
  const steps = d.timeline.map((e) => e.type);
  for (const s of ['monitor-started', 'monitor-mode', 'monitor-ended', 'consult-started', 'swapped', 'merged', 'consult-ended', 'transfer-completed']) t.ok(steps.includes(s), `the timeline has ${s}`);
  t.equal(d.agent_id, 'agent2', 'the call ended owned by the colleague');
  if (!t.passing()) t.comment(consoleLines.slice(-40).join('\n'));
});
