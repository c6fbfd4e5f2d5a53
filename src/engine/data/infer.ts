/**
 * Column types. Two separate answers per column:
 * - the STORAGE type, what the values are (integer, float, boolean, ISO datetime, string);
 * - the DRIFT ROLE, how drift and comparison treat the column, by Evidently's rules
 *   (reference/drift.md §2.2): float → numerical; integer → categorical when it has ≤ 10 distinct
 *   values; boolean → categorical; string → text when distinct values exceed half the non-null
 *   values, else categorical; datetime is not drift-tested.
 * A sample (the first batch) picks how the profiler parses a column; the full pass then counts values
 * that do not fit as a column issue instead of failing, and the final types use the whole file.
 */
import type { DeclaredType, Value } from './common.ts';

export type StorageType = 'integer' | 'float' | 'boolean' | 'datetime' | 'string' | 'empty';
export type DriftRole = 'numerical' | 'categorical' | 'text' | 'datetime' | 'timestamp' | 'ignored';
export type ColumnTypeName = 'numeric' | 'categorical' | 'text' | 'boolean' | 'datetime';
/** How the profiler reads a column's values; 'pending' until a non-missing value has been seen. */
export type ParseKind = 'numeric' | 'boolean' | 'datetime' | 'string' | 'ignored' | 'pending';

export interface ColumnOverride {
  type?: ColumnTypeName;
  ignore?: boolean;
}

/** Per-column overrides by name; a Map, or a plain object as read from mlops.yaml. */
export type ColumnOverrides = ReadonlyMap<string, ColumnOverride> | Readonly<Record<string, ColumnOverride>>;

export interface InferOptions {
  overrides?: ColumnOverrides;
  /** The column holding each row's time: parsed as a datetime, excluded from drift tests. */
  timestampColumn?: string;
  /** Share of sampled non-missing values that must parse for a typed column (default 0.95). */
  typeThreshold?: number;
  /** Integer columns with at most this many distinct values are categorical (default 10). */
  integerCategoricalLimit?: number;
  /** String columns whose distinct share of non-null values exceeds this are text (default 0.5). */
  textDistinctShare?: number;
}

export function overrideFor(overrides: ColumnOverrides | undefined, name: string): ColumnOverride | undefined {
  if (!overrides) return undefined;
  if (overrides instanceof Map) return overrides.get(name);
  // Own properties only: a column called "constructor" or "__proto__" must not pick up Object's.
  const rec = overrides as Readonly<Record<string, ColumnOverride>>;
  return Object.hasOwn(rec, name) ? rec[name] : undefined;
}

export const NUM_INVALID = 0;
export const NUM_INT = 1;
export const NUM_FLOAT = 2;
export const NUM_INF = 3;
/** Kind of the last `parseNumber` call (NUM_*); a module variable so the hot loop allocates nothing. */
export let numberKind = NUM_INVALID;

