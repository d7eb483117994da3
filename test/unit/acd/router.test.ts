import t from 'tap';
import { Router } from '../../../src/core/acd/router.js';
import { routerViolations } from '../../../src/core/acd/invariants.js';
import type { RouterCommand, RouterPolicy, Strategy } from '../../../src/core/acd/types.js';
import { pick, rng } from '../../support/random.js';

function policy(strategy: Strategy = 'longest-idle', members = ['a1', 'a2', 'a3']): RouterPolicy {
  return {
    maxMissedInRow: 3,
    agents: members.map((id) => ({ id, initialPresence: 'ready' as const })),
    queues: [{ id: 'q', strategy, members, offerTimeoutMs: 18_000, wrapUpMs: 5_000, missedBackoffMs: 7_000 }],
  };
}

function ready(r: Router, ids: string[], now: number) {
  for (const id of ids) r.handle({ type: 'agent-reachable', agentId: id, reachable: true }, now);
}

const offers = (cmds: RouterCommand[]) => cmds.filter((c) => c.type === 'offer').map((c) => (c as { agentId: string }).agentId);

t.test('longest-idle offers the agent idle the longest', async (t) => {
  const r = new Router(policy(), 0);
  r.handle({ type: 'agent-reachable', agentId: 'a2', reachable: true }, 10);
  r.handle({ type: 'agent-reachable', agentId: 'a1', reachable: true }, 20);
  const cmds = r.handle({ type: 'call-queued', callId: 'c1', queueId: 'q' }, 30);
  t.same(offers(cmds), ['a2']);
  t.same(routerViolations(r, 30), []);
});

t.test('a call waits when nobody is reachable, and is offered when an agent registers', async (t) => {
  const r = new Router(policy(), 0);
  t.same(offers(r.handle({ type: 'call-queued', callId: 'c1', queueId: 'q' }, 0)), []);
  t.same(offers(r.handle({ type: 'agent-reachable', agentId: 'a3', reachable: true }, 5)), ['a3']);
});

t.test('timeout withdraws the offer, backs the agent off, and re-offers to the next agent', async (t) => {
  const r = new Router(policy(), 0);
  ready(r, ['a1', 'a2'], 0);
  t.same(offers(r.handle({ type: 'call-queued', callId: 'c1', queueId: 'q' }, 100)), ['a1']);
  t.equal(r.nextDeadline(), 18_100);
  const cmds = r.handle({ type: 'tick' }, 18_100);
  t.ok(cmds.some((c) => c.type === 'withdraw-offer' && c.agentId === 'a1' && c.reason === 'timeout'));
  t.same(offers(cmds), ['a2']);
  t.equal(r.agents.get('a1')!.activity.kind, 'missed-backoff');
  t.same(routerViolations(r, 18_100), []);
});

t.test('the only agent is offered the same call again after the back-off', async (t) => {
  const r = new Router(policy('longest-idle', ['a1']), 0);
  ready(r, ['a1'], 0);
  r.handle({ type: 'call-queued', callId: 'c1', queueId: 'q' }, 0);
  const declined = r.handle({ type: 'offer-failed', callId: 'c1', agentId: 'a1', reason: 'declined' }, 1_000);
  t.same(offers(declined), []);
  t.same(offers(r.handle({ type: 'tick' }, 7_999)), []);
  t.same(offers(r.handle({ type: 'tick' }, 8_000)), ['a1']);
});

t.test('abandon withdraws the ringing offer at once and frees the agent', async (t) => {
  const r = new Router(policy(), 0);
  ready(r, ['a1'], 0);
  r.handle({ type: 'call-queued', callId: 'c1', queueId: 'q' }, 0);
  const cmds = r.handle({ type: 'call-abandoned', callId: 'c1' }, 2_000);
  t.ok(cmds.some((c) => c.type === 'withdraw-offer' && c.agentId === 'a1' && c.reason === 'abandoned'));
  t.equal(r.agents.get('a1')!.activity.kind, 'idle');
  t.equal(r.calls.size, 0);
});

