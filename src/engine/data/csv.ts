/**
 * RFC 4180 CSV/TSV, streaming: quoted fields with `""` escapes, delimiters and newlines inside quotes,
 * LF / CRLF / CR line ends, header row. Each decoded chunk is parsed as far as the last complete
 * record; the incomplete tail is carried into the next chunk and re-read from its start, so a field
 * (or a CRLF, or a `""`) split across chunks needs no special states. Parsing pauses after each
 * batch, so memory holds one batch whatever the file size. Lines are physical lines: a record with
 * embedded newlines is reported at the line it starts on.
 *
 * Fields are strings, except that an unquoted field holding a number in canonical form (`12`, `-0.5`,
 * exactly what `String(number)` prints) is yielded as that number: no information is lost (`007`,
 * `1.0` and `1e3` stay strings), and skipping the string allocation is what makes the pass fast.
 * `parseNumbers: false` keeps every field a string.
 *
 * Leniency follows Python's csv module and pandas where RFC 4180 is silent: text after a closing quote
 * is appended to the field, a quote inside an unquoted field is literal, blank lines are skipped.
 */
import { MlopsError } from '../errors.ts';
import { DEFAULT_MISSING_VALUES, DEFAULT_TEXT_BATCH_SIZE, emptyStats, MAX_BAD_ROWS_KEPT, newColumn, uniqueColumnNames } from './common.ts';
import type { DatasetFormat, DatasetSource, ReadOptions, ReaderStats, RowBatch, Value } from './common.ts';
import { canonicalNumber, POW10 } from './infer.ts';
import { countLf, countQuotes, textChunks } from './text.ts';

/** Incomplete records longer than this wait for more text before being parsed again. */
const LONG_RECORD = 256 * 1024;
const LF = 10;
const CR = 13;
const QUOTE = 34;

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
export class CsvParser {
  readonly file: string;
  readonly stats: ReaderStats = emptyStats();
  /** Completed batches waiting to be taken by the reader. */
  readonly ready: RowBatch[] = [];
  private readonly delim: number;
  private readonly hasHeader: boolean;
  private readonly missing: Set<string>;
  private readonly emptyIsMissing: boolean;
  private readonly maxMissingLen: number;
  private readonly skipBad: boolean;
  private readonly batchSize: number;
  private readonly maxRecord: number;
  private readonly numbers: boolean;
  /** Missing-value tokens that are numbers (e.g. `-999`), checked against recognised numbers. */
  private readonly numericMissing: Set<number> | null;
  /** Text not parsed yet: `rest` from `pos`, then `after` from `afterPos` (the rest of a chunk). */
  private rest = '';
  private pos = 0;
  private after = '';
  private afterPos = 0;
  /** Chunks held back while a long incomplete record waits for more text (see push). */
  private stalled = false;
  private waiting: string[] = [];
  private waitingLength = 0;
  private line = 1;
  /** Field count of the record parsed last. */
  private fields = 0;
  private names: string[] | undefined;
  private ncols = 0;
  private cols: Value[][] = [];
  private lines: Int32Array;
  private count = 0;
  private rowOffset = 0;

