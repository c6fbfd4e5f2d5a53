/**
 * The selected column: what was tested and how it came out, and its distributions — reference and
 * current overlaid on the same bins (numeric, R7) or side by side per category — as counts or as
 * percent of each side (the sides usually differ in size, so percent is what compares shapes).
 * A data table under each chart carries the same numbers for keyboards and screen readers.
 */
import type { Chart } from 'chart.js';
import { h } from '../components/dom.ts';
import { checkbox } from '../components/ui.ts';
import { cssVar, themedChart } from '../components/chart.ts';
import type { CategoriesChart, ColumnReport, HistogramChart } from '../../src/shared/drift.ts';
import { STATUS_LABEL, binLabel, directionLabel, fmtInt, fmtScore, pct, testLabel, thresholdLabel } from './format.ts';

/** A colour with transparency, from a theme colour in #rgb, #rrggbb or rgb() form. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (hex) {
    const x = hex[1]!.length === 3 ? [...hex[1]!].map((c) => c + c).join('') : hex[1]!;
    return `rgba(${parseInt(x.slice(0, 2), 16)}, ${parseInt(x.slice(2, 4), 16)}, ${parseInt(x.slice(4, 6), 16)}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/.exec(color.trim());
  if (rgb) {
    const [r, g, b] = rgb[1]!.split(',').map((p) => p.trim());
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

export const sideColors = (): { reference: string; current: string } => ({
  reference: cssVar('--vscode-charts-blue', '#3794ff'),
  current: cssVar('--vscode-charts-orange', '#d18616'),
});

function fact(label: string, ...value: Array<Node | string>): HTMLElement[] {
  return [h('dt', {}, label), h('dd', {}, ...value)];
}

function facts(c: ColumnReport): HTMLElement {
  const rows: HTMLElement[] = [];
  const storage = c.storage.reference === c.storage.current ? c.storage.reference ?? '—' : `${c.storage.reference ?? '—'} → ${c.storage.current ?? '—'}`;
  rows.push(...fact('Type', `${c.kind} (${storage})${c.configured.type ? ' · set in mlops.yaml' : ''}`));
  if (c.status === 'ok') {
    rows.push(...fact('Test', `${testLabel(c)}${c.configured.test ? ' · set in mlops.yaml' : ''}`));
    rows.push(...fact('Score', `${fmtScore(c.score)} (${directionLabel(c)}); threshold ${thresholdLabel(c)}${c.configured.threshold ? ' · set in mlops.yaml' : ''}`));
    rows.push(...fact('Drift strength', `${c.severity.toFixed(3)} (0.5 = at the threshold)`));
    if (c.statistic) {
      const extra = Object.entries(c.statistic).filter(([k]) => k !== 'name' && k !== 'value').map(([k, v]) => `${k} ${typeof v === 'number' ? fmtScore(v) : String(v)}`);
      rows.push(...fact('Statistic', `${c.statistic.name} = ${c.statistic.value === null ? '∞' : fmtScore(c.statistic.value)}${extra.length ? ` (${extra.join(', ')})` : ''}`));
    }
  } else {
    rows.push(...fact('Status', STATUS_LABEL[c.status]));
  }
  const sampled = c.sampled ? ` — tested on a seeded sample of ${fmtInt(c.sampled.reference?.kept ?? 0)} / ${fmtInt(c.sampled.current?.kept ?? 0)}` : '';
  rows.push(...fact('Values', `${fmtInt(c.nReference)} reference, ${fmtInt(c.nCurrent)} current${sampled}`));
  const m = c.missing;
  rows.push(...fact('Missing', `${pct(m.reference)} → ${pct(m.current)}${m.delta !== null ? ` (Δ ${m.delta >= 0 ? '+' : ''}${(100 * m.delta).toFixed(1)} pp, p = ${fmtScore(m.pValue)})` : ''}`, m.changed ? h('strong', { class: 'warn' }, ' — changed') : ''));
  if (c.newCategories?.length) rows.push(...fact('New categories', h('strong', { class: 'warn' }, c.newCategories.join(', '))));
  if (c.message) rows.push(...fact('Note', c.message));
  return h('dl', { class: 'facts' }, ...rows);
}

function share(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((x) => (total ? (100 * x) / total : 0));
}

function dataTable(caption: string, labels: string[], ref: readonly number[], cur: readonly number[], percent: boolean): HTMLElement {
  const r = percent ? share(ref) : ref;
  const c = percent ? share(cur) : cur;
  const fmt = (x: number) => (percent ? `${x.toFixed(1)} %` : fmtInt(x));
  return h('details', { class: 'chart-data' },
    h('summary', {}, 'Chart data'),
    h('table', { class: 'grid-table' },
      h('caption', { class: 'muted' }, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'bin'), h('th', { scope: 'col', class: 'num' }, 'reference'), h('th', { scope: 'col', class: 'num' }, 'current'))),
      h('tbody', {}, ...labels.map((l, i) => h('tr', {}, h('td', {}, l), h('td', { class: 'num' }, fmt(r[i]!)), h('td', { class: 'num' }, fmt(c[i]!)))))));
}

function histogram(canvas: HTMLCanvasElement, ch: HistogramChart, percent: boolean): Chart {
  const labels = ch.reference.map((_, i) => binLabel(ch.edges, i));
  return themedChart(canvas, () => {
    const col = sideColors();
    return {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'reference', data: percent ? share(ch.reference) : [...ch.reference], backgroundColor: withAlpha(col.reference, 0.45), borderColor: col.reference, borderWidth: 1 },
          { label: 'current', data: percent ? share(ch.current) : [...ch.current], backgroundColor: withAlpha(col.current, 0.45), borderColor: col.current, borderWidth: 1 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        // Overlaid on the same bins, not grouped: the shapes are compared where they overlap.
        datasets: { bar: { grouped: false, barPercentage: 1, categoryPercentage: 1 } },
        scales: {
          x: { title: { display: true, text: 'value (shared bins over both sides)' }, ticks: { maxRotation: 45, autoSkip: true } },
          y: { beginAtZero: true, title: { display: true, text: percent ? '% of each side' : ch.sampled ? 'count (of the sample)' : 'count' } },
        },
        plugins: { legend: { position: 'top' } },
      },
    };
  }) as unknown as Chart;
}

function categories(canvas: HTMLCanvasElement, ch: CategoriesChart, percent: boolean): Chart {
  const bars = ch.categories;
  const labels = bars.map((b) => (b.onlyInCurrent ? `${b.value} (new)` : b.onlyInReference ? `${b.value} (gone)` : b.value));
  const ref = bars.map((b) => b.reference);
  const cur = bars.map((b) => b.current);
  if (ch.otherReference || ch.otherCurrent) {
    labels.push('(other values)');
    ref.push(ch.otherReference);
    cur.push(ch.otherCurrent);
  }
  return themedChart(canvas, () => {
    const col = sideColors();
    const alarm = cssVar('--vscode-charts-red', '#f14c4c');
    return {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'reference', data: percent ? share(ref) : ref, backgroundColor: withAlpha(col.reference, 0.7), borderColor: col.reference, borderWidth: 1 },
          {
            label: 'current',
            data: percent ? share(cur) : cur,
            backgroundColor: bars.map((b) => withAlpha(b.onlyInCurrent ? alarm : col.current, 0.7)).concat(labels.length > bars.length ? [withAlpha(col.current, 0.7)] : []),
            borderColor: col.current,
            borderWidth: 1,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: percent ? '% of each side' : 'count' } } },
        plugins: { legend: { position: 'top' } },
      },
    };
  }) as unknown as Chart;
}

export interface DistributionOptions {
  column: ColumnReport;
  percent: boolean;
  onPercent: (on: boolean) => void;
  /** Charts created here, for the caller to destroy on the next render. */
  charts: Chart[];
}

