/**
 * Load dvc.yaml (formats.md A.2/A.3): parse with lines, check DVC's schema, template, and turn
 * each (generated) stage into a StageDef. Every problem is an MlopsError naming dvc.yaml, the
 * line, and what to do.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { parseYamlLocated } from './yamlRead.ts';
import type { LocatedDoc, YamlPath } from './yamlRead.ts';
import { checkStructure, failer } from './schema.ts';
import type { Fail } from './schema.ts';
import { Context, TemplateError, foreachItems, matrixItems, resolveValue, toStr } from './templating.ts';
import type { ParsingConfig } from './templating.ts';
import { DEFAULT_PARAMS_FILE, paramsFormat } from './params.ts';
import { isPlainObject } from './values.ts';
import type { PyValue } from './values.ts';
import { readParsingConfig } from './repo.ts';
import { TextCache } from './textCache.ts';
import type { OutDef, OutKind, ParamDep, PathRef, Pipeline, StageDef } from './types.ts';

export const PIPELINE_FILE = 'dvc.yaml';
export const LOCK_FILE = 'dvc.lock';

export interface LoadOptions {
  /** `[parsing]` of .dvc/config; read from the repository when not given. */
  parsing?: ParsingConfig;
}

/** Load `<dir>/dvc.yaml` (or the given .yaml file). */
export async function loadPipeline(target: string, options: LoadOptions = {}): Promise<Pipeline> {
  const file = /\.ya?ml$/i.test(target) ? path.resolve(target) : path.resolve(target, PIPELINE_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MlopsError('not-found', `no ${path.basename(file)} in ${path.dirname(file)}`, {
        location: { file },
        hint: 'run this from the folder holding dvc.yaml, or create one with a `stages:` section',
      });
    }
    throw new MlopsError('io', `cannot read ${file}: ${(e as Error).message}`, { location: { file }, cause: e });
  }
  const parsing = options.parsing ?? (await readParsingConfig(path.dirname(file)));
  const key = `${file}\0${JSON.stringify(parsing)}`;
  const hit = loaded.peek(key);
  if (hit && hit.text === text && unchanged(hit.value.inputs)) return hit.value.pipeline;
  const parsed = parseWithInputs(text, file, { parsing });
  loaded.set(key, text, parsed);
  return parsed.pipeline;
}

/**
 * Pipelines by dvc.yaml text and the texts of the vars files templating read: the editor loads
 * the same pipeline after every save, and templating and YAML were most of a no-op status.
 */
const loaded = new TextCache<{ pipeline: Pipeline; inputs: ReadonlyMap<string, string | null> }>(16);

function unchanged(inputs: ReadonlyMap<string, string | null>): boolean {
  for (const [abs, text] of inputs) {
    let now: string | null;
    try {
      now = readFileSync(abs, 'utf8');
    } catch {
      now = null;
    }
    if (now !== text) return false;
  }
  return true;
}

export function parsePipeline(text: string, file: string, options: LoadOptions = {}): Pipeline {
  return parseWithInputs(text, file, options).pipeline;
}

