/**
 * The Experiments panel: the runs table (filter, sort, columns, baseline, selection, CSV) and the
 * comparison of the selected runs. Everything the user arranges lives in one `ExperimentsUiState`,
 * saved with setState on each change (survives hiding) and sent to the host for workspaceState
 * (survives reloads).
 */
import './experiments.css';
import { Host } from '../components/host.ts';
import { h } from '../components/dom.ts';
import { registerComponents, button, checkbox, textField } from '../components/ui.ts';
import {
  decodeNumber, defaultUiState,
  type ExperimentsInit, type ExperimentsToHost, type ExperimentsToWebview, type ExperimentsUiState, type RevealRequest, type RunRowWire, type WireSeries,
} from '../../src/shared/experiments.ts';
import type { SourceProblem } from '../../src/engine/tracking/api.ts';
import { decodeRuns, discoverColumns, sortOrder, type Column, type Run } from './model.ts';
import { RunTable } from './table.ts';
import { moveColumn, visibleColumns } from './columns.ts';
import { columnChooser } from './chooser.ts';
import { applyFilter, type FilterResult } from './filter.ts';
import { CompareView, type Series } from './compare.ts';
import { toCsv } from './csv.ts';

const started = performance.now();
registerComponents();
document.documentElement.classList.add('exp');
const host = new Host<ExperimentsToHost, ExperimentsToWebview, ExperimentsUiState>();
const init = Host.initialState<ExperimentsInit>();
const app = document.getElementById('app')!;

function loadUi(): ExperimentsUiState {
  const saved = host.state ?? init.ui;
  const d = defaultUiState();
  if (!saved || saved.version !== 1) return d;
  return { ...d, ...saved, columns: { ...d.columns, ...saved.columns }, compare: { ...d.compare, ...saved.compare } };
}

let ui = loadUi();
let runs: Run[] = [];
let byId = new Map<string, Run>();
let columns: Column[] = [];
let problems: SourceProblem[] = [];
let warned: Run[] = [];
let filtered: FilterResult = { indices: [], error: null, warning: null, skipped: 0, skippedReason: null };
let order: number[] = [];
let focusMetric: string | undefined;
let primaryMetric = init.primaryMetric;
let version = init.version;
const seriesCache = new Map<string, Series>();

// ---- persistence -------------------------------------------------------------------------

let savePending = false;
function setUi(patch: Partial<ExperimentsUiState>): void {
  ui = { ...ui, ...patch };
  host.state = ui;
  // One message per burst of changes, sent before the page can be closed (a timer might never fire:
  // a panel closed right after a click takes its page with it). Typing is debounced before this.
  if (savePending) return;
  savePending = true;
  queueMicrotask(() => {
    savePending = false;
    host.post({ type: 'saveState', state: ui });
  });
}

// ---- layout ------------------------------------------------------------------------------

const countLabel = h('span', { class: 'muted', id: 'run-count', role: 'status' });
const filterError = h('div', { class: 'filter-error error', id: 'filter-error', role: 'alert' });
const problemsBox = h('div', { class: 'problems', id: 'problems' });
const filterBox = textField('Filter, e.g. metrics.acc > 0.9 and params.lr < 0.01', ui.filter, (v) => scheduleFilter(v), { id: 'filter', label: 'Filter runs', size: 60 });
const compareBtn = button('Compare', () => showCompare(), { id: 'compare', title: 'Compare the selected runs (Enter)' });
const baselineBtn = button('Set Baseline', () => toggleBaseline(), { id: 'baseline', secondary: true, title: 'Mark the selected run as the baseline; metric cells show the change against it' });
const deltasBox = checkbox('Deltas', ui.showDeltas, (on) => { setUi({ showDeltas: on }); renderTable(); }, { id: 'show-deltas' });
const columnsBtn = button('Columns…', () => openChooser(), { id: 'columns', secondary: true, title: 'Choose, reorder and pin columns' });
const exportBtn = button('Export CSV', () => void exportCsv(), { id: 'export', secondary: true, title: 'Save the shown rows and columns as CSV' });
const commitBtn = button('Show Commit', () => { const r = selectedRuns()[0]; if (r) host.post({ type: 'showCommit', id: r.id }); }, { id: 'show-commit', secondary: true, title: 'Show the git commit the selected run ran at' });
const deleteBtn = button('Delete', () => deleteSelected(), { id: 'delete', secondary: true, title: 'Delete the selected runs (runs from MLflow and DVCLive are read-only)' });
const chooserHost = h('div', { class: 'chooser-host' });

const table = new RunTable({
  sort: (colId) => {
    const s = ui.sort;
    setUi({ sort: s?.key === colId ? { key: colId, descending: !s.descending } : { key: colId, descending: false } });
    resort();
  },
  selection: (ids) => {
    setUi({ selection: [...ids] });
    renderTable();
  },
  activate: (run) => {
    if (!ui.selection.includes(run.id)) setUi({ selection: [run.id] });
    showCompare();
  },
  moveColumn: (colId, to) => {
    setUi({ columns: moveColumn(columns, ui.columns, colId, to) });
    renderTable();
  },
});

