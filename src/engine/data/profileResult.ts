/**
 * The profile's JSON shape and the step from accumulators to it: final storage types from the whole
 * file, drift roles, and an issue for everything the user should know (values that do not fit the
 * type, caps that were hit, rows that were skipped). Columns are an array and categories are
 * [value, count] pairs, so no data-controlled text ever becomes an object key.
 */
import type { BadRow, DatasetFormat, DatasetSource } from './common.ts';
import type { Accumulator, BooleanAcc, DatetimeAcc, DistinctCount, InvalidValues, NumericAcc } from './accumulators.ts';
import type { DuplicateReport } from './duplicates.ts';
import { driftRoleOf } from './infer.ts';
import type { ColumnPlan, DriftRole, InferOptions, StorageType } from './infer.ts';

export interface ProfileSettings {
  maxDistinct: number;
  maxValues: number;
  maxNumericCategories: number;
  maxTextCategories: number;
  seed: number;
  typeThreshold: number;
}

export interface DataIssue {
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
  column?: string;
  /** 1-based data row. */
  row?: number;
  /** 1-based physical line (text formats). */
  line?: number;
  hint?: string;
}

export interface Categories {
  /** [value, count], most frequent first (ties by value). */
  counts: [string, number][];
  /** Rows whose value is not listed in `counts`. */
  other: number;
  /** Not every distinct value is listed (cap hit, or only the top of a text column). */
  truncated: boolean;
}

export interface ColumnProfile {
  name: string;
  /** 0-based position in the file. */
  position: number;
  storageType: StorageType;
  role: DriftRole;
  /** The type or role came from an override or the timestamp option, not from the data. */
  overridden: boolean;
  rows: number;
  nonNull: number;
  missing: number;
  missingShare: number;
  /** Non-missing values that do not fit the column's type (left out of its statistics). */
  invalid?: { count: number; share: number; firstRow: number; firstLine?: number; examples: string[] };
  distinct?: DistinctCount;
  /** Over the finite numeric values; `std` is the population (ddof 0), `sampleStd` the sample (ddof 1) one. */
  numeric?: { min: number; max: number; mean: number; std: number; sampleStd: number | null; sum: number; count: number; infinite: number };
  boolean?: { true: number; false: number; trueShare: number };
  datetime?: { min: string; max: string };
  /** String lengths in UTF-16 code units. */
  lengths?: { min: number; max: number };
  categories?: Categories;
  /** Set when numeric values were collected (see ProfileResult.values). */
  values?: { kept: number; seen: number; sampled: boolean };
}

export interface DatasetProfile {
  version: 1;
  path: string;
  format: DatasetFormat;
  rows: number;
  columnCount: number;
  skippedRows: number;
  badRows: BadRow[];
  truncatedTail: boolean;
  timestampColumn?: string;
  columns: ColumnProfile[];
  duplicates?: DuplicateReport;
  issues: DataIssue[];
  settings: ProfileSettings;
}

export interface NumericSample {
  /** All values in file order, or a uniform sample of `maxValues` of them when `sampled`. */
  values: Float64Array;
  seen: number;
  sampled: boolean;
}

function sortedCounts<K>(entries: Iterable<[K, number]>, label: (k: K) => string): [string, number][] {
  const arr = [...entries];
  arr.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return arr.map(([k, n]) => [label(k), n]);
}

