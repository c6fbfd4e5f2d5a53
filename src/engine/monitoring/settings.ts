/**
 * The `drift:` section of mlops.yaml: dataset share, per-type and per-column tests, thresholds and
 * type overrides. Every mistake is an MlopsError naming the line, because a misspelt key that is
 * silently ignored would quietly change which columns alarm.
 */
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import type { WorkspaceConfig } from '../config/config.ts';
import type { ColumnTypeName } from '../data/infer.ts';
import { DEFAULT_DRIFT_SHARE, STAT_TESTS, isStatTestName } from '../drift/index.ts';
import type { StatTestName, UnseenCategoryMode } from '../drift/index.ts';

export interface ColumnDriftSetting {
  test?: StatTestName;
  threshold?: number;
  /** Read the column as this type (R15), e.g. integer codes as categorical. */
  type?: ColumnTypeName;
  ignore?: boolean;
  /** PSI / KL / JS bins instead of Evidently's (R6). */
  bins?: number;
  binning?: 'quantile' | 'equal-width';
  /** Chi-square and categories the reference never saw (overrides the section's). */
  unseenCategories?: UnseenCategoryMode;
}

export interface DriftSettings {
  /** Dataset drift when drifted / scored columns ≥ share. */
  share: number;
  numTest?: StatTestName;
  numThreshold?: number;
  catTest?: StatTestName;
  catThreshold?: number;
  /** Per-column settings by column name (a Map: names come from the data, never object keys). */
  columns: ReadonlyMap<string, ColumnDriftSetting>;
  /** Fewer non-missing values than this on either side → "insufficient data" (R14). */
  minSamples: number;
  /** Log base of the Jensen-Shannon distance; e as Evidently by default. */
  jsBase?: number;
  /** Numeric values kept per column before a seeded uniform sample is used. */
  maxValues?: number;
  /** Chi-square and categories the reference never saw: 'drift' (Evidently, p = 0) or 'homogeneity' (R5). */
  unseenCategories?: UnseenCategoryMode;
}

export const DEFAULT_DRIFT_SETTINGS: Readonly<DriftSettings> = Object.freeze({ share: DEFAULT_DRIFT_SHARE, columns: new Map(), minSamples: 1 });

/** Where a section came from, so errors can name file and line. */
export interface SectionSource {
  file: string;
  lineOf(keyPath: ReadonlyArray<string | number>): number | undefined;
}

export function sectionSource(config: WorkspaceConfig, root: string): SectionSource {
  const file = config.source?.file ?? path.join(root, 'mlops.yaml');
  return { file, lineOf: (k) => config.source?.lineOf(k) };
}

export type Fail = (keyPath: ReadonlyArray<string | number>, message: string, hint: string) => MlopsError;

export function failer(src: SectionSource): Fail {
  return (keyPath, message, hint) => new MlopsError('config', message, { location: { file: src.file, line: src.lineOf(keyPath) }, hint });
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TOP_KEYS = ['share', 'numTest', 'numThreshold', 'catTest', 'catThreshold', 'columns', 'minSamples', 'jsBase', 'maxValues', 'unseenCategories'] as const;
const COLUMN_KEYS = ['test', 'threshold', 'type', 'ignore', 'bins', 'binning', 'unseenCategories'] as const;

function readUnseen(v: unknown, at: ReadonlyArray<string | number>, fail: Fail): UnseenCategoryMode {
  if (v !== 'drift' && v !== 'homogeneity') {
    throw fail(at, `'${at.join('.')}' must be drift or homogeneity, got ${JSON.stringify(v)}.`, "drift: a category the reference never saw makes chi-square p = 0 (Evidently); homogeneity: chi-square test of homogeneity on both samples' counts, where a new category weighs what its counts say.");
  }
  return v;
}
const TYPES: readonly ColumnTypeName[] = ['numeric', 'categorical', 'text', 'boolean', 'datetime'];

function testsFor(kind: 'numerical' | 'categorical'): string {
  return Object.values(STAT_TESTS).filter((t) => t.columnTypes.includes(kind)).map((t) => t.name).join(', ');
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], at: ReadonlyArray<string | number>, fail: Fail): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw fail([...at, k], `Unknown key '${[...at, k].join('.')}' in mlops.yaml.`, `Known keys here: ${allowed.join(', ')}.`);
  }
}

