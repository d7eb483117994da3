// @ts-check
import { html } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { store } from '../lib/state.js';
import { seconds } from '../lib/ui.js';

/** @param {{ refresh: () => Promise<void> }} props */
export function Presence({ refresh }) {
  const s = store.use();
  const v = s.view;
  const agentId = s.agent?.id ?? '';
  const reasons = s.agent?.breakReasons ?? [];
  /** @param {string} presence */
  const set = async (presence) => {
    const select = /** @type {HTMLSelectElement | null} */ (document.getElementById('break-reason'));
    await api('PUT', `/api/agents/${agentId}/presence`, { presence, ...(presence === 'break' ? { reason: select?.value } : {}) }).catch((err) => alert(err.message));
    await refresh();
  };
  /** @param {object} body */
  const wrapUp = async (body) => {
    const refused = await api('POST', `/api/agents/${agentId}/wrap-up`, body).then(
      () => '',
      (/** @type {Error} */ err) => err.message,
    );
    store.set({ wrapUpError: refused });
    await refresh();
  };
  const button = (/** @type {string} */ p, /** @type {string} */ label, hidden = false) =>
    html`<button data-presence=${p} aria-pressed=${String(v?.presence === p)} hidden=${hidden} onClick=${() => set(p)}>${label}</button>`;
  return html`<section id="presence" aria-label="Presence">
    <h2>Presence</h2>
    ${button('ready', 'Ready')} ${button('standby', 'Standby')}
    <select id="break-reason" aria-label="Break reason" hidden=${reasons.length === 0}>${reasons.map((r) => html`<option value=${r}>${r}</option>`)}</select>
    ${button('break', 'Break', reasons.length === 0)} ${button('offline', 'Offline')}
    <p id="status-detail">
      ${v ? (v.wrapHeld && !v.countdownMs ? 'wrap-up: pick a disposition to finish' : v.countdownMs !== undefined ? `${v.activity}: ${seconds(v.countdownMs)} left` : `${v.callsAnswered} calls answered`) : ''}
    </p>
    <div id="wrap-up" hidden=${v?.activity !== 'wrap-up'}>
      <button id="wrap-up-end" onClick=${() => wrapUp({})}>End wrap-up</button>
      <button id="wrap-up-extend" onClick=${() => wrapUp({ extendSec: 30 })}>+30 s</button>
      <p id="wrap-up-error" class="error" role="alert">${v?.activity === 'wrap-up' ? (s.wrapUpError ?? '') : ''}</p>
    </div>
  </section>`;
}
