/**
 * The comparison of any number of selected runs: one chart of step curves per metric (log scale,
 * TensorBoard-style smoothing), a param diff that marks what differs, the latest metrics side by
 * side, and a scatter of any param or metric against another.
 */
import type { Chart } from 'chart.js';
import { h, clear } from '../components/dom.ts';
import { themedChart, destroyChart, palette, cssVar } from '../components/chart.ts';
import { button, checkbox, dropdown, section } from '../components/ui.ts';
import { cellValue, formatValue, isNumericColumn, delta, formatDelta, type Column, type Run } from './model.ts';
import type { ExperimentsUiState } from '../../src/shared/experiments.ts';

export type Series = Record<string, Array<[number, number]>>;

export interface CompareContext {
  selected: readonly Run[];
  /** Every run the table shows (filtered): the scatter can show them as context. */
  shown: readonly Run[];
  columns: readonly Column[];
  baseline: Run | undefined;
  ui: ExperimentsUiState['compare'];
  /** Metric to put first (a CodeLens click names one). */
  focusMetric?: string;
  /** The metric runs are summarised by: the scatter's default Y. */
  primaryMetric?: string | null;
}

export interface CompareEvents {
  back(): void;
  changeUi(patch: Partial<ExperimentsUiState['compare']>): void;
  loadSeries(ids: string[]): Promise<Map<string, Series>>;
  deselect(id: string): void;
}

/** Colour of the i-th selected run: the theme's chart colours first, then spread hues. */
export function runColor(i: number): string {
  const p = palette();
  return i < p.length ? p[i]! : `hsl(${Math.round((i * 137.508) % 360)}, 60%, 55%)`;
}

/** Exponential moving average with TensorBoard's debiasing; non-finite points pass through. */
export function smooth(points: ReadonlyArray<[number, number]>, weight: number): Array<[number, number]> {
  if (weight <= 0) return points.map(([s, v]) => [s, v]);
  let last = 0;
  let n = 0;
  return points.map(([s, v]) => {
    if (!Number.isFinite(v)) return [s, v];
    last = last * weight + (1 - weight) * v;
    n++;
    return [s, last / (1 - Math.pow(weight, n))];
  });
}

export class CompareView {
  readonly element = h('div', { class: 'compare', id: 'compare-view' });
  private charts: Chart[] = [];
  private token = 0;
  private readonly events: CompareEvents;

  constructor(events: CompareEvents) {
    this.events = events;
  }

  destroy(): void {
    for (const c of this.charts) destroyChart(c);
    this.charts = [];
  }

  async render(ctx: CompareContext): Promise<void> {
    const token = ++this.token;
    const scrollTop = this.element.scrollTop;
    this.destroy();
    clear(this.element);
    const toolbar = h('div', { class: 'toolbar' },
      button('← Table', () => this.events.back(), { secondary: true, id: 'back-to-table', title: 'Back to the runs table (Esc)' }),
      h('strong', {}, `Comparing ${ctx.selected.length} run${ctx.selected.length === 1 ? '' : 's'}`));
    this.element.append(toolbar);
    if (!ctx.selected.length) {
      this.element.append(h('p', { class: 'muted' }, 'Select runs in the table (click, Ctrl+click, Shift+click or Space), then Compare.'));
      return;
    }
    this.element.append(this.legend(ctx));

    const curves = h('div', { class: 'charts', id: 'curves' }, h('p', { class: 'muted' }, 'Loading metric curves…'));
    this.element.append(section('Metric curves', this.curveControls(ctx), curves));
    this.element.append(section('Params', this.paramDiff(ctx)));
    this.element.append(section('Metrics', this.metricTable(ctx)));
    const scatterBox = h('div', {});
    this.element.append(section('Scatter', scatterBox));
    this.drawScatter(scatterBox, ctx);
    this.element.scrollTop = scrollTop;

    const series = await this.events.loadSeries(ctx.selected.map((r) => r.id));
    if (token !== this.token) return;
    this.drawCurves(curves, ctx, series);
  }

