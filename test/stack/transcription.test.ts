/**
 * Real stack, transcription with the embedded engine (PocketSphinx):
 * - a recorded call where the customer (a SIPp caller's RTP peer) and the
 *   agent (a SIPp phone's peer) each say a known sentence of the bench's corpus ends with a
 *   transcript whose customer turns match the customer's sentence and whose
 *   agent turns match the agent's, within the engine's measured error rate,
 *   and the call is found by a word of it;
 * - a voicemail left by a SIPp caller reaches a local SMTP server with the
 *   transcript, the caller, and the WAV attached; the desk's API lists it,
 *   plays it and marks it heard;
 * - live: the agent answers on the desk's softphone in headless Chromium (its
 *   fake microphone says the agent's sentence) and the customer's words reach
 *   the desk's transcript panel during the call; after it, the live
 *   transcript is kept with the call.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { wordErrorRate } from '../../src/core/stt/wer.js';
import { parseWav } from '../../src/audio/wav.js';
import { pocketSphinxMissing } from '../../src/stt/pocketsphinx.js';
import { findBrowser, launchBrowser } from '../support/browser.js';
import { RtpPeer } from '../support/rtp-peer.js';
import { startSmtpSink } from '../support/smtp-sink.js';
import { padded, speak, speechMissing } from '../support/speech.js';
import { findStack, PORTS, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';
import { api, callIn, connectCall, sleep } from './live-support.js';

const found = findStack();
const browser = findBrowser();
const skip = !found.ok ? found.missing : (pocketSphinxMissing() && `transcription test skipped: ${pocketSphinxMissing()}`) || speechMissing() || false;

/** The telephone-band word error rate `npm run bench:stt` measured for PocketSphinx (README): the bound a sentence must meet. */
const MEASURED_WER = 0.82;
const CUSTOMER_SAYS = 'I would like to book an appointment for Friday afternoon';
const AGENT_SAYS = 'How long will the refund take to reach my bank';
// Two sentences: the longer the message, the steadier its error rate.
const CALLER_LEAVES = 'I forgot my password and cannot log in. I would like to book an appointment for Friday afternoon';

interface Turn {
  speaker: string;
  start: number;
  end: number;
  text: string;
}
interface TranscriptView {
  pending: boolean;
  transcripts: { source: string; recordingId?: string; turns: Turn[] }[];
}

const words = (turns: Turn[], speaker: string) => turns.filter((x) => x.speaker === speaker).map((x) => x.text).join(' ');

