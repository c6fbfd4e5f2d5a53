/**
 * Is a stage up to date? Computed from hashes, as DVC does, with every reason it is not: not in
 * dvc.lock, cmd changed, a dependency added/removed/modified, a param changed (old → new), an
 * output missing/modified/not in the cache, always_changed. Frozen stages are never run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MlopsError, describeError } from '../errors.ts';
import type { HashAlgorithm } from '../versioning/hash.ts';
import { ObjectCache } from '../versioning/cache.ts';
import { mapLimit } from '../versioning/manifest.ts';
import { buildDag } from './dag.ts';
import type { Dag } from './dag.ts';
import { loadPipeline } from './dvcyaml.ts';
import type { LoadOptions } from './dvcyaml.ts';
import { DefaultHasher, MemoHasher } from './hasher.ts';
import type { Hasher, PathHash } from './hasher.ts';
import { entryChecksum, readLock } from './lock.ts';
import type { LockEntry, LockFile } from './lock.ts';
import { diffParams, lookupParam, readParamsFile } from './params.ts';
import type { ParamsData } from './params.ts';
import { defaultCacheDir, findWorkspaceRoot } from './repo.ts';
import { suggest } from './suggest.ts';
import type { OutDef, PathRef, Pipeline, StageDef } from './types.ts';
import { showValue } from './values.ts';
import { selectStages } from './select.ts';
import type { PyValue } from './values.ts';

export type StageState = 'up-to-date' | 'stale' | 'frozen' | 'error';

export type ReasonKind =
  | 'not-in-lock' | 'cmd-changed' | 'always-changed'
  | 'dep-added' | 'dep-removed' | 'dep-modified' | 'dep-missing'
  | 'param-added' | 'param-removed' | 'param-modified'
  | 'out-added' | 'out-removed' | 'out-missing' | 'out-modified' | 'out-not-in-cache'
  | 'forced' | 'frozen' | 'upstream-changed' | 'blocked';

export interface StatusReason {
  kind: ReasonKind;
  /** One line for people: "param train.lr changed: 0.05 → 0.1". */
  message: string;
  path?: string;
  file?: string;
  key?: string;
  old?: PyValue;
  new?: PyValue;
  stage?: string;
}

export interface StageStatus {
  stage: string;
  state: StageState;
  reasons: StatusReason[];
  error?: MlopsError;
}

export interface StatusEnv {
  pipeline: Pipeline;
  lock: LockFile;
  hasher: Hasher;
  cache: ObjectCache;
  /** Parsed params files of this snapshot, by absolute path. */
  paramsCache?: Map<string, ParamsData>;
}

export function algorithmOf(entry: LockEntry): HashAlgorithm {
  return entry.hash === 'md5' ? 'md5' : 'md5-dos2unix';
}

function absOf(p: Pipeline, ref: { rel: string }): string {
  return path.resolve(p.dir, ...ref.rel.split('/'));
}

function readParams(env: Pick<StatusEnv, 'pipeline' | 'paramsCache'>, stage: StageDef, file: string, rel: string, line: number): ParamsData {
  const abs = path.resolve(env.pipeline.dir, ...rel.split('/'));
  const cached = env.paramsCache?.get(abs);
  if (cached) return cached;
  const data = readParamsFile(abs, rel, { file: env.pipeline.file, line });
  env.paramsCache?.set(abs, data);
  return data;
}

/**
 * Current values of a stage's params, `{file: {key: value}}` as dvc.lock records them. A key
 * missing from its file is an error naming the dvc.yaml line that asks for it.
 */
