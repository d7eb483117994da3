/**
 * Real stack, real browser: the supervisors' campaign page. A supervisor
 * signs in with their desk credentials, imports a contact list from a CSV
 * file (the bad row is reported by its number, the good ones import),
 * creates a progressive campaign with the form (a missing queue is named
 * beside its field first), runs it, pauses and resumes it, and watches it to
 * Completed: every contact settled, the outcomes and the attempts on the
 * page, as the API says. The callees are the SIPp carrier (last digit 0-4 a
 * person, 7 busy); agent1's phone is SIPp.
 */
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { findBrowser, launchBrowser } from '../support/browser.js';
import { writeToneWav } from '../support/audio.js';
import { findStack, peerDir, registerAgent, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';

const found = findStack();
const browser = findBrowser();
const skip = !found.ok ? found.missing : !browser.ok ? browser.missing : false;

t.test("the campaign page: a supervisor's list import, a campaign from the form, run, pause, resume, Completed", { skip, timeout: 180_000 }, async (t) => {
  if (!found.ok || !browser.ok) return;
  const stack = await startStack(found.bins, {
    agents: 2,
    agentExtra: { agent2: 'supervises: [outbound]' },
    queueYaml: `queues:\n  outbound: { members: [agent1], offerTimeoutSec: 10, wrapUpSec: 0 }\n  other: { members: [agent2] }\ntrunks:\n  carrier: { uri: "sip:127.0.0.1:16050" }\nexternal:\n  allow: ['^\\\\+1212555']\n`,
    numbersYaml: 'numbers:\n  "+15550100": { route: { queue: outbound } }\n',
  });
  t.teardown(() => stack.stop());
  const carrierDir = path.join(stack.dir, 'carrier');
  mkdirSync(carrierDir, { recursive: true });
  writeToneWav(path.join(carrierDir, 'human.wav'), 440, 6);
  writeToneWav(path.join(carrierDir, 'machine.wav'), 440, 6);
  const carrier = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'callee-campaign.xml'), '-i', '127.0.0.1', '-p', '16050', '-mp', '16400', '-m', '100'], carrierDir);
  t.teardown(() => carrier.stop());
  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer-hangup.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '1000', '-m', '100'], peerDir(stack, 'phone', 1200, 1));
  t.teardown(() => phone.stop());
  t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0, 'agent1 registers');

  const chromium = await launchBrowser(browser.path);
  t.teardown(() => chromium.close());
  const page = await (await chromium.newContext({ viewport: { width: 1300, height: 1400 } })).newPage();
  const supervisor = stack.agents[1]!;
  await page.goto(`${stack.daemon.httpAddress}/campaigns`);
  await page.fill('input[name=username]', supervisor.user);
  await page.fill('input[name=password]', supervisor.password);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#campaigns', { timeout: 10_000 });
  t.match(await page.textContent('#campaigns'), /No campaigns yet/, 'signed in: no campaigns yet');

  // The list: three people, a busy line and a bad number.
  const csvFile = path.join(stack.dir, 'december.csv');
  writeFileSync(csvFile, 'phone,name,account\n+12125550101,Ann,A-1\n+12125550102,Bob,A-2\nnot-a-number,Cy,A-3\n+12125550103,Dee,A-4\n+12125550107,Eve,A-5\n');
  await page.fill('#list-import input[name=newName]', 'December');
  await page.setInputFiles('#list-import input[name=file]', csvFile);
  await page.fill('#list-import input[name=number]', 'phone');
  await page.fill('#list-import input[name=name]', 'name');
  await page.click('#list-import button[type=submit]');
  await page.waitForSelector('#import-result', { timeout: 10_000 });
  t.match(await page.textContent('#import-result'), /4 contacts imported; 1 rows refused/, 'the good rows import');
  t.match(await page.textContent('#import-problems'), /row 3: phone: "not-a-number" is not a valid phone number/, 'the bad one by its row number');

  // The form: without a queue first, then complete.
  await page.click('#new-campaign');
  await page.fill('#campaign-form input[name=name]', 'December renewals');
  await page.check('#form-lists input[type=checkbox]');
  for (const d of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) await page.fill(`#form-hours input[name=hours-${d}]`, '00:00-24:00');
  await page.fill('#campaign-form input[name=maxAttempts]', '1');
  await page.fill('#campaign-form input[name=ringSeconds]', '5');
  await page.fill('#campaign-form input[name=trunk]', 'carrier');
  await page.click('#form-save');
  await page.waitForSelector('[data-problem=queue]', { timeout: 5_000 });
  t.match(await page.textContent('[data-problem=queue]'), /required, the queue whose agents take the calls/, 'the missing queue is named beside its field');
  t.match(await page.textContent('#form-problems'), /queue:/);
  const queues = await page.$$eval('#campaign-form select[name=queue] option', (o) => o.map((x) => (x as HTMLOptionElement).value).filter(Boolean));
  t.same(queues.sort(), ['other', 'outbound'], 'the queues to choose from');
  await page.selectOption('#campaign-form select[name=queue]', 'other');
  await page.click('#form-save');
  await page.waitForFunction(() => /not one you supervise/.test(document.querySelector('#form-problems')?.textContent ?? ''), undefined, { timeout: 5_000 });
  t.pass("another queue's campaign is refused: the supervisor supervises outbound only");
  await page.selectOption('#campaign-form select[name=queue]', 'outbound');
  await page.click('#form-save');
  await page.waitForSelector('#campaigns tr[data-campaign]', { timeout: 5_000 });
  t.equal(await page.isVisible('#campaign-form'), false, 'saved: the form closes');
  const row = '#campaigns tr[data-campaign]';
  t.equal(await page.textContent(`${row} [data-field=status]`), 'ready', 'the campaign is Ready');
  const id = await page.getAttribute(row, 'data-campaign');

  // Run it; pause and resume while it dials; then to the end.
  await page.click(`${row} [data-action=run]`);
  await page.waitForFunction(() => document.querySelector('#campaigns [data-field=status]')?.textContent === 'active', undefined, { timeout: 5_000 });
  t.pass('run: Active');
  await page.click(`${row} [data-action=pause]`);
  await page.waitForFunction(() => document.querySelector('#campaigns [data-field=status]')?.textContent === 'paused', undefined, { timeout: 5_000 });
  t.ok(await page.isVisible(`${row} [data-action=resume]`), 'paused: Resume is offered');
  t.equal(await page.isVisible(`${row} [data-action=pause]`), false, 'and Pause is not');
  await page.click(`${row} [data-action=resume]`);
  await page.waitForFunction(() => document.querySelector('#campaigns [data-field=status]')?.textContent === 'active', undefined, { timeout: 5_000 });
  await page.click(row);
  await page.waitForFunction(() => document.querySelector('#campaigns [data-field=status]')?.textContent === 'completed', undefined, { timeout: 90_000 });
  t.pass('Completed, live on the page');
  await page.waitForFunction(() => (document.querySelectorAll('#attempts tbody tr').length ?? 0) === 4, undefined, { timeout: 5_000 });
  t.match(await page.textContent(`${row} [data-field=progress]`), /4\/4/, 'every contact settled');
  const outcomes = await page.$$eval('#outcomes dd', (dd) => Object.fromEntries(dd.map((d) => [(d as HTMLElement).dataset.outcome, Number(d.textContent)])));
  t.same(outcomes, { busy: 1, connected: 3 }, 'the outcomes on the page: three people, one busy line');
  const api = (await (await fetch(`${stack.daemon.httpAddress}/api/campaigns/${id}`)).json()) as { outcomes: Record<string, number>; status: string };
  t.same(api.outcomes, outcomes, 'as the API says');
  t.same(await page.$$eval('#attempts tbody td[data-outcome]', (tds) => tds.map((x) => x.textContent).sort()), ['busy', 'connected', 'connected', 'connected'], 'and the attempts');
  t.ok(await page.isVisible(`${row} [data-action=rerun]`), 'a completed campaign offers Rerun');
});
