// @ts-check
// The supervisors' campaign page: the campaigns of the queues they supervise
// (administrators: all), live progress (the API is read every 2 s), the
// life-cycle actions, a campaign's attempts, creating and editing, and the
// contact and do-not-call lists. Signed in as a supervisor with the desk's
// credentials.
import { html, render, useEffect, useState } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { BoardSignIn, forget, resumeSession } from './session.js';
import { CampaignTable } from './campaign-table.js';
import { CampaignDetail } from './campaign-detail.js';
import { CampaignForm } from './campaign-form.js';
import { ListImport } from './list-import.js';

/** @typedef {import('./campaign-types.js').Campaign} Campaign */
/** @typedef {import('./campaign-types.js').NamedList} NamedList */

const CONFIRM = /** @type {Record<string, string>} */ ({ stop: 'Stop the campaign? Its progress is reset; a rerun starts it afresh.', delete: 'Delete the campaign and its attempts?' });

function Campaigns() {
  const [signedIn, setSignedIn] = useState(!!resumeSession().token);
  const [campaigns, setCampaigns] = useState(/** @type {Campaign[]} */ ([]));
  const [lists, setLists] = useState(/** @type {{ lists: NamedList[]; dnc: NamedList[]; queues: string[] }} */ ({ lists: [], dnc: [], queues: [] }));
  const [selected, setSelected] = useState(/** @type {string | undefined} */ (undefined));
  const [form, setForm] = useState(/** @type {{ editing?: Campaign } | undefined} */ (undefined));
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!signedIn) return undefined;
    const t = setInterval(() => setTick((n) => n + 1), 2000);
    return () => clearInterval(t);
  }, [signedIn]);
  useEffect(() => {
    if (!signedIn) return;
    api('GET', '/api/campaigns').then(
      (r) => (setCampaigns(r.campaigns), setError('')),
      (/** @type {Error} */ e) => setError(e.message),
    );
  }, [signedIn, tick]);
  const loadLists = () =>
    Promise.all([api('GET', '/api/lists'), api('GET', '/api/dnc-lists'), api('GET', '/api/queues')]).then(
      ([l, d, q]) => setLists({ lists: l.lists, dnc: d.lists, queues: q.queues.map((/** @type {{ id: string }} */ x) => x.id) }),
      (/** @type {Error} */ e) => setError(e.message),
    );
  useEffect(() => {
    if (signedIn) void loadLists();
  }, [signedIn]);
  if (!signedIn) return html`<${BoardSignIn} onSignedIn=${() => setSignedIn(true)} />`;
  /** @param {Campaign} c @param {string} action */
  const act = async (c, action) => {
    if (CONFIRM[action] && !confirm(CONFIRM[action])) return;
    try {
      if (action === 'edit') return setForm({ editing: c });
      if (action === 'delete') await api('DELETE', `/api/campaigns/${encodeURIComponent(c.id)}`);
      else await api('POST', `/api/campaigns/${encodeURIComponent(c.id)}/${action}`);
      setError('');
    } catch (e) {
      setError(`${c.settings.name}: ${/** @type {Error} */ (e).message}`);
    }
    setTick((n) => n + 1);
  };
  const shown = campaigns.find((c) => c.id === selected);
  return html`<div class="board">
    <header>
      <h1>Campaigns</h1>
      <a href="wallboard.html" style="color:#fff">Wallboard</a>
      <a href="reports.html" style="color:#fff">Reports</a>
      <button onClick=${() => (forget(), location.reload())}>Sign out</button>
    </header>
    <main>
      <p id="campaign-error" class="error" role="alert">${error}</p>
      <${CampaignTable} campaigns=${campaigns} selected=${selected} onSelect=${setSelected} onAction=${act} />
      ${shown ? html`<${CampaignDetail} campaign=${shown} tick=${tick} />` : null}
      ${form
        ? html`<${CampaignForm}
            key=${form.editing?.id ?? 'new'}
            editing=${form.editing}
            lists=${lists.lists}
            dncLists=${lists.dnc}
            queues=${lists.queues}
            onSaved=${(/** @type {string} */ id) => (setForm(undefined), setSelected(id), setTick((n) => n + 1))}
            onCancel=${() => setForm(undefined)}
          />`
        : html`<div class="controls"><button class="primary" id="new-campaign" onClick=${() => setForm({})}>New campaign</button></div>`}
      <${ListImport} lists=${lists.lists} dncLists=${lists.dnc} onChanged=${loadLists} />
    </main>
  </div>`;
}

render(html`<${Campaigns} />`, /** @type {HTMLElement} */ (document.getElementById('app')));
