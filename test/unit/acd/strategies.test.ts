import t from 'tap';
import { Desk, agent, offers, ofType, policy, queue, simple } from './fixtures/desk.js';

/** Connects and ends a call at once (no wrap-up in these queues), so the agent is free again. */
function serve(d: Desk, callId: string, queueId = 'q'): string {
  const o = offers(d.queued(callId, queueId));
  if (o.length !== 1) throw new Error(`expected one offer for ${callId}, got ${o}`);
  d.answer(callId, o[0]!);
  d.end(callId);
  return o[0]!;
}

t.test('longest-idle: ties in idle time go to the higher skill score, then configured order', async (t) => {
  const p = policy(
    [queue('q', 'longest-idle', ['a1', 'a2', 'a3'], { requiredSkills: { sales: 10 }, wrapUpMs: 0 })],
    [agent('a1', { skills: { sales: 50 } }), agent('a2', { skills: { sales: 90 } }), agent('a3', { skills: { sales: 90 } })],
  );
  const d = new Desk(p);
  d.reach('a1', 'a2', 'a3'); // all at t=0: equal idle time
  t.same(offers(d.queued('c1')), ['a2'], 'higher proficiency first');
  t.same(offers(d.queued('c2')), ['a3'], 'equal score: configured order');
  t.same(offers(d.queued('c3')), ['a1']);
});

t.test('round-robin: members in turn, skipping the unavailable without losing the turn', async (t) => {
  const d = new Desk(simple('round-robin', ['a1', 'a2', 'a3', 'a4'], { wrapUpMs: 0 }));
  d.reach('a1', 'a2', 'a3', 'a4');
  const got = [1, 2, 3, 4, 5].map((i) => serve(d.at(i), `c${i}`));
  t.same(got, ['a1', 'a2', 'a3', 'a4', 'a1']);
  d.send({ type: 'agent-presence', agentId: 'a2', presence: 'break', reason: 'lunch' });
  const more = [6, 7, 8, 9].map((i) => serve(d.at(i), `c${i}`));
  t.same(more, ['a3', 'a4', 'a1', 'a3'], 'a2 skipped while on break');
});

t.test('fewest-calls: the agent with the fewest answered calls', async (t) => {
  const d = new Desk(simple('fewest-calls', ['a1', 'a2', 'a3'], { wrapUpMs: 0 }));
  d.reach('a1', 'a2', 'a3');
  t.equal(serve(d.at(1), 'c1'), 'a1');
  t.equal(serve(d.at(2), 'c2'), 'a2');
  t.equal(serve(d.at(3), 'c3'), 'a3');
  // a2 declines (a miss, not an answered call): counts stay 1/1/1 -> longest idle breaks the tie.
  t.same(offers(d.at(4).queued('c4')), ['a1']);
  d.answer('c4', 'a1');
  t.same(offers(d.at(5).queued('c5')), ['a2']);
  t.same(offers(d.send({ type: 'offer-failed', callId: 'c5', agentId: 'a2', reason: 'declined' }, 6)), ['a3']);
  t.same([...d.r.agents.values()].map((a) => a.callsAnswered), [2, 1, 1]);
});

t.test('least-talk-time: the agent who talked least', async (t) => {
  const d = new Desk(simple('least-talk-time', ['a1', 'a2', 'a3'], { wrapUpMs: 0 }));
  d.reach('a1', 'a2', 'a3');
  for (const [call, talk] of [['c1', 90_000], ['c2', 10_000], ['c3', 50_000]] as const) {
    const a = offers(d.queued(call))[0]!;
    d.answer(call, a);
    d.at(d.now + talk).end(call);
  }
  t.same([...d.r.agents.values()].map((a) => a.talkMs), [90_000, 10_000, 50_000]);
  t.same(offers(d.queued('c4')), ['a2']);
  t.same(offers(d.queued('c5')), ['a3']);
  t.same(offers(d.queued('c6')), ['a1']);
});

t.test('top-down: always the first available in configured order', async (t) => {
  const d = new Desk(simple('top-down', ['a1', 'a2', 'a3'], { wrapUpMs: 0 }));
  d.reach('a1', 'a2', 'a3');
  t.same([1, 2, 3].map((i) => serve(d.at(i), `c${i}`)), ['a1', 'a1', 'a1']);
  t.same(offers(d.queued('c4')), ['a1']);
  t.same(offers(d.queued('c5')), ['a2']);
  t.same(offers(d.queued('c6')), ['a3']);
  t.same(offers(d.queued('c7')), []);
  t.same(offers(d.answer('c4', 'a1')), []);
  t.same(offers(d.end('c4')), ['a1'], 'the freed agent takes the waiting call');
});

t.test('random: seeded, reproducible, and spread over everyone', async (t) => {
  const draw = (seed: number) => {
    const d = new Desk(simple('random', ['a1', 'a2', 'a3'], { wrapUpMs: 0 }), 0, { seed });
    d.reach('a1', 'a2', 'a3');
    return Array.from({ length: 300 }, (_, i) => serve(d.at(i + 1), `c${i}`));
  };
  const a = draw(7);
  t.same(draw(7), a, 'same seed, same picks');
  t.not(draw(8).join(), a.join(), 'another seed, other picks');
  for (const id of ['a1', 'a2', 'a3']) {
    const n = a.filter((x) => x === id).length;
    t.ok(n > 70 && n < 130, `${id} picked ${n} of 300`);
  }
});

t.test('ring-all: rings everyone available; a member who frees up while it rings is rung too', async (t) => {
  const d = new Desk(simple('ring-all', ['a1', 'a2', 'a3']));
  d.reach('a1', 'a2');
  t.same(offers(d.queued('c1')).sort(), ['a1', 'a2']);
  t.same(offers(d.at(100).send({ type: 'agent-reachable', agentId: 'a3', reachable: true })), ['a3'], 'late joiner');
  t.same([...d.r.calls.get('c1')!.offers].sort(), ['a1', 'a2', 'a3']);
  // One decline: the others keep ringing.
  d.at(200).send({ type: 'offer-failed', callId: 'c1', agentId: 'a1', reason: 'declined' });
  t.same([...d.r.calls.get('c1')!.offers].sort(), ['a2', 'a3']);
  const cmds = d.at(300).answer('c1', 'a3');
  t.same(ofType(cmds, 'withdraw-offer').map((c) => [c.agentId, c.reason]), [['a2', 'answered-elsewhere']]);
});

t.test('ring-all: a freed agent prefers a waiting call over joining a ringing one', async (t) => {
  const d = new Desk(simple('ring-all', ['a1', 'a2'], { wrapUpMs: 0 }));
  d.reach('a1');
  t.same(offers(d.queued('c1')), ['a1']);
  d.answer('c1', 'a1');
  d.send({ type: 'agent-reachable', agentId: 'a2', reachable: true });
  t.same(offers(d.at(1).queued('c2')), ['a2']);
  d.at(2).queued('c3'); // nobody free: waits
  t.same(offers(d.at(3).end('c1')), ['a1'], 'a1 takes c3, not a second ring on c2');
  t.equal(d.r.agentView('a1', 3)!.callId, 'c3');
});
