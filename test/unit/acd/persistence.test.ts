import t from 'tap';
import { Router } from '../../../src/core/acd/router.js';
import { routerViolations } from '../../../src/core/acd/invariants.js';
import type { RouterPolicy } from '../../../src/core/acd/types.js';
import { Desk, agent, offers, ofType, policy, queue, simple } from './fixtures/desk.js';

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function restart(d: Desk, p: RouterPolicy, now: number, seed?: number): void {
  d.r = Router.restore(p, roundTrip(d.r.snapshot()), now, seed === undefined ? {} : { seed });
  d.now = now;
  t.same(routerViolations(d.r, now), [], 'restored router is consistent');
}

t.test('snapshot is plain JSON', async (t) => {
  const d = new Desk(simple('round-robin', ['a1', 'a2'], { affinityWindowMs: 60_000, announceEveryMs: 10_000, maxWaitMs: 90_000 }));
  d.reach('a1');
  d.queued('c1', 'q', { caller: '+1', clientId: 'acme', priority: 2 });
  d.answer('c1', 'a1');
  d.queued('c2');
  const snap = d.r.snapshot();
  t.same(roundTrip(snap), snap);
});

t.test('restore: presence, reasons, counters, stats, affinity, calls and timers survive; a ringing offer is withdrawn to its place', async (t) => {
  const p = simple('longest-idle', ['a1', 'a2', 'a3'], { wrapUpMs: 10_000, maxWaitMs: 120_000, announceEveryMs: 30_000, affinityWindowMs: 3_600_000 });
  const d = new Desk(p);
  d.reach('a1', 'a2', 'a3');
  d.queued('c0', 'q', { caller: '+4930555' });
  d.answer('c0', 'a1');
  d.at(20_000).end('c0'); // a1 talked 20 s, wrap-up until 30 s
  d.queued('c1', 'q', { caller: '+4930111' }); // -> a2
  d.answer('c1', 'a2');
  d.send({ type: 'agent-presence', agentId: 'a2', presence: 'break', reason: 'after this call' });
  d.at(21_000).queued('c2'); // -> a3, ringing
  t.equal(d.activity('a3'), 'offered');
  d.at(22_000).queued('c3');
  d.at(23_000).queued('c4');
  const before = d.r.snapshot();

  restart(d, p, 25_000);
  const r = d.r;
  t.equal(r.agents.get('a3')!.activity.kind, 'idle', 'the ringing offer is gone');
  t.same([...r.queues.get('q')!.waiting].map((c) => c.id), ['c2', 'c3', 'c4'], 'c2 back at its original place');
  t.equal(r.calls.get('c1')!.state, 'connected');
  t.match(r.agentView('a2', 25_000), { status: 'on-call', presence: 'break', reason: 'after this call', callsAnswered: 1 });
  t.match(r.agentView('a1', 25_000), { status: 'wrap-up', countdownMs: 5_000, talkMs: 20_000 });
  t.same(r.affinityOf('+4930555'), { agentId: 'a1', at: 20_000 });
  t.same(r.snapshot().queues, before.queues);
  t.ok([...r.agents.values()].every((a) => !a.reachable), 'agents start unreachable until the shell reports them');

  // Registrations come back: the first in line goes to the free agent.
  t.same(offers(d.send({ type: 'agent-reachable', agentId: 'a3', reachable: true }, 25_000)), ['a3']);
  t.equal(d.r.agentView('a3', 25_000)!.callId, 'c2');
  d.answer('c2', 'a3');
  d.reach('a1', 'a2');
  // Wrap-up resumes from its absolute deadline; announcements keep their phase; max wait too.
  t.same(offers(d.tick(30_000)), ['a1']);
  d.answer('c3', 'a1');
  t.same(ofType(d.tick(53_000), 'announce').map((c) => [c.callId, c.position]), [['c4', 1]]);
  t.same(ofType(d.tick(143_000), 'overflow').map((c) => [c.callId, c.reason]), [['c4', 'max-wait']]);
  // The connected call ends normally.
  t.equal(ofType(d.end('c1'), 'agent-status')[0]?.status, 'wrap-up');
});

t.test('restore after a long pause: what fell due meanwhile comes out of the first event', async (t) => {
  const p = simple('longest-idle', ['a1'], { wrapUpMs: 10_000, maxWaitMs: 60_000 });
  const d = new Desk(p);
  d.reach('a1');
  d.queued('c1');
  d.answer('c1', 'a1');
  d.at(5_000).end('c1');
  d.queued('c2');
  const snap = roundTrip(d.r.snapshot());
  const r = Router.restore(p, snap, 600_000);
  t.equal(r.agents.get('a1')!.activity.kind, 'idle', 'wrap-up ended during the pause');
  t.same(ofType(r.handle({ type: 'tick' }, 600_000), 'overflow').map((c) => [c.callId, c.reason]), [['c2', 'max-wait']]);
});

t.test('restore under a changed policy: removed queue overflows, removed agent finishes its call', async (t) => {
  const p = policy([queue('q', 'longest-idle', ['a1', 'a2']), queue('gone', 'longest-idle', ['a2'], { overflow: { voicemail: 'x' } })], [agent('a1'), agent('a2')]);
  const d = new Desk(p);
  d.reach('a1');
  d.queued('c1');
  d.answer('c1', 'a1');
  d.queued('c2', 'gone');
  const p2 = policy([queue('q', 'longest-idle', ['a2'])], [agent('a2')]);
  const r = Router.restore(p2, roundTrip(d.r.snapshot()), 1_000);
  t.same(ofType(r.handle({ type: 'tick' }, 1_000), 'overflow').map((c) => [c.callId, c.reason]), [['c2', 'queue-removed']]);
  t.match(r.agentView('a1', 1_000), { status: 'on-call', presence: 'offline', reason: 'removed from configuration' });
  r.handle({ type: 'call-ended', callId: 'c1' }, 2_000);
  r.handle({ type: 'tick' }, 7_000);
  t.equal(r.agents.has('a1'), false, 'forgotten once its wrap-up is over');
  t.same(routerViolations(r, 7_000), []);
});

