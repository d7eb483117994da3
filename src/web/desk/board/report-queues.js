// @ts-check
// Queue performance over the range, and calls per hour with the service level of each hour.
import { clock, html } from '../lib/ui.js';
import { Chart } from './chart.js';

/**
 * @typedef {{ queueId: string; offered: number; answered: number; abandoned: number; other: number; serviceLevelPct?: number; avgWaitMs?: number; p90WaitMs?: number; avgTalkMs?: number; avgHoldMs?: number; avgHandleMs?: number; abandonRatePct?: number }} QueueFigures
 * @typedef {{ label: string; start: number; offered: number; answered: number; abandoned: number; serviceLevelPct?: number }} HourFigures
 */

const t = (/** @type {number | undefined} */ ms) => (ms === undefined ? '–' : clock(ms));
const pct = (/** @type {number | undefined} */ x) => (x === undefined ? '–' : `${x}%`);

/** @param {{ queues: QueueFigures[]; total?: QueueFigures; hours: HourFigures[]; serviceLevelSec: number }} props */
export function QueueReport({ queues, total, hours, serviceLevelSec }) {
  const rows = total && queues.length > 1 ? [...queues, total] : queues;
  return html`<section class="card">
    <h2>Queues</h2>
    <table id="queue-report">
      <thead><tr><th>Queue</th><th class="num">Offered</th><th class="num">Answered</th><th class="num">Abandoned</th><th class="num">Other</th><th class="num">SL ${serviceLevelSec} s</th><th class="num">Avg wait</th><th class="num">p90 wait</th><th class="num">Avg talk</th><th class="num">Avg hold</th><th class="num">Avg handle</th><th class="num">Abandon rate</th></tr></thead>
      <tbody>
        ${rows.map(
          (q) => html`<tr data-queue=${q.queueId}>
            <td>${q.queueId}</td><td class="num">${q.offered}</td><td class="num">${q.answered}</td><td class="num">${q.abandoned}</td><td class="num">${q.other}</td>
            <td class="num">${pct(q.serviceLevelPct)}</td><td class="num">${t(q.avgWaitMs)}</td><td class="num">${t(q.p90WaitMs)}</td>
            <td class="num">${t(q.avgTalkMs)}</td><td class="num">${t(q.avgHoldMs)}</td><td class="num">${t(q.avgHandleMs)}</td><td class="num">${pct(q.abandonRatePct)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${hours.length
      ? html`<${Chart}
          id="calls-per-hour"
          title="Calls per hour, and service level"
          x=${hours.map((h) => h.start)}
          series=${[
            { label: 'offered', values: hours.map((h) => h.offered), color: '#3b63d9' },
            { label: 'answered', values: hours.map((h) => h.answered), color: '#1f8a4c' },
            { label: 'abandoned', values: hours.map((h) => h.abandoned), color: '#c0392b' },
            { label: 'service level %', values: hours.map((h) => h.serviceLevelPct ?? null), color: '#6b46c1', scale: '%' },
          ]}
        />`
      : null}
  </section>`;
}
