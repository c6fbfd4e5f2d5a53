/**
 * Kolmogorov-Smirnov distributions, computed the way scipy does so p-values agree with it:
 *
 * - `kolmogorovSf(λ)`: the limiting distribution Q(λ) = 2 Σ (−1)^{k−1} e^{−2k²λ²}
 *   (scipy.special.kolmogorov);
 * - `smirnovSf(n, x)`: exact one-sided P(D⁺ₙ ≥ x) by the Smirnov / Birnbaum-Tingey sum
 *   (scipy.special.smirnov);
 * - `kstwoSf(d, n)`: two-sided one-sample P(Dₙ ≥ d) for finite n (scipy.stats.kstwo.sf), which
 *   ks_2samp's asymptotic mode evaluates at n = round(n₁n₂/(n₁+n₂)).
 *
 * `kstwo` follows Simard & L'Ecuyer (2011), "Computing the Two-Sided Kolmogorov-Smirnov
 * Distribution", J. Stat. Softw. 39(11): pick, by n and n·d², between the Ruben-Gambino closed
 * forms, the Durbin matrix (Marsaglia-Tsang-Wang 2003), 2·smirnov and the Pelz-Good (1976)
 * asymptotic series. scipy uses Pomeranz's recursion where n ≤ 140 and 0.754693 < n·d² ≤ 4;
 * we use the Durbin matrix there too: both are exact, they differ only in rounding.
 */
import { stirlingError } from './gamma.ts';

const LN2 = Math.LN2;
const LN_2PI = 1.8378770664093454836;
const SQRT_2PI = 2.5066282746310005024;
const MIN_LOG = -708.3964185322641; // ln(smallest normal double)
const PI2 = Math.PI * Math.PI;
/** Below this λ every term of the small-λ series underflows: Q(λ) = 1. */
const KOLMOG_MIN_X = Math.PI / Math.sqrt(746 * 8);
const KOLMOG_CUTOVER = 0.82;

function kolmogorovBoth(x: number): { sf: number; cdf: number } {
  if (Number.isNaN(x)) return { sf: NaN, cdf: NaN };
  if (x <= KOLMOG_MIN_X) return { sf: 1, cdf: 0 };
  if (x <= KOLMOG_CUTOVER) {
    // Jacobi-theta form, accurate for the CDF when λ is small:
    // K(λ) = √(2π)/λ · Σ_{k odd} exp(−k²π²/(8λ²))
    const a = -PI2 / (8 * x * x);
    let sum = 0;
    for (let k = 1; k < 200; k += 2) {
      const t = Math.exp(a * k * k);
      sum += t;
      if (t <= sum * 1e-17) break;
    }
    const cdf = Math.min(1, Math.max(0, (SQRT_2PI / x) * sum));
    return { sf: 1 - cdf, cdf };
  }
  const a = -2 * x * x;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k < 200; k++) {
    const t = Math.exp(a * k * k);
    sum += sign * t;
    if (t <= Math.abs(sum) * 1e-17) break;
    sign = -sign;
  }
  const sf = Math.min(1, Math.max(0, 2 * sum));
  return { sf, cdf: 1 - sf };
}

/** Kolmogorov limiting survival Q(λ) = P(√n·Dₙ ≥ λ) as n → ∞ (scipy.special.kolmogorov). */
export function kolmogorovSf(x: number): number {
  return kolmogorovBoth(x).sf;
}

/** 1 − Q(λ) (scipy.special.kolmogc). */
export function kolmogorovCdf(x: number): number {
  return kolmogorovBoth(x).cdf;
}

