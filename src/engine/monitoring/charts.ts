/**
 * What the UI draws per column, and the one severity scale tables sort by.
 * Histograms use edges shared by both sides (R7: Evidently's sparklines bin each side separately,
 * which makes shapes look alike when they are not). Category charts keep every category that is
 * new in the current data, however small, because that is what people look for.
 */
import { categoryTable, histogramSorted, sturgesEdges } from '../drift/index.ts';
import type { CategoryKey, DriftRule, NumericSample, Sample } from '../drift/index.ts';
import type { CategoriesChart, CategoryBar, HistogramChart } from './types.ts';

/** Bars drawn per categorical column before the rest is summed into "other" (R8: small reports). */
export const MAX_CHART_CATEGORIES = 40;

export function histogramChart(ref: NumericSample, cur: NumericSample, sampled: boolean): HistogramChart | undefined {
  const a = ref.sorted;
  const b = cur.sorted;
  if (a.length === 0 && b.length === 0) return undefined;
  const lo = Math.min(a.length ? a[0]! : Infinity, b.length ? b[0]! : Infinity);
  const hi = Math.max(a.length ? a[a.length - 1]! : -Infinity, b.length ? b[b.length - 1]! : -Infinity);
  const edges = sturgesEdges(lo, hi, a.length + b.length);
  return { kind: 'histogram', edges: [...edges], reference: [...histogramSorted(a, edges)], current: [...histogramSorted(b, edges)], binning: 'sturges', sampled };
}

export function keyText(k: CategoryKey): string {
  return typeof k === 'string' ? k : String(k);
}

/** Counts of both sides over the union of categories; `extraRef`/`extraCur` are rows past a distinct-value cap. */
export function categoriesChart(ref: Sample, cur: Sample, extra: { ref: number; cur: number; truncated: boolean } = { ref: 0, cur: 0, truncated: false }): CategoriesChart {
  const t = categoryTable(ref, cur);
  const bars: CategoryBar[] = t.keys.map((k, i) => {
    const bar: CategoryBar = { value: keyText(k), reference: t.ref[i]!, current: t.cur[i]! };
    if (bar.reference === 0 && bar.current > 0) bar.onlyInCurrent = true;
    if (bar.current === 0 && bar.reference > 0) bar.onlyInReference = true;
    return bar;
  });
  let otherReference = extra.ref;
  let otherCurrent = extra.cur;
  let kept = bars;
  if (bars.length > MAX_CHART_CATEGORIES) {
    // Keep new categories first, then the largest; show them in the table's (key) order.
    const rank = bars.map((b, i) => ({ i, b })).sort((x, y) => Number(Boolean(y.b.onlyInCurrent)) - Number(Boolean(x.b.onlyInCurrent)) || y.b.reference + y.b.current - (x.b.reference + x.b.current) || x.i - y.i);
    const keep = new Set(rank.slice(0, MAX_CHART_CATEGORIES).map((r) => r.i));
    kept = bars.filter((_, i) => keep.has(i));
    bars.forEach((b, i) => {
      if (!keep.has(i)) {
        otherReference += b.reference;
        otherCurrent += b.current;
      }
    });
  }
  return { kind: 'categories', categories: kept, otherReference, otherCurrent, truncated: extra.truncated || kept.length < bars.length };
}

/**
 * Severity in [0, 1] on one scale for p-values and distances (R16), 0.5 at the threshold:
 * distance d with threshold t → d/(d+t); p-value p with threshold t → r/(1+r), r = ln p / ln t
 * (r = 1 at p = t, grows as p shrinks). Never a raw score compared across tests.
 */
export function severityOf(rule: DriftRule | null, score: number, threshold: number): number {
  if (rule === null || !Number.isFinite(threshold) || Number.isNaN(score)) return 0;
  if (rule === 'score>=threshold') {
    if (score === Infinity) return 1;
    if (score <= 0) return 0;
    return threshold <= 0 ? 1 : score / (score + threshold);
  }
  if (score <= 0) return 1;
  if (score >= 1) return 0;
  if (threshold <= 0) return 0;
  if (threshold >= 1) return 1 - score;
  const r = Math.log(score) / Math.log(threshold);
  return r / (1 + r);
}
