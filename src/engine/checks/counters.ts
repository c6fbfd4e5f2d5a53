/**
 * Per-value counters for the data rules that must see every value (range, allowed categories,
 * regex): how many values were checked and broke the rule, the first offending row and line, and
 * the most frequent offending values, in bounded memory.
 */
import type { RowBatch, Value } from '../data/reader.ts';
import { parseNumber } from '../data/infer.ts';
import type { DataRule } from './types.ts';

const MAX_COUNTED_VALUES = 1000;
export const MAX_EXAMPLES = 5;
const n = (x: number): string => x.toLocaleString('en-US');
export const quoteValue = (v: string): string => JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}…` : v);

/** The first offending row of a counter, for the link and the message. */
export interface FirstHit {
  row: number;
  line?: number;
}

function hitAt(batch: RowBatch, r: number): FirstHit {
  const line = batch.lines?.[r];
  return { row: batch.rowOffset + r + 1, ...(line !== undefined ? { line } : {}) };
}

function isMissing(v: Value): boolean {
  return v === null || (typeof v === 'number' && v !== v);
}

/** Counts values of one column that break a rule, with the first hit and a few distinct examples. */
export abstract class ValueCounter {
  readonly column: string;
  private index = -1;
  checked = 0;
  bad = 0;
  first: FirstHit | undefined;
  readonly examples = new Map<string, number>();
  /** Offending values not kept in `examples` because the map was full. */
  otherBad = 0;

  constructor(column: string) {
    this.column = column;
  }

  add(batch: RowBatch): void {
    // Columns only grow across batches (JSONL keys may appear late), so a found index stays valid.
    if (this.index < 0) this.index = batch.columns.indexOf(this.column);
    if (this.index < 0) return;
    const values = batch.data[this.index]!;
    for (let r = 0; r < batch.rowCount; r++) {
      const v = values[r]!;
      if (isMissing(v)) continue;
      this.checked++;
      if (this.ok(v)) continue;
      this.bad++;
      if (!this.first) this.first = hitAt(batch, r);
      const key = String(v);
      const had = this.examples.get(key);
      if (had !== undefined) this.examples.set(key, had + 1);
      else if (this.examples.size < MAX_COUNTED_VALUES) this.examples.set(key, 1);
      else this.otherBad++;
    }
  }

  protected abstract ok(v: Value): boolean;

  /** Most frequent offending values first, as `"x" (12×)`. */
  topExamples(limit = MAX_EXAMPLES): string[] {
    return [...this.examples].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([v, c]) => `${quoteValue(v)} (${n(c)}×)`);
  }
}

export class RangeCounter extends ValueCounter {
  private readonly min: number;
  private readonly max: number;
  private readonly exclusive: boolean;
  notNumbers = 0;
  lowest = Infinity;
  highest = -Infinity;

  constructor(rule: Extract<DataRule, { kind: 'range' }>) {
    super(rule.column);
    this.min = rule.min ?? -Infinity;
    this.max = rule.max ?? Infinity;
    this.exclusive = rule.exclusive;
  }

  protected ok(v: Value): boolean {
    const x = typeof v === 'number' ? v : typeof v === 'string' ? parseNumber(v) : NaN;
    if (x !== x) {
      this.notNumbers++;
      return false;
    }
    if (x < this.lowest) this.lowest = x;
    if (x > this.highest) this.highest = x;
    return this.exclusive ? x > this.min && x < this.max : x >= this.min && x <= this.max;
  }
}

export class CategoryCounter extends ValueCounter {
  private readonly allowed: Set<string>;

  constructor(rule: Extract<DataRule, { kind: 'categories' }>) {
    super(rule.column);
    this.allowed = new Set(rule.allowed);
  }

  protected ok(v: Value): boolean {
    return this.allowed.has(typeof v === 'string' ? v : String(v));
  }
}

export class RegexCounter extends ValueCounter {
  private readonly regex: RegExp;
  /** Repeated values are tested once (categorical text repeats a lot). */
  private readonly memo = new Map<string, boolean>();

  constructor(rule: Extract<DataRule, { kind: 'regex' }>) {
    super(rule.column);
    this.regex = rule.regex;
  }

  protected ok(v: Value): boolean {
    const s = typeof v === 'string' ? v : String(v);
    let hit = this.memo.get(s);
    if (hit === undefined) {
      hit = this.regex.test(s);
      if (this.memo.size < 10_000) this.memo.set(s, hit);
    }
    return hit;
  }
}
