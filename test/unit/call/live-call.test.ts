import t from 'tap';
import { LiveCall, type LiveCallCommand, type LiveCallPolicy } from '../../../src/core/call/live-call.js';
import { REAL, runRandom, type Factory } from './live-call-model.js';

const policy = (over: Partial<LiveCallPolicy> = {}): LiveCallPolicy => ({ holdMusic: 'local_stream://moh', recording: 'auto', messages: { promo: 'promo.wav' }, amd: false, beepWaitMs: 4_000, ...over });
const wire = (cmds: LiveCallCommand[]) => cmds.filter((c) => c.type !== 'timeline');

t.test('connect bridges the legs and starts an auto recording', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy(), 0);
  t.same(wire(c.start()), [
    { type: 'bridge', a: 'cu', b: 'ag' },
    { type: 'record', op: 'start', leg: 'cu', file: 'c1-1.wav', segment: 1 },
  ]);
  const od = new LiveCall('c2', 'cu', 'ag', 'a1', policy({ recording: 'on-demand' }), 0, 2);
  t.same(wire(od.start()), [{ type: 'bridge', a: 'cu', b: 'ag' }], 'on-demand waits for the agent');
  const r = od.handle({ type: 'record', op: 'start' }, 10);
  t.same(wire(r.commands), [{ type: 'record', op: 'start', leg: 'cu', file: 'c2-3.wav', segment: 3 }], 'segments count on from earlier agents');
});

t.test('hold and resume: music to the customer, silence to the agent, time summed', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy({ recording: 'off' }), 0);
  c.start();
  t.same(wire(c.handle({ type: 'hold', by: 'desk' }, 1_000).commands), [
    { type: 'music', leg: 'cu', source: 'local_stream://moh' },
    { type: 'silence', leg: 'ag' },
  ]);
  t.equal(c.view().phase, 'held');
  t.same(c.handle({ type: 'hold', by: 'desk' }, 1_100), { ok: false, reason: 'the call is already on hold', commands: [] }, 'hold twice is refused');
  t.same(c.handle({ type: 'hold', by: 'phone' }, 1_100), { ok: true, commands: [] }, "a phone's second hold is answered and does nothing");
  t.same(wire(c.handle({ type: 'resume', by: 'phone' }, 4_000).commands), [{ type: 'bridge', a: 'cu', b: 'ag' }]);
  t.same(c.handle({ type: 'resume', by: 'desk' }, 4_100), { ok: false, reason: 'the call is not on hold', commands: [] });
  c.handle({ type: 'hold', by: 'desk' }, 5_000);
  t.equal(c.view().holdMs, 3_000, 'a running hold is not summed yet');
  const end = c.handle({ type: 'leg-gone', leg: 'cu', cause: 'NORMAL_CLEARING' }, 6_000).commands;
  t.same(wire(end), [
    { type: 'hangup', leg: 'ag', cause: 'NORMAL_CLEARING' },
    { type: 'release-agent', agentId: 'a1', why: 'customer-gone' },
    { type: 'ended', side: 'customer', cause: 'NORMAL_CLEARING', holds: 2, holdMs: 4_000 },
  ]);
});

t.test('mute, keypad and recording controls refuse what does not apply', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy(), 0);
  c.start();
  t.same(wire(c.handle({ type: 'mute' }, 1).commands), [{ type: 'mute', leg: 'ag', on: true }]);
  t.equal(c.handle({ type: 'mute' }, 2).ok, false);
  t.same(wire(c.handle({ type: 'dtmf', digits: '12#' }, 3).commands), [{ type: 'dtmf', leg: 'cu', digits: '12#' }]);
  t.match(c.handle({ type: 'dtmf', digits: '12x' }, 3), { ok: false, reason: /digits/ });
  t.same(wire(c.handle({ type: 'record', op: 'pause' }, 4).commands), [{ type: 'record', op: 'pause', leg: 'cu', file: 'c1-1.wav', segment: 1 }]);
  t.match(c.handle({ type: 'record', op: 'start' }, 5), { ok: false, reason: 'already recording' });
  t.same(wire(c.handle({ type: 'record', op: 'stop' }, 6).commands), [{ type: 'record', op: 'stop', leg: 'cu', file: 'c1-1.wav', segment: 1 }]);
  t.same(wire(c.handle({ type: 'record', op: 'start' }, 7).commands), [{ type: 'record', op: 'start', leg: 'cu', file: 'c1-2.wav', segment: 2 }], 'a restart is a new file');
  c.handle({ type: 'recording-failed', reason: 'disk full' }, 8);
  t.equal(c.view().recording, 'stopped', 'a failed recording stops; the call goes on');
  t.equal(c.view().phase, 'talking');
  const off = new LiveCall('c3', 'cu', 'ag', 'a1', policy({ recording: 'off' }), 0);
  off.start();
  t.match(off.handle({ type: 'record', op: 'start' }, 1), { ok: false, reason: 'recording is off for this call' });
});