/** The detail of one column; returns the chart kind drawn, if any. */
export function columnDetail(o: DistributionOptions): { element: HTMLElement; chart: string | null } {
  const c = o.column;
  const status = c.status !== 'ok' ? h('span', { class: 'muted' }, ` — ${STATUS_LABEL[c.status]}`) : c.drifted ? h('span', { class: 'badge-bad' }, ' — drifted') : h('span', { class: 'badge-ok' }, ' — no drift');
  const out = h('div', { class: 'detail' }, h('h3', { id: 'detail-heading' }, c.name, status), facts(c));
  const ch = c.chart;
  if (!ch) {
    out.append(h('p', { class: 'muted' }, 'No distribution to draw for this column.'));
    return { element: out, chart: null };
  }
  const toggle = checkbox('Percent of each side', o.percent, (on) => o.onPercent(on), { id: 'percent-toggle' });
  const canvas = h('canvas', { role: 'img', 'aria-label': '' });
  out.append(h('div', { class: 'toolbar' }, toggle, ch.kind === 'histogram' && ch.sampled ? h('span', { class: 'muted' }, 'counts are of the tested sample') : ''), h('div', { class: 'chart-box' }, canvas));
  if (ch.kind === 'histogram') {
    canvas.setAttribute('aria-label', `Histogram of ${c.name}: reference and current overlaid on ${ch.reference.length} shared bins, as ${o.percent ? 'percent of each side' : 'counts'}. The numbers are in the chart data table below.`);
    o.charts.push(histogram(canvas, ch, o.percent));
    out.append(dataTable(`${c.name}: ${o.percent ? '% of each side' : 'counts'} per bin`, ch.reference.map((_, i) => binLabel(ch.edges, i)), ch.reference, ch.current, o.percent));
  } else {
    canvas.setAttribute('aria-label', `Bar chart of ${c.name}: reference and current side by side for ${ch.categories.length} categories${c.newCategories?.length ? `; new in current: ${c.newCategories.join(', ')}` : ''}. The numbers are in the chart data table below.`);
    o.charts.push(categories(canvas, ch, o.percent));
    const labels = ch.categories.map((b) => (b.onlyInCurrent ? `${b.value} (new)` : b.value));
    out.append(dataTable(`${c.name}: ${o.percent ? '% of each side' : 'counts'} per category`, labels, ch.categories.map((b) => b.reference), ch.categories.map((b) => b.current), o.percent));
    if (ch.truncated) out.append(h('p', { class: 'muted' }, 'Rare categories beyond the chart are summed into "(other values)".'));
  }
  return { element: out, chart: ch.kind };
}
