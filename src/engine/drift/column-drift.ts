/**
 * Drift of one column: missing values out, type decided, test chosen (Evidently defaults or the
 * user's), score and decision, plus the missing-share signal. A column that is empty after
 * missing-value removal gives an "insufficient data" result instead of failing the report
 * (Evidently raises and loses every column, evidently#1480; R4, R14).
 */
import { MlopsError } from '../errors.ts';
import type { Binned, CustomBinning } from './binning.ts';
import { customBins, evidentlyBins, fillZeroes } from './binning.ts';
import { chiSquareGof, chiSquareHomogeneity, twoProportionZ, zTest } from './categorical.ts';
import type { UnseenCategoryMode } from './categorical.ts';
import type { ColumnType, RawColumn } from './columns.ts';
import { inferColumnType, isNumericDtype } from './columns.ts';
import { compareSorted } from './ecdf.ts';
import { hellingerFromProportions, hellingerNumeric, jensenShannonDistance, klDivergence, psi, wassersteinNormed } from './distances.ts';
import type { KsMethod } from './ks.ts';
import { ks2sampSorted } from './ks.ts';
import type { CategoryKey, Sample } from './sample.ts';
import { categoricalSample, categoryTable, isMissingValue, numericSample, sampleSize } from './sample.ts';
import type { DriftRule, StatTestName } from './selection.ts';
import { STAT_TESTS, defaultStatTest, isDrifted } from './selection.ts';
import { countDistinctUnion } from './stats.ts';

export interface ColumnDriftOptions {
  /** Override the inferred column type (R15). */
  columnType?: ColumnType;
  /** Override the default test. */
  test?: StatTestName;
  /** Override the test's default threshold. */
  threshold?: number;
  /** KS p-value method; scipy's 'auto' by default. */
  ksMethod?: KsMethod;
  /** Bins for PSI, KL and Jensen-Shannon instead of Evidently's (R6). */
  binning?: CustomBinning;
  /** Log base for Jensen-Shannon; e (Evidently) by default, 2 for NannyML-style [0, 1]. */
  jsBase?: number;
  /** Fewer non-missing values than this in either sample → "insufficient data" (default 1). */
  minSamples?: number;
  /** Significance level for the missing-share check (default 0.05). */
  missingAlpha?: number;
  /** Smallest missing-share change worth reporting, in share units (default 0.01). */
  missingMinDelta?: number;
  /** Chi-square with categories the reference never saw: 'drift' (Evidently, default) or 'homogeneity' (R5). */
  unseenCategories?: UnseenCategoryMode;
  /**
   * Rows of each whole file, when the samples do not carry them: a sample capped at N values
   * (seeded reservoir) keeps the file's missing count but not its other values, so the missing
   * share must be taken over the file's rows, not over kept + missing.
   */
  totals?: { ref: number; cur: number };
}

export interface MissingShare {
  /** Share of missing (NaN, ±inf, null) values; NaN for an empty sample. */
  ref: number;
  cur: number;
  /** cur − ref. */
  delta: number;
  /** Pooled two-proportion Z-test on the missing indicator. */
  pValue: number;
  /**
   * p < missingAlpha and |delta| ≥ missingMinDelta: the second condition keeps a 0.01 %
   * change on millions of rows from being flagged just because the test can see it (R3).
   */
  changed: boolean;
}

export type ColumnStatus = 'ok' | 'insufficient-data' | 'not-tested';

export interface ColumnDriftDetails {
  ks?: { statistic: number; method: 'exact' | 'asymp'; fallback?: string };
  chiSquare?: { statistic: number; df: number; mode: 'goodness-of-fit' | 'homogeneity' };
  z?: { statistic: number; baseline: CategoryKey | undefined };
  wasserstein?: { w1: number; stdRef: number };
  /** Bins behind PSI / KL / JS, to be shown next to the value (R17). */
  binning?: { method: Binned['method']; bins: number; zeroFill: boolean };
  jsBase?: number;
}

export interface ColumnDriftResult {
  column: string;
  columnType: ColumnType;
  status: ColumnStatus;
  /** Why the column was not scored, when it was not. */
  reason?: string;
  test: StatTestName | null;
  displayName: string | null;
  kind: 'p-value' | 'distance' | null;
  rule: DriftRule | null;
  /** p-value or distance; NaN when not computed. */
  score: number;
  threshold: number;
  drifted: boolean;
  /** Non-missing values. */
  nRef: number;
  nCur: number;
  /** Distinct non-missing values of reference and current together. */
  nUnique: number;
  missing: MissingShare;
  /** Current categories never seen in the reference (categorical columns and chi-square). */
  unseenCategories?: CategoryKey[];
  details: ColumnDriftDetails;
}

