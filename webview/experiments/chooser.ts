/** The "Columns" dialog of the runs table. */
import { h } from '../components/dom.ts';
import { button, checkbox, textField } from '../components/ui.ts';
import type { ColumnLayout } from '../../src/shared/experiments.ts';
import type { Column } from './model.ts';
import { explicitHidden, isHidden, orderedColumns, setHidden, setPinned, visibleColumns } from './columns.ts';

/**
 * The "Columns" dialog: filterable list, one row per column with Show, Pin, ↑ and ↓.
 * Changes apply at once; Esc or Done closes and returns focus to the opener.
 */
export function columnChooser(all: readonly Column[], layout: ColumnLayout, apply: (next: ColumnLayout) => void, close: () => void): HTMLElement {
  let current = layout;
  let query = '';
  const list = h('div', { class: 'chooser-list', role: 'list', 'aria-label': 'Columns' });
  const draw = () => {
    // Redrawing replaces the controls: keep the keyboard focus on the same control of the same column.
    const active = document.activeElement as HTMLElement | null;
    const row = active?.closest?.('.chooser-row') as HTMLElement | null;
    const control = row ? ['show', 'pin', 'move-up', 'move-down'].find((c) => active!.classList.contains(c)) : undefined;
    const { pinned } = visibleColumns(all, current);
    const ordered = orderedColumns(all, current);
    const shown = ordered.filter((c) => !query || c.id.toLowerCase().includes(query));
    list.replaceChildren(...shown.map((c) => {
      const i = ordered.indexOf(c);
      const hidden = isHidden(c, current);
      const update = (next: ColumnLayout) => { current = next; apply(next); draw(); };
      const move = (d: number) => {
        const full = ordered.map((x) => x.id);
        const j = i + d;
        if (j < 0 || j >= full.length) return;
        [full[i], full[j]] = [full[j]!, full[i]!];
        update({ ...current, order: full, hidden: explicitHidden(all, current) });
      };
      const show = checkbox(c.group === 'attr' ? c.label : c.id, !hidden, (on) => update(setHidden(all, current, c.id, !on)));
      show.classList.add('show');
      return h('div', { class: 'chooser-row', role: 'listitem', 'data-col': c.id },
        show,
        h('span', { class: 'spacer' }),
        iconButton(pinned.has(c.id) ? 'Pinned' : 'Pin', `${pinned.has(c.id) ? 'Unpin' : 'Pin'} ${c.id}`, () => update(setPinned(all, current, c.id, !pinned.has(c.id))), pinned.has(c.id), 'pin'),
        iconButton('↑', `Move ${c.id} up`, () => move(-1), false, 'move-up'),
        iconButton('↓', `Move ${c.id} down`, () => move(1), false, 'move-down'),
      );
    }));
    if (row && control) (list.querySelector(`[data-col="${CSS.escape(row.dataset.col ?? '')}"] .${control}`) as HTMLElement | null)?.focus();
  };
  draw();
  const search = textField('Find a column', '', (v) => { query = v.trim().toLowerCase(); draw(); }, { id: 'column-search', label: 'Find a column' });
  const dialog = h('div', { class: 'chooser', role: 'dialog', 'aria-label': 'Choose columns', 'aria-modal': 'false' },
    h('div', { class: 'toolbar' }, h('strong', {}, 'Columns'), h('span', { class: 'spacer' }), search,
      button('Show all', () => { current = { ...current, hidden: [], order: orderedColumns(all, current).map((c) => c.id) }; apply(current); draw(); }, { secondary: true }),
      button('Done', close, { id: 'columns-done' })),
    list);
  dialog.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } });
  return dialog;
}

/** A compact native button: the toolkit's button is too heavy for hundreds of list rows. */
function iconButton(glyph: string, title: string, onClick: () => void, pressed = false, cls = ''): HTMLElement {
  const b = h('button', { class: `icon-btn ${cls}`, type: 'button', title, 'aria-label': title, 'aria-pressed': pressed ? 'true' : undefined }, glyph);
  b.addEventListener('click', onClick);
  return b;
}
