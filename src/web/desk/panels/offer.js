// @ts-check
import { html } from '../lib/ui.js';
import { store } from '../lib/state.js';
import { answer, decline } from '../lib/phone.js';
import { stopRinging } from '../lib/notify.js';

export function Offer() {
  const o = store.use().offer;
  return html`<section id="offer" class="card" hidden=${!o} aria-live="assertive">
    <h2>Incoming call</h2>
    <p class="caller"><strong id="offer-name">${o?.name}</strong> <span id="offer-number">${o?.number}</span></p>
    <p id="offer-detail">${o?.detail}</p>
    <button id="answer" class="primary" onClick=${() => (stopRinging(), answer())}>Answer</button>
    <button id="decline" onClick=${() => (stopRinging(), decline())}>Decline</button>
  </section>`;
}
