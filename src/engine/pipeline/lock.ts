/**
 * dvc.lock (formats.md A.4): read schema 2.0 (DVC 3 entries with `hash: md5`, DVC 2 entries
 * without) and lockfile v1; write schema 2.0 byte for byte as DVC does. Updating one stage
 * rewrites only that stage's lines; every other byte of the file stays as it was.
 */
import { promises as fs } from 'node:fs';
import { isMap, isScalar } from 'yaml';
import type { Node, Pair, YAMLMap } from 'yaml';
import { MlopsError } from '../errors.ts';
import { writeFileAtomic } from '../fsutil.ts';
import { DEFAULT_PARAMS_FILE } from './params.ts';
import { emitMappingEntry, emitYaml } from './yamlEmit.ts';
import { TextCache } from './textCache.ts';
import { parseYamlLocated } from './yamlRead.ts';
import type { LocatedDoc } from './yamlRead.ts';
import { compareCodePoints, isPlainObject, pyEqual } from './values.ts';
import type { PyValue } from './values.ts';

export interface LockEntry {
  path: string;
  /** `md5` on DVC 3 entries; absent on DVC 2 ones, whose md5 is md5-dos2unix. */
  hash?: string;
  md5?: string;
  etag?: string;
  checksum?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  [key: string]: unknown;
}

export interface LockStage {
  cmd: string | string[];
  deps: LockEntry[];
  /** file → key → value, as recorded. */
  params: Record<string, Record<string, PyValue>>;
  outs: LockEntry[];
}

export interface LockFile {
  file: string;
  format: 'v2' | 'v1' | 'absent';
  stages: Map<string, LockStage>;
  /** Parsed text, when the file exists. */
  source?: LocatedDoc;
}

const ENTRY_ORDER = ['path', 'hash', 'md5', 'etag', 'checksum', 'size', 'nfiles', 'isexec', 'cloud', 'files'];
const LOCK_HINT = 'dvc.lock was left as it is; fix it by hand, or delete it and run the pipeline again to rebuild it';

export async function readLock(file: string): Promise<LockFile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, format: 'absent', stages: new Map() };
    throw new MlopsError('io', `cannot read dvc.lock: ${(e as Error).message}`, { location: { file }, cause: e });
  }
  const lock = parsedLocks.get(file, text, () => parseLock(text, file));
  // Callers record stages they ran in their copy of the map; the entries themselves are replaced, never changed.
  return { ...lock, stages: new Map(lock.stages) };
}

/** Parsed locks by text: a 50-stage dvc.lock is the largest YAML a no-op status reads. */
const parsedLocks = new TextCache<LockFile>(16);

