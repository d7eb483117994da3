/**
 * A model of the media world a live call's commands act on (which legs are
 * up, where each one is and whom it hears, what is muted, which recording
 * runs, which consult or supervisor is being rung, which agents are on the
 * call), and a random driver that feeds a live call events from any party at
 * any moment and checks, after every event, that the machine and the world
 * agree and that the invariants hold. Returns the first violation, or undefined.
 */
import { LiveCall, legsOf, type LiveCallCommand, type LiveCallEvent, type LiveCallPolicy, type LiveCallView, type Place } from '../../../src/core/call/live-call.js';
import { pick, rng } from '../../support/random.js';

type WorldPlace = { kind: 'bridge'; with: string } | { kind: 'music' } | { kind: 'silence' } | { kind: 'message' } | { kind: 'conference' };
type Role = 'customer' | 'agent' | 'consult' | 'supervisor';

class World {
  up = new Set<string>();
  where = new Map<string, WorldPlace>();
  role = new Map<string, Role>();
  agentOf = new Map<string, string>();
  conference = { muted: new Set<string>(), deaf: new Set<string>() };
  muted = new Set<string>();
  recording?: { file: string; paused: boolean };
  files = new Set<string>();
  /** Consults being rung, by n; a supervisor being rung. */
  originating = new Map<number, { kind: string; to: string }>();
  supervisorRinging?: string;
  /** Agents who have been on the call (a leg of theirs came up), and how often each was released. */
  joined = new Set<string>();
  released = new Map<string, { count: number; wrapUp: boolean }>();
  merged = new Set<string>();
  owner?: string;
  ended = 0;
  endedOwner?: string;
  handedBack = 0;
  legs = 0;

  constructor() {
    this.add('customer', 'customer');
    this.add('agent', 'agent', 'a1');
    this.owner = 'a1';
  }

  add(leg: string, role: Role, agentId?: string): void {
    this.up.add(leg);
    this.where.set(leg, { kind: 'silence' });
    this.role.set(leg, role);
    if (agentId) {
      this.agentOf.set(leg, agentId);
      this.joined.add(agentId);
    }
  }

  /** Moves a leg somewhere; its bridge partner is left alone, in silence (FreeSWITCH parks it); a conference goes on. */
  private move(leg: string, to: WorldPlace | undefined): void {
    const was = this.where.get(leg);
    if (was?.kind === 'bridge') this.where.set(was.with, { kind: 'silence' });
    if (to) this.where.set(leg, to);
    else this.where.delete(leg);
  }

  members(): string[] {
    return [...this.where].filter(([, w]) => w.kind === 'conference').map(([l]) => l);
  }

  /** Whom each up leg hears (other parties only: music and messages are not parties). */
  hears(): Map<string, Set<string>> {
    const h = new Map<string, Set<string>>();
    for (const l of this.up) h.set(l, new Set());
    const members = this.members();
    for (const [l, w] of this.where) {
      if (w.kind === 'bridge') h.get(l)?.add(w.with);
      if (w.kind === 'conference') for (const m of members) if (m !== l && !this.conference.muted.has(m) && !this.conference.deaf.has(`${m}>${l}`)) h.get(l)?.add(m);
    }
    return h;
  }

