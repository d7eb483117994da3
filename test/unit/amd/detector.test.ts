import t from 'tap';
import { AmdDetector, defaultAmdParams, runAmd, validateAmdParams, type AmdEvent } from '../../../src/core/amd/index.js';
import { Track } from './fixtures/synth.js';

const verdictOf = (ev: AmdEvent[]) => ev.find((e): e is Extract<AmdEvent, { type: 'verdict' }> => e.type === 'verdict');
const beepOf = (ev: AmdEvent[]) => ev.find((e): e is Extract<AmdEvent, { type: 'beep' }> => e.type === 'beep');

/** A machine: 4 s of speech-like greeting from 0.5 s, a pause, then an 850 Hz beep at 5.1-5.6 s. */
const machineWithBeep = (sr: 8000 | 16000) =>
  new Track(sr, 9000).noise(-62, 5).speech(500, 4500, 10).tone(850, -16, 5100, 5600).pcm();

for (const sr of [8000, 16000] as const) {
  t.test(`${sr} Hz`, async (t) => {
    t.test('silence gives unknown at the deadline', async (t) => {
      for (const [name, pcm] of [
        ['digital silence', new Track(sr, 8000).pcm()],
        ['faint line noise', new Track(sr, 8000).noise(-70, 1).pcm()],
      ] as const) {
        const r = runAmd(pcm, sr);
        t.equal(r.verdict, 'unknown', name);
        t.equal(r.verdictAtMs, defaultAmdParams.deadlineMs, `${name}: decided at the deadline`);
        t.equal(r.reason, 'no-speech', name);
        t.equal(r.beep, undefined, `${name}: no beep`);
      }
      const short = runAmd(new Track(sr, 2000).pcm(), sr);
      t.same([short.verdict, short.reason, short.verdictAtMs], ['unknown', 'end-of-stream', 2000], 'a stream ending early is unknown at its end');
    });

    t.test('a pure tone is a beep with the right edges and frequency', async (t) => {
      for (const [freq, from, to] of [
        [1000, 1000, 1500],
        [440, 700, 1700],
        [1400, 2000, 2260],
      ] as const) {
        const r = runAmd(new Track(sr, 5000).noise(-65, 2).tone(freq, -15, from, to).pcm(), sr);
        t.ok(r.beep, `${freq} Hz beep found`);
        if (!r.beep) continue;
        t.ok(Math.abs(r.beep.startMs - from) <= 30, `${freq} Hz start ${r.beep.startMs} ~ ${from}`);
        t.ok(Math.abs(r.beep.endMs - to) <= 30, `${freq} Hz end ${r.beep.endMs} ~ ${to}`);
        t.ok(Math.abs(r.beep.freqHz - freq) <= freq * 0.01, `${freq} Hz reported as ${r.beep.freqHz}`);
        t.equal(r.verdict, 'machine', 'a beep alone means machine');
        t.equal(r.reason, 'beep');
      }
    });

    t.test('a tone in noise (15 dB SNR) is still found', async (t) => {
      const r = runAmd(new Track(sr, 4000).noise(-31, 3).tone(440, -16, 1000, 1600).pcm(), sr);
      t.ok(r.beep, 'beep found');
      if (r.beep) t.ok(Math.abs(r.beep.endMs - 1600) <= 30, `end ${r.beep.endMs}`);
    });

    t.test('white noise is not a beep', async (t) => {
      const steady = runAmd(new Track(sr, 8000).noise(-30, 3).pcm(), sr);
      t.equal(steady.beep, undefined, 'steady noise: no beep');
      t.equal(steady.verdict, 'unknown', 'steady noise is no speech either');
      const burst = runAmd(new Track(sr, 8000).noise(-60, 3).noise(-25, 4, 1000, 1600).pcm(), sr);
      t.equal(burst.beep, undefined, 'noise burst: no beep');
      t.not(burst.reason, 'beep');
    });

    t.test('a background that gets louder is not speech', async (t) => {
      // Media starting after silent packets, or a noisy room: the floor must follow up.
      const late = runAmd(new Track(sr, 8000).noise(-50, 1, 200).pcm(), sr);
      t.same([late.verdict, late.reason], ['unknown', 'no-speech'], 'zeros then line noise');
      const step = runAmd(new Track(sr, 8000).noise(-75, 2).noise(-45, 1, 1500).pcm(), sr);
      t.same([step.verdict, step.reason], ['unknown', 'no-speech'], 'quiet then loud noise');
      const after = runAmd(new Track(sr, 8000).noise(-75, 2).noise(-45, 1, 1500).speech(3000, 3500, 7).pcm(), sr);
      t.equal(after.verdict, 'human', 'a hello after the step is still heard');
    });

    t.test('a short burst of speech then silence is a human', async (t) => {
      const r = runAmd(new Track(sr, 8000).noise(-62, 5).speech(600, 1100, 7).pcm(), sr);
      t.equal(r.verdict, 'human');
      t.ok(r.verdictAtMs >= 1100 && r.verdictAtMs <= 1100 + defaultAmdParams.silenceAfterHumanMs + 100, `decided at ${r.verdictAtMs}`);
      t.equal(r.beep, undefined);
      // "hello? ... hello?" is decided on the first pause already.
      const twice = runAmd(new Track(sr, 8000).noise(-62, 5).speech(600, 1400, 8).speech(3000, 3500, 9).pcm(), sr);
      t.equal(twice.verdict, 'human', 'two hellos');
      t.ok(twice.verdictAtMs < 3000, 'before the second one');
    });

    t.test('long continuous speech is a machine, then its beep is reported', async (t) => {
      const r = runAmd(machineWithBeep(sr), sr);
      t.equal(r.verdict, 'machine');
      t.equal(r.reason, 'long-speech');
      const expected = 500 + defaultAmdParams.machineSpeechMs;
      t.ok(Math.abs(r.verdictAtMs - expected) <= 200, `decided at ${r.verdictAtMs} ~ ${expected}`);
      t.ok(r.beep, 'beep after the verdict');
      if (r.beep) {
        t.ok(Math.abs(r.beep.startMs - 5100) <= 30, `start ${r.beep.startMs}`);
        t.ok(Math.abs(r.beep.endMs - 5600) <= 30, `end ${r.beep.endMs}`);
        t.ok(Math.abs(r.beep.freqHz - 850) <= 9, `freq ${r.beep.freqHz}`);
      }
      const order = r.events.map((e) => e.type);
      t.same(order, ['verdict', 'beep'], 'verdict first, then beep, then nothing');
    });

    t.test('a beep end is placed to a few ms, also between frame edges', async (t) => {
      for (const [freq, to, noiseDb] of [
        [1000, 1537, -65],
        [850, 2003, -65],
        [440, 1268, -45],
        [1400, 1791, -45],
      ] as const) {
        const r = runAmd(new Track(sr, 4000).noise(noiseDb, 4).tone(freq, -15, 1000, to).pcm(), sr);
        t.ok(r.beep && Math.abs(r.beep.endMs - to) <= 3, `${freq} Hz ending at ${to} ms (noise ${noiseDb} dBFS): reported ${r.beep?.endMs}`);
      }
    });

    t.test('a far voice (television, open office) under a short answer is still a human', async (t) => {
      // The far voice talks on through the whole clip, 18 dB below the person.
      const under = runAmd(new Track(sr, 8000).noise(-62, 5).speech(0, 8000, 31, -40).speech(400, 1000, 7, -22).pcm(), sr);
      t.equal(under.verdict, 'human', `the far voice from the start, hello at 0.4 s: ${under.reason}`);
      // The far voice under the end of the hello belongs to the same stretch of sound, so the
      // pause is counted from where that stretch ends: a little later than without it.
      t.ok(under.verdictAtMs <= 1000 + defaultAmdParams.silenceAfterHumanMs + 300, `decided at ${under.verdictAtMs}`);
      const machine = runAmd(new Track(sr, 8000).noise(-62, 5).speech(0, 8000, 31, -40).speech(500, 4500, 10, -22).pcm(), sr);
      t.same([machine.verdict, machine.reason], ['machine', 'long-speech'], 'a greeting over the same far voice is a machine');
      const plain = runAmd(new Track(sr, 8000).noise(-62, 5).speech(400, 1000, 7, -22).pcm(), sr);
      t.equal(plain.verdict, 'human', 'without the far voice');
      // Only the near-talker rule tells these apart: without it the far voice is speech too.
      const off = runAmd(new Track(sr, 8000).noise(-62, 5).speech(0, 8000, 31, -40).speech(400, 1000, 7, -22).pcm(), sr, { nearTalkerDb: 60 });
      t.equal(off.verdict, 'machine', 'with the rule turned off the far voice makes it a machine');
    });

    t.test('a weak line and a noisy one', async (t) => {
      // A line 30 dB down: the quiet parts of words are below -60 dBFS.
      const weakHuman = runAmd(new Track(sr, 8000).noise(-78, 5).speech(600, 1100, 7, -56).pcm(), sr);
      t.equal(weakHuman.verdict, 'human', 'a hello at -56 dBFS');
      const weakMachine = runAmd(new Track(sr, 8000).noise(-78, 5).speech(500, 4500, 10, -56).pcm(), sr);
      t.equal(weakMachine.verdict, 'machine', 'a greeting at -56 dBFS');
      const noisyMachine = runAmd(new Track(sr, 8000).noise(-32, 5).speech(500, 4500, 10, -24).pcm(), sr);
      t.equal(noisyMachine.verdict, 'machine', 'a greeting 8 dB above white noise');
      const noisyHuman = runAmd(new Track(sr, 8000).noise(-32, 5).speech(600, 1100, 7, -24).pcm(), sr);
      t.equal(noisyHuman.verdict, 'human', 'a hello 8 dB above white noise');
    });

    t.test('a machine greeting without a beep ends with greeting-end', async (t) => {
      const r = runAmd(new Track(sr, 9000).noise(-50, 5).speech(300, 4000, 11).pcm(), sr);
      t.equal(r.verdict, 'machine');
      t.equal(r.beep, undefined);
      const ge = r.events.find((e) => e.type === 'greeting-end');
      t.ok(ge, 'greeting-end emitted');
      if (ge?.type === 'greeting-end') {
        t.ok(Math.abs(ge.speechEndMs - 4000) <= 100, `speech ended ${ge.speechEndMs}`);
        t.equal(ge.atMs, ge.speechEndMs + defaultAmdParams.greetingEndSilenceMs, 'confirmed after the configured silence');
      }
    });
  });
}