/**
 * One-sided P(D⁺ₙ ≥ x), exact:  x · Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (x+v/n)^{v−1} (1−x−v/n)^{n−v}.
 * All terms are positive, so there is no cancellation; each is evaluated in log space with
 * the binomial written through Stirling errors so that nothing of size n·ln n is subtracted.
 * Above n = 10⁶ scipy switches to exp(−(6nx+1)²/(18n)), and so do we, to agree with it.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0) || !Number.isInteger(n) || !(x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  if (nx <= 1) return 1 - x * Math.pow(1 + x, n - 1); // only the v = 0 term of the complement
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (Math.floor(nx) >= n - 1) return Math.pow(1 - x, n);
  if (n > 1_000_000) {
    const logp = -((6 * nx + 1) ** 2) / 18 / n;
    return logp < -LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  // Last v with 1 − x − v/n > 0.
  let vMax = Math.floor(n - nx);
  if (n - vMax <= nx) vMax--;
  const lnTerm = smirnovLogTerm(n, nx);
  // The terms are unimodal in v (checked against scipy over n ≤ 10⁶); with n ~ 10⁶ most of
  // them are negligible, so find the peak by bisection on the slope and sum outwards from it
  // until the terms no longer change the sum (a third of the terms at n = 5·10⁵, D = 0.02).
  let lo = 0;
  let hi = vMax;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lnTerm(mid + 1) > lnTerm(mid)) lo = mid + 1;
    else hi = mid;
  }
  const peak = lo;
  let sum = 0;
  for (let v = peak; v >= 0; v--) {
    const term = Math.exp(lnTerm(v));
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  for (let v = peak + 1; v <= vMax; v++) {
    const term = Math.exp(lnTerm(v));
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/**
 * ln(x·A_v) for the Smirnov sum, as a function of v. With C(n,v) expanded through Stirling
 * errors δ, the big n·ln n pieces cancel analytically and what is left is
 *   (n−v)·ln(1 − nx/(n−v)) + v·ln(1 + nx/v) − ln(1 + v/(nx)) + ½·ln(n/(2πv(n−v))) + δ(n) − δ(v) − δ(n−v).
 */
function smirnovLogTerm(n: number, nx: number): (v: number) => number {
  const deltaN = stirlingError(n);
  const halfLnN = 0.5 * (Math.log(n) - LN_2PI);
  const v0 = n * Math.log1p(-nx / n); // v = 0: x·A₀ = (1 − x)ⁿ
  return (v: number): number => {
    if (v === 0) return v0;
    const m = n - v;
    return (
      m * Math.log1p(-nx / m) +
      v * Math.log1p(nx / v) -
      Math.log1p(v / nx) +
      halfLnN -
      0.5 * (Math.log(v) + Math.log(m)) +
      deltaN -
      stirlingError(v) -
      stirlingError(m)
    );
  };
}

// ---------------------------------------------------------------------------------------------
// Two-sided, finite n (scipy.stats.kstwo)

/** ln(n!/nⁿ) = −n + ½·ln(2πn) + δ(n). */
function logFactorialOverPower(n: number): number {
  return -n + 0.5 * (LN_2PI + Math.log(n)) + stirlingError(n);
}

function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const ai = i * m;
    for (let k = 0; k < m; k++) {
      const aik = a[ai + k];
      if (aik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) out[ai + j] += aik * b[bk + j];
    }
  }
  return out;
}

/** Divide by a power of two (exact) so the largest entry is ≤ 1; returns the exponent removed. */
function rescale(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > max) max = a[i];
  if (max === 0 || (max <= 2 ** 100 && max >= 2 ** -100)) return 0;
  const e = Math.ceil(Math.log2(max));
  const f = 2 ** -e;
  for (let i = 0; i < a.length; i++) a[i] *= f;
  return e;
}

/**
 * Durbin's matrix for P(Dₙ < d), in Marsaglia-Tsang-Wang form: with d = (k − h)/n, 0 ≤ h < 1,
 * m = 2k − 1, the answer is (n!/nⁿ)·(Hⁿ)_{k,k}, H lower-Hessenberg with 1/j! bands and corrected
 * first column and last row. Powers by squaring, rescaled by powers of two as they grow.
 */
function durbinMatrixCdf(n: number, d: number): number {
  const nd = n * d;
  if (d >= 1) return 1;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const H = new Float64Array(m * m);
  const invFact = new Float64Array(m + 1); // invFact[j] = 1/j!
  invFact[0] = 1;
  for (let j = 1; j <= m; j++) invFact[j] = invFact[j - 1] / j;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i - j + 1 >= 0) H[i * m + j] = invFact[i - j + 1];
    }
  }
  for (let i = 0; i < m; i++) {
    const corr = (1 - h ** (i + 1)) * invFact[i + 1];
    H[i * m] = corr; // first column
    H[(m - 1) * m + (m - 1 - i)] = corr; // last row, mirrored
  }
  H[(m - 1) * m] = (1 - 2 * h ** m + Math.max(0, 2 * h - 1) ** m) * invFact[m];

  let base: Float64Array = H;
  let baseExp = 0;
  let acc: Float64Array | null = null;
  let accExp = 0;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      acc = acc === null ? base.slice() : matMul(acc, base, m);
      accExp += baseExp;
      accExp += rescale(acc);
    }
    if (e > 1) {
      base = matMul(base, base, m);
      baseExp *= 2;
      baseExp += rescale(base);
    }
  }
  const center = (acc as Float64Array)[(k - 1) * m + (k - 1)];
  if (!(center > 0)) return 0;
  const lnP = Math.log(center) + accExp * LN2 + logFactorialOverPower(n);
  return Math.min(1, Math.exp(lnP));
}