  private legend(ctx: CompareContext): HTMLElement {
    return h('ul', { class: 'legend', 'aria-label': 'Compared runs' }, ...ctx.selected.map((r, i) => {
      const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.background = runColor(i);
      const remove = h('button', { class: 'icon-btn', type: 'button', title: `Remove ${r.name} from the comparison`, 'aria-label': `Remove ${r.name} from the comparison` }, '×');
      remove.addEventListener('click', () => this.events.deselect(r.id));
      return h('li', {}, sw, h('span', { class: 'legend-name' }, r.name), h('span', { class: 'muted' }, ` ${r.experiment} · ${r.sourceLabel || r.source}`),
        ctx.baseline?.id === r.id ? h('span', { class: 'xtag' }, 'baseline') : '', r.warnings.length ? h('span', { class: 'xwarn', title: r.warnings.join('\n') }, ' ⚠') : '', remove);
    }));
  }

  private curveControls(ctx: CompareContext): HTMLElement {
    const slider = h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: ctx.ui.smoothing, id: 'smoothing', 'aria-label': 'Smoothing' });
    const out = h('output', { for: 'smoothing' }, ctx.ui.smoothing.toFixed(2));
    slider.addEventListener('input', () => { out.textContent = Number(slider.value).toFixed(2); });
    slider.addEventListener('change', () => this.events.changeUi({ smoothing: Number(slider.value) }));
    return h('div', { class: 'toolbar' },
      checkbox('Log scale', ctx.ui.logScale, (on) => this.events.changeUi({ logScale: on }), { id: 'log-scale' }),
      h('label', { for: 'smoothing' }, 'Smoothing'), slider, out);
  }

  private drawCurves(box: HTMLElement, ctx: CompareContext, series: Map<string, Series>): void {
    clear(box);
    const keys = new Set<string>();
    for (const s of series.values()) for (const k of Object.keys(s)) if (s[k]!.length) keys.add(k);
    let ordered = [...keys].sort();
    if (ctx.focusMetric && keys.has(ctx.focusMetric)) ordered = [ctx.focusMetric, ...ordered.filter((k) => k !== ctx.focusMetric)];
    if (ctx.ui.metrics.length) ordered = ordered.filter((k) => ctx.ui.metrics.includes(k));
    if (!ordered.length) {
      box.append(h('p', { class: 'muted' }, 'These runs logged no step series (only final values); see Metrics below.'));
      return;
    }
    for (const key of ordered) {
      const canvas = h('canvas', { role: 'img', 'aria-label': `${key} over steps for ${ctx.selected.length} runs` });
      const card = h('figure', { class: 'chart-card', 'data-metric': key }, h('figcaption', {}, key), h('div', { class: 'chart-box' }, canvas));
      box.append(card);
      const build = () => {
        const datasets = ctx.selected.map((run, i) => {
          const raw = series.get(run.id)?.[key] ?? [];
          const pts = smooth(raw, ctx.ui.smoothing);
          const color = runColor(i);
          return {
            label: run.name,
            data: pts.map(([x, y]) => ({ x, y: Number.isFinite(y) && (!ctx.ui.logScale || y > 0) ? y : null })) as Array<{ x: number; y: number | null }>,
            borderColor: color,
            backgroundColor: color,
            borderWidth: 1.5,
            pointRadius: pts.length > 60 ? 0 : 2,
            spanGaps: false,
          };
        });
        return {
          type: 'line' as const,
          data: { datasets },
          options: {
            animation: false as const,
            maintainAspectRatio: false,
            parsing: false as const,
            normalized: true,
            interaction: { mode: 'nearest' as const, intersect: false, axis: 'x' as const },
            plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c: { dataset: { label?: string }; parsed: { y: number | null } }) => `${c.dataset.label}: ${c.parsed.y === null ? 'n/a' : formatValue(c.parsed.y)}` } } },
            scales: {
              x: { type: 'linear' as const, title: { display: true, text: 'step' }, ticks: { precision: 0 } },
              y: {
                type: ctx.ui.logScale ? ('logarithmic' as const) : ('linear' as const),
                title: { display: true, text: key },
                // A log axis over a narrow range gets a tick per minor step; label about six of them.
                ticks: { callback: (v: number | string, i: number, all: unknown[]) => (i % Math.max(1, Math.ceil(all.length / 6)) === 0 ? formatValue(Number(v)) : '') },
              },
            },
          },
        };
      };
      // Chart.js' option types are deep generics; the config above is checked where it is built.
      this.charts.push(themedChart(canvas, build as never) as unknown as Chart);
    }
  }

  private paramDiff(ctx: CompareContext): HTMLElement {
    const keys = [...new Set(ctx.selected.flatMap((r) => Object.keys(r.params)))].sort();
    if (!keys.length) return h('p', { class: 'muted' }, 'These runs recorded no params.');
    const rows: HTMLElement[] = [];
    let differing = 0;
    for (const k of keys) {
      const vals = ctx.selected.map((r) => r.params[k]);
      const texts = vals.map((v) => (v === undefined ? '—' : formatValue(v)));
      const differs = new Set(texts).size > 1;
      if (differs) differing++;
      if (ctx.ui.onlyDifferences && !differs) continue;
      rows.push(h('tr', { class: differs ? 'differs' : '' },
        h('th', { scope: 'row' }, k, differs ? h('span', { class: 'sr-only' }, ' (differs)') : ''),
        ...texts.map((t) => h('td', { class: typeof vals[0] === 'number' ? 'num' : '' }, t))));
    }
    const table = h('div', { class: 'hscroll' }, h('table', { class: 'grid-table diff', id: 'param-diff', 'aria-label': 'Param diff' },
      h('thead', {}, h('tr', {}, h('th', {}, 'param'), ...ctx.selected.map((r, i) => this.runHeader(r, i)))),
      h('tbody', {}, ...rows)));
    return h('div', {},
      h('div', { class: 'toolbar' },
        checkbox('Only differences', ctx.ui.onlyDifferences, (on) => this.events.changeUi({ onlyDifferences: on }), { id: 'only-differences' }),
        h('span', { class: 'muted', id: 'diff-summary' }, `${differing} of ${keys.length} params differ`)),
      table);
  }

  private runHeader(r: Run, i: number): HTMLElement {
    const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
    sw.style.background = runColor(i);
    return h('th', { scope: 'col', title: r.id }, sw, r.name);
  }

  private metricTable(ctx: CompareContext): HTMLElement {
    const keys = [...new Set(ctx.selected.flatMap((r) => Object.keys(r.metrics)))].sort();
    if (!keys.length) return h('p', { class: 'muted' }, 'These runs recorded no metrics.');
    const base = ctx.baseline;
    const rows = keys.map((k) => h('tr', {}, h('th', { scope: 'row' }, k), ...ctx.selected.map((r) => {
      const v = r.metrics[k];
      const d = base && base.id !== r.id ? delta(v, base.metrics[k]) : undefined;
      return h('td', { class: 'num' }, v === undefined ? '—' : formatValue(v), d !== undefined ? h('span', { class: `xdelta ${d > 0 ? 'up' : d < 0 ? 'down' : ''}` }, ` ${formatDelta(d)}`) : '');
    })));
    return h('div', { class: 'hscroll' }, h('table', { class: 'grid-table diff', id: 'metric-table', 'aria-label': 'Latest metrics' },
      h('thead', {}, h('tr', {}, h('th', {}, base ? `metric (Δ vs ${base.name})` : 'metric'), ...ctx.selected.map((r, i) => this.runHeader(r, i)))),
      h('tbody', {}, ...rows)));
  }

  private drawScatter(box: HTMLElement, ctx: CompareContext): void {
    const numeric = ctx.columns.filter((c) => isNumericColumn(c) && c.group !== 'tags');
    if (numeric.length < 2) {
      box.append(h('p', { class: 'muted' }, 'A scatter needs two numeric params or metrics.'));
      return;
    }
    const x = numeric.find((c) => c.id === ctx.ui.scatterX) ?? defaultScatterX(numeric, ctx.selected) ?? numeric[0]!;
    const y = numeric.find((c) => c.id === ctx.ui.scatterY) ?? defaultScatterY(numeric, ctx.selected, ctx.primaryMetric) ?? numeric[1]!;
    const options = numeric.map((c) => ({ value: c.id, label: c.id.replace(/^attr\./, '') }));
    const canvas = h('canvas', { role: 'img', 'aria-label': `Scatter of ${y.id} against ${x.id}` });
    box.append(
      h('div', { class: 'toolbar' },
        h('label', {}, 'X'), dropdown(options, x.id, (v) => this.events.changeUi({ scatterX: v }), { id: 'scatter-x', label: 'Scatter X axis' }),
        h('label', {}, 'Y'), dropdown(options, y.id, (v) => this.events.changeUi({ scatterY: v }), { id: 'scatter-y', label: 'Scatter Y axis' })),
      h('div', { class: 'chart-box' }, canvas));
    const point = (r: Run) => {
      const xv = cellValue(r, x);
      const yv = cellValue(r, y);
      return typeof xv === 'number' && typeof yv === 'number' && Number.isFinite(xv) && Number.isFinite(yv) ? { x: xv, y: yv, name: r.name } : null;
    };
    const selectedIds = new Set(ctx.selected.map((r) => r.id));
    const build = () => {
      const others = ctx.shown.filter((r) => !selectedIds.has(r.id)).map(point).filter((p) => p !== null);
      const datasets = [
        ...ctx.selected.map((r, i) => ({ label: r.name, data: [point(r)].filter((p) => p !== null), backgroundColor: runColor(i), borderColor: runColor(i), pointRadius: 6 })),
        { label: 'other shown runs', data: others, backgroundColor: cssVar('--vscode-disabledForeground', 'rgba(128,128,128,0.5)'), borderColor: 'transparent', pointRadius: 3 },
      ];
      return {
        type: 'scatter' as const,
        data: { datasets },
        options: {
          animation: false as const,
          maintainAspectRatio: false,
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (c: { raw: unknown }) => { const p = c.raw as { x: number; y: number; name: string }; return `${p.name}: ${formatValue(p.x)}, ${formatValue(p.y)}`; } } },
          },
          scales: { x: { title: { display: true, text: x.id } }, y: { title: { display: true, text: y.id } } },
        },
      };
    };
    this.charts.push(themedChart(canvas, build as never) as unknown as Chart);
  }
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** X by default: the first param the compared runs set to different numbers (what was varied). */
function defaultScatterX(numeric: readonly Column[], selected: readonly Run[]): Column | undefined {
  const params = numeric.filter((c) => c.group === 'params');
  const values = (c: Column) => selected.map((r) => cellValue(r, c)).filter(finite);
  return params.find((c) => new Set(values(c)).size > 1) ?? params.find((c) => values(c).length > 0);
}

/** Y by default: a metric every compared run has, the summarising one first (accuracy, f1, auc, score, loss). */
function defaultScatterY(numeric: readonly Column[], selected: readonly Run[], primary: string | null | undefined): Column | undefined {
  const metrics = numeric.filter((c) => c.group === 'metrics' && selected.every((r) => finite(r.metrics[c.key])));
  const prefer = [primary ?? '', /^(val|valid|test|eval)?[_./-]?(acc|accuracy)$/, /(^|[_./-])f1$/, /auc$/, /score/, /loss$/];
  for (const p of prefer) {
    const hit = metrics.find((c) => (typeof p === 'string' ? c.key === p : p.test(c.key.toLowerCase())));
    if (hit) return hit;
  }
  return metrics[0];
}
