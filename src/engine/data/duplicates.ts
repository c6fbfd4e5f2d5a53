/**
 * Duplicate rows by a key column set, in one pass with bounded memory: each key is kept as a 64-bit
 * hash (see KeyHashSet), and checking stops, saying so, once `maxKeys` distinct keys are held.
 */
import { MlopsError } from '../errors.ts';
import type { RowBatch, Value } from './common.ts';
import { fmix32, hashHigh, hashString, KeyHashSet, numberBits } from './hashing.ts';

export interface DuplicateExample {
  /** 1-based data row of the repeated key (the later occurrence). */
  row: number;
  line?: number;
  key: Value[];
}

export interface DuplicateReport {
  keyColumns: string[];
  /** Rows whose key was checked; less than the dataset's rows when `complete` is false. */
  checkedRows: number;
  distinctKeys: number;
  /** Rows whose key already occurred in an earlier row. */
  duplicateRows: number;
  complete: boolean;
  examples: DuplicateExample[];
  /** How keys are compared, and why checking stopped early if it did. */
  note: string;
}

const MAX_EXAMPLES = 10;

let keyHigh = 0;

/**
 * 64 bits identifying one value (low word returned, high word in keyHigh), tagged so that the string
 * "1", the number 1, true and a missing value are four different keys. Numbers use their exact bits.
 */
function valueKey(v: Value): number {
  let lo: number;
  let hi: number;
  if (v === null || (typeof v === 'number' && v !== v)) {
    lo = 0x9e3779b9;
    hi = 0x2545f491;
  } else if (typeof v === 'number') {
    lo = numberBits(v);
    hi = hashHigh ^ 0x6a09e667;
  } else if (typeof v === 'string') {
    lo = hashString(v);
    hi = hashHigh;
  } else {
    lo = v ? 0x3c6ef372 : 0xa54ff53a;
    hi = 0x510e527f;
  }
  keyHigh = hi;
  return lo;
}

export class DuplicateFinder {
  private readonly keys: readonly string[];
  private readonly maxKeys: number;
  private readonly set = new KeyHashSet();
  private checkedRows = 0;
  private duplicateRows = 0;
  private stopped = false;
  private readonly examples: DuplicateExample[] = [];
  private readonly seen: boolean[];

  constructor(keyColumns: readonly string[], maxKeys: number) {
    if (keyColumns.length === 0) throw new MlopsError('usage', 'the duplicate check needs at least one key column', { hint: 'list the columns that identify a row, e.g. keyColumns: [id]' });
    this.keys = keyColumns;
    this.maxKeys = maxKeys;
    this.seen = keyColumns.map(() => false);
  }

  /** Throws when a key column is not among `columns` (call once the column list is complete). */
  checkColumns(columns: readonly string[], file: string): void {
    const missing = this.keys.filter((k, i) => !this.seen[i] && !columns.includes(k));
    if (missing.length > 0) {
      throw new MlopsError('usage', `key column${missing.length > 1 ? 's' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')} not found in ${file}`, {
        location: { file },
        hint: `the columns are: ${columns.map((c) => JSON.stringify(c)).join(', ') || '(none)'}`,
      });
    }
  }

  add(batch: RowBatch): void {
    if (this.stopped) return;
    const idx = this.keys.map((k) => batch.columns.indexOf(k));
    idx.forEach((k, i) => {
      if (k >= 0) this.seen[i] = true;
    });
    const cols = idx.map((k) => (k >= 0 ? batch.data[k]! : null));
    const single = cols.length === 1;
    for (let r = 0; r < batch.rowCount; r++) {
      if (this.set.size >= this.maxKeys) {
        this.stopped = true;
        return;
      }
      let lo = valueKey(cols[0] ? cols[0][r]! : null);
      let hi = keyHigh;
      if (!single) {
        // Mix column after column, so (a, b) and (b, a) differ.
        for (let k = 1; k < cols.length; k++) {
          const col = cols[k];
          const vlo = valueKey(col ? col[r]! : null);
          lo = fmix32(Math.imul(lo, 0x01000193) ^ vlo ^ k);
          hi = fmix32(Math.imul(hi, 0x5bd1e995) ^ keyHigh ^ (k << 16));
        }
      }
      this.checkedRows++;
      if (!this.set.add(lo, hi)) {
        this.duplicateRows++;
        if (this.examples.length < MAX_EXAMPLES) {
          const line = batch.lines?.[r];
          this.examples.push({ row: batch.rowOffset + r + 1, ...(line !== undefined ? { line } : {}), key: cols.map((c) => (c ? c[r]! : null)) });
        }
      }
    }
  }

  report(): DuplicateReport {
    const how = 'keys are compared by 64-bit hash (a single numeric key exactly); the chance of two different keys matching is below one in a million';
    return {
      keyColumns: [...this.keys],
      checkedRows: this.checkedRows,
      distinctKeys: this.set.size,
      duplicateRows: this.duplicateRows,
      complete: !this.stopped,
      examples: this.examples,
      note: this.stopped
        ? `checking stopped after ${this.maxKeys.toLocaleString('en-US')} distinct keys (row ${this.checkedRows.toLocaleString('en-US')}) to bound memory; raise maxKeys (16 to 32 bytes of memory each) to check every row. ${how}`
        : how,
    };
  }
}
