/**
 * One side of a comparison (reference or current), read in one streaming pass through the data
 * layer: a profile per column plus, for numeric columns, the values sorted once (capped by the
 * data layer's seeded sample). A prepared reference is reused for every batch (R2).
 *
 * Reading never throws on bad data: an unreadable file becomes `info.error`, so the report can
 * still say what the other file holds.
 */
import { isMlopsError } from '../errors.ts';
import { openDataset } from '../data/reader.ts';
import type { DatasetFormat } from '../data/reader.ts';
import { profileDataset } from '../data/profile.ts';
import type { ColumnProfile } from '../data/profile.ts';
import type { ColumnOverride } from '../data/infer.ts';
import { numericSample } from '../drift/index.ts';
import type { NumericSample } from '../drift/index.ts';
import type { DriftSettings } from './settings.ts';
import type { FileProblem, SideInfo, SideSample } from './types.ts';

export const DEFAULT_MAX_VALUES = 1_000_000;
export const SAMPLE_SEED = 42;

export interface SideColumn {
  profile: ColumnProfile;
  /** Finite values, ascending; `missing` counts blanks, NaN and ±inf over the whole file. */
  numeric?: NumericSample;
  sample?: SideSample;
}

export interface PreparedSide {
  info: SideInfo;
  /** By name, in file order. */
  columns: Map<string, SideColumn>;
  /** No header and no rows (a zero-byte file). */
  empty: boolean;
}

export interface ReadSideOptions {
  /** Only these columns (others are still parsed, but no values are kept). */
  columns?: readonly string[];
  /** Path shown in the report (e.g. workspace-relative); default the file path. */
  displayPath?: string;
  signal?: AbortSignal;
  onProgress?: (rows: number) => void;
  /** The format when the name does not tell it (a content-addressed cache object has no extension). */
  format?: { format: DatasetFormat; gzip: boolean };
}

export function overridesOf(settings: DriftSettings): Map<string, ColumnOverride> {
  const out = new Map<string, ColumnOverride>();
  for (const [name, s] of settings.columns) {
    if (s.ignore || s.type) out.set(name, { ...(s.ignore ? { ignore: true } : {}), ...(s.type ? { type: s.type } : {}) });
  }
  return out;
}

function problemOf(file: string, e: unknown): FileProblem {
  if (isMlopsError(e)) {
    return { code: e.code, message: e.message, file: e.location?.file ?? file, ...(e.location?.line ? { line: e.location.line } : {}), ...(e.hint ? { hint: e.hint } : {}) };
  }
  // Not ours to explain, but one bad batch must not stop a monitor: keep the text and say whose it is.
  return { code: 'internal', message: `reading ${file} failed: ${e instanceof Error ? e.message : String(e)}`, file, hint: 'this looks like a bug in MLOps Workbench; please report it with the file' };
}

export async function readSide(file: string, settings: DriftSettings, options: ReadSideOptions = {}): Promise<PreparedSide> {
  const shown = options.displayPath ?? file;
  const info: SideInfo = { path: shown, format: null, rows: 0, columns: 0, issues: [] };
  const columns = new Map<string, SideColumn>();
  try {
    const source = await openDataset(file, options.format ? { format: options.format.format, gzip: options.format.gzip } : {});
    info.format = source.format;
    const { profile, values } = await profileDataset(source, {
      overrides: overridesOf(settings),
      collectValues: options.columns ? options.columns : true,
      maxValues: settings.maxValues ?? DEFAULT_MAX_VALUES,
      seed: SAMPLE_SEED,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    info.rows = profile.rows;
    info.columns = profile.columnCount;
    info.issues = profile.issues;
    for (const col of profile.columns) {
      const entry: SideColumn = { profile: col };
      const v = values.get(col.name);
      if (v) {
        const s = numericSample(v.values);
        entry.numeric = { kind: 'numeric', sorted: s.sorted, missing: col.missing + (col.numeric?.infinite ?? 0) };
        entry.sample = { kept: v.values.length, seen: v.seen, sampled: v.sampled };
      }
      columns.set(col.name, entry);
    }
  } catch (e) {
    if (options.signal?.aborted) throw e;
    info.error = problemOf(file, e);
  }
  return { info, columns, empty: !info.error && info.columns === 0 && info.rows === 0 };
}
