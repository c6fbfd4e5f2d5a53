/**
 * Distances between two binned distributions (drift.md §3.1–3.3, §3.8), plus normed Wasserstein.
 * Inputs are proportion vectors over the same bins (see binning.ts); each function states
 * whether it renormalises, because Evidently's PSI does not and scipy's KL / JS do.
 */
import { compareSorted } from './ecdf.ts';
import { histogramSorted, sturgesEdges } from './binning.ts';
import { countDistinctUnion, stdPopulation } from './stats.ts';

/** scipy.special.rel_entr: x·ln(x/y), 0 when x = 0, +∞ when y = 0 < x. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

function normalised(p: Float64Array): Float64Array {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i];
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] / s;
  return out;
}

/** PSI = Σ (rᵢ − cᵢ)·ln(rᵢ/cᵢ), on the vectors as given (Evidently: zero-filled, not renormalised). */
export function psi(r: Float64Array, c: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += (r[i] - c[i]) * Math.log(r[i] / c[i]);
  return s;
}

/** KL(r‖c) in nats after renormalising both vectors to sum 1 (scipy.stats.entropy(r, c)). */
export function klDivergence(r: Float64Array, c: Float64Array): number {
  const p = normalised(r);
  const q = normalised(c);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += relEntr(p[i], q[i]);
  return s;
}

/**
 * Jensen-Shannon **distance** (square root of the divergence), scipy.spatial.distance.jensenshannon:
 * renormalise, m = (p + q)/2, sqrt((KL(p‖m) + KL(q‖m)) / 2), logs in `base` (default e, as Evidently;
 * NannyML uses 2). Range [0, √ln 2 ≈ 0.8326] in nats, [0, 1] in bits.
 */
export function jensenShannonDistance(r: Float64Array, c: Float64Array, base: number = Math.E): number {
  const p = normalised(r);
  const q = normalised(c);
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i] + q[i]) / 2;
    left += relEntr(p[i], m);
    right += relEntr(q[i], m);
  }
  let js = left + right;
  if (base !== Math.E) js /= Math.log(base);
  return Math.sqrt(Math.max(0, js / 2));
}

/** Hellinger from proportions: sqrt(1 − clip(Σ √(rᵢcᵢ), 0, 1)) (Evidently, categorical). */
export function hellingerFromProportions(r: Float64Array, c: Float64Array): number {
  let bc = 0;
  for (let i = 0; i < r.length; i++) bc += Math.sqrt(r[i] * c[i]);
  return Math.sqrt(1 - Math.min(1, Math.max(0, bc)));
}

/**
 * Evidently's numeric Hellinger: Sturges edges over the *distinct* values of ref ∪ cur, density
 * histograms hᵢ = countᵢ/(n·wᵢ), Bhattacharyya coefficient Σ √(h₁h₂)·w̄ with w̄ the mean width.
 */
export function hellingerNumeric(refSorted: Float64Array, curSorted: Float64Array): number {
  const distinct = countDistinctUnion(refSorted, curSorted);
  const lo = Math.min(refSorted[0], curSorted[0]);
  const hi = Math.max(refSorted[refSorted.length - 1], curSorted[curSorted.length - 1]);
  const edges = sturgesEdges(lo, hi, distinct);
  const h1 = histogramSorted(refSorted, edges);
  const h2 = histogramSorted(curSorted, edges);
  const k = edges.length - 1;
  const meanWidth = (edges[k] - edges[0]) / k;
  let bc = 0;
  for (let i = 0; i < k; i++) {
    const w = edges[i + 1] - edges[i];
    const d1 = h1[i] / (refSorted.length * w);
    const d2 = h2[i] / (curSorted.length * w);
    bc += Math.sqrt(d1 * d2) * meanWidth;
  }
  return Math.sqrt(1 - Math.min(1, Math.max(0, bc)));
}

/** L∞ = max |rᵢ − cᵢ| (NannyML, TFDV). */
export function lInfinity(r: Float64Array, c: Float64Array): number {
  let m = 0;
  for (let i = 0; i < r.length; i++) m = Math.max(m, Math.abs(r[i] - c[i]));
  return m;
}

/** Total variation ½·Σ |rᵢ − cᵢ| (the statistic; Evidently reports a permutation p-value instead). */
export function totalVariation(r: Float64Array, c: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += Math.abs(r[i] - c[i]);
  return s / 2;
}

/** Floor on σ_ref in Evidently's normed Wasserstein, so constant references do not divide by 0. */
export const WASSERSTEIN_MIN_STD = 0.001;

export interface WassersteinResult {
  /** W1 / max(σ_ref, 0.001). */
  score: number;
  /** Raw Wasserstein-1 distance in the column's units. */
  w1: number;
  /** Population std of the reference (ddof = 0). */
  stdRef: number;
}

/** Evidently's normed Wasserstein on two sorted samples of finite values. */
export function wassersteinNormed(refSorted: Float64Array, curSorted: Float64Array, w1?: number): WassersteinResult {
  const raw = w1 ?? compareSorted(refSorted, curSorted).w1;
  const stdRef = stdPopulation(refSorted);
  return { score: raw / Math.max(stdRef, WASSERSTEIN_MIN_STD), w1: raw, stdRef };
}
