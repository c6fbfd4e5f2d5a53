/**
 * A drift report for two files: both streamed once through the data layer, columns aligned by
 * name, each column tested (Evidently's default test unless mlops.yaml says otherwise), missing
 * share reported as its own signal, and the dataset decision (share of drifted columns ≥ the
 * threshold, §2.6). The result is a JSON document the CLI, the store, Prometheus and the
 * webview all read.
 */
import { MlopsError } from '../errors.ts';
import type { DatasetFormat } from '../data/reader.ts';
import { summarizeDrift } from '../drift/index.ts';
import type { ColumnDriftResult } from '../drift/index.ts';
import { compareColumn } from './compare-column.ts';
import { DEFAULT_DRIFT_SETTINGS } from './settings.ts';
import type { DriftSettings } from './settings.ts';
import { DEFAULT_MAX_VALUES, SAMPLE_SEED, readSide } from './side.ts';
import type { PreparedSide, ReadSideOptions } from './side.ts';
import type { ColumnReport, DriftReportDocument, DriftSummary } from './types.ts';

export interface DriftReportOptions {
  /** mlops.yaml `drift:` (tests, thresholds, overrides); defaults otherwise. */
  settings?: DriftSettings;
  /** Dataset drift threshold; overrides `settings.share`. */
  share?: number;
  /** Only these columns. Names in neither file are a usage error. */
  columns?: readonly string[];
  /** Paths as shown in the report (e.g. workspace-relative). */
  referenceLabel?: string;
  currentLabel?: string;
  signal?: AbortSignal;
  onProgress?: (side: 'reference' | 'current', rows: number) => void;
  /** The reference's format when its name does not tell it (a cache object). */
  referenceFormat?: { format: DatasetFormat; gzip: boolean };
}

function effectiveSettings(options: DriftReportOptions): DriftSettings {
  const s = options.settings ?? DEFAULT_DRIFT_SETTINGS;
  if (options.share === undefined) return s;
  if (!(options.share >= 0 && options.share <= 1)) {
    throw new MlopsError('usage', `the drift share must be between 0 and 1, got ${options.share}`, { hint: 'e.g. --share 0.5: dataset drift when half of the tested columns drift' });
  }
  return { ...s, share: options.share };
}

