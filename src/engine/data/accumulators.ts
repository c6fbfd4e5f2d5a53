/**
 * Per-column accumulators of the profiler: each takes a whole column of a batch (a tight monomorphic
 * loop per type is what makes one pass over millions of rows cheap) and keeps O(1) state apart from
 * the capped value counts and the optional value sample.
 */
import type { Value } from './common.ts';
import { hashNumber, hashString, HyperLogLog, Reservoir } from './hashing.ts';
import { NUM_FLOAT, NUM_INVALID, numberKind, parseBooleanWord, parseDatetime, parseNumber } from './infer.ts';

export interface DistinctCount {
  count: number;
  /** False once the exact count hit its cap: `count` is then a HyperLogLog estimate (±2 %). */
  exact: boolean;
}

const SMALL = 1024;

/**
 * Exact counts per number up to `cap` distinct values, then only an estimate of how many there are.
 * The map holds an index into `tally`, so a repeated value costs one lookup, not a get and a set.
 */
export class NumberCounts {
  /** Values outside the small-integer table; null once counting stopped at the cap. */
  map: Map<number, number> | null = new Map();
  private tally = new Float64Array(64);
  private readonly small = new Float64Array(2 * SMALL);
  private distinctSmall = 0;
  private hll: HyperLogLog | null = null;
  private readonly cap: number;

  constructor(cap: number) {
    this.cap = cap;
  }

  add(x: number): void {
    const map = this.map;
    if (map === null) {
      this.hll!.add(hashNumber(x));
      return;
    }
    if ((x | 0) === x && x >= -SMALL && x < SMALL) {
      // Small integers (codes, ratings, counts) are counted in an array: no hashing at all.
      const k = x + SMALL;
      if (this.small[k] === 0) {
        if (this.distinctSmall + map.size >= this.cap) return this.overflow(x);
        this.distinctSmall++;
      }
      this.small[k]++;
      return;
    }
    const id = map.get(x);
    if (id !== undefined) this.tally[id]!++;
    else if (map.size + this.distinctSmall < this.cap) {
      const next = map.size;
      if (next === this.tally.length) this.tally = grow(this.tally);
      map.set(x, next);
      this.tally[next] = 1;
    } else this.overflow(x);
  }

  /** Too many to count exactly: switch to the estimate (numbers this varied are never categories). */
  private overflow(x: number): void {
    const hll = new HyperLogLog();
    for (const k of this.map!.keys()) hll.add(hashNumber(k));
    for (let k = 0; k < this.small.length; k++) if (this.small[k] !== 0) hll.add(hashNumber(k - SMALL));
    hll.add(hashNumber(x));
    this.hll = hll;
    this.map = null;
  }

  /** [value, count] pairs; empty once the exact counts were dropped. */
  entries(): [number, number][] {
    if (!this.map) return [];
    const out: [number, number][] = [...this.map].map(([k, id]) => [k, this.tally[id]!]);
    for (let k = 0; k < this.small.length; k++) if (this.small[k] !== 0) out.push([k - SMALL, this.small[k]!]);
    return out;
  }

  distinct(): DistinctCount {
    return this.map ? { count: this.map.size + this.distinctSmall, exact: true } : { count: this.hll!.estimate(), exact: false };
  }
}

