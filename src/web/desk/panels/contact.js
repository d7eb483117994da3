// @ts-check
// The caller's contact card beside the call: name and company, properties
// (from the imports; the agent edits them, saved on change), their earlier
// calls with who took them, the disposition, notes and recordings, and the
// call's data (what the IVR collected). Each earlier call's transcript opens
// under it (panels/past-transcript.js). "Call back" dials the caller from the
// softphone once the call is over (an agent with mayCallExternal).
import { html, useEffect, useState } from '../lib/ui.js';
import { api, session } from '../lib/api.js';
import { store } from '../lib/state.js';
import { dial } from '../lib/phone.js';
import { HistoryTranscript } from './past-transcript.js';

/**
 * @typedef {{ id: string; arrivedAt: number; agentId: string | null; outcome: string | null; disposition: string | null; notes: string | null; recordings: string[] }} Past
 * @typedef {{ known: boolean; contact: { number: string; name: string; company?: string; properties: Record<string, string> }; crm?: { name?: string; company?: string; properties: Record<string, string> }; history: Past[]; data: Record<string, unknown> }} Card
 */

export function ContactCard() {
  const s = store.use();
  const callId = s.workCallId;
  const [card, setCard] = useState(/** @type {Card | undefined} */ (undefined));
  const [tab, setTab] = useState(/** @type {'details' | 'history' | 'data'} */ ('details'));
  const [error, setError] = useState('');
  useEffect(() => {
    setCard(undefined);
    setError('');
    if (!callId) return;
    api('GET', `/api/calls/${encodeURIComponent(callId)}/contact`).then(setCard, (/** @type {Error} */ err) => setError(err.message));
  }, [callId]);
  if (!callId || (!card && !error)) return html`<section id="contact" class="card" hidden></section>`;
  /** @param {Record<string, string>} properties */
  const save = async (properties) => {
    try {
      const r = await api('PUT', `/api/calls/${encodeURIComponent(callId)}/contact`, { properties });
      setCard((c) => c && { ...c, known: true, contact: r.contact });
      setError('');
    } catch (err) {
      setError(/** @type {Error} */ (err).message);
    }
  };
  /** @param {SubmitEvent} e */
  const add = (e) => {
    e.preventDefault();
    const form = /** @type {HTMLFormElement} */ (e.target);
    const f = new FormData(form);
    const key = String(f.get('key') ?? '').trim();
    if (key) void save({ [key]: String(f.get('value') ?? '') });
    form.reset();
  };
  const c = card?.contact;
  return html`<section id="contact" class="card">
    <h2>${c?.name || c?.number || 'Caller'}${c?.company ? html` <small>${c.company}</small>` : null}
      ${c && !s.call ? html` <button id="call-back" onClick=${() => dial(c.number)} title="Call from the softphone (calls to external numbers need mayCallExternal)">Call back</button>` : null}</h2>
    <nav class="tabs">
      ${(/** @type {const} */ (['details', 'history', 'data'])).map(
        (t) => html`<button data-tab=${t} aria-pressed=${String(tab === t)} onClick=${() => setTab(t)}>${t === 'history' ? `History (${card?.history.length ?? 0})` : t === 'data' ? 'Call data' : 'Details'}</button>`,
      )}
    </nav>
    ${tab === 'details' && c
      ? html`<dl id="contact-properties">
            <dt>Number</dt><dd>${c.number}</dd>
            ${Object.entries(c.properties).map(
              ([k, v]) => html`<dt>${k}</dt><dd><input data-property=${k} value=${v} aria-label=${k} onChange=${(/** @type {Event} */ e) => save({ [k]: /** @type {HTMLInputElement} */ (e.target).value })} /></dd>`,
            )}
          </dl>
          ${card?.crm
            ? html`<dl id="crm-properties" aria-label="From the CRM">
                <dt>CRM</dt><dd>${card.crm.name ?? ''}${card.crm.company ? ` (${card.crm.company})` : ''}</dd>
                ${Object.entries(card.crm.properties).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}
              </dl>`
            : null}
          <form id="property-form" onSubmit=${add}><input name="key" placeholder="property" aria-label="Property" /><input name="value" placeholder="value" aria-label="Value" /><button type="submit">Add</button></form>`
      : null}
    ${tab === 'history'
      ? html`<ol id="contact-history">
          ${(card?.history ?? []).map(
            (h) => html`<li key=${h.id} data-call=${h.id}>
              ${new Date(h.arrivedAt).toLocaleString()} · ${h.agentId ?? 'no agent'} · ${h.disposition ?? h.outcome ?? ''}${h.notes ? html`<br /><small>${h.notes}</small>` : null}
              ${h.recordings.map((r) => html` <a href=${`/api/recordings/${encodeURIComponent(r)}?token=${encodeURIComponent(session.token)}`} target="_blank">recording</a>`)}
              <${HistoryTranscript} callId=${h.id} />
            </li>`,
          )}
        </ol>`
      : null}
    ${tab === 'data'
      ? html`<dl id="call-data">${Object.entries(card?.data ?? {}).map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}</dl>`
      : null}
    <p id="contact-error" class="error" role="alert">${error}</p>
  </section>`;
}