export function currentParams(env: Pick<StatusEnv, 'pipeline' | 'paramsCache'>, stage: StageDef): Record<string, ParamsData> {
  const out: Record<string, ParamsData> = {};
  for (const dep of stage.params) {
    const data = readParams(env, stage, dep.file, dep.rel, dep.line);
    if (dep.keys === null) {
      out[dep.file] = { ...data };
      continue;
    }
    const values: ParamsData = {};
    for (const { key, line } of dep.keys) {
      const found = lookupParam(data, key);
      if (!found.found) {
        const parent = found.missing.includes('.') ? lookupParam(data, found.missing.slice(0, found.missing.lastIndexOf('.'))) : { found: true as const, value: data };
        const names = parent.found && parent.value && typeof parent.value === 'object' && !Array.isArray(parent.value) ? Object.keys(parent.value) : [];
        const last = found.missing.split('.').pop()!;
        throw new MlopsError('config', `param '${key}' of stage '${stage.name}' is not in ${dep.rel}`, {
          location: { file: env.pipeline.file, line },
          hint: suggest(last, names) ?? `add '${key}' to ${dep.rel}, or remove it from the stage's params`,
        });
      }
      values[key] = found.value;
    }
    out[dep.file] = values;
  }
  return out;
}

function sameHash(entry: LockEntry, h: PathHash): boolean {
  return entry.md5 !== undefined && entry.md5 === h.hash;
}

async function inCache(cache: ObjectCache, h: PathHash, alg: HashAlgorithm): Promise<boolean> {
  if (!(await cache.has(h.hash, alg))) return false;
  if (!h.isDir) return true;
  const entries = h.entries ?? (await cache.readManifest(h.hash, alg));
  const found = await mapLimit(entries, 16, (e) => cache.has(e.oid, alg));
  return found.every(Boolean);
}

export async function stageStatus(env: StatusEnv, stage: StageDef): Promise<StageStatus> {
  if (stage.frozen) return { stage: stage.name, state: 'frozen', reasons: [] };
  try {
    const reasons = await collectReasons(env, stage);
    return { stage: stage.name, state: reasons.length ? 'stale' : 'up-to-date', reasons };
  } catch (e) {
    const error = e instanceof MlopsError ? e : new MlopsError('io', describeError(e), { cause: e });
    return { stage: stage.name, state: 'error', reasons: [], error };
  }
}

async function collectReasons(env: StatusEnv, stage: StageDef): Promise<StatusReason[]> {
  const { pipeline, hasher } = env;
  const locked = env.lock.stages.get(stage.name);
  const params = currentParams(env, stage);
  if (!locked) return [{ kind: 'not-in-lock', message: 'never run (no entry in dvc.lock)' }];
  const reasons: StatusReason[] = [];
  if (JSON.stringify(locked.cmd) !== JSON.stringify(stage.cmd)) {
    reasons.push({ kind: 'cmd-changed', message: 'command changed', old: locked.cmd, new: stage.cmd });
  }
  const compare = async (refs: ReadonlyArray<PathRef | OutDef>, entries: LockEntry[], side: 'dep' | 'out'): Promise<void> => {
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const checks = await Promise.all(refs.map(async (ref): Promise<StatusReason | undefined> => {
      const entry = byPath.get(ref.path);
      const label = side === 'dep' ? 'dependency' : 'output';
      if (!entry) return { kind: `${side}-added`, path: ref.path, message: `${label} ${ref.path} added` };
      const alg = algorithmOf(entry);
      const h = await hasher.hashPath(absOf(pipeline, ref), alg);
      if (!h) return { kind: `${side}-missing`, path: ref.path, message: `${label} ${ref.path} is missing` };
      if (!sameHash(entry, h)) return { kind: `${side}-modified`, path: ref.path, message: `${label} ${ref.path} modified` };
      if (side === 'out' && (ref as OutDef).cache && !(await inCache(env.cache, h, alg))) {
        return { kind: 'out-not-in-cache', path: ref.path, message: `output ${ref.path} is not in the cache` };
      }
      return undefined;
    }));
    for (const r of checks) if (r) reasons.push(r);
    const current = new Set(refs.map((r) => r.path));
    for (const e of entries) {
      if (!current.has(e.path)) reasons.push({ kind: `${side}-removed`, path: e.path, message: `${side === 'dep' ? 'dependency' : 'output'} ${e.path} removed from the stage` });
    }
  };
  await compare(stage.deps, locked.deps, 'dep');
  for (const [file, values] of Object.entries(params)) {
    const recorded = locked.params[file] ?? {};
    const dep = stage.params.find((d) => d.file === file)!;
    // Recorded keys the stage no longer lists count as removed (DVC ignores them; we keep the lock honest).
    const keys = [...new Set([...(dep.keys === null ? Object.keys(values) : dep.keys.map((k) => k.key)), ...Object.keys(recorded)])];
    for (const c of diffParams(keys, recorded, values)) {
      const name = file === 'params.yaml' ? c.key : `${file}:${c.key}`;
      const message = c.change === 'modified' ? `param ${name} changed: ${showValue(c.old)} → ${showValue(c.new)}` : `param ${name} ${c.change}`;
      reasons.push({ kind: `param-${c.change}`, file, key: c.key, message, ...(c.old !== undefined ? { old: c.old } : {}), ...(c.new !== undefined ? { new: c.new } : {}) });
    }
  }
  for (const [file, recorded] of Object.entries(locked.params)) {
    if (params[file]) continue;
    for (const key of Object.keys(recorded)) {
      reasons.push({ kind: 'param-removed', file, key, old: recorded[key], message: `param ${file === 'params.yaml' ? key : `${file}:${key}`} removed from the stage` });
    }
  }
  await compare(stage.outs, locked.outs, 'out');
  if (stage.alwaysChanged) reasons.push({ kind: 'always-changed', message: 'always_changed is set' });
  return reasons;
}

