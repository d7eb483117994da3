/**
 * Named scenarios for failures FreeSWITCH's mod_callcenter is known for,
 * each ending with every agent idle, ringing or talking as it should, and no
 * call left anywhere it should not be. Every step also checks the router's
 * invariants (the Desk does).
 */
import t, { type Test } from 'tap';
import { Desk, offers, ofType, simple } from './fixtures/desk.js';

/** No call anywhere, no agent ringing or talking, queue empty. */
function allClear(t: Test, d: Desk): void {
  t.equal(d.r.calls.size, 0, 'no call left');
  t.same([...d.r.agents.values()].filter((a) => a.activity.kind === 'offered' || a.activity.kind === 'on-call').map((a) => a.id), [], 'nobody ringing or talking');
  t.match(d.r.queueStatus('q', d.now), { waiting: 0, offered: 0 });
}

// (1) Agent stuck in "Receiving" / "Reserved" ------------------------------------------------------

t.test('(1a) caller abandons in the same millisecond the agent answers (abandon first): leg released, agent idle', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  d.queued('c1');
  d.at(4_000).send({ type: 'call-abandoned', callId: 'c1' });
  t.same(d.answer('c1', 'a1'), [{ type: 'release-agent-leg', callId: 'c1', agentId: 'a1' }]);
  t.equal(d.activity('a1'), 'idle');
  allClear(t, d);
  t.same(offers(d.queued('c2')), ['a1'], 'and takes the next call');
});

t.test('(1b) agent answers, then the caller’s hang-up lands in the same millisecond: connected then ended, wrap-up, idle', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  d.queued('c1');
  t.ok(d.at(4_000).answer('c1', 'a1').some((c) => c.type === 'connect'));
  d.send({ type: 'call-abandoned', callId: 'c1' });
  t.equal(d.activity('a1'), 'wrap-up');
  d.tick(9_000);
  t.equal(d.activity('a1'), 'idle');
  allClear(t, d);
});

t.test('(1c) answer crossing the offer timeout: late answer connects, the re-offer is withdrawn, the second answer released', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1', 'a2']));
  d.reach('a1', 'a2');
  d.queued('c1');
  const timeout = d.tick(18_000);
  t.ok(timeout.some((c) => c.type === 'withdraw-offer' && c.agentId === 'a1' && c.reason === 'timeout'));
  t.same(offers(timeout), ['a2']);
  // a1's 200 OK was already on the wire.
  const late = d.at(18_005).answer('c1', 'a1');
  t.same(
    late.filter((c) => c.type !== 'agent-status'),
    [
      { type: 'withdraw-offer', callId: 'c1', agentId: 'a2', reason: 'answered-elsewhere' },
      { type: 'connect', callId: 'c1', agentId: 'a1' },
    ],
  );
  t.same(d.at(18_010).answer('c1', 'a2'), [{ type: 'release-agent-leg', callId: 'c1', agentId: 'a2' }]);
  t.equal(d.activity('a1'), 'on-call');
  t.equal(d.activity('a2'), 'idle');
  t.equal(d.r.agents.get('a1')!.missedInRow, 0, 'answering clears the miss');
  d.end('c1');
  d.tick(30_000);
  allClear(t, d);
});

t.test('(1d) the shell reports a timeout the router already applied: nothing happens twice', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1', 'a2']));
  d.reach('a1', 'a2');
  d.queued('c1');
  d.tick(18_000); // router timeout: a1 backs off, c1 rings a2
  t.same(d.send({ type: 'offer-failed', callId: 'c1', agentId: 'a1', reason: 'timeout' }), []);
  t.equal(d.r.agents.get('a1')!.missedInRow, 1);
  t.equal(d.activity('a2'), 'offered');
});

t.test('(1e) ring-all: two agents answer in the same millisecond: one connects, the other is released and free', async (t) => {
  const d = new Desk(simple('ring-all', ['a1', 'a2', 'a3']));
  d.reach('a1', 'a2', 'a3');
  d.queued('c1');
  d.at(2_000).answer('c1', 'a2');
  t.same(d.answer('c1', 'a3'), [{ type: 'release-agent-leg', callId: 'c1', agentId: 'a3' }]);
  t.same([d.activity('a1'), d.activity('a2'), d.activity('a3')], ['idle', 'on-call', 'idle']);
  t.same(offers(d.queued('c2')).sort(), ['a1', 'a3']);
});

t.test('(1f) caller abandons while its offer is timing out: no agent reserved, no call left', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  d.queued('c1');
  // Timeout and hang-up both due by the time the event arrives.
  d.at(18_000).send({ type: 'call-abandoned', callId: 'c1' });
  t.equal(d.activity('a1'), 'missed-backoff');
  d.tick(25_000);
  t.equal(d.activity('a1'), 'idle');
  allClear(t, d);
});

