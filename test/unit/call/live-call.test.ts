import t from 'tap';
import { LiveCall, type Leg, type LiveCallCommand, type Place, type LiveCallPolicy, type ReleaseWhy } from '../../../src/core/call/live-call.js';
import { REAL, runRandom, type Factory } from './live-call-model.js';

const policy = (over: Partial<LiveCallPolicy> = {}): LiveCallPolicy => ({ holdMusic: 'local_stream://moh', recording: 'auto', messages: { promo: 'promo.wav' }, amd: false, beepWaitMs: 4_000, agentLeavesConsult: 'complete', agentLeavesMerge: 'keep', ...over });
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
    { type: 'release-agent', agentId: 'a1', why: 'customer-gone', wrapUp: true },
    { type: 'ended', side: 'customer', cause: 'NORMAL_CLEARING', holds: 2, holdMs: 4_000, owner: 'a1' },
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
    { type: 'release-agent', agentId: 'a1', why: 'voicemail-drop', wrapUp: true },
    { type: 'play', leg: 'cu', message: 'promo.wav' },
  ]);
  t.match(c.handle({ type: 'hold', by: 'desk' }, 3), { ok: false, reason: 'the call is dropping' });
  t.same(c.handle({ type: 'leg-gone', leg: 'ag', cause: 'NORMAL_CLEARING' }, 3).commands, [], "the agent's BYE ends nothing");
  t.same(wire(c.handle({ type: 'playback-done' }, 9_000).commands), [
    { type: 'hangup', leg: 'cu', cause: 'NORMAL_CLEARING' },
    { type: 'ended', side: 'system', cause: 'NORMAL_CLEARING', holds: 0, holdMs: 0, owner: 'a1' },
  ]);
  t.match(c.handle({ type: 'voicemail-drop', message: 'promo' }, 9_001), { ok: false, reason: 'the call is ended' });
});

t.test('with live AMD the drop waits for the beep, or for beepWaitMs', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy({ amd: true, recording: 'off' }), 0);
  c.start();
  t.same(wire(c.handle({ type: 'voicemail-drop', message: 'promo' }, 100).commands).map((x) => x.type), ['hangup', 'release-agent'], "the customer is left alone (parked): it hears nothing already");
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
    { type: 'release-agent', agentId: 'a1', why: 'transfer', wrapUp: true },
    { type: 'silence', leg: 'cu' },
    { type: 'hand-back', to: '2002' },
  ]);
  t.ok(c.done);
  t.equal(c.view().holdMs, 20);
});

const colleague = { kind: 'agent' as const, to: 'b2' };
const types = (cmds: LiveCallCommand[]) => wire(cmds).map((c) => c.type);
const events = (cmds: LiveCallCommand[]) => cmds.flatMap((c) => (c.type === 'timeline' ? [c.event] : []));

t.test('consult a colleague, swap, complete: the customer ends up with the colleague, who owns the call', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy({ recording: 'off' }), 0);
  c.start();
  const started = c.handle({ type: 'consult', target: colleague }, 1_000);
  t.same(wire(started.commands), [
    { type: 'music', leg: 'cu', source: 'local_stream://moh' },
    { type: 'silence', leg: 'ag' },
    { type: 'originate', n: 1, target: colleague },
  ], 'the customer is held while the colleague rings');
  t.match(c.handle({ type: 'consult', target: colleague }, 1_001), { ok: false, reason: 'already consulting' });
  t.match(c.handle({ type: 'complete' }, 1_001), { ok: false, reason: 'the consulted party has not answered' });
  t.match(c.handle({ type: 'hold', by: 'desk' }, 1_001), { ok: false, reason: /consulting/ });
  t.same(wire(c.handle({ type: 'consult-answered', n: 1, leg: 'co', agentId: 'b2' }, 3_000).commands), [{ type: 'bridge', a: 'ag', b: 'co' }]);
  t.same(wire(c.handle({ type: 'dtmf', digits: '5' }, 3_100).commands), [{ type: 'dtmf', leg: 'co', digits: '5' }], 'keypad goes to whom the agent talks to');
  t.same(wire(c.handle({ type: 'swap' }, 4_000).commands), [
    { type: 'bridge', a: 'cu', b: 'ag' },
    { type: 'music', leg: 'co', source: 'local_stream://moh' },
  ], 'swap: back to the customer, the colleague hears music');
  t.same(wire(c.handle({ type: 'swap' }, 5_000).commands), [
    { type: 'bridge', a: 'ag', b: 'co' },
    { type: 'music', leg: 'cu', source: 'local_stream://moh' },
  ]);
  const done = c.handle({ type: 'complete' }, 6_000);
  t.same(wire(done.commands), [
    { type: 'hangup', leg: 'ag', cause: 'NORMAL_CLEARING' },
    { type: 'release-agent', agentId: 'a1', why: 'transfer', wrapUp: true },
    { type: 'owner', leg: 'co', agentId: 'b2', from: 'a1' },
    { type: 'bridge', a: 'cu', b: 'co' },
  ]);
  t.ok(events(done.commands).includes('transfer-completed'));
  const v = c.view();
  t.equal(v.agentId, 'b2', 'the colleague owns the call');
  t.equal(v.phase, 'talking');
  t.equal(v.holds, 2, 'the consult and the swap back each held the customer');
  t.equal(v.holdMs, 4_000);
  const end = c.handle({ type: 'leg-gone', leg: 'cu', cause: 'NORMAL_CLEARING' }, 9_000).commands;
  t.same(wire(end).slice(-2), [
    { type: 'release-agent', agentId: 'b2', why: 'customer-gone', wrapUp: true },
    { type: 'ended', side: 'customer', cause: 'NORMAL_CLEARING', holds: 2, holdMs: 4_000, owner: 'b2' },
  ]);
});

