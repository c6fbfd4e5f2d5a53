/**
 * "Drift over time": each column's score across the stored batches of a monitored dataset, laid
 * out for a chart. Scores of different tests are different things (a p-value falls as drift
 * grows, a distance rises), so every point also carries its severity — the one scale of R16 with
 * the threshold at 0.5 — and a chart of many columns plots that, never raw scores side by side.
 */
import { STAT_TESTS, isStatTestName } from '../drift/index.ts';
import { severityOf } from './charts.ts';
import type { HistoryPoint, StoredReportSummary } from './history.ts';

/** One stored batch on the time axis: the report's summary plus where to find it. */
export interface DriftSeriesBatch extends Pick<StoredReportSummary, 'createdAt' | 'datasetDrift' | 'share' | 'threshold' | 'driftedColumns' | 'scoredColumns' | 'failed'> {
  reportId: number;
  /** Workspace-relative path of the batch file. */
  path: string;
  /** Short label for an axis: the file name. */
  label: string;
}

export interface DriftSeriesPoint {
  test: string;
  score: number;
  threshold: number;
  /** 0..1, 0.5 at the threshold (severityOf). */
  severity: number;
  drifted: boolean;
}

export interface DriftSeriesColumn {
  name: string;
  /** The test of the latest scored point (a column's test changes only if mlops.yaml does). */
  test: string;
  scoreKind: 'p-value' | 'distance';
  /** One entry per batch, in the order of `batches`; null where the column was not scored. */
  points: Array<DriftSeriesPoint | null>;
}

export interface DriftTimeSeries {
  dataset: string;
  batches: DriftSeriesBatch[];
  /** Columns scored in at least one batch, in the order of the latest report. */
  columns: DriftSeriesColumn[];
}

export function driftTimeSeries(dataset: string, history: readonly HistoryPoint[]): DriftTimeSeries {
  const batches: DriftSeriesBatch[] = history.map((h) => ({
    reportId: h.id,
    path: h.currentPath,
    label: h.currentPath.split('/').pop() ?? h.currentPath,
    createdAt: h.createdAt,
    datasetDrift: h.datasetDrift,
    share: h.share,
    threshold: h.threshold,
    driftedColumns: h.driftedColumns,
    scoredColumns: h.scoredColumns,
    failed: h.failed,
  }));
  const byName = new Map<string, DriftSeriesColumn>();
  // Latest report first, so the column order is the one the newest report shows.
  const order: string[] = [];
  for (let i = history.length - 1; i >= 0; i--) for (const c of history[i]!.columns) if (!order.includes(c.column)) order.push(c.column);
  history.forEach((h, i) => {
    for (const c of h.columns) {
      if (c.score === null || c.threshold === null || !isStatTestName(c.test)) continue;
      const info = STAT_TESTS[c.test];
      let col = byName.get(c.column);
      if (!col) byName.set(c.column, (col = { name: c.column, test: c.test, scoreKind: info.kind, points: new Array<DriftSeriesPoint | null>(history.length).fill(null) }));
      col.test = c.test;
      col.scoreKind = info.kind;
      col.points[i] = { test: c.test, score: c.score, threshold: c.threshold, severity: severityOf(info.rule, c.score, c.threshold), drifted: c.drifted };
    }
  });
  return { dataset, batches, columns: order.filter((n) => byName.has(n)).map((n) => byName.get(n)!) };
}
