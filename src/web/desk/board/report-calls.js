// @ts-check
// The call log of the range and filters, newest first, with the CSV export;
// a row opens the call's detail: its timeline, recordings and every agent's
// disposition, notes and tags. "Words said" finds the calls whose
// transcripts have the words (of the supervisor's queues) and shows, under
// each, the turns that matched.
import { clock, html, useState } from '../lib/ui.js';
import { api, session } from '../lib/api.js';

/**
 * @typedef {{ id: string; arrived_at: number; direction?: string; caller_number: string | null; caller_name?: string | null; queue_id: string | null; agent_id: string | null; wait_ms: number | null; talk_ms: number | null; outcome: string | null; disposition: string | null; tags: string | null; notes: string | null }} CallRow
 * @typedef {{ speaker: string; start: number; text: string }} Match
 * @typedef {CallRow & { matches?: Match[] }} FoundCall
 * @typedef {{ text: string; calls?: FoundCall[]; error?: string }} Search
 * @typedef {{ record: { arrived_at: number; timeline: { at: number; type: string; data?: Record<string, unknown> | null }[] }; recordings: { id: string; segment: number; status: string }[]; work: { agentId: string; disposition?: string; notes: string; tags: string[] }[] }} CallDetail
 */

const SPEAKERS = /** @type {Record<string, string>} */ ({ customer: 'Customer', agent: 'Agent', caller: 'Caller' });

/** The text with the words searched for marked. @param {string} text @param {string} words */
function marked(text, words) {
  const ws = words.split(/\s+/).filter(Boolean).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (!ws.length) return text;
  return text.split(new RegExp(`(${ws.join('|')})`, 'gi')).map((part, i) => (i % 2 ? html`<mark>${part}</mark>` : part));
}

/** @param {string | null} tags a JSON list */
function tagsOf(tags) {
  try {
    return tags ? /** @type {string[]} */ (JSON.parse(tags)).join(', ') : '';
  } catch {
    return String(tags);
  }
}