t.test('voicemail drop: agent released at once, message from its start, then the end', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy(), 0);
  c.start();
  t.match(c.handle({ type: 'voicemail-drop', message: 'nope' }, 1), { ok: false, reason: 'unknown message "nope"' });
  t.same(wire(c.handle({ type: 'voicemail-drop', message: 'promo' }, 2).commands), [
    { type: 'record', op: 'stop', leg: 'cu', file: 'c1-1.wav', segment: 1 },
    { type: 'hangup', leg: 'ag', cause: 'NORMAL_CLEARING' },
    { type: 'release-agent', agentId: 'a1', why: 'voicemail-drop' },
    { type: 'play', leg: 'cu', message: 'promo.wav' },
  ]);
  t.match(c.handle({ type: 'hold', by: 'desk' }, 3), { ok: false, reason: 'the call is dropping' });
  t.same(c.handle({ type: 'leg-gone', leg: 'ag', cause: 'NORMAL_CLEARING' }, 3).commands, [], "the agent's BYE ends nothing");
  t.same(wire(c.handle({ type: 'playback-done' }, 9_000).commands), [
    { type: 'hangup', leg: 'cu', cause: 'NORMAL_CLEARING' },
    { type: 'ended', side: 'system', cause: 'NORMAL_CLEARING', holds: 0, holdMs: 0 },
  ]);
  t.match(c.handle({ type: 'voicemail-drop', message: 'promo' }, 9_001), { ok: false, reason: 'the call is ended' });
});

t.test('with live AMD the drop waits for the beep, or for beepWaitMs', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy({ amd: true, recording: 'off' }), 0);
  c.start();
  t.same(wire(c.handle({ type: 'voicemail-drop', message: 'promo' }, 100).commands).map((x) => x.type), ['hangup', 'release-agent', 'silence']);
  t.equal(c.nextDeadline(), 4_100);
  t.same(wire(c.handle({ type: 'beep' }, 900).commands), [{ type: 'play', leg: 'cu', message: 'promo.wav' }]);
  const d = new LiveCall('c2', 'cu', 'ag', 'a1', policy({ amd: true, recording: 'off' }), 0);
  d.start();
  d.handle({ type: 'voicemail-drop', message: 'promo' }, 100);
  t.same(wire(d.handle({ type: 'tick' }, 4_100).commands), [{ type: 'play', leg: 'cu', message: 'promo.wav' }], 'no beep: it plays anyway');
});

t.test('a blind transfer hands the customer back and releases the agent', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy(), 0);
  c.start();
  c.handle({ type: 'hold', by: 'phone' }, 10);
  t.same(wire(c.handle({ type: 'transfer-out', to: '2002' }, 30).commands), [
    { type: 'record', op: 'stop', leg: 'cu', file: 'c1-1.wav', segment: 1 },
    { type: 'hangup', leg: 'ag', cause: 'NORMAL_CLEARING' },
    { type: 'release-agent', agentId: 'a1', why: 'transfer' },
    { type: 'silence', leg: 'cu' },
    { type: 'hand-back', to: '2002' },
  ]);
  t.ok(c.done);
  t.equal(c.view().holdMs, 20);
});

t.test('100,000 random events from any party at any moment: no invariant violated', async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = runRandom(REAL, 20_000, seed);
    t.equal(r.violation, undefined, `seed ${seed}: ${r.events} events over ${r.calls} calls${r.violation ? `: ${r.violation}` : ''}`);
  }
});

// Bugs put in on purpose: the random test must catch each one.
class ForgetsAgentOnCustomerGone extends LiveCall {
  protected override hangup(id: string, cause: string, out: LiveCallCommand[]): void {
    if (id === this.agent && !this.view().legs.find((l) => l.id === this.customer)?.up) return;
    super.hangup(id, cause, out);
  }
}
class DropKeepsRecording extends LiveCall {
  protected override drop(message: string, now: number, out: LiveCallCommand[]): undefined {
    const recording = this.recording;
    this.recording = 'stopped';
    super.drop(message, now, out);
    this.recording = recording;
    return undefined;
  }
}
class ResumeWithoutBridge extends LiveCall {
  protected override resume(): undefined {
    this.phase = 'talking';
    this.closeHold(0);
    return undefined;
  }
}
class ReleasesTwice extends LiveCall {
  protected override releaseAgent(why: 'hung-up' | 'customer-gone' | 'voicemail-drop' | 'transfer', out: LiveCallCommand[]): void {
    out.push({ type: 'release-agent', agentId: this.agentId, why });
  }
}
class MuteSurvivesAgent extends LiveCall {
  protected override gone(leg: { id: string; role: 'customer' | 'agent'; up: boolean }): void {
    const muted = this.muted;
    super.gone(leg);
    this.muted = muted;
  }
}
class HoldMusicToAgent extends LiveCall {
  protected override hold(by: 'desk' | 'phone', now: number, out: LiveCallCommand[]): undefined {
    super.hold(by, now, out);
    out.push({ type: 'music', leg: this.agent, source: 'x' });
    return undefined;
  }
}

t.test('injected bugs are caught', async (t) => {
  const mutants: [string, Factory][] = [
    ['agent left on the call after the customer hangs up', (id, p, n, s) => new ForgetsAgentOnCustomerGone(id, 'customer', 'agent', 'a1', p, n, s)],
    ['a voicemail drop keeps recording', (id, p, n, s) => new DropKeepsRecording(id, 'customer', 'agent', 'a1', p, n, s)],
    ['resume forgets the bridge', (id, p, n, s) => new ResumeWithoutBridge(id, 'customer', 'agent', 'a1', p, n, s)],
    ['the agent released twice', (id, p, n, s) => new ReleasesTwice(id, 'customer', 'agent', 'a1', p, n, s)],
    ['mute kept after the agent left', (id, p, n, s) => new MuteSurvivesAgent(id, 'customer', 'agent', 'a1', p, n, s)],
    ['hold music to the agent', (id, p, n, s) => new HoldMusicToAgent(id, 'customer', 'agent', 'a1', p, n, s)],
  ];
  for (const [name, factory] of mutants) {
    const r = runRandom(factory, 20_000, 7);
    t.ok(r.violation, `${name}: caught after ${r.events} events (${r.violation ?? 'not caught'})`);
  }
});