export function parseLock(text: string, file: string): LockFile {
  const src = parseYamlLocated(text, file, 'dvc.lock');
  const data = src.value;
  const bad = (message: string, at: ReadonlyArray<string | number>, key = false): MlopsError =>
    new MlopsError('format', `dvc.lock is corrupt: ${message}`, { location: { file, line: src.line(at, key) }, hint: LOCK_HINT });
  if (data === null) return { file, format: 'v2', stages: new Map(), source: src };
  if (!isPlainObject(data)) throw bad('the file must be a mapping', []);
  const stages = new Map<string, LockStage>();
  let format: LockFile['format'] = 'v2';
  let stagesData: Record<string, PyValue>;
  let prefix: string[];
  if (Object.hasOwn(data, 'schema')) {
    if (data['schema'] !== '2.0') throw bad(`unknown schema ${JSON.stringify(data['schema'])} (this version reads '2.0')`, ['schema']);
    for (const k of Object.keys(data)) {
      if (!['schema', 'stages', 'datasets'].includes(k)) throw bad(`unexpected top-level key '${k}'`, [k], true);
    }
    const s = data['stages'] ?? {};
    if (!isPlainObject(s)) throw bad('"stages" must be a mapping of stage names', ['stages']);
    stagesData = s as Record<string, PyValue>;
    prefix = ['stages'];
  } else {
    format = 'v1';
    stagesData = data as Record<string, PyValue>;
    prefix = [];
  }
  for (const [name, raw] of Object.entries(stagesData)) {
    const at = [...prefix, name];
    if (!isPlainObject(raw)) throw bad(`stage '${name}' must be a mapping`, at);
    const cmd = raw['cmd'];
    if (!(typeof cmd === 'string' || (Array.isArray(cmd) && cmd.every((c) => typeof c === 'string')))) {
      throw bad(`stage '${name}' has no valid "cmd"`, [...at, 'cmd']);
    }
    const lists: Record<'deps' | 'outs', LockEntry[]> = { deps: [], outs: [] };
    for (const key of ['deps', 'outs'] as const) {
      const list = raw[key] ?? [];
      if (!Array.isArray(list)) throw bad(`"${key}" of stage '${name}' must be a list`, [...at, key]);
      list.forEach((entry, i) => {
        if (!isPlainObject(entry) || typeof entry['path'] !== 'string') throw bad(`entry ${i + 1} of "${key}" in stage '${name}' needs a "path"`, [...at, key, i]);
        for (const f of ['md5', 'etag', 'checksum', 'hash'] as const) {
          if (entry[f] !== undefined && typeof entry[f] !== 'string') throw bad(`"${f}" must be a string`, [...at, key, i, f]);
        }
        lists[key].push(entry as LockEntry);
      });
    }
    const params = raw['params'] ?? {};
    if (!isPlainObject(params) || Object.values(params).some((v) => v !== null && !isPlainObject(v))) {
      throw bad(`"params" of stage '${name}' must map params files to key/value mappings`, [...at, 'params']);
    }
    const p: LockStage['params'] = {};
    for (const [f, v] of Object.entries(params)) p[f] = (v ?? {}) as Record<string, PyValue>;
    stages.set(name, { cmd: cmd as string | string[], deps: lists.deps, params: p, outs: lists.outs });
  }
  return { file, format, stages, source: src };
}

function orderedEntry(e: LockEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ENTRY_ORDER) if (e[k] !== undefined) out[k] = e[k];
  for (const [k, v] of Object.entries(e)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}

/**
 * The mapping DVC writes for one stage: `cmd, deps, params, outs`, deps and outs sorted by path,
 * params.yaml first then other files alphabetically, each file's keys sorted; empty parts left out.
 */
export function lockStageData(stage: LockStage): Record<string, unknown> {
  const res: Record<string, unknown> = { cmd: stage.cmd };
  const byPath = (a: LockEntry, b: LockEntry): number => compareCodePoints(a.path, b.path);
  if (stage.deps.length) res['deps'] = [...stage.deps].sort(byPath).map(orderedEntry);
  const files = Object.keys(stage.params).sort(compareCodePoints);
  const dflt = files.indexOf(DEFAULT_PARAMS_FILE);
  if (dflt > 0) files.unshift(...files.splice(dflt, 1));
  if (files.length) {
    const params: Record<string, Record<string, PyValue>> = {};
    for (const f of files) {
      const values = stage.params[f]!;
      params[f] = Object.fromEntries(Object.keys(values).sort(compareCodePoints).map((k) => [k, values[k]!]));
    }
    res['params'] = params;
  }
  if (stage.outs.length) res['outs'] = [...stage.outs].sort(byPath).map(orderedEntry);
  return res;
}

/** A whole lock file as DVC writes a new one; `rest` keeps other top-level keys (`datasets`) in place. */
export function serializeLock(stages: ReadonlyMap<string, LockStage> | Iterable<[string, LockStage]>, rest: Record<string, unknown> = {}): string {
  const data: Record<string, unknown> = {};
  for (const [name, s] of stages) data[name] = lockStageData(s);
  return emitYaml({ schema: '2.0', ...rest, stages: data });
}

/**
 * New text of a lock file with one stage's entry set. The stage's own lines are replaced (or
 * appended after the last stage); all other bytes are kept. Files we cannot splice safely
 * (lockfile v1, flow style, unusual indentation) are rewritten whole, the way DVC migrates them.
 */
