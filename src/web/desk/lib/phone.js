// @ts-check
// The softphone: SIP.js registered with the agent's SIP credentials.
//
//   unregistered --register--> registered --INVITE--> offered
//     offered --answer--> on call --BYE (either side)--> registered
//     offered --decline / caller gone--> registered
import { Inviter, Registerer, RegistererState, SessionState, UserAgent } from 'sip.js';
import { store } from './state.js';

/** @typedef {import('sip.js').Invitation} Invitation */
/** @typedef {import('sip.js').Session} Session */

export const phone = {
  /** @type {UserAgent | undefined} */ ua: undefined,
  /** @type {Registerer | undefined} */ registerer: undefined,
  /** @type {Invitation | undefined} */ offer: undefined,
  /** @type {Session | undefined} */ session: undefined,
  domain: '',
  /** Called with each new offer (for notifications). @type {(o: { transferredBy?: string }) => void} */
  onOffer: () => undefined,
  /** Called when the call ends. @type {() => void} */
  onCallEnded: () => undefined,
};

/** @param {{ websockets: { secure: boolean; host?: string; port: number }[] }} settings */
function websocketUrl(settings) {
  const secure = location.protocol === 'https:';
  // A page served over https may only open wss; prefer the transport that matches the page.
  const ws = settings.websockets.find((w) => w.secure === secure) ?? settings.websockets[0];
  if (!ws) throw new Error('the server has no WebSocket SIP transport (sip.transports: ws or wss)');
  return `${ws.secure ? 'wss' : 'ws'}://${ws.host ?? location.hostname}:${ws.port}`;
}

/**
 * @param {string} username
 * @param {string} password
 * @param {{ domain: string; websockets: { secure: boolean; host?: string; port: number }[] }} settings
 */
export async function startPhone(username, password, settings) {
  phone.domain = settings.domain;
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${username}@${settings.domain}`),
    authorizationUsername: username,
    authorizationPassword: password,
    transportOptions: { server: websocketUrl(settings) },
    sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
    logLevel: 'warn',
    delegate: { onInvite: onInvite },
  });
  phone.ua = ua;
  await ua.start();
  const registerer = new Registerer(ua, { expires: 300 });
  phone.registerer = registerer;
  const registered = new Promise((resolve, reject) => {
    registerer.stateChange.addListener((state) => {
      store.set({ phone: state === RegistererState.Registered ? 'registered' : 'offline' });
      if (state === RegistererState.Registered) resolve(undefined);
      if (state === RegistererState.Terminated) reject(new Error('registration ended'));
    });
  });
  await registerer.register({ requestDelegate: { onReject: (r) => store.set({ phone: `refused (${r.message.statusCode})` }) } });
  await Promise.race([registered, new Promise((_, reject) => setTimeout(() => reject(new Error('the phone could not register')), 8000))]);
}

export async function stopPhone() {
  await phone.registerer?.unregister().catch(() => undefined);
  await phone.ua?.stop();
}

/** An offer: the daemon rings every registered device of the agent; this is one of them. @param {Invitation} invitation */
function onInvite(invitation) {
  if (phone.session || phone.offer) {
    void invitation.reject({ statusCode: 486 });
    return;
  }
  phone.offer = invitation;
  const who = invitation.remoteIdentity;
  /** @param {string} name */
  const header = (name) => invitation.request.getHeader(name);
  const detail = [];
  if (header('X-CC-Queue')) detail.push(`queue ${header('X-CC-Queue')}`);
  if (header('X-CC-Waited')) detail.push(`waited ${header('X-CC-Waited')} s`);
  const transferred = header('X-CC-Transferred-By');
  if (transferred) detail.push(`transferred by ${transferred.split(';')[0]} (${/how=(\w+)/.exec(transferred)?.[1] ?? 'blind'})`);
  if (header('X-CC-Direct')) detail.push('direct call');
  const consult = header('X-CC-Consult');
  if (consult) detail.unshift(`consult from ${/by=([^;]*)/.exec(consult)?.[1] || 'a colleague'}: you talk to them first`);
  if (header('X-CC-Monitor')) detail.unshift(`supervising ${header('X-CC-Monitor')}'s call`);
  const callId = header('X-CC-Call-Id');
  store.set({ offer: { name: who.displayName || '', number: who.uri.user ?? '', detail: detail.join(' · ') } });
  phone.onOffer(transferred ? { transferredBy: transferred.split(';')[0] } : {});
  // The supervisor asked to listen in from this desk: the call joins at once.
  if (header('X-CC-Monitor')) void answer();
  invitation.stateChange.addListener((state) => {
    if (state === SessionState.Established) onCall(invitation, callId);
    if (state === SessionState.Terminated) {
      if (phone.offer === invitation) {
        phone.offer = undefined;
        store.set({ offer: undefined });
      }
      if (phone.session === invitation) endCall();
    }
  });
}

