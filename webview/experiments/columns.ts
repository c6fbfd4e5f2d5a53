/**
 * Which columns show, in what order, and which are pinned: the saved layout applied to the columns
 * the runs have now (new columns appear at the end of their group; gone ones are forgotten only
 * from the display, not from the saved layout, so a filter that hides them does not lose them).
 * Pure functions (no DOM), unit-tested; the chooser dialog is chooser.ts.
 */
import type { ColumnLayout } from '../../src/shared/experiments.ts';
import type { Column } from './model.ts';

/** Hidden until the user asks: tags (MLflow's bookkeeping tags would crowd out everything else). */
export function hiddenByDefault(c: Column): boolean {
  return c.group === 'tags';
}

/** All columns in the saved order (unknown ones appended in discovery order). */
export function orderedColumns(all: readonly Column[], layout: ColumnLayout): Column[] {
  const byId = new Map(all.map((c) => [c.id, c]));
  const out: Column[] = [];
  const seen = new Set<string>();
  for (const id of layout.order) {
    const c = byId.get(id);
    if (c && !seen.has(id)) { out.push(c); seen.add(id); }
  }
  for (const c of all) if (!seen.has(c.id)) out.push(c);
  return out;
}

export function isHidden(c: Column, layout: ColumnLayout): boolean {
  if (layout.hidden.includes(c.id)) return true;
  if (layout.order.includes(c.id) || layout.pinned.includes(c.id)) return false;
  return hiddenByDefault(c);
}

/** What the grid shows: visible columns, pinned first (keeping their relative order). */
export function visibleColumns(all: readonly Column[], layout: ColumnLayout): { columns: Column[]; pinned: Set<string> } {
  const ordered = orderedColumns(all, layout).filter((c) => !isHidden(c, layout));
  const pinned = new Set(layout.pinned.filter((id) => ordered.some((c) => c.id === id)));
  return { columns: [...ordered.filter((c) => pinned.has(c.id)), ...ordered.filter((c) => !pinned.has(c.id))], pinned };
}

/** Move `id` to the position `toIndex` of the visible columns (as the user sees them). */
export function moveColumn(all: readonly Column[], layout: ColumnLayout, id: string, toIndex: number): ColumnLayout {
  const { columns } = visibleColumns(all, layout);
  const visibleIds = columns.map((c) => c.id).filter((x) => x !== id);
  const target = visibleIds[Math.max(0, Math.min(visibleIds.length, toIndex))];
  const full = orderedColumns(all, layout).map((c) => c.id).filter((x) => x !== id);
  const at = target === undefined ? full.length : full.indexOf(target);
  full.splice(at < 0 ? full.length : at, 0, id);
  // Moving a column across the pinned boundary pins or unpins it, as users expect from a drag.
  const pinned = new Set(visibleColumns(all, layout).pinned);
  const pinnedCount = columns.filter((c) => pinned.has(c.id) && c.id !== id).length;
  if (toIndex < pinnedCount) pinned.add(id);
  else pinned.delete(id);
  return { ...layout, order: full, pinned: [...pinned], hidden: explicitHidden(all, layout) };
}

/** Hidden state made explicit, so that writing `order` does not un-hide default-hidden columns. */
export function explicitHidden(all: readonly Column[], layout: ColumnLayout): string[] {
  return all.filter((c) => isHidden(c, layout)).map((c) => c.id).concat(layout.hidden.filter((id) => !all.some((c) => c.id === id)));
}

export function setHidden(all: readonly Column[], layout: ColumnLayout, id: string, hidden: boolean): ColumnLayout {
  const set = new Set(explicitHidden(all, layout));
  if (hidden) set.add(id);
  else set.delete(id);
  return { ...layout, order: orderedColumns(all, layout).map((c) => c.id), hidden: [...set] };
}

export function setPinned(all: readonly Column[], layout: ColumnLayout, id: string, pinned: boolean): ColumnLayout {
  const set = new Set(visibleColumns(all, layout).pinned);
  if (pinned) set.add(id);
  else set.delete(id);
  const hidden = explicitHidden(all, layout).filter((x) => !(pinned && x === id));
  return { ...layout, order: orderedColumns(all, layout).map((c) => c.id), hidden, pinned: [...set] };
}
