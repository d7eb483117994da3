// @ts-check
// Desk notifications, each set per agent to off / sound / desktop / both
// (kept by the server): a ringtone on an offer (the desk's own sound, made
// here), a missed call, a transfer to this agent, a call ended.
import { store } from './state.js';

/** @type {AudioContext | undefined} */
let audio;
/** @type {(() => void) | undefined} */
let stopRing;

/** The desk's own sounds: a two-tone ring repeated until stopped, or one short chime. @param {'ring' | 'chime'} kind */
function play(kind) {
  audio ??= new AudioContext();
  const ctx = audio;
  const beep = (/** @type {number} */ at, /** @type {number} */ freq, /** @type {number} */ len) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(ctx.destination);
    osc.start(ctx.currentTime + at);
    osc.stop(ctx.currentTime + at + len);
  };
  if (kind === 'chime') return beep(0, 880, 0.25);
  const ring = () => {
    beep(0, 480, 0.4);
    beep(0.5, 620, 0.4);
  };
  ring();
  const timer = setInterval(ring, 2500);
  stopRing = () => clearInterval(timer);
}

/**
 * @param {'offer' | 'missed' | 'transfer' | 'ended'} what
 * @param {string} title
 * @param {string} body
 */
export function notify(what, title, body) {
  const mode = store.state.notifications[what];
  if (mode === 'off') return;
  if (mode === 'sound' || mode === 'both') play(what === 'offer' ? 'ring' : 'chime');
  if ((mode === 'desktop' || mode === 'both') && 'Notification' in window) {
    const show = () => new Notification(title, { body, tag: `desk-${what}` });
    if (Notification.permission === 'granted') show();
    else if (Notification.permission !== 'denied') void Notification.requestPermission().then((p) => p === 'granted' && show());
  }
  store.set({ lastNotice: { what, title, body, at: Date.now() } });
}

export function stopRinging() {
  stopRing?.();
  stopRing = undefined;
}
