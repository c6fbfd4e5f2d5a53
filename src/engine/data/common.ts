/**
 * Types and small helpers shared by the readers (kept apart from reader.ts so format modules do not
 * import the module that imports them).
 */
import { MlopsError } from '../errors.ts';

export type Value = string | number | boolean | null;

export type DatasetFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

/** The storage type a column has in a typed format (Parquet); text formats leave it to inference. */
export type DeclaredType = 'integer' | 'float' | 'boolean' | 'datetime' | 'string';

export interface RowBatch {
  /**
   * Column names, in order. Append-only across batches of one read: a JSONL key first seen in a later
   * batch is added at the end, so an index means the same column in every batch.
   */
  readonly columns: readonly string[];
  /**
   * `data[i]` holds column `i`, `rowCount` values long; `null` is missing. CSV fields are strings,
   * or numbers where the field is a number in canonical form, so `String(value)` always gives the
   * field's text back; JSONL and Parquet values keep their own types (nested values as JSON text).
   */
  readonly data: Value[][];
  readonly rowCount: number;
  /** 0-based index of the first row of this batch among all data rows read (skipped rows excluded). */
  readonly rowOffset: number;
  /** 1-based physical line where each row starts (text formats), for messages that point at a line. */
  readonly lines?: Int32Array;
}

export interface BadRow {
  line: number;
  reason: string;
}

/** Filled in while reading; final once iteration ends. */
export interface ReaderStats {
  rows: number;
  /** Rows dropped under `onBadRow: 'skip'`. */
  skippedRows: number;
  /** The first few skipped rows, for the report. */
  badRows: BadRow[];
  /** An incomplete last JSONL line was ignored (`tolerateTruncatedTail`). */
  truncatedTail: boolean;
  /** Renamed duplicate or empty header names and similar things worth telling the user. */
  warnings: string[];
}

export interface ReadOptions {
  /** Overrides detection by extension. */
  format?: DatasetFormat;
  /** Rows per batch (default 4,096 for CSV/TSV/JSONL, 65,536 for Parquet). */
  batchSize?: number;
  /** Bytes per read from disk (default 64 KiB); tests use tiny values to split fields across chunks. */
  chunkSize?: number;
  /** Text formats: tokens read as missing (default `['', 'NA', 'N/A', 'null', 'NaN', 'nan']`). */
  missingValues?: readonly string[];
  /** Ragged CSV rows and malformed JSONL lines: fail with file:line (default) or count and skip. */
  onBadRow?: 'error' | 'skip';
  /** CSV/TSV: field delimiter (default `,`, or tab for `.tsv`). */
  delimiter?: string;
  /** CSV/TSV: yield unquoted fields in canonical number form as numbers (default true; lossless). */
  parseNumbers?: boolean;
  /** CSV/TSV: the first record names the columns (default true); otherwise `column_1`, `column_2`, … */
  header?: boolean;
  /** CSV/TSV: a record longer than this is reported as an unterminated quote (default 64 MiB). */
  maxRecordBytes?: number;
  /** JSONL: ignore an unparseable last line without a newline (a writer still appending). */
  tolerateTruncatedTail?: boolean;
  /** Gzip-compressed input; default: the name ends in `.gz`. */
  gzip?: boolean;
}

export interface DatasetSource {
  readonly path: string;
  readonly format: DatasetFormat;
  /** Storage types a typed format declares (Parquet schema), by column name. */
  readonly declaredTypes: ReadonlyMap<string, DeclaredType>;
  readonly stats: ReaderStats;
  /**
   * The batches, in file order. Always yields at least one batch (possibly empty) so the column names
   * are known even for a header-only file. One iteration per source.
   */
  batches(): AsyncGenerator<RowBatch>;
}

export const DEFAULT_BATCH_SIZE = 65_536;
/**
 * CSV and JSONL batches are smaller on purpose: every value is a fresh heap object (a string or a
 * boxed number), and the values of a batch that outlive a young-generation GC get copied and
 * promoted. Profiling a 1M-row × 10-column CSV (warm, CPU time): 65,536-row batches ≈ 2–3 s,
 * 16,384 ≈ 1.2 s, 8,192 ≈ 0.65 s, 2,048–4,096 ≈ 0.6 s, which also made the cold first pass cheaper.
 */
export const DEFAULT_TEXT_BATCH_SIZE = 4096;
export const DEFAULT_MISSING_VALUES: readonly string[] = ['', 'NA', 'N/A', 'null', 'NaN', 'nan'];
export const MAX_BAD_ROWS_KEPT = 20;

export function emptyStats(): ReaderStats {
  return { rows: 0, skippedRows: 0, badRows: [], truncatedTail: false, warnings: [] };
}

/** File-system errors as MlopsError naming the file; MlopsErrors pass through. */
export function ioError(file: string, e: unknown): MlopsError {
  if (e instanceof MlopsError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new MlopsError('not-found', `${file} does not exist`, { location: { file }, hint: 'check the path (relative paths are resolved from the workspace root)', cause: e });
  if (code === 'EACCES' || code === 'EPERM') return new MlopsError('io', `${file} cannot be read (permission denied)`, { location: { file }, hint: 'check the file permissions', cause: e });
  if (code === 'EISDIR') return new MlopsError('usage', `${file} is a directory`, { location: { file }, hint: 'point at a data file, not a directory', cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return new MlopsError('io', `reading ${file} failed: ${msg}`, { location: { file }, cause: e });
}

/**
 * A column array with room for a whole batch, already of the generic elements kind: a fresh `[]`
 * would change kind (small integers → doubles → anything) as values arrive, in every batch, and the
 * store sites would go polymorphic; that alone made the first pass over a file several times slower.
 */
export function newColumn(size: number): Value[] {
  const col = new Array<Value>(size);
  col[0] = null;
  return col;
}

/**
 * Header names made usable, as pandas does: an empty name becomes `Unnamed: <index>`, a repeated one
 * gets `.1`, `.2`, …; each change is reported in `warnings`.
 */
export function uniqueColumnNames(raw: readonly string[], warnings: string[]): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let k = 0; k < raw.length; k++) {
    let name = raw[k]!;
    if (name === '') {
      name = `Unnamed: ${k}`;
      warnings.push(`column ${k + 1} has no name in the header; called it ${JSON.stringify(name)}`);
    }
    if (seen.has(name)) {
      let m = 1;
      while (seen.has(`${name}.${m}`)) m++;
      warnings.push(`column name ${JSON.stringify(name)} repeats in the header; column ${k + 1} is called ${JSON.stringify(`${name}.${m}`)}`);
      name = `${name}.${m}`;
    }
    seen.add(name);
    names.push(name);
  }
  return names;
}
