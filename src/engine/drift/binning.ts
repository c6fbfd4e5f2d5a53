/**
 * Binning for the histogram distances (PSI, KL, Jensen-Shannon, Hellinger).
 *
 * Default = Evidently's `get_binned_data` (drift.md §2.5), reproduced exactly including its
 * quirk: the requested bin count is ignored for numeric data (evidently#1400); numeric columns
 * with > 20 distinct reference values get Sturges equal-width bins over the combined range,
 * everything else one bin per distinct value.
 *
 * Alternative (R6), never the default: a user-set bin count with either reference-quantile edges
 * (deduplicated, open outer bins so current values outside the reference range still count) or
 * equal-width edges over the combined range.
 */
import { MlopsError } from '../errors.ts';
import type { CategoryKey, Sample } from './sample.ts';
import { categoryTable, sampleSize } from './sample.ts';
import { countDistinctSorted, lowerBound, upperBound } from './stats.ts';

/** Evidently's switch from per-value bins to Sturges bins (reference nunique > 20). */
export const EVIDENTLY_BINNING_UNIQUE_LIMIT = 20;

export interface Binned {
  /** Reference and current proportions over the same bins (each sums to 1, before zero fill). */
  ref: Float64Array;
  cur: Float64Array;
  /** How the bins were made, to print next to every histogram distance (R17). */
  method: 'sturges' | 'categories' | 'quantile' | 'equal-width';
  /** Bin edges (length = bins + 1) for numeric binning. */
  edges?: Float64Array;
  /** Category per bin for per-value binning. */
  keys?: CategoryKey[];
}

/**
 * Equal-width edges exactly as numpy builds them: `linspace(lo, hi, k + 1)` where edge i is
 * i·step + lo and the last edge is hi itself; lo = hi is widened to ±0.5 first.
 */
export function linspaceEdges(lo: number, hi: number, bins: number): Float64Array {
  let first = lo;
  let last = hi;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/**
 * numpy `histogram_bin_edges(x, bins="sturges")` for data with `size` values spanning [lo, hi]:
 * width = (hi − lo)/(log₂ size + 1), bins = ceil((hi − lo)/width) — the same floating-point
 * steps, so a size that is a power of two yields numpy's bin count, rounding and all.
 */
export function sturgesEdges(lo: number, hi: number, size: number): Float64Array {
  const ptp = hi - lo;
  const width = ptp / (Math.log2(size) + 1);
  const bins = width ? Math.ceil(ptp / width) : 1;
  return linspaceEdges(lo, hi, bins);
}

/**
 * numpy `histogram(x, edges)` counts for ascending `sorted`: bins are [eᵢ, eᵢ₊₁) and the last
 * one is closed; values outside [e₀, e_k] are not counted. O(k log n) by binary search.
 */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length - 1;
  const counts = new Float64Array(k);
  let prev = lowerBound(sorted, edges[0]);
  for (let i = 0; i < k; i++) {
    const next = i === k - 1 ? upperBound(sorted, edges[k], prev) : lowerBound(sorted, edges[i + 1], prev);
    counts[i] = next - prev;
    prev = next;
  }
  return counts;
}

function proportions(counts: Float64Array, n: number): Float64Array {
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] / n;
  return out;
}

function perValueBins(ref: Sample, cur: Sample): Binned {
  const t = categoryTable(ref, cur);
  return { ref: proportions(t.ref, t.nRef), cur: proportions(t.cur, t.nCur), method: 'categories', keys: t.keys };
}

/** Evidently `get_binned_data` without zero fill (apply `fillZeroes` for PSI and KL). */
export function evidentlyBins(ref: Sample, cur: Sample): Binned {
  if (sampleSize(ref) === 0 || sampleSize(cur) === 0) {
    throw new MlopsError('usage', 'Binning needs at least one value in each sample.');
  }
  if (ref.kind === 'numeric' && cur.kind === 'numeric') {
    const a = ref.sorted;
    const b = cur.sorted;
    if (countDistinctSorted(a, EVIDENTLY_BINNING_UNIQUE_LIMIT) > EVIDENTLY_BINNING_UNIQUE_LIMIT) {
      const lo = Math.min(a[0], b[0]);
      const hi = Math.max(a[a.length - 1], b[b.length - 1]);
      const edges = sturgesEdges(lo, hi, a.length + b.length);
      return {
        ref: proportions(histogramSorted(a, edges), a.length),
        cur: proportions(histogramSorted(b, edges), b.length),
        method: 'sturges',
        edges,
      };
    }
  }
  return perValueBins(ref, cur);
}

/**
 * Evidently's zero fill (`feel_zeroes`), per vector: zeros become m/10⁶ when the smallest
 * non-zero proportion m is ≤ 0.0001, else 0.0001. Not renormalised, as in Evidently.
 */
export function fillZeroes(p: Float64Array): Float64Array {
  let m = Infinity;
  for (let i = 0; i < p.length; i++) if (p[i] !== 0 && p[i] < m) m = p[i];
  const fill = m <= 0.0001 ? m / 10 ** 6 : 0.0001;
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] === 0 ? fill : p[i];
  return out;
}

export interface CustomBinning {
  strategy: 'quantile' | 'equal-width';
  /** Requested number of bins (≥ 1); quantile edges that coincide are merged, so fewer may result. */
  bins: number;
}

/**
 * numpy `quantile(sorted, q)` with the default linear method: position q·(n−1), interpolated
 * between neighbours.
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const pos = q * (n - 1);
  const i = Math.floor(pos);
  if (i >= n - 1) return sorted[n - 1];
  const frac = pos - i;
  return frac === 0 ? sorted[i] : sorted[i] + (sorted[i + 1] - sorted[i]) * frac;
}

/**
 * Documented alternative to Evidently's binning (R6) for numeric samples.
 * - `quantile`: interior edges at the reference quantiles i/k (i = 1…k−1), duplicates dropped;
 *   outer bins are open (−∞, q₁) and [q_{k−1}, +∞), so nothing in the current sample is lost.
 * - `equal-width`: k equal bins over the combined min..max (numpy semantics, last bin closed).
 */
export function customBins(ref: Sample, cur: Sample, binning: CustomBinning): Binned {
  if (!Number.isInteger(binning.bins) || binning.bins < 1) {
    throw new MlopsError('usage', `The bin count must be a positive integer, got ${binning.bins}.`);
  }
  if (ref.kind !== 'numeric' || cur.kind !== 'numeric') return perValueBins(ref, cur);
  const a = ref.sorted;
  const b = cur.sorted;
  if (a.length === 0 || b.length === 0) throw new MlopsError('usage', 'Binning needs at least one value in each sample.');
  let edges: Float64Array;
  if (binning.strategy === 'equal-width') {
    edges = linspaceEdges(Math.min(a[0], b[0]), Math.max(a[a.length - 1], b[b.length - 1]), binning.bins);
  } else {
    const interior: number[] = [];
    for (let i = 1; i < binning.bins; i++) {
      const q = quantileSorted(a, i / binning.bins);
      if (interior.length === 0 || q > interior[interior.length - 1]) interior.push(q);
    }
    edges = Float64Array.from([-Infinity, ...interior, Infinity]);
  }
  return {
    ref: proportions(histogramSorted(a, edges), a.length),
    cur: proportions(histogramSorted(b, edges), b.length),
    method: binning.strategy,
    edges,
  };
}
