/**
 * Real stack with a real browser: an agent signs in to the desk the daemon
 * serves (/desk/) in headless Chromium with a fake microphone. The SIP.js
 * softphone registers over WebSocket, answers a queued call from a SIPp
 * caller, and FreeSWITCH does the DTLS-SRTP handshake with the browser:
 * audio flows both ways, checked on both ends. Then wrap-up is ended from the
 * desk, and a second call is hung up from the desk (the caller gets the BYE).
 */
import path from 'node:path';
import t from 'tap';
import type { CallTable } from '../../src/store/tables.js';
import { findBrowser, launchBrowser } from '../support/browser.js';
import { findStack, peerDir, PORTS, runSipp, SIPP_DIR, startStack, waitFor, type Stack } from './harness.js';

const found = findStack();
const browser = findBrowser();
const skip = !found.ok ? found.missing : !browser.ok ? browser.missing : false;

type CallRow = CallTable & { timeline?: { type: string; data?: Record<string, unknown> }[] };

function runCaller(stack: Stack, scenario: string, callerDir: string, port: number, pauseMs: number) {
  const args = [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, scenario), '-s', '+15550100', '-i', '127.0.0.1', '-p', String(port), '-mp', String(port + 300), '-m', '1', '-d', String(pauseMs), '-timeout', '40s', '-timeout_error'];
  return runSipp(stack.bins, args, callerDir, 60_000);
}

t.test('the desk softphone (SIP.js in Chromium) answers a queued call over DTLS-SRTP, with audio both ways', { skip, timeout: 150_000 }, async (t) => {
  if (!found.ok || !browser.ok) return;
  const stack = await startStack(found.bins, {
    agents: 1,
    queueYaml: 'queues:\n  support:\n    members: [agent1]\n    offerTimeoutSec: 15\n    wrapUpSec: 60\n    missedBackoffSec: 2\n',
  });
  t.teardown(() => stack.stop());
  const agent = stack.agents[0]!;
  const chromium = await launchBrowser(browser.path);
  t.teardown(() => chromium.close());
  const page = await chromium.newPage();
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));

  await page.goto(`${stack.daemon.httpAddress}/desk/`);
  // A wrong password is refused on the page and registers nothing.
  await page.fill('input[name=username]', agent.user);
  await page.fill('input[name=password]', 'wrong');
  await page.click('#sign-in button[type=submit]');
  await page.waitForFunction(() => document.getElementById('sign-in-error')!.textContent !== '');
  t.match(await page.textContent('#sign-in-error'), /wrong username or password/i, 'a wrong password is refused');

  await page.fill('input[name=password]', agent.password);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#phone-state:has-text("phone registered")', { timeout: 15_000 });
  const listed = (await stack.http('/api/agents')) as { agents: { id: string; devices: { transport: string }[] }[] };
  t.same(listed.agents.find((a) => a.id === 'agent1')?.devices.map((d) => d.transport), ['ws'], 'the softphone is registered over WebSocket');

  // Presence from the desk.
  await page.click('[data-presence="standby"]');
  await waitFor('standby', async () => ((await stack.http('/api/agents/agent1')) as { status: string }).status === 'standby' || undefined);
  await page.click('[data-presence="ready"]');
  await waitFor('ready', async () => ((await stack.http('/api/agents/agent1')) as { status: string }).status === 'ready' || undefined);
  t.pass('presence set from the desk');

  // Call 1: the caller talks (440 Hz) for 6 s and hangs up.
  const call1 = runCaller(stack, 'caller.xml', peerDir(stack, 'caller1', 440, 6), 16100, 6000);
  await page.waitForSelector('#offer:not([hidden])', { timeout: 15_000 });
  t.match(await page.textContent('#offer-number'), /\+15557000\d/, 'the popup shows the caller number');
  t.match(await page.textContent('#offer-detail'), /queue support/, 'and the queue');
  await page.click('#answer');
  await page.waitForSelector('#call:not([hidden])', { timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 3_000));
  const stats = (await page.evaluate(() => (window as unknown as { desk: { rtpStats(): Promise<unknown> } }).desk.rtpStats())) as { packetsReceived: number; packetsSent: number; audioEnergy: number; dtls: string };
  t.equal(stats.dtls, 'connected', 'the DTLS handshake with FreeSWITCH completed');
  t.ok(stats.packetsReceived > 50, `the browser received the caller's audio (${stats.packetsReceived} packets)`);
  t.ok(stats.audioEnergy > 0, `and decoded sound from it (energy ${stats.audioEnergy.toFixed(4)})`);
  t.ok(stats.packetsSent > 50, `the browser sent its microphone (${stats.packetsSent} packets)`);

  const r1 = await call1;
  t.equal(r1.code, 0, `the caller's call completes${r1.code ? `: ${r1.stderr.slice(-800)} ${r1.stdout.slice(-800)}` : ''}`);
  await page.waitForSelector('#call', { state: 'hidden', timeout: 10_000 });
  const row1 = await waitFor('the first call record', async () => {
    const r = ((await stack.http('/api/calls?limit=1')) as { calls: CallRow[] }).calls[0];
    return r?.ended_at && r.agent_rtp_in !== null ? r : undefined;
  });
  t.equal(row1.disposition, 'answered');
  t.equal(row1.hangup_side, 'caller');
  t.ok(row1.agent_rtp_in! > 50, `FreeSWITCH received the browser's audio (${row1.agent_rtp_in} packets)`);
  t.ok(row1.agent_rtp_out! > 50, `FreeSWITCH sent the browser the caller's audio (${row1.agent_rtp_out} packets)`);

  // Wrap-up (60 s in this queue), ended early from the desk.
  await page.waitForSelector('#wrap-up:not([hidden])', { timeout: 5_000 });
  t.match(await page.textContent('#status'), /wrap-up/, 'the desk shows wrap-up after the call');
  await page.click('#wrap-up-end');
  await waitFor('ready after wrap-up', async () => ((await stack.http('/api/agents/agent1')) as { status: string }).status === 'ready' || undefined, 5_000);
  t.pass('wrap-up ended from the desk');

  // Call 2: the agent hangs up from the desk; the caller gets the BYE.
  const call2 = runCaller(stack, 'caller-until-bye.xml', peerDir(stack, 'caller2', 660, 6), 16110, 30_000);
  await page.waitForSelector('#offer:not([hidden])', { timeout: 15_000 });
  await page.click('#answer');
  await page.waitForSelector('#call:not([hidden])', { timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 1_500));
  await page.click('#hang-up');
  const r2 = await call2;
  t.equal(r2.code, 0, `the caller receives the BYE${r2.code ? `: ${r2.stderr.slice(-800)} ${r2.stdout.slice(-800)}` : ''}`);
  const row2 = await waitFor('the second call record', async () => {
    const r = ((await stack.http('/api/calls?limit=1')) as { calls: CallRow[] }).calls[0];
    return r && r.id !== row1.id && r.ended_at ? r : undefined;
  });
  t.equal(row2.hangup_side, 'agent', 'the record says the agent hung up');
  if (t.passing() === false) t.comment(consoleLines.slice(-30).join('\n'));
});

