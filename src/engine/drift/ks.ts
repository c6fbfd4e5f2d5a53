/**
 * Two-sample, two-sided Kolmogorov-Smirnov test reproducing scipy.stats.ks_2samp.
 *
 * - `auto`: exact when max(n₁, n₂) ≤ 10 000, else asymptotic (scipy's MAX_AUTO_N);
 * - exact: P(D ≥ d) by counting monotone lattice paths from (0,0) to (n₁,n₂), O(n₁·n₂) at worst;
 *   for n₁ = n₂ an alternating closed form, O(n);
 * - asymptotic: kstwo.sf(D, round(n₁n₂/(n₁+n₂))).
 * Like scipy, the exact mode reports D rounded to the lattice (h / lcm(n₁, n₂)).
 */
import { MlopsError } from '../errors.ts';
import type { EcdfComparison } from './ecdf.ts';
import { compareSorted } from './ecdf.ts';
import { kstwoSf } from './kolmogorov.ts';
import { gcd, sortedFinite } from './stats.ts';

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  statistic: number;
  pValue: number;
  /** What was actually computed. */
  method: 'exact' | 'asymp';
  /** Pooled value where D is attained, and which CDF is above there (+1: reference). */
  location: number;
  sign: 1 | -1;
  /** Why an exact request was answered asymptotically, when it was. */
  fallback?: string;
}

/** scipy's cut-over for method 'auto'. */
export const KS_MAX_EXACT_N = 10_000;
const INT32_MAX = 2 ** 31 - 1;

/** numpy rounds halves to even; D·lcm is within rounding of an integer, but match it anyway. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * P(D_{n,n} ≥ h/n) = 2·Σ_{k≥1} (−1)^{k−1} C(2n, n−kh) / C(2n, n), evaluated Horner-style as
 * 2·A₁(1 − A₂(1 − A₃(…))) with A_k = C(2n, n−kh)/C(2n, n−(k−1)h), each a product of h ratios,
 * which avoids the cancellation of the alternating sum.
 */
export function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let a = 1;
    for (let j = 0; j < h; j++) a = ((n - k * h - j) * a) / (n + k * h + j + 1);
    p = a * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D ≥ h/lcm) for unequal sizes. A path from (0,0) to (m,n) in unit steps is inside the band
 * while |i·n/g − j·m/g| < h. q(i, j) = share of paths to (i, j) that have already left the band
 * satisfies q = (i·q(i−1, j) + j·q(i, j−1)) / (i + j) inside it and 1 outside it (Viehmann 2021,
 * arXiv:2102.08037: recurring on the complement keeps values in [0, 1], no big binomials).
 * One column is kept; the band only moves up, so entries leaving it are reset to 1.
 */
export function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  const q = new Float64Array(n + 1);
  let lo = 0;
  let hi = Math.min(Math.ceil(h / mg) - 1, n);
  for (let j = 0; j <= n; j++) q[j] = j <= hi ? 0 : 1;
  for (let i = 1; i <= m; i++) {
    const newLo = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    const newHi = Math.min(Math.ceil((ng * i + h) / mg) - 1, n);
    if (newHi < newLo) return 1;
    for (let j = lo; j < newLo && j <= n; j++) q[j] = 1;
    let below = newLo === 0 ? 0 : 1;
    for (let j = newLo; j <= newHi; j++) {
      const v = (i * q[j] + j * below) / (i + j);
      q[j] = v;
      below = v;
    }
    lo = newLo;
    hi = newHi;
  }
  return q[n];
}

function exactPValue(n1: number, n2: number, d: number): { ok: boolean; d: number; p: number } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dLattice = h / lcm;
  if (h === 0) return { ok: true, d: dLattice, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  return { ok: p >= 0 && p <= 1, d: dLattice, p };
}

/** Asymptotic p-value kstwo.sf(D, round(n₁n₂/(n₁+n₂))), as scipy computes it. */
export function ksAsymptoticPValue(d: number, n1: number, n2: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  const p = kstwoSf(d, roundHalfEven(en));
  return Math.min(1, Math.max(0, p));
}

export interface KsOptions {
  method?: KsMethod;
}

/**
 * KS test on two ascending arrays of finite values (see `sortedFinite`). Pass the merge-walk
 * result when it is already at hand (it also carries W1) to avoid walking the samples twice.
 */
export function ks2sampSorted(ref: Float64Array, cur: Float64Array, options: KsOptions = {}, comparison?: EcdfComparison): KsResult {
  const n1 = ref.length;
  const n2 = cur.length;
  if (n1 === 0 || n2 === 0) {
    throw new MlopsError('usage', 'The Kolmogorov-Smirnov test needs at least one value in each sample.', {
      hint: 'Check the column for missing values; the drift report marks such columns as insufficient data.',
    });
  }
  const requested = options.method ?? 'auto';
  const cmp = comparison ?? compareSorted(ref, cur);
  let d = cmp.d;
  let mode: 'exact' | 'asymp' = requested === 'auto' ? (Math.max(n1, n2) <= KS_MAX_EXACT_N ? 'exact' : 'asymp') : requested;
  let fallback: string | undefined;
  if (requested === 'exact') {
    const g = gcd(n1, n2);
    if (n1 / g >= INT32_MAX / (n2 / g)) {
      mode = 'asymp';
      fallback = `lcm(${n1}, ${n2}) is too large for the exact lattice count`;
    }
  }
  let p = NaN;
  if (mode === 'exact') {
    const exact = exactPValue(n1, n2, d);
    d = exact.d;
    if (exact.ok) p = exact.p;
    else {
      mode = 'asymp';
      fallback = 'the exact computation was numerically unstable';
    }
  }
  if (mode === 'asymp') p = ksAsymptoticPValue(d, n1, n2);
  const result: KsResult = { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: mode, location: cmp.location, sign: cmp.sign };
  if (fallback !== undefined) result.fallback = fallback;
  return result;
}

/** KS test on raw values; NaN and ±inf are dropped from each sample first. */
export function ks2samp(ref: ArrayLike<number>, cur: ArrayLike<number>, options: KsOptions = {}): KsResult {
  return ks2sampSorted(sortedFinite(ref), sortedFinite(cur), options);
}
