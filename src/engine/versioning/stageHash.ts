/**
 * The stage hash (formats.md A.6): the top-level `md5` of `.dvc` files with dependencies
 * (imports, legacy single-stage files). DVC compares it to decide whether the stage changed.
 */
import { md5Hex } from './hash.ts';
import { pyJsonDumps } from './pyjson.ts';
import type { PyJsonOptions } from './pyjson.ts';
import { isPlainObject } from './yamlDoc.ts';

/** Removed at the top level only: they describe the file, not what the stage does. */
const TOP_LEVEL_EXCLUDED = new Set(['md5', 'meta', 'desc']);

/** Removed in every nested dict, lists included: annotations and metadata that do not affect the result. */
const NESTED_EXCLUDED = new Set([
  'desc',
  'type',
  'labels',
  'meta',
  'locked',
  'frozen',
  'metric',
  'persist',
  'isexec',
  'size',
  'nfiles',
]);

/** The dict DVC hashes, after A.6 filtering (useful to show why two hashes differ). */
export function stageHashInput(stage: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stage)) {
    if (TOP_LEVEL_EXCLUDED.has(key)) continue;
    if (key === 'wdir' && value === '.') continue; // an explicit default must hash like its absence
    if (NESTED_EXCLUDED.has(key)) continue;
    out[key] = filterNested(value);
  }
  return out;
}

function filterNested(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(filterNested);
  if (value instanceof Map) {
    const m = new Map<unknown, unknown>();
    for (const [k, v] of value) if (!(typeof k === 'string' && NESTED_EXCLUDED.has(k))) m.set(k, filterNested(v));
    return m;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!NESTED_EXCLUDED.has(k)) out[k] = filterNested(v);
    return out;
  }
  return value;
}


/**
 * md5 of the stage dict as serialized to the `.dvc` file. `hash: md5` stays in the input,
 * so a 2.x and a 3.x file describing the same data hash differently (by design upstream).
 */
export function stageMd5(stage: Readonly<Record<string, unknown>>, options: PyJsonOptions = {}): string {
  return md5Hex(pyJsonDumps(stageHashInput(stage), options));
}
