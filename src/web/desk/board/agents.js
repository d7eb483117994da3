// @ts-check
// Every agent of the board's queues: state and time in it (ticking here).
import { clock, html } from '../lib/ui.js';

/** @typedef {{ id: string; name: string; status: string; since?: number; queues: string[] }} AgentRow */

/** @param {{ agents: AgentRow[]; now: number }} props */
export function AgentTable({ agents, now }) {
  return html`<section class="card">
    <h2>Agents</h2>
    <table id="agents">
      <thead><tr><th>Agent</th><th>State</th><th class="num">Time in state</th><th>Queues</th></tr></thead>
      <tbody>
        ${agents.map(
          (a) => html`<tr data-agent=${a.id}>
            <td>${a.name}</td>
            <td><span class="pill" data-state=${a.status}>${a.status}</span></td>
            <td class="num">${a.since !== undefined ? clock(now - a.since) : '–'}</td>
            <td>${a.queues.join(', ')}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
