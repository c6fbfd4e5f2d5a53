/**
 * The shared tabular-data layer: every format streams as COLUMNAR row batches so drift, quality checks
 * and dataset comparison run one pass with bounded memory whatever the file size.
 *
 * Column names and values come from files we do not control: they stay plain data, and names are never
 * used as object keys (batches hold parallel arrays indexed by column position).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { readCsv } from './csv.ts';
import { readJsonl } from './jsonl.ts';
import { readParquet } from './parquet.ts';
import { ioError } from './common.ts';
import type { DatasetFormat, DatasetSource, ReadOptions, ReaderStats, Value } from './common.ts';

export * from './common.ts';

/** Format and compression implied by a file name, or undefined when we do not know the extension. */
export function detectFormat(file: string): { format: DatasetFormat; gzip: boolean } | undefined {
  let name = path.basename(file).toLowerCase();
  const gzip = name.endsWith('.gz');
  if (gzip) name = name.slice(0, -3);
  const ext = path.extname(name);
  const format: DatasetFormat | undefined =
    ext === '.csv' ? 'csv' : ext === '.tsv' || ext === '.tab' ? 'tsv' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : ext === '.parquet' || ext === '.pq' ? 'parquet' : undefined;
  return format && { format, gzip };
}

/** Open a dataset for streaming; checks that it exists and that we can read its format. */
export async function openDataset(file: string, options: ReadOptions = {}): Promise<DatasetSource> {
  const detected = detectFormat(file);
  const format = options.format ?? detected?.format;
  if (!format) {
    throw new MlopsError('usage', `cannot tell the format of ${file} from its extension`, {
      location: { file },
      hint: 'use .csv, .tsv, .jsonl/.ndjson or .parquet (text formats may end in .gz), or pass the format explicitly',
    });
  }
  const gzip = options.gzip ?? detected?.gzip ?? false;
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new MlopsError('usage', `${file} is not a file`, { location: { file }, hint: 'point at a data file, not a directory' });
  } catch (e) {
    throw ioError(file, e);
  }
  if (format === 'parquet') {
    if (gzip) throw new MlopsError('usage', `${file}: gzip-wrapped Parquet is not supported`, { location: { file }, hint: 'Parquet compresses its pages itself; decompress the file first' });
    return readParquet(file, options);
  }
  if (format === 'jsonl') return readJsonl(file, { ...options, gzip });
  return readCsv(file, { ...options, gzip, delimiter: options.delimiter ?? (format === 'tsv' ? '\t' : ',') }, format);
}

/** Read a whole dataset into memory as row objects; for tests and small previews only. */
export async function readAllRows(file: string, options: ReadOptions = {}): Promise<{ columns: string[]; rows: Value[][]; stats: ReaderStats }> {
  const src = await openDataset(file, options);
  let columns: readonly string[] = [];
  const rows: Value[][] = [];
  for await (const b of src.batches()) {
    columns = b.columns;
    for (let r = 0; r < b.rowCount; r++) rows.push(b.columns.map((_, c) => b.data[c]![r] ?? null));
  }
  return { columns: [...columns], rows, stats: src.stats };
}