t.test('events do not depend on how the audio is chunked', async (t) => {
  for (const sr of [8000, 16000] as const) {
    const pcm = machineWithBeep(sr);
    const ref = runAmd(pcm, sr, undefined, 20).events;
    t.ok(ref.length >= 2, 'reference has events');
    for (const chunk of [1, 7, 79, 80, 160, 333, 4096, pcm.length]) {
      const det = new AmdDetector(sr);
      const ev: AmdEvent[] = [];
      for (let i = 0; i < pcm.length; i += chunk) ev.push(...det.push(pcm.subarray(i, i + chunk)));
      ev.push(...det.finish());
      t.same(ev, ref, `${sr} Hz in chunks of ${chunk} samples`);
    }
  }
});

t.test('16 kHz input gives the same decisions as 8 kHz', async (t) => {
  const a = runAmd(machineWithBeep(8000), 8000);
  const b = runAmd(machineWithBeep(16000), 16000);
  t.equal(b.verdict, a.verdict);
  t.ok(Math.abs(b.verdictAtMs - a.verdictAtMs) <= 20, `${b.verdictAtMs} vs ${a.verdictAtMs}`);
  t.ok(a.beep && b.beep && Math.abs(b.beep.endMs - a.beep.endMs) <= 10, 'same beep end');
});

