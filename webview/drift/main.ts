/**
 * The drift report panel: summary, per-column table, the selected column's distributions and the
 * dataset's drift over time. Everything arrives as aggregates in the state (R8); text is set as
 * text (dom.ts), charts follow the theme (chart.ts).
 */
import type { Chart } from 'chart.js';
import { Host } from '../components/host.ts';
import { clear, h } from '../components/dom.ts';
import { button, dropdown, registerComponents, section } from '../components/ui.ts';
import { destroyChart } from '../components/chart.ts';
import type { DriftPanelState, DriftToHost, DriftToWebview, DriftReportDocument, ColumnReport } from '../../src/shared/drift.ts';
import { columnsTable, orderColumns, type SortMode } from './table.ts';
import { columnDetail } from './distribution.ts';
import { ALL, timeline } from './timeline.ts';
import { fmtInt, pct } from './format.ts';
import './drift.css';

/** What the page remembers across reloads and hides (per panel). */
interface UiState {
  sort: SortMode;
  selected: string | null;
  percent: boolean;
  timeline: string;
}

registerComponents();
const host = new Host<DriftToHost, DriftToWebview, UiState>();
const app = document.getElementById('app')!;
let ui: UiState = { sort: 'strength', selected: null, percent: true, timeline: ALL, ...host.state };
let state: DriftPanelState = Host.initialState<DriftPanelState>();
let detailCharts: Chart[] = [];
let timelineCharts: Chart[] = [];
const detailBox = h('div', { id: 'detail', 'aria-live': 'polite' });
const tableBox = h('div', { id: 'columns' });
const timelineBox = h('div', { id: 'timeline' });
const drawn = new Set<string>();

function save(next: Partial<UiState>): void {
  ui = { ...ui, ...next };
  host.state = ui;
}

function fileLink(path: string): HTMLElement {
  const b = h('button', { class: 'link', type: 'button', title: `Open ${path}` }, path);
  b.addEventListener('click', () => host.post({ type: 'openFile', path }));
  return b;
}

function sideLine(label: string, s: DriftReportDocument['reference']): HTMLElement {
  if (s.error) return h('div', {}, `${label} `, h('strong', {}, s.path), h('span', { class: 'error' }, ` — could not be read: ${s.error.message}`));
  return h('div', {}, `${label} `, fileLink(s.path), h('span', { class: 'muted' }, ` ${fmtInt(s.rows)} rows, ${s.columns} columns${s.format ? ` (${s.format})` : ''}`));
}

function card(title: string, value: Node | string, detail: string, tone: 'bad' | 'ok' | 'plain' = 'plain'): HTMLElement {
  return h('div', { class: `card card-${tone}`, role: 'group', 'aria-label': title }, h('div', { class: 'card-title' }, title), h('div', { class: 'card-value' }, value), h('div', { class: 'card-detail muted' }, detail));
}

function summary(r: DriftReportDocument): HTMLElement {
  const s = r.summary;
  const notTested = s.totalColumns - s.scoredColumns;
  const newCats = r.columns.filter((c) => c.newCategories?.length);
  const cards = h('div', { class: 'cards' },
    card('Dataset drift', s.datasetDrift ? 'YES' : 'NO', `when ≥ ${pct(s.threshold, 0)} of the tested columns drift`, s.datasetDrift ? 'bad' : 'ok'),
    card('Drifted columns', `${s.driftedColumns} of ${s.scoredColumns}`, `share ${pct(s.share)}`, s.driftedColumns ? 'bad' : 'ok'),
    card('Columns', fmtInt(s.totalColumns), `${s.scoredColumns} tested, ${notTested} not tested${s.addedColumns.length ? `, ${s.addedColumns.length} added` : ''}${s.removedColumns.length ? `, ${s.removedColumns.length} removed` : ''}`),
    card('Missing values changed', s.missingChanged.length ? s.missingChanged.join(', ') : 'none', 'share of missing values, tested on its own', s.missingChanged.length ? 'bad' : 'plain'),
    card('New categories', newCats.length ? newCats.map((c) => `${c.name}: ${c.newCategories!.join(', ')}`).join('; ') : 'none', 'values never seen in the reference', newCats.length ? 'bad' : 'plain'),
  );
  const notes = [
    ...r.notes,
    ...s.notScored.filter((n) => n.message).map((n) => `${n.column}: ${n.message}`),
    ...[r.reference, r.current].flatMap((side) => side.issues.filter((i) => i.severity !== 'info' || i.code === 'values-sampled').map((i) => `${side.path}: ${i.message}`)),
  ];
  return h('div', {}, h('p', { class: 'headline' }, s.headline), cards, notes.length ? h('details', { class: 'notes' }, h('summary', {}, `Notes (${notes.length})`), h('ul', {}, ...notes.map((n) => h('li', {}, n)))) : '');
}