t.test('answer connects, end puts the agent in wrap-up, then the next waiting call is offered', async (t) => {
  const r = new Router(policy('longest-idle', ['a1']), 0);
  ready(r, ['a1'], 0);
  r.handle({ type: 'call-queued', callId: 'c1', queueId: 'q' }, 0);
  r.handle({ type: 'call-queued', callId: 'c2', queueId: 'q' }, 1);
  t.ok(r.handle({ type: 'offer-answered', callId: 'c1', agentId: 'a1' }, 3_000).some((c) => c.type === 'connect'));
  r.handle({ type: 'call-ended', callId: 'c1' }, 60_000);
  t.equal(r.agents.get('a1')!.activity.kind, 'wrap-up');
  t.same(offers(r.handle({ type: 'tick' }, 65_000)), ['a1']);
  t.equal(r.agents.get('a1')!.talkMs, 57_000);
});

t.test('an answer that crosses a timeout still connects when call and agent are free', async (t) => {
  const r = new Router(policy('longest-idle', ['a1']), 0);
  ready(r, ['a1'], 0);
  r.handle({ type: 'call-queued', callId: 'c1', queueId: 'q' }, 0);
  r.handle({ type: 'tick' }, 18_000);
  const cmds = r.handle({ type: 'offer-answered', callId: 'c1', agentId: 'a1' }, 18_005);
  t.ok(cmds.some((c) => c.type === 'connect'));
  t.same(routerViolations(r, 18_005), []);
});

t.test('an answer for a call already gone releases the agent leg', async (t) => {
  const r = new Router(policy(), 0);
  ready(r, ['a1'], 0);
  r.handle({ type: 'call-queued', callId: 'c1', queueId: 'q' }, 0);
  r.handle({ type: 'call-abandoned', callId: 'c1' }, 10);
  t.same(r.handle({ type: 'offer-answered', callId: 'c1', agentId: 'a1' }, 11).map((c) => c.type), ['release-agent-leg']);
});

t.test('missing N offers in a row moves the agent to standby with a reason', async (t) => {
  const r = new Router(policy('longest-idle', ['a1']), 0);
  ready(r, ['a1'], 0);
  let now = 0;
  let last: RouterCommand[] = [];
  for (let i = 0; i < 3; i++) {
    r.handle({ type: 'call-queued', callId: `c${i}`, queueId: 'q' }, now);
    last = r.handle({ type: 'offer-failed', callId: `c${i}`, agentId: 'a1', reason: 'timeout' }, (now += 1000));
    r.handle({ type: 'call-abandoned', callId: `c${i}` }, now);
    now += 7_000;
    r.handle({ type: 'tick' }, now);
  }
  t.equal(r.agents.get('a1')!.presence, 'standby');
  t.ok(last.some((c) => c.type === 'agent-status' && c.reason === 'missed 3 offers in a row'));
});

t.test('ring-all rings every available member; the first answer withdraws the rest', async (t) => {
  const r = new Router(policy('ring-all'), 0);
  ready(r, ['a1', 'a2', 'a3'], 0);
  t.same(offers(r.handle({ type: 'call-queued', callId: 'c1', queueId: 'q' }, 0)).sort(), ['a1', 'a2', 'a3']);
  const cmds = r.handle({ type: 'offer-answered', callId: 'c1', agentId: 'a2' }, 10);
  t.same(cmds.filter((c) => c.type === 'withdraw-offer').map((c) => (c as { agentId: string }).agentId).sort(), ['a1', 'a3']);
  t.same(routerViolations(r, 10), []);
});