function top(counts: [string, number][], limit: number, other: number, truncated: boolean): Categories {
  if (counts.length <= limit) return { counts, other, truncated };
  const kept = counts.slice(0, limit);
  let rest = other;
  for (let i = limit; i < counts.length; i++) rest += counts[i]![1];
  return { counts: kept, other: rest, truncated: true };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const fmtRow = (row: number, line: number): string => `row ${row + 1}${line >= 0 ? ` (line ${line})` : ''}`;

function invalidInfo(inv: InvalidValues, nonNull: number): NonNullable<ColumnProfile['invalid']> {
  return {
    count: inv.count,
    share: nonNull > 0 ? inv.count / nonNull : 0,
    firstRow: inv.firstRow + 1,
    ...(inv.firstLine >= 0 ? { firstLine: inv.firstLine } : {}),
    examples: [...inv.counts.keys()].slice(0, 5),
  };
}

export interface FinishedColumn {
  column: ColumnProfile;
  issues: DataIssue[];
  sample?: NumericSample;
}

/** Turn one column's accumulator into its profile. `rows` is the dataset's row count. */
export function finishColumn(plan: ColumnPlan, acc: Accumulator, position: number, rows: number, s: ProfileSettings, options: InferOptions): FinishedColumn {
  const name = plan.name;
  const issues: DataIssue[] = [];
  const missing = acc.missing;
  const base = { name, position, overridden: plan.override?.type !== undefined || plan.override?.ignore === true || plan.timestamp, rows, missing, missingShare: rows > 0 ? missing / rows : 0, nonNull: rows - missing };
  const nonNull = base.nonNull;
  if (acc.kind === 'ignored') return { column: { ...base, storageType: plan.sampleType, role: 'ignored' }, issues };
  if (acc.kind === 'pending') {
    issues.push({ severity: 'info', code: 'empty-column', column: name, message: `column ${JSON.stringify(name)} has no values (all ${rows.toLocaleString('en-US')} missing); it is left out of drift tests` });
    return { column: { ...base, storageType: 'empty', role: plan.timestamp ? 'timestamp' : 'ignored' }, issues };
  }

  let storage: StorageType;
  let distinct: DistinctCount;
  let categories: Categories | undefined;
  const extra: Partial<ColumnProfile> = {};
  let sample: NumericSample | undefined;
  const invalid = acc.kind === 'string' ? undefined : acc.invalid;

  if (invalid && invalid.count > (1 - s.typeThreshold) * nonNull && !plan.override?.type && !plan.timestamp) {
    // Mostly not the sampled type after all (e.g. numbers first, text later): read it as strings.
    storage = 'string';
    const own = typedCounts(acc as NumericAcc | BooleanAcc | DatetimeAcc);
    const merged = sortedCounts([...own.counts, ...invalid.counts.entries()], (k) => k);
    const truncated = !own.exact || invalid.counts.truncated;
    const ownDistinct = own.exact ? own.counts.length : (acc as NumericAcc | DatetimeAcc).counts.distinct().count;
    distinct = { count: ownDistinct + invalid.counts.distinct().count, exact: !truncated };
    categories = { counts: merged, other: truncated ? nonNull - merged.reduce((t, [, n]) => t + n, 0) : 0, truncated };
    issues.push({
      severity: 'warning',
      code: 'mixed-types',
      column: name,
      message: `column ${JSON.stringify(name)} looked ${plan.sampleType} in the first rows, but ${invalid.count.toLocaleString('en-US')} of ${nonNull.toLocaleString('en-US')} values are not, first at ${fmtRow(invalid.firstRow, invalid.firstLine)}: ${JSON.stringify(invalid.counts.keys().next().value)}; it is profiled as text`,
      row: invalid.firstRow + 1,
      ...(invalid.firstLine >= 0 ? { line: invalid.firstLine } : {}),
      hint: `set overrides: { ${JSON.stringify(name)}: { type: categorical } } to read it as text from the start, or clean the values`,
    });
  } else {
    if (invalid && invalid.count > 0) {
      extra.invalid = invalidInfo(invalid, nonNull);
      issues.push({
        severity: 'warning',
        code: 'invalid-values',
        column: name,
        message: `${invalid.count.toLocaleString('en-US')} value(s) in ${plan.timestamp ? 'timestamp ' : ''}column ${JSON.stringify(name)} are not ${acc.kind === 'numeric' ? 'numbers' : acc.kind === 'boolean' ? 'booleans' : 'ISO 8601 dates/times'}, first at ${fmtRow(invalid.firstRow, invalid.firstLine)}: ${JSON.stringify(extra.invalid.examples[0])}; they are left out of the statistics`,
        row: invalid.firstRow + 1,
        ...(invalid.firstLine >= 0 ? { line: invalid.firstLine } : {}),
        hint: 'fix those values, list them as missing-value tokens, or override the column type',
      });
    }
    switch (acc.kind) {
      case 'numeric': {
        // A declared float (Parquet DOUBLE holding 1.0, 2.0) stays float.
        storage = plan.sampleType === 'float' || !acc.integral ? 'float' : 'integer';
        distinct = acc.counts.distinct();
        if (acc.n > 0) extra.numeric = numericStats(acc);
        if (acc.infinite > 0) issues.push({ severity: 'info', code: 'infinite-values', column: name, message: `${acc.infinite.toLocaleString('en-US')} infinite value(s) in ${JSON.stringify(name)} are left out of its statistics` });
        if (distinct.exact && distinct.count <= Math.max(s.maxNumericCategories, options.integerCategoricalLimit ?? 10)) {
          categories = { counts: sortedCounts(acc.counts.entries(), (k) => String(k)), other: 0, truncated: false };
        }
        if (acc.reservoir) {
          const r = acc.reservoir;
          sample = { values: r.values(), seen: r.seen, sampled: r.sampled };
          extra.values = { kept: r.values().length, seen: r.seen, sampled: r.sampled };
          if (r.sampled) issues.push({ severity: 'info', code: 'values-sampled', column: name, message: `${JSON.stringify(name)} has ${r.seen.toLocaleString('en-US')} values; drift tests use a uniform sample of ${r.max.toLocaleString('en-US')} (seed ${s.seed})`, hint: 'raise maxValues to use every value' });
        }
        break;
      }
      case 'boolean':
        storage = 'boolean';
        distinct = { count: (acc.trues > 0 ? 1 : 0) + (acc.falses > 0 ? 1 : 0), exact: true };
        extra.boolean = { true: acc.trues, false: acc.falses, trueShare: acc.trues + acc.falses > 0 ? acc.trues / (acc.trues + acc.falses) : 0 };
        categories = { counts: sortedCounts([['true', acc.trues], ['false', acc.falses]].filter(([, n]) => (n as number) > 0) as [string, number][], (k) => k), other: 0, truncated: false };
        break;
      case 'datetime':
        storage = 'datetime';
        distinct = acc.counts.distinct();
        if (acc.n > 0) extra.datetime = { min: iso(acc.min), max: iso(acc.max) };
        break;
      case 'string':
        // Under a type override the storage type still says what the values look like.
        storage = plan.override?.type && plan.sampleType !== 'empty' ? plan.sampleType : 'string';
        distinct = acc.counts.distinct();
        if (acc.n > 0) extra.lengths = { min: acc.minLen, max: acc.maxLen };
        categories = { counts: sortedCounts(acc.counts.entries(), (k) => k), other: acc.counts.other, truncated: acc.counts.truncated };
        break;
    }
  }
  if (!distinct.exact) issues.push({ severity: 'info', code: 'distinct-estimated', column: name, message: `${JSON.stringify(name)} has more than ${s.maxDistinct.toLocaleString('en-US')} distinct values: the distinct count is an estimate (±2 %)${categories ? ' and value counts list only the first ones seen' : ''}` });
  const role = driftRoleOf(storage, distinct, nonNull, plan, options);
  if (categories && role === 'text') categories = top(categories.counts, s.maxTextCategories, categories.other, categories.truncated);
  return { column: { ...base, storageType: storage, role, ...extra, distinct, ...(categories ? { categories } : {}) }, issues, ...(sample ? { sample } : {}) };
}

/** Value counts of a typed column, as text, for when it turns out to be a string column. */
function typedCounts(acc: NumericAcc | BooleanAcc | DatetimeAcc): { counts: [string, number][]; exact: boolean } {
  if (acc.kind === 'boolean') return { counts: ([['true', acc.trues], ['false', acc.falses]] as [string, number][]).filter(([, n]) => n > 0), exact: true };
  const label = acc.kind === 'numeric' ? String : iso;
  return { counts: acc.counts.entries().map(([k, n]) => [label(k), n]), exact: acc.counts.map !== null };
}

function numericStats(acc: NumericAcc): NonNullable<ColumnProfile['numeric']> {
  const n = acc.n;
  return {
    min: acc.min,
    max: acc.max,
    mean: acc.mean,
    std: Math.sqrt(acc.m2 / n),
    sampleStd: n > 1 ? Math.sqrt(acc.m2 / (n - 1)) : null,
    sum: acc.mean * n,
    count: n,
    infinite: acc.infinite,
  };
}

export function sourceIssues(source: DatasetSource): DataIssue[] {
  const st = source.stats;
  const issues: DataIssue[] = [];
  if (st.skippedRows > 0) {
    const first = st.badRows[0];
    issues.push({
      severity: 'warning',
      code: 'skipped-rows',
      message: `${st.skippedRows.toLocaleString('en-US')} malformed row(s) were skipped${first ? `, first at line ${first.line}: ${first.reason}` : ''}`,
      ...(first ? { line: first.line } : {}),
    });
  }
  if (st.truncatedTail) issues.push({ severity: 'info', code: 'truncated-tail', message: 'the incomplete last line was ignored (the file may still be being written)' });
  for (const w of st.warnings) issues.push({ severity: 'info', code: 'header', message: w });
  return issues;
}
