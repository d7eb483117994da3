// @ts-check
// An earlier call's transcript, opened from the contact card's history: each
// transcript of the call (of its recordings, the live one, a voicemail) turn
// by turn with who spoke and when. While one is still being made it says
// "transcribing…" and looks again every few seconds.
import { clock, html, useEffect, useState } from '../lib/ui.js';
import { api } from '../lib/api.js';

/**
 * @typedef {{ speaker: 'customer' | 'agent' | 'caller'; start: number; end: number; text: string }} Turn
 * @typedef {{ id: string; source: 'recording' | 'live' | 'voicemail'; recordingId?: string; engine: string; language?: string; createdAt: string; turns: Turn[] }} Transcript
 * @typedef {{ callId: string; pending: boolean; transcripts: Transcript[] }} CallTranscripts
 */

export const SPEAKERS = { customer: 'Customer', agent: 'Agent', caller: 'Caller' };
const AGAIN_MS = 5000;

/** @param {Error & { status?: number }} err */
const problem = (err) => (err.status === 403 ? 'You may not see this call’s transcript.' : err.status === 404 ? 'No such call.' : err.message);

/** @param {Transcript} t @param {boolean} labelled */
const turns = (t, labelled) => html`<figure class="transcript" data-transcript=${t.id} data-source=${t.source}>
  ${labelled ? html`<figcaption><small>${t.source}${t.language ? ` · ${t.language}` : ''} · ${new Date(t.createdAt).toLocaleString()}</small></figcaption>` : null}
  <ol class="transcript-turns">
    ${t.turns.map((u) => html`<li data-speaker=${u.speaker}><time>${clock(u.start * 1000)}</time> <strong>${SPEAKERS[u.speaker] ?? u.speaker}</strong> ${u.text}</li>`)}
  </ol>
</figure>`;

/** @param {CallTranscripts | undefined} data @param {string} error */
function body(data, error) {
  if (error) return html`<p class="transcript-error error" role="alert">${error}</p>`;
  if (!data) return html`<p class="transcript-loading muted">Loading…</p>`;
  const some = data.transcripts.filter((t) => t.turns.length > 0);
  const more = data.pending ? html`<p class="transcript-pending muted">transcribing…</p>` : null;
  if (!some.length) return more ?? html`<p class="transcript-none muted">no transcript</p>`;
  return html`${some.map((t) => turns(t, some.length > 1))}${more}`;
}

/** The "Transcript" toggle of one earlier call and, open, its transcript. @param {{ callId: string }} props */
export function HistoryTranscript({ callId }) {
  const [open, setOpen] = useState(false);
  const [data, setData] = useState(/** @type {CallTranscripts | undefined} */ (undefined));
  const [error, setError] = useState('');
  useEffect(() => {
    if (!open) return;
    let done = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let again;
    const load = () =>
      api('GET', `/api/calls/${encodeURIComponent(callId)}/transcript`).then(
        (/** @type {CallTranscripts} */ r) => {
          if (done) return;
          setData({ ...r, transcripts: r.transcripts ?? [] });
          setError('');
          if (r.pending) again = setTimeout(load, AGAIN_MS);
        },
        (/** @type {Error} */ err) => !done && setError(problem(err)),
      );
    void load();
    return () => {
      done = true;
      clearTimeout(again);
    };
  }, [open, callId]);
  return html`<button class="history-transcript" aria-expanded=${String(open)} onClick=${() => setOpen(!open)}>Transcript</button>
    ${open ? html`<div class="history-transcript-body" data-call=${callId}>${body(data, error)}</div>` : null}`;
}