  apply(c: LiveCallCommand): string | undefined {
    const needUp = (leg: string) => (this.up.has(leg) ? undefined : `${c.type} on leg ${leg}, which is gone`);
    switch (c.type) {
      case 'bridge': {
        const bad = needUp(c.a) ?? needUp(c.b);
        if (bad) return bad;
        if (c.a === c.b) return 'a leg bridged to itself';
        this.move(c.a, undefined);
        this.move(c.b, undefined);
        this.where.set(c.a, { kind: 'bridge', with: c.b });
        this.where.set(c.b, { kind: 'bridge', with: c.a });
        return undefined;
      }
      case 'music':
      case 'silence':
      case 'play':
        if (needUp(c.leg)) return needUp(c.leg);
        this.move(c.leg, { kind: c.type === 'play' ? 'message' : c.type });
        return undefined;
      case 'conference': {
        for (const l of c.legs) if (needUp(l)) return needUp(l);
        if (c.legs.length < 2) return 'a conference of one';
        // The conference has exactly these members: others are taken out (parked).
        for (const m of this.members()) if (!c.legs.includes(m)) this.where.set(m, { kind: 'silence' });
        for (const l of c.legs) if (this.where.get(l)?.kind !== 'conference') {
          this.move(l, undefined);
          this.where.set(l, { kind: 'conference' });
        }
        this.conference = { muted: new Set(c.muted), deaf: new Set(c.deaf.map(([a, b]) => `${a}>${b}`)) };
        if (c.legs.length >= 3 && c.muted.length === 0 && c.deaf.length === 0) for (const l of c.legs) if (this.agentOf.has(l)) this.merged.add(this.agentOf.get(l)!);
        return undefined;
      }
      case 'mute':
        if (needUp(c.leg)) return needUp(c.leg);
        if (c.on) this.muted.add(c.leg);
        else this.muted.delete(c.leg);
        return undefined;
      case 'dtmf':
        return needUp(c.leg);
      case 'record':
        if (needUp(c.leg)) return needUp(c.leg);
        if (c.op === 'start') {
          if (this.recording) return 'a second recording started while one runs';
          if (this.files.has(c.file)) return `recording file ${c.file} reused`;
          this.files.add(c.file);
          this.recording = { file: c.file, paused: false };
          return undefined;
        }
        if (!this.recording || this.recording.file !== c.file) return `record ${c.op} of ${c.file}, which is not running`;
        if (c.op === 'stop') this.recording = undefined;
        else this.recording.paused = c.op === 'pause';
        return undefined;
      case 'hangup':
        if (needUp(c.leg)) return needUp(c.leg);
        this.gone(c.leg);
        return undefined;
      case 'release-agent': {
        for (const l of this.up) if (this.agentOf.get(l) === c.agentId) return `agent ${c.agentId} released while still on the call`;
        if (!this.joined.has(c.agentId)) return `agent ${c.agentId} released but never on the call`;
        const r = this.released.get(c.agentId) ?? { count: 0, wrapUp: c.wrapUp };
        r.count++;
        r.wrapUp = c.wrapUp;
        this.released.set(c.agentId, r);
        if (r.count > 1) return `agent ${c.agentId} released twice`;
        // A consulted colleague who only consulted goes straight back to Ready; the owner always wraps up.
        if (c.agentId !== this.owner && !this.merged.has(c.agentId) && c.wrapUp) return `consulted agent ${c.agentId} sent to wrap-up`;
        if (c.agentId === this.owner && !c.wrapUp) return `owner ${c.agentId} released without wrap-up`;
        return undefined;
      }
      case 'originate':
        if (this.originating.size > 0) return 'a second consult rung while one rings';
        this.originating.set(c.n, c.target);
        return undefined;
      case 'cancel-originate':
        if (!this.originating.has(c.n)) return `cancel of consult ${c.n}, which is not ringing`;
        this.originating.delete(c.n);
        return undefined;
      case 'call-supervisor':
        if (this.supervisorRinging) return 'a second supervisor rung';
        this.supervisorRinging = c.supervisorId;
        return undefined;
      case 'cancel-supervisor':
        if (this.supervisorRinging !== c.supervisorId) return 'cancel of a supervisor not ringing';
        this.supervisorRinging = undefined;
        return undefined;
      case 'owner':
        if (needUp(c.leg)) return needUp(c.leg);
        if (this.role.get(c.leg) !== 'consult') return 'ownership passed to a leg that is not the consulted party';
        if (c.from !== this.owner) return `ownership passed from ${c.from}, but ${this.owner} owned the call`;
        this.role.set(c.leg, 'agent');
        this.owner = c.agentId;
        return undefined;
      case 'ended':
        this.ended++;
        this.endedOwner = c.owner;
        return this.ended > 1 ? 'the call ended twice' : undefined;
      case 'hand-back':
        this.handedBack++;
        return undefined;
      case 'timeline':
        return undefined;
    }
  }

  gone(leg: string): void {
    this.up.delete(leg);
    this.move(leg, undefined);
    this.muted.delete(leg);
    // A recording on a leg dies with it.
    if (leg === 'customer') this.recording = undefined;
  }

  legOf(role: Role): string | undefined {
    for (const l of this.up) if (this.role.get(l) === role) return l;
    return undefined;
  }
}

const POLICY: LiveCallPolicy = {
  holdMusic: 'local_stream://moh',
  recording: 'auto',
  messages: { promo: 'promo.wav', callback: 'callback.wav' },
  amd: false,
  beepWaitMs: 5_000,
  agentLeavesConsult: 'complete',
  agentLeavesMerge: 'keep',
};

