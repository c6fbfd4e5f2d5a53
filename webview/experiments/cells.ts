/**
 * What one cell of the runs table shows: status as a coloured dot and a word, the run name with its
 * baseline tag and warning sign, numbers with their change against the baseline. Text only — a
 * name is set as text, never parsed — and NaN/±inf written out.
 */
import { h } from '../components/dom.ts';
import { cellValue, delta, formatDelta, formatValue, type Column, type Run } from './model.ts';

export function drawCell(cell: HTMLElement, run: Run, col: Column, baseline: Run | undefined, showDeltas: boolean): void {
  const value = cellValue(run, col);
  if (col.group === 'attr' && col.key === 'status') {
    cell.replaceChildren(h('span', { class: `status status-${run.status}`, 'aria-hidden': 'true' }), run.status);
    cell.title = run.status;
    return;
  }
  const text = formatValue(value, col);
  if (col.group === 'attr' && col.key === 'name') {
    const parts: Array<Node | string> = [h('span', { class: 'xname' }, text)];
    if (baseline?.id === run.id) parts.push(h('span', { class: 'xtag' }, 'baseline'));
    if (run.warnings.length) parts.push(h('span', { class: 'xwarn', title: run.warnings.join('\n'), 'aria-label': `${run.warnings.length} warning(s)` }, '⚠'));
    cell.replaceChildren(...parts);
    cell.title = run.warnings.length ? `${run.name}\n${run.warnings.join('\n')}` : `${run.name}\n${run.id}`;
    return;
  }
  if (showDeltas && baseline && baseline.id !== run.id && (col.group === 'metrics' || col.group === 'params')) {
    const d = delta(value, cellValue(baseline, col));
    if (d !== undefined) {
      cell.replaceChildren(h('span', { class: `xdelta ${d > 0 ? 'up' : d < 0 ? 'down' : ''}` }, formatDelta(d)), text);
      cell.title = `${text} (${formatDelta(d)} vs baseline)`;
      return;
    }
  }
  cell.textContent = text;
  cell.title = text;
}