function parseWithInputs(text: string, file: string, options: LoadOptions): { pipeline: Pipeline; inputs: ReadonlyMap<string, string | null> } {
  const src = parseYamlLocated(text, file, 'dvc.yaml', 'config');
  const fail = failer(src);
  checkStructure(src, fail);
  const root = (src.value ?? {}) as Record<string, PyValue>;
  const dir = path.dirname(file);
  const parsing = options.parsing ?? {};
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof TemplateError) throw fail(e.message, e.at, e.hint);
      throw e;
    }
  };
  const ctx = new Context();
  guard(() => ctx.loadVars(root['vars'] ?? null, dir, dir, ['vars'], undefined, true));

  const stages: StageDef[] = [];
  const byName = new Map<string, StageDef>();
  const add = (s: StageDef, at: YamlPath): void => {
    if (byName.has(s.name)) throw fail(`two stages are named '${s.name}'`, at, 'rename one of them (generated names are <group>@<key>)', true);
    byName.set(s.name, s);
    stages.push(s);
  };
  const build = { dir, parsing, fail, src };
  for (const [name, def] of Object.entries((root['stages'] ?? {}) as Record<string, PyValue>)) {
    const d = def as Record<string, PyValue>;
    const at = ['stages', name];
    const line = src.line(at, true);
    if ('foreach' in d) {
      const iterable = guard(() => resolveValue(d['foreach']!, { ctx, key: null, parsing }, [...at, 'foreach']));
      const { items, withKey } = guard(() => foreachItems(iterable, parsing, [...at, 'foreach']));
      for (const [key, item] of items) {
        const view = ctx.withReserved(withKey ? { item, key } : { item });
        add(guard(() => resolveStage(`${name}@${key}`, d['do'] as Record<string, PyValue>, view, [...at, 'do'], line, name, build)), at);
      }
    } else if ('matrix' in d) {
      const { matrix, ...body } = d;
      const resolved = guard(() => resolveValue(matrix!, { ctx, key: null, parsing }, [...at, 'matrix']));
      for (const [key, item] of guard(() => matrixItems(resolved, parsing, [...at, 'matrix']))) {
        add(guard(() => resolveStage(`${name}@${key}`, body, ctx.withReserved({ key, item }), at, line, name, build)), at);
      }
    } else {
      add(guard(() => resolveStage(name, d, ctx, at, line, undefined, build)), at);
    }
  }

  const top = (key: string): PyValue => guard(() => resolveValue(root[key] ?? null, { ctx, key: null, parsing }, [key]));
  const strList = (key: string): string[] => {
    const v = top(key);
    if (v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw fail(`"${key}" must be a list of file paths`, [key]);
    return v as string[];
  };
  const plots = top('plots');
  const artifacts = top('artifacts');
  const datasets = top('datasets');
  if (plots !== null && !Array.isArray(plots)) throw fail('"plots" must be a list', ['plots']);
  if (artifacts !== null && !isPlainObject(artifacts)) throw fail('"artifacts" must map names to {path, type, …}', ['artifacts']);
  if (datasets !== null && !Array.isArray(datasets)) throw fail('"datasets" must be a list', ['datasets']);
  const pipeline: Pipeline = {
    file,
    dir,
    lockFile: path.join(dir, LOCK_FILE),
    stages,
    byName,
    params: strList('params'),
    metrics: strList('metrics'),
    plots: (plots ?? []) as PyValue[],
    artifacts: (artifacts ?? {}) as Record<string, PyValue>,
    datasets: (datasets ?? []) as PyValue[],
    varsFiles: [...ctx.filesRead].filter(([, t]) => t !== null).map(([abs]) => abs),
    source: src,
  };
  return { pipeline, inputs: ctx.filesRead };
}

interface Build {
  dir: string;
  parsing: ParsingConfig;
  fail: Fail;
  src: LocatedDoc;
}

function resolveStage(name: string, def: Record<string, PyValue>, ctx: Context, at: string[], line: number, group: string | undefined, b: Build): StageDef {
  let wdir = '.';
  if (def['wdir'] !== undefined && def['wdir'] !== null) {
    const w = resolveValue(def['wdir'], { ctx, key: null, parsing: b.parsing }, [...at, 'wdir']);
    wdir = normalizeRel(typeof w === 'string' ? w : toStr(w, b.parsing, [...at, 'wdir']));
  }
  let local = ctx;
  if (def['vars'] !== undefined && def['vars'] !== null) {
    local = ctx.clone();
    local.loadVars(def['vars'], path.resolve(b.dir, wdir), b.dir, [...at, 'vars'], name);
  }
  const r: Record<string, PyValue> = {};
  for (const [key, value] of Object.entries(def)) {
    if (key === 'vars') continue;
    r[key] = resolveValue(value, { ctx: local, key, parsing: b.parsing }, [...at, key]);
  }
  return toStageDef(name, r, at, wdir, line, group, b);
}

