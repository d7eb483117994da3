import t from 'tap';
import { routerViolations } from '../../../src/core/acd/invariants.js';
import type { RouterCommand } from '../../../src/core/acd/types.js';
import { Desk, offers, ofType, simple } from './fixtures/desk.js';

t.test('longest-idle offers the agent idle the longest', async (t) => {
  const d = new Desk(simple());
  d.send({ type: 'agent-reachable', agentId: 'a2', reachable: true }, 10);
  d.send({ type: 'agent-reachable', agentId: 'a1', reachable: true }, 20);
  t.same(offers(d.queued('c1')), ['a2']);
  t.same(routerViolations(d.r, 30), []);
});

t.test('a call waits when nobody is reachable, and is offered when an agent registers', async (t) => {
  const d = new Desk(simple());
  t.same(offers(d.queued('c1')), []);
  t.same(offers(d.send({ type: 'agent-reachable', agentId: 'a3', reachable: true }, 5)), ['a3']);
});

t.test('timeout withdraws the offer, backs the agent off, and re-offers to the next agent', async (t) => {
  const d = new Desk(simple());
  d.reach('a1', 'a2');
  t.same(offers(d.at(100).queued('c1')), ['a1']);
  t.equal(d.r.nextDeadline(), 18_100);
  const cmds = d.tick(18_100);
  t.ok(cmds.some((c) => c.type === 'withdraw-offer' && c.agentId === 'a1' && c.reason === 'timeout'));
  t.same(offers(cmds), ['a2']);
  t.equal(d.activity('a1'), 'missed-backoff');
  t.equal(d.r.agentView('a1', 18_100)!.countdownMs, 7_000);
});

t.test('the only agent is offered the same call again after the back-off', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  d.queued('c1');
  t.same(offers(d.send({ type: 'offer-failed', callId: 'c1', agentId: 'a1', reason: 'declined' }, 1_000)), []);
  t.same(offers(d.tick(7_999)), []);
  t.same(offers(d.tick(8_000)), ['a1']);
});

t.test('with no back-off a decline goes to the next agent, and back to the same one if nobody else is free', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1', 'a2'], { missedBackoffMs: 0 }));
  d.reach('a1', 'a2');
  t.same(offers(d.queued('c1')), ['a1']);
  t.same(offers(d.send({ type: 'offer-failed', callId: 'c1', agentId: 'a1', reason: 'declined' }, 10)), ['a2']);
  t.same(offers(d.send({ type: 'offer-failed', callId: 'c1', agentId: 'a2', reason: 'busy' }, 20)), ['a1']);
});

t.test('abandon withdraws the ringing offer at once and frees the agent', async (t) => {
  const d = new Desk(simple());
  d.reach('a1');
  d.queued('c1');
  const cmds = d.send({ type: 'call-abandoned', callId: 'c1' }, 2_000);
  t.ok(cmds.some((c) => c.type === 'withdraw-offer' && c.agentId === 'a1' && c.reason === 'abandoned'));
  t.equal(d.activity('a1'), 'idle');
  t.equal(d.r.calls.size, 0);
});

t.test('answer connects, end puts the agent in wrap-up, then the next waiting call is offered', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  d.queued('c1');
  d.at(1).queued('c2');
  t.ok(d.at(3_000).answer('c1', 'a1').some((c) => c.type === 'connect'));
  d.at(60_000).end('c1');
  t.equal(d.activity('a1'), 'wrap-up');
  t.same(offers(d.tick(65_000)), ['a1']);
  t.equal(d.r.agents.get('a1')!.talkMs, 57_000);
});

t.test('an answer that crosses a timeout still connects when call and agent are free', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  d.queued('c1');
  d.tick(18_000);
  t.ok(d.answer('c1', 'a1').some((c) => c.type === 'connect'));
});

t.test('an answer for a call already gone, or never offered to that agent, releases the agent leg', async (t) => {
  const d = new Desk(simple());
  d.reach('a1', 'a2');
  d.queued('c1');
  d.at(10).send({ type: 'call-abandoned', callId: 'c1' });
  t.same(d.answer('c1', 'a1').map((c) => c.type), ['release-agent-leg']);
  d.queued('c2');
  t.same(d.answer('c2', 'a3').map((c) => c.type), ['release-agent-leg']);
});

t.test('missing N offers in a row moves the agent to standby with a reason', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  let now = 0;
  let last: RouterCommand[] = [];
  for (let i = 0; i < 3; i++) {
    d.at(now).queued(`c${i}`);
    last = d.send({ type: 'offer-failed', callId: `c${i}`, agentId: 'a1', reason: 'timeout' }, (now += 1000));
    d.send({ type: 'call-abandoned', callId: `c${i}` });
    d.tick((now += 7_000));
  }
  t.equal(d.r.agents.get('a1')!.presence, 'standby');
  t.ok(ofType(last, 'agent-status').some((c) => c.reason === 'missed 3 offers in a row' && c.presence === 'standby'));
  t.equal(d.r.agentView('a1', now)!.reason, 'missed 3 offers in a row');
  // Back to ready resets the counter.
  d.send({ type: 'agent-presence', agentId: 'a1', presence: 'ready' });
  t.equal(d.r.agents.get('a1')!.missedInRow, 0);
});

t.test('ring-all rings every available member; the first answer withdraws the rest', async (t) => {
  const d = new Desk(simple('ring-all'));
  d.reach('a1', 'a2', 'a3');
  t.same(offers(d.queued('c1')).sort(), ['a1', 'a2', 'a3']);
  const cmds = d.answer('c1', 'a2');
  t.same(ofType(cmds, 'withdraw-offer').map((c) => c.agentId).sort(), ['a1', 'a3']);
  t.equal(d.activity('a1'), 'idle');
});