function sideOptions(options: DriftReportOptions, side: 'reference' | 'current'): ReadSideOptions {
  const label = side === 'reference' ? options.referenceLabel : options.currentLabel;
  const onProgress = options.onProgress;
  return {
    ...(options.columns ? { columns: options.columns } : {}),
    ...(label !== undefined ? { displayPath: label } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(onProgress ? { onProgress: (rows: number) => onProgress(side, rows) } : {}),
    ...(side === 'reference' && options.referenceFormat ? { format: options.referenceFormat } : {}),
  };
}

/** Read (and sort) a reference once, to compare many current files against it. */
export function prepareReference(file: string, options: DriftReportOptions = {}): Promise<PreparedSide> {
  return readSide(file, effectiveSettings(options), sideOptions(options, 'reference'));
}

export async function computeDriftReport(referencePath: string, currentPath: string, options: DriftReportOptions = {}): Promise<DriftReportDocument> {
  const ref = await prepareReference(referencePath, options);
  return compareWithReference(ref, currentPath, options);
}

export async function compareWithReference(ref: PreparedSide, currentPath: string, options: DriftReportOptions = {}): Promise<DriftReportDocument> {
  const cur = await readSide(currentPath, effectiveSettings(options), sideOptions(options, 'current'));
  return compareSides(ref, cur, options);
}

function headline(scored: number, drifted: number, datasetDrift: boolean): string {
  if (scored === 0) return 'No column could be tested — dataset drift: NO';
  return `Drift detected in ${drifted} of ${scored} columns (${((100 * drifted) / scored).toFixed(1)} %) — dataset drift: ${datasetDrift ? 'YES' : 'NO'}`;
}

function columnOrder(ref: PreparedSide, cur: PreparedSide, wanted: readonly string[] | undefined): string[] {
  const names = [...ref.columns.keys()];
  const seen = new Set(names);
  for (const n of cur.columns.keys()) if (!seen.has(n)) names.push(n);
  if (!wanted) return names;
  const readable = !ref.info.error && !cur.info.error;
  const unknown = wanted.filter((w) => !seen.has(w) && !cur.columns.has(w));
  if (unknown.length && readable) {
    throw new MlopsError('usage', `column(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')} are in neither file`, {
      hint: `the columns are: ${names.map((n) => JSON.stringify(n)).join(', ') || '(none)'}`,
    });
  }
  return names.filter((n) => wanted.includes(n));
}

/** A side that yields nothing to compare: every column of the other side says why. */
function unusable(side: PreparedSide, label: string): string | undefined {
  if (side.info.error) return `the ${label} file could not be read: ${side.info.error.message}`;
  if (side.empty) return `the ${label} file is empty (no header, no rows)`;
  return undefined;
}

export function compareSides(ref: PreparedSide, cur: PreparedSide, options: DriftReportOptions = {}): DriftReportDocument {
  const settings = effectiveSettings(options);
  const notes: string[] = [];
  const refProblem = unusable(ref, 'reference');
  const curProblem = unusable(cur, 'current');
  for (const p of [refProblem, curProblem]) if (p) notes.push(p);

  const columns: ColumnReport[] = [];
  const results: ColumnDriftResult[] = [];
  for (const name of columnOrder(ref, cur, options.columns)) {
    const problem = refProblem ?? curProblem;
    if (problem) {
      const compared = compareColumn({ name, ref: refProblem ? undefined : ref.columns.get(name), cur: curProblem ? undefined : cur.columns.get(name), settings });
      columns.push({ ...compared.report, status: ref.info.error || cur.info.error ? 'error' : 'insufficient-data', message: problem });
      continue;
    }
    const compared = compareColumn({ name, ref: ref.columns.get(name), cur: cur.columns.get(name), settings });
    columns.push(compared.report);
    if (compared.result && compared.report.status === 'ok') results.push(compared.result);
  }

  const decision = summarizeDrift(results, settings.share);
  const sampled = columns.some((c) => c.sampled !== undefined);
  if (sampled) {
    const cap = settings.maxValues ?? DEFAULT_MAX_VALUES;
    notes.push(`numeric columns with more than ${cap.toLocaleString('en-US')} values were tested on a seeded uniform sample of ${cap.toLocaleString('en-US')} (seed ${SAMPLE_SEED}); see each column's "sampled"`);
  }
  const summary: DriftSummary = {
    datasetDrift: decision.drifted,
    share: decision.share,
    threshold: settings.share,
    driftedColumns: decision.nDrifted,
    scoredColumns: decision.nColumns,
    totalColumns: columns.length,
    addedColumns: columns.filter((c) => c.status === 'added').map((c) => c.name),
    removedColumns: columns.filter((c) => c.status === 'removed').map((c) => c.name),
    missingChanged: columns.filter((c) => c.missing.changed).map((c) => c.name),
    notScored: columns.filter((c) => c.status !== 'ok').map((c) => ({ column: c.name, status: c.status, message: c.message ?? '' })),
    sampled,
    headline: headline(decision.nColumns, decision.nDrifted, decision.drifted),
  };
  return {
    version: 1,
    createdAt: new Date().toISOString(),
    reference: ref.info,
    current: cur.info,
    settings: { share: settings.share, minSamples: settings.minSamples, maxValues: settings.maxValues ?? DEFAULT_MAX_VALUES, seed: SAMPLE_SEED, numTest: settings.numTest ?? null, catTest: settings.catTest ?? null },
    summary,
    columns,
    notes,
  };
}

/** Drifted columns first, then by severity (one scale for p-values and distances, R16), then name. */
export function sortColumnsBySeverity(columns: readonly ColumnReport[]): ColumnReport[] {
  const scored = (c: ColumnReport): number => (c.status === 'ok' ? 1 : 0);
  return [...columns].sort((a, b) => Number(b.drifted) - Number(a.drifted) || scored(b) - scored(a) || b.severity - a.severity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