/**
 * Definition problems that stop a run before anything starts: dependencies that neither exist
 * nor come from a stage, and params that are not in their file.
 */
export function checkStages(pipeline: Pipeline, dag: Dag, names: Iterable<string>): MlopsError[] {
  const errors: MlopsError[] = [];
  const produced = (rel: string): boolean => {
    if (dag.producers.has(rel)) return true;
    for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) if (dag.producers.has(rel.slice(0, i))) return true;
    const prefix = `${rel}/`;
    for (const out of dag.producers.keys()) if (out.startsWith(prefix)) return true;
    return false;
  };
  const paramsCache = new Map<string, ParamsData>();
  for (const name of names) {
    const stage = pipeline.byName.get(name)!;
    for (const d of stage.deps) {
      if (!produced(d.rel) && !existsSync(absOf(pipeline, d))) {
        errors.push(new MlopsError('not-found', `dependency '${d.path}' of stage '${stage.name}' does not exist, and no stage produces it`, {
          location: { file: pipeline.file, line: d.line },
          hint: 'create the file, fix the path, or add the stage that writes it',
        }));
      }
    }
    if (stage.params.some((p) => produced(p.rel))) continue;
    try {
      currentParams({ pipeline, paramsCache }, stage);
    } catch (e) {
      if (e instanceof MlopsError) errors.push(e);
      else throw e;
    }
  }
  return errors;
}

export interface StatusOptions extends LoadOptions {
  hasher?: Hasher;
  /** Object cache; DVC's when in a DVC repository, else `.mlops/cache`. */
  cacheDir?: string;
  /** Only these stages or foreach/matrix groups (default: all). */
  stages?: string[];
  /** Stages whose status is computed at once. */
  concurrency?: number;
}

export interface PipelineStatus {
  pipeline: Pipeline;
  dag: Dag;
  lock: LockFile;
  /** In run order. */
  stages: StageStatus[];
}

/** Status of every stage of the pipeline in `dir` (or of a loaded Pipeline). */
export async function pipelineStatus(target: string | Pipeline, options: StatusOptions = {}): Promise<PipelineStatus> {
  const pipeline = typeof target === 'string' ? await loadPipeline(target, options) : target;
  const dag = buildDag(pipeline);
  const lock = await readLock(pipeline.lockFile);
  const cacheDir = options.cacheDir ?? (await defaultCacheDir(pipeline.dir, findWorkspaceRoot(pipeline.dir)));
  const env: StatusEnv = { pipeline, lock, hasher: new MemoHasher(options.hasher ?? new DefaultHasher()), cache: new ObjectCache(cacheDir), paramsCache: new Map() };
  const names = options.stages?.length ? selectStages(pipeline, dag, { targets: options.stages, single: true }) : dag.order;
  const stages = await mapLimit(names, options.concurrency ?? 8, (n) => stageStatus(env, pipeline.byName.get(n)!));
  return { pipeline, dag, lock, stages };
}
