// @ts-check
// Agent activity: per agent per day, time in each state, calls, talk, hold, wrap-up, missed offers.
import { clock, html } from '../lib/ui.js';

/** @typedef {{ agentId: string; day: string; statusMs: Record<string, number>; calls: number; talkMs: number; holdMs: number; wrapUpMs: number; missedOffers: number }} AgentDay */

const STATES = ['ready', 'on-call', 'wrap-up', 'break', 'standby', 'offline'];

/** @param {{ agents: AgentDay[] }} props */
export function AgentReport({ agents }) {
  return html`<section class="card">
    <h2>Agents</h2>
    <table id="agent-report">
      <thead><tr><th>Day</th><th>Agent</th>${STATES.map((s) => html`<th class="num">${s}</th>`)}<th class="num">Calls</th><th class="num">Talk</th><th class="num">Hold</th><th class="num">Wrap-up</th><th class="num">Missed</th></tr></thead>
      <tbody>
        ${agents.map(
          (a) => html`<tr data-agent=${a.agentId} data-day=${a.day}>
            <td>${a.day}</td><td>${a.agentId}</td>${STATES.map((s) => html`<td class="num">${clock(a.statusMs[s] ?? 0)}</td>`)}
            <td class="num">${a.calls}</td><td class="num">${clock(a.talkMs)}</td><td class="num">${clock(a.holdMs)}</td><td class="num">${clock(a.wrapUpMs)}</td><td class="num">${a.missedOffers}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
