// @ts-check
// The agent's work on the call in hand or just ended: the disposition (from
// the queue's list; a required one holds the wrap-up until picked), notes
// saved as they are typed (no save button; a draft kept in the browser too,
// so a reload loses nothing) and tags. The call it is about stays after the
// call ends, until the next call, and across a reload.
import { html, useEffect, useRef, useState } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { store } from '../lib/state.js';

/**
 * @typedef {{ code: string; label: string; outcome: string }} Disposition
 * @typedef {{ callId: string; queueId?: string; work: { disposition?: string; notes: string; tags: string[] }; dispositions?: { required: boolean; codes: Disposition[] } }} WorkView
 */

const SAVE_AFTER_MS = 600;
const key = (/** @type {string} */ agentId) => `desk.work.${agentId}`;

/** The call the work panel is about, remembered per agent across reloads. @param {string} agentId */
export function rememberedCall(agentId) {
  try {
    return /** @type {{ callId: string; notes?: string } | null} */ (JSON.parse(localStorage.getItem(key(agentId)) ?? 'null'));
  } catch {
    return null;
  }
}

/** @param {string} agentId @param {{ callId: string; notes?: string } | null} value */
function remember(agentId, value) {
  if (value) localStorage.setItem(key(agentId), JSON.stringify(value));
  else localStorage.removeItem(key(agentId));
}

export function Work() {
  const s = store.use();
  const agentId = s.agent?.id ?? '';
  const callId = s.workCallId;
  const [view, setView] = useState(/** @type {WorkView | undefined} */ (undefined));
  const [notes, setNotes] = useState('');
  const [saved, setSaved] = useState(/** @type {'saved' | 'saving' | 'error' | ''} */ (''));
  const [error, setError] = useState('');
  const timer = useRef(/** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined));

  // A new call: load its work; a draft the server has not got yet (typed just before a reload) wins.
  useEffect(() => {
    if (!callId || !agentId) return;
    setView(undefined);
    setError('');
    api('GET', `/api/calls/${encodeURIComponent(callId)}/work`)
      .then((/** @type {WorkView} */ v) => {
        setView(v);
        const draft = rememberedCall(agentId);
        const text = draft?.callId === callId && draft.notes !== undefined && draft.notes !== v.work.notes ? draft.notes : v.work.notes;
        setNotes(text);
        if (text !== v.work.notes) void save({ notes: text });
        else setSaved(v.work.notes ? 'saved' : '');
      })
      .catch((/** @type {Error} */ err) => setError(err.message));
    remember(agentId, { callId, ...(rememberedCall(agentId)?.callId === callId ? { notes: rememberedCall(agentId)?.notes } : {}) });
  }, [callId, agentId]);

  if (!callId) return html`<section id="work" class="card" hidden></section>`;

  /** @param {object} patch */
  async function save(patch) {
    if (!callId) return;
    setSaved('saving');
    try {
      const v = await api('PUT', `/api/calls/${encodeURIComponent(callId)}/work`, patch);
      setView(v);
      setError('');
      setSaved('saved');
      // The wrap-up may have been released by the disposition.
      if ('disposition' in patch) store.set({ workChanged: Date.now() });
    } catch (err) {
      setSaved('error');
      setError(/** @type {Error} */ (err).message);
    }
  }

  /** @param {Event} e */
  const onNotes = (e) => {
    const text = /** @type {HTMLTextAreaElement} */ (e.target).value;
    setNotes(text);
    remember(agentId, { callId, notes: text });
    clearTimeout(timer.current);
    setSaved('saving');
    timer.current = setTimeout(() => void save({ notes: text }), SAVE_AFTER_MS);
  };
  /** @param {Event} e */
  const onDisposition = (e) => {
    const code = /** @type {HTMLSelectElement} */ (e.target).value;
    void save({ disposition: code || null });
  };
  /** @param {SubmitEvent} e */
  const onTag = (e) => {
    e.preventDefault();
    const form = /** @type {HTMLFormElement} */ (e.target);
    const tag = String(new FormData(form).get('tag') ?? '').trim();
    if (tag) void save({ tags: [...(view?.work.tags ?? []), tag] });
    form.reset();
  };
  const list = view?.dispositions;
  const owed = list?.required && !view?.work.disposition;
  return html`<section id="work" class="card" data-call=${callId}>
    <h2>After the call</h2>
    ${list
      ? html`<label>Disposition${list.required ? html` <span class="pill" data-state=${owed ? 'break' : 'ready'} id="disposition-required">required</span>` : null}
          <select id="disposition" aria-label="Disposition" value=${view?.work.disposition ?? ''} onChange=${onDisposition}>
            <option value="">—</option>
            ${list.codes.map((c) => html`<option value=${c.code}>${c.label}</option>`)}
          </select></label>`
      : null}
    <label>Notes <small id="notes-state" aria-live="polite">${saved === 'saving' ? 'saving…' : saved === 'saved' ? 'saved' : saved === 'error' ? 'not saved' : ''}</small>
      <textarea id="notes" rows="4" aria-label="Notes" value=${notes} onInput=${onNotes}></textarea></label>
    <div class="tags">
      ${(view?.work.tags ?? []).map(
        (t) => html`<span class="pill tag" data-tag=${t}>${t} <button aria-label=${`Remove ${t}`} onClick=${() => save({ tags: (view?.work.tags ?? []).filter((x) => x !== t) })}>×</button></span>`,
      )}
      <form id="tag-form" onSubmit=${onTag}><input name="tag" placeholder="add a tag" aria-label="Tag" maxlength="40" /></form>
    </div>
    <p id="work-error" class="error" role="alert">${error}</p>
  </section>`;
}
