import t from 'tap';
import { Router } from '../../../src/core/acd/router.js';
import { routerViolations } from '../../../src/core/acd/invariants.js';
import { Desk, agent, offers, ofType, policy, queue, simple } from './fixtures/desk.js';

// ---- tiers ---------------------------------------------------------------------

t.test('tiers: tier N joins exactly when the call has waited tierEscalationMs * (N - 1)', async (t) => {
  const p = policy([queue('q', 'longest-idle', [['a1', 1], ['a2', 2], ['a3', 3]], { tierEscalationMs: 10_000, missedBackoffMs: 60_000 })], ['a1', 'a2', 'a3'].map((id) => agent(id)));
  const d = new Desk(p);
  d.reach('a2', 'a3'); // a1 (tier 1) unreachable
  t.same(offers(d.at(1_000).queued('c1')), [], 'only tier 1 at first');
  t.equal(d.r.nextDeadline(), 11_000, 'escalation timer armed');
  t.same(offers(d.tick(10_999)), []);
  t.same(offers(d.tick(11_000)), ['a2'], 'tier 2 exactly at 10 s');
  // Tier 2 declines; tier 3 is not eligible before 20 s.
  t.same(offers(d.send({ type: 'offer-failed', callId: 'c1', agentId: 'a2', reason: 'declined' }, 12_000)), []);
  t.same(offers(d.tick(20_999)), []);
  t.same(offers(d.tick(21_000)), ['a3'], 'tier 3 exactly at 20 s');
});

t.test('tiers: lower tier first among the eligible; a freed tier-1 agent takes an escalated call', async (t) => {
  const p = policy([queue('q', 'longest-idle', [['a2', 2], ['a1', 1]], { tierEscalationMs: 5_000, wrapUpMs: 0 })], ['a1', 'a2'].map((id) => agent(id)));
  const d = new Desk(p);
  d.at(0).send({ type: 'agent-reachable', agentId: 'a2', reachable: true });
  d.at(100).send({ type: 'agent-reachable', agentId: 'a1', reachable: true });
  d.at(60_000).queued('c0');
  t.equal(d.r.calls.get('c0')!.offers.has('a1'), true, 'tier 1 preferred though a2 idles longer');
  d.answer('c0', 'a1');
  d.queued('c1');
  t.same(offers(d.tick(65_000)), ['a2'], 'escalated to tier 2');
  d.answer('c1', 'a2');
  d.at(66_000).queued('c2');
  t.same(offers(d.at(67_000).end('c0')), ['a1'], 'tier 1 agent takes the waiting call');
});

t.test('tiers: escalation adds ringers to a ring-all call', async (t) => {
  const p = policy([queue('q', 'ring-all', [['a1', 1], ['a2', 2]], { tierEscalationMs: 4_000, offerTimeoutMs: 30_000 })], ['a1', 'a2'].map((id) => agent(id)));
  const d = new Desk(p);
  d.reach('a1', 'a2');
  t.same(offers(d.queued('c1')), ['a1']);
  t.same(offers(d.tick(4_000)), ['a2']);
  t.same([...d.r.calls.get('c1')!.offers].sort(), ['a1', 'a2']);
});

// ---- skills ------------------------------------------------------------------------

t.test('skills: every required skill at or above its minimum; raising a skill dispatches at once', async (t) => {
  const q = queue('q', 'longest-idle', ['a1', 'a2', 'a3'], { requiredSkills: { french: 50, billing: 30 } });
  const agents = [agent('a1', { skills: { french: 49, billing: 90 } }), agent('a2', { skills: { french: 80 } }), agent('a3', { skills: { french: 50, billing: 30 } })];
  const d = new Desk(policy([q], agents));
  d.reach('a1', 'a2', 'a3');
  t.same(offers(d.queued('c1')), ['a3'], 'exactly the minimum qualifies; below or missing does not');
  t.same(offers(d.queued('c2')), []);
  t.same(d.r.agentView('a1', 0)!.queues, []);
  agents[0] = agent('a1', { skills: { french: 60, billing: 90 } });
  t.same(offers(d.reconfigure(policy([q], agents))), ['a1']);
});

// ---- priority ---------------------------------------------------------------------------

