/**
 * One column's values prepared for the drift tests, with missing values already separated:
 * numeric columns become a sorted Float64Array (sorted once, shared by every test), categorical
 * columns a table of counts. Category tables over the union of reference and current keys are
 * built here too, in a fixed order so results and charts are deterministic.
 */

import { runLengths, sortedFinite } from './stats.ts';

export type CategoryKey = string | number | boolean;

export interface NumericSample {
  readonly kind: 'numeric';
  /** Finite values, ascending. */
  readonly sorted: Float64Array;
  /** NaN, ±inf, null or undefined entries that were dropped. */
  readonly missing: number;
}

export interface CategoricalSample {
  readonly kind: 'categorical';
  readonly counts: ReadonlyMap<CategoryKey, number>;
  /** Non-missing values. */
  readonly n: number;
  readonly missing: number;
}

export type Sample = NumericSample | CategoricalSample;

export function sampleSize(s: Sample): number {
  return s.kind === 'numeric' ? s.sorted.length : s.n;
}

/** Numeric sample: NaN, ±inf (and anything not a number) count as missing. */
export function numericSample(values: ArrayLike<number | null | undefined>): NumericSample {
  const sorted = sortedFinite(values as ArrayLike<number>);
  return { kind: 'numeric', sorted, missing: values.length - sorted.length };
}

/** null, undefined, NaN and ±inf are missing; every other value is a category. */
export function isMissingValue(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  return typeof v === 'number' && !Number.isFinite(v);
}

export function categoricalSample(values: ArrayLike<CategoryKey | null | undefined>): CategoricalSample {
  const counts = new Map<CategoryKey, number>();
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissingValue(v)) {
      missing++;
      continue;
    }
    const key = v as CategoryKey;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { kind: 'categorical', counts, n: values.length - missing, missing };
}

/** A numeric sample seen as categories (one per distinct value), e.g. for chi-square on codes. */
export function asCategorical(s: Sample): CategoricalSample {
  if (s.kind === 'categorical') return s;
  const { values, counts } = runLengths(s.sorted);
  const map = new Map<CategoryKey, number>();
  for (let i = 0; i < values.length; i++) map.set(values[i], counts[i]);
  return { kind: 'categorical', counts: map, n: s.sorted.length, missing: s.missing };
}

function typeRank(k: CategoryKey): number {
  return typeof k === 'boolean' ? 0 : typeof k === 'number' ? 1 : 2;
}

/**
 * Total order on keys: booleans (false < true), then numbers ascending, then strings by Unicode
 * code point — Python's `sorted` order for same-typed keys, which fixes the Z-test's "first key".
 */
export function compareKeys(a: CategoryKey, b: CategoryKey): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'string') return compareCodePoints(a, b as string);
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca - cb;
  }
  return a.length - b.length;
}

/** Counts of reference and current over the union of their keys, in `compareKeys` order. */
export interface CategoryTable {
  readonly keys: CategoryKey[];
  readonly ref: Float64Array;
  readonly cur: Float64Array;
  readonly nRef: number;
  readonly nCur: number;
}

export function categoryTable(ref: Sample, cur: Sample): CategoryTable {
  if (ref.kind === 'numeric' && cur.kind === 'numeric') return numericCategoryTable(ref.sorted, cur.sorted);
  const r = asCategorical(ref);
  const c = asCategorical(cur);
  const keySet = new Set<CategoryKey>(r.counts.keys());
  for (const k of c.counts.keys()) keySet.add(k);
  const keys = [...keySet].sort(compareKeys);
  const refCounts = new Float64Array(keys.length);
  const curCounts = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    refCounts[i] = r.counts.get(k) ?? 0;
    curCounts[i] = c.counts.get(k) ?? 0;
  });
  return { keys, ref: refCounts, cur: curCounts, nRef: r.n, nCur: c.n };
}

/** Same table straight from two sorted arrays, without hashing a million doubles. */
function numericCategoryTable(a: Float64Array, b: Float64Array): CategoryTable {
  const keys: number[] = [];
  const rc: number[] = [];
  const cc: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    const i0 = i;
    const j0 = j;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    keys.push(x);
    rc.push(i - i0);
    cc.push(j - j0);
  }
  return { keys, ref: Float64Array.from(rc), cur: Float64Array.from(cc), nRef: a.length, nCur: b.length };
}
