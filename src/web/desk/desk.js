// The agent desk: a SIP.js WebRTC softphone registered with the agent's SIP
// credentials, plus presence, the offer popup, wrap-up and calls in pool
// through the daemon's API (a session opened with the same credentials; it
// expires and can be revoked, and then the desk asks to sign in again).
//
// Phone:  unregistered --register--> registered --INVITE--> offered
//           offered --answer--> on call --BYE (either side)--> registered
//           offered --decline / caller gone--> registered
import { Inviter, Registerer, RegistererState, SessionState, UserAgent } from 'sip.js';

const $ = (id) => document.getElementById(id);
const desk = { agent: undefined, ua: undefined, registerer: undefined, session: undefined, offer: undefined, token: '', settings: undefined, events: undefined, callStartedAt: 0 };
window.desk = desk;

// ---- API -------------------------------------------------------------------

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${desk.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && desk.agent) sessionEnded();
  if (!res.ok) throw new Error(data.error ?? `${res.status}`);
  return data;
}

/** Opens a session with the SIP credentials; they open nothing else. */
async function openSession(username, password) {
  const res = await fetch('/api/sessions', { method: 'POST', headers: { authorization: `Basic ${btoa(`${username}:${password}`)}` } });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401) throw new Error('401');
  if (!res.ok) throw new Error(data.error ?? `${res.status}`);
  desk.token = data.token;
}

/** The session expired or was revoked: back to the sign-in form. */
function sessionEnded() {
  desk.agent = undefined;
  clearInterval(desk.poll);
  desk.events?.close();
  void desk.registerer?.unregister().catch(() => undefined);
  void desk.ua?.stop();
  $('desk').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = 'Your session has ended; sign in again.';
}

function websocketUrl(settings) {
  const secure = location.protocol === 'https:';
  // A page served over https may only open wss; prefer the transport that matches the page.
  const ws = settings.websockets.find((w) => w.secure === secure) ?? settings.websockets[0];
  if (!ws) throw new Error('the server has no WebSocket SIP transport (sip.transports: ws or wss)');
  return `${ws.secure ? 'wss' : 'ws'}://${ws.host ?? location.hostname}:${ws.port}`;
}

// ---- sign in ----------------------------------------------------------------

$('sign-in').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const username = String(form.get('username'));
  const password = String(form.get('password'));
  $('sign-in-error').textContent = '';
  try {
    await openSession(username, password);
    desk.settings = await (await fetch('settings.json')).json();
    desk.agent = await api('GET', '/api/me');
    await startPhone(username, password);
    $('sign-in').hidden = true;
    $('desk').hidden = false;
    $('sign-out').hidden = false;
    $('who').textContent = `${desk.agent.name ?? desk.agent.id}${desk.agent.extension ? ` · ext ${desk.agent.extension}` : ''}`;
    fillBreakReasons(desk.agent.breakReasons ?? []);
    listen();
    await refresh();
  } catch (err) {
    $('sign-in-error').textContent = err.message === '401' || /sign in/.test(err.message) ? 'Wrong username or password.' : err.message;
  }
});

$('sign-out').addEventListener('click', async () => {
  await api('PUT', `/api/agents/${desk.agent.id}/presence`, { presence: 'offline' }).catch(() => undefined);
  await api('DELETE', '/api/sessions/current').catch(() => undefined);
  await desk.registerer?.unregister().catch(() => undefined);
  await desk.ua?.stop();
  location.reload();
});

// ---- phone --------------------------------------------------------------------

