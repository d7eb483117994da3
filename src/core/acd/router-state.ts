/**
 * The router's first layer (see src/core/acd/router.ts for the whole): its
 * state (agents, queues, calls, timers, affinity memory, the seeded PRNG),
 * the clock that never runs backwards, timer arming, reservations, agents'
 * activity and status, and the commands collected for the shell.
 */
import { agentStatus, type Activity, type AgentRuntime } from './agent.js';
import { AffinityMemory } from './affinity.js';
import { TimerHeap, type TimerEntry } from '../timers.js';
import type { AgentId, CallId, QueueId, RouterCommand, RouterOptions, RouterPolicy } from './types.js';
import { type CallRuntime, type QueueRuntime, type TimerKey } from './router-runtime.js';

export abstract class RouterState {
  readonly agents = new Map<AgentId, AgentRuntime>();
  readonly queues = new Map<QueueId, QueueRuntime>();
  readonly calls = new Map<CallId, CallRuntime>();
  protected readonly timers = new TimerHeap<TimerKey>();
  protected readonly affinity: AffinityMemory;
  protected policy: RouterPolicy;
  protected seq = 0;
  protected token = 0;
  /** Agents dispatched at a timer's (earlier) time while the clock is later: dispatched again at the clock's time. */
  protected late = new Set<AgentRuntime>();
  protected rngState: number;
  protected lastNow: number;
  protected out: RouterCommand[] = [];
  /** Commands produced while constructing or restoring: returned by the next handle()/reconfigure(). */
  protected pending: RouterCommand[] = [];

  constructor(policy: RouterPolicy, now: number, options: RouterOptions) {
    this.rngState = (options.seed ?? 1) >>> 0;
    this.affinity = new AffinityMemory(options.affinityCapacity);
    this.lastNow = now;
    this.policy = policy;
  }

  /** Implemented by the dispatch layer (router-dispatch.ts). */
  protected abstract updateLoggedIn(a: AgentRuntime, now: number): void;
  protected abstract forget(a: AgentRuntime, now: number): void;

  /** The earliest deadline the shell must wake the router for, if any. */
  nextDeadline(): number | undefined {
    for (let e = this.timers.peek(); e; e = this.timers.peek()) {
      if (this.live(e)) return e.at;
      this.timers.pop();
    }
    return undefined;
  }

  /** The agent the caller last talked to, and when (for tests and the API). */
  affinityOf(caller: string): { agentId: AgentId; at: number } | undefined {
    const e = this.affinity.get(caller);
    return e ? { ...e } : undefined;
  }

  /** Time the router has reached (the latest `now` it was given). */
  get clockMs(): number {
    return this.lastNow;
  }

  // ---- configuration --------------------------------------------------------

  protected clock(now: number): number {
    if (now < this.lastNow) now = this.lastNow;
    this.lastNow = now;
    return now;
  }

  protected arm(at: number, key: TimerKey): number {
    const token = ++this.token;
    this.timers.push(at, key, token);
    return token;
  }

  protected live(e: TimerEntry<TimerKey>): boolean {
    const k = e.key;
    if (k.kind === 'agent') return this.agents.get(k.id)?.timerToken === e.version;
    if (k.kind === 'no-agent') return this.queues.get(k.id)?.noAgentToken === e.version;
    return this.calls.get(k.id)?.tok[k.kind] === e.version;
  }

  protected reserve(call: CallRuntime, a: AgentRuntime, until: number): void {
    this.clearReservation(call);
    call.reservedFor = a.id;
    call.reservedUntil = until;
    a.reserved.add(call.id);
    call.tok.reserve = this.arm(until, { kind: 'reserve', id: call.id });
  }

  protected clearReservation(call: CallRuntime): void {
    if (call.reservedFor === undefined) return;
    this.agents.get(call.reservedFor)?.reserved.delete(call.id);
    call.reservedFor = call.reservedUntil = undefined;
    call.tok.reserve = 0;
  }

  /** Drops cancelled timers once they outnumber the live ones by far. */
  protected flush(): RouterCommand[] {
    const out = this.out;
    this.out = [];
    const bound = 4 * (4 * this.calls.size + this.agents.size + this.queues.size) + 1024;
    if (this.timers.size > bound) this.timers.compact((e) => this.live(e));
    return out;
  }

  // ---- transitions ----------------------------------------------------------

  protected setActivity(a: AgentRuntime, activity: Activity, now: number, reason?: string): void {
    const before = agentStatus(a);
    a.activity = activity;
    a.timerToken = 'until' in activity ? this.arm(activity.until, { kind: 'agent', id: a.id }) : 0;
    if (activity.kind !== 'on-call' && activity.kind !== 'wrap-up') a.wrapHeld = false;
    this.updateLoggedIn(a, now);
    if (agentStatus(a) !== before || reason) this.status(a, reason);
    if (activity.kind === 'idle' && !a.configured) this.forget(a, now);
  }

  protected status(a: AgentRuntime, reason?: string): void {
    const why = reason ?? a.presenceReason;
    this.out.push({ type: 'agent-status', agentId: a.id, status: agentStatus(a), presence: a.presence, ...(why !== undefined ? { reason: why } : {}) });
  }

  /** mulberry32, state kept in the router (and its snapshot). */
  protected random(): number {
    this.rngState = (this.rngState + 0x6d2b79f5) >>> 0;
    let t = this.rngState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