function grow(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Exact counts per string for the first `cap` distinct values; later new values go to `other` (and
 * to an estimate of the distinct count). Counts of values already known stay exact.
 */
export class StringCounts {
  private readonly ids = new Map<string, number>();
  private tally = new Float64Array(64);
  other = 0;
  private hll: HyperLogLog | null = null;
  private readonly cap: number;

  constructor(cap: number) {
    this.cap = cap;
  }

  get truncated(): boolean {
    return this.hll !== null;
  }

  get size(): number {
    return this.ids.size;
  }

  add(s: string): void {
    const id = this.ids.get(s);
    if (id !== undefined) {
      this.tally[id]!++;
      return;
    }
    if (this.hll === null) {
      const next = this.ids.size;
      if (next < this.cap) {
        if (next === this.tally.length) this.tally = grow(this.tally);
        this.ids.set(s, next);
        this.tally[next] = 1;
        return;
      }
      this.hll = new HyperLogLog();
      for (const k of this.ids.keys()) this.hll.add(hashString(k));
    }
    this.other++;
    this.hll.add(hashString(s));
  }

  /** The values with exact counts, in order of first appearance. */
  keys(): IterableIterator<string> {
    return this.ids.keys();
  }

  entries(): [string, number][] {
    return [...this.ids].map(([k, id]) => [k, this.tally[id]!]);
  }

  distinct(): DistinctCount {
    return this.hll ? { count: Math.max(this.ids.size, this.hll.estimate()), exact: false } : { count: this.ids.size, exact: true };
  }
}

/** Values that do not fit the column's type: counted, first occurrence located, examples kept. */
export class InvalidValues {
  count = 0;
  /** 0-based row of the first one, -1 if none. */
  firstRow = -1;
  firstLine = -1;
  readonly counts: StringCounts;

  constructor(cap: number) {
    this.counts = new StringCounts(cap);
  }

  add(v: Value, row: number, line: number): void {
    if (this.count++ === 0) {
      this.firstRow = row;
      this.firstLine = line;
    }
    this.counts.add(String(v));
  }
}

export interface AccumulatorOptions {
  maxDistinct: number;
  /** Keep the numeric values themselves (for drift tests), up to maxValues, then a sample. */
  collect: boolean;
  maxValues: number;
  seed: number;
}

export class NumericAcc {
  readonly kind = 'numeric';
  missing = 0;
  n = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  infinite = 0;
  /** Every value so far was an integer written without a decimal point or exponent. */
  integral = true;
  readonly invalid: InvalidValues;
  readonly counts: NumberCounts;
  readonly reservoir: Reservoir | null;

  constructor(o: AccumulatorOptions) {
    this.invalid = new InvalidValues(o.maxDistinct);
    this.counts = new NumberCounts(o.maxDistinct);
    this.reservoir = o.collect ? new Reservoir(o.maxValues, o.seed) : null;
  }

  add(values: readonly Value[], rowOffset: number, lines: Int32Array | undefined): void {
    let { n, mean, m2, min, max, integral } = this;
    const counts = this.counts;
    const res = this.reservoir;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      let x: number;
      if (v === null) {
        this.missing++;
        continue;
      } else if (typeof v === 'string') {
        x = parseNumber(v);
        if (numberKind === NUM_INVALID) {
          this.invalid.add(v, rowOffset + i, lines ? lines[i]! : -1);
          continue;
        }
        if (numberKind === NUM_FLOAT) integral = false;
      } else if (typeof v === 'number') {
        x = v;
        if (x !== x) {
          this.missing++;
          continue;
        }
        if (integral && !Number.isInteger(x)) integral = false;
      } else x = v ? 1 : 0;
      if (x === Infinity || x === -Infinity) {
        this.infinite++;
        continue;
      }
      const d = x - mean;
      mean += d / ++n;
      m2 += d * (x - mean);
      if (x < min) min = x;
      if (x > max) max = x;
      counts.add(x);
      if (res !== null) res.add(x);
    }
    this.n = n;
    this.mean = mean;
    this.m2 = m2;
    this.min = min;
    this.max = max;
    this.integral = integral;
  }
}

export class BooleanAcc {
  readonly kind = 'boolean';
  missing = 0;
  trues = 0;
  falses = 0;
  readonly invalid: InvalidValues;

  constructor(o: AccumulatorOptions) {
    this.invalid = new InvalidValues(o.maxDistinct);
  }

  add(values: readonly Value[], rowOffset: number, lines: Int32Array | undefined): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      let b: number;
      if (v === null) {
        this.missing++;
        continue;
      } else if (typeof v === 'boolean') b = v ? 1 : 0;
      else if (typeof v === 'number') b = v === 1 ? 1 : v === 0 ? 0 : Number.isNaN(v) ? -2 : -1;
      else b = v === 'true' ? 1 : v === 'false' ? 0 : v === '1' ? 1 : v === '0' ? 0 : parseBooleanWord(v);
      if (b === 1) this.trues++;
      else if (b === 0) this.falses++;
      else if (b === -2) this.missing++;
      else this.invalid.add(v, rowOffset + i, lines ? lines[i]! : -1);
    }
  }
}

export class DatetimeAcc {
  readonly kind = 'datetime';
  missing = 0;
  n = 0;
  min = Infinity;
  max = -Infinity;
  readonly invalid: InvalidValues;
  readonly counts: NumberCounts;

  constructor(o: AccumulatorOptions) {
    this.invalid = new InvalidValues(o.maxDistinct);
    this.counts = new NumberCounts(o.maxDistinct);
  }

  add(values: readonly Value[], rowOffset: number, lines: Int32Array | undefined): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === null) {
        this.missing++;
        continue;
      }
      const t = typeof v === 'string' ? parseDatetime(v) : NaN;
      if (t !== t) {
        this.invalid.add(v, rowOffset + i, lines ? lines[i]! : -1);
        continue;
      }
      this.n++;
      if (t < this.min) this.min = t;
      if (t > this.max) this.max = t;
      this.counts.add(t);
    }
  }
}

export class StringAcc {
  readonly kind = 'string';
  missing = 0;
  n = 0;
  /** Lengths in UTF-16 code units, as JavaScript and most tools measure them. */
  minLen = Infinity;
  maxLen = -Infinity;
  readonly counts: StringCounts;

  constructor(o: AccumulatorOptions) {
    this.counts = new StringCounts(o.maxDistinct);
  }

  add(values: readonly Value[]): void {
    const counts = this.counts;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === null || (typeof v === 'number' && v !== v)) {
        this.missing++;
        continue;
      }
      const s = typeof v === 'string' ? v : String(v);
      this.n++;
      if (s.length < this.minLen) this.minLen = s.length;
      if (s.length > this.maxLen) this.maxLen = s.length;
      counts.add(s);
    }
  }
}

/** A column with no value seen yet: only missing values are counted until one arrives. */
export class PendingAcc {
  readonly kind = 'pending';
  missing = 0;
}

export class IgnoredAcc {
  readonly kind = 'ignored';
  missing = 0;
}

export type Accumulator = NumericAcc | BooleanAcc | DatetimeAcc | StringAcc | PendingAcc | IgnoredAcc;
