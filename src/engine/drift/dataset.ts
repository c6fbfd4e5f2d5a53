/**
 * Dataset-level drift (drift.md §2.6): drift when the share of drifted columns reaches
 * `driftShare` (default 0.5, Evidently's `DataDriftPreset.drift_share`).
 *
 * Columns that were not scored (insufficient data, text, datetime) are left out of both the
 * numerator and the denominator and listed separately: Evidently would have failed the whole
 * report on an empty column, and counting them as "not drifted" would dilute the share.
 */
import { MlopsError } from '../errors.ts';
import type { ColumnDriftOptions, ColumnDriftResult } from './column-drift.ts';
import { columnDrift } from './column-drift.ts';
import type { RawColumn } from './columns.ts';

export const DEFAULT_DRIFT_SHARE = 0.5;

export interface DatasetDriftSummary {
  /** Columns that were scored. */
  nColumns: number;
  nDrifted: number;
  /** nDrifted / nColumns (0 when nothing was scored). */
  share: number;
  driftShare: number;
  drifted: boolean;
  /** Columns not scored, with the reason, for the report to state. */
  skipped: { column: string; status: ColumnDriftResult['status']; reason: string }[];
  /** Columns whose share of missing values changed (R4), whether or not their values drifted. */
  missingChanged: string[];
}

export function summarizeDrift(columns: readonly ColumnDriftResult[], driftShare: number = DEFAULT_DRIFT_SHARE): DatasetDriftSummary {
  if (!(driftShare >= 0 && driftShare <= 1)) {
    throw new MlopsError('config', `drift_share must be between 0 and 1, got ${driftShare}.`);
  }
  const scored = columns.filter((c) => c.status === 'ok');
  const nDrifted = scored.filter((c) => c.drifted).length;
  const share = scored.length === 0 ? 0 : nDrifted / scored.length;
  return {
    nColumns: scored.length,
    nDrifted,
    share,
    driftShare,
    drifted: scored.length > 0 && share >= driftShare,
    skipped: columns.filter((c) => c.status !== 'ok').map((c) => ({ column: c.column, status: c.status, reason: c.reason ?? '' })),
    missingChanged: columns.filter((c) => c.missing.changed).map((c) => c.column),
  };
}

export interface ColumnPair {
  name: string;
  reference: RawColumn;
  current: RawColumn;
  /** Per-column options (type, test, threshold, …) on top of the report-wide ones. */
  options?: ColumnDriftOptions;
}

export interface DriftReport {
  columns: ColumnDriftResult[];
  summary: DatasetDriftSummary;
}

/** Per-column drift for every pair, then the dataset-level decision. */
export function driftReport(pairs: readonly ColumnPair[], options: ColumnDriftOptions & { driftShare?: number } = {}): DriftReport {
  const { driftShare, ...common } = options;
  const columns = pairs.map((p) => columnDrift(p.name, p.reference, p.current, { ...common, ...p.options }));
  return { columns, summary: summarizeDrift(columns, driftShare ?? DEFAULT_DRIFT_SHARE) };
}