export type Factory = (callId: string, policy: LiveCallPolicy, now: number, firstSegment: number) => LiveCall;
export const REAL: Factory = (id, policy, now, seg) => new LiveCall(id, 'customer', 'agent', 'a1', policy, now, seg);

function checkPlaces(call: LiveCall, world: World): string | undefined {
  const v = call.view();
  for (const leg of v.legs) if (leg.up !== world.up.has(leg.id)) return `machine says leg ${leg.id} is ${leg.up ? 'up' : 'gone'}, the world says otherwise`;
  const seen = new Set<string>();
  for (const p of v.places as Place[]) {
    for (const id of legsOf(p)) {
      if (!world.up.has(id)) return `place ${p.kind} holds leg ${id}, which is gone`;
      if (seen.has(id)) return `leg ${id} is in two places`;
      seen.add(id);
      const w = world.where.get(id);
      const same = p.kind === 'bridge' ? w?.kind === 'bridge' && w.with === (p.legs[0] === id ? p.legs[1] : p.legs[0]) : w?.kind === p.kind;
      if (!same) return `machine has leg ${id} in ${p.kind}, the world has it in ${w ? w.kind : 'nothing'}`;
    }
    if (p.kind === 'conference' && world.members().length !== p.legs.length) return `conference of ${p.legs.length} in the machine, ${world.members().length} in the world`;
  }
  if (!call.done) for (const id of world.up) if (!seen.has(id)) return `up leg ${id} is in no place`;
  for (const [id, w] of world.where) if (w.kind === 'bridge' && !world.up.has(w.with)) return `leg ${id} bridged to gone leg ${w.with}`;
  return undefined;
}

/** Who hears whom, from the world, against what the phase promises each party. */
function checkHearing(v: LiveCallView, world: World): string | undefined {
  const hears = world.hears();
  const cu = world.up.has('customer') ? 'customer' : undefined;
  const ag = world.legOf('agent');
  const co = world.legOf('consult');
  const su = world.legOf('supervisor');
  const h = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && hears.get(a)!.has(b);
  if (v.phase !== 'merged' && (h(cu, co) || h(co, cu))) return `customer and consulted party hear each other while ${v.phase}`;
  if (su && v.supervisor?.mode !== 'barge' && h(cu, su)) return `the customer hears the supervisor in ${v.supervisor?.mode} mode`;
  if (su && v.supervisor?.mode === 'listen' && h(ag, su)) return 'the agent hears a listening supervisor';
  if (su && v.supervisor?.mode !== 'listen' && ag && world.where.get(ag)?.kind === 'conference' && !h(ag, su)) return `the agent does not hear the supervisor in ${v.supervisor?.mode} mode`;
  if (su && ag && world.where.get(su)?.kind === 'conference' && !h(su, ag)) return 'the supervisor does not hear the agent';
  if (su && v.phase === 'talking' && cu && !h(su, cu)) return 'the supervisor does not hear the customer';
  if (v.phase === 'talking' && cu && ag && !(h(cu, ag) && h(ag, cu))) return 'talking, but customer and agent do not hear each other';
  if (v.phase === 'merged') for (const a of [cu, ag, co]) for (const b of [cu, ag, co]) if (a && b && a !== b && !h(a, b)) return `merged, but ${a} does not hear ${b}`;
  if (v.phase === 'consulting' && v.consult?.talkingTo === 'consult' && ag && co && !(h(ag, co) && h(co, ag))) return 'consulting, but agent and consulted party do not hear each other';
  for (const [id, w] of world.where) {
    if (w.kind !== 'music') continue;
    const heldCustomer = id === 'customer' && (v.phase === 'held' || (v.phase === 'consulting' && v.consult?.talkingTo === 'consult'));
    const heldConsult = id === co && v.phase === 'consulting' && v.consult?.talkingTo === 'customer';
    if (!heldCustomer && !heldConsult) return `leg ${id} hears music while the call is ${v.phase}`;
  }
  return undefined;
}

