/**
 * Real stack, the desk in headless Chromium working a live call: the agent's
 * browser microphone plays a 1200 Hz tone (a fake capture file), the customer
 * is SIPp with a test RTP peer playing 440 Hz. Every control is clicked on
 * the desk and its effect checked at the customer's side by content: hold
 * music (350 Hz) on hold, the agent's tone gone when muted, keypad digits
 * decoded, the recording state, the dropped message (2000 Hz) after the
 * agent's BYE; the call log and notification settings follow.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { findBrowser, launchBrowser } from '../support/browser.js';
import { writePcmToneWav, writeToneWav } from '../support/audio.js';
import { RtpPeer } from '../support/rtp-peer.js';
import { findStack, startStack, waitFor } from './harness.js';
import { AGENT, api, callIn, closed, CUSTOMER, describe, dominant, exited, MESSAGE, MUSIC, sleep } from './live-support.js';

const found = findStack();
const browser = findBrowser();
const skip = !found.ok ? found.missing : !browser.ok ? browser.missing : false;

t.test('the desk works a live call: hold, mute, keypad, recording, voicemail drop, call log, notifications', { skip, timeout: 200_000 }, async (t) => {
  if (!found.ok || !browser.ok) return;
  const media = path.join('/tmp', `cc-desk-media-${process.pid}`);
  mkdirSync(media, { recursive: true });
  writePcmToneWav(path.join(media, 'mic.wav'), AGENT, 10);
  writeToneWav(path.join(media, 'promo.wav'), MESSAGE, 3);
  const stack = await startStack(found.bins, {
    agents: 1,
    queueYaml: `queues:\n  support:\n    members: [agent1]\n    offerTimeoutSec: 15\n    wrapUpSec: 30\n    recording: on-demand\n    holdMusic: "tone_stream://%(10000,0,${MUSIC});loops=-1"\n`,
    files: { 'drops.yaml': `voicemailDrops:\n  promo: { file: ${path.join(media, 'promo.wav')}, description: Spring offer }\n` },
  });
  t.teardown(async () => {
    await stack.stop();
    rmSync(media, { recursive: true, force: true });
  });
  const chromium = await launchBrowser(browser.path, { fakeAudioFile: path.join(media, 'mic.wav') });
  t.teardown(() => chromium.close());
  const page = await chromium.newPage();
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  const agent = stack.agents[0]!;
  await page.goto(`${stack.daemon.httpAddress}/desk/`);
  await page.fill('input[name=username]', agent.user);
  await page.fill('input[name=password]', agent.password);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#phone-state:has-text("phone registered")', { timeout: 15_000 });
  await page.click('[data-presence="ready"]');
  await waitFor('ready', async () => ((await stack.http('/api/agents/agent1')) as { status: string }).status === 'ready' || undefined);

  // Notifications are the agent's own, kept by the server.
  await page.selectOption('#notify-ended', 'both');
  await waitFor('the setting saved', async () => ((await stack.http('/api/agents/agent1/settings')) as { notifications: { ended: string } }).notifications.ended === 'both' || undefined, 5_000);
  t.pass('a notification setting chosen on the desk is kept by the server');

  const customer = await RtpPeer.open(CUSTOMER);
  t.teardown(() => customer.close());
  const caller = await callIn(stack, customer, 16500);
  await page.waitForSelector('#offer:not([hidden])', { timeout: 15_000 });
  await page.click('#answer');
  await page.waitForSelector('#call:not([hidden])', { timeout: 10_000 });
  await page.waitForSelector('#hold:not([disabled])', { timeout: 5_000 });
  await sleep(2_500);
  let now = Date.now();
  const talk = dominant(customer, now - 1_200, now);
  t.equal(talk.tone, AGENT, `the customer hears the browser's microphone: ${describe(talk)}`);
  const timer1 = await page.textContent('#call-timer');
  t.match(timer1, /^\d+:\d\d$/, `the call timer runs (${timer1})`);

  await page.click('#hold');
  await page.waitForSelector('#hold:has-text("Resume")');
  const holdAt = Date.now();
  await sleep(1_800);
  const held = dominant(customer, holdAt + 300, holdAt + 1_700);
  t.equal(held.tone, MUSIC, `hold from the desk: the customer hears the hold music: ${describe(held)}`);
  t.ok(await page.isVisible('#hold-timer'), 'the desk shows the hold timer');
  await page.click('#hold');
  await page.waitForSelector('#hold:has-text("Hold")');
  const resumeAt = Date.now();
  await sleep(1_500);
  t.equal(dominant(customer, resumeAt + 300, resumeAt + 1_400).tone, AGENT, 'resumed from the desk: the agent is heard again');

  await page.click('#mute');
  await page.waitForSelector('#mute:has-text("Unmute")');
  const muteAt = Date.now();
  await sleep(1_500);
  const muted = dominant(customer, muteAt + 300, muteAt + 1_400);
  t.not(muted.tone, AGENT, `muted from the desk: the agent's tone does not reach the customer: ${describe(muted)}`);
  await page.click('#mute');
  await page.waitForSelector('#mute:has-text("Mute")');

  for (const d of ['1', '2', '#']) await page.click(`[data-digit="${d}"]`);
  await waitFor('the customer to decode 12#', () => (customer.digits().includes('12#') ? true : undefined), 5_000);
  t.pass(`keypad on the desk: the customer decoded ${customer.digits()}`);

  await page.click('#record');
  await page.waitForSelector('#recording-state:has-text("recording")');
  await page.click('#record-pause');
  await page.waitForSelector('#recording-state:has-text("recording paused")');
  await page.click('#record-pause');
  await page.waitForSelector('#record-pause:has-text("Pause recording")');
  t.pass('recording started, paused and resumed from the desk');

  const log = await page.locator('#call-log li').allTextContents();
  for (const step of ['on hold', 'resumed', 'muted', 'unmuted', 'keypad', 'recording']) t.ok(log.some((l) => l.includes(step)), `the call log shows "${step}"`);

  // Voicemail drop: the desk's call ends at once, the customer hears the message.
  await page.selectOption('#drop-message', 'promo');
  await page.click('#drop');
  await page.waitForSelector('#call', { state: 'hidden', timeout: 5_000 });
  const byeAt = Date.now();
  t.equal(await exited(caller, 'the customer', 15_000), 0, 'the customer is hung up once the message has played');
  const message = dominant(customer, byeAt + 200, byeAt + 2_500);
  t.equal(message.tone, MESSAGE, `after the agent left, the customer heard the message: ${describe(message)}`);
  await page.waitForSelector('#wrap-up:not([hidden])', { timeout: 5_000 });
  t.pass('the agent is in wrap-up while the message plays');
  const notice = (await page.evaluate(() => (window as unknown as { desk: { store: { state: { lastNotice?: { what: string } } } } }).desk.store.state.lastNotice)) as { what: string } | undefined;
  t.equal(notice?.what, 'ended', 'the call-ended notification (set to both) was given');
  const callId = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]!.id;
  const d = await closed(stack, callId);
  t.equal(d.voicemail_drop, 'promo');
  t.equal(d.disposition, 'voicemail-drop');
  const recs = (await api(stack, 'GET', `/api/calls/${callId}/recordings`)).json.recordings as { status: string }[];
  t.equal(recs.length, 1, 'the on-demand recording is listed with the call');
  if (!t.passing()) t.comment(consoleLines.slice(-30).join('\n'));
});
