/**
 * Python `json.dumps(obj, sort_keys=True)` with its default arguments, byte for byte.
 * DVC hashes this text for `.dir` manifests (A.9) and stage hashes (A.6), so any difference
 * from CPython's output changes a hash.
 */
import { compareCodePoints } from './hash.ts';

/**
 * A JS number that Python holds as a float. JS cannot tell `1.0` from `1`; wrap a value in
 * PyFloat when the source (a YAML float, say) says it is a float, so it prints as `1.0`.
 */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export interface PyJsonOptions {
  /**
   * How plain JS numbers map to Python types. `auto` (default): integral values are ints,
   * others floats. `float`: every number is a float (use when ints arrive as `bigint`,
   * e.g. from `yaml` parsed with `intAsBigInt`).
   */
  numbers?: 'auto' | 'float';
}

/** `json.dumps(value, sort_keys=True)` as CPython writes it. */
export function pyJsonDumps(value: unknown, options: PyJsonOptions = {}): string {
  const parts: string[] = [];
  write(value, parts, options.numbers ?? 'auto', new Set());
  return parts.join('');
}

function write(value: unknown, out: string[], numbers: 'auto' | 'float', seen: Set<object>): void {
  if (value === null || value === undefined) {
    out.push('null');
  } else if (value === true) {
    out.push('true');
  } else if (value === false) {
    out.push('false');
  } else if (typeof value === 'string') {
    out.push(pyJsonString(value));
  } else if (typeof value === 'bigint') {
    out.push(value.toString());
  } else if (typeof value === 'number') {
    out.push(numbers === 'auto' && Number.isInteger(value) ? pyIntRepr(value) : pyFloatRepr(value));
  } else if (value instanceof PyFloat) {
    out.push(pyFloatRepr(value.value));
  } else if (typeof value === 'object') {
    if (seen.has(value)) throw new TypeError('pyJsonDumps: circular reference');
    seen.add(value);
    if (Array.isArray(value)) {
      writeList(value, out, numbers, seen);
    } else if (value instanceof Map) {
      writeObject([...value.entries()].map(([k, v]) => [pyKey(k), v]), out, numbers, seen);
    } else {
      writeObject(Object.entries(value), out, numbers, seen);
    }
    seen.delete(value);
  } else {
    throw new TypeError(`pyJsonDumps: cannot serialize a ${typeof value}`);
  }
}

function writeList(items: readonly unknown[], out: string[], numbers: 'auto' | 'float', seen: Set<object>): void {
  out.push('[');
  items.forEach((item, i) => {
    if (i > 0) out.push(', ');
    write(item, out, numbers, seen);
  });
  out.push(']');
}

function writeObject(entries: [string, unknown][], out: string[], numbers: 'auto' | 'float', seen: Set<object>): void {
  // Python would raise on duplicate string forms only in exotic cases; sort is by code point.
  entries.sort((a, b) => compareCodePoints(a[0], b[0]));
  out.push('{');
  entries.forEach(([k, v], i) => {
    if (i > 0) out.push(', ');
    out.push(pyJsonString(k), ': ');
    write(v, out, numbers, seen);
  });
  out.push('}');
}

/** Python converts non-string dict keys to strings the way json would print them. */
function pyKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null || key === undefined) return 'null';
  if (typeof key === 'boolean') return key ? 'true' : 'false';
  if (typeof key === 'bigint') return key.toString();
  if (typeof key === 'number') return Number.isInteger(key) ? pyIntRepr(key) : pyFloatRepr(key);
  if (key instanceof PyFloat) return pyFloatRepr(key.value);
  throw new TypeError(`pyJsonDumps: keys must be str, int, float, bool or None, not ${typeof key}`);
}

const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x08: '\\b',
  0x0c: '\\f',
};

/**
 * A JSON string literal with `ensure_ascii=True`. Iterating UTF-16 code units is exactly
 * what Python does for astral characters: it splits them into a surrogate pair.
 */
export function pyJsonString(s: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // CPython escapes everything outside ' '..'~', DEL (0x7f) included, despite DEL being ASCII.
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(runStart, i);
    runStart = i + 1;
    out += SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out + s.slice(runStart) + '"';
}

function pyIntRepr(n: number): string {
  // Exact digits even past 2^53, where String(n) would switch to exponent form.
  return Object.is(n, -0) ? '0' : BigInt(n).toString();
}

/**
 * Python `repr(float)`: the shortest round-tripping digits (same digits as JS), but fixed
 * notation only for decimal exponents -5 < e < 16, a mandatory `.0` on integral values, and
 * a signed exponent of at least two digits (`1e-05`, `1e+16`).
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const digits = mantissa!.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expSign = exp < 0 ? '-' : '+';
    return `${sign}${digits[0]}${frac}e${expSign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}