/** Turn raw values into samples for the given type. Numbers stay numeric even as categories. */
export function prepareSamples(ref: RawColumn, cur: RawColumn, columnType: ColumnType, column = ''): { ref: Sample; cur: Sample } {
  const refNumeric = isNumericDtype(ref.dtype);
  const curNumeric = isNumericDtype(cur.dtype);
  if (refNumeric !== curNumeric) {
    throw new MlopsError('config', `Column "${column}" is ${ref.dtype} in the reference but ${cur.dtype} in the current data.`, {
      hint: 'Make both datasets use the same type for this column.',
    });
  }
  if (columnType === 'numerical' && !refNumeric) {
    throw new MlopsError('config', `Column "${column}" holds ${ref.dtype} values and cannot be treated as numerical.`, {
      hint: 'Set its type to categorical, or convert the values to numbers first.',
    });
  }
  if (refNumeric) {
    return { ref: numericSample(ref.values as ArrayLike<number>), cur: numericSample(cur.values as ArrayLike<number>) };
  }
  type Values = ArrayLike<CategoryKey | null | undefined>;
  return { ref: categoricalSample(ref.values as Values), cur: categoricalSample(cur.values as Values) };
}

function missingShare(refMissing: number, refTotal: number, curMissing: number, curTotal: number, options: ColumnDriftOptions): MissingShare {
  const alpha = options.missingAlpha ?? 0.05;
  const minDelta = options.missingMinDelta ?? 0.01;
  const r = refTotal === 0 ? NaN : refMissing / refTotal;
  const c = curTotal === 0 ? NaN : curMissing / curTotal;
  const delta = c - r;
  const pValue = refTotal === 0 || curTotal === 0 ? NaN : twoProportionZ(refMissing, refTotal, curMissing, curTotal).pValue;
  return { ref: r, cur: c, delta, pValue, changed: pValue < alpha && Math.abs(delta) >= minDelta };
}

function countRawMissing(values: ArrayLike<unknown>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (isMissingValue(values[i])) m++;
  return m;
}

function uniqueCount(ref: Sample, cur: Sample): number {
  if (ref.kind === 'numeric' && cur.kind === 'numeric') return countDistinctUnion(ref.sorted, cur.sorted);
  return categoryTable(ref, cur).keys.length;
}

/** Drift of one column from raw values. */
export function columnDrift(column: string, ref: RawColumn, cur: RawColumn, options: ColumnDriftOptions = {}): ColumnDriftResult {
  const columnType = options.columnType ?? inferColumnType(ref);
  if (columnType !== 'numerical' && columnType !== 'categorical') {
    const refMissing = countRawMissing(ref.values);
    const curMissing = countRawMissing(cur.values);
    const missing = missingShare(refMissing, ref.values.length, curMissing, cur.values.length, options);
    const n = { ref: ref.values.length - refMissing, cur: cur.values.length - curMissing };
    return notScored(column, columnType, 'not-tested', notTestedReason(columnType), n, missing);
  }
  const samples = prepareSamples(ref, cur, columnType, column);
  return columnDriftFromSamples(column, columnType, samples.ref, samples.cur, options);
}

function notTestedReason(t: ColumnType): string {
  if (t === 'text') return 'Text columns need a domain-classifier test, which is not implemented.';
  if (t === 'datetime') return 'Datetime columns are not drift-tested.';
  return 'The column type could not be determined (mixed or empty values); set it explicitly to test this column.';
}

function notScored(
  column: string,
  columnType: ColumnType,
  status: ColumnStatus,
  reason: string,
  n: { ref: number; cur: number },
  missing: MissingShare,
): ColumnDriftResult {
  return {
    column,
    columnType,
    status,
    reason,
    test: null,
    displayName: null,
    kind: null,
    rule: null,
    score: NaN,
    threshold: NaN,
    drifted: false,
    nRef: n.ref,
    nCur: n.cur,
    nUnique: 0,
    missing,
    details: {},
  };
}

