import { Host } from '../components/host.ts';
import { h, clear } from '../components/dom.ts';
import { registerComponents, badge, section } from '../components/ui.ts';
import type { CompareState, CompareToHost, CompareToWebview } from '../../src/shared/compare.ts';
import type { ColumnDelta, CompareResult, DirEntryDelta } from '../../src/engine/versioning/api.ts';

registerComponents();
const host = new Host<CompareToHost, CompareToWebview>();
const app = document.getElementById('app')!;

function fmtBytes(n?: number): string {
  if (n === undefined) return '';
  const u = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${i ? v.toFixed(1) : v} ${u[i]}`;
}

function fmtCell(v: number | string | null): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(6).replace(/\.?0+$/, '');
  return v;
}

function delta(a: number | string | null, b: number | string | null): string {
  if (typeof a !== 'number' || typeof b !== 'number') return '';
  const d = b - a;
  if (d === 0) return '';
  return `${d > 0 ? '+' : ''}${fmtCell(d)}`;
}

function tableView(r: Extract<CompareResult, { kind: 'table' }>): HTMLElement {
  const summary = h('table', { class: 'grid-table', 'aria-label': 'Summary' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, r.left.label), h('th', {}, r.right.label), h('th', {}, 'Δ'))),
    h('tbody', {},
      h('tr', {}, h('td', {}, 'rows'), h('td', { class: 'num' }, fmtCell(r.left.rows)), h('td', { class: 'num' }, fmtCell(r.right.rows)), h('td', { class: 'num' }, delta(r.left.rows, r.right.rows))),
      h('tr', {}, h('td', {}, 'columns'), h('td', { class: 'num' }, fmtCell(r.left.columns)), h('td', { class: 'num' }, fmtCell(r.right.columns)), h('td', { class: 'num' }, delta(r.left.columns, r.right.columns))),
    ),
  );
  const changes = r.schemaChanges.length
    ? h('ul', { 'aria-label': 'Schema changes' }, ...r.schemaChanges.map((c) => h('li', {}, c)))
    : h('p', { class: 'muted' }, 'Same columns and types on both sides.');
  const cols = h('div', {}, ...r.columns.map(columnView));
  return h('div', {}, section('Summary', summary), section('Schema', changes), section('Columns', cols));
}

function columnView(c: ColumnDelta): HTMLElement {
  const label = c.change === 'same' ? '' : c.change === 'type-changed' ? `type ${c.leftType} → ${c.rightType}` : c.change;
  const rows = Object.entries(c.stats).map(([k, [a, b]]) =>
    h('tr', {}, h('td', {}, k), h('td', { class: 'num' }, fmtCell(a)), h('td', { class: 'num' }, fmtCell(b)), h('td', { class: 'num' }, delta(a, b))));
  return h('details', { open: c.change !== 'same' },
    h('summary', {}, h('strong', {}, c.name), ' ', h('span', { class: 'muted' }, c.rightType ?? c.leftType ?? ''), ' ', label ? badge(label) : ''),
    h('table', { class: 'grid-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'statistic'), h('th', {}, 'left'), h('th', {}, 'right'), h('th', {}, 'Δ'))), h('tbody', {}, ...rows)),
  );
}

function dirRows(title: string, entries: DirEntryDelta[]): HTMLElement {
  if (!entries.length) return h('div');
  return section(`${title} (${entries.length})`, h('table', { class: 'grid-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'path'), h('th', {}, 'left'), h('th', {}, 'right'))),
    h('tbody', {}, ...entries.map((e) => h('tr', {}, h('td', {}, e.relpath), h('td', { class: 'num' }, fmtBytes(e.leftSize)), h('td', { class: 'num' }, fmtBytes(e.rightSize)))))));
}

function render(state: CompareState): void {
  clear(app);
  const r = state.result;
  app.append(h('h1', {}, `Compare ${state.path}`));
  if (r.kind === 'table') {
    app.append(h('p', { class: 'muted' }, `${r.format.toUpperCase()} · ${r.left.label} (${r.left.hash.slice(0, 8)}) → ${r.right.label} (${r.right.hash.slice(0, 8)})`));
    app.append(tableView(r));
  } else if (r.kind === 'dir') {
    app.append(h('p', { class: 'muted' }, `${r.left} → ${r.right}: ${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ${r.unchanged} unchanged`));
    app.append(dirRows('Added', r.added), dirRows('Removed', r.removed), dirRows('Changed', r.changed));
  } else {
    const same = r.left.hash === r.right.hash;
    app.append(h('table', { class: 'grid-table' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, r.left.label), h('th', {}, r.right.label))),
      h('tbody', {},
        h('tr', {}, h('td', {}, 'md5'), h('td', {}, r.left.hash), h('td', {}, r.right.hash)),
        h('tr', {}, h('td', {}, 'size'), h('td', { class: 'num' }, fmtBytes(r.left.size)), h('td', { class: 'num' }, fmtBytes(r.right.size))))),
      h('p', {}, same ? 'The two versions are identical.' : 'The contents differ.'));
  }
}

render(Host.initialState<CompareState>());
host.onMessage((m) => { if (m.type === 'show') render(m.state); });
host.ready();
