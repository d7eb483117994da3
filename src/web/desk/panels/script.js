// @ts-check
// The call's script: the queue's external page, or its built script one
// step at a time: what to say (filled in with the caller's details), the
// fields to collect, the checks, a disclosure to acknowledge. "Next" stays
// disabled until the step's required actions are done, and the daemon
// checks them again (its refusal names the field). The run is kept with the
// call, so a reload comes back to the same step.
import { html, useEffect, useState } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { store } from '../lib/state.js';

/**
 * @typedef {{ name: string; label?: string; type: string; required: boolean; options?: string[]; min?: number; max?: number }} Field
 * @typedef {{ name: string; label: string; required: boolean }} Check
 * @typedef {{ id: string; title?: string; say?: string; fields: Field[]; checks: Check[]; disclosure: boolean; end: boolean }} Step
 * @typedef {{ kind: 'none' } | { kind: 'url'; url: string } | { kind: 'built'; name?: string; step: Step; run: { finished: boolean; path: string[]; answers: Record<string, Record<string, string | boolean>>; acknowledged: string[] }; done: { id: string; title?: string; answers: Record<string, string | boolean> }[] }} ScriptView
 */

export function ScriptPanel() {
  const s = store.use();
  const callId = s.workCallId;
  const [view, setView] = useState(/** @type {ScriptView | undefined} */ (undefined));
  const [values, setValues] = useState(/** @type {Record<string, string | boolean>} */ ({}));
  const [ack, setAck] = useState(false);
  const [error, setError] = useState('');
  /** @param {ScriptView} v */
  const show = (v) => {
    setView(v);
    if (v.kind === 'built') {
      setValues({ ...(v.run.answers[v.step.id] ?? {}) });
      setAck(v.run.acknowledged.includes(v.step.id));
    }
  };
  useEffect(() => {
    setView(undefined);
    setError('');
    if (!callId) return;
    api('GET', `/api/calls/${encodeURIComponent(callId)}/script`).then(show, (/** @type {Error} */ err) => setError(err.message));
  }, [callId]);
  if (!callId || !view || view.kind === 'none') return html`<section id="script" class="card" hidden></section>`;
  if (view.kind === 'url')
    return html`<section id="script" class="card">
      <h2>Script <a id="script-link" href=${view.url} target="cc-script" rel="noopener">open in a new tab</a></h2>
      <iframe id="script-frame" src=${view.url} title="Call script" style="width:100%;min-height:24rem;border:0"></iframe>
    </section>`;
  const step = view.step;
  /** @param {object} body */
  const send = async (body) => {
    try {
      show(await api('POST', `/api/calls/${encodeURIComponent(callId)}/script`, body));
      setError('');
    } catch (err) {
      setError(/** @type {Error} */ (err).message);
    }
  };
  const missing =
    step.fields.some((f) => f.required && (values[f.name] === undefined || values[f.name] === '')) ||
    step.checks.some((c) => c.required && values[c.name] !== true) ||
    (step.disclosure && !ack);
  const set = (/** @type {string} */ name, /** @type {string | boolean} */ v) => setValues((x) => ({ ...x, [name]: v }));
  const input = (/** @type {Field} */ f) => {
    const v = values[f.name];
    if (f.type === 'choice')
      return html`<select name=${f.name} value=${String(v ?? '')} onChange=${(/** @type {Event} */ e) => set(f.name, /** @type {HTMLSelectElement} */ (e.target).value)}>
        <option value="">—</option>${(f.options ?? []).map((o) => html`<option value=${o}>${o}</option>`)}</select>`;
    if (f.type === 'yes-no')
      return html`<select name=${f.name} value=${v === true ? 'yes' : v === false ? 'no' : ''} onChange=${(/** @type {Event} */ e) => {
        const x = /** @type {HTMLSelectElement} */ (e.target).value;
        set(f.name, x === '' ? '' : x === 'yes');
      }}><option value="">—</option><option value="yes">yes</option><option value="no">no</option></select>`;
    const type = f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : f.type === 'email' ? 'email' : f.type === 'phone' ? 'tel' : 'text';
    return html`<input name=${f.name} type=${type} value=${String(v ?? '')} onInput=${(/** @type {Event} */ e) => set(f.name, /** @type {HTMLInputElement} */ (e.target).value)} />`;
  };
  return html`<section id="script" class="card" data-step=${step.id}>
    <h2>${view.name ?? 'Script'}${step.title ? ` · ${step.title}` : ''}</h2>
    ${view.run.finished
      ? html`<p id="script-finished">Script finished.</p>`
      : html`
          ${step.say ? html`<blockquote id="script-say">${step.say}</blockquote>` : null}
          ${step.fields.map((f) => html`<label data-field=${f.name}>${f.label ?? f.name}${f.required ? ' *' : ''} ${input(f)}</label>`)}
          ${step.checks.map(
            (c) => html`<label class="check" data-check=${c.name}><input type="checkbox" name=${c.name} checked=${values[c.name] === true} onChange=${(/** @type {Event} */ e) => set(c.name, /** @type {HTMLInputElement} */ (e.target).checked)} /> ${c.label}${c.required ? ' *' : ''}</label>`,
          )}
          ${step.disclosure
            ? html`<label class="check"><input id="script-ack" type="checkbox" checked=${ack} onChange=${(/** @type {Event} */ e) => setAck(/** @type {HTMLInputElement} */ (e.target).checked)} /> I have read the disclosure out</label>`
            : null}
          <div class="controls">
            <button id="script-back" disabled=${view.run.path.length === 0} onClick=${() => send({ type: 'back' })}>Back</button>
            <button id="script-next" class="primary" disabled=${missing} onClick=${() => send({ type: 'next', values, acknowledged: ack })}>${step.end ? 'Finish' : 'Next'}</button>
          </div>
        `}
    <p id="script-error" class="error" role="alert">${error}</p>
    ${view.done.length
      ? html`<details id="script-history"><summary>Steps done (${view.done.length})</summary><ol>${view.done.map(
          (d) => html`<li>${d.title ?? d.id}${Object.keys(d.answers).length ? `: ${Object.entries(d.answers).map(([k, v]) => `${k} = ${v}`).join(', ')}` : ''}</li>`,
        )}</ol></details>`
      : null}
  </section>`;
}