function check(call: LiveCall, world: World): string | undefined {
  const v = call.view();
  const bad = checkPlaces(call, world) ?? checkHearing(v, world);
  if (bad) return bad;
  if (!world.up.has('customer') && !call.done && !v.consult) return 'the customer is gone, there is no consult, and the call is not over';
  if (!world.up.has('customer') && !call.done && !v.customerLeft) return 'the customer is gone and the call does not say so';
  if (call.done) {
    for (const l of world.up) if (l !== 'customer' || v.phase !== 'handed-back') return `the call is ${v.phase} and leg ${l} is still up`;
    for (const a of world.joined) if (world.released.get(a)?.count !== 1) return `the call is over and agent ${a} was released ${world.released.get(a)?.count ?? 0} times`;
    if (world.originating.size || world.supervisorRinging) return 'the call is over and a consult or supervisor still rings';
  }
  if (v.phase === 'ended' && world.ended !== 1) return 'the call ended without its record being closed';
  if (v.phase === 'ended' && world.endedOwner !== world.owner) return `the record closed with owner ${world.endedOwner}, the call belonged to ${world.owner}`;
  if (v.phase !== 'ended' && world.ended !== 0) return 'the record was closed while the call goes on';
  if (v.agentId !== world.owner) return `machine says ${v.agentId} owns the call, the world ${world.owner}`;
  if ((v.consult?.state === 'ringing') !== (world.originating.size > 0)) return 'a consult rings in the machine but not in the world, or the reverse';
  if ((v.supervisor?.state === 'ringing') !== (world.supervisorRinging !== undefined)) return 'a supervisor rings in the machine but not in the world, or the reverse';
  const rec = v.recording !== 'stopped';
  if (rec !== (world.recording !== undefined)) return `machine recording ${v.recording}, world ${world.recording ? 'recording' : 'not recording'}`;
  if (rec && world.recording!.paused !== (v.recording === 'paused')) return 'pause state differs';
  if (rec && !world.up.has('customer')) return 'recording with no customer';
  if (rec && !['talking', 'held', 'consulting', 'merged'].includes(v.phase)) return `recording while ${v.phase}`;
  const customerOnMusic = world.where.get('customer')?.kind === 'music';
  if ((v.heldSince !== undefined) !== customerOnMusic) return `held time ${v.heldSince !== undefined ? 'runs' : 'stopped'} while the customer is ${customerOnMusic ? '' : 'not '}on hold music`;
  const ag = world.legOf('agent');
  if (v.muted !== (ag !== undefined && world.muted.has(ag))) return `machine muted=${v.muted}, world ${ag !== undefined && world.muted.has(ag)}`;
  for (const m of world.muted) if (m !== ag) return `leg ${m} stays muted and is not the agent's`;
  if (v.holdMs < 0) return 'negative hold time';
  return undefined;
}

/** Runs `events` random events over as many calls as it takes; the first violation, or undefined. */
export function runRandom(factory: Factory, events: number, seed: number): { violation?: string; calls: number; events: number } {
  const r = rng(seed);
  let now = 1_000_000;
  let calls = 0;
  let n = 0;
  let segment = 0;
  while (n < events) {
    calls++;
    const policy: LiveCallPolicy = {
      ...POLICY,
      recording: pick(r, ['auto', 'on-demand', 'off'] as const),
      amd: r() < 0.3,
      agentLeavesConsult: r() < 0.7 ? 'complete' : 'requeue',
      agentLeavesMerge: r() < 0.7 ? 'keep' : 'end',
    };
    const call = factory(`c${calls}`, policy, now, segment);
    const world = new World();
    for (const c of call.start()) {
      const bad = world.apply(c);
      if (bad) return { violation: `call c${calls} start: ${bad}`, calls, events: n };
    }
    const history: string[] = [];
    while (!call.done && n < events) {
      n++;
      now += Math.floor(r() * (r() < 0.05 ? 10_000 : 500));
      const e = randomEvent(r, world, call.view());
      history.push(JSON.stringify(e));
      // Whatever fell due by now happens first, so a refused event can be checked to change nothing.
      for (const c of call.handle({ type: 'tick' }, now).commands) {
        const bad = world.apply(c);
        if (bad) return { violation: `call c${calls} on tick: ${bad}`, calls, events: n };
      }
      const before = JSON.stringify(call.view());
      // The wire changes first: a leg that hangs up is gone (or one that answers is up) before the machine hears of it.
      if (e.type === 'leg-gone') world.gone(e.leg);
      if (e.type === 'recording-failed') world.recording = undefined;
      if (e.type === 'consult-answered') {
        world.originating.delete(e.n);
        world.add(e.leg, 'consult', e.agentId);
      }
      if (e.type === 'consult-failed') world.originating.delete(e.n);
      if (e.type === 'supervisor-answered') {
        world.supervisorRinging = undefined;
        world.add(e.leg, 'supervisor');
      }
      if (e.type === 'supervisor-failed') world.supervisorRinging = undefined;
      const outcome = call.handle(e, now);
      // A leg the agent's phone called joins only if the call takes it (the shell moves it over then).
      if (e.type === 'consult-joined' && outcome.ok) world.add(e.leg, 'consult', e.agentId);
      if (!outcome.ok && JSON.stringify(call.view()) !== before) return { violation: `call c${calls}: refused ${e.type} changed the call`, calls, events: n };
      for (const c of outcome.commands) {
        const bad = world.apply(c);
        if (bad) return { violation: `call c${calls} after ${history.slice(-8).join(' ')}: ${bad}`, calls, events: n };
      }
      const bad = check(call, world);
      if (bad) return { violation: `call c${calls} after ${history.slice(-8).join(' ')}: ${bad}`, calls, events: n };
    }
    segment = call.view().segment;
  }
  return { calls, events: n };
}

