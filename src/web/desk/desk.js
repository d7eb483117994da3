// @ts-check
// The agent desk: a SIP.js WebRTC softphone registered with the agent's SIP
// credentials (lib/phone.js), and presence, offers, the live call's controls,
// wrap-up, calls in pool and notifications through the daemon's API with a
// session opened with the same credentials; it expires and can be revoked,
// and then the desk asks to sign in again. One module per panel (panels/),
// rendered with Preact + htm from one store (lib/state.js).
import { html, render } from './lib/ui.js';
import { api, listen, openSession, session } from './lib/api.js';
import { notify, stopRinging } from './lib/notify.js';
import { phone, rtpStats, startPhone, stopPhone } from './lib/phone.js';
import { store } from './lib/state.js';
import { Header } from './panels/header.js';
import { SignIn } from './panels/sign-in.js';
import { Presence } from './panels/presence.js';
import { Offer } from './panels/offer.js';
import { Call } from './panels/call.js';
import { Dial, Pool, Queues } from './panels/lists.js';
import { Settings } from './panels/settings.js';
import { Supervision } from './panels/supervision.js';
import { Work, rememberedCall } from './panels/work.js';
import { ScriptPanel } from './panels/script.js';
import { ContactCard } from './panels/contact.js';
import { Preview } from './panels/preview.js';
import { TranscriptPanel, onTranscript } from './panels/transcript.js';
import { Voicemail } from './panels/voicemail.js';

/** @type {(() => void) | undefined} */
let unlisten;
/** @type {ReturnType<typeof setInterval> | undefined} */
let poll;

async function refresh() {
  const agent = store.state.agent;
  if (!agent) return;
  const [view, pool, queues, preview] = await Promise.all([api('GET', `/api/agents/${agent.id}`), api('GET', `/api/agents/${agent.id}/pool`), api('GET', '/api/queues'), api('GET', `/api/agents/${agent.id}/preview`)]).catch(() => []);
  if (!view) return;
  store.set({ preview: preview?.preview ?? undefined });
  // The call the agent handles (on any of their phones) is the one the work panel is about.
  store.set((s) => ({ view, pool: pool.waiting ?? [], queues: queues.queues ?? [], ...(view.activity === 'on-call' && view.callId && !view.callId.includes(':') ? { workCallId: s.call?.callId ?? view.callId } : {}) }));
}

/** The live call's state from the server (after a control, or an event of the call). */
async function refreshLive() {
  const callId = store.state.call?.callId;
  if (!callId) return;
  const live = await api('GET', `/api/calls/${encodeURIComponent(callId)}/live`).catch(() => undefined);
  if (live) store.set((s) => ({ call: s.call && s.call.callId === callId ? { ...s.call, live } : s.call }));
}

/** @param {any} e a live event for this agent */
function onEvent(e) {
  // Live transcript lines (several a second) go to their panel only: no timeline entry, no refresh.
  if (e.kind === 'call' && e.type === 'transcript') return onTranscript(e);
  if (e.kind === 'call' && e.type === 'transcript-stopped') onTranscript(e);
  const call = store.state.call;
  if (e.kind === 'call' && call?.callId === e.callId) {
    store.set((s) => ({ call: s.call && { ...s.call, timeline: [...s.call.timeline, { type: e.type, at: e.at, data: e.data }] } }));
    void refreshLive();
  }
  if (e.kind === 'call' && e.type === 'offer-failed' && e.data?.agentId === store.state.agent?.id) {
    stopRinging();
    notify('missed', 'Missed call', e.data?.reason ? `The offer ended: ${e.data.reason}` : 'The offer ended');
  }
  if (e.kind === 'call' && e.type === 'offer-withdrawn' && e.data?.agentId === store.state.agent?.id) {
    stopRinging();
    // Not answered in time is a missed call; answered on another device, or the caller gone, is not.
    if (e.data?.reason === 'timeout') notify('missed', 'Missed call', 'Not answered in time');
  }
  void refresh();
}

phone.onOffer = (o) => {
  if (o.transferredBy) notify('transfer', 'Transferred call', `From ${o.transferredBy}`);
  else notify('offer', 'Incoming call', store.state.offer?.number ?? '');
};
phone.onCallEnded = () => {
  stopRinging();
  notify('ended', 'Call ended', '');
  void refresh();
};

/** @param {string} username @param {string} password */
async function signIn(username, password) {
  store.set({ signInError: '' });
  try {
    await openSession(username, password);
    const settings = await (await fetch('settings.json')).json();
    const agent = await api('GET', '/api/me');
    await startPhone(username, password, settings);
    const [prefs, drops] = await Promise.all([api('GET', `/api/agents/${agent.id}/settings`), api('GET', '/api/voicemail-drops')]);
    store.set({ agent, notifications: prefs.notifications, messages: drops.messages ?? [], workCallId: rememberedCall(agent.id)?.callId });
    unlisten = listen(agent.id, onEvent);
    poll = setInterval(() => void refresh(), 2000);
    await refresh();
  } catch (err) {
    const message = /** @type {Error} */ (err).message;
    store.set({ signInError: message === '401' || /sign in/.test(message) ? 'Wrong username or password.' : message });
  }
}

async function signOut() {
  const agent = store.state.agent;
  if (agent) await api('PUT', `/api/agents/${agent.id}/presence`, { presence: 'offline' }).catch(() => undefined);
  await api('DELETE', '/api/sessions/current').catch(() => undefined);
  await stopPhone();
  location.reload();
}

/** The session expired or was revoked: back to the sign-in form. */
session.onEnded = () => {
  clearInterval(poll);
  unlisten?.();
  void stopPhone();
  session.token = '';
  store.set({ agent: undefined, view: undefined, signInError: 'Your session has ended; sign in again.' });
};

// A disposition given may have ended a held wrap-up.
let lastWorkChange = 0;
store.listeners.add(() => {
  const at = store.state.workChanged ?? 0;
  if (at !== lastWorkChange) void refresh();
  lastWorkChange = at;
});

// Live state of the call, once it is up: the offer's X-CC-Call-Id names it.
let lastCallId = '';
store.listeners.add(() => {
  const id = store.state.call?.callId ?? '';
  if (id === lastCallId) return;
  lastCallId = id;
  if (!id) return;
  void refreshLive();
  store.set({ workCallId: id });
});

function App() {
  const s = store.use();
  return html`
    <${Header} onSignOut=${signOut} />
    ${s.agent
      ? html`<main id="desk">
          <${Presence} refresh=${refresh} />
          <${Offer} />
          <${Preview} />
          <${Call} />
          <${TranscriptPanel} />
          <${ContactCard} />
          <${ScriptPanel} />
          <${Work} />
          <${Dial} />
          <${Voicemail} />
          <${Pool} refresh=${refresh} />
          <${Queues} />
          <${Supervision} />
          <${Settings} />
        </main>`
      : html`<${SignIn} onSignIn=${signIn} />`}
  `;
}

render(html`<${App} />`, /** @type {HTMLElement} */ (document.getElementById('app')));

// For tests and diagnostics.
/** @type {any} */ (window).desk = { rtpStats, store };
