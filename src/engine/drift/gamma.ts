/**
 * Gamma-family special functions behind the drift p-values: log-gamma, the regularized
 * incomplete gamma (chi-square survival), erfc and the normal distribution.
 *
 * Accuracy target: close to full double precision (tests compare with Python's `math.erfc`
 * and scipy to ~1e-13 relative), so p-values match scipy's digits, not just its first few.
 */

const LN_SQRT_2PI = 0.91893853320467274178; // ½·ln(2π)
const LN_SQRT_PI = 0.57236494292470008707; // ½·ln(π) = lnΓ(½)

/**
 * Stirling-series remainder c(z) = lnΓ(z) − [(z − ½)·ln z − z + ½·ln 2π], valid for z ≥ 10.
 * Coefficients are B₂ₖ / (2k(2k−1)); with eight terms the truncation error at z = 10 is
 * below 1e-19, so rounding alone limits the result.
 */
function stirlingRemainder(z: number): number {
  const r = 1 / z;
  const r2 = r * r;
  return (
    r *
    (1 / 12 +
      r2 *
        (-1 / 360 +
          r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156 + r2 * (-3617 / 122400))))))))
  );
}

/** ln Γ(x) for x > 0. */
export function lgamma(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return Infinity;
  if (x === Infinity) return Infinity;
  if (x === 0.5) return LN_SQRT_PI;
  // Chi-square needs Γ(df/2): integers and half-integers. Their exact products avoid the
  // ~1e-15 absolute error of the shifted Stirling form near its zeros at 1 and 2.
  if (x <= 40 && Number.isInteger(2 * x)) {
    let g = Number.isInteger(x) ? 1 : Math.sqrt(Math.PI);
    for (let t = Number.isInteger(x) ? 1 : 0.5; t < x; t += 1) g *= t;
    return Math.log(g);
  }
  // Shift the argument up into the range where the Stirling series is exact to rounding,
  // remembering the product Γ(x+k)/Γ(x) = x(x+1)…(x+k−1).
  let z = x;
  let prod = 1;
  while (z < 10) {
    prod *= z;
    z += 1;
  }
  const big = (z - 0.5) * Math.log(z) - z + LN_SQRT_2PI + stirlingRemainder(z);
  return prod === 1 ? big : big - Math.log(prod);
}

const SMALL_FACTORIALS: readonly number[] = (() => {
  const out = [1];
  for (let k = 1; k <= 20; k++) out.push(out[k - 1] * k);
  return out;
})();

/** ln k! for integer k ≥ 0 (exact products below 21, Stirling above). */
export function logFactorial(k: number): number {
  if (k < 0 || !Number.isInteger(k)) return NaN;
  if (k <= 20) return Math.log(SMALL_FACTORIALS[k]);
  return lgamma(k + 1);
}

/**
 * δ(k) = ln k! − (k·ln k − k + ½·ln(2πk)), the Stirling error, for integer k ≥ 1.
 * Binomial terms built from δ avoid subtracting numbers of size k·ln k from each other,
 * which is what limits a plain lgamma-based ln C(n, v) at n ~ 10⁶.
 */
export function stirlingError(k: number): number {
  if (k >= 10) return stirlingRemainder(k);
  return Math.log(SMALL_FACTORIALS[k]) - ((k + 0.5) * Math.log(k) - k + LN_SQRT_2PI);
}

const GAMMA_EPS = 1e-17;
const GAMMA_MAX_ITER = 100_000;
const TINY = 1e-300;

/** Series for the lower regularized gamma P(a, x); converges fast for x < a + 1. */
function gammaPSeries(a: number, x: number, logPrefix: number): number {
  let term = 1 / a;
  let sum = term;
  let ap = a;
  for (let i = 0; i < GAMMA_MAX_ITER; i++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * GAMMA_EPS) break;
  }
  return sum * Math.exp(logPrefix);
}

/** Continued fraction (modified Lentz) for the upper regularized gamma Q(a, x), x ≥ a + 1. */
function gammaQFraction(a: number, x: number, logPrefix: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < GAMMA_MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < GAMMA_EPS) break;
  }
  return Math.exp(logPrefix) * h;
}

function gammaLogPrefix(a: number, x: number): number {
  const lg = a === 0.5 ? LN_SQRT_PI : lgamma(a);
  return a * Math.log(x) - x - lg;
}

/** Upper regularized incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaQ(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const prefix = gammaLogPrefix(a, x);
  if (x < a + 1) return 1 - gammaPSeries(a, x, prefix);
  return gammaQFraction(a, x, prefix);
}

/** Lower regularized incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0) return NaN;
  if (x <= 0) return 0;
  if (x === Infinity) return 1;
  const prefix = gammaLogPrefix(a, x);
  if (x < a + 1) return gammaPSeries(a, x, prefix);
  return 1 - gammaQFraction(a, x, prefix);
}

/** Survival function of the chi-square distribution, P(χ²_df ≥ x) (scipy `chi2.sf`). */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN;
  return gammaQ(df / 2, x / 2);
}

/**
 * Complementary error function. erfc(x) = Q(½, x²) for x ≥ 0, so it shares the
 * incomplete-gamma code; for x² < 1.5 erfc ≥ 0.08 and 1 − P(½, x²) loses under one digit.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x === 0) return 1;
  if (x > 27.3) return 0; // erfc(27.3) < 5e-326: below the smallest subnormal
  return gammaQ(0.5, x * x);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (x * x < 1.5) return gammaP(0.5, x * x);
  return 1 - erfc(x);
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}

/** Standard normal survival 1 − Φ(z), without the cancellation of computing 1 − Φ. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z * Math.SQRT1_2);
}

/** Two-sided normal p-value 2·(1 − Φ(|z|)). */
export function normalTwoSided(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return Math.min(1, erfc(Math.abs(z) * Math.SQRT1_2));
}