t.test('priority across queues: highest priority, then longest waiting, among the agent’s queues', async (t) => {
  const p = policy([queue('qa', 'longest-idle', ['a1'], { wrapUpMs: 0 }), queue('qb', 'longest-idle', ['a1'], { wrapUpMs: 0 })], [agent('a1')]);
  const d = new Desk(p);
  d.reach('a1');
  d.queued('busy', 'qa');
  d.answer('busy', 'a1');
  d.at(10).queued('low-old', 'qa', { priority: 0 });
  d.at(20).queued('high-b', 'qb', { priority: 5 });
  d.at(30).queued('high-a', 'qa', { priority: 5 });
  d.at(40).queued('low-b', 'qb', { priority: 0 });
  const order: string[] = [];
  let current = 'busy';
  for (let i = 0; i < 4; i++) {
    const o = ofType(d.at(100 + i).end(current), 'offer')[0]!;
    order.push(o.callId);
    d.answer(o.callId, 'a1');
    current = o.callId;
  }
  t.same(order, ['high-b', 'high-a', 'low-old', 'low-b']);
});

// ---- clients -----------------------------------------------------------------------------

t.test('clients: the call’s client (else the queue’s) goes only to agents serving it', async (t) => {
  const p = policy(
    [queue('q', 'top-down', ['a1', 'a2', 'a3'], { clientId: 'globex' })],
    [agent('a1', { clients: ['acme'] }), agent('a2', { clients: ['globex', 'initech'] }), agent('a3')],
  );
  const d = new Desk(p);
  d.reach('a1', 'a2', 'a3');
  t.same(offers(d.queued('c1')), ['a2'], 'queue client globex: a1 (acme only) skipped');
  t.same(offers(d.queued('c2', 'q', { clientId: 'acme' })), ['a1'], 'call client acme overrides');
  t.same(offers(d.queued('c3', 'q', { clientId: 'initech' })), ['a3'], 'a3 serves every client');
  t.same(offers(d.queued('c4', 'q', { clientId: 'acme' })), [], 'nobody free serves acme');
  const pool = d.r.poolFor('a2', 0)!;
  t.same(pool.waiting, [], 'a2 does not see acme calls in its pool');
  t.same(pool.offered.map((c) => c.callId), ['c1']);
  d.send({ type: 'call-abandoned', callId: 'c2' });
  t.equal(d.r.calls.get('c4')!.offers.has('a1'), true, 'a1 freed: takes the acme call');
});

// ---- limits ------------------------------------------------------------------------------

t.test('maxWaitMs: a waiting call overflows to the queue’s target exactly on time', async (t) => {
  const target = { voicemail: 'sales-vm' };
  const d = new Desk(simple('longest-idle', ['a1'], { maxWaitMs: 30_000, overflow: target }));
  d.queued('c1');
  d.at(5_000).queued('c2');
  t.equal(d.r.nextDeadline(), 30_000);
  t.same(d.tick(29_999), []);
  t.same(d.tick(30_000), [{ type: 'overflow', callId: 'c1', queueId: 'q', reason: 'max-wait', target }]);
  // A late tick still overflows, and the router has forgotten the call.
  t.same(ofType(d.tick(90_000), 'overflow').map((c) => c.callId), ['c2']);
  t.equal(d.r.calls.size, 0);
});

t.test('maxWaitMs: an offer ringing at the deadline is withdrawn with reason overflow', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1'], { maxWaitMs: 10_000, offerTimeoutMs: 60_000 }));
  d.reach('a1');
  d.queued('c1');
  const cmds = d.tick(10_000);
  t.same(
    cmds.filter((c) => c.type !== 'agent-status'),
    [
      { type: 'withdraw-offer', callId: 'c1', agentId: 'a1', reason: 'overflow' },
      { type: 'overflow', callId: 'c1', queueId: 'q', reason: 'max-wait' },
    ],
  );
  t.equal(d.activity('a1'), 'idle');
});

t.test('maxWaitNoAgentMs: counts only while no member is logged in (ready/break or busy with a call)', async (t) => {
  const p = policy([queue('q', 'longest-idle', ['a1', 'a2'], { maxWaitNoAgentMs: 20_000, overflow: { hangup: true, message: 'closed' } })], [
    agent('a1', { initialPresence: 'offline' }),
    agent('a2', { initialPresence: 'offline' }),
  ]);
  const d = new Desk(p);
  d.at(1_000).queued('c1');
  d.at(15_000).queued('c2');
  t.same(ofType(d.tick(20_999), 'overflow'), []);
  t.same(ofType(d.tick(21_000), 'overflow').map((c) => [c.callId, c.reason]), [['c1', 'no-agents']], 'c1: 20 s since the queue had nobody (from t=0, it arrived at 1 s)');
  // An agent on break (unreachable even) is logged in: the clock stops and resets.
  d.at(30_000).send({ type: 'agent-presence', agentId: 'a1', presence: 'break', reason: 'lunch' });
  t.same(ofType(d.tick(80_000), 'overflow'), []);
  d.at(90_000).send({ type: 'agent-presence', agentId: 'a1', presence: 'offline' });
  t.same(ofType(d.tick(109_999), 'overflow'), []);
  t.same(ofType(d.tick(110_000), 'overflow').map((c) => c.callId), ['c2'], 'clock restarted at 90 s');
  t.equal(d.r.queueStatus('q', 110_000)!.loggedIn, 0);
});

