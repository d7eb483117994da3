// @ts-check
// The daemon's API with the agent's session token, and its live events.

export const session = { token: '', /** @type {() => void} */ onEnded: () => undefined };

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${session.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && session.token) session.onEnded();
  if (!res.ok) throw Object.assign(new Error(data.error ?? `${res.status}`), { status: res.status, field: data.field, problems: data.problems });
  return data;
}

/**
 * Sends text as it is (a CSV file), with its content type.
 * @param {string} path @param {string} text @param {string} type
 * @returns {Promise<any>}
 */
export async function upload(path, text, type = 'text/csv') {
  const res = await fetch(path, { method: 'POST', headers: { authorization: `Bearer ${session.token}`, 'content-type': type }, body: text });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && session.token) session.onEnded();
  if (!res.ok && !data.problems) throw Object.assign(new Error(data.error ?? `${res.status}`), { status: res.status });
  return data;
}

/** Opens a session with the SIP credentials; they open nothing else. @param {string} username @param {string} password */
export async function openSession(username, password) {
  const res = await fetch('/api/sessions', { method: 'POST', headers: { authorization: `Basic ${btoa(`${username}:${password}`)}` } });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401) throw new Error('401');
  if (!res.ok) throw new Error(data.error ?? `${res.status}`);
  session.token = data.token;
}

/**
 * The agent's live events (their presence, their calls' steps); reconnects until closed.
 * @param {string} agentId
 * @param {(e: any) => void} onEvent
 */
export function listen(agentId, onEvent) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  let closed = false;
  /** @type {WebSocket | undefined} */
  let ws;
  const connect = () => {
    if (closed) return;
    ws = new WebSocket(`${scheme}://${location.host}/api/events?agent=${encodeURIComponent(agentId)}&token=${encodeURIComponent(session.token)}`);
    ws.onmessage = (m) => onEvent(JSON.parse(String(m.data)));
    ws.onclose = () => setTimeout(connect, 2000);
  };
  connect();
  return () => {
    closed = true;
    ws?.close();
  };
}
