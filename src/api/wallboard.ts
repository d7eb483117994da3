/**
 * The wallboard: per queue, calls waiting and since when the oldest waits,
 * agents by state, today's answered and abandoned calls, service level,
 * average wait and handle time; per agent, their state and since when.
 * `GET /api/wallboard` is one snapshot; `/api/wallboard/stream` is a
 * WebSocket that sends one at once and again after each change (at most one
 * a second), so a board never polls. Today's figures come from the database
 * (the reports), so they are right after a restart. A supervisor sees their
 * queues; the administrator and the wall screen's token see all.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Caller } from './auth.js';
import type { Config } from '../config/schema.js';
import type { Router } from '../core/acd/router.js';
import type { LiveEvent } from '../app/calls/state.js';
import { parseRange, Reports, type Range } from '../app/reports.js';
import { scopeOf } from './reports.js';

export interface WallboardDeps {
  router: () => Router;
  reports: Reports;
  config: () => Config;
  /** Each agent's status now and since when. */
  statuses: () => { agentId: string; status: string; since: number }[];
  subscribe: (listener: (e: LiveEvent) => void) => () => void;
  /** Lets queued call-record writes land before today's figures are read. */
  settle: () => Promise<void>;
  now: () => number;
}

export interface Wallboard {
  at: string;
  timeZone: string;
  serviceLevelSec: number;
  queues: {
    id: string;
    name: string;
    waiting: number;
    offered: number;
    /** When the call waiting longest arrived in the queue (ms), if any waits. */
    oldestSince?: number;
    agents: Record<string, number>;
    today: { offered: number; answered: number; abandoned: number; serviceLevelPct?: number; avgWaitMs?: number; avgHandleMs?: number };
  }[];
  agents: { id: string; name: string; status: string; since?: number; queues: string[] }[];
}

export async function wallboard(d: WallboardDeps, scope: { queues: Set<string>; agents: Set<string> } | undefined): Promise<Wallboard> {
  const config = d.config();
  const now = d.now();
  const tz = config.reports.timeZone;
  const sl = config.reports.serviceLevelSec;
  // Today so far, in the site's time zone: the reports' default range.
  const today = parseRange(undefined, undefined, tz, now) as Range;
  const figures = await d.reports.queues(today, sl);
  const router = d.router();
  const queueIds = Object.keys(config.queues).filter((q) => !scope || scope.queues.has(q));
  const since = new Map(d.statuses().map((s) => [s.agentId, s.since]));
  const queues = queueIds.map((id) => {
    const st = router.queueStatus(id, now);
    const f = figures.queues.find((x) => x.queueId === id);
    return {
      id,
      name: config.queues[id]!.name ?? id,
      waiting: st?.waiting ?? 0,
      offered: st?.offered ?? 0,
      ...(st && st.longestWaitMs > 0 ? { oldestSince: now - st.longestWaitMs } : {}),
      agents: (st?.agents ?? {}) as Record<string, number>,
      today: {
        offered: f?.offered ?? 0,
        answered: f?.answered ?? 0,
        abandoned: f?.abandoned ?? 0,
        ...(f?.serviceLevelPct !== undefined ? { serviceLevelPct: f.serviceLevelPct } : {}),
        ...(f?.avgWaitMs !== undefined ? { avgWaitMs: f.avgWaitMs } : {}),
        ...(f?.avgHandleMs !== undefined ? { avgHandleMs: f.avgHandleMs } : {}),
      },
    };
  });
  const agents = Object.entries(config.agents)
    .filter(([id]) => !scope || scope.agents.has(id))
    .map(([id, a]) => {
      const view = router.agentView(id, now);
      const s = since.get(id);
      return {
        id,
        name: a.name ?? id,
        status: view?.status ?? 'offline',
        ...(s !== undefined ? { since: s } : {}),
        queues: queueIds.filter((q) => config.queues[q]!.members.some((m) => (typeof m === 'string' ? m : m.agent) === id)),
      };
    });
  return { at: new Date(now).toISOString(), timeZone: tz, serviceLevelSec: sl, queues, agents };
}

function scopeFor(caller: Caller, config: Config) {
  if (caller.kind === 'wallboard') return undefined;
  return scopeOf(caller, config);
}

export function registerWallboard(app: FastifyInstance, d: WallboardDeps): void {
  app.get('/api/wallboard', { schema: { description: 'The wallboard now: queues (waiting, agents by state, today\'s figures) and agents (state, since when).' } }, async (req, reply) => {
    const scope = scopeFor((req as unknown as { caller: Caller }).caller, d.config());
    if (scope === 'none') return reply.code(403).send({ error: 'the wallboard is for supervisors (of the queues they supervise), administrators and the wall screen token' });
    return wallboard(d, scope);
  });

  // One recomputation a second at most, shared by every open board of the same scope.
  const sockets = new Map<WebSocket, { queues: Set<string>; agents: Set<string> } | undefined>();
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  const push = async () => {
    timer = undefined;
    if (!dirty || sockets.size === 0) return;
    dirty = false;
    await d.settle();
    const cache = new Map<string, string>();
    for (const [socket, scope] of sockets) {
      const key = scope ? [...scope.queues].sort().join(',') : '*';
      let body = cache.get(key);
      if (body === undefined) cache.set(key, (body = JSON.stringify(await wallboard(d, scope))));
      socket.send(body);
    }
  };
  const changed = () => {
    dirty = true;
    timer ??= setTimeout(() => void push().catch(() => undefined), 1000);
  };
  let unsubscribe: (() => void) | undefined;

  app.get('/api/wallboard/stream', { websocket: true, schema: { description: 'A WebSocket of wallboards: one now, then one after each change (at most one a second).' } }, async (socket, req) => {
    const scope = scopeFor((req as unknown as { caller: Caller }).caller, d.config());
    if (scope === 'none') return socket.close(4403, 'not a supervisor');
    sockets.set(socket, scope);
    unsubscribe ??= d.subscribe(changed);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) {
        unsubscribe?.();
        unsubscribe = undefined;
      }
    });
    socket.send(JSON.stringify(await wallboard(d, scope)));
  });
  app.addHook('onClose', async () => {
    clearTimeout(timer);
    unsubscribe?.();
  });
}
