/**
 * The drift report as stored, sent to the webview and printed by `mlops drift --json`. Plain JSON:
 * numbers that are not finite are null, columns are an array and categories are listed as values,
 * so no data-controlled text becomes an object key. Aggregates only, never raw rows (R8).
 */
import type { DataIssue } from '../data/profile.ts';
import type { DatasetFormat } from '../data/reader.ts';
import type { StorageType } from '../data/infer.ts';
import type { DriftRule, StatTestName } from '../drift/index.ts';

export type ColumnReportStatus =
  /** Scored: counts towards the dataset decision. */
  | 'ok'
  /** Too few non-missing values on a side (R14), including all-missing and empty files. */
  | 'insufficient-data'
  /** Text, datetime, identifiers and anything else we do not test. */
  | 'not-tested'
  /** `ignore: true` in mlops.yaml. */
  | 'ignored'
  /** Only in the current data. */
  | 'added'
  /** Only in the reference. */
  | 'removed'
  /** The sides hold different kinds of values (numbers vs text). */
  | 'type-mismatch'
  /** The configured test does not apply, or the test failed. */
  | 'error';

export type ColumnKind = 'numerical' | 'categorical' | 'text' | 'datetime' | 'timestamp' | 'identifier' | 'ignored' | 'unknown';

export interface MissingSignal {
  /** Share of missing values (blank, NA, NaN, ±inf) among all rows; null without rows. */
  reference: number | null;
  current: number | null;
  /** current − reference. */
  delta: number | null;
  /** Two-proportion Z-test on the missing indicator. */
  pValue: number | null;
  /** p < 0.05 and |delta| ≥ 1 percentage point: worth a look whether or not the values drifted. */
  changed: boolean;
}

export interface SideSample {
  /** Values used by the test (a seeded uniform sample when `sampled`). */
  kept: number;
  /** Non-missing numeric values in the file. */
  seen: number;
  sampled: boolean;
}

export interface HistogramChart {
  kind: 'histogram';
  /** Shared edges over the combined data (R7), `reference.length + 1` of them; the last bin is closed. */
  edges: number[];
  reference: number[];
  current: number[];
  /** Sturges on the combined values (the same bins Evidently's PSI/JS use for > 20 distinct values). */
  binning: 'sturges';
  /** Counts are of the value sample, not of every row. */
  sampled: boolean;
}

export interface CategoryBar {
  value: string;
  reference: number;
  current: number;
  /** Never seen in the reference: a new category (R5). */
  onlyInCurrent?: true;
  /** Seen in the reference, absent now. */
  onlyInReference?: true;
}

export interface CategoriesChart {
  kind: 'categories';
  categories: CategoryBar[];
  /** Rows in categories not listed (beyond the chart's cap, or past the distinct-value cap). */
  otherReference: number;
  otherCurrent: number;
  truncated: boolean;
}

export interface ColumnReport {
  name: string;
  status: ColumnReportStatus;
  /** Why the column was not scored, or what to know about its values. */
  message?: string;
  kind: ColumnKind;
  storage: { reference: StorageType | null; current: StorageType | null };
  test: StatTestName | null;
  /** Evidently's display name, e.g. "Wasserstein distance (normed)". */
  testName: string | null;
  scoreKind: 'p-value' | 'distance' | null;
  score: number | null;
  threshold: number | null;
  /** How the score reads: p-values drift when low, distances when high. */
  direction: 'lower-is-drift' | 'higher-is-drift' | null;
  rule: DriftRule | null;
  drifted: boolean;
  /**
   * 0..1 for sorting across tests (R16): 0.5 is exactly at the threshold, above it is past it.
   * Distances map d → d/(d+t); p-values r = ln p / ln t → r/(1+r). 0 when not scored.
   */
  severity: number;
  /** Which settings came from mlops.yaml or the caller rather than the defaults. */
  configured: { test: boolean; threshold: boolean; type: boolean };
  nReference: number;
  nCurrent: number;
  missing: MissingSignal;
  /** Test internals: KS D, chi-square statistic, raw Wasserstein, Z statistic. */
  statistic?: { name: string; value: number | null; [extra: string]: unknown };
  /** Bins behind PSI / KL / JS (R17). */
  binning?: { method: string; bins: number; zeroFill: boolean };
  /** Log base of a Jensen-Shannon score (R17): "e" (nats, max √ln2 ≈ 0.833) or a number. */
  jsLogBase?: 'e' | number;
  sampled?: { reference?: SideSample; current?: SideSample };
  /** Non-missing values that were not numbers in a numeric column, left out of the test. */
  invalid?: { reference?: InvalidValuesInfo; current?: InvalidValuesInfo };
  /** Current categories never seen in the reference. */
  newCategories?: string[];
  chart?: HistogramChart | CategoriesChart;
}

export interface InvalidValuesInfo {
  count: number;
  share: number;
  firstRow: number;
  firstLine?: number;
  examples: string[];
}

export interface FileProblem {
  code: string;
  message: string;
  file: string;
  line?: number;
  hint?: string;
}

export interface SideInfo {
  path: string;
  format: DatasetFormat | null;
  rows: number;
  columns: number;
  /** The file could not be read at all (missing, malformed Parquet, …). */
  error?: FileProblem;
  /** What the data layer noticed (skipped rows, renamed headers, sampling, mixed types). */
  issues: DataIssue[];
}

export interface DriftSummary {
  datasetDrift: boolean;
  /** drifted / scored; 0 when nothing was scored. */
  share: number;
  threshold: number;
  driftedColumns: number;
  scoredColumns: number;
  /** Every column in the report, scored or not. */
  totalColumns: number;
  addedColumns: string[];
  removedColumns: string[];
  missingChanged: string[];
  notScored: { column: string; status: ColumnReportStatus; message: string }[];
  /** Some numeric column was tested on a sample of its values. */
  sampled: boolean;
  /** "Drift detected in 5 of 8 columns (62.5 %) — dataset drift: YES" */
  headline: string;
}

export interface DriftReportDocument {
  version: 1;
  createdAt: string;
  reference: SideInfo;
  current: SideInfo;
  settings: { share: number; minSamples: number; maxValues: number; seed: number; numTest: StatTestName | null; catTest: StatTestName | null };
  summary: DriftSummary;
  /** Reference column order, then columns only in the current data. */
  columns: ColumnReport[];
  /** Report-level notes for people: sampling, unreadable files, empty files. */
  notes: string[];
}