function randomEvent(r: () => number, world: World, v: LiveCallView): LiveCallEvent {
  const x = r();
  const anyUp = [...world.up];
  if (x < 0.07 && anyUp.length) return { type: 'leg-gone', leg: pick(r, anyUp), cause: 'NORMAL_CLEARING' };
  if (x < 0.1 && world.where.get('customer')?.kind === 'message') return { type: 'playback-done' };
  if (x < 0.11 && world.recording) return { type: 'recording-failed', reason: 'disk full' };
  if (x < 0.2 && world.originating.size) {
    const [k, target] = [...world.originating][0]!;
    if (r() < 0.3) return { type: 'consult-failed', n: k, reason: pick(r, ['busy', 'declined', 'no-answer', 'unreachable', 'no-agent']), status: 486 };
    world.legs++;
    // The router offers a queue's consult to an agent who is free: never the owner, on this call.
    const agentId = target.kind === 'agent' ? target.to : target.kind === 'queue' ? pick(r, ['q1', 'q2'].filter((q) => q !== world.owner)) : undefined;
    return { type: 'consult-answered', n: k, leg: `k${world.legs}`, ...(agentId ? { agentId } : {}) };
  }
  if (x < 0.25 && world.supervisorRinging) {
    world.legs++;
    return r() < 0.8 ? { type: 'supervisor-answered', leg: `s${world.legs}` } : { type: 'supervisor-failed', reason: 'no-answer' };
  }
  if (x < 0.26) {
    world.legs++;
    // A late answer, for a consult long gone or never asked for.
    return r() < 0.5 ? { type: 'consult-answered', n: Math.floor(r() * 4), leg: `late${world.legs}`, agentId: `late${world.legs}` } : { type: 'supervisor-answered', leg: `late${world.legs}` };
  }
  const by = r() < 0.5 ? 'desk' : 'phone';
  return pick<LiveCallEvent>(r, [
    { type: 'hold', by },
    { type: 'resume', by },
    { type: 'mute' },
    { type: 'unmute' },
    { type: 'dtmf', digits: pick(r, ['1', '12#', '', 'x9', '0123456789*#ABCD']) },
    { type: 'record', op: pick(r, ['start', 'stop', 'pause', 'resume'] as const) },
    { type: 'voicemail-drop', message: pick(r, ['promo', 'callback', 'nope']) },
    { type: 'beep' },
    { type: 'playback-done' },
    { type: 'transfer-out', to: 'sales' },
    { type: 'hang-up' },
    { type: 'customer-phone-hold', held: r() < 0.5 },
    { type: 'consult', target: pick(r, [{ kind: 'agent', to: 'b2' }, { kind: 'agent', to: v.agentId ?? 'a1' }, { kind: 'queue', to: 'sales' }, { kind: 'number', to: '+15551230000' }, { kind: 'ivr', to: 'survey' }]) },
    { type: 'consult', target: { kind: 'agent', to: pick(r, ['b3', 'b4']) } },
    { type: 'swap' },
    { type: 'swap' },
    { type: 'consult-joined', leg: `j${++world.legs}`, agentId: `j${world.legs}`, target: { kind: 'agent', to: `j${world.legs}` } },
    { type: 'complete' },
    { type: 'cancel' },
    { type: 'merge' },
    { type: 'merge' },
    { type: 'monitor', supervisorId: pick(r, ['sup1', 'sup2']), mode: pick(r, ['listen', 'whisper', 'barge'] as const) },
    { type: 'unmonitor' },
    { type: 'tick' },
  ]);
}