function header(): HTMLElement {
  const r = state.report;
  const bar = h('div', { class: 'toolbar' });
  const batches = state.history?.batches ?? [];
  if (batches.length > 1 && state.reportId !== undefined) {
    bar.append(h('label', { for: 'batch-picker' }, 'Batch'), dropdown(
      [...batches].reverse().map((b) => ({ value: String(b.reportId), label: `${b.label}${b.failed ? ' — unreadable' : b.datasetDrift ? ' — drift' : ''}` })),
      String(state.reportId),
      (v) => host.post({ type: 'openBatch', reportId: Number(v) }),
      { id: 'batch-picker', label: 'Show the report of another batch' },
    ));
  }
  if (state.dataset && state.retrainStages.length) {
    bar.append(button(`Retrain (${state.retrainStages.join(', ')})`, () => host.post({ type: 'retrain' }), { id: 'retrain', title: 'Run the retrain stages configured in mlops.yaml, in terminals', secondary: !r.summary.datasetDrift }));
  }
  return h('header', {},
    h('h1', {}, `Drift report · ${state.title}`),
    h('div', { class: 'sides' }, sideLine('Reference', r.reference), sideLine('Current', r.current), h('div', { class: 'muted' }, `computed ${new Date(r.createdAt).toLocaleString()}`)),
    bar);
}

function selectedColumn(): ColumnReport | undefined {
  const cols = state.report.columns;
  return cols.find((c) => c.name === ui.selected) ?? orderColumns(cols, 'strength')[0]?.columns[0];
}

function renderDetail(): void {
  for (const c of detailCharts) destroyChart(c);
  detailCharts = [];
  clear(detailBox);
  drawn.delete('histogram');
  drawn.delete('categories');
  const c = selectedColumn();
  if (!c) return;
  const d = columnDetail({ column: c, percent: ui.percent, onPercent: (on) => { save({ percent: on }); renderDetail(); rendered(); }, charts: detailCharts });
  if (d.chart) drawn.add(d.chart);
  detailBox.append(d.element);
}

function renderTable(): void {
  clear(tableBox);
  const c = selectedColumn();
  tableBox.append(columnsTable({
    columns: state.report.columns,
    mode: ui.sort,
    selected: c?.name ?? null,
    onSelect: (name) => {
      if (name === ui.selected) return;
      save({ selected: name });
      renderDetail();
      rendered();
    },
    onSort: (mode) => {
      save({ sort: mode });
      renderTable();
      tableBox.querySelector<HTMLElement>('tr[tabindex="0"]')?.focus();
    },
  }));
}

function renderTimeline(): void {
  for (const c of timelineCharts) destroyChart(c);
  timelineCharts = [];
  clear(timelineBox);
  drawn.delete('timeline');
  const t = state.history;
  if (!t || t.batches.length === 0) return;
  timelineBox.append(section(`Drift over time (${t.batches.length} batch${t.batches.length === 1 ? '' : 'es'})`, timeline({
    history: t,
    reportId: state.reportId,
    view: ui.timeline,
    onView: (v) => { save({ timeline: v }); renderTimeline(); rendered(); },
    onOpenBatch: (id) => host.post({ type: 'openBatch', reportId: id }),
    charts: timelineCharts,
  })));
  drawn.add('timeline');
}

function rendered(): void {
  host.post({ type: 'rendered', columns: tableBox.querySelectorAll('tbody tr[data-column]').length, charts: [...drawn].sort(), selected: selectedColumn()?.name ?? null });
}

function render(next: DriftPanelState): void {
  state = next;
  if (ui.selected && !state.report.columns.some((c) => c.name === ui.selected)) save({ selected: null });
  clear(app);
  app.append(
    header(),
    section('Summary', summary(state.report)),
    section('Columns', h('p', { class: 'muted' }, 'Scores of different tests are not comparable; the order is by drift strength — how far past its own threshold each column is (0.5 = at the threshold) — or by name, or grouped by test.'), tableBox),
    section('Selected column', detailBox),
    timelineBox,
  );
  renderTable();
  renderDetail();
  renderTimeline();
  rendered();
}

render(state);
host.onMessage((m) => { if (m.type === 'show') render(m.state); });
host.ready();
