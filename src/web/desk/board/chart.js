// @ts-check
// A chart (uPlot: small and fast) of series over the hours of a range.
import uPlot from 'uplot';
import { html, useEffect, useRef } from '../lib/ui.js';

/**
 * @param {{ id: string; title: string; x: number[]; series: { label: string; values: (number | null)[]; color: string; scale?: string }[]; height?: number }} props
 *   x: epoch ms; a series with scale '%' is drawn against a 0-100 axis on the right.
 */
export function Chart({ id, title, x, series, height = 240 }) {
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  useEffect(() => {
    const el = box.current;
    if (!el || x.length === 0) return;
    const percent = series.some((s) => s.scale === '%');
    const plot = new uPlot(
      {
        title,
        width: Math.max(320, el.clientWidth || 720),
        height,
        scales: { x: { time: true }, ...(percent ? { '%': { range: [0, 100] } } : {}) },
        axes: [{}, { label: 'calls' }, ...(percent ? [{ scale: '%', side: 1, label: '%', grid: { show: false } }] : [])],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, ...(s.scale ? { scale: s.scale } : {}) }))],
      },
      /** @type {any} */ ([x.map((t) => t / 1000), ...series.map((s) => s.values)]),
      el,
    );
    return () => plot.destroy();
  }, [x, series]);
  return html`<div class="chart" id=${id} ref=${box} aria-label=${title}></div>`;
}