function readTest(v: unknown, at: ReadonlyArray<string | number>, fail: Fail, kind?: 'numerical' | 'categorical'): StatTestName {
  const allowed = kind ? testsFor(kind) : Object.keys(STAT_TESTS).join(', ');
  if (typeof v !== 'string' || !isStatTestName(v) || (kind && !STAT_TESTS[v].columnTypes.includes(kind))) {
    throw fail(at, `'${at.join('.')}' must name a ${kind ?? 'drift'} test, got ${JSON.stringify(v)}.`, `Use one of: ${allowed}.`);
  }
  return v;
}

function readThreshold(v: unknown, at: ReadonlyArray<string | number>, fail: Fail, test?: StatTestName): number {
  const pValue = test !== undefined && STAT_TESTS[test].kind === 'p-value';
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (pValue && v > 1)) {
    throw fail(at, `'${at.join('.')}' must be a number ≥ 0${pValue ? ' and ≤ 1 (a p-value)' : ''}, got ${JSON.stringify(v)}.`, 'p-value tests drift below the threshold (e.g. 0.05); distances at or above it (e.g. 0.1).');
  }
  return v;
}

function readPositiveInt(v: unknown, at: ReadonlyArray<string | number>, fail: Fail, example: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw fail(at, `'${at.join('.')}' must be a positive integer, got ${JSON.stringify(v)}.`, `For example: ${example}.`);
  return v;
}

function readColumn(v: unknown, at: ReadonlyArray<string | number>, fail: Fail): ColumnDriftSetting {
  if (!isMapping(v)) throw fail(at, `'${at.join('.')}' must be a mapping, e.g. { test: psi, threshold: 0.2 } or { ignore: true }.`, 'Indent the column settings under the column name.');
  checkKeys(v, COLUMN_KEYS, at, fail);
  const out: ColumnDriftSetting = {};
  if (v.test !== undefined && v.test !== null) out.test = readTest(v.test, [...at, 'test'], fail);
  if (v.threshold !== undefined && v.threshold !== null) out.threshold = readThreshold(v.threshold, [...at, 'threshold'], fail, out.test);
  if (v.type !== undefined && v.type !== null) {
    if (typeof v.type !== 'string' || !(TYPES as readonly string[]).includes(v.type)) throw fail([...at, 'type'], `'${at.join('.')}.type' must be one of ${TYPES.join(', ')}, got ${JSON.stringify(v.type)}.`, 'type: categorical treats integer codes as categories.');
    out.type = v.type as ColumnTypeName;
  }
  if (v.ignore !== undefined && v.ignore !== null) {
    if (typeof v.ignore !== 'boolean') throw fail([...at, 'ignore'], `'${at.join('.')}.ignore' must be true or false.`, 'ignore: true leaves the column out of the report.');
    out.ignore = v.ignore;
  }
  if (v.bins !== undefined && v.bins !== null) out.bins = readPositiveInt(v.bins, [...at, 'bins'], fail, 10);
  if (v.binning !== undefined && v.binning !== null) {
    if (v.binning !== 'quantile' && v.binning !== 'equal-width') throw fail([...at, 'binning'], `'${at.join('.')}.binning' must be quantile or equal-width.`, 'quantile: edges at reference quantiles; equal-width: equal bins over the combined range.');
    if (out.bins === undefined) throw fail([...at, 'binning'], `'${at.join('.')}.binning' needs 'bins' next to it.`, 'For example: { test: psi, bins: 10, binning: quantile }.');
    out.binning = v.binning;
  }
  if (v.unseenCategories !== undefined && v.unseenCategories !== null) out.unseenCategories = readUnseen(v.unseenCategories, [...at, 'unseenCategories'], fail);
  return out;
}

/**
 * Validate a `drift:` mapping found at `at` (['drift'], or a monitored dataset's own override) and
 * lay it over `base`: scalars replace, column settings merge per column.
 */
