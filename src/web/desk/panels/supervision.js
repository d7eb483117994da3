// @ts-check
// The supervisor view: the live calls of the queues this agent supervises
// (caller, agent, queue, talk time, on hold), each with listen (hear both,
// heard by none), whisper (heard by the agent only), barge (heard by both)
// and leave. The supervisor's phone (this desk's softphone, or their desk
// phone) is rung and joins at once; switching modes does not disturb the call.
import { clock, html, useEffect } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { store } from '../lib/state.js';

/** @param {string} callId @param {string} path @param {object} [body] */
async function act(callId, path, body) {
  try {
    await api('POST', `/api/calls/${encodeURIComponent(callId)}/${path}`, body ?? {});
    store.set({ supervisionError: '' });
  } catch (err) {
    store.set({ supervisionError: /** @type {Error} */ (err).message });
  }
  await refreshSupervision();
}

export async function refreshSupervision() {
  if (!store.state.agent?.supervises?.length) return;
  const r = await api('GET', '/api/supervision').catch(() => undefined);
  if (r) store.set({ supervised: r.calls ?? [] });
}

export function Supervision() {
  const s = store.use();
  const me = s.agent?.id;
  useEffect(() => {
    const t = setInterval(() => void refreshSupervision(), 2000);
    void refreshSupervision();
    return () => clearInterval(t);
  }, []);
  if (!s.agent?.supervises?.length) return null;
  return html`<section id="supervision" class="card">
    <h2>Supervision <small>${s.agent.supervises.join(', ')}</small></h2>
    <table>
      <thead><tr><th>Caller</th><th>Agent</th><th>Queue</th><th>Talk</th><th></th><th></th></tr></thead>
      <tbody>
        ${s.supervised.map((c) => {
          const mine = c.supervisor?.supervisorId === me;
          const mode = mine ? c.supervisor?.mode : undefined;
          return html`<tr data-call=${c.callId}>
            <td>${c.callerName ?? ''} ${c.caller}</td>
            <td>${c.agentId ?? ''}</td>
            <td>${c.queueId ?? ''}</td>
            <td>${clock(c.talkMs)}</td>
            <td>${c.onHold ? html`<span class="pill" data-state="break">on hold</span>` : null} ${c.supervisor ? html`<span class="pill" data-state="on-call">${c.supervisor.supervisorId}: ${c.supervisor.mode}${c.supervisor.state === 'ringing' ? '…' : ''}</span>` : null}</td>
            <td class="controls">
              ${['listen', 'whisper', 'barge'].map((m) => html`<button data-mode=${m} aria-pressed=${String(mode === m)} disabled=${!!c.supervisor && !mine} onClick=${() => act(c.callId, 'monitor', { mode: m })}>${m[0]?.toUpperCase()}${m.slice(1)}</button>`)}
              <button data-mode="leave" disabled=${!mine} onClick=${() => act(c.callId, 'unmonitor')}>Leave</button>
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${s.supervised.length === 0 ? html`<p class="muted">No live calls in your queues.</p>` : null}
    <p id="supervision-error" class="error" role="alert">${s.supervisionError}</p>
  </section>`;
}
