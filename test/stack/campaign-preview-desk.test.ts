/**
 * Real stack, real browser: a preview campaign on the agent's desk. The
 * first contact is skipped (the campaign allows one skip), the second is
 * dialed with the button (Skip is gone), the person answers, the desk's
 * softphone takes the call and hangs up; the third dials by itself when the
 * countdown ends. The callees are the SIPp carrier (last digit 0-4: a person).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { findBrowser, launchBrowser } from '../support/browser.js';
import { ALL_DAY, campaignApi, CORPUS, CORPUS_LABELS, writeCarrierClips } from './campaign-support.js';
import { findStack, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';

const found = findStack();
const browser = findBrowser();
const skip = !found.ok ? found.missing : !browser.ok ? browser.missing : !existsSync(CORPUS_LABELS) ? `preview desk test skipped: no AMD corpus at ${CORPUS} (set AMD_CORPUS)` : false;

async function signIn(page: Page, url: string, user: string, password: string) {
  await page.goto(url);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('#sign-in button[type=submit]');
}

t.test('preview from the desk: skip, dial, and the dial by itself', { skip, timeout: 240_000 }, async (t) => {
  if (!found.ok || !browser.ok) return;
  const stack = await startStack(found.bins, {
    agents: 1,
    queueYaml: `queues:\n  outbound: { members: [agent1], offerTimeoutSec: 15, wrapUpSec: 0 }\ntrunks:\n  carrier: { uri: "sip:127.0.0.1:16050" }\nexternal:\n  allow: ['^\\\\+1212555']\n`,
    numbersYaml: 'numbers:\n  "+15550100": { route: { queue: outbound } }\n',
  });
  t.teardown(() => stack.stop());
  const api = campaignApi(stack);
  // Every callee who answers is a person, whose line stays open 20 s after they speak (the desk takes its time).
  const carrierDir = writeCarrierClips(path.join(stack.dir, 'carrier'), { allHuman: true, silenceSec: 20 });
  const carrier = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'callee-campaign.xml'), '-i', '127.0.0.1', '-p', '16050', '-mp', '16400', '-m', '100'], carrierDir);
  t.teardown(() => carrier.stop());

  const chromium = await launchBrowser(browser.path);
  t.teardown(() => chromium.close());
  const desk = await (await chromium.newContext({ viewport: { width: 1100, height: 1000 } })).newPage();
  const agent = stack.agents[0]!;
  await signIn(desk, `${stack.daemon.httpAddress}/desk/`, agent.user, agent.password);
  await desk.waitForSelector('#phone-state:has-text("phone registered")', { timeout: 15_000 });
  await desk.click('[data-presence="ready"]');

  const numbers = ['+12125550401', '+12125550402', '+12125550403'];
  const list = (await api('POST', '/api/lists', { name: 'callbacks' })).json.id as string;
  await api('POST', `/api/lists/${list}/contacts?number=number&name=name`, `number,name,reason\n${numbers.map((n, i) => `${n},Customer ${i + 1},callback ${i + 1}`).join('\n')}\n`, true);
  const made = await api('POST', '/api/campaigns', { name: 'Callbacks', lists: [list], mode: 'preview', queue: 'outbound', trunk: 'carrier', hours: ALL_DAY, maxAttempts: 1, retryMinutes: 600, previewSeconds: 8, maxSkips: 1 });
  t.equal(made.status, 201, `saved ${made.status === 201 ? '' : JSON.stringify(made.json)}`);
  const id = made.json.id as string;
  await api('POST', `/api/campaigns/${id}/run`);

  await desk.waitForSelector('#preview:not([hidden])', { timeout: 10_000 });
  t.equal(await desk.textContent('#preview-number'), numbers[0], 'the first contact is previewed');
  t.match(await desk.textContent('#preview-properties'), /callback 1/, "with the list's columns");
  t.match(await desk.textContent('#preview-campaign'), /Callbacks/);
  await desk.click('#preview-skip');
  await desk.waitForFunction((n) => document.querySelector('#preview-number')?.textContent === n, numbers[1], { timeout: 5_000 });
  t.pass('skipped: the next contact');
  t.ok(await desk.isVisible('#preview-no-skips'), 'no skips left: no Skip button');
  t.equal(await desk.isVisible('#preview-skip'), false);
  await desk.click('#preview-dial');
  await desk.waitForSelector('#offer:not([hidden])', { timeout: 15_000 });
  t.match(await desk.textContent('#offer-number'), /5550402/, 'the person answered: the desk is offered the call');
  await desk.click('#answer');
  await desk.waitForSelector('#call:not([hidden])', { timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 1_500));
  await desk.click('#hang-up');
  await desk.waitForSelector('#preview:not([hidden])', { timeout: 15_000 });
  t.equal(await desk.textContent('#preview-number'), numbers[2], 'the third contact');
  await desk.waitForSelector('#offer:not([hidden])', { timeout: 20_000 });
  t.pass('not touched: it dialed by itself when the countdown ended, and the person is offered');
  await desk.click('#answer');
  await desk.waitForSelector('#call:not([hidden])', { timeout: 10_000 });
  await desk.click('#hang-up');
  const done = await waitFor('the campaign to complete', async () => {
    const c = (await api('GET', `/api/campaigns/${id}`)).json as { status: string };
    return c.status === 'completed' ? c : undefined;
  }, 30_000, 500);
  t.ok(done, 'completed');
  const attempts = (await api('GET', `/api/campaigns/${id}/attempts`)).json.attempts as { number: string; outcome: string }[];
  t.same(attempts.map((a) => `${a.number} ${a.outcome}`).sort(), [`${numbers[0]} skipped`, `${numbers[1]} connected`, `${numbers[2]} connected`], 'skipped, connected, connected');
});
