/**
 * One streaming pass over a dataset → a JSON-serialisable DatasetProfile (per-column counts, missing
 * share, numeric moments, value counts, distinct counts, lengths, time range, duplicates by key) plus,
 * when asked, the numeric values themselves for drift tests. Memory is bounded by the caps below,
 * never by the number of rows; every cap that was hit is said in the profile.
 */
import { MlopsError } from '../errors.ts';
import { openDataset } from './reader.ts';
import type { DatasetSource, ReadOptions, RowBatch, Value } from './reader.ts';
import { BooleanAcc, DatetimeAcc, IgnoredAcc, NumericAcc, PendingAcc, StringAcc } from './accumulators.ts';
import type { Accumulator, AccumulatorOptions } from './accumulators.ts';
import { DuplicateFinder } from './duplicates.ts';
import { planColumn } from './infer.ts';
import type { ColumnPlan, InferOptions } from './infer.ts';
import { finishColumn, sourceIssues } from './profileResult.ts';
import type { DatasetProfile, NumericSample, ProfileSettings } from './profileResult.ts';

export type { ColumnProfile, DataIssue, DatasetProfile, NumericSample, ProfileSettings } from './profileResult.ts';

export interface ProfileOptions extends InferOptions {
  /** Keep numeric values for drift tests: all numeric columns, or the named ones (default none). */
  collectValues?: boolean | readonly string[];
  /** Values kept per column before switching to a seeded uniform sample (default 1,000,000). */
  maxValues?: number;
  /** Distinct values counted exactly per column (default 10,000); beyond: estimate + "other". */
  maxDistinct?: number;
  /** Numeric columns with at most this many distinct values also report value counts (default 100). */
  maxNumericCategories?: number;
  /** Text columns report only this many most frequent values (default 20). */
  maxTextCategories?: number;
  /** Seed of the value sample, so sampled results repeat (default 42). */
  seed?: number;
  /** Report rows whose values in these columns repeat an earlier row. */
  keyColumns?: readonly string[];
  /** Distinct keys held by the duplicate check before it stops (default 5,000,000). */
  maxKeys?: number;
  /** Sees every batch in the same pass (e.g. data quality checks). */
  onBatch?: (batch: RowBatch) => void;
  /** Rows read so far, after each batch. */
  onProgress?: (rows: number) => void;
  signal?: AbortSignal;
}

export interface ProfileResult {
  profile: DatasetProfile;
  /** Collected numeric values by column name (see `collectValues`). */
  values: Map<string, NumericSample>;
}

function settingsOf(o: ProfileOptions): ProfileSettings {
  return {
    maxDistinct: o.maxDistinct ?? 10_000,
    maxValues: o.maxValues ?? 1_000_000,
    maxNumericCategories: o.maxNumericCategories ?? 100,
    maxTextCategories: o.maxTextCategories ?? 20,
    seed: o.seed ?? 42,
    typeThreshold: o.typeThreshold ?? 0.95,
  };
}

function seedFor(seed: number, column: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(column + 1, 0x85ebca6b)) >>> 0;
}

function makeAcc(plan: ColumnPlan, column: number, s: ProfileSettings, collect: ProfileOptions['collectValues']): Accumulator {
  const wanted = collect === true || (Array.isArray(collect) && collect.includes(plan.name));
  const o: AccumulatorOptions = { maxDistinct: s.maxDistinct, collect: wanted, maxValues: s.maxValues, seed: seedFor(s.seed, column) };
  switch (plan.kind) {
    case 'numeric':
      return new NumericAcc(o);
    case 'boolean':
      return new BooleanAcc(o);
    case 'datetime':
      return new DatetimeAcc(o);
    case 'string':
      return new StringAcc(o);
    case 'ignored':
      return new IgnoredAcc();
    case 'pending':
      return new PendingAcc();
  }
}

function hasValue(values: readonly Value[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && !(typeof v === 'number' && Number.isNaN(v))) return true;
  }
  return false;
}

