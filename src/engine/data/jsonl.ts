/**
 * JSON Lines: one object per line. Columns are the union of keys in order of first appearance; a key
 * missing from a row is a missing value; nested objects and arrays become their JSON text so every
 * value stays a scalar.
 */
import { MlopsError } from '../errors.ts';
import { DEFAULT_TEXT_BATCH_SIZE, emptyStats, MAX_BAD_ROWS_KEPT } from './common.ts';
import type { DatasetSource, ReadOptions, ReaderStats, RowBatch, Value } from './common.ts';
import { textChunks } from './text.ts';

/** Push-style line handler, independent of I/O. */
export class JsonlParser {
  readonly file: string;
  readonly stats: ReaderStats = emptyStats();
  readonly ready: RowBatch[] = [];
  private readonly skipBad: boolean;
  private readonly tolerateTail: boolean;
  private readonly batchSize: number;
  private readonly maxRecord: number;
  private readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  private cols: Value[][] = [];
  private lines: number[] = [];
  private count = 0;
  private rowOffset = 0;
  /** The start of a line whose end has not arrived yet. */
  private parts: string[] = [];
  private partsLength = 0;
  private line = 1;

  constructor(file: string, options: ReadOptions = {}) {
    this.file = file;
    this.skipBad = options.onBadRow === 'skip';
    this.tolerateTail = options.tolerateTruncatedTail ?? false;
    this.batchSize = Math.max(1, options.batchSize ?? DEFAULT_TEXT_BATCH_SIZE);
    this.maxRecord = options.maxRecordBytes ?? 64 * 1024 * 1024;
  }

  push(chunk: string): void {
    let from = 0;
    let nl = chunk.indexOf('\n');
    if (this.parts.length > 0) {
      // The carried start of a line is joined only once its end arrives: joining at every chunk
      // would copy a long line over and over.
      if (nl < 0) {
        this.carry(chunk);
        return;
      }
      this.parts.push(chunk.slice(0, nl));
      this.handleLine(this.parts.join(''), this.line++, false);
      this.parts = [];
      this.partsLength = 0;
      from = nl + 1;
      nl = chunk.indexOf('\n', from);
    }
    for (; nl >= 0; nl = chunk.indexOf('\n', from)) {
      this.handleLine(chunk.slice(from, nl), this.line++, false);
      from = nl + 1;
    }
    if (from < chunk.length) this.carry(chunk.slice(from));
  }

  private carry(piece: string): void {
    this.parts.push(piece);
    this.partsLength += piece.length;
    if (this.partsLength > this.maxRecord) {
      throw new MlopsError('format', `line is longer than ${this.maxRecord} characters`, {
        location: { file: this.file, line: this.line },
        hint: 'JSON Lines needs one object per line; a single JSON array or pretty-printed JSON is not JSON Lines',
      });
    }
  }

  end(): void {
    const rest = this.parts.join('');
    this.parts = [];
    if (rest.trim().length > 0) this.handleLine(rest, this.line, true);
    if (this.count > 0 || this.rowOffset === 0) this.flush();
  }

  private handleLine(text: string, line: number, last: boolean): void {
    if (text.trim().length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      if (last && this.tolerateTail) {
        this.stats.truncatedTail = true;
        return;
      }
      const why = last ? `the last line is not valid JSON (${(e as Error).message}); the file may still be being written` : `line is not valid JSON (${(e as Error).message})`;
      this.bad(line, why, last ? 'wait for the writer to finish, or set tolerateTruncatedTail to ignore an incomplete last line' : undefined);
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      this.bad(line, `line holds ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}, not a JSON object`);
      return;
    }
    const obj = parsed as Record<string, unknown>;
    const count = this.count;
    for (const key of Object.keys(obj)) {
      let k = this.index.get(key);
      if (k === undefined) {
        k = this.names.length;
        this.index.set(key, k);
        this.names.push(key);
        this.cols.push(new Array<Value>(count).fill(null));
      }
      this.cols[k]!.push(toValue(obj[key]));
    }
    for (const col of this.cols) if (col.length === count) col.push(null);
    this.lines.push(line);
    if (++this.count === this.batchSize) this.flush();
  }

  private bad(line: number, reason: string, hint?: string): void {
    if (!this.skipBad) {
      throw new MlopsError('format', reason, {
        location: { file: this.file, line },
        hint: hint ?? 'fix or remove the line, or set onBadRow: skip to count and skip such lines',
      });
    }
    this.stats.skippedRows++;
    if (this.stats.badRows.length < MAX_BAD_ROWS_KEPT) this.stats.badRows.push({ line, reason });
  }

  private flush(): void {
    // Snapshot the names: later batches may append columns, and a batch must keep describing itself.
    this.ready.push({ columns: [...this.names], data: this.cols, rowCount: this.count, rowOffset: this.rowOffset, lines: Int32Array.from(this.lines) });
    this.stats.rows += this.count;
    this.rowOffset += this.count;
    this.count = 0;
    this.cols = this.names.map(() => []);
    this.lines = [];
  }
}

function toValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

export function readJsonl(file: string, options: ReadOptions & { gzip: boolean }): DatasetSource {
  const parser = new JsonlParser(file, options);
  let started = false;
  return {
    path: file,
    format: 'jsonl',
    declaredTypes: new Map(),
    stats: parser.stats,
    async *batches() {
      if (started) throw new Error('a DatasetSource can be iterated once');
      started = true;
      for await (const chunk of textChunks(file, options)) {
        parser.push(chunk);
        while (parser.ready.length > 0) yield parser.ready.shift()!;
      }
      parser.end();
      while (parser.ready.length > 0) yield parser.ready.shift()!;
    },
  };
}
