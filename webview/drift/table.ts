/**
 * The per-column table. p-values and distances are never sorted as one number (R16): the order is
 * "drift strength" (severity, 0.5 at the threshold, one scale for every test), the name, or the
 * test with columns grouped under it (inside a group scores are comparable and sorted by it).
 * Keyboard: a roving tabindex over rows; ↑/↓/Home/End move the selection, which follows focus.
 */
import { h } from '../components/dom.ts';
import type { ColumnReport } from '../../src/shared/drift.ts';
import { STATUS_LABEL, fmtScore, pct, testLabel, thresholdLabel } from './format.ts';

export type SortMode = 'strength' | 'name' | 'test';

const byName = (a: ColumnReport, b: ColumnReport): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const scored = (c: ColumnReport): boolean => c.status === 'ok';

/** Drifted first, then drift strength, then name (the engine's sortColumnsBySeverity). */
function byStrength(a: ColumnReport, b: ColumnReport): number {
  return Number(b.drifted) - Number(a.drifted) || Number(scored(b)) - Number(scored(a)) || b.severity - a.severity || byName(a, b);
}

export interface Group {
  /** null: no heading (strength and name orders). */
  title: string | null;
  columns: ColumnReport[];
}

export function orderColumns(columns: readonly ColumnReport[], mode: SortMode): Group[] {
  if (mode === 'strength') return [{ title: null, columns: [...columns].sort(byStrength) }];
  if (mode === 'name') return [{ title: null, columns: [...columns].sort(byName) }];
  const groups = new Map<string, ColumnReport[]>();
  for (const c of columns.filter(scored)) {
    const key = `${c.testName ?? c.test} — ${c.scoreKind === 'p-value' ? 'p-value, drift when' : 'distance, drift when'} ${thresholdLabel(c)}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const out: Group[] = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([title, cols]) => ({ title, columns: cols.sort(byStrength) }));
  const rest = columns.filter((c) => !scored(c)).sort(byName);
  if (rest.length) out.push({ title: 'Not tested', columns: rest });
  return out;
}

function strengthCell(c: ColumnReport): HTMLElement {
  if (!scored(c)) return h('td', { class: 'muted' }, '—');
  const width = `${Math.round(Math.min(1, Math.max(0, c.severity)) * 100)}`;
  // The bar's width is a class step (no inline styles under the CSP): 0, 5, …, 100.
  const step = Math.round(Number(width) / 5) * 5;
  return h('td', { class: 'strength', title: `drift strength ${c.severity.toFixed(2)}: 0.5 is exactly at the threshold, above it is past it` },
    h('span', { class: `bar ${c.drifted ? 'bar-drift' : 'bar-ok'} w${step}`, 'aria-hidden': 'true' }),
    h('span', { class: 'num' }, c.severity.toFixed(2)));
}

function missingCell(c: ColumnReport): HTMLElement {
  const m = c.missing;
  if (m.reference === null && m.current === null) return h('td', { class: 'muted' }, '—');
  return h('td', { class: `num${m.changed ? ' warn' : ''}`, title: m.changed ? `missing share changed (p = ${fmtScore(m.pValue)})` : '' }, `${pct(m.reference)} → ${pct(m.current)}`);
}

function row(c: ColumnReport, selected: boolean): HTMLTableRowElement {
  const tested = scored(c);
  const tr = h('tr', { 'aria-selected': selected ? 'true' : 'false', tabindex: selected ? 0 : -1, 'data-column': c.name, class: c.drifted ? 'drifted' : '' },
    h('td', {}, h('strong', {}, c.name)),
    h('td', {}, c.kind),
    h('td', { title: c.message ?? '' }, tested ? testLabel(c) : h('span', { class: 'muted' }, STATUS_LABEL[c.status])),
    h('td', { class: 'num', title: c.scoreKind ?? '' }, tested ? fmtScore(c.score) : ''),
    h('td', { class: 'num' }, tested ? thresholdLabel(c) : ''),
    strengthCell(c),
    h('td', {}, tested ? (c.drifted ? h('span', { class: 'badge-bad' }, '● yes') : h('span', { class: 'badge-ok' }, 'no')) : ''),
    missingCell(c),
  );
  return tr;
}

export interface TableOptions {
  columns: readonly ColumnReport[];
  mode: SortMode;
  selected: string | null;
  onSelect: (name: string) => void;
  onSort: (mode: SortMode) => void;
}

export function columnsTable(o: TableOptions): HTMLElement {
  const groups = orderColumns(o.columns, o.mode);
  const sortButton = (label: string, mode: SortMode, title: string) =>
    h('button', { class: `th-sort${o.mode === mode ? ' active' : ''}`, type: 'button', title, 'aria-pressed': o.mode === mode ? 'true' : 'false' }, label, o.mode === mode ? ' ▾' : '');
  const nameBtn = sortButton('Column', 'name', 'Sort by column name');
  nameBtn.addEventListener('click', () => o.onSort('name'));
  const testBtn = sortButton('Test', 'test', 'Group by test: scores are comparable only within a test');
  testBtn.addEventListener('click', () => o.onSort('test'));
  const strengthBtn = sortButton('Drift strength', 'strength', 'Sort drifted first, then by drift strength (one scale for p-values and distances)');
  strengthBtn.addEventListener('click', () => o.onSort('strength'));
  const head = h('thead', {}, h('tr', {},
    h('th', { scope: 'col' }, nameBtn),
    h('th', { scope: 'col' }, 'Type'),
    h('th', { scope: 'col' }, testBtn),
    h('th', { scope: 'col', class: 'num', title: 'p-values and distances are different scales: they are never sorted as one number' }, 'Score'),
    h('th', { scope: 'col', class: 'num' }, 'Threshold'),
    h('th', { scope: 'col' }, strengthBtn),
    h('th', { scope: 'col' }, 'Drifted'),
    h('th', { scope: 'col', class: 'num' }, 'Missing (ref → cur)'),
  ));
  const body = h('tbody', {});
  const rows: HTMLTableRowElement[] = [];
  for (const g of groups) {
    if (g.title !== null) body.append(h('tr', { class: 'group' }, h('th', { colspan: 8, scope: 'rowgroup' }, g.title)));
    for (const c of g.columns) {
      const tr = row(c, c.name === o.selected);
      rows.push(tr);
      body.append(tr);
    }
  }
  if (!rows.some((r) => r.getAttribute('tabindex') === '0') && rows[0]) rows[0].setAttribute('tabindex', '0');
  // Selection is updated in place, so focus stays on the row the keyboard is on.
  const choose = (tr: HTMLTableRowElement, focus: boolean): void => {
    for (const r of rows) {
      const on = r === tr;
      r.setAttribute('aria-selected', on ? 'true' : 'false');
      r.setAttribute('tabindex', on ? '0' : '-1');
    }
    if (focus) tr.focus();
    o.onSelect(tr.dataset.column!);
  };
  for (const tr of rows) tr.addEventListener('click', () => choose(tr, true));
  body.addEventListener('keydown', (ev) => {
    const i = rows.findIndex((r) => r === document.activeElement);
    if (i < 0) return;
    const next = ev.key === 'ArrowDown' ? i + 1 : ev.key === 'ArrowUp' ? i - 1 : ev.key === 'Home' ? 0 : ev.key === 'End' ? rows.length - 1 : undefined;
    if (next === undefined) return;
    ev.preventDefault();
    choose(rows[Math.max(0, Math.min(rows.length - 1, next))]!, true);
  });
  return h('table', { class: 'grid-table drift-table', role: 'grid', 'aria-label': 'Columns: drift per column. Use the arrow keys to choose a column.' }, head, body);
}