export const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const CANONICAL = /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;
const INFINITIES = new Set(['inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);

/**
 * A decimal literal (`-12`, `3.5`, `.5`, `1e-3`, `inf`), or NaN with numberKind NUM_INVALID. Stricter
 * than Number(): no hex, no binary, no empty string. Surrounding spaces are allowed. Short literals
 * are computed exactly here (an integer mantissa below 2⁵³ divided by an exact power of ten is
 * correctly rounded); anything else goes to the engine's parser after this validation.
 */
export function parseNumber(s: string): number {
  const n = s.length;
  let i = 0;
  let end = n;
  while (i < end && s.charCodeAt(i) === 32) i++;
  while (end > i && s.charCodeAt(end - 1) === 32) end--;
  let c = i < end ? s.charCodeAt(i) : 0;
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    c = ++i < end ? s.charCodeAt(i) : 0;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let float = false;
  while (c >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    digits++;
    c = ++i < end ? s.charCodeAt(i) : 0;
  }
  if (c === 46) {
    float = true;
    c = ++i < end ? s.charCodeAt(i) : 0;
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      frac++;
      c = ++i < end ? s.charCodeAt(i) : 0;
    }
  }
  if (digits === 0) {
    if (end - i <= 9 && INFINITIES.has(s.trim().toLowerCase())) {
      numberKind = NUM_INF;
      return s.includes('-') ? -Infinity : Infinity;
    }
    numberKind = NUM_INVALID;
    return NaN;
  }
  let exp = false;
  if (c === 101 || c === 69) {
    exp = true;
    float = true;
    c = ++i < end ? s.charCodeAt(i) : 0;
    if (c === 45 || c === 43) c = ++i < end ? s.charCodeAt(i) : 0;
    if (!(c >= 48 && c <= 57)) {
      numberKind = NUM_INVALID;
      return NaN;
    }
    while (c >= 48 && c <= 57) c = ++i < end ? s.charCodeAt(i) : 0;
  }
  if (i !== end) {
    numberKind = NUM_INVALID;
    return NaN;
  }
  numberKind = float ? NUM_FLOAT : NUM_INT;
  if (!exp && mant <= 9007199254740991 && frac <= 22) {
    const v = frac === 0 ? mant : mant / POW10[frac]!;
    return neg ? -v : v;
  }
  const v = Number(s);
  if (v === Infinity || v === -Infinity) numberKind = NUM_INF;
  return v;
}

/**
 * The number a field stands for when `String(number)` gives back exactly that text (`12`, `-0.5`),
 * else undefined (`007`, `1.0`, `1e3`, `+1`, `-0`, 16+ significant digits, below 1e-6).
 * The hot loop in CsvParser.record applies the same rule without building the string.
 */
export function canonicalNumber(text: string): number | undefined {
  if (text.length === 0 || text.length > 24 || !CANONICAL.test(text)) return undefined;
  if (text.replace(/^-?[0.]*/, '').replace('.', '').length > 15) return undefined; // as the hot loop
  const x = Number(text);
  return String(x) === text ? x : undefined;
}

/** `true`/`yes` → 1, `false`/`no` → 0 (any case), anything else → -1. `0`/`1` are left to the caller. */
export function parseBooleanWord(s: string): number {
  const n = s.length;
  if (n < 2 || n > 5) return -1;
  const l = s.toLowerCase();
  return l === 'true' || l === 'yes' ? 1 : l === 'false' || l === 'no' ? 0 : -1;
}

function digitsAt(s: string, at: number, count: number): number {
  let v = 0;
  for (let k = at; k < at + count; k++) {
    const d = s.charCodeAt(k) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // NaN past the end of the string fails too
    v = v * 10 + d;
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (era arithmetic, no Date objects). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Epoch milliseconds of an ISO 8601 date or timestamp (`2024-05-01`, `2024-05-01T12:30`,
 * `2024-05-01 12:30:45.123+02:00`, `…Z`), else NaN. Times without an offset are read as UTC, so the
 * result does not depend on the machine's time zone.
 */
export function parseDatetime(s: string): number {
  const n = s.length;
  if (n < 10 || n > 35 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > MONTH_DAYS[mo - 1]!) return NaN;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return NaN;
  let ms = daysFromCivil(y, mo, d) * 86_400_000;
  if (n === 10) return ms;
  const sep = s.charCodeAt(10);
  if (n < 16 || (sep !== 84 && sep !== 116 && sep !== 32) || s.charCodeAt(13) !== 58) return NaN;
  const hh = digitsAt(s, 11, 2);
  const mm = digitsAt(s, 14, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return NaN;
  ms += hh * 3_600_000 + mm * 60_000;
  let p = 16;
  if (p < n && s.charCodeAt(p) === 58) {
    const ss = digitsAt(s, p + 1, 2);
    if (ss < 0 || ss > 59 || p + 3 > n) return NaN;
    ms += ss * 1000;
    p += 3;
    const dot = p < n ? s.charCodeAt(p) : 0;
    if (dot === 46 || dot === 44) {
      let scale = 100;
      let k = p + 1;
      for (; k < n; k++) {
        const dg = s.charCodeAt(k) - 48;
        if (dg < 0 || dg > 9) break;
        ms += dg * scale;
        scale /= 10;
      }
      if (k === p + 1) return NaN;
      ms = Math.floor(ms);
      p = k;
    }
  }
  if (p === n) return ms;
  const z = s.charCodeAt(p);
  if ((z === 90 || z === 122) && p + 1 === n) return ms;
  if (z !== 43 && z !== 45) return NaN;
  const oh = digitsAt(s, p + 1, 2);
  let q = p + 3;
  if (q < n && s.charCodeAt(q) === 58) q++;
  const om = q === n ? 0 : digitsAt(s, q, 2);
  if (oh < 0 || oh > 23 || om < 0 || om > 59 || (q !== n && q + 2 !== n)) return NaN;
  return ms - (z === 43 ? 1 : -1) * (oh * 3_600_000 + om * 60_000);
}

/** What the sampled values of one column look like. */
export interface TypeEvidence {
  nonNull: number;
  integers: number;
  floats: number;
  /** `0`/`1` values (also counted in `integers`): booleans only next to textual booleans. */
  zeroOnes: number;
  booleanWords: number;
  nativeBooleans: number;
  datetimes: number;
  other: number;
}

export function collectEvidence(values: readonly Value[]): TypeEvidence {
  const ev: TypeEvidence = { nonNull: 0, integers: 0, floats: 0, zeroOnes: 0, booleanWords: 0, nativeBooleans: 0, datetimes: 0, other: 0 };
  for (const v of values) {
    if (v === null) continue;
    if (typeof v === 'number') {
      if (Number.isNaN(v)) continue;
      ev.nonNull++;
      if (Number.isInteger(v)) {
        ev.integers++;
        if (v === 0 || v === 1) ev.zeroOnes++;
      } else ev.floats++;
      continue;
    }
    ev.nonNull++;
    if (typeof v === 'boolean') {
      ev.nativeBooleans++;
      continue;
    }
    parseNumber(v);
    if (numberKind === NUM_INT) {
      ev.integers++;
      if (v === '0' || v === '1') ev.zeroOnes++;
    } else if (numberKind !== NUM_INVALID) ev.floats++;
    else if (parseBooleanWord(v) >= 0) ev.booleanWords++;
    else if (!Number.isNaN(parseDatetime(v))) ev.datetimes++;
    else ev.other++;
  }
  return ev;
}

/** The storage type the evidence supports; a declared (Parquet) type wins. */
export function storageTypeOf(ev: TypeEvidence, declared?: DeclaredType, threshold = 0.95): StorageType {
  if (declared) return declared;
  if (ev.nonNull === 0) return 'empty';
  const need = threshold * ev.nonNull;
  const words = ev.booleanWords + ev.nativeBooleans;
  if (words > 0 && words + (ev.booleanWords > 0 ? ev.zeroOnes : 0) >= need) return 'boolean';
  if (ev.integers + ev.floats >= need) return ev.floats > 0 ? 'float' : 'integer';
  if (ev.datetimes >= need) return 'datetime';
  return 'string';
}

export interface ColumnPlan {
  name: string;
  kind: ParseKind;
  /** Storage type the sample suggested. */
  sampleType: StorageType;
  override: ColumnOverride | undefined;
  timestamp: boolean;
}

/** Decide how to read one column from a sample of its values. */
export function planColumn(name: string, sample: readonly Value[], declared: DeclaredType | undefined, options: InferOptions = {}): ColumnPlan {
  const override = overrideFor(options.overrides, name);
  const timestamp = options.timestampColumn === name;
  const sampleType = storageTypeOf(collectEvidence(sample), declared, options.typeThreshold);
  let kind: ParseKind;
  if (override?.ignore) kind = 'ignored';
  else if (override?.type) kind = override.type === 'numeric' ? 'numeric' : override.type === 'boolean' ? 'boolean' : override.type === 'datetime' ? 'datetime' : 'string';
  else if (timestamp && sampleType !== 'integer' && sampleType !== 'float') kind = sampleType === 'empty' ? 'pending' : 'datetime';
  else kind = kindOf(sampleType);
  return { name, kind, sampleType, override, timestamp };
}

export function kindOf(t: StorageType): ParseKind {
  switch (t) {
    case 'integer':
    case 'float':
      return 'numeric';
    case 'boolean':
      return 'boolean';
    case 'datetime':
      return 'datetime';
    case 'string':
      return 'string';
    case 'empty':
      return 'pending';
  }
}

/** The drift role of a column given its final storage type and distinct-value count. */
export function driftRoleOf(
  storage: StorageType,
  distinct: { count: number; exact: boolean },
  nonNull: number,
  plan: Pick<ColumnPlan, 'override' | 'timestamp'>,
  options: InferOptions = {},
): DriftRole {
  const o = plan.override;
  if (o?.ignore) return 'ignored';
  if (plan.timestamp) return 'timestamp';
  switch (o?.type) {
    case 'numeric':
      return 'numerical';
    case 'categorical':
    case 'boolean':
      return 'categorical';
    case 'text':
      return 'text';
    case 'datetime':
      return 'datetime';
  }
  switch (storage) {
    case 'float':
      return 'numerical';
    case 'integer':
      return distinct.exact && distinct.count <= (options.integerCategoricalLimit ?? 10) ? 'categorical' : 'numerical';
    case 'boolean':
      return 'categorical';
    case 'datetime':
      return 'datetime';
    case 'string':
      return distinct.count > (options.textDistinctShare ?? 0.5) * nonNull ? 'text' : 'categorical';
    case 'empty':
      return 'ignored';
  }
}