t.test('maxWaitNoAgentMs: a member busy with a call counts as logged in until the call is done', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1'], { maxWaitNoAgentMs: 10_000, wrapUpMs: 5_000 }));
  d.reach('a1');
  d.queued('c1');
  d.answer('c1', 'a1');
  d.send({ type: 'agent-presence', agentId: 'a1', presence: 'offline' });
  d.at(1_000).queued('c2');
  t.same(ofType(d.tick(50_000), 'overflow'), [], 'on the call: logged in');
  d.at(60_000).end('c1');
  t.same(ofType(d.tick(74_999), 'overflow'), [], 'wrap-up (to 65 s) counts, then the clock runs');
  t.same(ofType(d.tick(75_000), 'overflow').map((c) => c.callId), ['c2']);
});

t.test('maxWaitNoAgentMs: a call put back after an offer past its no-agent deadline overflows in the same event', async (t) => {
  // a1 rings c1; a reload removes a1 from the queue (the offer continues), so nobody is logged in.
  const q = queue('q', 'longest-idle', ['a1'], { maxWaitNoAgentMs: 5_000, offerTimeoutMs: 60_000 });
  const d = new Desk(policy([q], [agent('a1')]));
  d.reach('a1');
  d.queued('c1');
  d.reconfigure(policy([{ ...q, members: [] }], [agent('a1')]), 1_000);
  t.same(ofType(d.tick(20_000), 'overflow'), [], 'still ringing');
  const cmds = d.send({ type: 'offer-failed', callId: 'c1', agentId: 'a1', reason: 'declined' }, 20_000);
  t.same(ofType(cmds, 'overflow').map((c) => [c.callId, c.reason]), [['c1', 'no-agents']]);
});

t.test('maxSize: an arrival at a full queue (waiting or ringing) overflows at once', async (t) => {
  const target = { queue: 'backup' };
  const d = new Desk(simple('longest-idle', ['a1'], { maxSize: 2, overflow: target }));
  d.reach('a1');
  t.same(offers(d.queued('c1')), ['a1']);
  d.queued('c2');
  t.same(d.queued('c3'), [{ type: 'overflow', callId: 'c3', queueId: 'q', reason: 'queue-full', target }], 'one ringing + one waiting = full');
  t.equal(d.r.calls.has('c3'), false);
  d.answer('c1', 'a1');
  t.same(ofType(d.queued('c4'), 'overflow'), [], 'connected calls do not count');
});

t.test('queue removed by a reload: waiting and ringing calls overflow to its target, offers withdrawn', async (t) => {
  const target = { ivr: 'main-menu' };
  const p = policy([queue('q', 'longest-idle', ['a1'], { overflow: target }), queue('keep', 'longest-idle', ['a1'])], [agent('a1')]);
  const d = new Desk(p);
  d.reach('a1');
  d.queued('c1');
  d.queued('c2');
  d.queued('c3', 'keep');
  d.answer('c1', 'a1');
  d.queued('c4');
  const cmds = d.reconfigure(policy([queue('keep', 'longest-idle', ['a1'])], [agent('a1')]), 100);
  t.same(ofType(cmds, 'overflow').map((c) => [c.callId, c.reason, c.target]), [['c2', 'queue-removed', target], ['c4', 'queue-removed', target]]);
  t.equal(d.r.calls.get('c1')!.state, 'connected', 'the connected call stays');
  t.same(offers(d.at(200).end('c1')), [], 'wrap-up from the removed queue still applies');
  t.same(offers(d.tick(5_200)), ['a1']);
  t.same(d.queued('c9', 'q'), [{ type: 'overflow', callId: 'c9', queueId: 'q', reason: 'queue-removed' }], 'arrival to an unknown queue');
});

// ---- announcements --------------------------------------------------------------------------