t.test('cancel and failure: back with the customer; a consulted colleague goes straight back to Ready', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy({ recording: 'off' }), 0);
  c.start();
  t.match(c.handle({ type: 'cancel' }, 1), { ok: false, reason: 'no consult to cancel' });
  t.match(c.handle({ type: 'merge' }, 1), { ok: false, reason: 'nothing to merge: there is only one call' });
  t.match(c.handle({ type: 'consult', target: { kind: 'agent', to: 'a1' } }, 1), { ok: false, reason: 'an agent cannot consult themselves' });
  c.handle({ type: 'consult', target: colleague }, 10);
  c.handle({ type: 'consult-answered', n: 1, leg: 'co', agentId: 'b2' }, 20);
  t.same(wire(c.handle({ type: 'cancel' }, 30).commands), [
    { type: 'hangup', leg: 'co', cause: 'NORMAL_CLEARING' },
    { type: 'release-agent', agentId: 'b2', why: 'consult-ended', wrapUp: false },
    { type: 'bridge', a: 'cu', b: 'ag' },
  ]);
  c.handle({ type: 'consult', target: { kind: 'number', to: '+15550001' } }, 40);
  const failed = c.handle({ type: 'consult-failed', n: 2, reason: 'busy', status: 486 }, 50).commands;
  t.same(wire(failed), [{ type: 'bridge', a: 'cu', b: 'ag' }]);
  t.match(failed.find((x) => x.type === 'timeline' && x.event === 'consult-failed'), { data: { n: 2, reason: 'busy', status: 486 } });
  t.same(types(c.handle({ type: 'consult-answered', n: 2, leg: 'late', agentId: 'x' }, 60).commands), ['hangup', 'release-agent'], 'a late answer is let go');
  t.equal(c.view().phase, 'talking');
});

t.test('merge: all three hear each other; whoever leaves, the other two are a plain call', async (t) => {
  const setup = (over: Partial<LiveCallPolicy> = {}) => {
    const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy({ recording: 'off', ...over }), 0);
    c.start();
    c.handle({ type: 'consult', target: colleague }, 10);
    c.handle({ type: 'consult-answered', n: 1, leg: 'co', agentId: 'b2' }, 20);
    t.same(wire(c.handle({ type: 'merge' }, 30).commands), [{ type: 'conference', legs: ['cu', 'ag', 'co'], muted: [], deaf: [] }]);
    return c;
  };
  const a = setup();
  t.match(a.handle({ type: 'hold', by: 'desk' }, 31), { ok: false, reason: 'the call is a 3-way call' });
  t.same(wire(a.handle({ type: 'leg-gone', leg: 'co', cause: 'NORMAL_CLEARING' }, 40).commands), [
    { type: 'release-agent', agentId: 'b2', why: 'consult-ended', wrapUp: true },
    { type: 'bridge', a: 'cu', b: 'ag' },
  ]);
  const b = setup();
  t.same(wire(b.handle({ type: 'leg-gone', leg: 'ag', cause: 'NORMAL_CLEARING' }, 40).commands), [
    { type: 'release-agent', agentId: 'a1', why: 'merge-left', wrapUp: true },
    { type: 'owner', leg: 'co', agentId: 'b2', from: 'a1' },
    { type: 'bridge', a: 'cu', b: 'co' },
  ], 'the agent leaves: the other two stay together');
  const c = setup();
  const left = c.handle({ type: 'leg-gone', leg: 'cu', cause: 'NORMAL_CLEARING' }, 40).commands;
  t.same(wire(left), [{ type: 'bridge', a: 'ag', b: 'co' }], 'the customer leaves: agent and colleague talk on');
  t.equal(c.view().customerLeft, true);
  t.same(types(c.handle({ type: 'hang-up' }, 50).commands), ['hangup', 'hangup', 'release-agent', 'release-agent', 'ended']);
  const d = setup({ agentLeavesMerge: 'end' });
  t.same(types(d.handle({ type: 'hang-up' }, 40).commands), ['hangup', 'hangup', 'release-agent', 'release-agent', 'hangup', 'ended'], 'agentLeavesMerge: end');
});

