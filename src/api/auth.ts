/**
 * Who may call which part of the API.
 *
 * - The bearer token (`daemon.http.token`) is the administrator: everything.
 *   With no token configured, the API is open (bind it to loopback or put it
 *   behind a proxy).
 * - An agent signs in to the desk with the SIP credentials their phone
 *   registers with (`POST /api/sessions`, HTTP Basic or JSON) and gets a
 *   session token that expires (`daemon.http.sessionHours`) and can be
 *   revoked (see src/store/sessions.ts); the credentials open nothing else.
 *   The session opens their own part only: `/api/me`,
 *   `/api/agents/<their id>/...`, the queue overviews, the live events
 *   filtered to them, and the controls and recordings of their own calls. Browsers cannot set headers on a WebSocket, so the
 *   token may also come as `?token=`.
 * - A supervisor is an agent with queues to supervise (`supervises`): the
 *   reports and the wallboard of those queues, their live calls, the
 *   campaigns of those queues and the contact and do-not-call lists
 *   (src/api/campaigns.ts).
 * - The wallboard token (`daemon.http.wallboardToken`) opens the wallboard
 *   only, read-only, for a screen on the wall.
 */
/** Whether a wall screen's token may call this (the wallboard and its stream, nothing else). */
export function wallboardMayCall(method: string, u: URL): boolean {
  return method === 'GET' && (u.pathname === '/api/wallboard' || u.pathname === '/api/wallboard/stream');
}
import { sameSecret } from '../sip/digest.js';

export type Caller = { kind: 'admin' } | { kind: 'agent'; agentId: string } | { kind: 'wallboard' };

export interface AuthDeps {
  token?: string;
  /** Opens the wallboard only (a wall screen). */
  wallboardToken?: string;
  /** The agent a valid session token belongs to, if any. */
  session(token: string): Promise<string | undefined>;
}

/** The username and password of an HTTP Basic header (the sign-in), if any. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const encoded = header?.startsWith('Basic ') ? header.slice(6) : undefined;
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}

/** Identifies the caller of an /api request; undefined means 401. */
export async function identify(url: URL, authorization: string | undefined, d: AuthDeps): Promise<Caller | undefined> {
  const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : url.searchParams.get('token');
  if (d.token && bearer && sameSecret(bearer, d.token)) return { kind: 'admin' };
  if (d.wallboardToken && bearer && sameSecret(bearer, d.wallboardToken)) return { kind: 'wallboard' };
  const agentId = bearer ? await d.session(bearer) : undefined;
  if (agentId) return { kind: 'agent', agentId };
  return d.token ? undefined : { kind: 'admin' };
}

/** Whether an agent may call this method and path (admins may call anything). */
export function agentMayCall(agentId: string, method: string, u: URL): boolean {
  const p = u.pathname;
  if (p === '/api/me') return true;
  if (method === 'DELETE' && p === '/api/sessions/current') return true;
  if (method === 'GET' && (p === '/api/queues' || p.startsWith('/api/queues/'))) return true;
  if (p === '/api/events') return u.searchParams.get('agent') === agentId;
  // Live-call controls and recordings: the handlers check the call is the agent's own.
  if (/^\/api\/calls\/[^/]+\/(hold|resume|mute|unmute|hangup|dtmf|recording|voicemail-drop|transfer|live|recordings|consult|swap|complete|cancel|merge|monitor|unmonitor|work|work\/all|script|contact)$/.test(p)) return true;
  if (method === 'GET' && p === '/api/supervision') return true;
  // The call log with its transcript search, a call's transcript, voicemail: the handlers limit agents to their own calls, their queues and boxes.
  if (method === 'GET' && (p === '/api/calls' || /^\/api\/calls\/[^/]+\/transcript$/.test(p))) return true;
  if (/^\/api\/voicemail(\/[^/]+(\/audio)?)?$/.test(p) && (method === 'GET' || method === 'PUT')) return true;
  // Reports and the wallboard: the handlers limit a supervisor to their queues, and refuse other agents.
  if (method === 'GET' && (p.startsWith('/api/reports/') || p === '/api/wallboard' || p === '/api/wallboard/stream')) return true;
  // Campaigns and their lists: the handlers limit a supervisor to their queues' campaigns, and refuse other agents.
  if (/^\/api\/(campaigns|lists|dnc-lists)(\/|$)/.test(p)) return true;
  if (method === 'GET' && (/^\/api\/recordings\/[^/]+$/.test(p) || p === '/api/voicemail-drops')) return true;
  const own = `/api/agents/${encodeURIComponent(agentId)}`;
  return p === own || p.startsWith(`${own}/`);
}
