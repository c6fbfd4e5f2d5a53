/**
 * The runs table: a virtualized ARIA grid. Only the rows in view (plus a few) exist in the DOM and
 * are reused while scrolling, so 10,000 runs cost what 40 do. Pinned columns stay put with
 * `position: sticky`; every value is set as text, never parsed as HTML.
 *
 * Keyboard: ↑/↓/PgUp/PgDn/Home/End move the active row, Space toggles its selection, Shift+↑/↓
 * extends, Ctrl+A selects every shown run, Esc clears, Enter compares; ↑ on the first row goes to
 * the header (tableHeader.ts).
 */
import { h } from '../components/dom.ts';
import type { Column, Run } from './model.ts';
import { drawCell } from './cells.ts';
import type { SortState } from '../../src/shared/experiments.ts';
import { TableHeader, SELECT_WIDTH } from './tableHeader.ts';

export const ROW_HEIGHT = 24;
const OVERSCAN = 6;
const COLUMN_OVERSCAN_PX = 200;

export interface TableView {
  runs: readonly Run[];
  /** Indices into `runs`, filtered and sorted: what the grid shows, in order. */
  order: readonly number[];
  /** Visible columns in display order; pinned ones come first. */
  columns: readonly Column[];
  pinned: ReadonlySet<string>;
  sort: SortState | null;
  selection: ReadonlySet<string>;
  baseline: Run | undefined;
  showDeltas: boolean;
}

export interface TableEvents {
  sort(colId: string): void;
  selection(ids: Set<string>): void;
  /** Enter or double-click: compare the selection (or this run when nothing is selected). */
  activate(run: Run): void;
  moveColumn(colId: string, toIndex: number): void;
}

interface RowEl {
  el: HTMLElement;
  sel: HTMLElement;
  box: HTMLInputElement;
  /** Row index shown and the render generation it was drawn for: skip work while scrolling. */
  index: number;
  gen: number;
}

export class RunTable {
  readonly element: HTMLElement;
  private readonly head: TableHeader;
  private readonly body: HTMLElement;
  private readonly empty: HTMLElement;
  private view: TableView | undefined;
  private pool: RowEl[] = [];
  private gen = 0;
  private columnsKey = '';
  private offsets: number[] = [];
  private range: { pinned: number[]; from: number; to: number } = { pinned: [], from: 0, to: 0 };
  private rangeKey = '';
  private totalWidth = 0;
  private active = 0;
  private anchor = -1;
  private frame = 0;
  private readonly events: TableEvents;
  /**
   * Scroll offsets and viewport size, kept from scroll and resize events: reading them from the
   * element while an update has just changed the DOM would force a synchronous layout every time.
   */
  private readonly geometry = { top: 0, left: 0, width: 0, height: 0 };

  constructor(events: TableEvents) {
    this.events = events;
    this.body = h('div', { class: 'xbody', role: 'rowgroup' });
    this.empty = h('div', { class: 'xempty muted', role: 'status' });
    this.element = h('div', { class: 'xgrid', role: 'grid', tabindex: 0, 'aria-multiselectable': 'true', 'aria-label': 'Runs', id: 'runs-grid' });
    this.head = new TableHeader(
      { sort: (id) => events.sort(id), moveColumn: (id, to) => events.moveColumn(id, to), enterRows: () => { this.element.focus(); this.setActive(this.active); } },
      this.element,
    );
    this.element.append(h('div', { class: 'xhead', role: 'rowgroup' }, this.head.element), this.body, this.empty);
    this.element.addEventListener('scroll', () => {
      this.geometry.top = this.element.scrollTop;
      this.geometry.left = this.element.scrollLeft;
      this.schedule();
    }, { passive: true });
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('click', (e) => this.onClick(e));
    this.body.addEventListener('dblclick', (e) => {
      const i = this.rowIndexOf(e.target);
      if (i !== undefined) this.events.activate(this.runAt(i)!);
    });
    new ResizeObserver(() => {
      this.measure();
      this.schedule();
    }).observe(this.element);
  }

  /** Replace what is shown; cheap when only the selection or the order changed. */
  update(view: TableView): void {
    if (!this.geometry.height) this.measure(); // once, before this update touches the DOM
    const prevActiveId = this.view ? this.runAt(this.active)?.id : undefined;
    this.view = view;
    this.gen++;
    const key = view.columns.map((c) => `${c.id}:${c.width}:${view.pinned.has(c.id) ? 1 : 0}`).join('|');
    if (key !== this.columnsKey) {
      this.columnsKey = key;
      this.rangeKey = '';
      this.layoutColumns();
      for (const r of this.pool) r.el.remove();
      this.pool = [];
    }
    this.head.render(view, this.offsets, this.totalWidth);
    if (prevActiveId) {
      const i = view.order.findIndex((r) => view.runs[r]!.id === prevActiveId);
      this.active = i >= 0 ? i : Math.min(this.active, Math.max(0, view.order.length - 1));
    } else this.active = Math.min(this.active, Math.max(0, view.order.length - 1));
    this.body.style.height = `${view.order.length * ROW_HEIGHT}px`;
    this.body.style.width = `${this.totalWidth}px`;
    this.element.setAttribute('aria-rowcount', String(view.order.length + 1));
    this.element.setAttribute('aria-colcount', String(view.columns.length + 1));
    this.empty.textContent = view.order.length ? '' : view.runs.length ? 'No run matches the filter.' : 'No runs yet.';
    this.renderRows();
  }

