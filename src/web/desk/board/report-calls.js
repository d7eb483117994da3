// @ts-check
// The call log of the range and filters, newest first, with the CSV export.
import { clock, html } from '../lib/ui.js';
import { session } from '../lib/api.js';

/**
 * @typedef {{ id: string; arrived_at: number; direction: string; caller_number: string | null; queue_id: string | null; agent_id: string | null; wait_ms: number | null; talk_ms: number | null; outcome: string | null; disposition: string | null; tags: string | null; notes: string | null }} CallRow
 */

/** @param {{ calls: CallRow[]; total: number; query: string }} props */
export function CallLog({ calls, total, query }) {
  const csv = `/api/reports/calls?${query}&format=csv&token=${encodeURIComponent(session.token)}`;
  return html`<section class="card">
    <h2>Calls <small id="call-count">${total} in all${total > calls.length ? `, the newest ${calls.length} shown` : ''}</small> <a id="csv" href=${csv} download>CSV</a></h2>
    <table id="call-report">
      <thead><tr><th>Arrived</th><th>Dir</th><th>Caller</th><th>Queue</th><th>Agent</th><th class="num">Wait</th><th class="num">Talk</th><th>Outcome</th><th>Disposition</th><th>Tags</th><th>Notes</th></tr></thead>
      <tbody>
        ${calls.map(
          (c) => html`<tr data-call=${c.id}>
            <td>${new Date(Number(c.arrived_at)).toLocaleString()}</td><td>${c.direction}</td><td>${c.caller_number ?? ''}</td><td>${c.queue_id ?? ''}</td><td>${c.agent_id ?? ''}</td>
            <td class="num">${c.wait_ms === null ? '' : clock(Number(c.wait_ms))}</td><td class="num">${c.talk_ms === null ? '' : clock(Number(c.talk_ms))}</td>
            <td>${c.outcome ?? ''}</td><td>${c.disposition ?? ''}</td><td>${c.tags ? JSON.parse(c.tags).join(', ') : ''}</td><td>${c.notes ?? ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
