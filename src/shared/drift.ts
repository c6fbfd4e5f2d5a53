/**
 * The drift report panel's contract. The host sends aggregates only (R8): the report document
 * (per-column scores and chart bins, never rows) and, for a monitored dataset, the drift-over-time
 * series of its stored batches.
 */
import type { DriftReportDocument } from '../engine/monitoring/types.ts';
import type { DriftTimeSeries } from '../engine/monitoring/timeseries.ts';

export type { DriftReportDocument, ColumnReport, HistogramChart, CategoriesChart, CategoryBar } from '../engine/monitoring/types.ts';
export type { DriftTimeSeries, DriftSeriesBatch, DriftSeriesColumn, DriftSeriesPoint } from '../engine/monitoring/timeseries.ts';

export interface DriftPanelState {
  /** Panel heading, e.g. "customers · batch-06.csv" or "customers.csv → batch-06.csv". */
  title: string;
  /** Monitored dataset the report belongs to; absent for an ad-hoc comparison. */
  dataset?: string;
  /** Stored report id; absent for an ad-hoc comparison. */
  reportId?: number;
  report: DriftReportDocument;
  /** Every stored batch of the dataset, oldest first (absent for ad-hoc reports). */
  history?: DriftTimeSeries;
  /** The retrain stages configured for the dataset (empty: retraining is not configured). */
  retrainStages: string[];
}

/** What the page asks of the host. */
export type DriftToHost =
  | { type: 'ready' }
  /** Show another stored batch of the same dataset (from the time chart or the batch picker). */
  | { type: 'openBatch'; reportId: number }
  /** Run the dataset's retrain stages (the host asks for nothing more: trust and terminals are its job). */
  | { type: 'retrain' }
  /** Open a workspace file of the report (reference or batch) in an editor. */
  | { type: 'openFile'; path: string }
  /** After each render: what the page drew (the log and the extension-host tests read it). */
  | { type: 'rendered'; columns: number; charts: string[]; selected: string | null };

export type DriftToWebview = { type: 'show'; state: DriftPanelState };