t.test('one desk calls a colleague by extension: browser to browser through FreeSWITCH', { skip, timeout: 120_000 }, async (t) => {
  if (!found.ok || !browser.ok) return;
  const stack = await startStack(found.bins, { agents: 2 });
  t.teardown(() => stack.stop());
  const chromium = await launchBrowser(browser.path);
  t.teardown(() => chromium.close());
  const signIn = async (user: string, password: string) => {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(`${stack.daemon.httpAddress}/desk/`);
    await page.fill('input[name=username]', user);
    await page.fill('input[name=password]', password);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#phone-state:has-text("phone registered")', { timeout: 15_000 });
    return page;
  };
  const [a1, a2] = stack.agents;
  const caller = await signIn(a1!.user, a1!.password);
  const callee = await signIn(a2!.user, a2!.password);

  await caller.fill('#dial-form input[name=target]', a2!.user);
  await caller.click('#dial-form button[type=submit]');
  await callee.waitForSelector('#offer:not([hidden])', { timeout: 15_000 });
  t.equal(await callee.textContent('#offer-number'), a1!.user, "the colleague's popup shows the caller's extension");
  t.match(await callee.textContent('#offer-detail'), /direct call/);
  await callee.click('#answer');
  await caller.waitForSelector('#call:not([hidden])', { timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 2_500));
  const stats = (p: typeof caller) => p.evaluate(() => (window as unknown as { desk: { rtpStats(): Promise<{ packetsReceived: number; audioEnergy: number; dtls: string }> } }).desk.rtpStats());
  for (const [name, page] of [['caller', caller], ['callee', callee]] as const) {
    const s = await stats(page);
    t.equal(s.dtls, 'connected', `${name}: DTLS connected`);
    t.ok(s.packetsReceived > 50 && s.audioEnergy > 0, `${name} hears the other (${s.packetsReceived} packets, energy ${s.audioEnergy.toFixed(3)})`);
  }
  await callee.click('#hang-up');
  await caller.waitForSelector('#call', { state: 'hidden', timeout: 10_000 });
  t.pass("the colleague's hang-up ends the caller's call");
});