function normalizeRel(p: string): string {
  const n = path.posix.normalize(p.replace(/\\/g, '/'));
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

const URL = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

function toStageDef(name: string, r: Record<string, PyValue>, at: string[], wdir: string, line: number, group: string | undefined, b: Build): StageDef {
  const { fail } = b;
  const what = `stage '${name}'`;
  const cmd = r['cmd'];
  const cmdOk = (typeof cmd === 'string' && cmd.trim() !== '') || (Array.isArray(cmd) && cmd.length > 0 && cmd.every((c) => typeof c === 'string'));
  if (!cmdOk) throw fail(`"cmd" of ${what} must be a command string or a list of them`, [...at, 'cmd'], 'e.g. `cmd: python train.py`');
  for (const k of ['frozen', 'always_changed'] as const) {
    if (r[k] !== undefined && r[k] !== null && typeof r[k] !== 'boolean') throw fail(`"${k}" of ${what} must be true or false`, [...at, k]);
  }
  if (r['desc'] !== undefined && r['desc'] !== null && typeof r['desc'] !== 'string') throw fail(`"desc" of ${what} must be text`, [...at, 'desc']);

  const ref = (p: PyValue, here: YamlPath, kind: string): PathRef => {
    if (typeof p !== 'string' || p.trim() === '') throw fail(`each ${kind} of ${what} must be a path`, here);
    if (URL.test(p)) {
      throw fail(`${kind} '${p}' of ${what} is a URL; external ${kind === 'dependency' ? 'dependencies' : 'outputs'} are not supported`, here,
        'download or upload the data inside the stage command and list the local file instead');
    }
    if (kind !== 'dependency' && (path.posix.isAbsolute(p) || path.win32.isAbsolute(p))) {
      throw fail(`output '${p}' of ${what} is an absolute path`, here, 'outputs must be inside the project; use a path relative to dvc.yaml');
    }
    const rel = path.isAbsolute(p) ? normalizeRel(path.relative(b.dir, p)) : normalizeRel(path.posix.join(wdir, p.replace(/\\/g, '/')));
    return { path: p, rel, line: b.src.line(here) };
  };
  const list = (key: string): PyValue[] => {
    const v = r[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw fail(`"${key}" of ${what} must be a list`, [...at, key]);
    return v;
  };

  const deps = list('deps').map((d, i) => ref(d, [...at, 'deps', i], 'dependency'));
  const outs: OutDef[] = [];
  for (const kind of ['outs', 'metrics', 'plots'] as OutKind[]) {
    list(kind).forEach((item, i) => {
      const here = [...at, kind, i];
      if (typeof item === 'string') return outs.push(makeOut(ref(item, here, 'output'), kind, {}, here, what, fail));
      if (!isPlainObject(item)) throw fail(`each ${kind} entry of ${what} must be a path or {path: flags}`, here);
      for (const [p, flags] of Object.entries(item)) {
        const merged: Record<string, PyValue> = {};
        for (const f of Array.isArray(flags) ? flags : [flags]) Object.assign(merged, f as Record<string, PyValue>);
        outs.push(makeOut(ref(p, here, 'output'), kind, merged, [...here, p], what, fail));
      }
    });
  }
  const seen = new Map<string, OutDef>();
  for (const o of outs) {
    const prev = seen.get(o.rel);
    if (prev) {
      throw new MlopsError('config', `output '${o.path}' is listed twice in ${what}`, {
        location: { file: b.src.file, line: o.line },
        hint: `remove one of the entries (lines ${prev.line} and ${o.line})`,
      });
    }
    seen.set(o.rel, o);
  }
  return {
    name,
    ...(group === undefined ? {} : { group }),
    cmd: cmd as string | string[],
    wdir,
    deps,
    params: paramDeps(list('params'), [...at, 'params'], wdir, what, b),
    outs,
    frozen: r['frozen'] === true,
    alwaysChanged: r['always_changed'] === true,
    ...(typeof r['desc'] === 'string' ? { desc: r['desc'] } : {}),
    ...(r['meta'] !== undefined ? { meta: r['meta'] } : {}),
    line,
  };
}

function makeOut(ref: PathRef, kind: OutKind, flags: Record<string, PyValue>, here: YamlPath, what: string, fail: Fail): OutDef {
  const bool = (k: string, dflt: boolean): boolean => {
    const v = flags[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') throw fail(`flag "${k}" of output '${ref.path}' in ${what} must be true or false`, [...here, k]);
    return v;
  };
  for (const k of ['remote', 'desc', 'type', 'template', 'x', 'y', 'x_label', 'y_label', 'title']) {
    const v = flags[k];
    // plot x/y may be maps in top-level plots only; in a stage they are field names
    if (v !== undefined && typeof v !== 'string') throw fail(`flag "${k}" of output '${ref.path}' in ${what} must be text`, [...here, k]);
  }
  if (flags['labels'] !== undefined && !(Array.isArray(flags['labels']) && flags['labels'].every((l) => typeof l === 'string'))) {
    throw fail(`"labels" of output '${ref.path}' in ${what} must be a list of text`, [...here, 'labels']);
  }
  if (bool('checkpoint', false)) {
    throw fail(`checkpoint outputs ('${ref.path}' in ${what}) are not supported`, [...here, 'checkpoint'],
      'DVC 3 removed checkpoints too; drop `checkpoint: true` and log per-step metrics with DVCLive instead');
  }
  bool('header', true);
  return {
    ...ref,
    kind,
    cache: bool('cache', true),
    persist: bool('persist', false),
    push: bool('push', true),
    ...(typeof flags['remote'] === 'string' ? { remote: flags['remote'] } : {}),
    flags,
  };
}

/** `- key` means params.yaml; `- file: [keys]`; `- file:` (or `[]`) tracks the whole file. */
function paramDeps(items: PyValue[], at: YamlPath, wdir: string, what: string, b: Build): ParamDep[] {
  const { fail } = b;
  const whole = new Set<string>();
  for (const item of items) {
    if (isPlainObject(item)) for (const [f, keys] of Object.entries(item)) if (keys === null || (Array.isArray(keys) && keys.length === 0)) whole.add(f);
  }
  const byFile = new Map<string, ParamDep>();
  const entry = (file: string, line: number, here: YamlPath): ParamDep => {
    if (paramsFormat(file) === 'py') {
      throw fail(`params file '${file}' in ${what} is a Python file, which is not supported`, here,
        'move these parameters to params.yaml (or a .json/.toml file); Python params files would need a Python interpreter to read', true);
    }
    let p = byFile.get(file);
    if (!p) {
      p = { file, rel: normalizeRel(path.posix.join(wdir, file)), keys: whole.has(file) ? null : [], line };
      byFile.set(file, p);
    }
    return p;
  };
  items.forEach((item, i) => {
    const here = [...at, i];
    const line = b.src.line(here);
    if (typeof item === 'string') {
      const p = entry(DEFAULT_PARAMS_FILE, line, here);
      p.keys?.push({ key: item, line });
    } else if (isPlainObject(item)) {
      for (const [file, keys] of Object.entries(item)) {
        const p = entry(file, line, [...here, file]);
        if (!Array.isArray(keys) || p.keys === null) continue;
        keys.forEach((k, j) => {
          if (typeof k !== 'string') throw fail(`param keys of '${file}' in ${what} must be text`, [...here, file, j]);
          p.keys!.push({ key: k, line: b.src.line([...here, file, j]) });
        });
      }
    } else throw fail(`each params entry of ${what} must be a key or {file: [keys]}`, here);
  });
  return [...byFile.values()];
}
