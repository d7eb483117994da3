// @ts-check
// The agent's notifications: each one off, a sound, a desktop notification, or both; kept by the server.
import { html } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { store } from '../lib/state.js';

const KINDS = /** @type {const} */ ([
  ['offer', 'Incoming call'],
  ['missed', 'Missed call'],
  ['transfer', 'Transfer to me'],
  ['ended', 'Call ended'],
]);
const MODES = ['off', 'sound', 'desktop', 'both'];

export function Settings() {
  const s = store.use();
  /** @param {string} kind @param {string} mode */
  const change = async (kind, mode) => {
    const saved = await api('PUT', `/api/agents/${s.agent?.id}/settings`, { notifications: { [kind]: mode } }).catch(() => undefined);
    if (saved) store.set({ notifications: saved.notifications });
  };
  return html`<section id="settings" aria-label="Notifications">
    <h2>Notifications</h2>
    ${KINDS.map(
      ([kind, label]) => html`<label>${label}
        <select id=${`notify-${kind}`} value=${s.notifications[kind]} onChange=${(/** @type {Event} */ e) => change(kind, /** @type {HTMLSelectElement} */ (e.target).value)}>
          ${MODES.map((m) => html`<option value=${m} selected=${s.notifications[kind] === m}>${m}</option>`)}
        </select>
      </label>`,
    )}
  </section>`;
}