export function parseDriftSection(raw: unknown, at: ReadonlyArray<string | number>, src: SectionSource, base: DriftSettings = DEFAULT_DRIFT_SETTINGS): DriftSettings {
  if (raw === undefined || raw === null) return base;
  const fail = failer(src);
  if (!isMapping(raw)) throw fail(at, `'${at.join('.')}' must be a mapping (share, numTest, catTest, columns, …).`, 'Example:\ndrift:\n  share: 0.5\n  columns:\n    customer_id: { ignore: true }');
  checkKeys(raw, TOP_KEYS, at, fail);
  const out: DriftSettings = { ...base, columns: new Map(base.columns) };
  if (raw.share !== undefined && raw.share !== null) {
    if (typeof raw.share !== 'number' || !(raw.share >= 0 && raw.share <= 1)) throw fail([...at, 'share'], `'${at.join('.')}.share' must be a number between 0 and 1, got ${JSON.stringify(raw.share)}.`, 'Dataset drift is declared when at least this share of the tested columns drift (Evidently: 0.5).');
    out.share = raw.share;
  }
  if (raw.numTest !== undefined && raw.numTest !== null) out.numTest = readTest(raw.numTest, [...at, 'numTest'], fail, 'numerical');
  if (raw.catTest !== undefined && raw.catTest !== null) out.catTest = readTest(raw.catTest, [...at, 'catTest'], fail, 'categorical');
  if (raw.numThreshold !== undefined && raw.numThreshold !== null) out.numThreshold = readThreshold(raw.numThreshold, [...at, 'numThreshold'], fail, out.numTest);
  if (raw.catThreshold !== undefined && raw.catThreshold !== null) out.catThreshold = readThreshold(raw.catThreshold, [...at, 'catThreshold'], fail, out.catTest);
  for (const [t, th] of [['numTest', 'numThreshold'], ['catTest', 'catThreshold']] as const) {
    // The default test is a p-value below 1,000 reference rows and a distance above: one number cannot fit both.
    if (raw[th] !== undefined && raw[th] !== null && out[t] === undefined) throw fail([...at, th], `'${at.join('.')}.${th}' needs '${t}' next to it.`, `The default test switches between a p-value and a distance with the data size; name the test, e.g. ${t}: ${t === 'numTest' ? 'wasserstein' : 'jensenshannon'}.`);
  }
  if (raw.minSamples !== undefined && raw.minSamples !== null) out.minSamples = readPositiveInt(raw.minSamples, [...at, 'minSamples'], fail, 30);
  if (raw.maxValues !== undefined && raw.maxValues !== null) out.maxValues = readPositiveInt(raw.maxValues, [...at, 'maxValues'], fail, 1_000_000);
  if (raw.jsBase !== undefined && raw.jsBase !== null) {
    if (typeof raw.jsBase !== 'number' || !(raw.jsBase > 1)) throw fail([...at, 'jsBase'], `'${at.join('.')}.jsBase' must be a number above 1, got ${JSON.stringify(raw.jsBase)}.`, 'Use 2 for a Jensen-Shannon distance in [0, 1] (NannyML); leave it out for natural logs (Evidently).');
    out.jsBase = raw.jsBase;
  }
  if (raw.unseenCategories !== undefined && raw.unseenCategories !== null) out.unseenCategories = readUnseen(raw.unseenCategories, [...at, 'unseenCategories'], fail);
  if (raw.columns !== undefined && raw.columns !== null) {
    if (!isMapping(raw.columns)) throw fail([...at, 'columns'], `'${at.join('.')}.columns' must map column names to settings.`, 'Example:\n  columns:\n    age: { test: psi, threshold: 0.2 }');
    const cols = new Map(out.columns);
    for (const [name, v] of Object.entries(raw.columns)) cols.set(name, { ...cols.get(name), ...readColumn(v, [...at, 'columns', name], fail) });
    out.columns = cols;
  }
  return out;
}

/** The workspace's `drift:` section, validated (defaults when absent). */
export function driftSettingsFromConfig(config: WorkspaceConfig, root: string): DriftSettings {
  return parseDriftSection(config.sections.drift, ['drift'], sectionSource(config, root));
}