/** Profile an opened source (consumes its single iteration). */
export async function profileDataset(source: DatasetSource, options: ProfileOptions = {}): Promise<ProfileResult> {
  const settings = settingsOf(options);
  const plans: ColumnPlan[] = [];
  const accs: Accumulator[] = [];
  let columns: readonly string[] = [];
  let rows = 0;
  const dups = options.keyColumns ? new DuplicateFinder(options.keyColumns, options.maxKeys ?? 5_000_000) : undefined;
  let first = true;
  for await (const batch of source.batches()) {
    options.signal?.throwIfAborted();
    columns = batch.columns;
    if (first && dups && source.format !== 'jsonl') dups.checkColumns(columns, source.path);
    first = false;
    for (let c = 0; c < columns.length; c++) {
      const values = batch.data[c]!;
      let acc = accs[c];
      if (acc === undefined || (acc.kind === 'pending' && hasValue(values))) {
        const plan = planColumn(columns[c]!, values, source.declaredTypes.get(columns[c]!), options);
        const fresh = makeAcc(plan, c, settings, options.collectValues);
        // Rows before this column was planned were all missing (or the column did not exist yet).
        fresh.missing = acc === undefined ? batch.rowOffset : acc.missing;
        plans[c] = plan;
        accs[c] = acc = fresh;
      }
      switch (acc.kind) {
        case 'numeric':
        case 'boolean':
        case 'datetime':
          acc.add(values, batch.rowOffset, batch.lines);
          break;
        case 'string':
          acc.add(values);
          break;
        case 'pending':
          acc.missing += batch.rowCount;
          break;
        case 'ignored':
          break;
      }
    }
    dups?.add(batch);
    rows = batch.rowOffset + batch.rowCount;
    options.onBatch?.(batch);
    options.onProgress?.(rows);
  }
  if (dups && source.format === 'jsonl') dups.checkColumns(columns, source.path);
  if (options.timestampColumn !== undefined && !columns.includes(options.timestampColumn)) {
    throw new MlopsError('usage', `timestamp column ${JSON.stringify(options.timestampColumn)} not found in ${source.path}`, {
      location: { file: source.path },
      hint: `the columns are: ${columns.map((c) => JSON.stringify(c)).join(', ') || '(none)'}`,
    });
  }

  const profile: DatasetProfile = {
    version: 1,
    path: source.path,
    format: source.format,
    rows,
    columnCount: columns.length,
    skippedRows: source.stats.skippedRows,
    badRows: source.stats.badRows,
    truncatedTail: source.stats.truncatedTail,
    ...(options.timestampColumn !== undefined ? { timestampColumn: options.timestampColumn } : {}),
    columns: [],
    issues: sourceIssues(source),
    settings,
  };
  const values = new Map<string, NumericSample>();
  for (let c = 0; c < columns.length; c++) {
    const done = finishColumn(plans[c]!, accs[c]!, c, rows, settings, options);
    profile.columns.push(done.column);
    profile.issues.push(...done.issues);
    if (done.sample) values.set(columns[c]!, done.sample);
  }
  if (dups) {
    const report = dups.report();
    profile.duplicates = report;
    if (report.duplicateRows > 0) {
      const ex = report.examples[0]!;
      profile.issues.push({
        severity: 'warning',
        code: 'duplicate-keys',
        message: `${report.duplicateRows.toLocaleString('en-US')} row(s) repeat an earlier key (${report.keyColumns.join(', ')}); first at row ${ex.row}${ex.line !== undefined ? ` (line ${ex.line})` : ''}`,
        row: ex.row,
        ...(ex.line !== undefined ? { line: ex.line } : {}),
      });
    }
    if (!report.complete) profile.issues.push({ severity: 'info', code: 'duplicates-incomplete', message: report.note });
  }
  return { profile, values };
}

/** Open and profile a file in one call. */
export async function profileFile(file: string, options: ProfileOptions & { read?: ReadOptions } = {}): Promise<ProfileResult> {
  return profileDataset(await openDataset(file, options.read), options);
}