/**
 * Pelz-Good asymptotic series for P(Dₙ ≤ x): K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2},
 * z = x√n, each Kᵢ in its Jacobi-theta form (sums over odd m of polynomials × q^{m²}).
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  const q = Math.exp(qlog);
  const PI4 = PI2 * PI2;
  const PI6 = PI4 * PI2;

  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;

  // Horner in q⁸ᵏ over k = maxk…1, m = 2k − 1: Σ c(m)·q^{m²} = q·Σ c(m)·q^{(m²−1)}.
  const maxk = Math.ceil((16 * z) / Math.PI);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = maxk; k >= 1; k--) {
    const mm = 2 * k - 1;
    const m2 = mm * mm;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = Math.pow(q, 8 * k);
    s0 = s0 * qp + 1;
    s1 = s1 * qp + (k1a + k1b * m2);
    s2 = s2 * qp + (k2a + k2b * m2 + k2c * m4);
    s3 = s3 * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const f = q * SQRT_2PI;
  const K0 = (s0 * f) / z;
  let K1 = (s1 * f) / (6 * z4);
  let K2 = (s2 * f) / (72 * z4 * z3);
  let K3 = (s3 * f) / (6480 * z4 * z6);

  // The remaining sums run over all integers k with q' = e^{−π²/(2z²)}.
  const qq = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let e2 = 0;
  let e3 = 0;
  for (let k = maxk; k >= 1; k--) {
    const k2 = k * k;
    const w = Math.pow(qq, k2);
    const kpi = Math.PI * k;
    e2 += k2 * w;
    e3 += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * w;
  }
  K2 += (e2 * PI2 * SQRT_2PI) / (-36 * z3);
  K3 += (e3 * PI2 * SQRT_2PI) / (216 * z6);
  K1 /= Math.sqrt(n);
  K2 /= n;
  K3 /= n * Math.sqrt(n);
  return K0 + K1 + K2 + K3;
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** P(Dₙ ≤ x) or P(Dₙ ≥ x), choosing the method as Simard & L'Ecuyer (and scipy) do. */
function kolmogn(n: number, x: number, cdf: boolean): number {
  if (Number.isNaN(x) || Number.isNaN(n)) return NaN;
  if (!Number.isInteger(n) || n <= 0) return NaN;
  const pick = (c: number, s: number): number => clip01(cdf ? c : s);
  if (x >= 1) return pick(1, 0);
  if (x <= 0) return pick(0, 1);
  const t = n * x;
  if (t <= 1) {
    // Ruben-Gambino: for 1/(2n) ≤ x ≤ 1/n, P(Dₙ ≤ x) = n!/nⁿ · (2t − 1)ⁿ.
    if (t <= 0.5) return pick(0, 1);
    const p = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return pick(p, 1 - p);
  }
  if (t >= n - 1) {
    const p = 2 * Math.pow(1 - x, n);
    return pick(1 - p, p);
  }
  if (x >= 0.5) {
    // The two one-sided events are disjoint here, so P(Dₙ ≥ x) = 2·P(D⁺ₙ ≥ x) exactly.
    const p = 2 * smirnovSf(n, x);
    return pick(1 - p, p);
  }
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) {
      const p = durbinMatrixCdf(n, x);
      return pick(p, 1 - p);
    }
    const p = 2 * smirnovSf(n, x);
    return pick(1 - p, p);
  }
  if (!cdf) {
    if (nx2 >= 370) return 0;
    if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  }
  let c: number;
  if (nx2 >= 18) c = 1;
  else if (n <= 100_000 && n * x ** 1.5 <= 1.4) c = durbinMatrixCdf(n, x);
  else c = pelzGoodCdf(n, x);
  return pick(c, 1 - c);
}

/** P(Dₙ ≥ d) for the two-sided one-sample KS statistic (scipy.stats.kstwo.sf(d, n)). */
export function kstwoSf(d: number, n: number): number {
  return kolmogn(n, d, false);
}

/** P(Dₙ ≤ d) (scipy.stats.kstwo.cdf(d, n)). */
export function kstwoCdf(d: number, n: number): number {
  return kolmogn(n, d, true);
}