t.test('announcements: every announceEveryMs, with position and an estimate once handle times are known', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1', 'a2'], { announceEveryMs: 30_000, wrapUpMs: 10_000, offerTimeoutMs: 120_000 }));
  d.reach('a1', 'a2');
  d.queued('c1');
  d.queued('c2');
  d.at(1_000).queued('w1');
  d.at(2_000).queued('w2', 'q', { priority: 1 });
  t.same(ofType(d.tick(31_000), 'announce'), [{ type: 'announce', callId: 'w1', queueId: 'q', position: 2 }], 'no estimate yet; ringing calls get none');
  t.same(ofType(d.tick(32_000), 'announce'), [{ type: 'announce', callId: 'w2', queueId: 'q', position: 1 }], 'higher priority is first in line');
  d.answer('c1', 'a1');
  d.answer('c2', 'a2');
  // Both talk 50 s and wrap up 10 s: average handle time 60 s, 2 members serving (in wrap-up).
  d.at(82_000).end('c1');
  d.end('c2');
  t.same(ofType(d.tick(91_000), 'announce'), [{ type: 'announce', callId: 'w1', queueId: 'q', position: 2, estimatedWaitMs: 60_000 }]);
  t.same(ofType(d.tick(91_500), 'announce'), []);
  d.send({ type: 'agent-presence', agentId: 'a2', presence: 'offline' });
  t.same(ofType(d.tick(91_999), 'announce'), []);
  // Offline but still in wrap-up, a2 is busy with a call and still counts as serving: 1 x 60 s / 2.
  t.same(ofType(d.tick(92_000), 'announce'), [{ type: 'announce', callId: 'w2', queueId: 'q', position: 1, estimatedWaitMs: 30_000 }]);
  // Then a2's wrap-up ends while offline: a1 alone serves; w1 (now first in line) is estimated at 60 s.
  d.answer('w2', 'a1');
  t.same(ofType(d.tick(121_000), 'announce'), [{ type: 'announce', callId: 'w1', queueId: 'q', position: 1, estimatedWaitMs: 60_000 }]);
});

// ---- affinity -------------------------------------------------------------------------------

function affinityDesk(extra: { affinityWindowMs?: number; affinityWaitMs?: number } = {}) {
  const d = new Desk(simple('longest-idle', ['a1', 'a2', 'a3'], { wrapUpMs: 0, affinityWindowMs: 3_600_000, affinityWaitMs: 0, ...extra }));
  d.reach('a1', 'a2', 'a3');
  // The caller talks to a2 (a1 takes another call first).
  d.queued('x');
  d.queued('first', 'q', { caller: '+4930111' });
  t.equal(d.r.calls.get('first')!.offers.has('a2'), true);
  d.answer('first', 'a2');
  d.at(60_000).end('first');
  d.answer('x', 'a1');
  return d;
}

t.test('affinity hit: a returning caller goes to the agent they last talked to', async (t) => {
  const d = affinityDesk();
  t.same(d.r.affinityOf('+4930111'), { agentId: 'a2', at: 60_000 });
  t.same(offers(d.at(120_000).queued('again', 'q', { caller: '+4930111' })), ['a2'], 'not a3 who idles longer');
  t.same(offers(d.queued('other', 'q', { caller: '+4930222' })), ['a3']);
});

t.test('affinity miss after the window: routed by strategy', async (t) => {
  const d = affinityDesk({ affinityWindowMs: 600_000 });
  t.same(offers(d.at(660_001).queued('again', 'q', { caller: '+4930111' })), ['a3']);
});

t.test('affinity wait: held for the busy agent, who gets it when free; else routed after the wait', async (t) => {
  const d = affinityDesk({ affinityWaitMs: 20_000 });
  d.at(100_000).queued('busy2');
  t.equal(d.r.calls.get('busy2')!.offers.has('a3'), true);
  d.answer('busy2', 'a3');
  d.queued('mine', 'q', { caller: '+4930111' });
  d.answer('mine', 'a2');
  // The caller calls again while a2 is busy: held for a2 although nobody else is free anyway...
  d.at(101_000).queued('back', 'q', { caller: '+4930111' });
  t.equal(d.r.calls.get('back')!.reservedFor, 'a2');
  // ... and a1 frees up: the call stays held for a2.
  t.same(offers(d.at(102_000).end('x')), [], 'a1 does not take a call held for a2');
  t.same(offers(d.at(110_000).end('mine')), ['a2'], 'a2 frees up within the wait: gets the caller');
  d.end('back');
  // Again, but a2 stays busy past the wait: routed normally at the end of it.
  d.at(111_000).queued('mine2', 'q', { caller: '+4930111' });
  d.answer('mine2', 'a2');
  d.at(112_000).queued('back2', 'q', { caller: '+4930111' });
  t.equal(d.r.calls.get('back2')!.reservedFor, 'a2');
  t.same(offers(d.tick(131_999)), []);
  t.same(offers(d.tick(132_000)), ['a1'], 'wait over: a1 takes it');
});

