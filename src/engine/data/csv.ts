/**
 * CSV/TSV records to column batches. The tokenizer (csvTokenizer.ts: quoting, line ends, chunks,
 * numbers recognised in place) hands over fields; this turns them into batches of columns with
 * the header row, missing values and bad rows, pausing after each batch so memory holds one batch
 * whatever the file size.
 *
 * Fields are strings, except canonical numbers, which stay numbers (see csvTokenizer.ts).
 * `parseNumbers: false` keeps every field a string.
 */
import { MlopsError } from '../errors.ts';
import { DEFAULT_MISSING_VALUES, DEFAULT_TEXT_BATCH_SIZE, emptyStats, MAX_BAD_ROWS_KEPT, newColumn, uniqueColumnNames } from './common.ts';
import type { DatasetFormat, DatasetSource, ReadOptions, ReaderStats, RowBatch, Value } from './common.ts';
import { CsvTokenizer } from './csvTokenizer.ts';
import { canonicalNumber } from './infer.ts';
import { textChunks } from './text.ts';

export interface CsvParserOptions {
  delimiter?: string;
  header?: boolean;
  missingValues?: readonly string[];
  onBadRow?: 'error' | 'skip';
  batchSize?: number;
  maxRecordBytes?: number;
  parseNumbers?: boolean;
}

/** Push-style parser, independent of I/O: `push(text)` any number of times, then `end()`. */
export class CsvParser extends CsvTokenizer {
  readonly stats: ReaderStats = emptyStats();
  /** Completed batches waiting to be taken by the reader. */
  readonly ready: RowBatch[] = [];
  private readonly hasHeader: boolean;
  private readonly missing: Set<string>;
  private readonly emptyIsMissing: boolean;
  private readonly maxMissingLen: number;
  private readonly skipBad: boolean;
  private readonly batchSize: number;
  /** Missing-value tokens that are numbers (e.g. `-999`), checked against recognised numbers. */
  private readonly numericMissing: Set<number> | null;
  private names: string[] | undefined;
  private ncols = 0;
  private cols: Value[][] = [];
  private lines: Int32Array;
  private count = 0;
  private rowOffset = 0;

  constructor(file: string, options: CsvParserOptions = {}) {
    super(file, options);
    this.hasHeader = options.header ?? true;
    const missing = options.missingValues ?? DEFAULT_MISSING_VALUES;
    this.missing = new Set(missing);
    this.emptyIsMissing = this.missing.has('');
    this.maxMissingLen = Math.max(0, ...missing.map((m) => m.length));
    this.skipBad = options.onBadRow === 'skip';
    this.batchSize = Math.max(1, options.batchSize ?? DEFAULT_TEXT_BATCH_SIZE);
    this.lines = new Int32Array(this.batchSize);
    const numericMissing = missing.map(canonicalNumber).filter((x) => x !== undefined);
    this.numericMissing = numericMissing.length > 0 ? new Set(numericMissing) : null;
  }

  /**
   * The next full batch from the text pushed so far, or undefined when more text is needed. Parsing
   * stops at each full batch, so at most one batch of field values is alive at a time (see
   * DEFAULT_TEXT_BATCH_SIZE).
   */
  next(final = false): RowBatch | undefined {
    if (this.ready.length === 0) this.advance(final);
    return this.ready.shift();
  }

  /** The remaining batches once all text has been pushed. */
  *end(): Generator<RowBatch> {
    for (let b = this.next(true); b !== undefined; b = this.next(true)) yield b;
    if (this.names === undefined) this.setColumns([]);
    if (this.count > 0 || this.rowOffset === 0) {
      this.flush();
      yield this.ready.shift()!;
    }
  }

  protected wantsHeader(): boolean {
    return this.names === undefined;
  }

  // Fields past the header's count are dropped: endRecord reports the row as bad.
  protected numberField(f: number, x: number): void {
    if (f < this.ncols) this.cols[f]![this.count] = this.numericMissing === null || !this.numericMissing.has(x) ? x : null;
  }

  protected textField(f: number, v: string): void {
    if (f < this.ncols) this.cols[f]![this.count] = this.isMissing(v) ? null : v;
  }

  protected endRecord(line: number, header: string[] | undefined): boolean {
    if (header !== undefined) {
      this.setColumns(header);
      if (this.hasHeader) return false;
      for (let k = 0; k < this.ncols; k++) this.cols[k]![this.count] = this.norm(header[k]!);
    } else if (this.fields !== this.ncols) {
      // Values already stored for this row are overwritten by the next one.
      this.badRow(line, this.fields);
      return false;
    }
    this.lines[this.count] = line;
    if (++this.count < this.batchSize) return false;
    this.flush();
    return true;
  }

  private isMissing(v: string): boolean {
    return v.length === 0 ? this.emptyIsMissing : v.length <= this.maxMissingLen && this.missing.has(v);
  }

  /** A header field taken as data (header: false). */
  private norm(v: string): Value {
    if (this.isMissing(v)) return null;
    return (this.numbers ? canonicalNumber(v) : undefined) ?? v;
  }

  private badRow(line: number, fields: number): void {
    const reason = `row has ${fields} field${fields === 1 ? '' : 's'} but the header has ${this.ncols}`;
    if (!this.skipBad) {
      throw new MlopsError('format', reason, {
        location: { file: this.file, line },
        hint: 'quote fields that contain the delimiter or line breaks, fix the row, or set onBadRow: skip to count and skip such rows',
      });
    }
    this.stats.skippedRows++;
    if (this.stats.badRows.length < MAX_BAD_ROWS_KEPT) this.stats.badRows.push({ line, reason });
  }

  private setColumns(raw: string[]): void {
    const names = this.hasHeader ? uniqueColumnNames(raw, this.stats.warnings) : raw.map((_, k) => `column_${k + 1}`);
    this.names = names;
    this.ncols = names.length;
    this.cols = names.map(() => newColumn(this.batchSize));
  }

  private flush(): void {
    if (this.count < this.batchSize) for (const col of this.cols) col.length = this.count;
    this.ready.push({ columns: this.names!, data: this.cols, rowCount: this.count, rowOffset: this.rowOffset, lines: this.lines.slice(0, this.count) });
    this.stats.rows += this.count;
    this.rowOffset += this.count;
    this.count = 0;
    this.cols = this.names!.map(() => newColumn(this.batchSize));
  }
}

export function readCsv(file: string, options: ReadOptions & { gzip: boolean }, format: DatasetFormat = 'csv'): DatasetSource {
  const parser = new CsvParser(file, options);
  let started = false;
  return {
    path: file,
    format,
    declaredTypes: new Map(),
    stats: parser.stats,
    async *batches() {
      if (started) throw new Error('a DatasetSource can be iterated once');
      started = true;
      for await (const chunk of textChunks(file, options)) {
        parser.push(chunk);
        for (let b = parser.next(); b !== undefined; b = parser.next()) yield b;
      }
      yield* parser.end();
    },
  };
}
