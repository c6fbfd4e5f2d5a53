/**
 * One merge walk over two sorted samples yields both the two-sample KS statistic and the
 * Wasserstein-1 distance: between consecutive pooled values the two empirical CDFs are
 * constant, so D is the largest gap |F_ref − F_cur| seen and W1 is Σ gap × (next − this).
 * This replaces scipy's searchsorted-over-the-concatenation (O(N log N) per call) with O(N).
 */

export interface EcdfComparison {
  /** max over x of |F_a(x) − F_b(x)| (two-sided KS statistic). */
  d: number;
  /** max over x of F_a(x) − F_b(x), ≥ 0. */
  dPlus: number;
  /** max over x of F_b(x) − F_a(x), ≥ 0. */
  dMinus: number;
  /** Smallest pooled value at which D is attained. */
  location: number;
  /** +1 when D = dPlus (F_a above F_b there), −1 otherwise — scipy's statistic_sign. */
  sign: 1 | -1;
  /** ∫ |F_a − F_b| dx. */
  w1: number;
}

/**
 * Compare two non-empty ascending arrays of finite values.
 * Ties are consumed together in both samples before the CDFs are compared, which is what
 * scipy's searchsorted(side='right') does; the CDF values are formed as i/n₁ − j/n₂ with the
 * same float divisions, so D matches scipy bit for bit.
 */
export function compareSorted(a: Float64Array, b: Float64Array): EcdfComparison {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let dPlus = 0;
  let dMinus = 0;
  // scipy reports some pooled value even when D = 0; use the smallest.
  let locPlus = n1 > 0 && n2 > 0 ? Math.min(a[0], b[0]) : NaN;
  let locMinus = locPlus;
  let w1 = 0;
  let x = 0;
  let diff = 0;
  while (i < n1 && j < n2) {
    const ai = a[i];
    const bj = b[j];
    if (ai < bj) {
      x = ai;
      i++;
      while (i < n1 && a[i] === x) i++;
    } else if (bj < ai) {
      x = bj;
      j++;
      while (j < n2 && b[j] === x) j++;
    } else {
      x = ai;
      i++;
      j++;
      while (i < n1 && a[i] === x) i++;
      while (j < n2 && b[j] === x) j++;
    }
    diff = i / n1 - j / n2;
    if (diff > dPlus) {
      dPlus = diff;
      locPlus = x;
    } else if (-diff > dMinus) {
      dMinus = -diff;
      locMinus = x;
    }
    const next = i < n1 ? (j < n2 ? Math.min(a[i], b[j]) : a[i]) : j < n2 ? b[j] : x;
    w1 += (diff < 0 ? -diff : diff) * (next - x);
  }
  // One sample is used up: the gap now shrinks monotonically to 0, so D is already known and
  // only the W1 tail remains. Within a run of ties the width is 0, so counting per element
  // (rather than per distinct value) gives the same sum.
  if (i < n1) w1 += tail(a, i, n1);
  else if (j < n2) w1 += tail(b, j, n2);
  const useMinus = dMinus > dPlus;
  return {
    d: useMinus ? dMinus : dPlus,
    dPlus,
    dMinus,
    location: useMinus ? locMinus : locPlus,
    sign: useMinus ? -1 : 1,
    w1,
  };
}

/** Σ (1 − (k+1)/n)·(s[k+1] − s[k]) for k ≥ start: the remaining sample's CDF climbing to 1. */
function tail(s: Float64Array, start: number, n: number): number {
  let w = 0;
  for (let k = start; k < n - 1; k++) w += (1 - (k + 1) / n) * (s[k + 1] - s[k]);
  return w;
}