  private measure(): void {
    const el = this.element;
    this.geometry.top = el.scrollTop;
    this.geometry.left = el.scrollLeft;
    this.geometry.width = el.clientWidth;
    this.geometry.height = el.clientHeight;
  }

  /** Bring a run into view and make it the active row. */
  reveal(id: string): void {
    const v = this.view;
    if (!v) return;
    const i = v.order.findIndex((r) => v.runs[r]!.id === id);
    if (i >= 0) this.setActive(i);
  }

  focus(): void {
    this.element.focus();
  }

  private runAt(i: number): Run | undefined {
    const v = this.view;
    const r = v?.order[i];
    return r === undefined ? undefined : v!.runs[r];
  }

  private layoutColumns(): void {
    const v = this.view!;
    this.offsets = [];
    let x = SELECT_WIDTH;
    for (const c of v.columns) {
      this.offsets.push(x);
      x += c.width;
    }
    this.totalWidth = x;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderRows();
    });
  }

  /** Width and sticky offset of a cell in column `i`. */
  private place(cell: HTMLElement, i: number): void {
    const v = this.view!;
    const c = v.columns[i]!;
    cell.style.width = `${c.width}px`;
    if (v.pinned.has(c.id)) cell.style.left = `${this.offsets[i]}px`;
  }

  private makeRow(): RowEl {
    const box = h('input', { type: 'checkbox', tabindex: -1 });
    const sel = h('div', { class: 'xcell xselect pinned', role: 'gridcell', 'aria-colindex': 1 }, box);
    sel.style.width = `${SELECT_WIDTH}px`;
    const el = h('div', { class: 'xrow', role: 'row' }, sel);
    el.style.width = `${this.totalWidth}px`;
    this.body.append(el);
    return { el, sel, box, index: -1, gen: -1 };
  }

  /**
   * Columns to draw: every pinned one, and of the rest only those in (or near) the horizontal
   * viewport. With 50 columns that is a third of the cells, and layout cost follows cell count.
   */
  private visibleColumnRange(): { pinned: number[]; from: number; to: number } {
    const v = this.view!;
    const pinned: number[] = [];
    let pinnedWidth = SELECT_WIDTH;
    v.columns.forEach((c, i) => { if (v.pinned.has(c.id)) { pinned.push(i); pinnedWidth += c.width; } });
    const g = this.geometry;
    const left = g.left + pinnedWidth - COLUMN_OVERSCAN_PX;
    const right = g.left + (g.width || 1400) + COLUMN_OVERSCAN_PX;
    let from = v.columns.length;
    let to = v.columns.length;
    for (let i = 0; i < v.columns.length; i++) {
      if (v.pinned.has(v.columns[i]!.id)) continue;
      const x = this.offsets[i]!;
      if (x + v.columns[i]!.width > left && from === v.columns.length) from = i;
      if (x >= right) { to = i; break; }
    }
    return { pinned, from, to };
  }

  private renderRows(): void {
    const v = this.view;
    if (!v) return;
    const range = this.visibleColumnRange();
    const rangeKey = `${range.from}:${range.to}`;
    if (rangeKey !== this.rangeKey) {
      this.rangeKey = rangeKey;
      this.range = range;
      this.gen++;
    }
    const top = this.geometry.top;
    const height = this.geometry.height || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(v.order.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const count = Math.max(0, last - first);
    while (this.pool.length < count) this.pool.push(this.makeRow());
    // Rows keep their slot (index mod pool size) so scrolling by one row redraws one row.
    const size = this.pool.length;
    for (let i = first; i < last; i++) this.drawRow(this.pool[i % size]!, i);
    const used = new Set<number>();
    for (let i = first; i < last; i++) used.add(i % size);
    for (let s = 0; s < size; s++) if (!used.has(s)) this.pool[s]!.el.hidden = true;
    const activeRow = this.pool.find((r) => r.index === this.active && !r.el.hidden);
    if (activeRow) this.element.setAttribute('aria-activedescendant', activeRow.el.id);
    else this.element.removeAttribute('aria-activedescendant');
  }

  private drawRow(row: RowEl, i: number): void {
    const v = this.view!;
    row.el.hidden = false;
    const isActive = i === this.active;
    row.el.classList.toggle('active', isActive);
    if (row.index === i && row.gen === this.gen) return;
    row.index = i;
    row.gen = this.gen;
    const run = v.runs[v.order[i]!]!;
    row.el.id = `run-row-${i}`;
    row.el.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    row.el.setAttribute('aria-rowindex', String(i + 2));
    const selected = v.selection.has(run.id);
    row.el.setAttribute('aria-selected', String(selected));
    row.el.classList.toggle('baseline', v.baseline?.id === run.id);
    row.el.dataset.index = String(i);
    row.box.checked = selected;
    row.box.setAttribute('aria-label', `Select ${run.name}`);
    const { pinned, from, to } = this.range;
    const children: HTMLElement[] = [row.sel];
    for (const c of pinned) children.push(this.cell(run, c, v));
    if (from < to) {
      // A spacer stands in for the columns scrolled off to the left (pinned ones are sticky).
      let skipped = this.offsets[from]! - SELECT_WIDTH;
      for (const c of pinned) skipped -= v.columns[c]!.width;
      if (skipped > 0) {
        const spacer = document.createElement('div');
        spacer.className = 'xspacer';
        spacer.style.width = `${skipped}px`;
        children.push(spacer);
      }
      for (let c = from; c < to; c++) if (!v.pinned.has(v.columns[c]!.id)) children.push(this.cell(run, c, v));
    }
    row.el.replaceChildren(...children);
  }

  private cell(run: Run, i: number, v: TableView): HTMLElement {
    const col = v.columns[i]!;
    const cell = document.createElement('div');
    cell.className = `xcell${v.pinned.has(col.id) ? ' pinned' : ''}${col.kind === 'number' ? ' num' : ''}`;
    cell.setAttribute('role', 'gridcell');
    cell.setAttribute('aria-colindex', String(i + 2));
    this.place(cell, i);
    drawCell(cell, run, col, v.baseline, v.showDeltas);
    return cell;
  }

  private rowIndexOf(target: EventTarget | null): number | undefined {
    const row = (target as HTMLElement | null)?.closest?.('.xrow') as HTMLElement | null;
    const idx = row?.dataset.index;
    return idx === undefined ? undefined : Number(idx);
  }

  private onClick(e: MouseEvent): void {
    const i = this.rowIndexOf(e.target);
    if (i === undefined) return;
    const run = this.runAt(i)!;
    const sel = new Set(this.view!.selection);
    const onBox = (e.target as HTMLElement).tagName === 'INPUT';
    if (e.shiftKey && this.anchor >= 0) {
      this.selectRange(sel, this.anchor, i);
    } else if (onBox || e.ctrlKey || e.metaKey) {
      if (sel.has(run.id)) sel.delete(run.id);
      else sel.add(run.id);
      this.anchor = i;
    } else {
      sel.clear();
      sel.add(run.id);
      this.anchor = i;
    }
    this.active = i;
    this.element.focus({ preventScroll: true });
    this.events.selection(sel);
  }

  private selectRange(sel: Set<string>, from: number, to: number): void {
    const [a, b] = from < to ? [from, to] : [to, from];
    for (let k = a; k <= b; k++) sel.add(this.runAt(k)!.id);
  }

  private setActive(i: number): void {
    const v = this.view!;
    this.active = Math.max(0, Math.min(v.order.length - 1, i));
    const y = this.active * ROW_HEIGHT;
    const headH = this.head.element.offsetHeight || ROW_HEIGHT;
    const el = this.element;
    if (y < el.scrollTop) el.scrollTop = y;
    else if (y + ROW_HEIGHT > el.scrollTop + el.clientHeight - headH) el.scrollTop = y + ROW_HEIGHT - el.clientHeight + headH;
    this.geometry.top = el.scrollTop;
    this.renderRows();
  }

  private onKey(e: KeyboardEvent): void {
    const v = this.view;
    if (!v) return;
    if ((e.target as HTMLElement).classList?.contains('xhcell')) return; // the header handles its own keys
    if (e.target !== this.element) return;
    const page = Math.max(1, Math.floor(this.element.clientHeight / ROW_HEIGHT) - 2);
    const move = (to: number) => {
      e.preventDefault();
      const from = this.active;
      this.setActive(to);
      if (e.shiftKey) {
        if (this.anchor < 0) this.anchor = from;
        const sel = new Set<string>();
        this.selectRange(sel, this.anchor, this.active);
        this.events.selection(sel);
      }
    };
    switch (e.key) {
      case 'ArrowDown': return move(this.active + 1);
      case 'ArrowUp':
        if (this.active === 0 && !e.shiftKey) { e.preventDefault(); this.head.focusCell(); return; }
        return move(this.active - 1);
      case 'PageDown': return move(this.active + page);
      case 'PageUp': return move(this.active - page);
      case 'Home': return move(0);
      case 'End': return move(v.order.length - 1);
      case ' ': {
        e.preventDefault();
        const run = this.runAt(this.active);
        if (!run) return;
        const sel = new Set(v.selection);
        if (sel.has(run.id)) sel.delete(run.id);
        else sel.add(run.id);
        this.anchor = this.active;
        this.events.selection(sel);
        return;
      }
      case 'Enter': {
        const run = this.runAt(this.active);
        if (run) { e.preventDefault(); this.events.activate(run); }
        return;
      }
      case 'Escape':
        if (v.selection.size) { e.preventDefault(); this.events.selection(new Set()); }
        return;
      case 'a':
        if (e.ctrlKey || e.metaKey) {
          e.preventDefault();
          this.events.selection(new Set(v.order.map((r) => v.runs[r]!.id)));
        }
        return;
    }
  }
}