t.test('restore continues the random strategy’s sequence exactly', async (t) => {
  const p = simple('random', ['a1', 'a2', 'a3', 'a4'], { wrapUpMs: 0 });
  const drive = (r: Router, from: number, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const id = `k${from + i}`;
      const o = offers(r.handle({ type: 'call-queued', callId: id, queueId: 'q' }, from + i))[0]!;
      r.handle({ type: 'offer-answered', callId: id, agentId: o }, from + i);
      r.handle({ type: 'call-ended', callId: id }, from + i);
      return o;
    });
  const a = new Router(p, 0, new Map(), { seed: 99 });
  for (const id of ['a1', 'a2', 'a3', 'a4']) a.handle({ type: 'agent-reachable', agentId: id, reachable: true }, 0);
  drive(a, 1, 20);
  const b = Router.restore(p, roundTrip(a.snapshot()), 21, { seed: 12345 });
  for (const id of ['a1', 'a2', 'a3', 'a4']) b.handle({ type: 'agent-reachable', agentId: id, reachable: true }, 21);
  // Same idle times are not guaranteed after re-registration, but random ignores them: same draws.
  t.same(drive(b, 100, 30), drive(a, 100, 30));
});

t.test('restore keeps an affinity hold and its deadline', async (t) => {
  const p = simple('longest-idle', ['a1', 'a2'], { wrapUpMs: 0, affinityWindowMs: 600_000, affinityWaitMs: 10_000 });
  const d = new Desk(p);
  d.reach('a1', 'a2');
  d.queued('c1', 'q', { caller: '+1' });
  d.answer('c1', 'a1');
  d.end('c1');
  d.queued('c2', 'q', { caller: '+2' });
  d.answer('c2', 'a1');
  d.queued('c3', 'q', { caller: '+1' });
  t.equal(d.r.calls.get('c3')!.reservedFor, 'a1');
  restart(d, p, 1_000);
  t.equal(d.r.calls.get('c3')!.reservedFor, 'a1');
  d.reach('a1', 'a2');
  t.same(offers(d.tick(9_999)), []);
  t.same(offers(d.tick(10_000)), ['a2']);
});

// ---- reconfigure --------------------------------------------------------------------------------

t.test('reconfigure: an added agent or member takes waiting calls at once', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1']));
  d.queued('c1');
  const cmds = d.reconfigure(policy([queue('q', 'longest-idle', ['a1', 'a2'])], [agent('a1'), agent('a2')]));
  t.same(offers(cmds), [], 'a2 is new: unreachable until registered');
  t.same(offers(d.send({ type: 'agent-reachable', agentId: 'a2', reachable: true })), ['a2']);
});

t.test('reconfigure: an agent removed mid-call finishes it, then leaves; re-added while lingering, it serves again', async (t) => {
  const p = simple('longest-idle', ['a1', 'a2']);
  const d = new Desk(p);
  d.reach('a1', 'a2');
  d.queued('c1');
  d.answer('c1', 'a1');
  const cmds = d.reconfigure(simple('longest-idle', ['a2']), 10);
  t.same(ofType(cmds, 'agent-status'), [{ type: 'agent-status', agentId: 'a1', status: 'on-call', presence: 'offline', reason: 'removed from configuration' }]);
  d.at(20).end('c1');
  t.equal(d.activity('a1'), 'wrap-up');
  d.reconfigure(p, 30);
  t.match(d.r.agentView('a1', 30), { presence: 'ready', status: 'wrap-up' });
  d.reconfigure(simple('longest-idle', ['a2']), 40);
  d.tick(5_020);
  t.equal(d.r.agents.has('a1'), false);
  t.equal(d.r.agentView('a1', 5_020), undefined);
});

t.test('reconfigure: an offer to a member removed from the queue keeps ringing and may be answered', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1', 'a2']));
  d.reach('a1');
  d.queued('c1');
  d.reconfigure(policy([queue('q', 'longest-idle', ['a2'])], [agent('a1'), agent('a2')]), 10);
  t.equal(d.activity('a1'), 'offered');
  t.ok(d.answer('c1', 'a1').some((c) => c.type === 'connect'));
});

t.test('reconfigure: lowering maxWait overflows calls already past it; changing strategy applies to the next pick', async (t) => {
  const d = new Desk(simple('longest-idle', ['a1', 'a2', 'a3'], { wrapUpMs: 0 }));
  d.queued('old');
  d.at(50_000).queued('young');
  const cmds = d.reconfigure(simple('longest-idle', ['a1', 'a2', 'a3'], { wrapUpMs: 0, maxWaitMs: 30_000 }), 60_000);
  t.same(ofType(cmds, 'overflow').map((c) => c.callId), ['old']);
  t.equal(d.r.nextDeadline(), 80_000);
  d.at(60_001).reach('a3', 'a1', 'a2');
  t.equal(d.r.calls.get('young')!.offers.has('a3'), true);
  d.reconfigure(simple('top-down', ['a1', 'a2', 'a3'], { wrapUpMs: 0 }), 70_000);
  t.same(offers(d.queued('n1')), ['a1']);
});
