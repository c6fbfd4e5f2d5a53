/**
 * Drift over time: every stored batch of the dataset along the x axis. All columns together are
 * drawn as drift strength (one scale, threshold at 0.5), never as raw scores, which mix p-values
 * and distances; one column is drawn with its own score and threshold line; the dataset with its
 * drifted share against the share threshold. A click on a point opens that batch's report.
 */
import type { Chart, ChartConfiguration } from 'chart.js';
import { h } from '../components/dom.ts';
import { dropdown } from '../components/ui.ts';
import { cssVar, palette, themedChart } from '../components/chart.ts';
import type { DriftTimeSeries } from '../../src/shared/drift.ts';
import { fmtScore, pct } from './format.ts';
import { withAlpha } from './distribution.ts';

export const ALL = '__strength';
export const SHARE = '__share';

export interface TimelineOptions {
  history: DriftTimeSeries;
  /** The report shown now (highlighted). */
  reportId: number | undefined;
  /** ALL, SHARE, or a column name. */
  view: string;
  onView: (view: string) => void;
  onOpenBatch: (reportId: number) => void;
  charts: Chart[];
}

interface Series {
  label: string;
  values: Array<number | null>;
  color: string;
  dashed?: boolean;
}

function seriesFor(o: TimelineOptions): { series: Series[]; yTitle: string; yMax?: number; log: boolean } {
  const t = o.history;
  const colors = palette();
  const threshold = cssVar('--vscode-charts-red', '#f14c4c');
  if (o.view === SHARE) {
    return {
      series: [
        { label: 'share of drifted columns', values: t.batches.map((b) => (b.failed ? null : b.share)), color: colors[0]! },
        { label: 'dataset drift threshold', values: t.batches.map((b) => b.threshold), color: threshold, dashed: true },
      ],
      yTitle: 'share of tested columns that drifted',
      yMax: 1,
      log: false,
    };
  }
  const col = t.columns.find((c) => c.name === o.view);
  if (col) {
    return {
      series: [
        { label: `${col.name} (${col.test})`, values: col.points.map((p) => p?.score ?? null), color: colors[0]! },
        { label: 'threshold', values: col.points.map((p) => p?.threshold ?? null), color: threshold, dashed: true },
      ],
      yTitle: col.scoreKind === 'p-value' ? 'p-value (drift below the threshold; log scale)' : 'distance (drift at or above the threshold)',
      // p-values span many decades; a log axis keeps 1e-12 and 0.3 both readable.
      log: col.scoreKind === 'p-value' && col.points.some((p) => p !== null && p.score > 0),
    };
  }
  return {
    series: [
      ...t.columns.map((c, i) => ({ label: c.name, values: c.points.map((p) => p?.severity ?? null), color: colors[i % colors.length]! })),
      { label: 'threshold (0.5)', values: t.batches.map(() => 0.5), color: threshold, dashed: true },
    ],
    yTitle: 'drift strength (0.5 = at the threshold)',
    yMax: 1,
    log: false,
  };
}

function config(o: TimelineOptions): ChartConfiguration<'line'> {
  const t = o.history;
  const { series, yTitle, yMax, log } = seriesFor(o);
  const current = t.batches.findIndex((b) => b.reportId === o.reportId);
  return {
    type: 'line',
    data: {
      labels: t.batches.map((b) => b.label),
      datasets: series.map((s) => ({
        label: s.label,
        data: log ? s.values.map((v) => (v === null ? null : Math.max(v, 1e-300))) : s.values,
        borderColor: s.color,
        backgroundColor: withAlpha(s.color, 0.3),
        borderDash: s.dashed ? [6, 4] : [],
        pointRadius: s.dashed ? 0 : s.values.map((_, i) => (i === current ? 6 : 3)),
        pointHoverRadius: s.dashed ? 0 : 7,
        spanGaps: false,
        tension: 0,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'nearest', intersect: false },
      onClick: (_e, elements) => {
        const i = elements[0]?.index;
        const b = i === undefined ? undefined : t.batches[i];
        if (b && b.reportId !== o.reportId) o.onOpenBatch(b.reportId);
      },
      scales: {
        x: { title: { display: true, text: 'batch (oldest first) — click a point to open its report' } },
        y: log ? { type: 'logarithmic', title: { display: true, text: yTitle } } : { min: 0, ...(yMax !== undefined ? { max: yMax } : {}), title: { display: true, text: yTitle } },
      },
      plugins: { legend: { position: 'right' } },
    },
  };
}

function dataTable(o: TimelineOptions): HTMLElement {
  const t = o.history;
  const head = h('tr', {}, h('th', { scope: 'col' }, 'batch'), h('th', { scope: 'col', class: 'num' }, 'drifted share'), ...t.columns.map((c) => h('th', { scope: 'col', class: 'num', title: c.test }, c.name)));
  const rows = t.batches.map((b, i) =>
    h('tr', { 'aria-current': b.reportId === o.reportId ? 'true' : undefined },
      h('th', { scope: 'row' }, b.label),
      h('td', { class: `num${b.datasetDrift ? ' warn' : ''}` }, b.failed ? 'unreadable' : `${pct(b.share)}${b.datasetDrift ? ' ●' : ''}`),
      ...t.columns.map((c) => {
        const p = c.points[i];
        return h('td', { class: `num${p?.drifted ? ' warn' : ''}` }, p ? `${fmtScore(p.score)}${p.drifted ? ' ●' : ''}` : '—');
      })));
  return h('details', { class: 'chart-data' }, h('summary', {}, 'Chart data (scores per batch; ● = drifted)'), h('div', { class: 'scroll-x' }, h('table', { class: 'grid-table' }, h('thead', {}, head), h('tbody', {}, ...rows))));
}

export function timeline(o: TimelineOptions): HTMLElement {
  const t = o.history;
  const views = [
    { value: ALL, label: 'All columns — drift strength' },
    { value: SHARE, label: 'Dataset — share of drifted columns' },
    ...t.columns.map((c) => ({ value: c.name, label: `${c.name} — ${c.scoreKind === 'p-value' ? 'p-value' : 'distance'} (${c.test})` })),
  ];
  const view = views.some((v) => v.value === o.view) ? o.view : ALL;
  const picker = dropdown(views, view, o.onView, { id: 'timeline-view', label: 'What to draw over time' });
  const canvas = h('canvas', { role: 'img', 'aria-label': `Drift over ${t.batches.length} batches: ${views.find((v) => v.value === view)!.label}. The scores are in the chart data table below.` });
  const box = h('div', { class: 'chart-box chart-tall' }, canvas);
  const out = h('div', { class: 'timeline' }, h('div', { class: 'toolbar' }, h('label', { for: 'timeline-view' }, 'Show'), picker), box, dataTable(o));
  o.charts.push(themedChart(canvas, () => config({ ...o, view })) as unknown as Chart);
  return out;
}
