/**
 * Drift engine: Evidently-compatible per-column tests and the dataset-level decision, computed
 * in TypeScript with scipy's numerics (specification: ../shared/reference/drift.md).
 *
 * Entry points: `driftReport` (many columns), `columnDrift` (one column from raw values),
 * `columnDriftFromSamples` (reuse a prepared reference), `numericDriftStats` (KS + Wasserstein +
 * PSI + JS for a large numeric column from one sort per sample).
 */
export type { ColumnDriftDetails, ColumnDriftOptions, ColumnDriftResult, ColumnStatus, MissingShare } from './column-drift.ts';
export { columnDrift, columnDriftFromSamples, prepareSamples } from './column-drift.ts';
export type { ColumnPair, DatasetDriftSummary, DriftReport } from './dataset.ts';
export { DEFAULT_DRIFT_SHARE, driftReport, summarizeDrift } from './dataset.ts';
export type { ColumnType, RawColumn, RawDtype } from './columns.ts';
export { inferColumnType } from './columns.ts';
export type { DriftRule, StatTestInfo, StatTestName } from './selection.ts';
export { STAT_TESTS, defaultStatTest, isDrifted, isStatTestName } from './selection.ts';
export type { NumericDriftStats } from './numeric.ts';
export { numericDriftStats, numericDriftStatsFromSamples } from './numeric.ts';
export type { KsMethod, KsResult } from './ks.ts';
export { ks2samp, ks2sampSorted } from './ks.ts';
export type { Binned, CustomBinning } from './binning.ts';
export { customBins, evidentlyBins, fillZeroes, histogramSorted, sturgesEdges } from './binning.ts';
export { hellingerFromProportions, hellingerNumeric, jensenShannonDistance, klDivergence, lInfinity, psi, totalVariation, wassersteinNormed } from './distances.ts';
export type { ChiSquareResult, UnseenCategoryMode } from './categorical.ts';
export { chiSquareGof, chiSquareHomogeneity, twoProportionZ, zTest } from './categorical.ts';
export type { CategoricalSample, CategoryKey, CategoryTable, NumericSample, Sample } from './sample.ts';
export { categoricalSample, categoryTable, numericSample } from './sample.ts';