  constructor(file: string, options: CsvParserOptions = {}) {
    this.file = file;
    const d = options.delimiter ?? ',';
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
      throw new MlopsError('usage', `invalid CSV delimiter ${JSON.stringify(d)}`, { hint: 'use one character other than a quote or a line break, e.g. "," or "\\t"' });
    }
    this.delim = d.charCodeAt(0);
    this.hasHeader = options.header ?? true;
    const missing = options.missingValues ?? DEFAULT_MISSING_VALUES;
    this.missing = new Set(missing);
    this.emptyIsMissing = this.missing.has('');
    this.maxMissingLen = Math.max(0, ...missing.map((m) => m.length));
    this.skipBad = options.onBadRow === 'skip';
    this.batchSize = Math.max(1, options.batchSize ?? DEFAULT_TEXT_BATCH_SIZE);
    this.maxRecord = options.maxRecordBytes ?? 64 * 1024 * 1024;
    this.lines = new Int32Array(this.batchSize);
    this.numbers = options.parseNumbers ?? true;
    const numericMissing = missing.map(canonicalNumber).filter((x) => x !== undefined);
    this.numericMissing = numericMissing.length > 0 ? new Set(numericMissing) : null;
  }

  /** Add text; then take batches with `next()` until it returns undefined. */
  push(chunk: string): void {
    if (this.pos >= this.rest.length) {
      this.rest = chunk;
      this.pos = 0;
      return;
    }
    if (this.stalled) {
      // A long incomplete record (a huge quoted field, or a quote never closed) is parsed again only
      // once the text after it has doubled: re-reading it for every chunk would be quadratic.
      this.waiting.push(chunk);
      this.waitingLength += chunk.length;
      if (this.waitingLength >= this.rest.length - this.pos) this.unstall();
      return;
    }
    // The carried incomplete record is joined with only as much of the new chunk as completes it
    // (up to the first line end outside quotes); the chunk itself is then parsed in place from
    // there. Joining whole chunks would copy every chunk, and `+` would build a rope, on which
    // charCodeAt is several times slower; so would parsing a slice of the chunk.
    const tail = this.rest.slice(this.pos);
    this.pos = 0;
    let open = countQuotes(tail, 0, tail.length) % 2 === 1;
    for (let p = 0; ; ) {
      const nl = chunk.indexOf('\n', p);
      if (nl < 0) {
        this.rest = [tail, chunk].join('');
        return;
      }
      if (countQuotes(chunk, p, nl) % 2 === 1) open = !open;
      if (!open) {
        this.rest = [tail, chunk.slice(0, nl + 1)].join('');
        this.after = chunk;
        this.afterPos = nl + 1;
        return;
      }
      p = nl + 1;
    }
  }

  /**
   * The next full batch from the text pushed so far, or undefined when more text is needed. Parsing
   * stops at each full batch, so at most one batch of field values is alive at a time (see
   * DEFAULT_TEXT_BATCH_SIZE).
   */
  next(final = false): RowBatch | undefined {
    if (this.stalled) {
      if (!final) return this.ready.shift();
      this.unstall();
    }
    while (this.ready.length === 0) {
      if (this.pos < this.rest.length) this.parse(this.rest, this.pos, final && this.after.length === 0);
      if (this.ready.length > 0 || this.after.length === 0) break;
      if (this.pos < this.rest.length) {
        // The stitched piece did not end on a record boundary (a stray quote): join the rest too.
        this.rest = [this.rest.slice(this.pos), this.after.slice(this.afterPos)].join('');
        this.pos = 0;
      } else {
        this.rest = this.after;
        this.pos = this.afterPos;
      }
      this.after = '';
      this.afterPos = 0;
    }
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

  /** Parse records from `s` until a batch is full or the text runs out (keeping the incomplete tail). */
  private parse(s: string, from: number, final: boolean): void {
    const n = s.length;
    let i = from;
    while (i < n) {
      const recLine = this.line;
      const c = s.charCodeAt(i);
      if (c === LF || c === CR) {
        // Blank line. A CR at the very end of a chunk may be the first half of a CRLF.
        if (c === CR && i + 1 >= n && !final) return this.keep(s, i, recLine);
        i += c === CR && i + 1 < n && s.charCodeAt(i + 1) === LF ? 2 : 1;
        this.line++;
        continue;
      }
      const header: string[] | undefined = this.names === undefined ? [] : undefined;
      const end = this.record(s, i, final, header);
      if (end < 0) return this.keep(s, i, recLine);
      i = end;
      if (header !== undefined) {
        this.setColumns(header);
        if (this.hasHeader) continue;
        for (let k = 0; k < this.ncols; k++) this.cols[k]![this.count] = this.norm(header[k]!);
      } else if (this.fields !== this.ncols) {
        // Values already stored for this row are overwritten by the next one.
        this.badRow(recLine, this.fields);
        continue;
      }
      this.lines[this.count] = recLine;
      if (++this.count === this.batchSize) {
        this.flush();
        this.pos = i;
        return;
      }
    }
    this.pos = n;
  }

  /**
   * One record starting at `i`: its fields go to the columns (or to `header`), `this.fields` says how
   * many there were, `this.line` moves past it. Returns the index after it, or -1 when the text ends
   * inside it and more is coming. A method of its own (called per record) rather than a loop inside
   * parse(): V8 then optimises it normally instead of through on-stack replacement of a long loop,
   * which kept deoptimising on every exit from the inner loops and ran several times slower.
   */
  private record(s: string, i: number, final: boolean, header: string[] | undefined): number {
    const n = s.length;
    const delim = this.delim;
    const cols = this.cols;
    const ncols = this.ncols;
    const numbers = this.numbers && header === undefined;
    const row = this.count;
    let line = this.line;
    let f = 0;
    for (;;) {
      let value = '';
      let isNum = false;
      let num = 0;
      let c = i < n ? s.charCodeAt(i) : -1;
      if (c === QUOTE) {
        let from = i + 1;
        for (;;) {
          const q = s.indexOf('"', from);
          if (q < 0 || (q + 1 >= n && !final)) {
            if (final) throw this.unterminated(this.line);
            return -1;
          }
          if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
            value += s.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += s.slice(from, q);
          line += countLf(s, i, q);
          i = q + 1;
          break;
        }
        if (i < n && (c = s.charCodeAt(i)) !== delim && c !== LF && c !== CR) {
          let j = i;
          while (j < n && (c = s.charCodeAt(j)) !== delim && c !== LF && c !== CR) j++;
          if (j >= n && !final) return -1;
          value += s.slice(i, j);
          i = j;
        }
      } else {
        let j = i;
        if (numbers) {
          // A plain decimal in canonical form becomes a number right here, without a string:
          // allocating field strings is most of the cost of a CSV pass.
          let neg = false;
          if (c === 45) {
            neg = true;
            c = ++j < n ? s.charCodeAt(j) : -1;
          }
          if (c >= 48 && c <= 57) {
            let mant = c - 48;
            let sig = mant === 0 ? 0 : 1;
            let frac = 0;
            let ok = true;
            c = ++j < n ? s.charCodeAt(j) : -1;
            if (mant === 0) ok = c < 48 || c > 57; // no leading zeros
            else
              while (c >= 48 && c <= 57) {
                mant = mant * 10 + (c - 48);
                sig++;
                c = ++j < n ? s.charCodeAt(j) : -1;
              }
            if (ok && c === 46) {
              let last = 0;
              c = ++j < n ? s.charCodeAt(j) : -1;
              while (c >= 48 && c <= 57) {
                mant = mant * 10 + (c - 48);
                if (mant !== 0) sig++;
                frac++;
                last = c;
                c = ++j < n ? s.charCodeAt(j) : -1;
              }
              ok = frac > 0 && last !== 48;
            }
            if (ok && sig <= 15 && !(neg && mant === 0) && (c === delim || c === LF || c === CR || (c === -1 && final))) {
              const x = frac === 0 ? mant : mant / POW10[frac]!;
              // Below 1e-6 JavaScript prints an exponent, so String(x) would not give the text back.
              if (frac === 0 || x >= 1e-6) {
                isNum = true;
                num = neg ? -x : x;
                i = j;
              }
            }
          }
        }
        if (!isNum) {
          while (j < n && (c = s.charCodeAt(j)) !== delim && c !== LF && c !== CR) j++;
          if (j >= n && !final) return -1;
          value = s.slice(i, j);
          i = j;
        }
      }
      if (header !== undefined) header.push(value);
      else if (f < ncols) cols[f]![row] = isNum ? this.numOrMissing(num) : this.strOrMissing(value);
      f++;
      if (i >= n) break; // the end of the text ends the record (final only: otherwise we returned above)
      c = s.charCodeAt(i);
      if (c === delim) {
        i++;
        continue;
      }
      if (c === CR) {
        if (i + 1 >= n && !final) return -1;
        i += i + 1 < n && s.charCodeAt(i + 1) === LF ? 2 : 1;
      } else i++;
      line++;
      break;
    }
    this.fields = f;
    this.line = line;
    return i;
  }

  private numOrMissing(x: number): Value {
    return this.numericMissing === null || !this.numericMissing.has(x) ? x : null;
  }

  private strOrMissing(v: string): Value {
    const len = v.length;
    if (len === 0) return this.emptyIsMissing ? null : v;
    return len <= this.maxMissingLen && this.missing.has(v) ? null : v;
  }

  private norm(v: string): Value {
    if (v.length === 0 ? this.emptyIsMissing : v.length <= this.maxMissingLen && this.missing.has(v)) return null;
    return (this.numbers ? canonicalNumber(v) : undefined) ?? v;
  }

  private keep(s: string, from: number, line: number): void {
    if (s.length - from > this.maxRecord) throw this.unterminated(line);
    this.pos = from;
    this.line = line;
    this.stalled = s.length - from > LONG_RECORD;
  }

  private unstall(): void {
    this.rest = [this.rest.slice(this.pos), ...this.waiting].join('');
    this.pos = 0;
    this.waiting = [];
    this.waitingLength = 0;
    this.stalled = false;
  }

  private unterminated(line: number): MlopsError {
    return new MlopsError('format', `a quoted field starting on this line is never closed`, {
      location: { file: this.file, line },
      hint: 'add the closing double quote, and double any quote inside a quoted field ("" for ")',
    });
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