export function updateLockText(text: string | undefined, file: string, name: string, stage: LockStage): string {
  if (text === undefined || text.trim() === '') return serializeLock([[name, stage]]);
  const lock = parseLock(text, file); // throws on a corrupt file: it is never overwritten
  const spliced = lock.format === 'v2' ? splice(text, lock.source!, name, stage) : undefined;
  const rest = lock.format === 'v2' && isPlainObject(lock.source?.value) ? (lock.source.value as Record<string, unknown>) : {};
  const next = spliced ?? serializeLock(new Map([...lock.stages, [name, stage]]), rest);
  verify(next, file, lock, name, stage);
  return next;
}

function splice(text: string, src: LocatedDoc, name: string, stage: LockStage): string | undefined {
  const root = src.doc.contents;
  if (!isMap(root)) return undefined;
  const block = emitMappingEntry(name, lockStageData(stage), 2);
  const stagesPair = root.items.find((p) => isScalar(p.key) && p.key.value === 'stages') as Pair<Node, Node> | undefined;
  if (!stagesPair) return `${withNewline(text)}stages:\n${block}`;
  const map = stagesPair.value as YAMLMap<Node, Node> | null;
  if (map === null || (isScalar(map) && map.value === null)) {
    const end = lineEnd(text, (stagesPair.key as Node).range![1]);
    return `${text.slice(0, end)}${block}${text.slice(end)}`;
  }
  if (!isMap(map) || map.flow || map.items.length === 0) return undefined;
  for (const p of map.items) {
    const k = p.key as Node;
    if (!k.range || column(text, k.range[0]) !== 2 || !p.value || !(p.value as Node).range) return undefined;
  }
  const existing = map.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
  if (existing) {
    const start = lineStart(text, (existing.key as Node).range![0]);
    const end = lineEnd(text, (existing.value as Node).range![1] - 1);
    return `${text.slice(0, start)}${block}${text.slice(end)}`;
  }
  const last = map.items[map.items.length - 1]!;
  const end = lineEnd(text, (last.value as Node).range![1] - 1);
  return `${withNewline(text.slice(0, end))}${block}${text.slice(end)}`;
}

function withNewline(s: string): string {
  return s === '' || s.endsWith('\n') ? s : `${s}\n`;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the newline ending the line that holds `offset`. */
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', Math.max(0, offset));
  return nl < 0 ? text.length : nl + 1;
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** Re-read what we are about to write: the stage must read back as given, the others unchanged. */
function verify(next: string, file: string, before: LockFile, name: string, stage: LockStage): void {
  const after = parseLock(next, file);
  const want = new Map(before.stages);
  want.set(name, stage);
  const same = after.stages.size === want.size && [...want].every(([n, s]) => {
    const got = after.stages.get(n);
    return got !== undefined && pyEqual(lockStageData(got), lockStageData(s));
  });
  if (!same) {
    throw new MlopsError('integrity', `updating stage '${name}' in dvc.lock would have changed other entries; nothing was written`, {
      location: { file },
      hint: 'this is a bug in MLOps Workbench; please report it with the dvc.lock file',
    });
  }
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Set one stage's entry on disk, atomically (temp file + rename), one writer at a time per file
 * in this process. A corrupt lock makes this throw and stays untouched.
 */
export async function writeLockStage(file: string, name: string, stage: LockStage): Promise<void> {
  const prev = queues.get(file) ?? Promise.resolve();
  const task = prev.catch(() => undefined).then(async () => {
    let text: string | undefined;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const next = updateLockText(text, file, name, stage);
    if (next !== text) await writeFileAtomic(file, next);
  });
  queues.set(file, task);
  try {
    await task;
  } finally {
    if (queues.get(file) === task) queues.delete(file);
  }
}

/** The checksum an entry records (local md5, or a cloud etag/checksum). */
export function entryChecksum(e: LockEntry): string | undefined {
  return e.md5 ?? e.etag ?? e.checksum;
}
