/**
 * Params files (formats.md A.10): YAML (also any unknown suffix), JSON and TOML; values keep
 * Python's int/float distinction so dvc.lock compares and prints them as DVC does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { MlopsError } from '../errors.ts';
import type { ErrorLocation } from '../errors.ts';
import { TextCache } from './textCache.ts';
import { parseYamlLocated } from './yamlRead.ts';
import { isPlainObject, normalizeNumbers, pyEqual } from './values.ts';
import type { PyValue } from './values.ts';

export const DEFAULT_PARAMS_FILE = 'params.yaml';

export type ParamsFormat = 'yaml' | 'json' | 'toml' | 'py';
export type ParamsData = Record<string, PyValue>;

export function paramsFormat(file: string): ParamsFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.toml') return 'toml';
  if (ext === '.py') return 'py';
  return 'yaml';
}

/**
 * Read and parse a params file. `shown` is the name used in messages (workspace-relative);
 * `usedAt` is where the file is referenced (dvc.yaml line), for "does not exist" errors.
 */
export function readParamsFile(absPath: string, shown = absPath, usedAt?: ErrorLocation): ParamsData {
  return readParamsFileText(absPath, shown, usedAt).data;
}

/** Parsed params by file, remembered by text: one status reads params.yaml for templating, checks and every stage. */
const parsedParams = new TextCache<ParamsData>();

/** readParamsFile, plus the text it was parsed from. The data is shared: read-only. */
export function readParamsFileText(absPath: string, shown = absPath, usedAt?: ErrorLocation): { data: ParamsData; text: string } {
  const format = paramsFormat(absPath);
  if (format === 'py') {
    throw new MlopsError('format', `params file ${shown} is a Python file, which is not supported`, {
      location: usedAt ?? { file: absPath },
      hint: 'move these parameters to params.yaml (or a .json/.toml file); MLOps Workbench does not execute Python to read them',
    });
  }
  let text: string;
  try {
    text = readFileSync(absPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new MlopsError('not-found', `params file ${shown} does not exist`, {
        location: usedAt ?? { file: absPath },
        hint: `create ${shown}, or fix the path in dvc.yaml`,
        cause: e,
      });
    }
    if (code === 'EISDIR') {
      throw new MlopsError('format', `params file ${shown} is a directory`, { location: usedAt ?? { file: absPath }, cause: e });
    }
    throw new MlopsError('io', `cannot read params file ${shown}: ${(e as Error).message}`, { location: { file: absPath }, cause: e });
  }
  const data = parsedParams.get(absPath, text, () => {
    const parsed = parseParamsText(text, absPath, format);
    if (parsed === null) return {};
    if (!isPlainObject(parsed)) {
      throw new MlopsError('format', `params file ${shown} must hold a mapping of names to values`, {
        location: { file: absPath, line: 1 },
        hint: 'write `name: value` pairs at the top level',
      });
    }
    return parsed as ParamsData;
  });
  return { data, text };
}

export function parseParamsText(text: string, file: string, format: ParamsFormat): PyValue {
  if (format === 'json') {
    try {
      // The source text says int or float; JSON.parse alone would fold 1.0 into 1.
      const raw: unknown = JSON.parse(text, (_k, v: unknown, ctx?: { source?: string }) => {
        if (typeof v !== 'number' || ctx?.source === undefined) return v;
        return /[.eE]/.test(ctx.source) ? v : BigInt(ctx.source);
      });
      return normalizeNumbers(raw);
    } catch (e) {
      throw new MlopsError('format', `params file is not valid JSON: ${(e as Error).message}`, {
        location: { file, line: jsonErrorLine(text, e) },
        hint: 'fix the JSON syntax (a trailing comma or a missing quote are the usual causes)',
        cause: e,
      });
    }
  }
  if (format === 'toml') {
    try {
      return normalizeNumbers(parseToml(text, { integersAsBigInt: true }));
    } catch (e) {
      const line = (e as { line?: number }).line;
      throw new MlopsError('format', `params file is not valid TOML: ${(e as Error).message.split('\n')[0]}`, {
        location: { file, line },
        hint: 'fix the TOML syntax at that line',
        cause: e,
      });
    }
  }
  return parseYamlLocated(text, file, 'params file').value;
}

function jsonErrorLine(text: string, e: unknown): number | undefined {
  const m = /position (\d+)/.exec((e as Error).message);
  if (!m) return undefined;
  return text.slice(0, Number(m[1])).split('\n').length;
}

export type Lookup = { found: true; value: PyValue } | { found: false; missing: string };

/**
 * Dotted lookup as DVC does it: `a.b.c` descends mappings (and lists by index); a key naming a
 * section returns the whole sub-tree. A literal top-level key containing dots wins.
 */
export function lookupParam(data: ParamsData, key: string): Lookup {
  if (Object.hasOwn(data, key)) return { found: true, value: data[key]! };
  let cur: PyValue = data;
  const parts = key.split('.');
  for (const [i, part] of parts.entries()) {
    if (isPlainObject(cur) && Object.hasOwn(cur, part)) cur = (cur as Record<string, PyValue>)[part]!;
    else if (Array.isArray(cur) && /^\d+$/.test(part) && Number(part) < cur.length) cur = cur[Number(part)]!;
    else return { found: false, missing: parts.slice(0, i + 1).join('.') };
  }
  return { found: true, value: cur };
}

export interface ParamChange {
  key: string;
  change: 'added' | 'removed' | 'modified';
  old?: PyValue;
  new?: PyValue;
}

/** Differences between recorded (lock) values and current ones, keys in the order given. */
export function diffParams(keys: readonly string[], recorded: ParamsData, current: ParamsData): ParamChange[] {
  const out: ParamChange[] = [];
  for (const key of keys) {
    const inLock = Object.hasOwn(recorded, key);
    const inNow = Object.hasOwn(current, key);
    if (inLock && !inNow) out.push({ key, change: 'removed', old: recorded[key] });
    else if (!inLock && inNow) out.push({ key, change: 'added', new: current[key] });
    else if (inLock && inNow && !pyEqual(recorded[key], current[key])) out.push({ key, change: 'modified', old: recorded[key], new: current[key] });
  }
  return out;
}
