/**
 * Value conversions shared by every run source: flattening nested params/metrics into dotted
 * keys, MLflow/DVCLive spellings of NaN and infinity, Python's non-standard JSON, and the
 * display truncation of huge values (the engine keeps the full text).
 */
import { PyFloat } from '../versioning/pyjson.ts';
import type { ParamValue } from './api.ts';

/** `nan`, `inf`, `-inf` (Python `str(float)`, DVCLive), `NaN`/`Infinity` (JSON from Python), plain numbers. */
export function parseMetricNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const lower = t.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  // Number('') is 0 and Number('0x10') is 16: only accept decimal notation.
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** A metric value from parsed JSON/YAML: numbers, booleans as 0/1, and the NaN/inf strings. */
export function metricValue(v: unknown): number | undefined {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return parseMetricNumber(v);
  return undefined;
}

/** A param value as a scalar: nested lists and odd types become their JSON text. */
export function paramValue(v: unknown): ParamValue {
  if (v instanceof PyFloat) return v.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  try {
    return JSON.stringify(v, (_k, x: unknown) => (x instanceof PyFloat ? x.value : typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return String(v);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof PyFloat || v instanceof Date) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Nested mappings to dotted keys (`{train: {lr: 1}}` → `train.lr`), as DVC shows params. Lists are
 * leaves. `prefix` is prepended with a dot.
 */
export function flatten(value: unknown, prefix = '', into: Record<string, unknown> = {}): Record<string, unknown> {
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && prefix) into[prefix] = {};
    for (const k of keys) flatten(value[k], prefix ? `${prefix}.${k}` : k, into);
  } else if (prefix) into[prefix] = value;
  return into;
}

export function flattenParams(value: unknown, prefix = ''): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(flatten(value, prefix))) out[k] = paramValue(v);
  return out;
}

/** Numeric leaves only; strings that are not NaN/inf spellings are left out. */
export function flattenMetrics(value: unknown, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(flatten(value, prefix))) {
    const n = metricValue(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

/**
 * JSON as Python's `json.dumps` writes it: bare `NaN`, `Infinity` and `-Infinity` are allowed.
 * Standard JSON is tried first; the fallback quotes those tokens outside strings and parses again.
 */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    if (!/NaN|Infinity/.test(text)) throw first;
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inString) {
        out += c;
        if (c === '\\') out += text[++i] ?? '';
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') {
        inString = true;
        out += c;
        continue;
      }
      const m = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9));
      if (m) {
        out += `"${m[1]}"`;
        i += m[1]!.length - 1;
        continue;
      }
      out += c;
    }
    try {
      return JSON.parse(out);
    } catch {
      throw first;
    }
  }
}

/** Milliseconds from a timestamp that may be seconds (Python `time.time()`), ms, or ISO text. */
export function toMillis(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.round(v < 1e11 ? v * 1000 : v);
  if (typeof v === 'string' && v.trim()) {
    const n = Date.parse(v);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

export function isoFromMillis(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * Text for a table cell: huge params (a pasted config, a long list) are cut to `max` characters
 * with a note of the full length; the value itself is never changed.
 */
export function displayValue(v: ParamValue | number | undefined, max = 60): string {
  if (v === undefined) return '';
  let text: string;
  if (v === null) text = 'null';
  else if (typeof v === 'number') text = formatNumber(v);
  else text = String(v);
  text = text.replace(/[\r\n\t]+/g, ' ');
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(1, max - 1))}… (${text.length} chars)`;
}

/** NaN and ±∞ as people read them; other numbers as JavaScript prints them, up to 6 significant digits for long floats. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+∞';
  if (n === -Infinity) return '-∞';
  if (Number.isInteger(n)) return String(n);
  const s = String(n);
  if (s.length <= 10) return s;
  const p = Number(n.toPrecision(6));
  return String(p);
}

export { numericIfNumber } from './names.ts';
