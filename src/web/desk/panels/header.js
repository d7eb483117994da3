// @ts-check
import { html } from '../lib/ui.js';
import { store } from '../lib/state.js';

/** @param {{ onSignOut: () => void }} props */
export function Header({ onSignOut }) {
  const s = store.use();
  const a = s.agent;
  const status = s.view ? s.view.status + (s.view.reason ? ` (${s.view.reason})` : '') : 'offline';
  return html`<header>
    <h1>Agent desk</h1>
    <span id="who">${a ? `${a.name ?? a.id}${a.extension ? ` · ext ${a.extension}` : ''}` : ''}</span>
    <span id="phone-state" class="pill" data-state=${s.phone === 'registered' ? 'ready' : 'offline'}>phone ${s.phone}</span>
    <span id="status" class="pill" data-state=${s.view?.status ?? 'offline'}>${status}</span>
    ${a ? html`<button id="sign-out" onClick=${onSignOut}>Sign out</button>` : null}
  </header>`;
}