t.test('the agent hangs up while the colleague rings: the customer is put through on the answer', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy({ recording: 'off' }), 0);
  c.start();
  c.handle({ type: 'consult', target: colleague }, 10);
  t.same(wire(c.handle({ type: 'leg-gone', leg: 'ag', cause: 'NORMAL_CLEARING' }, 20).commands), [{ type: 'release-agent', agentId: 'a1', why: 'transfer', wrapUp: true }]);
  t.same(wire(c.handle({ type: 'consult-answered', n: 1, leg: 'co', agentId: 'b2' }, 30).commands), [
    { type: 'owner', leg: 'co', agentId: 'b2', from: 'a1' },
    { type: 'bridge', a: 'cu', b: 'co' },
  ]);
  const r = new LiveCall('c2', 'cu', 'ag', 'a1', policy({ recording: 'off', agentLeavesConsult: 'requeue' }), 0);
  r.start();
  r.handle({ type: 'consult', target: colleague }, 10);
  t.same(types(r.handle({ type: 'leg-gone', leg: 'ag', cause: 'NORMAL_CLEARING' }, 20).commands), ['cancel-originate', 'release-agent', 'silence', 'hand-back'], 'agentLeavesConsult: requeue');
});

t.test('an IVR flow consulted: the agent tries it; completing sends the customer into the flow; no 3-way call', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy({ recording: 'off' }), 0);
  c.start();
  const flow = { kind: 'ivr' as const, to: 'survey' };
  t.same(types(c.handle({ type: 'consult', target: flow }, 10).commands), ['music', 'silence', 'originate']);
  c.handle({ type: 'consult-answered', n: 1, leg: 'iv' }, 20);
  t.same(wire(c.handle({ type: 'dtmf', digits: '1' }, 25).commands), [{ type: 'dtmf', leg: 'iv', digits: '1' }], "the keypad drives the flow");
  t.match(c.handle({ type: 'merge' }, 30), { ok: false, reason: 'an IVR flow cannot join a 3-way call' });
  const done = c.handle({ type: 'complete' }, 40);
  t.same(wire(done.commands), [
    { type: 'hangup', leg: 'iv', cause: 'NORMAL_CLEARING' },
    { type: 'hangup', leg: 'ag', cause: 'NORMAL_CLEARING' },
    { type: 'release-agent', agentId: 'a1', why: 'transfer', wrapUp: true },
    { type: 'silence', leg: 'cu' },
    { type: 'hand-back', to: 'ivr:survey' },
  ]);
  t.match(done.commands.find((x) => x.type === 'timeline' && x.event === 'transfer-completed'), { data: { how: 'into-ivr', to: 'survey' } });
  t.ok(c.done);
});

