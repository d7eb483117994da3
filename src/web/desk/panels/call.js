// @ts-check
// The call in progress: timer, hold, mute, keypad, recording, voicemail
// drop, transfer, hang-up, and the call's timeline as it happens. Controls
// go through the API (so they work the same for desk phones); a direct call
// to a colleague has no platform controls and mutes the microphone instead.
import { clock, html, useEffect, useState } from '../lib/ui.js';
import { control } from '../lib/controls.js';
import { store } from '../lib/state.js';
import { hangUp, muteLocally, transfer } from '../lib/phone.js';
import { Consult } from './consult.js';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** Labels for the timeline. @type {Record<string, string>} */
const LABELS = {
  bridged: 'connected',
  held: 'on hold',
  resumed: 'resumed',
  muted: 'muted',
  unmuted: 'unmuted',
  'dtmf-sent': 'keypad',
  'recording-started': 'recording',
  'recording-paused': 'recording paused',
  'recording-resumed': 'recording resumed',
  'recording-stopped': 'recording stopped',
  'recording-failed': 'recording failed',
  'voicemail-drop': 'voicemail drop',
  'customer-phone-held': 'customer put the call on hold',
  'customer-phone-resumed': 'customer resumed',
  transferred: 'transferred',
  'transfer-failed': 'transfer failed',
  'consult-started': 'consult',
  'consult-answered': 'consulted party answered',
  'consult-failed': 'consult failed',
  'consult-ended': 'consult ended',
  swapped: 'swapped',
  merged: '3-way call',
  'transfer-completed': 'transfer completed',
  'customer-left': 'customer hung up',
  'monitor-started': 'supervisor joined',
  'monitor-mode': 'supervisor mode',
  'monitor-ended': 'supervisor left',
  'transcript-stopped': 'live transcript stopped',
  ended: 'ended',
};

export function Call() {
  const s = store.use();
  const c = s.call;
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  if (!c) return html`<section id="call" class="card" hidden></section>`;
  const live = c.live;
  const platform = !!c.callId;
  const held = live?.phase === 'held' || (live?.phase === 'consulting' && live.consult?.talkingTo === 'consult');
  const muted = platform ? !!live?.muted : c.localMute;
  const now = Date.now();
  const toggleMute = () => {
    if (platform) return control(muted ? 'unmute' : 'mute');
    muteLocally(!muted);
    store.set((st) => ({ call: st.call && { ...st.call, localMute: !muted } }));
  };
  /** Blind transfer: through the API for platform calls (its refusal is shown), REFER for a direct call. @param {SubmitEvent} e */
  const onTransfer = (e) => {
    e.preventDefault();
    const form = /** @type {HTMLFormElement} */ (e.target);
    const to = String(new FormData(form).get('target') ?? '');
    if (platform) void control('transfer', { to });
    else transfer(to);
    form.reset();
  };
  const drop = () => {
    const select = /** @type {HTMLSelectElement | null} */ (document.getElementById('drop-message'));
    if (select?.value) void control('voicemail-drop', { message: select.value });
  };
  const recording = live?.recording ?? 'stopped';
  return html`<section id="call" class="card">
    <h2>On call</h2>
    <p class="caller">
      <strong id="call-name">${c.name}</strong> <span id="call-number">${c.number}</span>
      <span id="call-timer">${clock(now - c.startedAt)}</span>
      ${held && live?.heldSince ? html`<span id="hold-timer" class="pill" data-state="break">on hold ${clock(now - live.heldSince)}</span>` : null}
      ${recording !== 'stopped' ? html`<span id="recording-state" class="pill" data-state=${recording === 'on' ? 'on-call' : 'break'}>${recording === 'on' ? 'recording' : 'recording paused'}</span>` : null}
    </p>
    <div class="controls">
      <button id="hang-up" class="danger" onClick=${hangUp}>Hang up</button>
      <button id="hold" disabled=${!platform || live?.phase === 'consulting' || live?.phase === 'merged'} aria-pressed=${String(held)} onClick=${() => control(held ? 'resume' : 'hold')}>${held ? 'Resume' : 'Hold'}</button>
      <button id="mute" aria-pressed=${String(muted)} onClick=${toggleMute}>${muted ? 'Unmute' : 'Mute'}</button>
      <button id="record" disabled=${!platform} onClick=${() => control('recording', { action: recording === 'stopped' ? 'start' : 'stop' })}>${recording === 'stopped' ? 'Record' : 'Stop recording'}</button>
      <button id="record-pause" hidden=${recording === 'stopped'} onClick=${() => control('recording', { action: recording === 'paused' ? 'resume' : 'pause' })}>${recording === 'paused' ? 'Resume recording' : 'Pause recording'}</button>
    </div>
    <div id="keypad" class="keypad" aria-label="Keypad">
      ${KEYS.map((k) => html`<button data-digit=${k} disabled=${!platform} onClick=${() => control('dtmf', { digits: k })}>${k}</button>`)}
    </div>
    ${platform && s.messages.length
      ? html`<div class="drop">
          <select id="drop-message" aria-label="Voicemail message">${s.messages.map((m) => html`<option value=${m.name}>${m.description ?? m.name}</option>`)}</select>
          <button id="drop" onClick=${drop}>Drop voicemail</button>
        </div>`
      : null}
    <${Consult} />
    <form id="transfer" onSubmit=${onTransfer}><input name="target" placeholder="extension, queue or number" aria-label="Transfer to" /><button type="submit">Transfer</button></form>
    <p id="call-error" class="error" role="alert">${c.error ?? ''}</p>
    <ol id="call-log" aria-label="Call log">
      ${c.timeline.map((e) => html`<li data-type=${e.type}><time>${clock(e.at - c.startedAt)}</time> ${LABELS[e.type] ?? e.type}${e.data?.by ? ` (${e.data.by})` : ''}</li>`)}
    </ol>
  </section>`;
}
