/**
 * Values as DVC's Python sees them. YAML/JSON/TOML parsers in JS fold `1.0` and `1` into one
 * number, but Python keeps an int and a float apart: `str(1.0)` is "1.0" and dvc.lock writes
 * `1.0`. Integral floats are therefore wrapped in PyFloat; every other JS number is an int when
 * integral and a float otherwise; ints beyond 2^53 stay bigint.
 */
import { PyFloat, pyFloatRepr } from '../versioning/pyjson.ts';
import { compareCodePoints } from '../versioning/hash.ts';

export { PyFloat };

/** Plain data parsed from a params/lock/dvc.yaml file after `normalizeNumbers`. */
export type PyValue = null | boolean | number | bigint | string | PyFloat | PyValue[] | { [key: string]: PyValue };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Convert what a parser produced with "integers as bigint" into PyValue: a bigint that fits is a
 * plain number (an int), a JS number is a float, so an integral one becomes PyFloat.
 */
export function normalizeNumbers(v: unknown): PyValue {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (typeof v === 'number') return Number.isInteger(v) ? new PyFloat(v) : v;
  if (Array.isArray(v)) return v.map(normalizeNumbers);
  if (v instanceof Date) return v.toISOString();
  if (isPlainObject(v)) {
    const out: Record<string, PyValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalizeNumbers(x);
    return out;
  }
  if (v === undefined) return null;
  return v as PyValue;
}

function floatStr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return pyFloatRepr(x);
}

/** Python `str()` of a scalar (booleans as Python prints them: True/False). */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof PyFloat) return floatStr(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : floatStr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pyStr(v);
}

function numeric(v: unknown): number | bigint | undefined {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  return undefined;
}

/**
 * Python `==` on parsed data: `1 == 1.0`, dict order ignored. Booleans are kept apart from
 * numbers (Python says True == 1, but a param flipping from 1 to true is a real change).
 */
export function pyEqual(a: unknown, b: unknown): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) {
    if (na === undefined || nb === undefined) return false;
    // Loose equality compares a bigint and a number by value, which is what Python does.
    return na == nb;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && pyEqual(a[k], b[k]));
  }
  return a === b;
}

/** JSON-safe copy for --json output and the store (PyFloat → number, big ints → string). */
export function toPlain(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.map(toPlain);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toPlain(x);
    return out;
  }
  return v;
}

/** Short human rendering for reasons: `0.05`, `'adam'`, `[1, 2]`. */
export function showValue(v: unknown): string {
  if (v === undefined) return '(absent)';
  return typeof v === 'string' ? JSON.stringify(v) : pyStr(v === true ? 'true' : v === false ? 'false' : v);
}

/** Python's sorted() on strings. */
export function pySorted(items: Iterable<string>): string[] {
  return [...items].sort(compareCodePoints);
}

export { compareCodePoints };