t.test('supervision: listen, whisper, barge as who hears whom; hold keeps agent and supervisor together', async (t) => {
  const c = new LiveCall('c1', 'cu', 'ag', 'a1', policy({ recording: 'off' }), 0);
  c.start();
  t.same(wire(c.handle({ type: 'monitor', supervisorId: 's1', mode: 'listen' }, 10).commands), [{ type: 'call-supervisor', supervisorId: 's1' }]);
  t.match(c.handle({ type: 'monitor', supervisorId: 's2', mode: 'listen' }, 11), { ok: false, reason: 'already supervised by s1' });
  t.match(c.handle({ type: 'consult', target: colleague }, 11), { ok: false, reason: 'a supervisor is on the call' });
  t.same(wire(c.handle({ type: 'supervisor-answered', leg: 'su' }, 20).commands), [{ type: 'conference', legs: ['cu', 'ag', 'su'], muted: ['su'], deaf: [] }]);
  t.same(wire(c.handle({ type: 'monitor', supervisorId: 's1', mode: 'whisper' }, 30).commands), [{ type: 'conference', legs: ['cu', 'ag', 'su'], muted: [], deaf: [['su', 'cu']] }]);
  t.same(wire(c.handle({ type: 'hold', by: 'desk' }, 40).commands), [
    { type: 'music', leg: 'cu', source: 'local_stream://moh' },
    { type: 'conference', legs: ['ag', 'su'], muted: [], deaf: [] },
  ]);
  t.same(wire(c.handle({ type: 'resume', by: 'desk' }, 50).commands), [{ type: 'conference', legs: ['cu', 'ag', 'su'], muted: [], deaf: [['su', 'cu']] }]);
  t.same(wire(c.handle({ type: 'monitor', supervisorId: 's1', mode: 'barge' }, 60).commands), [{ type: 'conference', legs: ['cu', 'ag', 'su'], muted: [], deaf: [] }]);
  t.same(wire(c.handle({ type: 'unmonitor' }, 70).commands), [
    { type: 'hangup', leg: 'su', cause: 'NORMAL_CLEARING' },
    { type: 'bridge', a: 'cu', b: 'ag' },
  ]);
  t.match(c.handle({ type: 'unmonitor' }, 71), { ok: false, reason: 'no supervisor on the call' });
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
  protected override releaseAgent(agentId: string | undefined, why: ReleaseWhy, out: LiveCallCommand[], wrapUp = true): void {
    if (agentId !== undefined) out.push({ type: 'release-agent', agentId, why, wrapUp });
  }
}
class MuteSurvivesAgent extends LiveCall {
  protected override gone(leg: Leg): void {
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

class CompleteKeepsOldAgent extends LiveCall {
  protected override releaseAgent(agentId: string | undefined, why: ReleaseWhy, out: LiveCallCommand[], wrapUp = true): void {
    if (why === 'transfer' && this.view().consult) return;
    super.releaseAgent(agentId, why, out, wrapUp);
  }
}
class CancelWithWrapUp extends LiveCall {
  protected override dropConsult(why: string, _wrapUp: boolean, out: LiveCallCommand[]): void {
    super.dropConsult(why, true, out);
  }
}
class WhisperToCustomer extends LiveCall {
  protected override desired(): Place[] {
    return super.desired().map((p) => (p.kind === 'conference' ? { ...p, deaf: [] } : p));
  }
}
class SwapKeepsConsultIn extends LiveCall {
  protected override desired(): Place[] {
    const v = this.view();
    if (v.phase === 'consulting' && v.consult?.talkingTo === 'customer' && v.consult.leg) return [{ kind: 'conference', legs: [this.customer, this.agent, v.consult.leg], muted: [], deaf: [] }];
    return super.desired();
  }
}
class MergeKeepsHoldClock extends LiveCall {
  protected override closeHold(now: number): number {
    return this.phase === 'merged' ? 0 : super.closeHold(now);
  }
}
class OwnerNotPassed extends LiveCall {
  protected override completeTransfer(how: 'completed' | 'agent-left' | 'merge-left', now: number, out: LiveCallCommand[]): void {
    const owner = this.owner;
    super.completeTransfer(how, now, out);
    this.owner = owner;
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
    ['a completed transfer keeps the old agent on call', (id, p, n, s) => new CompleteKeepsOldAgent(id, 'customer', 'agent', 'a1', p, n, s)],
    ['a cancelled consult sends the colleague to wrap-up', (id, p, n, s) => new CancelWithWrapUp(id, 'customer', 'agent', 'a1', p, n, s)],
    ['a whisper reaches the customer', (id, p, n, s) => new WhisperToCustomer(id, 'customer', 'agent', 'a1', p, n, s)],
    ['a swap leaves the consulted party hearing the customer', (id, p, n, s) => new SwapKeepsConsultIn(id, 'customer', 'agent', 'a1', p, n, s)],
    ['a merge keeps the hold clock running', (id, p, n, s) => new MergeKeepsHoldClock(id, 'customer', 'agent', 'a1', p, n, s)],
    ['ownership not passed on completion', (id, p, n, s) => new OwnerNotPassed(id, 'customer', 'agent', 'a1', p, n, s)],
  ];
  for (const [name, factory] of mutants) {
    const r = runRandom(factory, 20_000, 7);
    t.ok(r.violation, `${name}: caught after ${r.events} events (${r.violation ?? 'not caught'})`);
  }
});
