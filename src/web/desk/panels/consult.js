// @ts-check
// Consult while on a call: call a colleague (id or extension), a queue, an
// IVR flow, a contact's number or an external number while the customer waits on hold
// music; then swap between them, complete the transfer, merge into a 3-way
// call or cancel. The live call's state (phase, consult) comes from the
// server after every control and event; a refusal or a failed consult is
// shown with its reason.
import { html } from '../lib/ui.js';
import { control } from '../lib/controls.js';
import { store } from '../lib/state.js';

/** What a failed consult's reason means to an agent. @type {Record<string, string>} */
const REASONS = { declined: 'declined', busy: 'busy', 'no-answer': 'no answer', unreachable: 'unreachable' };

export function Consult() {
  const c = store.use().call;
  const live = c?.live;
  if (!c?.callId || !live) return null;
  const consult = live.consult;
  const failed = [...c.timeline].reverse().find((e) => e.type === 'consult-failed' || e.type === 'consult-started');
  /** @param {SubmitEvent} e */
  const onConsult = (e) => {
    e.preventDefault();
    const form = /** @type {HTMLFormElement} */ (e.target);
    const data = new FormData(form);
    const to = String(data.get('to') ?? '').trim();
    const kind = String(data.get('kind') ?? '');
    if (to) void control('consult', { to, ...(kind ? { kind } : {}) });
    form.reset();
  };
  if (!consult) {
    if (live.phase !== 'talking' && live.phase !== 'held') return null;
    return html`<form id="consult" class="consult" onSubmit=${onConsult}>
      <select name="kind" aria-label="Consult whom">
        <option value="">colleague, queue or number</option>
        <option value="agent">colleague</option>
        <option value="queue">queue</option>
        <option value="ivr">IVR flow</option>
        <option value="contact">contact</option>
        <option value="number">external number</option>
      </select>
      <input name="to" placeholder="extension, queue or number" aria-label="Consult" />
      <button type="submit">Consult</button>
      ${failed?.type === 'consult-failed' ? html`<span id="consult-failed" class="error">Consult failed: ${REASONS[String(failed.data?.reason)] ?? failed.data?.reason}</span>` : null}
    </form>`;
  }
  const merged = live.phase === 'merged';
  const who = consult.agentId ?? consult.target.to;
  const state = consult.state === 'ringing' ? `calling ${who}…` : merged ? `3-way call with ${who}` : consult.talkingTo === 'consult' ? `talking to ${who}; the customer is on hold` : `talking to the customer; ${who} is on hold`;
  return html`<div id="consult" class="consult" data-state=${merged ? 'merged' : consult.state}>
    <span id="consult-state" class="pill" data-state="break">${state}</span>
    <button id="consult-swap" disabled=${consult.state !== 'up' || merged} onClick=${() => control('swap')}>Swap</button>
    <button id="consult-complete" class="primary" disabled=${consult.state !== 'up'} onClick=${() => control('complete')}>Complete transfer</button>
    <button id="consult-merge" disabled=${consult.state !== 'up' || merged} onClick=${() => control('merge')}>Merge</button>
    <button id="consult-cancel" onClick=${() => control('cancel')}>${merged ? `Drop ${who}` : 'Cancel consult'}</button>
  </div>`;
}
