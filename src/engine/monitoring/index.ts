/**
 * Drift reports, batch monitoring and Prometheus export (engine layer, no vscode). The statistics
 * live in ../drift; this folder reads files, aligns columns, applies mlops.yaml, stores reports
 * and serves them.
 */
export type * from './types.ts';
export type { ColumnDriftSetting, DriftSettings, SectionSource } from './settings.ts';
export { DEFAULT_DRIFT_SETTINGS, driftSettingsFromConfig, parseDriftSection } from './settings.ts';
export type { MetricsPolicy, MonitoredDataset, MonitoringConfig, RetrainPolicy } from './monitor-config.ts';
export { monitoringFromConfig } from './monitor-config.ts';
export type { DriftReportOptions } from './report.ts';
export { compareSides, compareWithReference, computeDriftReport, prepareReference, sortColumnsBySeverity } from './report.ts';
export type { PreparedSide } from './side.ts';
export { severityOf } from './charts.ts';
export type { BatchFile, BatchTarget, BatchWatcherOptions } from './batches.ts';
export { BatchWatcher, isBatchPath, listBatches } from './batches.ts';
export type { ColumnScorePoint, HistoryPoint, ReportKey, StoredReportSummary } from './history.ts';
export { latestReport, loadReport, reportHistory, saveReport } from './history.ts';
export type { BatchReport, MonitorOptions, MonitorProblem, ProcessOptions, ProcessResult, ReferenceResolver, ResolvedReference, RetrainDecision } from './monitor.ts';
export { Monitor, shouldRetrain } from './monitor.ts';
export type { LatestDriftReport, MetricsServer, ServeMetricsOptions } from './prometheus.ts';
export { DriftMetrics, isLoopbackHost, serveMetrics } from './prometheus.ts';
export type { DriftSeriesBatch, DriftSeriesColumn, DriftSeriesPoint, DriftTimeSeries } from './timeseries.ts';
export { driftTimeSeries } from './timeseries.ts';
export { referenceFromRegistry, registryReferenceResolver } from './registry-reference.ts';
