/**
 * The CSV/TSV tokenizer (RFC 4180, streaming): quoted fields with `""` escapes, delimiters and
 * newlines inside quotes, LF / CRLF / CR line ends. Each decoded chunk is parsed as far as the last
 * complete record; the incomplete tail is carried into the next chunk and re-read from its start,
 * so a field (or a CRLF, or a `""`) split across chunks needs no special states. Lines are physical
 * lines: a record with embedded newlines is reported at the line it starts on.
 *
 * An unquoted field holding a number in canonical form (`12`, `-0.5`, exactly what `String(number)`
 * prints) is handed over as that number: no information is lost (`007`, `1.0` and `1e3` stay
 * strings), and skipping the string allocation is what makes the pass fast.
 *
 * Leniency follows Python's csv module and pandas where RFC 4180 is silent: text after a closing
 * quote is appended to the field, a quote inside an unquoted field is literal, blank lines are
 * skipped. What the fields become (columns, batches, missing values, bad rows) is the subclass's
 * business: CsvParser in csv.ts.
 */
import { MlopsError } from '../errors.ts';
import { POW10 } from './infer.ts';
import { countLf, countQuotes } from './text.ts';

/** Incomplete records longer than this wait for more text before being parsed again. */
const LONG_RECORD = 256 * 1024;
const LF = 10;
const CR = 13;
const QUOTE = 34;

export interface CsvTokenizerOptions {
  delimiter?: string;
  maxRecordBytes?: number;
  parseNumbers?: boolean;
}

export abstract class CsvTokenizer {
  readonly file: string;
  private readonly delim: number;
  private readonly maxRecord: number;
  protected readonly numbers: boolean;
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
  protected fields = 0;

  constructor(file: string, options: CsvTokenizerOptions = {}) {
    this.file = file;
    const d = options.delimiter ?? ',';
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
      throw new MlopsError('usage', `invalid CSV delimiter ${JSON.stringify(d)}`, { hint: 'use one character other than a quote or a line break, e.g. "," or "\\t"' });
    }
    this.delim = d.charCodeAt(0);
    this.maxRecord = options.maxRecordBytes ?? 64 * 1024 * 1024;
    this.numbers = options.parseNumbers ?? true;
  }

  /** True while the next record is the header (its fields then come as strings, in an array). */
  protected abstract wantsHeader(): boolean;
  /** Field `f` of the current record, a number recognised in place. */
  protected abstract numberField(f: number, x: number): void;
  /** Field `f` of the current record, as text. */
  protected abstract textField(f: number, v: string): void;
  /**
   * The current record is complete (`this.fields` fields; `header` holds them when it was the
   * header). Return true to pause parsing after it (a batch is full).
   */
  protected abstract endRecord(line: number, header: string[] | undefined): boolean;

  /** Add text; then call `advance()` until it returns false. */
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
   * Parse the text pushed so far until endRecord asks for a pause (true) or more text is needed
   * (false). `final`: no more text is coming, so the last record may end without a line end.
   */
  protected advance(final: boolean): boolean {
    if (this.stalled) {
      if (!final) return false;
      this.unstall();
    }
    for (;;) {
      if (this.pos < this.rest.length && this.parse(this.rest, this.pos, final && this.after.length === 0)) return true;
      if (this.after.length === 0) return false;
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
  }

  /** Parse records from `s` until endRecord pauses (true) or the text runs out (keeping the incomplete tail). */
  private parse(s: string, from: number, final: boolean): boolean {
    const n = s.length;
    let i = from;
    while (i < n) {
      const recLine = this.line;
      const c = s.charCodeAt(i);
      if (c === LF || c === CR) {
        // Blank line. A CR at the very end of a chunk may be the first half of a CRLF.
        if (c === CR && i + 1 >= n && !final) {
          this.keep(s, i, recLine);
          return false;
        }
        i += c === CR && i + 1 < n && s.charCodeAt(i + 1) === LF ? 2 : 1;
        this.line++;
        continue;
      }
      const header: string[] | undefined = this.wantsHeader() ? [] : undefined;
      const end = this.record(s, i, final, header);
      if (end < 0) {
        this.keep(s, i, recLine);
        return false;
      }
      i = end;
      if (this.endRecord(recLine, header)) {
        this.pos = i;
        return true;
      }
    }
    this.pos = n;
    return false;
  }

  /**
   * One record starting at `i`: its fields go to numberField/textField (or to `header`),
   * `this.fields` says how many there were, `this.line` moves past it. Returns the index after it,
   * or -1 when the text ends inside it and more is coming. A method of its own (called per record)
   * rather than a loop inside parse(): V8 then optimises it normally instead of through on-stack
   * replacement of a long loop, which kept deoptimising on every exit from the inner loops and ran
   * several times slower.
   */
  private record(s: string, i: number, final: boolean, header: string[] | undefined): number {
    const n = s.length;
    const delim = this.delim;
    const numbers = this.numbers && header === undefined;
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
      else if (isNum) this.numberField(f, num);
      else this.textField(f, value);
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
}