// (2) Member (waiting call) stuck after hang-up --------------------------------------------------------

t.test('(2a) caller hangs up while ring-all rings everyone: all offers withdrawn, the call is gone everywhere', async (t) => {
  const d = new Desk(simple('ring-all', ['a1', 'a2', 'a3']));
  d.reach('a1', 'a2', 'a3');
  d.queued('c1');
  const cmds = d.at(3_000).send({ type: 'call-abandoned', callId: 'c1' });
  t.same(ofType(cmds, 'withdraw-offer').map((c) => [c.agentId, c.reason]).sort(), [['a1', 'abandoned'], ['a2', 'abandoned'], ['a3', 'abandoned']]);
  allClear(t, d);
  for (const a of ['a1', 'a2', 'a3']) t.same(d.r.poolFor(a, 3_000), { offered: [], waiting: [] });
  // The bridge race: answers arriving after the hang-up are released, nothing is re-created.
  for (const a of ['a1', 'a2']) t.same(d.answer('c1', a), [{ type: 'release-agent-leg', callId: 'c1', agentId: a }]);
  allClear(t, d);
});

t.test('(2b) caller hangs up after a timeout put the call back in the queue: gone from the queue, not re-offered', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  d.queued('c1');
  d.tick(18_000); // back to waiting, a1 backing off
  t.equal(d.r.queueStatus('q', 18_000)!.waiting, 1);
  d.at(20_000).send({ type: 'call-abandoned', callId: 'c1' });
  t.same(offers(d.tick(25_000)), [], 'a1 is not offered a ghost after its back-off');
  allClear(t, d);
});

t.test('(2c) hang-up during the bridge: answer, then call-ended before connect completes', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1', 'a2']));
  d.reach('a1', 'a2');
  d.queued('c1');
  d.queued('c2');
  d.answer('c1', 'a1');
  d.at(100).send({ type: 'call-abandoned', callId: 'c1' });
  d.send({ type: 'call-abandoned', callId: 'c2' });
  t.same(d.send({ type: 'call-ended', callId: 'c1' }), [], 'a duplicate end is ignored');
  d.tick(5_100);
  allClear(t, d);
});

// (3) Top-down halting when the first or last agent is unavailable ---------------------------------------

t.test('(3a) top-down with the LAST agent unavailable: calls still go down the list to the next available', async (t) => {
  const d = new Desk(simple('top-down', ['a1', 'a2', 'a3', 'a4']));
  d.reach('a1', 'a2', 'a3'); // a4 never registers
  t.same(['c1', 'c2', 'c3'].map((c) => offers(d.queued(c))[0]), ['a1', 'a2', 'a3']);
  t.same(offers(d.queued('c4')), [], 'waits (a4 unavailable) instead of halting the queue');
  d.answer('c2', 'a2');
  t.same(offers(d.at(10).send({ type: 'call-abandoned', callId: 'c1' })), ['a1'], 'the queue keeps moving');
});

t.test('(3b) top-down with the FIRST agent unavailable: the next in order takes calls', async (t) => {
  const d = new Desk(simple('top-down', ['a1', 'a2', 'a3', 'a4']));
  d.reach('a1', 'a2', 'a3', 'a4');
  d.send({ type: 'agent-presence', agentId: 'a1', presence: 'break', reason: 'lunch' });
  t.same(offers(d.queued('c1')), ['a2']);
  t.same(offers(d.queued('c2')), ['a3']);
  t.same(offers(d.queued('c3')), ['a4']);
});

t.test('(3c) top-down with first and last unavailable and the middle cycling: never halts', async (t) => {
  const d = new Desk(simple('top-down', ['a1', 'a2', 'a3', 'a4'], { wrapUpMs: 0 }));
  d.reach('a2', 'a3');
  d.send({ type: 'agent-presence', agentId: 'a1', presence: 'offline' });
  let now = 0;
  const got: string[] = [];
  for (let i = 0; i < 20; i++) {
    const o = offers(d.at((now += 100)).queued(`c${i}`));
    t.equal(o.length, 1, `call ${i} offered`);
    got.push(o[0]!);
    // a2 keeps the odd calls, so even calls must skip to a3.
    if (i % 2 === 0) d.answer(`c${i}`, o[0]!);
    else {
      d.answer(`c${i}`, o[0]!);
      d.end(`c${i - 1}`);
      d.end(`c${i}`);
    }
  }
  t.same(got.slice(0, 4), ['a2', 'a3', 'a2', 'a3']);
  t.ok(got.every((a) => a === 'a2' || a === 'a3'));
  // a top member on a missed-offer back-off is skipped, not waited for.
  d.queued('x1');
  d.send({ type: 'offer-failed', callId: 'x1', agentId: 'a2', reason: 'declined' });
  t.equal(d.r.agentView('a3', d.now)!.callId, 'x1');
});