/** @param {{ calls: CallRow[]; total: number; query: string }} props */
export function CallLog({ calls, total, query }) {
  const [open, setOpen] = useState(/** @type {{ id: string; detail?: CallDetail; error?: string } | undefined} */ (undefined));
  const [search, setSearch] = useState(/** @type {Search | undefined} */ (undefined));
  const csv = `/api/reports/calls?${query}&format=csv&token=${encodeURIComponent(session.token)}`;
  /** @param {string} id */
  const show = (id) => {
    if (open?.id === id) return setOpen(undefined);
    setOpen({ id });
    api('GET', `/api/reports/calls/${encodeURIComponent(id)}`).then(
      (/** @type {CallDetail} */ detail) => setOpen({ id, detail }),
      (/** @type {Error} */ err) => setOpen({ id, error: err.message }),
    );
  };
  /** @param {SubmitEvent} e */
  const find = (e) => {
    e.preventDefault();
    const text = String(new FormData(/** @type {HTMLFormElement} */ (e.target)).get('text') ?? '').trim();
    if (!text) return setSearch(undefined);
    setSearch({ text });
    /** @param {Search} result */
    const settle = (result) => setSearch((x) => (x?.text === text ? result : x));
    api('GET', `/api/calls?text=${encodeURIComponent(text)}&limit=50`).then(
      (/** @type {{ calls?: FoundCall[] }} */ r) => settle({ text, calls: r.calls ?? [] }),
      (/** @type {Error} */ err) => settle({ text, error: err.message }),
    );
  };
  const clear = () => {
    setSearch(undefined);
    const input = /** @type {HTMLInputElement | null} */ (document.getElementById('call-text-search'));
    if (input) input.value = '';
  };
  /** @type {FoundCall[]} */
  const rows = search ? search.calls ?? [] : calls;
  return html`<section class="card">
    ${search
      ? html`<h2>Calls saying “${search.text}” <small id="call-search-count">${search.calls ? `${search.calls.length} found` : search.error ? '' : 'searching…'}</small> <button type="button" id="call-search-clear" onClick=${clear}>Show all calls</button></h2>`
      : html`<h2>Calls <small id="call-count">${total} in all${total > calls.length ? `, the newest ${calls.length} shown` : ''}</small> <a id="csv" href=${csv} download>CSV</a></h2>`}
    <form id="call-search" class="filters" onSubmit=${find}>
      <label>Words said<input id="call-text-search" name="text" type="search" placeholder="e.g. cancel my order" /></label>
      <button type="submit">Search</button>
    </form>
    ${search?.error ? html`<p id="call-search-error" class="error" role="alert">${search.error}</p>` : null}
    <table id="call-report">
      <thead><tr><th>Arrived</th><th>Dir</th><th>Caller</th><th>Queue</th><th>Agent</th><th class="num">Wait</th><th class="num">Talk</th><th>Outcome</th><th>Disposition</th><th>Tags</th><th>Notes</th></tr></thead>
      <tbody>
        ${rows.map(
          (c) => html`<tr data-call=${c.id} onClick=${() => show(c.id)} style="cursor:pointer">
              <td>${new Date(Number(c.arrived_at)).toLocaleString()}</td><td>${c.direction ?? ''}</td><td>${c.caller_name ? `${c.caller_name} ` : ''}${c.caller_number ?? ''}</td><td>${c.queue_id ?? ''}</td><td>${c.agent_id ?? ''}</td>
              <td class="num">${c.wait_ms == null ? '' : clock(Number(c.wait_ms))}</td><td class="num">${c.talk_ms == null ? '' : clock(Number(c.talk_ms))}</td>
              <td>${c.outcome ?? ''}</td><td>${c.disposition ?? ''}</td><td>${tagsOf(c.tags)}</td><td>${c.notes ?? ''}</td>
            </tr>
            ${search && c.matches?.length
              ? html`<tr class="matches" data-matches=${c.id}><td colspan="11" class="call-matches"><ul>${c.matches.map(
                  (m) => html`<li data-speaker=${m.speaker}><time>${clock(Number(m.start) * 1000)}</time> <strong>${SPEAKERS[m.speaker] ?? m.speaker}</strong> ${marked(String(m.text ?? ''), search.text)}</li>`,
                )}</ul></td></tr>`
              : null}
            ${open?.id === c.id ? html`<tr class="detail"><td colspan="11">${detail(open.detail, open.error)}</td></tr>` : null}`,
        )}
      </tbody>
    </table>
    ${search?.calls && !search.calls.length ? html`<p id="call-search-none" class="muted">No call has these words.</p>` : null}
  </section>`;
}

/** @param {CallDetail | undefined} d @param {string | undefined} error */
function detail(d, error) {
  if (error) return html`<p class="error">${error}</p>`;
  if (!d) return html`<p>Loading…</p>`;
  const start = Number(d.record.arrived_at);
  return html`<div class="call-detail" id="call-detail">
    <ol>${d.record.timeline.map((e) => html`<li data-type=${e.type}><time>${clock(Number(e.at) - start)}</time> ${e.type}${e.data?.agentId ? ` (${e.data.agentId})` : ''}</li>`)}</ol>
    ${d.recordings.length ? html`<p>Recordings: ${d.recordings.map((r) => html`<a href=${`/api/recordings/${encodeURIComponent(r.id)}?token=${encodeURIComponent(session.token)}`} target="_blank">segment ${r.segment}</a> `)}</p>` : null}
    ${d.work.map((w) => html`<p>${w.agentId}: ${w.disposition ?? 'no disposition'}${w.tags.length ? ` · ${w.tags.join(', ')}` : ''}${w.notes ? html`<br /><small>${w.notes}</small>` : null}</p>`)}
  </div>`;
}
