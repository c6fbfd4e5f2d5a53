/**
 * Raw column input and column-type inference (drift.md §2.2, Evidently's new-API rules).
 * The inferred type picks the default test; users can override it per column (R15), e.g. to
 * treat integer codes with many values as categories.
 */
import type { CategoryKey } from './sample.ts';
import { isMissingValue } from './sample.ts';

export type ColumnType = 'numerical' | 'categorical' | 'text' | 'datetime' | 'unknown';

/**
 * Values as they come from a loader. Numbers use NaN for missing (±inf is treated as missing
 * too); other kinds use null/undefined. `datetime` values are epoch milliseconds.
 * `object` is a mixed column whose kind is decided from its values, as pandas' object dtype.
 */
export type RawColumn =
  | { readonly dtype: 'float' | 'integer' | 'datetime'; readonly values: ArrayLike<number> }
  | { readonly dtype: 'string' | 'category'; readonly values: ArrayLike<string | null | undefined> }
  | { readonly dtype: 'bool'; readonly values: ArrayLike<boolean | null | undefined> }
  | { readonly dtype: 'object'; readonly values: ArrayLike<CategoryKey | null | undefined> };

export type RawDtype = RawColumn['dtype'];

/** Integer columns with at most this many distinct values are categorical. */
export const INTEGER_CARDINALITY_LIMIT = 10;
/** String columns whose distinct values exceed this share of non-missing values are text. */
export const TEXT_UNIQUE_SHARE = 0.5;

/** Distinct non-missing values and the non-missing count. */
export function distinctCount(values: ArrayLike<unknown>): { distinct: number; count: number } {
  const seen = new Set<unknown>();
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissingValue(v)) continue;
    count++;
    seen.add(v);
  }
  return { distinct: seen.size, count };
}

function stringRule(values: ArrayLike<unknown>): ColumnType {
  const { distinct, count } = distinctCount(values);
  return distinct > count * TEXT_UNIQUE_SHARE ? 'text' : 'categorical';
}

/**
 * Evidently's inference: float → numerical; integer → categorical when ≤ 10 distinct values,
 * else numerical; string → text when distinct > 50 % of non-missing values, else categorical;
 * bool and category → categorical; datetime → datetime (not drift-tested). A mixed `object`
 * column follows the string rule when its first and last non-missing values are strings,
 * and is `unknown` otherwise (including all-missing).
 */
export function inferColumnType(column: RawColumn): ColumnType {
  switch (column.dtype) {
    case 'float':
      return 'numerical';
    case 'integer':
      return distinctCount(column.values).distinct <= INTEGER_CARDINALITY_LIMIT ? 'categorical' : 'numerical';
    case 'string':
      return stringRule(column.values);
    case 'bool':
    case 'category':
      return 'categorical';
    case 'datetime':
      return 'datetime';
    case 'object': {
      let first: unknown;
      let last: unknown;
      for (let i = 0; i < column.values.length; i++) {
        const v = column.values[i];
        if (isMissingValue(v)) continue;
        if (first === undefined) first = v;
        last = v;
      }
      if (first === undefined) return 'unknown';
      return typeof first === 'string' && typeof last === 'string' ? stringRule(column.values) : 'unknown';
    }
  }
}

/** True when the column holds numbers (so it can feed the numeric tests). */
export function isNumericDtype(dtype: RawDtype): boolean {
  return dtype === 'float' || dtype === 'integer' || dtype === 'datetime';
}