/** Drift of one column from prepared samples (reuse a prepared reference across windows, R2). */
export function columnDriftFromSamples(
  column: string,
  columnType: 'numerical' | 'categorical',
  ref: Sample,
  cur: Sample,
  options: ColumnDriftOptions = {},
): ColumnDriftResult {
  const nRef = sampleSize(ref);
  const nCur = sampleSize(cur);
  const totals = options.totals ?? { ref: nRef + ref.missing, cur: nCur + cur.missing };
  if (!(totals.ref >= ref.missing && totals.cur >= cur.missing)) {
    throw new Error(`column ${column}: totals (${totals.ref}, ${totals.cur}) are smaller than the missing counts (${ref.missing}, ${cur.missing})`);
  }
  const missing = missingShare(ref.missing, totals.ref, cur.missing, totals.cur, options);
  const minSamples = Math.max(1, options.minSamples ?? 1);
  if (nRef < minSamples || nCur < minSamples) {
    const which = nRef < minSamples ? (nCur < minSamples ? 'Both samples have' : 'The reference has') : 'The current data has';
    const what = minSamples === 1 ? 'no values left after removing missing ones' : `fewer than ${minSamples} non-missing values`;
    const reason = `${which} ${what} (reference ${nRef}, current ${nCur}).`;
    return notScored(column, columnType, 'insufficient-data', reason, { ref: nRef, cur: nCur }, missing);
  }
  const nUnique = uniqueCount(ref, cur);
  const test = options.test ?? defaultStatTest({ columnType, nRef, nUnique });
  if (test === null) throw new Error('unreachable: numerical and categorical columns always have a default test');
  const info = STAT_TESTS[test];
  if (!info.columnTypes.includes(columnType)) {
    throw new MlopsError('config', `The ${test} test does not apply to ${columnType} column "${column}".`, {
      hint: `Use one of: ${Object.values(STAT_TESTS)
        .filter((t) => t.columnTypes.includes(columnType))
        .map((t) => t.name)
        .join(', ')}.`,
    });
  }
  const threshold = options.threshold ?? info.defaultThreshold;
  const details: ColumnDriftDetails = {};
  const score = runTest(test, columnType, ref, cur, options, details);
  const result: ColumnDriftResult = {
    column,
    columnType,
    status: 'ok',
    test,
    displayName: info.displayName,
    kind: info.kind,
    rule: info.rule,
    score: score.value,
    threshold,
    drifted: isDrifted(test, score.value, threshold),
    nRef,
    nCur,
    nUnique,
    missing,
    details,
  };
  const unseen = score.unseen ?? (columnType === 'categorical' ? unseenCategories(ref, cur) : undefined);
  if (unseen !== undefined) result.unseenCategories = unseen;
  return result;
}

function unseenCategories(ref: Sample, cur: Sample): CategoryKey[] {
  const t = categoryTable(ref, cur);
  const out: CategoryKey[] = [];
  for (let i = 0; i < t.keys.length; i++) if (t.ref[i] === 0 && t.cur[i] > 0) out.push(t.keys[i]);
  return out;
}

function binsFor(ref: Sample, cur: Sample, options: ColumnDriftOptions): Binned {
  return options.binning ? customBins(ref, cur, options.binning) : evidentlyBins(ref, cur);
}

function runTest(
  test: StatTestName,
  columnType: 'numerical' | 'categorical',
  ref: Sample,
  cur: Sample,
  options: ColumnDriftOptions,
  details: ColumnDriftDetails,
): { value: number; unseen?: CategoryKey[] } {
  switch (test) {
    case 'ks': {
      if (ref.kind !== 'numeric' || cur.kind !== 'numeric') throw new Error('unreachable: ks on non-numeric sample');
      const r = ks2sampSorted(ref.sorted, cur.sorted, { method: options.ksMethod ?? 'auto' });
      details.ks = r.fallback === undefined ? { statistic: r.statistic, method: r.method } : { statistic: r.statistic, method: r.method, fallback: r.fallback };
      return { value: r.pValue };
    }
    case 'wasserstein': {
      if (ref.kind !== 'numeric' || cur.kind !== 'numeric') throw new Error('unreachable: wasserstein on non-numeric sample');
      const w = wassersteinNormed(ref.sorted, cur.sorted, compareSorted(ref.sorted, cur.sorted).w1);
      details.wasserstein = { w1: w.w1, stdRef: w.stdRef };
      return { value: w.score };
    }
    case 'chisquare': {
      const homogeneity = options.unseenCategories === 'homogeneity';
      const r = (homogeneity ? chiSquareHomogeneity : chiSquareGof)(categoryTable(ref, cur));
      details.chiSquare = { statistic: r.statistic, df: r.df, mode: homogeneity ? 'homogeneity' : 'goodness-of-fit' };
      return { value: r.pValue, unseen: r.unseenCategories };
    }
    case 'z': {
      const r = zTest(ref, cur);
      details.z = { statistic: r.statistic, baseline: r.baseline };
      return { value: r.pValue };
    }
    case 'jensenshannon': {
      const b = binsFor(ref, cur, options);
      const base = options.jsBase ?? Math.E;
      details.binning = { method: b.method, bins: b.ref.length, zeroFill: false };
      details.jsBase = base;
      return { value: jensenShannonDistance(b.ref, b.cur, base) };
    }
    case 'psi':
    case 'kl_div': {
      const b = binsFor(ref, cur, options);
      details.binning = { method: b.method, bins: b.ref.length, zeroFill: true };
      const r = fillZeroes(b.ref);
      const c = fillZeroes(b.cur);
      return { value: test === 'psi' ? psi(r, c) : klDivergence(r, c) };
    }
    case 'hellinger': {
      if (columnType === 'numerical' && ref.kind === 'numeric' && cur.kind === 'numeric') {
        return { value: hellingerNumeric(ref.sorted, cur.sorted) };
      }
      const t = categoryTable(ref, cur);
      const r = t.ref.map((v) => v / t.nRef);
      const c = t.cur.map((v) => v / t.nCur);
      return { value: hellingerFromProportions(r, c) };
    }
  }
}