t.test('round-robin spreads calls evenly', async (t) => {
  const r = new Router({ ...policy('round-robin'), queues: [{ ...policy('round-robin').queues[0]!, wrapUpMs: 0 }] }, 0);
  ready(r, ['a1', 'a2', 'a3'], 0);
  const got: string[] = [];
  for (let i = 0; i < 9; i++) {
    const o = offers(r.handle({ type: 'call-queued', callId: `c${i}`, queueId: 'q' }, i));
    got.push(...o);
    r.handle({ type: 'offer-answered', callId: `c${i}`, agentId: o[0]! }, i);
    r.handle({ type: 'call-ended', callId: `c${i}` }, i);
  }
  t.same(got, ['a1', 'a2', 'a3', 'a1', 'a2', 'a3', 'a1', 'a2', 'a3']);
});

t.test('random events keep every invariant', async (t) => {
  for (const strategy of ['longest-idle', 'round-robin', 'ring-all'] as const) {
    const r0 = rng(strategy.length * 7919);
    const agents = Array.from({ length: 8 }, (_, i) => `a${i}`);
    const p: RouterPolicy = {
      maxMissedInRow: 3,
      agents: agents.map((id) => ({ id, initialPresence: 'ready' as const })),
      queues: [
        { id: 'q1', strategy, members: agents.slice(0, 5), offerTimeoutMs: 3_000, wrapUpMs: 1_000, missedBackoffMs: 2_000, maxWaitMs: 60_000 },
        { id: 'q2', strategy, members: agents.slice(3), offerTimeoutMs: 3_000, wrapUpMs: 0, missedBackoffMs: 1_000 },
      ],
    };
    const r = new Router(p, 0);
    let now = 0;
    let next = 0;
    const live = new Set<string>();
    let failures: string[] = [];
    const EVENTS = 30_000;
    for (let i = 0; i < EVENTS && failures.length === 0; i++) {
      now += Math.floor(r0() * 800);
      const x = r0();
      const offered = [...r.calls.values()].filter((c) => c.state === 'offered');
      const connected = [...r.calls.values()].filter((c) => c.state === 'connected');
      let cmds: RouterCommand[];
      if (x < 0.2) {
        const id = `c${next++}`;
        live.add(id);
        cmds = r.handle({ type: 'call-queued', callId: id, queueId: r0() < 0.5 ? 'q1' : 'q2', priority: r0() < 0.1 ? 1 : 0 }, now);
      } else if (x < 0.3 && live.size > 0) {
        cmds = r.handle({ type: 'call-abandoned', callId: pick(r0, [...live]) }, now);
      } else if (x < 0.45 && offered.length > 0) {
        const c = pick(r0, offered);
        cmds = r.handle({ type: 'offer-answered', callId: c.id, agentId: pick(r0, [...c.offers]) }, now);
      } else if (x < 0.52 && offered.length > 0) {
        const c = pick(r0, offered);
        cmds = r.handle({ type: 'offer-failed', callId: c.id, agentId: pick(r0, [...c.offers]), reason: pick(r0, ['declined', 'busy', 'unreachable'] as const) }, now);
      } else if (x < 0.65 && connected.length > 0) {
        cmds = r.handle({ type: 'call-ended', callId: pick(r0, connected).id }, now);
      } else if (x < 0.75) {
        cmds = r.handle({ type: 'agent-presence', agentId: pick(r0, agents), presence: pick(r0, ['ready', 'ready', 'standby', 'offline'] as const) }, now);
      } else if (x < 0.82) {
        cmds = r.handle({ type: 'agent-reachable', agentId: pick(r0, agents), reachable: r0() < 0.8 }, now);
      } else if (x < 0.84) {
        cmds = r.handle({ type: 'offer-answered', callId: pick(r0, [...live, 'ghost']), agentId: pick(r0, agents) }, now);
      } else {
        const d = r.nextDeadline();
        if (d !== undefined && d > now) now = d;
        cmds = r.handle({ type: 'tick' }, now);
      }
      for (const c of cmds) if (c.type === 'max-wait') live.delete(c.callId);
      for (const id of [...live]) if (!r.calls.has(id)) live.delete(id);
      failures = routerViolations(r, now).map((v) => `after event ${i}: ${v}`);
    }
    t.same(failures, [], `${strategy}: no invariant broken over ${EVENTS} events`);
  }
});