const compare = new CompareView({
  back: () => showTable(),
  changeUi: (patch) => {
    setUi({ compare: { ...ui.compare, ...patch } });
    void compare.render(compareContext());
  },
  loadSeries: (ids) => loadSeries(ids),
  deselect: (id) => {
    setUi({ selection: ui.selection.filter((x) => x !== id) });
    void compare.render(compareContext());
    renderTable();
  },
});

const tableView = h('div', { class: 'table-view', id: 'table-view' },
  h('div', { class: 'toolbar' }, filterBox, countLabel, h('span', { class: 'spacer' }), compareBtn, baselineBtn, deltasBox, columnsBtn, exportBtn, commitBtn, deleteBtn),
  filterError, problemsBox, chooserHost, table.element,
  h('p', { class: 'muted hint' }, 'Click, Ctrl+click, Shift+click or Space to select · Enter compares · click a header to sort · drag a header (or Alt+←/→) to move it · Ctrl+A selects all shown'));
const compareView = h('div', { class: 'compare-view', id: 'compare-root', hidden: true }, compare.element);
app.append(tableView, compareView);

// ---- data --------------------------------------------------------------------------------

function setRuns(rows: RunRowWire[], next: SourceProblem[]): void {
  const before = byId;
  runs = decodeRuns(rows);
  byId = new Map(runs.map((r) => [r.id, r]));
  columns = discoverColumns(runs);
  problems = next;
  warned = runs.filter((r) => r.warnings.length > 0);
  // A live run's curves grow; a finished run's series is final and stays cached.
  for (const id of [...seriesCache.keys()]) {
    const now = byId.get(id);
    if (!now || now.status === 'running' || before.get(id)?.status === 'running') seriesCache.delete(id);
  }
  const kept = ui.selection.filter((id) => byId.has(id));
  if (kept.length !== ui.selection.length) setUi({ selection: kept });
  if (ui.baseline && !byId.has(ui.baseline)) setUi({ baseline: null });
  refilter();
}

function refilter(): void {
  filtered = applyFilter(runs, ui.filter);
  resort();
}

function resort(): void {
  order = ui.sort ? sortOrder(runs, filtered.indices, ui.sort.key, ui.sort.descending) : filtered.indices.slice();
  renderTable();
}

let filterTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleFilter(text: string): void {
  if (filterTimer) clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    setUi({ filter: text });
    refilter();
  }, 150);
}

async function loadSeries(ids: string[]): Promise<Map<string, Series>> {
  const missing = ids.filter((id) => !seriesCache.has(id));
  if (missing.length) {
    const got = await host.request<Record<string, WireSeries>>('series', { ids: missing });
    for (const id of missing) {
      const wire = got[id] ?? {};
      const s: Series = {};
      for (const [k, pts] of Object.entries(wire)) s[k] = pts.map(([step, v]) => [step, decodeNumber(v)]);
      seriesCache.set(id, s);
    }
  }
  return new Map(ids.map((id) => [id, seriesCache.get(id) ?? {}]));
}

// ---- rendering ---------------------------------------------------------------------------

function selectedRuns(): Run[] {
  return ui.selection.map((id) => byId.get(id)).filter((r): r is Run => !!r);
}

function renderTable(): void {
  const { columns: shown, pinned } = visibleColumns(columns, ui.columns);
  const baseline = ui.baseline ? byId.get(ui.baseline) : undefined;
  table.update({ runs, order, columns: shown, pinned, sort: ui.sort, selection: new Set(ui.selection), baseline, showDeltas: ui.showDeltas });
  const n = ui.selection.length;
  countLabel.textContent = `${order.length.toLocaleString('en-US')} of ${runs.length.toLocaleString('en-US')} runs${n ? ` · ${n} selected` : ''}${filtered.skipped ? ` · ${filtered.skipped} could not be evaluated` : ''}`;
  countLabel.title = filtered.skippedReason ?? '';
  filterError.textContent = filtered.error ?? filtered.warning ?? '';
  filterError.classList.toggle('warning', !filtered.error && !!filtered.warning);
  filterBox.classList.toggle('invalid', !!filtered.error);
  setDisabled(compareBtn, n === 0);
  setDisabled(commitBtn, n !== 1 || !selectedRuns()[0]?.gitCommit);
  setDisabled(deleteBtn, n === 0 || selectedRuns().some((r) => r.readOnly));
  deleteBtn.title = selectedRuns().some((r) => r.readOnly) ? 'Runs read from MLflow or DVCLive are read-only here' : 'Delete the selected runs';
  const isBaseline = n === 1 && ui.baseline === ui.selection[0];
  baselineBtn.textContent = isBaseline ? 'Clear Baseline' : 'Set Baseline';
  setDisabled(baselineBtn, n !== 1 && !ui.baseline);
  if (n !== 1 && ui.baseline) baselineBtn.textContent = 'Clear Baseline';
  renderProblems();
}

