/**
 * The audit trail's canonical serialization and hash. Canonical JSON follows RFC 8785 (JCS):
 * object keys sorted by UTF-16 code units, no whitespace, strings and numbers as ECMAScript's
 * JSON.stringify writes them. Anyone can recompute an entry's hash with a JCS library and sha256,
 * without this code. Non-finite numbers (NaN metrics) are not JSON: entries store them as the
 * strings "NaN", "Infinity", "-Infinity" (see `jsonSafe`) before hashing.
 */
import { hash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** A deep copy that JSON (and JCS) can hold: non-finite numbers become strings, undefined goes. */
export function jsonSafe<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : walk(x)));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** One-shot `crypto.hash` (Node ≥ 21.7): no Hash object per entry, which dominated verification. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}