t.test('affinity: a previous agent who is not busy but away (break) is not waited for', async (t) => {
  const d = affinityDesk({ affinityWaitMs: 20_000 });
  d.at(100_000).send({ type: 'agent-presence', agentId: 'a2', presence: 'break', reason: 'lunch' });
  t.same(offers(d.queued('back', 'q', { caller: '+4930111' })), ['a3']);
});

// ---- take-call ---------------------------------------------------------------------------------

t.test('take-call: an available tier-2 agent takes a call before it escalates; refusals carry a reason', async (t) => {
  const p = policy(
    [queue('q', 'longest-idle', [['a1', 1], ['a2', 2], ['a3', 1]], { tierEscalationMs: 60_000 }), queue('other', 'longest-idle', ['a4'])],
    [agent('a1'), agent('a2'), agent('a3', { clients: ['acme'] }), agent('a4')],
  );
  const d = new Desk(p);
  d.reach('a2', 'a3', 'a4');
  d.queued('c1', 'q', { clientId: 'globex' });
  t.same(d.r.poolFor('a2', 5_000)!.waiting.map((c) => [c.callId, c.waitedMs]), [['c1', 5_000]]);
  t.same(d.r.poolFor('a3', 5_000)!.waiting, [], 'not a3’s client');
  const refusals: [string, string, string][] = [
    ['a3', 'c1', 'not-eligible'],
    ['a4', 'c1', 'not-eligible'],
    ['a1', 'c1', 'agent-not-available'],
    ['a2', 'nope', 'unknown-call'],
    ['zz', 'c1', 'unknown-agent'],
  ];
  for (const [agentId, callId, reason] of refusals) {
    t.same(d.at(5_000).send({ type: 'take-call', agentId, callId }), [{ type: 'take-refused', callId, agentId, reason }], `${agentId} ${callId}`);
  }
  const cmds = d.send({ type: 'take-call', agentId: 'a2', callId: 'c1' });
  t.same(offers(cmds), ['a2']);
  t.same(d.send({ type: 'take-call', agentId: 'a4', callId: 'c1' }), [{ type: 'take-refused', callId: 'c1', agentId: 'a4', reason: 'already-offered' }]);
  d.answer('c1', 'a2');
  t.equal(d.r.poolFor('a2', 6_000)!.handling?.callId, 'c1');
});

// ---- presence: break, standby; wrap-up ---------------------------------------------------------

t.test('break with a reason: status and view carry it; no offers until ready again', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  const cmds = d.send({ type: 'agent-presence', agentId: 'a1', presence: 'break', reason: 'lunch' });
  t.same(cmds, [{ type: 'agent-status', agentId: 'a1', status: 'break', presence: 'break', reason: 'lunch' }]);
  t.same(offers(d.queued('c1')), []);
  t.match(d.r.agentView('a1', 0), { status: 'break', presence: 'break', reason: 'lunch' });
  t.same(ofType(d.send({ type: 'agent-presence', agentId: 'a1', presence: 'break', reason: 'coaching' }), 'agent-status')[0]?.reason, 'coaching', 'a new reason is a change');
  t.same(offers(d.send({ type: 'agent-presence', agentId: 'a1', presence: 'ready' })), ['a1']);
  t.equal(d.r.agentView('a1', 0)!.reason, undefined);
});

t.test('presence changes never interrupt an offer or a call', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.reach('a1');
  d.queued('c1');
  d.send({ type: 'agent-presence', agentId: 'a1', presence: 'offline' });
  d.send({ type: 'agent-reachable', agentId: 'a1', reachable: false });
  t.equal(d.activity('a1'), 'offered');
  t.ok(d.answer('c1', 'a1').some((c) => c.type === 'connect'));
  d.send({ type: 'agent-presence', agentId: 'a1', presence: 'break', reason: 'x' });
  t.equal(d.activity('a1'), 'on-call');
});