function renderProblems(): void {
  const items: HTMLElement[] = problems.map((p) => h('li', {}, h('strong', {}, `${p.source} · ${p.location}: `), p.message));
  if (warned.length) items.push(h('li', {}, `${warned.length} run${warned.length === 1 ? '' : 's'} read with warnings (⚠ in the Run column; hover for details), e.g. ${warned[0]!.name}: ${warned[0]!.warnings[0]}`));
  problemsBox.replaceChildren(...(items.length ? [h('ul', { 'aria-label': 'Problems reading runs' }, ...items)] : []));
}

function setDisabled(el: HTMLElement, disabled: boolean): void {
  if (disabled) el.setAttribute('disabled', '');
  else el.removeAttribute('disabled');
}

function compareContext() {
  return {
    selected: selectedRuns(),
    shown: order.map((i) => runs[i]!),
    columns,
    baseline: ui.baseline ? byId.get(ui.baseline) : undefined,
    ui: ui.compare,
    focusMetric,
    primaryMetric,
  };
}

function showCompare(): void {
  if (!ui.selection.length) return;
  setUi({ view: 'compare' });
  tableView.hidden = true;
  compareView.hidden = false;
  void compare.render(compareContext());
  requestAnimationFrame(() => (document.getElementById('back-to-table') as HTMLElement | null)?.focus());
}

function showTable(): void {
  setUi({ view: 'table' });
  compare.destroy();
  compareView.hidden = true;
  tableView.hidden = false;
  renderTable();
  requestAnimationFrame(() => table.focus());
}

function toggleBaseline(): void {
  const n = ui.selection.length;
  if (n === 1 && ui.baseline !== ui.selection[0]) setUi({ baseline: ui.selection[0]! });
  else setUi({ baseline: null });
  renderTable();
}

function openChooser(): void {
  if (chooserHost.firstChild) return closeChooser();
  const dialog = columnChooser(columns, ui.columns, (next) => { setUi({ columns: next }); renderTable(); }, closeChooser);
  chooserHost.replaceChildren(dialog);
  requestAnimationFrame(() => (dialog.querySelector('vscode-checkbox, button') as HTMLElement | null)?.focus());
}

function closeChooser(): void {
  chooserHost.replaceChildren();
  columnsBtn.focus();
}

async function exportCsv(): Promise<void> {
  const { columns: shown } = visibleColumns(columns, ui.columns);
  const csv = toCsv(runs, order, shown);
  await host.request('exportCsv', { csv, suggestedName: 'runs.csv' });
}

function deleteSelected(): void {
  const ids = selectedRuns().filter((r) => !r.readOnly).map((r) => r.id);
  if (ids.length) host.post({ type: 'deleteRuns', ids });
}

function reveal(r: RevealRequest): void {
  const ids = r.ids.filter((id) => byId.has(id));
  focusMetric = r.metric;
  if (ids.length) setUi({ selection: ids });
  if (r.view === 'compare' && ids.length) showCompare();
  else {
    // A run asked for by name must be visible: drop a filter that hides it.
    const shown = new Set(order.map((i) => runs[i]!.id));
    if (ui.filter && ids.some((id) => !shown.has(id))) {
      setUi({ filter: '' });
      (filterBox as HTMLElement & { value: string }).value = '';
      refilter();
    }
    if (ui.view === 'compare') showTable();
    else renderTable();
    if (ids[0]) table.reveal(ids[0]);
  }
}

// ---- wiring ------------------------------------------------------------------------------

function receiveRuns(m: Extract<ExperimentsToWebview, { type: 'runs' }>): void {
  if (m.version <= version) return;
  version = m.version;
  primaryMetric = m.primaryMetric;
  setRuns(m.runs, m.problems);
  if (ui.view === 'compare') void compare.render(compareContext());
}

host.onMessage((m) => {
  if (m.type === 'runs') receiveRuns(m);
  else if (m.type === 'reveal') reveal(m.reveal);
});

document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement;
  const typing = t.tagName === 'INPUT' || t.tagName === 'VSCODE-TEXT-FIELD' || t.tagName === 'TEXTAREA';
  if (e.key === 'Escape' && ui.view === 'compare') { e.preventDefault(); showTable(); return; }
  if (e.key === '/' && !typing && ui.view === 'table') {
    e.preventDefault();
    (filterBox as HTMLElement & { focus(): void }).focus();
  }
});

setRuns(init.runs, init.problems);
if (init.reveal) reveal(init.reveal);
else if (ui.view === 'compare' && ui.selection.length) showCompare();
else table.reveal(ui.selection[0] ?? '');

// The benchmark reads this mark: start-up to the first frame with the rows painted (a task queued
// from the frame's rAF callback runs after that frame's paint).
requestAnimationFrame(() => setTimeout(() => {
  performance.measure('experiments:first-paint', { start: started, end: performance.now() });
  document.body.dataset.ready = 'true';
}, 0));
host.ready();
// Shown again after being hidden, this page starts from the HTML it was first given: catch up.
void host.request<Extract<ExperimentsToWebview, { type: 'runs' }> | null>('runs', { version })
  .then((m) => { if (m) receiveRuns(m); }, () => undefined)
  .then(() => host.request<RevealRequest | null>('pendingReveal', {}))
  .then((r) => { if (r) reveal(r); }, () => undefined);
