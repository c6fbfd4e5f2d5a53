/**
 * The runs table's header row: one cell per shown column with its group, sort indicator and sticky
 * offset; click or Enter sorts, drag (or Alt+←/→) moves a column. Focus moves inside the row with
 * ←/→/Home/End (one tab stop for the whole header); ↓ returns to the rows.
 */
import { h } from '../components/dom.ts';
import type { TableView } from './table.ts';

export const SELECT_WIDTH = 30;

export interface HeaderEvents {
  sort(colId: string): void;
  moveColumn(colId: string, toIndex: number): void;
  enterRows(): void;
}

export class TableHeader {
  readonly element = h('div', { class: 'xrow xheader', role: 'row', 'aria-rowindex': 1 });
  private view!: TableView;
  private offsets: readonly number[] = [];
  private focused = 0;
  private readonly events: HeaderEvents;
  private readonly scroller: HTMLElement;

  constructor(events: HeaderEvents, scroller: HTMLElement) {
    this.events = events;
    this.scroller = scroller;
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Draw the header cells for `v`; `offsets` are the columns' x positions (sticky `left` of pinned ones). */
  render(v: TableView, offsets: readonly number[], totalWidth: number): void {
    this.view = v;
    this.offsets = offsets;
    // Re-rendering replaces the cells: keep the keyboard focus where it was.
    const hadFocus = this.element.contains(document.activeElement);
    const cells: HTMLElement[] = [h('div', { class: 'xcell xselect pinned', role: 'columnheader', 'aria-colindex': 1, title: 'Selection' },
      h('span', { class: 'muted' }, `${v.selection.size || ''}`))];
    v.columns.forEach((c, i) => {
      const sorted = v.sort?.key === c.id ? (v.sort.descending ? 'descending' : 'ascending') : undefined;
      const group = c.group === 'attr' ? '' : c.group === 'metrics' ? 'metric' : c.group === 'params' ? 'param' : 'tag';
      const cell = h('div', {
        class: `xcell xhcell g-${c.group}${v.pinned.has(c.id) ? ' pinned' : ''}${c.kind === 'number' ? ' num' : ''}`,
        role: 'columnheader', 'aria-colindex': i + 2, 'aria-sort': sorted ?? 'none', tabindex: -1, draggable: 'true',
        title: `${c.group === 'attr' ? c.label : c.id}${sorted ? ` (sorted ${sorted})` : ''} — click to sort, drag or Alt+←/→ to move`,
        'data-col': c.id,
      }, group ? h('span', { class: 'xgroup' }, group) : '', h('span', { class: 'xlabel' }, c.label), sorted ? h('span', { class: 'xsort', 'aria-hidden': 'true' }, sorted === 'descending' ? '▼' : '▲') : '');
      cell.style.width = `${c.width}px`;
      if (v.pinned.has(c.id)) cell.style.left = `${offsets[i]}px`;
      cell.addEventListener('click', () => this.events.sort(c.id));
      cell.addEventListener('dragstart', (e) => { e.dataTransfer?.setData('text/x-mlops-column', c.id); });
      cell.addEventListener('dragover', (e) => { if (e.dataTransfer?.types.includes('text/x-mlops-column')) e.preventDefault(); });
      cell.addEventListener('drop', (e) => {
        const id = e.dataTransfer?.getData('text/x-mlops-column');
        if (id && id !== c.id) { e.preventDefault(); this.events.moveColumn(id, i); }
      });
      cells.push(cell);
    });
    cells[0]!.style.width = `${SELECT_WIDTH}px`;
    this.element.replaceChildren(...cells);
    this.element.style.width = `${totalWidth}px`;
    this.focused = Math.max(0, Math.min(this.focused, v.columns.length - 1));
    const f = cells[this.focused + 1];
    if (f) f.tabIndex = 0;
    if (hadFocus) f?.focus({ preventScroll: true });
  }

  /** Focus header cell `i` (default: the last focused one), scrolling it into view. */
  focusCell(i = this.focused): void {
    const cells = [...this.element.querySelectorAll<HTMLElement>('.xhcell')];
    if (!cells.length) return;
    this.focused = Math.max(0, Math.min(cells.length - 1, i));
    for (const c of cells) c.tabIndex = -1;
    const cell = cells[this.focused]!;
    cell.tabIndex = 0;
    cell.focus();
    // Keep the focused header visible when it is scrolled off horizontally (pinned ones always are).
    const x = this.offsets[this.focused] ?? 0;
    const w = this.view.columns[this.focused]?.width ?? 0;
    const el = this.scroller;
    if (!this.view.pinned.has(this.view.columns[this.focused]!.id)) {
      const pinnedWidth = this.view.columns.filter((c) => this.view.pinned.has(c.id)).reduce((s, c) => s + c.width, SELECT_WIDTH);
      if (x - pinnedWidth < el.scrollLeft) el.scrollLeft = x - pinnedWidth;
      else if (x + w > el.scrollLeft + el.clientWidth) el.scrollLeft = x + w - el.clientWidth;
    }
  }

  private onKey(e: KeyboardEvent): void {
    const v = this.view;
    const i = this.focused;
    const col = v.columns[i];
    if (!col) return;
    if (e.altKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      e.preventDefault();
      const to = i + (e.key === 'ArrowLeft' ? -1 : 1);
      if (to < 0 || to >= v.columns.length) return;
      this.focused = to;
      this.events.moveColumn(col.id, to);
      return;
    }
    switch (e.key) {
      case 'ArrowLeft': e.preventDefault(); return this.focusCell(i - 1);
      case 'ArrowRight': e.preventDefault(); return this.focusCell(i + 1);
      case 'Home': e.preventDefault(); return this.focusCell(0);
      case 'End': e.preventDefault(); return this.focusCell(v.columns.length - 1);
      case 'ArrowDown': e.preventDefault(); this.events.enterRows(); return;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.events.sort(col.id);
        return;
    }
  }
}
