import assert from 'node:assert/strict';

/** Assert |actual − expected| ≤ max(rel·|expected|, abs). */
export function assertClose(actual: number, expected: number, rel: number, abs = 0, message = ''): void {
  const tol = Math.max(rel * Math.abs(expected), abs);
  const ok = actual === expected || Math.abs(actual - expected) <= tol;
  assert.ok(ok, `${message} expected ${expected}, got ${actual} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
}

/**
 * Deterministic data without a random generator: ((i·mult) mod m)/10 + shift. The same formula
 * in Python produced the scipy constants quoted next to its uses, e.g.
 *   np.array([((i*7919) % 1000)/10 for i in range(60)])
 * Every value is an exact decimal/10 division, identical in both languages.
 */
export function gen(n: number, mult: number, mod: number, shift = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * mult) % mod) / 10 + shift;
  return out;
}

/** rep([a, b], [2, 3]) = [a, a, b, b, b] (drift.md §5 notation). */
export function rep<T>(values: readonly T[], counts: readonly number[]): T[] {
  const out: T[] = [];
  values.forEach((v, i) => {
    for (let k = 0; k < counts[i]; k++) out.push(v);
  });
  return out;
}

/** [values] * k. */
export function times<T>(values: readonly T[], k: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < k; i++) out.push(...values);
  return out;
}
