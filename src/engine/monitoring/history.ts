/**
 * Drift reports in the store (migration 4): one `drift_reports` row with the whole document as
 * JSON and one `drift_column_scores` row per column, written in one transaction so a reader never
 * sees a report without its scores. A batch is identified by (monitor, path, md5): the unique
 * index makes a second process computing the same batch a no-op instead of a duplicate.
 */
import type { Store } from '../store/store.ts';
import type { DriftReportDocument } from './types.ts';

export interface ReportKey {
  /** Monitored dataset; null for ad-hoc reports. */
  monitor: string | null;
  referencePath: string;
  referenceHash: string | null;
  currentPath: string;
  currentHash: string | null;
}

export interface StoredReportSummary extends ReportKey {
  id: number;
  createdAt: string;
  datasetDrift: boolean;
  share: number;
  threshold: number;
  driftedColumns: number;
  /** Columns that were scored (the share's denominator). */
  scoredColumns: number;
  /** A file could not be read: nothing was compared. */
  failed: boolean;
}

export interface ColumnScorePoint {
  column: string;
  /** 'none' when the column was not scored. */
  test: string;
  score: number | null;
  threshold: number | null;
  drifted: boolean;
  missingShare: number | null;
}

export interface HistoryPoint extends StoredReportSummary {
  columns: ColumnScorePoint[];
}

interface ReportRow {
  id: number;
  created_at: string;
  monitor: string | null;
  reference_path: string;
  reference_hash: string | null;
  current_path: string;
  current_hash: string | null;
  dataset_drift: number;
  drift_share: number;
  threshold: number;
  drifted_columns: number;
  total_columns: number;
  report?: string;
}

const SUMMARY_COLUMNS = 'id, created_at, monitor, reference_path, reference_hash, current_path, current_hash, dataset_drift, drift_share, threshold, drifted_columns, total_columns';
const real = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export function isFailedReport(doc: DriftReportDocument): boolean {
  return doc.reference.error !== undefined || doc.current.error !== undefined;
}

function summaryOf(r: ReportRow, failed: boolean): StoredReportSummary {
  return {
    id: r.id,
    createdAt: r.created_at,
    monitor: r.monitor,
    referencePath: r.reference_path,
    referenceHash: r.reference_hash,
    currentPath: r.current_path,
    currentHash: r.current_hash,
    datasetDrift: r.dataset_drift === 1,
    share: r.drift_share,
    threshold: r.threshold,
    driftedColumns: r.drifted_columns,
    scoredColumns: r.total_columns,
    failed,
  };
}

/** Store a report; `inserted` is false when this batch was already stored (by us or another process). */
export function saveReport(store: Store, doc: DriftReportDocument, key: ReportKey): { id: number; inserted: boolean } {
  return store.write((db) => {
    const s = doc.summary;
    const info = db
      .prepare(`INSERT OR IGNORE INTO drift_reports(created_at, monitor, reference_path, reference_hash, current_path, current_hash, dataset_drift, drift_share, threshold, drifted_columns, total_columns, report)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(doc.createdAt, key.monitor, key.referencePath, key.referenceHash, key.currentPath, key.currentHash, s.datasetDrift ? 1 : 0, s.share, s.threshold, s.driftedColumns, s.scoredColumns, JSON.stringify(doc));
    if (info.changes === 0) {
      const row = db.prepare('SELECT id FROM drift_reports WHERE monitor IS ? AND current_path = ? AND current_hash IS ?').get(key.monitor, key.currentPath, key.currentHash) as { id: number };
      return { id: row.id, inserted: false };
    }
    const id = Number(info.lastInsertRowid);
    const insert = db.prepare('INSERT INTO drift_column_scores(report_id, column_name, test, score, threshold, drifted, missing_share) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const c of doc.columns) insert.run(id, c.name, c.test ?? 'none', real(c.score), real(c.threshold), c.drifted ? 1 : 0, real(c.missing.current));
    return { id, inserted: true };
  });
}

export function hasReport(store: Store, monitor: string | null, currentPath: string, currentHash: string | null): boolean {
  return store.db.prepare('SELECT 1 FROM drift_reports WHERE monitor IS ? AND current_path = ? AND current_hash IS ?').get(monitor, currentPath, currentHash) !== undefined;
}

export function loadReport(store: Store, id: number): { summary: StoredReportSummary; report: DriftReportDocument } | undefined {
  const row = store.db.prepare(`SELECT ${SUMMARY_COLUMNS}, report FROM drift_reports WHERE id = ?`).get(id) as ReportRow | undefined;
  if (!row) return undefined;
  const report = JSON.parse(row.report!) as DriftReportDocument;
  return { summary: summaryOf(row, isFailedReport(report)), report };
}

/** The newest report of a monitored dataset, optionally only among those that compared something. */
export function latestReport(store: Store, monitor: string, options: { readable?: boolean } = {}): { summary: StoredReportSummary; report: DriftReportDocument } | undefined {
  const ids = store.db.prepare('SELECT id FROM drift_reports WHERE monitor = ? ORDER BY id DESC').pluck().iterate(monitor) as IterableIterator<number>;
  for (const id of ids) {
    const r = loadReport(store, id);
    if (r && (!options.readable || !r.summary.failed)) return r;
  }
  return undefined;
}

/** Reports of a monitored dataset in the order they were made, with per-column scores (drift over time). */
export function reportHistory(store: Store, monitor: string, limit = 1000): HistoryPoint[] {
  const rows = store.db
    .prepare(`SELECT * FROM (SELECT ${SUMMARY_COLUMNS}, json_extract(report, '$.reference.error') IS NOT NULL OR json_extract(report, '$.current.error') IS NOT NULL AS failed
              FROM drift_reports WHERE monitor = ? ORDER BY id DESC LIMIT ?) ORDER BY id`)
    .all(monitor, limit) as Array<ReportRow & { failed: number }>;
  if (rows.length === 0) return [];
  const scores = store.db
    .prepare('SELECT report_id, column_name, test, score, threshold, drifted, missing_share FROM drift_column_scores WHERE report_id >= ? AND report_id IN (SELECT id FROM drift_reports WHERE monitor = ?) ORDER BY report_id, rowid')
    .all(rows[0]!.id, monitor) as Array<{ report_id: number; column_name: string; test: string; score: number | null; threshold: number | null; drifted: number; missing_share: number | null }>;
  const byReport = new Map<number, ColumnScorePoint[]>();
  for (const s of scores) {
    let list = byReport.get(s.report_id);
    if (!list) byReport.set(s.report_id, (list = []));
    list.push({ column: s.column_name, test: s.test, score: s.score, threshold: s.threshold, drifted: s.drifted === 1, missingShare: s.missing_share });
  }
  return rows.map((r) => ({ ...summaryOf(r, r.failed === 1), columns: byReport.get(r.id) ?? [] }));
}
