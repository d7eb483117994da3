/**
 * Real stack, real browsers: after the call. A supervisor's wallboard (signed
 * in like an agent) shows a SIPp caller waiting in the queue, then answered by
 * the agent's desk softphone; the agent follows the queue's script ("next"
 * blocked until each step is done), sets a property on the caller's contact
 * card and writes notes during the call; the queue requires a disposition so
 * the wrap-up does not end without one, the
 * agent reloads the desk in the middle of typing and loses nothing, adds a
 * tag and picks the disposition, which ends the wrap-up. The call record has
 * it all, the wallboard counts the call, and the reports page shows it.
 * Screenshots of the desk, the wallboard and the reports go to
 * .tap/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { findBrowser, launchBrowser } from '../support/browser.js';
import { findStack, peerDir, PORTS, runSipp, SIPP_DIR, startStack, waitFor } from './harness.js';

const found = findStack();
const browser = findBrowser();
const skip = !found.ok ? found.missing : !browser.ok ? browser.missing : false;
const SHOTS = path.resolve('.tap', 'screenshots');

async function signIn(page: Page, url: string, user: string, password: string) {
  await page.goto(url);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('#sign-in button[type=submit]');
}

t.test('the agent works the call in the desk; the wallboard and the reports show it', { skip, timeout: 180_000 }, async (t) => {
  if (!found.ok || !browser.ok) return;
  mkdirSync(SHOTS, { recursive: true });
  const stack = await startStack(found.bins, {
    agents: 2,
    queueYaml: `queues:
  support:
    name: Support
    members: [agent1]
    offerTimeoutSec: 15
    wrapUpSec: 0
    script: intake
    dispositions:
      required: true
      codes:
        - { code: resolved, label: Resolved }
        - { code: refund, label: Refund issued }
`,
    files: {
      'scripts.yaml': `scripts:
  intake:
    name: Intake
    start: greet
    steps:
      greet:
        title: Greeting
        say: "Thank you for calling {queue.name}, this is {agent.name}. This call is recorded."
        disclosure: true
        next: verify
      verify:
        title: Verify
        say: Ask for the 8-digit account number.
        fields:
          - { name: account, label: Account number, required: true, pattern: "[0-9]{8}" }
        checks:
          - { name: identity, label: Identity confirmed }
        end: true
`,
    },
    agentExtra: { agent2: 'supervises: [support]' },
  });
  t.teardown(() => stack.stop());
  const [agent, supervisor] = stack.agents;
  const chromium = await launchBrowser(browser.path);
  t.teardown(() => chromium.close());
  const consoleLines: string[] = [];
  t.teardown(() => {
    if (t.passing() === false) console.error(consoleLines.slice(-40).join('\n'));
  });

  // The supervisor's wallboard.
  const board = await (await chromium.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  board.on('console', (m) => consoleLines.push(`board ${m.type()}: ${m.text()}`));
  await signIn(board, `${stack.daemon.httpAddress}/wallboard`, supervisor!.user, supervisor!.password);
  await board.waitForSelector('[data-queue="support"]', { timeout: 15_000 });
  t.equal((await board.textContent('[data-queue="support"] [data-field="answered"]'))?.trim(), '0', 'the wallboard: nothing answered yet');

  // The agent's desk, on standby so that the call waits first.
  const desk = await (await chromium.newContext({ viewport: { width: 1100, height: 1000 } })).newPage();
  desk.on('console', (m) => consoleLines.push(`desk ${m.type()}: ${m.text()}`));
  await signIn(desk, `${stack.daemon.httpAddress}/desk/`, agent!.user, agent!.password);
  await desk.waitForSelector('#phone-state:has-text("phone registered")', { timeout: 15_000 });
  await desk.click('[data-presence="standby"]');
  await waitFor('standby', async () => ((await stack.http('/api/agents/agent1')) as { status: string }).status === 'standby' || undefined);

  const caller = runSipp(
    stack.bins,
    [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16200', '-mp', '16500', '-m', '1', '-d', '14000', '-timeout', '60s', '-timeout_error'],
    peerDir(stack, 'caller', 440, 16),
    90_000,
  );
  await board.waitForFunction(() => document.querySelector('[data-queue="support"] .pill')?.textContent?.startsWith('1 waiting'), undefined, { timeout: 15_000 });
  t.pass('the wallboard shows the call waiting, pushed over its WebSocket');
  await board.screenshot({ path: path.join(SHOTS, 'wallboard-waiting.png') });

  await desk.click('[data-presence="ready"]');
  await desk.waitForSelector('#offer:not([hidden])', { timeout: 15_000 });
  await desk.click('#answer');
  await desk.waitForSelector('#work:not([hidden])', { timeout: 10_000 });
  await board.waitForFunction(() => document.querySelector('[data-queue="support"] [data-agents="on-call"]') !== null && document.querySelector('[data-queue="support"] .pill')?.textContent?.startsWith('0 waiting'), undefined, { timeout: 10_000 });
  t.pass('then answered: nobody waits, the agent is on call');
  const callId = (await desk.getAttribute('#work', 'data-call'))!;
  t.match(callId, /\S/, 'the work panel is about the call');
  t.equal(await desk.textContent('#disposition-required'), 'required');

  // The script: "next" is blocked until the step's required actions are done.
  await desk.waitForSelector('#script[data-step="greet"]', { timeout: 5_000 });
  t.match(await desk.textContent('#script-say'), /Thank you for calling Support, this is Agent 1001/, 'the text to say, filled in');
  t.equal(await desk.isDisabled('#script-next'), true, 'next is blocked until the disclosure is acknowledged');
  await desk.check('#script-ack');
  await desk.click('#script-next');
  await desk.waitForSelector('#script[data-step="verify"]', { timeout: 5_000 });
  await desk.fill('#script [data-field="account"] input', '1234');
  t.equal(await desk.isDisabled('#script-next'), true, 'blocked: the required check is not ticked');
  await desk.check('#script [data-check="identity"] input');
  await desk.click('#script-next');
  await desk.waitForFunction(() => /account: must match/.test(document.getElementById('script-error')?.textContent ?? ''), undefined, { timeout: 5_000 });
  t.pass('a wrong account number is refused by the daemon, naming the field');
  await desk.fill('#script [data-field="account"] input', '12345678');
  await desk.click('#script-next');
  await desk.waitForSelector('#script-finished', { timeout: 5_000 }).catch(async (err) => {
    await desk.screenshot({ path: path.join(SHOTS, 'script-failed.png') });
    throw new Error(`${(err as Error).message}; script error: ${await desk.textContent('#script-error')}`);
  });
  t.pass('the script is finished');

  // Notes during the call: saved as typed.
  await desk.fill('#notes', 'Customer was billed twice in November.');
  await desk.waitForSelector('#notes-state:has-text("saved")', { timeout: 5_000 });
  await desk.screenshot({ path: path.join(SHOTS, 'desk-on-call.png') });

  // The contact card: a property set on the call.
  await desk.waitForSelector('#contact:not([hidden])', { timeout: 5_000 });
  await desk.fill('#property-form input[name=key]', 'plan');
  await desk.fill('#property-form input[name=value]', 'gold');
  await desk.click('#property-form button[type=submit]');
  await desk.waitForSelector('#contact-properties [data-property="plan"]', { timeout: 5_000 });
  t.pass('a property set from the contact card');

  // The caller hangs up: wrap-up, held for the disposition.
  t.equal((await caller).code, 0, "the caller's call completes");
  await waitFor('wrap-up held', async () => ((await stack.http('/api/agents/agent1')) as { status: string; wrapHeld?: boolean }).wrapHeld || undefined, 10_000);
  await desk.waitForSelector('#wrap-up:not([hidden])', { timeout: 5_000 });
  await desk.click('#wrap-up-end');
  await desk.waitForFunction(() => /disposition is required/.test(document.getElementById('wrap-up-error')?.textContent ?? ''), undefined, { timeout: 5_000 });
  t.pass('ending the wrap-up without a disposition is refused, saying why');
  t.equal(((await stack.http('/api/agents/agent1')) as { status: string }).status, 'wrap-up');

  // Typing, then a reload before the save: nothing is lost.
  await desk.fill('#notes', 'Customer was billed twice in November. Refund of 42 EUR promised.');
  await desk.reload();
  await desk.fill('input[name=username]', agent!.user);
  await desk.fill('input[name=password]', agent!.password);
  await desk.click('#sign-in button[type=submit]');
  await desk.waitForSelector('#work:not([hidden])', { timeout: 15_000 });
  t.equal(await desk.getAttribute('#work', 'data-call'), callId, 'after the reload the work panel is about the same call');
  await desk.waitForFunction(() => (document.getElementById('notes') as HTMLTextAreaElement | null)?.value.includes('42 EUR'), undefined, { timeout: 5_000 });
  await desk.waitForSelector('#notes-state:has-text("saved")', { timeout: 5_000 });
  t.pass('the notes typed just before the reload are back, and saved');

  await desk.fill('#tag-form input[name=tag]', 'billing');
  await desk.press('#tag-form input[name=tag]', 'Enter');
  await desk.waitForSelector('[data-tag="billing"]', { timeout: 5_000 });
  await desk.selectOption('#disposition', 'refund');
  await waitFor('ready after the disposition', async () => ((await stack.http('/api/agents/agent1')) as { status: string }).status === 'ready' || undefined, 10_000);
  t.pass('the disposition ends the held wrap-up');
  await desk.screenshot({ path: path.join(SHOTS, 'desk-after-call.png') });

  // The call record has it all.
  const work = (await stack.http(`/api/calls/${encodeURIComponent(callId)}/work/all`)) as { work: { agentId: string; disposition?: string; notes: string; tags: string[]; wrapUpMs?: number }[] };
  t.match(work.work, [{ agentId: 'agent1', disposition: 'refund', notes: 'Customer was billed twice in November. Refund of 42 EUR promised.', tags: ['billing'] }]);
  const record = (await stack.http(`/api/calls/${encodeURIComponent(callId)}`)) as { timeline: { type: string; data?: Record<string, unknown> }[] };
  t.match(record.timeline.find((e) => e.type === 'disposition')?.data, { agentId: 'agent1', code: 'refund', label: 'Refund issued' }, 'the timeline says who picked what');
  t.match(record.timeline.find((e) => e.type === 'script-finished')?.data, { agentId: 'agent1', script: 'intake', from: 'verify', answers: { account: '12345678', identity: true } }, "and the script's answers");
  const run = (await stack.http(`/api/calls/${encodeURIComponent(callId)}/script?agent=agent1`)) as { run: { finished: boolean; path: string[] } };
  t.match(run.run, { finished: true, path: ['greet'] }, 'the run is kept with the call');

  const callerNumber = ((await stack.http(`/api/calls/${encodeURIComponent(callId)}`)) as { caller_number: string }).caller_number;
  t.match(await stack.http(`/api/contacts/${encodeURIComponent(callerNumber)}`), { properties: { plan: 'gold' }, history: [{ id: callId, disposition: 'refund' }] }, "the caller's contact has the property, and this call in its history");

  // The wallboard counts it.
  await board.waitForFunction(() => document.querySelector('[data-queue="support"] [data-field="answered"]')?.textContent?.trim() === '1', undefined, { timeout: 10_000 });
  t.equal((await board.textContent('[data-queue="support"] [data-field="abandoned"]'))?.trim(), '0');
  t.match(await board.textContent('[data-queue="support"] [data-field="service-level"]'), /^(100|0)%$/, 'a service level for the day');
  t.match(await board.textContent('[data-queue="support"] [data-field="avg-handle"]'), /^\d+:\d\d$/, 'and a handle time');
  await board.waitForFunction(() => document.querySelector('[data-agent="agent1"] .pill')?.textContent === 'ready', undefined, { timeout: 10_000 });
  t.pass('and the agent, ready again');
  await board.screenshot({ path: path.join(SHOTS, 'wallboard-answered.png') });

  // The reports page (same sign-in as the board).
  await board.goto(`${stack.daemon.httpAddress}/desk/reports.html`);
  await board.waitForSelector('#queue-report [data-queue="support"]', { timeout: 10_000 });
  const row = await board.$$eval('#queue-report [data-queue="support"] td', (tds) => tds.map((td) => td.textContent?.trim()));
  t.same(row.slice(0, 4), ['support', '1', '1', '0'], 'queue report: offered 1, answered 1, abandoned 0');
  await board.waitForSelector(`#call-report [data-call="${callId}"]`);
  t.match(await board.textContent(`#call-report [data-call="${callId}"]`), /refund.*billing.*42 EUR/, 'the call log row has the disposition, tags and notes');
  await board.waitForSelector('#calls-per-hour canvas', { timeout: 5_000 });
  await board.screenshot({ path: path.join(SHOTS, 'reports.png'), fullPage: true });
  t.comment(`screenshots: ${SHOTS}/{wallboard-waiting,desk-on-call,desk-after-call,wallboard-answered,reports}.png`);
});
