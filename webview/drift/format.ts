/** How numbers and tests read in the drift panel (the CLI's table uses the same conventions). */
import type { ColumnReport } from '../../src/shared/drift.ts';

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

/** A score: 4 decimals, scientific below 1e-4 (tiny p-values), "—" when there is none. */
export function fmtScore(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (x === Infinity) return '∞';
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(2);
  return x.toFixed(4);
}

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || Number.isNaN(x) ? '—' : `${(100 * x).toFixed(digits)} %`;
}

/** "p ≤ 0.05" for p-value tests, "≥ 0.1" for distances: how to read the threshold. */
export function thresholdLabel(c: Pick<ColumnReport, 'threshold' | 'rule'>): string {
  if (c.threshold === null || c.rule === null) return '—';
  return `${c.rule === 'p<=threshold' ? 'p ≤' : c.rule === 'p<threshold' ? 'p <' : '≥'} ${c.threshold}`;
}

/** Test name with what R17 asks to see next to the value: the JS log base and the bins. */
export function testLabel(c: ColumnReport): string {
  if (!c.testName) return '—';
  const extra: string[] = [];
  if (c.jsLogBase !== undefined) extra.push(c.jsLogBase === 'e' ? 'ln' : `log${c.jsLogBase}`);
  if (c.binning && (c.test === 'psi' || c.test === 'kl_div' || c.test === 'jensenshannon')) {
    extra.push(c.binning.method === 'categories' ? `${c.binning.bins} values` : `${c.binning.bins} ${c.binning.method} bins`);
  }
  if (c.statistic?.mode === 'homogeneity') extra.push('homogeneity');
  return extra.length ? `${c.testName} (${extra.join(', ')})` : c.testName;
}

export function directionLabel(c: Pick<ColumnReport, 'scoreKind'>): string {
  return c.scoreKind === 'p-value' ? 'p-value: drift when low' : c.scoreKind === 'distance' ? 'distance: drift when high' : '';
}

export const STATUS_LABEL: Record<ColumnReport['status'], string> = {
  ok: 'tested',
  'insufficient-data': 'insufficient data',
  'not-tested': 'not tested',
  ignored: 'ignored',
  added: 'only in current',
  removed: 'only in reference',
  'type-mismatch': 'type mismatch',
  error: 'error',
};

/** Bin label for a histogram axis: "[12.5, 17.3)". The last bin is closed, as numpy's. */
export function binLabel(edges: readonly number[], i: number): string {
  const f = (x: number) => (Math.abs(x) >= 1e5 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : Number(x.toPrecision(4)).toString());
  return `[${f(edges[i]!)}, ${f(edges[i + 1]!)}${i === edges.length - 2 ? ']' : ')'}`;
}
