/**
 * The table as CSV (RFC 4180): the rows shown, in their order, with the columns shown, in theirs.
 * Column headers are the filter names (`metrics.acc`), so a CSV column maps back to a filter.
 */
import { formatNumber } from '../../src/shared/experiments.ts';
import { cellValue, type Column, type Run } from './model.ts';

/**
 * Text cells a spreadsheet would run as a formula (`=cmd|…`, `@SUM(…)`) get a leading apostrophe
 * (OWASP's advice for CSV injection); run names come from other people's stores.
 */
function neutralize(s: string): string {
  const number = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$|^[+-]?(?:inf|nan)$/i.test(s);
  return /^[=+\-@\t\r]/.test(s) && !number ? `'${s}` : s;
}

function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(runs: readonly Run[], order: readonly number[], columns: readonly Column[]): string {
  const header = ['id', ...columns.map((c) => (c.group === 'attr' ? c.key : c.id))];
  const lines = [header.map(field).join(',')];
  for (const i of order) {
    const run = runs[i]!;
    const cells = [field(run.id)];
    for (const c of columns) {
      const v = cellValue(run, c);
      let s: string;
      if (v === undefined || v === null) s = '';
      else if (typeof v === 'number') s = Number.isFinite(v) ? String(v) : formatNumber(v);
      else if (typeof v === 'boolean') s = v ? 'true' : 'false';
      else s = neutralize(v);
      cells.push(field(s));
    }
    lines.push(cells.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
