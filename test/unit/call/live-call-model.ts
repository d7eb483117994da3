/**
 * A model of the media world a live call's commands act on (which legs are
 * up, where each one is, what is muted, which recording runs), and a random
 * driver that feeds a live call events from any party at any moment and
 * checks, after every event, that the machine and the world agree and that
 * the invariants hold. Returns the first violation, or undefined.
 */
import { LiveCall, legsOf, type LiveCallCommand, type LiveCallEvent, type LiveCallPolicy, type Place } from '../../../src/core/call/live-call.js';
import { pick, rng } from '../../support/random.js';

type WorldPlace = { kind: 'bridge'; with: string } | { kind: 'music' } | { kind: 'silence' } | { kind: 'message' };

class World {
  up = new Set<string>();
  where = new Map<string, WorldPlace>();
  muted = new Set<string>();
  recording?: { file: string; paused: boolean };
  files = new Set<string>();
  released = 0;
  ended = 0;
  handedBack = 0;

  constructor(legs: string[]) {
    for (const l of legs) {
      this.up.add(l);
      this.where.set(l, { kind: 'silence' });
    }
  }

  /** Moves a leg somewhere; its bridge partner is left alone, in silence (FreeSWITCH parks it). */
  private move(leg: string, to: WorldPlace | undefined): void {
    const was = this.where.get(leg);
    if (was?.kind === 'bridge') this.where.set(was.with, { kind: 'silence' });
    if (to) this.where.set(leg, to);
    else this.where.delete(leg);
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
      case 'release-agent':
        this.released++;
        return this.released > 1 ? 'the agent was released twice' : undefined;
      case 'ended':
        this.ended++;
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
}

const POLICY: LiveCallPolicy = { holdMusic: 'local_stream://moh', recording: 'auto', messages: { promo: 'promo.wav', callback: 'callback.wav' }, amd: false, beepWaitMs: 5_000 };

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
  }
  if (!call.done) for (const id of world.up) if (!seen.has(id)) return `up leg ${id} is in no place`;
  for (const [id, w] of world.where) if (w.kind === 'bridge' && !world.up.has(w.with)) return `leg ${id} bridged to gone leg ${w.with}`;
  return undefined;
}

function check(call: LiveCall, world: World): string | undefined {
  const v = call.view();
  const placed = checkPlaces(call, world);
  if (placed) return placed;
  for (const [id, w] of world.where) if (w.kind === 'music' && !(id === 'customer' && v.phase === 'held')) return `leg ${id} hears music while the call is ${v.phase}`;
  if (!world.up.has('customer') && !call.done) return 'the customer is gone but the call is not over';
  if (!world.up.has('customer') && world.up.has('agent')) return 'the customer is gone and the agent is still on the call';
  if (call.done && world.up.has('agent')) return 'the call is over and the agent leg is still up';
  if (call.done && world.released !== 1) return `the call is over and the agent was released ${world.released} times`;
  if (v.phase === 'ended' && world.ended !== 1) return 'the call ended without its record being closed';
  if (v.phase !== 'ended' && world.ended !== 0) return 'the record was closed while the call goes on';
  if (v.phase === 'ended' && world.up.size > 0) return 'the call ended with a leg still up';
  const rec = v.recording !== 'stopped';
  if (rec !== (world.recording !== undefined)) return `machine recording ${v.recording}, world ${world.recording ? 'recording' : 'not recording'}`;
  if (rec && world.recording!.paused !== (v.recording === 'paused')) return 'pause state differs';
  if (rec && !(v.phase === 'talking' || v.phase === 'held')) return `recording while ${v.phase}`;
  if ((v.heldSince !== undefined) !== (v.phase === 'held')) return 'held time runs while not held, or not while held';
  if (v.muted !== world.muted.has('agent')) return `machine muted=${v.muted}, world ${world.muted.has('agent')}`;
  if (v.muted && !world.up.has('agent')) return 'muted with no agent';
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
    const policy: LiveCallPolicy = { ...POLICY, recording: pick(r, ['auto', 'on-demand', 'off'] as const), amd: r() < 0.3 };
    const call = factory(`c${calls}`, policy, now, segment);
    const world = new World(['customer', 'agent']);
    for (const c of call.start()) {
      const bad = world.apply(c);
      if (bad) return { violation: `call c${calls} start: ${bad}`, calls, events: n };
    }
    const history: string[] = [];
    while (!call.done && n < events) {
      n++;
      now += Math.floor(r() * (r() < 0.05 ? 10_000 : 500));
      const e = randomEvent(r, world);
      history.push(JSON.stringify(e));
      // Whatever fell due by now happens first, so a refused event can be checked to change nothing.
      for (const c of call.handle({ type: 'tick' }, now).commands) {
        const bad = world.apply(c);
        if (bad) return { violation: `call c${calls} on tick: ${bad}`, calls, events: n };
      }
      const before = JSON.stringify(call.view());
      // The wire changes first: a leg that hangs up is gone before the machine hears of it.
      if (e.type === 'leg-gone') world.gone(e.leg);
      if (e.type === 'recording-failed') world.recording = undefined;
      const outcome = call.handle(e, now);
      if (!outcome.ok && JSON.stringify(call.view()) !== before) return { violation: `call c${calls}: refused ${e.type} changed the call`, calls, events: n };
      for (const c of outcome.commands) {
        const bad = world.apply(c);
        if (bad) return { violation: `call c${calls} after ${history.slice(-6).join(' ')}: ${bad}`, calls, events: n };
      }
      const bad = check(call, world);
      if (bad) return { violation: `call c${calls} after ${history.slice(-6).join(' ')}: ${bad}`, calls, events: n };
    }
    segment = call.view().segment;
  }
  return { calls, events: n };
}

function randomEvent(r: () => number, world: World): LiveCallEvent {
  const x = r();
  if (x < 0.04 && world.up.has('customer')) return { type: 'leg-gone', leg: 'customer', cause: 'NORMAL_CLEARING' };
  if (x < 0.07 && world.up.has('agent')) return { type: 'leg-gone', leg: 'agent', cause: 'NORMAL_CLEARING' };
  if (x < 0.12 && world.where.get('customer')?.kind === 'message') return { type: 'playback-done' };
  if (x < 0.14 && world.recording) return { type: 'recording-failed', reason: 'disk full' };
  const by = r() < 0.5 ? 'desk' : 'phone';
  return pick<LiveCallEvent>(r, [
    { type: 'hold', by },
    { type: 'resume', by },
    { type: 'hold', by: 'desk' },
    { type: 'resume', by: 'desk' },
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
    { type: 'tick' },
  ]);
}
