// @ts-check
// One campaign: contacts by state, attempts by outcome in this run, and the
// latest attempts (number, outcome, when), refreshed with the page.
import { html, useEffect, useState } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { tally } from './campaign-types.js';

/** @typedef {import('./campaign-types.js').Campaign} Campaign */
/** @typedef {import('./campaign-types.js').Attempt} Attempt */

/** @param {{ campaign: Campaign; tick: number }} props */
export function CampaignDetail({ campaign: c, tick }) {
  const [attempts, setAttempts] = useState(/** @type {Attempt[]} */ ([]));
  useEffect(() => {
    api('GET', `/api/campaigns/${encodeURIComponent(c.id)}/attempts?limit=50`).then((r) => setAttempts(r.attempts), () => setAttempts([]));
  }, [c.id, tick]);
  const t = tally(c);
  const states = c.progress?.contacts ?? {};
  return html`<section class="card" id="campaign-detail" data-campaign=${c.id}>
    <h2>${c.settings.name} <small>run ${c.instance}</small></h2>
    <div class="tiles">
      <div><h3>Contacts</h3><dl class="counts" id="contact-states">
        <dt>Remaining</dt><dd data-state="remaining">${t.remaining}</dd>
        ${Object.entries(states).map(([k, n]) => html`<dt>${k}</dt><dd data-state=${k}>${n}</dd>`)}
      </dl></div>
      <div><h3>Attempts by outcome</h3><dl class="counts" id="outcomes">
        ${Object.entries(c.outcomes).map(([k, n]) => html`<dt>${k}</dt><dd data-outcome=${k}>${n}</dd>`)}
      </dl></div>
      <div><h3>Settings</h3><dl class="counts">
        <dt>Attempts per contact</dt><dd>${c.settings.maxAttempts}</dd>
        <dt>Retry after</dt><dd>${c.settings.retryMinutes} min</dd>
        <dt>Ring</dt><dd>${c.settings.ringSeconds} s</dd>
        <dt>AMD</dt><dd>${c.settings.amd.enabled ? c.settings.amd.profile ?? 'on' : 'off'}</dd>
        <dt>Abandon cap</dt><dd>${(100 * c.settings.abandonCap).toFixed(1)}%</dd>
        <dt>Recorded</dt><dd>${c.settings.record ? 'yes' : 'no'}</dd>
        <dt>Transcription</dt><dd data-setting="transcription">${c.settings.transcription ?? 'as the queue'}</dd>
      </dl></div>
    </div>
    <h3>Latest attempts</h3>
    <table id="attempts"><thead><tr><th>When</th><th>Number</th><th>Outcome</th><th>Call</th></tr></thead>
      <tbody>${attempts.map((a) => html`<tr><td>${new Date(a.at).toLocaleString()}</td><td>${a.number}</td><td data-outcome=${a.outcome}>${a.outcome}</td><td><small>${a.callId ?? ''}</small></td></tr>`)}</tbody>
    </table>
  </section>`;
}
