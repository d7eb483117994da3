// @ts-check
// A preview campaign's contact, assigned to this agent: who it is, what the
// list says of them, and Dial or Skip; it dials by itself when the countdown
// ends. Skip is gone once the agent has used the campaign's skips.
import { html, useEffect, useState } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { store } from '../lib/state.js';

export function Preview() {
  const s = store.use();
  const p = s.preview;
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState('');
  useEffect(() => {
    if (!p) return undefined;
    setError('');
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [p?.contactId]);
  if (!p || !s.agent) return html`<section id="preview" class="card" hidden></section>`;
  /** @param {'dial' | 'skip'} decision */
  const decide = async (decision) => {
    try {
      await api('POST', `/api/agents/${encodeURIComponent(s.agent?.id ?? '')}/preview`, { contactId: p.contactId, decision });
      store.set({ preview: undefined });
    } catch (err) {
      setError(/** @type {Error} */ (err).message);
    }
  };
  const left = p.autoDialAt ? Math.max(0, Math.ceil((p.autoDialAt - now) / 1000)) : undefined;
  const c = p.contact;
  return html`<section id="preview" class="card" aria-live="polite">
    <h2>Preview <small id="preview-campaign">${p.campaign}</small></h2>
    <p class="caller"><strong id="preview-name">${c?.name ?? ''}</strong> <span id="preview-number">${c?.number ?? ''}</span></p>
    <dl id="preview-properties">
      ${Object.entries(c?.properties ?? {}).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}
    </dl>
    ${left !== undefined ? html`<p id="preview-countdown">Dials by itself in ${left} s</p>` : null}
    <button id="preview-dial" class="primary" onClick=${() => void decide('dial')}>Dial</button>
    ${p.canSkip ? html`<button id="preview-skip" onClick=${() => void decide('skip')}>Skip</button>` : html`<span id="preview-no-skips">No skips left</span>`}
    ${error ? html`<p class="error">${error}</p>` : null}
  </section>`;
}