t.test('wrap-up: extend adds time, end finishes it early and the next call is offered', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1'], { wrapUpMs: 10_000 }));
  d.reach('a1');
  d.queued('c1');
  d.answer('c1', 'a1');
  d.at(1_000).end('c1');
  t.equal(d.r.nextDeadline(), 11_000);
  d.send({ type: 'wrap-up-extend', agentId: 'a1', byMs: 30_000 });
  t.equal(d.r.nextDeadline(), 41_000);
  t.equal(d.r.agentView('a1', 5_000)!.countdownMs, 36_000);
  d.at(2_000).queued('c2');
  t.same(offers(d.tick(40_999)), []);
  t.same(offers(d.at(20_000).send({ type: 'wrap-up-end', agentId: 'a1' })), ['a1']);
  t.same(d.send({ type: 'wrap-up-extend', agentId: 'a1', byMs: 5_000 }), [], 'ignored outside wrap-up');
});

t.test('views: queue status by agent status, and the agent view countdowns', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1', 'a2', 'a3']));
  d.reach('a1', 'a2');
  d.queued('c1');
  d.queued('c2');
  d.at(500).queued('c3');
  d.send({ type: 'agent-presence', agentId: 'a3', presence: 'break', reason: 'lunch' });
  d.answer('c2', 'a2');
  t.same(d.r.queueStatus('q', 2_000), { queueId: 'q', waiting: 1, offered: 1, longestWaitMs: 2_000, loggedIn: 3, agents: { offered: 1, 'on-call': 1, break: 1 } });
  t.match(d.r.agentView('a1', 2_000), { status: 'offered', activity: 'offered', callId: 'c1', countdownMs: 16_000, queues: [{ queueId: 'q', tier: 1 }] });
  t.same(d.r.poolFor('a1', 2_000)!.waiting.map((c) => c.callId), ['c3']);
  t.equal(d.r.queueStatus('nope', 0), undefined);
});

// ---- wrap-up held open (a required disposition) ----------------------------------------------------

t.test('wrap-up hold: a call ending held goes to wrap-up even with none; the timer and wrap-up-end do not end it; the release does', async (t) => {
  const d = new Desk(policy([queue('q', 'longest-idle', ['a1'], { wrapUpMs: 0 })], [agent('a1')]));
  d.reach('a1');
  d.at(0).queued('c1');
  d.answer('c1', 'a1');
  d.send({ type: 'wrap-up-hold', agentId: 'a1', held: true });
  d.at(5_000).end('c1');
  t.equal(d.r.agentView('a1', 5_000)!.status, 'wrap-up', 'held: wrap-up though the queue has none');
  t.equal(d.r.agentView('a1', 5_000)!.wrapHeld, true);
  d.at(6_000).queued('c2');
  t.same(offers(d.tick(60_000)), [], 'no offer while held, however long');
  d.send({ type: 'wrap-up-end', agentId: 'a1' }, 61_000);
  t.equal(d.r.agentView('a1', 61_000)!.status, 'wrap-up', 'wrap-up-end does not end a held wrap-up');
  t.same(offers(d.send({ type: 'wrap-up-hold', agentId: 'a1', held: false }, 62_000)), ['a1'], 'released: idle at once, and takes the waiting call');
});

t.test('wrap-up hold: released during the call, the queue\'s wrap-up runs as usual; held survives a restart', async (t) => {
  const p = policy([queue('q', 'longest-idle', ['a1'], { wrapUpMs: 3_000 })], [agent('a1')]);
  const d = new Desk(p);
  d.reach('a1');
  d.at(0).queued('c1');
  d.answer('c1', 'a1');
  d.send({ type: 'wrap-up-hold', agentId: 'a1', held: true });
  d.send({ type: 'wrap-up-hold', agentId: 'a1', held: false }, 1_000);
  d.at(2_000).end('c1');
  d.tick(5_000);
  t.equal(d.r.agentView('a1', 5_000)!.status, 'ready', 'the 3 s wrap-up ended on time');
  d.at(6_000).queued('c3');
  d.answer('c3', 'a1');
  d.send({ type: 'wrap-up-hold', agentId: 'a1', held: true });
  d.at(7_000).end('c3');
  d.tick(20_000);
  const restored = Router.restore(p, JSON.parse(JSON.stringify(d.r.snapshot())), 20_000);
  t.equal(restored.agentView('a1', 20_000)!.status, 'wrap-up', 'still held after a restart, past its timer');
  t.same(routerViolations(restored, 20_000), []);
  restored.handle({ type: 'wrap-up-hold', agentId: 'a1', held: false }, 21_000);
  t.equal(restored.agentView('a1', 21_000)!.activity, 'idle', 'released after the restart: idle');
});
