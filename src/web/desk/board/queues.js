// @ts-check
// One tile per queue: calls waiting and the longest wait (ticking here, from
// when the oldest call arrived), agents by state, and today's counters.
import { clock, html } from '../lib/ui.js';

/**
 * @typedef {{ offered: number; answered: number; abandoned: number; serviceLevelPct?: number; avgWaitMs?: number; avgHandleMs?: number }} Today
 * @typedef {{ id: string; name: string; waiting: number; offered: number; oldestSince?: number; agents: Record<string, number>; today: Today }} QueueTile
 */

/** @param {{ queues: QueueTile[]; now: number; serviceLevelSec: number }} props */
export function QueueTiles({ queues, now, serviceLevelSec }) {
  return html`<div class="tiles" id="queues">
    ${queues.map((q) => {
      const longest = q.oldestSince !== undefined ? now - q.oldestSince : 0;
      return html`<section class="card tile" data-queue=${q.id} data-alert=${String(longest > serviceLevelSec * 1000)}>
        <h2><span>${q.name}</span><span class="pill" data-state=${q.waiting ? 'on-call' : 'ready'}>${q.waiting} waiting</span></h2>
        <p class="big" data-field="longest-wait" title="longest wait">${clock(longest)}</p>
        <div class="states">${Object.entries(q.agents).map(([status, n]) => html`<span class="pill" data-state=${status} data-agents=${status}>${n} ${status}</span>`)}</div>
        <dl>
          <dt>Answered today</dt><dd data-field="answered">${q.today.answered}</dd>
          <dt>Abandoned today</dt><dd data-field="abandoned">${q.today.abandoned}</dd>
          <dt>Service level (${serviceLevelSec} s)</dt><dd data-field="service-level">${q.today.serviceLevelPct !== undefined ? `${q.today.serviceLevelPct}%` : '–'}</dd>
          <dt>Average wait</dt><dd data-field="avg-wait">${q.today.avgWaitMs !== undefined ? clock(q.today.avgWaitMs) : '–'}</dd>
          <dt>Average handle time</dt><dd data-field="avg-handle">${q.today.avgHandleMs !== undefined ? clock(q.today.avgHandleMs) : '–'}</dd>
        </dl>
      </section>`;
    })}
  </div>`;
}
