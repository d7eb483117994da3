// @ts-check
// Every campaign the supervisor may see: status, how far it is, who is being
// called now, today's people and abandons against the cap, and the actions
// its status allows.
import { html } from '../lib/ui.js';
import { actionsFor, tally } from './campaign-types.js';

/** @typedef {import('./campaign-types.js').Campaign} Campaign */

const LABEL = /** @type {Record<string, string>} */ ({ run: 'Run', pause: 'Pause', resume: 'Resume', stop: 'Stop', rerun: 'Rerun', clone: 'Clone', edit: 'Edit', delete: 'Delete' });
const STATE = /** @type {Record<string, string>} */ ({ ready: 'wrap-up', active: 'ready', paused: 'on-call', completed: '' });

/** @param {{ campaigns: Campaign[]; selected?: string; onSelect: (id: string) => void; onAction: (c: Campaign, action: string) => void }} props */
export function CampaignTable({ campaigns, selected, onSelect, onAction }) {
  if (!campaigns.length) return html`<section class="card" id="campaigns"><h2>Campaigns</h2><p>No campaigns yet: create one below.</p></section>`;
  return html`<section class="card" id="campaigns">
    <h2>Campaigns</h2>
    <table>
      <thead><tr><th>Name</th><th>Mode</th><th>Queue</th><th class="num">Priority</th><th>Status</th><th>Progress</th><th class="num">Calling</th><th class="num">People today</th><th class="num">Abandoned</th><th></th></tr></thead>
      <tbody>
        ${campaigns.map((c) => {
          const t = tally(c);
          const humans = c.progress?.today.humans ?? 0;
          const abandons = c.progress?.today.abandons ?? 0;
          const rate = humans ? abandons / humans : 0;
          return html`<tr data-campaign=${c.id} aria-selected=${String(c.id === selected)} onClick=${() => onSelect(c.id)}>
            <td><strong>${c.settings.name}</strong>${c.settings.description ? html`<br /><small>${c.settings.description}</small>` : null}</td>
            <td>${c.settings.mode}</td>
            <td>${c.settings.queue ?? c.settings.flow ?? ''}</td>
            <td class="num">${c.settings.priority}</td>
            <td><span class="pill" data-state=${STATE[c.status] ?? ''} data-field="status">${c.status}</span></td>
            <td data-field="progress"><progress max="100" value=${t.pct}></progress> ${t.settled}/${t.total}</td>
            <td class="num" data-field="calling">${c.progress?.calling ?? 0}</td>
            <td class="num" data-field="humans">${humans}</td>
            <td class="num" data-field="abandons" data-alert=${String(rate > c.settings.abandonCap)}>${abandons}${humans ? ` (${(100 * rate).toFixed(1)}%)` : ''}</td>
            <td class="actions">${actionsFor(c.status).map((a) => html`<button data-action=${a} class=${a === 'delete' || a === 'stop' ? 'danger' : a === 'run' || a === 'resume' || a === 'rerun' ? 'primary' : ''} onClick=${(/** @type {Event} */ e) => (e.stopPropagation(), onAction(c, a))}>${LABEL[a]}</button>`)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}
