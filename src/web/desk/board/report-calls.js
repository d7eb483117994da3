// @ts-check
// The call log of the range and filters, newest first, with the CSV export;
// a row opens the call's detail: its timeline, recordings and every agent's
// disposition, notes and tags.
import { clock, html, useState } from '../lib/ui.js';
import { api, session } from '../lib/api.js';

/**
 * @typedef {{ id: string; arrived_at: number; direction: string; caller_number: string | null; queue_id: string | null; agent_id: string | null; wait_ms: number | null; talk_ms: number | null; outcome: string | null; disposition: string | null; tags: string | null; notes: string | null }} CallRow
 * @typedef {{ record: { arrived_at: number; timeline: { at: number; type: string; data?: Record<string, unknown> | null }[] }; recordings: { id: string; segment: number; status: string }[]; work: { agentId: string; disposition?: string; notes: string; tags: string[] }[] }} CallDetail
 */

/** @param {{ calls: CallRow[]; total: number; query: string }} props */
export function CallLog({ calls, total, query }) {
  const [open, setOpen] = useState(/** @type {{ id: string; detail?: CallDetail; error?: string } | undefined} */ (undefined));
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
  return html`<section class="card">
    <h2>Calls <small id="call-count">${total} in all${total > calls.length ? `, the newest ${calls.length} shown` : ''}</small> <a id="csv" href=${csv} download>CSV</a></h2>
    <table id="call-report">
      <thead><tr><th>Arrived</th><th>Dir</th><th>Caller</th><th>Queue</th><th>Agent</th><th class="num">Wait</th><th class="num">Talk</th><th>Outcome</th><th>Disposition</th><th>Tags</th><th>Notes</th></tr></thead>
      <tbody>
        ${calls.map(
          (c) => html`<tr data-call=${c.id} onClick=${() => show(c.id)} style="cursor:pointer">
              <td>${new Date(Number(c.arrived_at)).toLocaleString()}</td><td>${c.direction}</td><td>${c.caller_number ?? ''}</td><td>${c.queue_id ?? ''}</td><td>${c.agent_id ?? ''}</td>
              <td class="num">${c.wait_ms === null ? '' : clock(Number(c.wait_ms))}</td><td class="num">${c.talk_ms === null ? '' : clock(Number(c.talk_ms))}</td>
              <td>${c.outcome ?? ''}</td><td>${c.disposition ?? ''}</td><td>${c.tags ? JSON.parse(c.tags).join(', ') : ''}</td><td>${c.notes ?? ''}</td>
            </tr>
            ${open?.id === c.id ? html`<tr class="detail"><td colspan="11">${detail(open.detail, open.error)}</td></tr>` : null}`,
        )}
      </tbody>
    </table>
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
