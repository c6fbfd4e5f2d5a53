/**
 * dvc.yaml structure as DVC's schema defines it (iterative/dvc dvc/schema.py): allowed keys at
 * each level, checked before templating so a misspelt key is reported at its own line with a
 * "did you mean" hint instead of being silently ignored.
 */
import { MlopsError } from '../errors.ts';
import type { LocatedDoc, YamlPath } from './yamlRead.ts';
import { isPlainObject } from './values.ts';
import type { PyValue } from './values.ts';
import { suggest } from './suggest.ts';

export const TOP_KEYS = ['stages', 'vars', 'params', 'metrics', 'plots', 'artifacts', 'datasets'] as const;
export const STAGE_KEYS = ['cmd', 'wdir', 'deps', 'params', 'outs', 'metrics', 'plots', 'frozen', 'always_changed', 'desc', 'meta', 'vars'] as const;
export const OUT_FLAGS = ['cache', 'persist', 'remote', 'push', 'desc', 'type', 'labels', 'meta', 'checkpoint'] as const;
export const PLOT_PROPS = ['template', 'x', 'y', 'x_label', 'y_label', 'title', 'header'] as const;
export const TOP_PLOT_PROPS = ['x', 'y', 'x_label', 'y_label', 'title', 'template'] as const;
export const ARTIFACT_KEYS = ['path', 'type', 'desc', 'labels', 'meta'] as const;

export type Fail = (message: string, at: YamlPath, hint?: string, key?: boolean) => MlopsError;

export function failer(src: LocatedDoc): Fail {
  return (message, at, hint, key = false) =>
    new MlopsError('config', message, { location: { file: src.file, line: src.line(at, key) }, hint });
}

function checkKeys(obj: Record<string, PyValue>, allowed: readonly string[], at: YamlPath, what: string, fail: Fail): void {
  for (const k of Object.keys(obj)) {
    if (allowed.includes(k)) continue;
    const hint = suggest(k, allowed) ?? `allowed keys: ${allowed.join(', ')}`;
    throw fail(`unknown key '${k}' in ${what}`, [...at, k], hint, true);
  }
}

/** Keys and shapes that templating cannot change. Types of values are checked after it. */
export function checkStructure(src: LocatedDoc, fail: Fail): void {
  const root = src.value;
  if (root === null) return;
  if (!isPlainObject(root)) throw fail('dvc.yaml must be a mapping with a "stages" section', [], 'start the file with `stages:`');
  checkKeys(root, TOP_KEYS, [], 'dvc.yaml', fail);
  const stages = root['stages'];
  if (stages !== undefined && stages !== null) {
    if (!isPlainObject(stages)) throw fail('"stages" must map stage names to stage definitions', ['stages']);
    for (const [name, def] of Object.entries(stages)) checkStageGroup(name, def, ['stages', name], fail);
  }
  const plots = root['plots'];
  if (Array.isArray(plots)) {
    plots.forEach((p, i) => {
      if (!isPlainObject(p)) return;
      for (const [id, props] of Object.entries(p)) {
        if (isPlainObject(props)) checkKeys(props, TOP_PLOT_PROPS, ['plots', i, id], `plot '${id}'`, fail);
        else if (props !== null) throw fail(`plot '${id}' must be a mapping of properties (x, y, template …) or empty`, ['plots', i, id]);
      }
    });
  }
  const artifacts = root['artifacts'];
  if (isPlainObject(artifacts)) {
    for (const [name, a] of Object.entries(artifacts)) {
      if (!isPlainObject(a)) throw fail(`artifact '${name}' must be a mapping with a "path"`, ['artifacts', name]);
      checkKeys(a, ARTIFACT_KEYS, ['artifacts', name], `artifact '${name}'`, fail);
      if (typeof a['path'] !== 'string') throw fail(`artifact '${name}' needs a "path"`, ['artifacts', name], 'add `path: <file or folder>`');
    }
  }
}

function checkStageGroup(name: string, def: PyValue, at: YamlPath, fail: Fail): void {
  if (!isPlainObject(def)) throw fail(`stage '${name}' must be a mapping with at least a "cmd"`, at, 'write `cmd: <command>` indented under the stage name');
  if ('foreach' in def || 'do' in def) {
    checkKeys(def, ['foreach', 'do'], at, `foreach stage '${name}' (its stage keys belong under "do")`, fail);
    if (!('foreach' in def)) throw fail(`stage '${name}' has "do" but no "foreach"`, [...at, 'do'], 'add `foreach: <list or mapping>` beside "do"', true);
    if (!('do' in def)) throw fail(`stage '${name}' has "foreach" but no "do"`, [...at, 'foreach'], 'put the stage definition under `do:`', true);
    const body = def['do'];
    if (!isPlainObject(body)) throw fail(`"do" of stage '${name}' must be a stage definition`, [...at, 'do']);
    for (const k of ['foreach', 'matrix', 'do']) {
      if (k in body) throw fail(`'${k}' inside "do" is not supported (stage '${name}')`, [...at, 'do', k], 'DVC does not nest foreach/matrix either; generate one level only', true);
    }
    checkStage(name, body, [...at, 'do'], fail);
    return;
  }
  if ('matrix' in def) {
    const { matrix, ...rest } = def;
    if (!isPlainObject(matrix) && typeof matrix !== 'string') throw fail(`"matrix" of stage '${name}' must map axis names to lists`, [...at, 'matrix']);
    checkStage(name, rest, at, fail);
    return;
  }
  checkStage(name, def, at, fail);
}

function checkStage(name: string, def: Record<string, PyValue>, at: YamlPath, fail: Fail): void {
  checkKeys(def, STAGE_KEYS, at, `stage '${name}'`, fail);
  if (!('cmd' in def)) throw fail(`stage '${name}' has no "cmd"`, at, 'add `cmd: <command to run>`', true);
  for (const kind of ['outs', 'metrics', 'plots'] as const) {
    const list = def[kind];
    if (!Array.isArray(list)) continue;
    list.forEach((item, i) => {
      if (!isPlainObject(item)) return;
      for (const [p, flags] of Object.entries(item)) {
        const here = [...at, kind, i, p];
        const allowed: readonly string[] = kind === 'plots' ? [...OUT_FLAGS, ...PLOT_PROPS] : OUT_FLAGS;
        const flagSets = kind === 'plots' && Array.isArray(flags) ? flags : [flags];
        for (const f of flagSets) {
          if (!isPlainObject(f)) {
            throw fail(`flags of ${kind} entry '${p}' in stage '${name}' must be a mapping`, here,
              `write \`- ${p}\` without a colon when there are no flags, or indent flags such as \`cache: false\` under it`);
          }
          checkKeys(f, allowed, here, `${kind} entry '${p}' of stage '${name}'`, fail);
        }
      }
    });
  }
  const params = def['params'];
  if (Array.isArray(params)) {
    params.forEach((item, i) => {
      if (!isPlainObject(item)) return;
      for (const [file, keys] of Object.entries(item)) {
        if (keys !== null && !Array.isArray(keys)) {
          throw fail(`params of '${file}' in stage '${name}' must be a list of keys, or empty to track the whole file`, [...at, 'params', i, file]);
        }
      }
    });
  }
}
