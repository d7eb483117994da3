// @ts-check
// Dial a colleague, the calls in pool (take one), the queues' overview.
import { html, seconds } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { store } from '../lib/state.js';
import { dial } from '../lib/phone.js';

export function Dial() {
  /** @param {SubmitEvent} e */
  const submit = (e) => {
    e.preventDefault();
    const form = /** @type {HTMLFormElement} */ (e.target);
    dial(String(new FormData(form).get('target') ?? ''));
    form.reset();
  };
  return html`<section id="dial" aria-label="Dial">
    <h2>Call a colleague</h2>
    <form id="dial-form" onSubmit=${submit}><input name="target" placeholder="extension" aria-label="Extension" /><button type="submit">Call</button></form>
  </section>`;
}

/** @param {{ refresh: () => Promise<void> }} props */
export function Pool({ refresh }) {
  const s = store.use();
  /** @param {string} callId */
  const take = async (callId) => {
    await api('POST', `/api/agents/${s.agent?.id}/take/${encodeURIComponent(callId)}`).catch((err) => alert(err.message));
    await refresh();
  };
  return html`<section id="pool" aria-label="Calls in pool">
    <h2>Calls in pool</h2>
    <table>
      <thead><tr><th>Caller</th><th>Queue</th><th>Waiting</th><th></th></tr></thead>
      <tbody id="pool-rows">
        ${s.pool.map((c) => html`<tr><td>${c.caller ?? 'anonymous'}</td><td>${c.queueId}</td><td>${seconds(c.waitedMs)}</td><td><button onClick=${() => take(c.callId)}>Take</button></td></tr>`)}
      </tbody>
    </table>
    <p id="pool-empty" hidden=${s.pool.length > 0}>No waiting calls.</p>
  </section>`;
}

export function Queues() {
  const s = store.use();
  return html`<section id="queues" aria-label="Queues">
    <h2>Queues</h2>
    <table>
      <thead><tr><th>Queue</th><th>Waiting</th><th>Longest wait</th><th>Ready agents</th></tr></thead>
      <tbody id="queue-rows">
        ${s.queues.map((q) => html`<tr><td>${q.id}</td><td>${String(q.waiting + q.offered)}</td><td>${seconds(q.longestWaitMs)}</td><td>${String(q.agents?.ready ?? 0)}</td></tr>`)}
      </tbody>
    </table>
  </section>`;
}