t.test('transcription on the real stack', { skip, timeout: 400_000 }, async (t) => {
  if (!found.ok) return;
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const stack = await startStack2(sink.port);
  t.teardown(() => stack.stop());
  let messageId: string | undefined;
  let recordedCall: string | undefined;
  let foundBy: string | undefined;

  await t.test('a recorded call: each speaker\'s words on their own channel', async (t) => {
    const p = await connectCall(stack, { port: 16000 }, t);
    p.customer.quiet = true;
    p.agent.quiet = true;
    await sleep(700);
    await p.customer.say(speak(CUSTOMER_SAYS));
    await sleep(800);
    await p.agent.say(speak(AGENT_SAYS));
    await sleep(1000);
    t.equal((await api(stack, 'POST', `/api/calls/${p.callId}/hangup`)).status, 200, 'hung up from the API');
    const view = await waitFor('the transcript', async () => {
      const r = await api(stack, 'GET', `/api/calls/${p.callId}/transcript`);
      const v = r.json as unknown as TranscriptView;
      return v.transcripts?.length ? v : undefined;
    }, 120_000, 500);
    const tr = view.transcripts[0]!;
    t.equal(tr.source, 'recording');
    t.match(tr.recordingId, new RegExp(`^${p.callId}-`), 'made from the call\'s recording');
    const customer = words(tr.turns, 'customer');
    const agent = words(tr.turns, 'agent');
    const cw = wordErrorRate(CUSTOMER_SAYS, customer).rate;
    const aw = wordErrorRate(AGENT_SAYS, agent).rate;
    t.comment(`customer heard as "${customer}" (WER ${(cw * 100).toFixed(0)}%); agent as "${agent}" (WER ${(aw * 100).toFixed(0)}%)`);
    t.ok(cw <= MEASURED_WER, `the customer's channel holds the customer's sentence within the measured error rate (${(cw * 100).toFixed(0)}%)`);
    t.ok(aw <= MEASURED_WER, `the agent's channel holds the agent's sentence within the measured error rate (${(aw * 100).toFixed(0)}%)`);
    t.ok(cw < wordErrorRate(AGENT_SAYS, customer).rate, 'the customer\'s turns are the customer\'s sentence, not the agent\'s');
    t.ok(aw < wordErrorRate(CUSTOMER_SAYS, agent).rate, 'the agent\'s turns are the agent\'s sentence, not the customer\'s');
    const firstCustomer = tr.turns.find((x) => x.speaker === 'customer')!;
    const firstAgent = tr.turns.find((x) => x.speaker === 'agent')!;
    t.ok(firstCustomer.start < firstAgent.start, 'the customer spoke first');
    // A word of the sentence the engine got right finds the call.
    const said = new Set(CUSTOMER_SAYS.toLowerCase().split(' '));
    const word = customer.toLowerCase().split(' ').find((w) => said.has(w) && w.length > 3) ?? customer.split(' ')[0]!;
    const found = (await api(stack, 'GET', `/api/calls?text=${encodeURIComponent(word)}`)).json as { calls: { id: string; matches: Turn[] }[] };
    const hit = found.calls.find((c) => c.id === p.callId);
    t.ok(hit, `GET /api/calls?text=${word} finds the call`);
    t.ok(hit?.matches.some((m) => m.speaker === 'customer'), 'with the customer\'s turn that says it');
    recordedCall = p.callId;
    foundBy = word;
    const none = (await api(stack, 'GET', '/api/calls?text=xylophone')).json as { calls: unknown[] };
    t.same(none.calls, [], 'a word nobody said finds nothing');
  });

  await t.test('a voicemail: transcribed and e-mailed with the audio', async (t) => {
    const caller = await RtpPeer.open(300);
    t.teardown(() => caller.close());
    caller.quiet = true;
    const before = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0]?.id;
    // The caller hangs up 20 s after the answer: greeting, tone, the sentence, and a pause.
    const sipp = await startSipp(stack.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller-media-hangup.xml'), '-s', '+15550102', '-i', '127.0.0.1', '-p', '16300', '-m', '1', '-d', '20000', '-key', 'rtp_port', String(caller.port), '-timeout', '60s', '-timeout_error'], stack.dir);
    t.teardown(() => sipp.stop());
    const callId = await waitFor('the voicemail recording to start', async () => {
      const latest = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0];
      if (!latest || latest.id === before) return undefined;
      const d = (await stack.http(`/api/calls/${latest.id}`)) as { timeline: { type: string }[] };
      return d.timeline.some((e) => e.type === 'voicemail-recording') ? latest.id : undefined;
    }, 30_000, 100);
    await sleep(500);
    await caller.say(speak(CALLER_LEAVES));
    const [mail] = await sink.waitFor(1, 150_000);
    t.same(mail!.to, ['team@example.com']);
    t.match(mail!.subject, /Voicemail from .*\+15557000/, 'the caller in the subject');
    t.equal(mail!.headers['x-cc-voicemail-id'], `vm-${callId}`);
    const transcript = /Message:\n([\s\S]*?)\n\nThe recording is attached/.exec(mail!.text)?.[1]?.trim() ?? '';
    const wer = wordErrorRate(CALLER_LEAVES, transcript).rate;
    t.comment(`voicemail heard as: ${transcript} (WER ${(wer * 100).toFixed(0)}%)`);
    t.ok(wer <= MEASURED_WER, `the mail's transcript is the caller's sentence within the measured error rate (${(wer * 100).toFixed(0)}%)`);
    const wav = mail!.attachments.find((a) => a.contentType === 'audio/wav');
    t.ok(wav, 'the WAV attached');
    const audio = parseWav(wav!.content);
    t.ok(audio.samples.length / audio.sampleRate > 3, `the attachment holds the message (${(audio.samples.length / audio.sampleRate).toFixed(1)} s)`);
    const list = (await api(stack, 'GET', '/api/voicemail')).json as { boxes: { id: string; new: number }[]; messages: { id: string; status: string; transcript?: string; emailStatus: string; audioUrl: string }[] };
    const m = list.messages.find((x) => x.id === `vm-${callId}`)!;
    t.equal(m.status, 'new');
    t.equal(m.emailStatus, 'sent');
    t.ok(m.transcript && m.transcript.length > 0, 'the message lists its transcript');
    t.equal(list.boxes.find((b) => b.id === 'general')?.new, 1);
    const played = await fetch(`${stack.daemon.httpAddress}${m.audioUrl}`);
    t.equal(played.headers.get('content-type'), 'audio/wav');
    t.same(Buffer.from(await played.arrayBuffer()), wav!.content, 'the desk plays the same audio that was mailed');
    const heard = (await api(stack, 'PUT', `/api/voicemail/${m.id}`, { status: 'heard' })).json as { status: string; heardBy: string };
    t.equal(heard.status, 'heard');
    messageId = m.id;
  });

  await t.test('live: the customer\'s words reach the desk during the call', { skip: !browser.ok ? browser.missing : false }, async (t) => {
    if (!browser.ok) return;
    const micFile = path.join(stack.dir, 'agent-mic.wav');
    writeFileSync(micFile, padded(speak(AGENT_SAYS), 8, 12));
    const chromium = await launchBrowser(browser.path, { fakeAudioFile: micFile });
    t.teardown(() => chromium.close());
    const page = await chromium.newPage();
    const agent = stack.agents[1]!;
    await page.goto(`${stack.daemon.httpAddress}/desk/`);
    await page.fill('input[name=username]', agent.user);
    await page.fill('input[name=password]', agent.password);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#phone-state:has-text("phone registered")', { timeout: 15_000 });
    if (messageId) {
      // The box names this agent: the desk lists its message, heard, with its transcript; the agent marks it new again.
      const item = `section#voicemail li[data-message="${messageId}"]`;
      await page.waitForSelector(`${item}[data-status=heard]`, { timeout: 30_000 });
      t.ok(((await page.textContent(`${item} .vm-transcript`)) ?? '').trim().length > 0, 'the desk shows the message\'s transcript');
      await page.click(`${item} button.vm-toggle`);
      await page.waitForSelector(`${item}[data-status=new]`, { timeout: 10_000 });
      const listed = (await api(stack, 'GET', '/api/voicemail')).json as { messages: { id: string; status: string }[] };
      t.equal(listed.messages.find((x) => x.id === messageId)?.status, 'new', 'marked new again from the desk');
    }
    const customer = await RtpPeer.open(440);
    t.teardown(() => customer.close());
    customer.quiet = true;
    const sipp = await callIn(stack, customer, 16400, '+15550101');
    t.teardown(() => sipp.stop());
    await page.waitForSelector('#offer:not([hidden])', { timeout: 20_000 });
    await page.click('#answer');
    const callId = await waitFor('the live call', async () => {
      const latest = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string }[] }).calls[0];
      return latest && (await api(stack, 'GET', `/api/calls/${latest.id}/live`)).status === 200 ? latest.id : undefined;
    }, 20_000);
    await sleep(1000);
    const startedAt = Date.now();
    const saying = customer.say(speak(CUSTOMER_SAYS));
    // Words of the utterance under way show before the customer pauses (a partial), then its final.
    await page.waitForSelector('section#transcript li.partial[data-speaker=customer]', { timeout: 30_000 });
    const partialAt = Date.now();
    await saying;
    const spokenAt = Date.now();
    t.comment(`a partial of the customer's words on the desk ${partialAt - startedAt} ms after they began speaking (${spokenAt - startedAt} ms of speech)`);
    t.ok(partialAt < spokenAt + 1500, 'a partial segment while the customer is still speaking (or right after)');
    await page.waitForSelector('section#transcript li.final[data-speaker=customer]', { timeout: 30_000 });
    const latency = Date.now() - spokenAt;
    t.comment(`the customer's sentence reached the desk ${latency} ms after its last word was sent`);
    t.ok(latency < 15_000, `a final segment on the desk during the call (${latency} ms after the words)`);
    const shown = (await page.locator('section#transcript li.final[data-speaker=customer]').allTextContents()).join(' ');
    t.ok(wordErrorRate(CUSTOMER_SAYS, shown.replace(/^\s*\d+:\d+\s*Customer\s*/i, '')).rate <= 1, `the desk shows the customer's words: ${shown}`);
    await page.waitForSelector('section#transcript li.final[data-speaker=agent]', { timeout: 30_000 });
    t.pass('the agent\'s own words (the browser\'s microphone) too');
    if (recordedCall) {
      // The caller called before (the same number) and agent1 took it in support, which this agent supervises:
      // the contact card's history opens that call's transcript.
      await page.click('section#contact button[data-tab=history]');
      const item = `#contact-history li[data-call="${recordedCall}"]`;
      await page.click(`${item} button.history-transcript`);
      await page.waitForSelector(`${item} ol.transcript-turns li[data-speaker=customer]`, { timeout: 10_000 });
      t.match(await page.textContent(`${item} ol.transcript-turns`), /appointment|would|like/i, 'the earlier call\'s transcript in the contact\'s history');
    }
    await page.click('#hang-up');
    const view = await waitFor('the live transcript kept', async () => {
      const v = (await api(stack, 'GET', `/api/calls/${callId}/transcript`)).json as unknown as TranscriptView;
      return v.transcripts?.find((x) => x.source === 'live');
    }, 30_000, 500);
    const cw = wordErrorRate(CUSTOMER_SAYS, words(view.turns, 'customer')).rate;
    t.comment(`live transcript: customer "${words(view.turns, 'customer')}" (WER ${(cw * 100).toFixed(0)}%), agent "${words(view.turns, 'agent')}"`);
    // Live words come per utterance, each piece decoded on its own (a pause splits a sentence), so they are held to
    // being the customer's sentence rather than the agent's; the bench's error rate bounds the recorded call above.
    t.ok(cw < wordErrorRate(AGENT_SAYS, words(view.turns, 'customer')).rate, `the kept live transcript holds the customer's sentence (${(cw * 100).toFixed(0)}% WER), not the agent's`);
    if (recordedCall && foundBy) {
      // The supervisor's reports page searches the call log by the words said.
      await page.goto(`${stack.daemon.httpAddress}/desk/reports.html`);
      if (await page.$('#sign-in input[name=username]')) {
        await page.fill('input[name=username]', agent.user);
        await page.fill('input[name=password]', agent.password);
        await page.click('#sign-in button[type=submit]');
      }
      await page.fill('#call-text-search', foundBy);
      await page.press('#call-text-search', 'Enter');
      await page.waitForSelector(`#call-report tr[data-call="${recordedCall}"]`, { timeout: 10_000 });
      t.ok(await page.$(`tr.matches[data-matches="${recordedCall}"] .call-matches li[data-speaker=customer]`), `the reports page finds the call by "${foundBy}", with the customer's words`);
    }
  });
});

async function startStack2(smtpPort: number) {
  if (!found.ok) throw new Error('no stack');
  return startStack(found.bins, {
    agents: 2,
    // agent2 takes the live queue's calls and supervises support (its transcripts are theirs to read).
    agentExtra: { agent2: 'supervises: [support]' },
    queueYaml: `queues:
  support: { members: [agent1], offerTimeoutSec: 10, wrapUpSec: 0, recording: auto, transcription: post-call }
  live: { members: [agent2], offerTimeoutSec: 20, wrapUpSec: 0, transcription: live }
`,
    numbersYaml: `numbers:
  "+15550100": { route: { queue: support } }
  "+15550101": { route: { queue: live } }
  "+15550102": { route: { voicemail: general } }
`,
    files: {
      'transcription.yaml': `transcription: { retry: { firstSec: 2, maxSec: 10, maxAttempts: 5 } }
email: { from: "Contact centre <pbx@test.local>", smtp: { host: 127.0.0.1, port: ${smtpPort} } }
voicemail:
  general: { name: General, maxSec: 30, email: [team@example.com], queue: support, agents: [agent2] }
`,
    },
  });
}