export function answer() {
  const invitation = phone.offer;
  if (!invitation) return;
  phone.offer = undefined;
  store.set({ offer: undefined });
  invitation.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } }).catch((err) => console.warn('answer failed', err));
}

export function decline() {
  const invitation = phone.offer;
  phone.offer = undefined;
  store.set({ offer: undefined });
  invitation?.reject({ statusCode: 603 }).catch(() => undefined);
}

/** @param {Session} session @param {string | undefined} callId */
function onCall(session, callId) {
  phone.session = session;
  const who = session.remoteIdentity;
  store.set({ call: { ...(callId ? { callId } : {}), name: who.displayName || '', number: who.uri.user ?? '', startedAt: Date.now(), timeline: [], localMute: false } });
  const pc = peerConnection();
  const audio = /** @type {HTMLAudioElement | null} */ (document.getElementById('remote-audio'));
  if (pc && audio) {
    const stream = new MediaStream();
    for (const r of pc.getReceivers()) if (r.track) stream.addTrack(r.track);
    audio.srcObject = stream;
    audio.play().catch(() => undefined);
  }
}

function endCall() {
  phone.session = undefined;
  store.set({ call: undefined });
  const audio = /** @type {HTMLAudioElement | null} */ (document.getElementById('remote-audio'));
  if (audio) audio.srcObject = null;
  phone.onCallEnded();
}

/** @returns {RTCPeerConnection | undefined} */
function peerConnection() {
  return /** @type {any} */ (phone.session)?.sessionDescriptionHandler?.peerConnection;
}

export function hangUp() {
  const s = phone.session;
  if (!s) return;
  if (s.state === SessionState.Established) s.bye().catch(() => undefined);
  else if (s instanceof Inviter) s.cancel().catch(() => undefined);
}

/** Mutes the browser's microphone: for calls the platform cannot mute (a direct call to a colleague). @param {boolean} on */
export function muteLocally(on) {
  const pc = peerConnection();
  for (const s of pc?.getSenders() ?? []) if (s.track) s.track.enabled = !on;
}

/** Blind transfer: REFER to an extension, a queue or a number; the daemon routes it. @param {string} target */
export function transfer(target) {
  const s = /** @type {any} */ (phone.session);
  if (!s || !target) return;
  s.refer(UserAgent.makeURI(`sip:${encodeURIComponent(target)}@${phone.domain}`)).catch((/** @type {Error} */ err) => console.warn('transfer failed', err));
}

/** Calls a colleague's extension. @param {string} target */
export function dial(target) {
  if (!target || phone.session || !phone.ua) return;
  const inviter = new Inviter(phone.ua, /** @type {import('sip.js').URI} */ (UserAgent.makeURI(`sip:${encodeURIComponent(target)}@${phone.domain}`)), {
    sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } },
  });
  phone.session = inviter;
  inviter.stateChange.addListener((state) => {
    if (state === SessionState.Established) onCall(inviter, undefined);
    if (state === SessionState.Terminated) endCall();
  });
  inviter.invite().catch(() => endCall());
}

/** RTP counters and decoded audio energy of the current call, from the browser's own statistics. */
export async function rtpStats() {
  const pc = peerConnection();
  if (!pc) return undefined;
  const out = { packetsReceived: 0, packetsSent: 0, audioEnergy: 0, dtls: '' };
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') Object.assign(out, { packetsReceived: s.packetsReceived, audioEnergy: s.totalAudioEnergy ?? 0 });
    if (s.type === 'outbound-rtp' && s.kind === 'audio') out.packetsSent = s.packetsSent;
    if (s.type === 'transport') out.dtls = s.dtlsState;
  });
  return out;
}
