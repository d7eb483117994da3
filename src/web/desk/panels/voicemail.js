// @ts-check
// The voicemail boxes this agent may see, with their new messages, and the
// messages newest first: the caller, when, how long, the transcript and a
// player. The first play marks a message heard; a button marks it new (or
// heard) again. Refreshed every 20 s and after each change; hidden for an
// agent without a box.
import { clock, html, useEffect, useRef, useState } from '../lib/ui.js';
import { api, session } from '../lib/api.js';

/**
 * @typedef {{ id: string; name?: string; new: number; total: number }} Box
 * @typedef {{
 *   id: string; boxId: string; callId: string; callerNumber?: string; callerName?: string; receivedAt: string; durationMs: number;
 *   status: 'new' | 'heard'; heardAt?: string; heardBy?: string; transcript?: string; transcriptStatus: 'pending' | 'done' | 'failed' | 'off';
 *   emailStatus: 'pending' | 'sent' | 'failed' | 'off'; audioUrl: string;
 * }} Message
 */

const REFRESH_MS = 20_000;

/** The message's audio, with the session token (an <audio> element sends no header). @param {Message} m */
const audioSrc = (m) => `${m.audioUrl}${m.audioUrl.includes('?') ? '&' : '?'}token=${encodeURIComponent(session.token)}`;

/** @param {Message} m */
function transcriptOf(m) {
  if (m.transcript) return html`<p class="vm-transcript" data-transcript="done">${m.transcript}</p>`;
  if (m.transcriptStatus === 'pending') return html`<p class="vm-transcript muted" data-transcript="pending">transcribing…</p>`;
  return html`<p class="vm-transcript muted" data-transcript=${m.transcriptStatus}>no transcript</p>`;
}

export function Voicemail() {
  const [boxes, setBoxes] = useState(/** @type {Box[]} */ ([]));
  const [messages, setMessages] = useState(/** @type {Message[]} */ ([]));
  const [error, setError] = useState('');
  // Messages played on this page: only the first play marks one heard.
  const played = useRef(/** @type {Set<string>} */ (new Set()));
  const load = () =>
    api('GET', '/api/voicemail').then(
      (/** @type {{ boxes?: Box[]; messages?: Message[] }} */ r) => {
        setBoxes(r.boxes ?? []);
        setMessages(r.messages ?? []);
        setError('');
      },
      (/** @type {Error} */ err) => setError(err.message),
    );
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  if (!boxes.length) return html`<section id="voicemail" class="card" hidden></section>`;

  /** @param {Message} m @param {'new' | 'heard'} status */
  const mark = async (m, status) => {
    try {
      const r = await api('PUT', `/api/voicemail/${encodeURIComponent(m.id)}`, { status });
      setMessages((ms) => ms.map((x) => (x.id === m.id ? { ...x, ...r } : x)));
      setError('');
    } catch (err) {
      setError(/** @type {Error} */ (err).message);
    }
    await load();
  };
  /** @param {Message} m */
  const onPlay = (m) => {
    if (played.current.has(m.id)) return;
    played.current.add(m.id);
    if (m.status === 'new') void mark(m, 'heard');
  };
  const names = new Map(boxes.map((b) => [b.id, b.name ?? b.id]));
  const newest = [...messages].sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt));
  const unheard = boxes.reduce((n, b) => n + b.new, 0);
  return html`<section id="voicemail" class="card">
    <h2>Voicemail ${unheard ? html`<span class="pill" data-state="on-call" id="voicemail-new">${unheard} new</span>` : null}</h2>
    <ul id="voicemail-boxes" class="vm-boxes">
      ${boxes.map(
        (b) => html`<li key=${b.id} data-box=${b.id}>${b.name ?? b.id} <span class="vm-box-new" data-new=${String(b.new)}>${b.new} new</span> <small>of ${b.total}</small></li>`,
      )}
    </ul>
    <ol id="voicemail-messages" class="vm-messages">
      ${newest.map(
        (m) => html`<li key=${m.id} data-message=${m.id} data-status=${m.status} data-box=${m.boxId}>
          <div class="vm-head">
            ${m.status === 'new' ? html`<span class="pill vm-new" data-state="on-call">New</span>` : null}
            <strong class="vm-caller">${m.callerName || m.callerNumber || 'Unknown caller'}</strong>${m.callerName && m.callerNumber ? html` <span class="vm-number">${m.callerNumber}</span>` : null}
            <time class="vm-time" datetime=${m.receivedAt}>${new Date(m.receivedAt).toLocaleString()}</time>
            <span class="vm-duration">${clock(m.durationMs)}</span>
            ${boxes.length > 1 ? html`<small class="vm-box">${names.get(m.boxId) ?? m.boxId}</small>` : null}
            ${m.emailStatus === 'sent' ? html`<small class="vm-email">emailed</small>` : m.emailStatus === 'failed' ? html`<small class="vm-email error">email failed</small>` : null}
          </div>
          ${transcriptOf(m)}
          <div class="vm-actions">
            <audio class="vm-audio" controls preload="none" src=${audioSrc(m)} onPlay=${() => onPlay(m)}></audio>
            <button class="vm-toggle" onClick=${() => mark(m, m.status === 'new' ? 'heard' : 'new')}>${m.status === 'new' ? 'Mark heard' : 'Mark new'}</button>
            ${m.status === 'heard' && m.heardBy ? html`<small class="vm-heard">heard by ${m.heardBy}${m.heardAt ? ` ${new Date(m.heardAt).toLocaleString()}` : ''}</small>` : null}
          </div>
        </li>`,
      )}
    </ol>
    ${messages.length === 0 ? html`<p id="voicemail-empty" class="muted">No messages.</p>` : null}
    <p id="voicemail-error" class="error" role="alert">${error}</p>
  </section>`;
}
