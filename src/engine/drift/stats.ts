/**
 * Numeric helpers shared by the drift tests. A numeric sample is kept as one sorted
 * Float64Array of its finite values: KS, Wasserstein, histograms and distinct counts all
 * read the same sorted copy, so each column is sorted exactly once.
 */

/** Copy of the finite values (±inf and NaN count as missing, as Evidently does). */
export function finiteValues(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // v - v is 0 for finite numbers and NaN for NaN/±inf; typeof guards non-number input.
    if (typeof v === 'number' && v - v === 0) out[k++] = v;
  }
  return k === n ? out : out.slice(0, k);
}

/** Number of entries that are not finite numbers. */
export function countMissing(values: ArrayLike<number>): number {
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(typeof v === 'number' && v - v === 0)) missing++;
  }
  return missing;
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;
/** Below this size the built-in comparison sort is as fast and needs no scratch space. */
const RADIX_MIN = 4096;
let scratch: Float64Array | null = null;

/**
 * Sort finite doubles ascending, in place, and return the array.
 *
 * An LSD radix sort over the IEEE-754 bits (6 passes of 11 bits) runs in about 35–50 ms per
 * million values against ~140 ms for Float64Array.prototype.sort, and sorting is most of the
 * cost of KS and Wasserstein on large columns. Bits are made order-preserving by flipping the
 * sign bit of positives and all bits of negatives; passes where every key has the same digit
 * are skipped (common for integer-valued or narrow-range data).
 */
export function sortFinite(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN) return a.sort();
  if (scratch === null || scratch.length < n) scratch = new Float64Array(Math.max(n, scratch ? scratch.length * 2 : 0));
  let u = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  let w = new Uint32Array(scratch.buffer, 0, 2 * n);
  const counts = new Uint32Array(6 * RADIX);
  encodeAndCount(u, counts);
  let passes = 0;
  for (let p = 0; p < 6; p++) {
    const base = p * RADIX;
    let trivial = false;
    let sum = 0;
    for (let k = 0; k < RADIX; k++) {
      const c = counts[base + k];
      if (c === n) trivial = true;
      counts[base + k] = sum;
      sum += c;
    }
    if (trivial) continue;
    scatter(u, w, counts, base, p < 3 ? 0 : 1, (p % 3) * RADIX_BITS);
    const t = u;
    u = w;
    w = t;
    passes++;
  }
  // An odd number of passes leaves the result in the scratch buffer.
  if (passes % 2 === 1) w.set(u);
  decode(new Uint32Array(a.buffer, a.byteOffset, 2 * n));
  return a;
}

function encodeAndCount(u: Uint32Array, counts: Uint32Array): void {
  const m = u.length;
  for (let i = 0; i < m; i += 2) {
    let lo = u[i];
    let hi = u[i + 1];
    if (hi >= 0x80000000) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
    } else {
      hi = hi + 0x80000000;
    }
    u[i] = lo;
    u[i + 1] = hi;
    counts[lo & RADIX_MASK]++;
    counts[RADIX + ((lo >>> 11) & RADIX_MASK)]++;
    counts[2 * RADIX + (lo >>> 22)]++;
    counts[3 * RADIX + (hi & RADIX_MASK)]++;
    counts[4 * RADIX + ((hi >>> 11) & RADIX_MASK)]++;
    counts[5 * RADIX + (hi >>> 22)]++;
  }
}

function scatter(u: Uint32Array, w: Uint32Array, counts: Uint32Array, base: number, word: number, shift: number): void {
  const m = u.length;
  for (let i = 0; i < m; i += 2) {
    const j = counts[base + ((u[i + word] >>> shift) & RADIX_MASK)]++ << 1;
    w[j] = u[i];
    w[j + 1] = u[i + 1];
  }
}

function decode(u: Uint32Array): void {
  const m = u.length;
  for (let i = 0; i < m; i += 2) {
    const hi = u[i + 1];
    if (hi >= 0x80000000) {
      u[i + 1] = hi - 0x80000000;
    } else {
      u[i] = ~u[i] >>> 0;
      u[i + 1] = ~hi >>> 0;
    }
  }
}

/** Finite values of `values`, sorted ascending (a fresh array; the input is untouched). */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  return sortFinite(finiteValues(values));
}

/** First index i with a[i] ≥ x (numpy searchsorted side='left'). */
export function lowerBound(a: Float64Array, x: number, from = 0, to = a.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with a[i] > x (numpy searchsorted side='right'). */
export function upperBound(a: Float64Array, x: number, from = 0, to = a.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Distinct values in a sorted array, stopping early once `limit` is exceeded. */
export function countDistinctSorted(a: Float64Array, limit = Infinity): number {
  if (a.length === 0) return 0;
  let count = 1;
  for (let i = 1; i < a.length; i++) {
    if (a[i] !== a[i - 1]) {
      count++;
      if (count > limit) return count;
    }
  }
  return count;
}

/** Distinct values of the union of two sorted arrays. */
export function countDistinctUnion(a: Float64Array, b: Float64Array, limit = Infinity): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    count++;
    if (count > limit) return count;
  }
  return count;
}

/** Distinct values and their counts, from a sorted array (run lengths). */
export function runLengths(a: Float64Array): { values: Float64Array; counts: Float64Array } {
  const values: number[] = [];
  const counts: number[] = [];
  let i = 0;
  while (i < a.length) {
    const x = a[i];
    let j = i + 1;
    while (j < a.length && a[j] === x) j++;
    values.push(x);
    counts.push(j - i);
    i = j;
  }
  return { values: Float64Array.from(values), counts: Float64Array.from(counts) };
}

/**
 * Sum with Neumaier compensation: column sums over 10⁶ values then agree with numpy's pairwise
 * summation to ~1e-16 relative instead of ~1e-13.
 */
export function sum(a: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    const t = s + v;
    if (Math.abs(s) >= Math.abs(v)) c += s - t + v;
    else c += v - t + s;
    s = t;
  }
  return s + c;
}

export function mean(a: ArrayLike<number>): number {
  return a.length === 0 ? NaN : sum(a) / a.length;
}

/** Population standard deviation (ddof = 0, numpy's np.std default), two-pass. */
export function stdPopulation(a: ArrayLike<number>): number {
  const n = a.length;
  if (n === 0) return NaN;
  const m = mean(a);
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - m;
    const v = d * d;
    const t = s + v;
    if (s >= v) c += s - t + v;
    else c += v - t + s;
    s = t;
  }
  return Math.sqrt((s + c) / n);
}

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}
