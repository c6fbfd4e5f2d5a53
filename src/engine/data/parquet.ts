/**
 * Parquet through hyparquet, one row group at a time. The file is read by byte range through a file
 * handle (footer first, then one row group's column chunks), never whole: hyparquet's own whole-file
 * read would prefetch every row group at once. Memory is bounded by the largest row group.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { AsyncBuffer, FileMetaData, ParquetParsers, SchemaElement, SchemaTree } from 'hyparquet';
import { MlopsError } from '../errors.ts';
import { DEFAULT_BATCH_SIZE, emptyStats, ioError } from './common.ts';
import type { DatasetSource, DeclaredType, ReadOptions, Value } from './common.ts';

function fileBuffer(fh: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const len = Math.max(0, Math.min(end, size) - start);
      const out = new Uint8Array(len);
      let done = 0;
      while (done < len) {
        const { bytesRead } = await fh.read(out, done, len - done, start + done);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + done}`);
        done += bytesRead;
      }
      return out.buffer;
    },
  };
}

function isoOrNull(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}

// Timestamps arrive as ISO 8601 text, the same form a CSV holds, so inference treats both alike.
const parsers: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => isoOrNull(Number(v)),
  timestampFromMicroseconds: (v: bigint) => isoOrNull(Number(v / 1000n)),
  timestampFromNanoseconds: (v: bigint) => isoOrNull(Number(v / 1000000n)),
  dateFromDays: (days: number) => isoOrNull(days * 86_400_000)?.slice(0, 10) ?? null,
};

function declaredType(node: SchemaTree): DeclaredType {
  const el: SchemaElement = node.element;
  if (node.children.length > 0) return 'string';
  const lt = el.logical_type?.type;
  const ct = el.converted_type;
  if (lt === 'DATE' || lt === 'TIMESTAMP' || ct === 'DATE' || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS') return 'datetime';
  if (lt === 'DECIMAL' || ct === 'DECIMAL' || lt === 'FLOAT16') return 'float';
  if (lt === 'STRING' || lt === 'ENUM' || lt === 'JSON' || lt === 'UUID' || lt === 'TIME' || ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON') return 'string';
  switch (el.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
    case 'INT64':
      return 'integer';
    case 'FLOAT':
    case 'DOUBLE':
      return 'float';
    case 'INT96':
      return 'datetime';
    default:
      return 'string';
  }
}

function jsonReplacer(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v;
}

function toValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
    case 'string':
    case 'boolean':
      return v;
    case 'bigint':
      return Number(v);
  }
  if (v instanceof Date) return isoOrNull(v.getTime());
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(v, jsonReplacer);
}

function corrupt(file: string, e: unknown, where = ''): MlopsError {
  if (e instanceof MlopsError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new MlopsError('format', `${file} is not a readable Parquet file${where} (${msg})`, {
    location: { file },
    hint: 'the file may be truncated, still being written, or not Parquet; re-export it or check the extension',
    cause: e,
  });
}

async function withFile<T>(file: string, fn: (buf: AsyncBuffer) => Promise<T>): Promise<T> {
  let fh: FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch (e) {
    throw ioError(file, e);
  }
  try {
    return await fn(fileBuffer(fh, (await fh.stat()).size));
  } finally {
    await fh.close();
  }
}

export async function readParquet(file: string, options: ReadOptions = {}): Promise<DatasetSource> {
  // Loaded on first use: the reader and decompressors take ~0.1 s to import, which CSV and JSONL
  // users should not pay.
  const { parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const metadata: FileMetaData = await withFile(file, async (buf) => {
    try {
      return await parquetMetadataAsync(buf, { parsers });
    } catch (e) {
      throw corrupt(file, e);
    }
  });
  let roots: SchemaTree[];
  try {
    roots = parquetSchema(metadata).children;
  } catch (e) {
    throw corrupt(file, e, ' (schema)');
  }
  const columns = roots.map((r) => r.element.name);
  const declaredTypes = new Map(roots.map((r) => [r.element.name, declaredType(r)] as const));
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const stats = emptyStats();
  let started = false;
  return {
    path: file,
    format: 'parquet',
    declaredTypes,
    stats,
    async *batches() {
      if (started) throw new Error('a DatasetSource can be iterated once');
      started = true;
      let fh: FileHandle;
      try {
        fh = await fs.open(file, 'r');
      } catch (e) {
        throw ioError(file, e);
      }
      try {
        const buf = fileBuffer(fh, (await fh.stat()).size);
        let groupStart = 0;
        let yielded = false;
        for (let g = 0; g < metadata.row_groups.length; g++) {
          const groupRows = Number(metadata.row_groups[g]!.num_rows);
          const groupEnd = groupStart + groupRows;
          if (groupRows === 0) continue;
          const data: Value[][] = columns.map(() => new Array<Value>(groupRows).fill(null));
          const byName = new Map(columns.map((c, k) => [c, k] as const));
          try {
            await parquetRead({
              file: buf,
              metadata,
              rowStart: groupStart,
              rowEnd: groupEnd,
              compressors,
              parsers,
              onChunk(chunk) {
                const col = data[byName.get(chunk.columnName) ?? -1];
                if (!col) return;
                const src = chunk.columnData;
                const from = Math.max(chunk.rowStart, groupStart);
                const to = Math.min(chunk.rowEnd, groupEnd);
                for (let r = from; r < to; r++) col[r - groupStart] = toValue(src[r - chunk.rowStart]);
              },
            });
          } catch (e) {
            throw corrupt(file, e, `: row group ${g + 1} of ${metadata.row_groups.length}`);
          }
          for (let off = 0; off < groupRows; off += batchSize) {
            const rowCount = Math.min(batchSize, groupRows - off);
            const slice = rowCount === groupRows ? data : data.map((c) => c.slice(off, off + rowCount));
            stats.rows += rowCount;
            yielded = true;
            yield { columns, data: slice, rowCount, rowOffset: groupStart + off };
          }
          groupStart = groupEnd;
        }
        if (!yielded) yield { columns, data: columns.map(() => []), rowCount: 0, rowOffset: 0 };
      } finally {
        await fh.close();
      }
    },
  };
}
