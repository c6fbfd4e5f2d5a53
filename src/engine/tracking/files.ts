/** Small readers for the metric and param files every source has (formats.md A.10, A.11). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import type { ParamValue } from './api.ts';
import { flattenMetrics, flattenParams, parsePythonJson } from './values.ts';

/** Parse JSON (Python flavour), YAML or TOML by suffix; unknown suffixes are read as YAML, as DVC does. */
export function parseDataText(text: string, file: string): unknown {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return parsePythonJson(text);
  if (ext === '.toml') return parseToml(text);
  return parseYaml(text, { version: '1.2', maxAliasCount: 100 });
}

function read(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return parseDataText(text, file);
  } catch (e) {
    throw new Error(`${path.basename(file)} could not be parsed: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Numeric leaves of a metrics file, flattened with dots (`train.loss`). Throws a readable message. */
export function readMetricsFile(file: string): Record<string, number> {
  return flattenMetrics(read(file));
}

export function readParamsFileFlat(file: string): Record<string, ParamValue> {
  const data = read(file);
  if (data === null || data === undefined) return {};
  return flattenParams(data);
}