t.test('detector API', async (t) => {
  const det = new AmdDetector(8000);
  t.equal(det.verdict, undefined, 'no verdict before audio');
  det.push(new Track(8000, 7000).pcm());
  t.equal(det.verdict, 'unknown');
  t.same(det.push(new Int16Array(8000)), [], 'nothing more after the last event');
  t.same(det.finish(), [], 'finish after done adds nothing');
  t.throws(() => new AmdDetector(44100 as 8000), /sampleRate/);
  t.throws(() => new AmdDetector(8000, { deadlineMs: -1 }), /deadlineMs/);
  const custom = runAmd(new Track(8000, 4000).pcm(), 8000, { deadlineMs: 3000 });
  t.equal(custom.verdictAtMs, 3000, 'deadline honoured');
});

t.test('validateAmdParams names the offending field', async (t) => {
  t.same(validateAmdParams({}), []);
  t.same(validateAmdParams(defaultAmdParams), []);
  t.match(validateAmdParams(null), [/object/]);
  t.match(validateAmdParams({ deadlineMs: 'soon' }), [/^deadlineMs: must be a finite number/]);
  t.match(validateAmdParams({ silenceAfterHumanMs: 0.9 }), [/^silenceAfterHumanMs: .*outside/]);
  t.match(validateAmdParams({ machineSpeachMs: 2000 }), [/^machineSpeachMs: unknown parameter/]);
  t.match(validateAmdParams({ beepMinHz: 2000, beepMaxHz: 1000 }), [/^beepMinHz/]);
  t.match(validateAmdParams({ speechOnDb: 4, speechOffDb: 6 }), [/^speechOffDb/]);
  t.match(validateAmdParams({ machineSpeechMs: 7000 }), [/^machineSpeechMs: must be below deadlineMs/]);
});
