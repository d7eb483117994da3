// @ts-check
// Reports for supervisors and administrators: queue performance with the
// calls per hour and the service level over the day, agent activity, and the
// call log with its CSV export, for a range and filters.
import { html, render, useEffect, useState } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { BoardSignIn, forget, resumeSession } from './session.js';
import { QueueReport } from './report-queues.js';
import { AgentReport } from './report-agents.js';
import { CallLog } from './report-calls.js';

const today = () => new Date().toISOString().slice(0, 10);

function Reports() {
  const [signedIn, setSignedIn] = useState(!!resumeSession().token);
  const [filters, setFilters] = useState({ from: today(), to: today(), queue: '', agent: '', direction: '', disposition: '', outcome: '' });
  const [data, setData] = useState(/** @type {any} */ (undefined));
  const [error, setError] = useState('');
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  useEffect(() => {
    if (!signedIn) return;
    const scope = new URLSearchParams(Object.entries({ from: filters.from, to: filters.to, queue: filters.queue }).filter(([, v]) => v)).toString();
    const agentScope = new URLSearchParams(Object.entries({ from: filters.from, to: filters.to, agent: filters.agent }).filter(([, v]) => v)).toString();
    Promise.all([api('GET', `/api/reports/queues?${scope}`), api('GET', `/api/reports/agents?${agentScope}`), api('GET', `/api/reports/calls?${query}&limit=200`)])
      .then(([queues, agents, calls]) => {
        setData({ queues, agents, calls });
        setError('');
      })
      .catch((/** @type {Error} */ err) => setError(err.message));
  }, [signedIn, query]);
  if (!signedIn) return html`<${BoardSignIn} onSignedIn=${() => setSignedIn(true)} />`;
  /** @param {SubmitEvent} e */
  const apply = (e) => {
    e.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (e.target));
    setFilters(/** @type {any} */ (Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)]))));
  };
  const field = (/** @type {string} */ name, /** @type {string} */ label, type = 'text') =>
    html`<label>${label}<input name=${name} type=${type} value=${/** @type {any} */ (filters)[name]} /></label>`;
  return html`<div class="board">
    <header><h1>Reports</h1><a href="wallboard.html" style="color:#fff">Wallboard</a><a href="campaigns.html" style="color:#fff">Campaigns</a><button onClick=${() => (forget(), location.reload())}>Sign out</button></header>
    <main>
      <form class="filters card" id="filters" onSubmit=${apply}>
        ${field('from', 'From', 'date')} ${field('to', 'To', 'date')} ${field('queue', 'Queue')} ${field('agent', 'Agent')}
        <label>Direction<select name="direction" value=${filters.direction}><option value="">any</option><option>inbound</option><option>outbound</option><option>internal</option></select></label>
        ${field('disposition', 'Disposition')}
        <label>Outcome<select name="outcome" value=${filters.outcome}><option value="">any</option><option>answered</option><option>abandoned</option><option>overflow</option><option>voicemail</option><option>failed</option></select></label>
        <button type="submit" class="primary">Show</button>
      </form>
      <p id="report-error" class="error" role="alert">${error}</p>
      ${data
        ? html`<${QueueReport} queues=${data.queues.queues} total=${data.queues.total} hours=${data.queues.hours} serviceLevelSec=${data.queues.serviceLevelSec} />
            <${AgentReport} agents=${data.agents.agents} />
            <${CallLog} calls=${data.calls.calls} total=${data.calls.total} query=${query} />`
        : null}
    </main>
  </div>`;
}

render(html`<${Reports} />`, /** @type {HTMLElement} */ (document.getElementById('app')));
