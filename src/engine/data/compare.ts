/**
 * Compare two dataset profiles (two versions of a dataset, or reference vs current): row and column
 * counts, schema changes, and per-column summary deltas. Works on profiles alone, so comparing two
 * 10 GB files costs two streaming passes and no second read.
 */
import type { ColumnProfile, DatasetProfile } from './profileResult.ts';
import type { DriftRole, StorageType } from './infer.ts';

export interface NumberDelta {
  before: number | null;
  after: number | null;
  /** after − before, null when either side is missing. */
  delta: number | null;
  /** delta / |before|, null when before is 0 or missing. */
  relative: number | null;
}

export interface CategoryShift {
  value: string;
  /** Share of the column's non-missing values. */
  before: number;
  after: number;
  delta: number;
}

export interface ColumnComparison {
  name: string;
  storageType: { before: StorageType; after: StorageType };
  role: { before: DriftRole; after: DriftRole };
  missingShare: NumberDelta;
  nonNull: NumberDelta;
  distinct?: NumberDelta & { exact: boolean };
  mean?: NumberDelta;
  std?: NumberDelta;
  min?: NumberDelta;
  max?: NumberDelta;
  categories?: {
    /** Largest share changes first. */
    shifts: CategoryShift[];
    /** Values seen only after / only before (most frequent first, at most `topCategories`). */
    added: string[];
    removed: string[];
    /** A side listed only part of its values (cap or text column): shares of unlisted values are unknown. */
    approximate: boolean;
  };
}

export interface ColumnRef {
  name: string;
  position: number;
  storageType: StorageType;
}

export interface SchemaChanges {
  added: ColumnRef[];
  removed: ColumnRef[];
  typeChanged: { name: string; before: StorageType; after: StorageType; roleBefore: DriftRole; roleAfter: DriftRole }[];
  /** The common columns appear in a different order. */
  reordered: boolean;
}

export interface ProfileComparison {
  before: { path: string; rows: number; columnCount: number };
  after: { path: string; rows: number; columnCount: number };
  rows: NumberDelta;
  columnCount: NumberDelta;
  schema: SchemaChanges;
  /** Columns present in both, in the order of `after`. */
  columns: ColumnComparison[];
}

export interface CompareOptions {
  /** Category shifts, added and removed values listed per column (default 10). */
  topCategories?: number;
}

export function numberDelta(before: number | null | undefined, after: number | null | undefined): NumberDelta {
  const b = before ?? null;
  const a = after ?? null;
  const delta = a !== null && b !== null ? a - b : null;
  return { before: b, after: a, delta, relative: delta !== null && b !== null && b !== 0 ? delta / Math.abs(b) : null };
}

const ref = (c: ColumnProfile): ColumnRef => ({ name: c.name, position: c.position, storageType: c.storageType });

function compareCategories(b: ColumnProfile, a: ColumnProfile, top: number): ColumnComparison['categories'] {
  const bc = b.categories;
  const ac = a.categories;
  if (!bc || !ac) return undefined;
  const before = new Map(bc.counts);
  const after = new Map(ac.counts);
  const share = (n: number | undefined, total: number): number => (n !== undefined && total > 0 ? n / total : 0);
  const shifts: CategoryShift[] = [];
  for (const value of new Set([...before.keys(), ...after.keys()])) {
    const sb = share(before.get(value), b.nonNull);
    const sa = share(after.get(value), a.nonNull);
    shifts.push({ value, before: sb, after: sa, delta: sa - sb });
  }
  shifts.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
  return {
    shifts: shifts.slice(0, top),
    added: ac.counts.filter(([v]) => !before.has(v)).slice(0, top).map(([v]) => v),
    removed: bc.counts.filter(([v]) => !after.has(v)).slice(0, top).map(([v]) => v),
    approximate: bc.truncated || ac.truncated,
  };
}

function compareColumn(b: ColumnProfile, a: ColumnProfile, top: number): ColumnComparison {
  const out: ColumnComparison = {
    name: a.name,
    storageType: { before: b.storageType, after: a.storageType },
    role: { before: b.role, after: a.role },
    missingShare: numberDelta(b.missingShare, a.missingShare),
    nonNull: numberDelta(b.nonNull, a.nonNull),
  };
  if (b.distinct && a.distinct) out.distinct = { ...numberDelta(b.distinct.count, a.distinct.count), exact: b.distinct.exact && a.distinct.exact };
  if (b.numeric && a.numeric) {
    out.mean = numberDelta(b.numeric.mean, a.numeric.mean);
    out.std = numberDelta(b.numeric.std, a.numeric.std);
    out.min = numberDelta(b.numeric.min, a.numeric.min);
    out.max = numberDelta(b.numeric.max, a.numeric.max);
  }
  const cats = compareCategories(b, a, top);
  if (cats) out.categories = cats;
  return out;
}

export function compareProfiles(before: DatasetProfile, after: DatasetProfile, options: CompareOptions = {}): ProfileComparison {
  const top = options.topCategories ?? 10;
  const byName = new Map(before.columns.map((c) => [c.name, c] as const));
  const afterNames = new Set(after.columns.map((c) => c.name));
  const schema: SchemaChanges = {
    added: after.columns.filter((c) => !byName.has(c.name)).map(ref),
    removed: before.columns.filter((c) => !afterNames.has(c.name)).map(ref),
    typeChanged: [],
    reordered: false,
  };
  const columns: ColumnComparison[] = [];
  for (const a of after.columns) {
    const b = byName.get(a.name);
    if (!b) continue;
    if (b.storageType !== a.storageType || b.role !== a.role) {
      schema.typeChanged.push({ name: a.name, before: b.storageType, after: a.storageType, roleBefore: b.role, roleAfter: a.role });
    }
    columns.push(compareColumn(b, a, top));
  }
  const commonBefore = before.columns.filter((c) => afterNames.has(c.name)).map((c) => c.name);
  schema.reordered = commonBefore.some((name, i) => columns[i]!.name !== name);
  return {
    before: { path: before.path, rows: before.rows, columnCount: before.columnCount },
    after: { path: after.path, rows: after.rows, columnCount: after.columnCount },
    rows: numberDelta(before.rows, after.rows),
    columnCount: numberDelta(before.columnCount, after.columnCount),
    schema,
    columns,
  };
}