async function startPhone(username, password) {
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${username}@${desk.settings.domain}`),
    authorizationUsername: username,
    authorizationPassword: password,
    transportOptions: { server: websocketUrl(desk.settings) },
    sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
    logLevel: 'warn',
    delegate: { onInvite: onOffer },
  });
  desk.ua = ua;
  await ua.start();
  const registerer = new Registerer(ua, { expires: 300 });
  desk.registerer = registerer;
  const registered = new Promise((resolve, reject) => {
    registerer.stateChange.addListener((state) => {
      phoneState(state === RegistererState.Registered ? 'registered' : 'offline');
      if (state === RegistererState.Registered) resolve();
      if (state === RegistererState.Terminated) reject(new Error('registration ended'));
    });
  });
  await registerer.register({ requestDelegate: { onReject: (r) => phoneState(`refused (${r.message.statusCode})`) } });
  await Promise.race([registered, new Promise((_, reject) => setTimeout(() => reject(new Error('the phone could not register')), 8000))]);
}

function phoneState(text) {
  $('phone-state').textContent = `phone ${text}`;
  $('phone-state').dataset.state = text === 'registered' ? 'ready' : 'offline';
}

/** An offer: the daemon rings every registered device of the agent; this is one of them. */
function onOffer(invitation) {
  if (desk.session || desk.offer) {
    invitation.reject({ statusCode: 486 });
    return;
  }
  desk.offer = invitation;
  const who = invitation.remoteIdentity;
  const header = (name) => invitation.request.getHeader(name);
  $('offer-name').textContent = who.displayName || '';
  $('offer-number').textContent = who.uri.user ?? '';
  const detail = [];
  if (header('X-CC-Queue')) detail.push(`queue ${header('X-CC-Queue')}`);
  if (header('X-CC-Waited')) detail.push(`waited ${header('X-CC-Waited')} s`);
  const transferred = header('X-CC-Transferred-By');
  if (transferred) detail.push(`transferred by ${transferred.split(';')[0]} (${/how=(\w+)/.exec(transferred)?.[1] ?? 'blind'})`);
  if (header('X-CC-Direct')) detail.push('direct call');
  $('offer-detail').textContent = detail.join(' · ');
  $('offer').hidden = false;
  invitation.stateChange.addListener((state) => {
    if (state === SessionState.Established) onCall(invitation);
    if (state === SessionState.Terminated) {
      if (desk.offer === invitation) desk.offer = undefined;
      $('offer').hidden = true;
      if (desk.session === invitation) endCall();
    }
  });
}

$('answer').addEventListener('click', () => {
  const invitation = desk.offer;
  if (!invitation) return;
  desk.offer = undefined;
  $('offer').hidden = true;
  invitation.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } }).catch((err) => console.warn('answer failed', err));
});

$('decline').addEventListener('click', () => {
  const invitation = desk.offer;
  desk.offer = undefined;
  $('offer').hidden = true;
  invitation?.reject({ statusCode: 603 }).catch(() => undefined);
});

function onCall(session) {
  desk.session = session;
  desk.callStartedAt = Date.now();
  const who = session.remoteIdentity;
  $('call-name').textContent = who.displayName || '';
  $('call-number').textContent = who.uri.user ?? '';
  $('call').hidden = false;
  const pc = session.sessionDescriptionHandler?.peerConnection;
  if (pc) {
    const stream = new MediaStream();
    for (const r of pc.getReceivers()) if (r.track) stream.addTrack(r.track);
    $('remote-audio').srcObject = stream;
    $('remote-audio').play().catch(() => undefined);
  }
}

function endCall() {
  desk.session = undefined;
  $('call').hidden = true;
  $('mute').textContent = 'Mute';
  $('remote-audio').srcObject = null;
  void refresh();
}

$('hang-up').addEventListener('click', () => {
  const s = desk.session;
  if (!s) return;
  if (s.state === SessionState.Established) s.bye().catch(() => undefined);
  else if (s instanceof Inviter) s.cancel().catch(() => undefined);
});

$('mute').addEventListener('click', () => {
  const pc = desk.session?.sessionDescriptionHandler?.peerConnection;
  if (!pc) return;
  const muted = $('mute').textContent === 'Unmute';
  for (const s of pc.getSenders()) if (s.track) s.track.enabled = muted;
  $('mute').textContent = muted ? 'Mute' : 'Unmute';
});

// Blind transfer: REFER to an extension, a queue or a number; the daemon routes it.
$('transfer').addEventListener('submit', (e) => {
  e.preventDefault();
  const target = new FormData(e.target).get('target');
  if (!desk.session || !target) return;
  desk.session.refer(UserAgent.makeURI(`sip:${encodeURIComponent(String(target))}@${desk.settings.domain}`)).catch((err) => console.warn('transfer failed', err));
  e.target.reset();
});

$('dial-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const target = String(new FormData(e.target).get('target') ?? '');
  if (!target || desk.session) return;
  const inviter = new Inviter(desk.ua, UserAgent.makeURI(`sip:${encodeURIComponent(target)}@${desk.settings.domain}`), {
    sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } },
  });
  desk.session = inviter;
  inviter.stateChange.addListener((state) => {
    if (state === SessionState.Established) onCall(inviter);
    if (state === SessionState.Terminated) endCall();
  });
  inviter.invite().catch(() => endCall());
  e.target.reset();
});

// ---- presence, wrap-up, pool ---------------------------------------------------

function fillBreakReasons(reasons) {
  $('break-reason').replaceChildren(...reasons.map((r) => Object.assign(document.createElement('option'), { value: r, textContent: r })));
  $('break-reason').hidden = reasons.length === 0;
  document.querySelector('[data-presence="break"]').hidden = reasons.length === 0;
}

for (const button of document.querySelectorAll('[data-presence]')) {
  button.addEventListener('click', async () => {
    const presence = button.dataset.presence;
    await api('PUT', `/api/agents/${desk.agent.id}/presence`, { presence, ...(presence === 'break' ? { reason: $('break-reason').value } : {}) }).catch((err) => alert(err.message));
    await refresh();
  });
}

$('wrap-up-end').addEventListener('click', async () => {
  await api('POST', `/api/agents/${desk.agent.id}/wrap-up`, {}).catch(() => undefined);
  await refresh();
});
$('wrap-up-extend').addEventListener('click', async () => {
  await api('POST', `/api/agents/${desk.agent.id}/wrap-up`, { extendSec: 30 }).catch(() => undefined);
  await refresh();
});

const seconds = (ms) => `${Math.round(ms / 1000)} s`;

async function refresh() {
  if (!desk.agent) return;
  const [view, pool, queues] = await Promise.all([
    api('GET', `/api/agents/${desk.agent.id}`),
    api('GET', `/api/agents/${desk.agent.id}/pool`),
    api('GET', '/api/queues'),
  ]).catch(() => []);
  if (!view) return;
  desk.view = view;
  $('status').textContent = view.status + (view.reason ? ` (${view.reason})` : '');
  $('status').dataset.state = view.status;
  $('status-detail').textContent = view.countdownMs !== undefined ? `${view.activity}: ${seconds(view.countdownMs)} left` : `${view.callsAnswered} calls answered`;
  $('wrap-up').hidden = view.activity !== 'wrap-up';
  for (const b of document.querySelectorAll('[data-presence]')) b.setAttribute('aria-pressed', String(b.dataset.presence === view.presence));
  renderPool(pool);
  renderQueues(queues.queues ?? []);
}

function renderPool(pool) {
  const rows = (pool.waiting ?? []).map((c) => {
    const tr = document.createElement('tr');
    const take = Object.assign(document.createElement('button'), { textContent: 'Take' });
    take.addEventListener('click', async () => {
      await api('POST', `/api/agents/${desk.agent.id}/take/${encodeURIComponent(c.callId)}`).catch((err) => alert(err.message));
      await refresh();
    });
    for (const text of [c.caller ?? 'anonymous', c.queueId, seconds(c.waitedMs)]) tr.append(Object.assign(document.createElement('td'), { textContent: text }));
    const cell = document.createElement('td');
    cell.append(take);
    tr.append(cell);
    return tr;
  });
  $('pool-rows').replaceChildren(...rows);
  $('pool-empty').hidden = rows.length > 0;
}

function renderQueues(queues) {
  $('queue-rows').replaceChildren(
    ...queues.map((q) => {
      const tr = document.createElement('tr');
      for (const text of [q.id, String(q.waiting + q.offered), seconds(q.longestWaitMs), String(q.agents?.ready ?? 0)]) tr.append(Object.assign(document.createElement('td'), { textContent: text }));
      return tr;
    }),
  );
}

/** Live events for this agent refresh the desk at once; a slow poll keeps countdowns and queues current. */
function listen() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const connect = () => {
    if (!desk.agent) return;
    const ws = new WebSocket(`${scheme}://${location.host}/api/events?agent=${encodeURIComponent(desk.agent.id)}&token=${encodeURIComponent(desk.token)}`);
    desk.events = ws;
    ws.onmessage = () => void refresh();
    ws.onclose = () => setTimeout(connect, 2000);
  };
  connect();
  desk.poll = setInterval(() => void (desk.agent && refresh()), 2000);
}

// ---- for tests and diagnostics -----------------------------------------------------

/** RTP counters and decoded audio energy of the current call, from the browser's own statistics. */
desk.rtpStats = async () => {
  const pc = desk.session?.sessionDescriptionHandler?.peerConnection;
  if (!pc) return undefined;
  const out = { packetsReceived: 0, packetsSent: 0, audioEnergy: 0, dtls: '' };
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') Object.assign(out, { packetsReceived: s.packetsReceived, audioEnergy: s.totalAudioEnergy ?? 0 });
    if (s.type === 'outbound-rtp' && s.kind === 'audio') out.packetsSent = s.packetsSent;
    if (s.type === 'transport') out.dtls = s.dtlsState;
  });
  return out;
};
