/**
 * `.dvc` pointer files (formats.md A.5): parse with line-accurate errors, write byte-compatible
 * with DVC, and say which hash algorithm each entry uses.
 */
import { isMap, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { writeFileAtomic } from '../fsutil.ts';
import type { HashAlgorithm } from './hash.ts';
import { stageMd5 } from './stageHash.ts';
import { applyDiff, deepEqual, documentToString, dumpYaml, isPlainObject, lineOf, parseYaml } from './yamlDoc.ts';
import type { ParsedYaml } from './yamlDoc.ts';

/** Checksum keys DVC writes: local data, cloud object stores and HTTP, HDFS. */
export const CHECKSUM_NAMES = ['md5', 'etag', 'checksum'] as const;
export type ChecksumName = (typeof CHECKSUM_NAMES)[number];

/** An `outs` entry (also used for import-url deps). Unknown keys are kept, in file order. */
export interface PointerOut {
  md5?: string;
  etag?: string;
  checksum?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  /** `md5` marks a DVC 3 entry (raw md5); absent in DVC 2.x files. */
  hash?: string;
  /** Relative to the pointer file's directory (and `wdir`), POSIX separators. */
  path: string;
  [key: string]: unknown;
}

/** A `deps` entry: `{path, repo}` for `dvc import`, checksum fields for `dvc import-url`. */
export interface PointerDep extends PointerOut {
  repo?: { url: string; rev?: string; rev_lock?: string; [key: string]: unknown };
}

export interface Pointer {
  md5?: string;
  frozen?: boolean;
  deps?: PointerDep[];
  outs: PointerOut[];
  [key: string]: unknown;
}

export interface ParsedPointer extends ParsedYaml {
  pointer: Pointer;
}

/** Order DVC's `get_dump` writes top-level keys in (falsy values are left out). */
const TOP_KEY_ORDER = ['desc', 'md5', 'cmd', 'wdir', 'frozen', 'deps', 'outs', 'always_changed', 'meta'];
/** Order of `Output.dumpd`: checksum, file meta, marker, path, annotations, flags, files. */
const ENTRY_KEY_ORDER = [
  'md5', 'etag', 'checksum', 'size', 'nfiles', 'isexec', 'cloud', 'hash', 'path', 'repo', 'fs_config',
  'desc', 'type', 'labels', 'meta', 'cache', 'metric', 'plot', 'persist', 'remote', 'push', 'files',
];
const REPO_KEY_ORDER = ['url', 'rev', 'rev_lock'];

/** Parse a `.dvc` file. Every problem is an MlopsError naming the file and line. */
export function parsePointer(text: string, file: string): ParsedPointer {
  const parsed = parseYaml(text, file, 'pointer file');
  const { document } = parsed;
  const root = document.contents;
  const bad = (message: string, node: unknown, hint: string): MlopsError =>
    new MlopsError('format', message, { location: { file, line: lineOf(parsed, node) ?? 1 }, hint });

  const data: unknown = document.toJS({ maxAliasCount: 100 });
  if (!isPlainObject(data)) {
    throw bad('pointer file must be a YAML mapping with an "outs" list', root, 'restore it from git, or re-run `dvc add`');
  }
  const node = (p: (string | number)[]): Node | undefined => document.getIn(p, true) as Node | undefined;

  if (!Array.isArray(data['outs'])) {
    throw bad('pointer file has no "outs" list', node(['outs']) ?? root, 'a .dvc file needs `outs:` with one `- path: ...` entry per tracked output');
  }
  if (data['md5'] !== undefined && typeof data['md5'] !== 'string') {
    throw bad('top-level "md5" must be a string', node(['md5']), 'quote the value or delete it; it is recomputed on the next save');
  }
  if (data['frozen'] !== undefined && typeof data['frozen'] !== 'boolean') {
    throw bad('"frozen" must be true or false', node(['frozen']), 'write `frozen: true` or remove the key');
  }
  if (data['wdir'] !== undefined && typeof data['wdir'] !== 'string') {
    throw bad('"wdir" must be a string', node(['wdir']), 'write a relative directory such as `wdir: .`');
  }
  if (data['deps'] !== undefined && !Array.isArray(data['deps'])) {
    throw bad('"deps" must be a list', node(['deps']), 'write `deps:` followed by `- path: ...` entries');
  }
  for (const key of ['deps', 'outs'] as const) {
    const list = (data[key] as unknown[] | undefined) ?? [];
    list.forEach((entry, i) => checkEntry(entry, key, node([key, i]) ?? node([key]), bad));
  }
  const wdir = (data['wdir'] as string | undefined) ?? '.';
  (data['outs'] as PointerOut[]).forEach((out, i) => {
    const reason = escapeReason(wdir, out.path);
    if (reason) {
      throw new MlopsError('refused', `output path ${JSON.stringify(out.path)} ${reason}`, {
        location: { file, line: lineOf(parsed, node(['outs', i, 'path'])) ?? 1 },
        hint: 'a .dvc file may only track data in its own directory or below; move the .dvc file next to the data',
      });
    }
  });
  return { ...parsed, pointer: data as Pointer };
}

type Bad = (message: string, node: unknown, hint: string) => MlopsError;

function checkEntry(entry: unknown, list: 'deps' | 'outs', node: Node | undefined, bad: Bad): void {
  if (!isPlainObject(entry)) throw bad(`each "${list}" item must be a mapping`, node, 'write items as `- path: ...`');
  const field = (k: string): unknown => (isPlainObject(entry) ? entry[k] : undefined);
  const child = (k: string): unknown => (isMap(node) ? node.get(k, true) : undefined) ?? node;
  if (typeof field('path') !== 'string' || field('path') === '') {
    throw bad(`"${list}" item has no "path"`, child('path'), 'every entry needs `path: <relative path>`');
  }
  for (const name of CHECKSUM_NAMES) {
    if (field(name) !== undefined && typeof field(name) !== 'string') {
      throw bad(`"${name}" must be a string`, child(name), `quote the value: ${name}: '...'`);
    }
  }
  for (const k of ['size', 'nfiles']) {
    const v = field(k);
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
      throw bad(`"${k}" must be a non-negative integer`, child(k), `fix or delete "${k}"; it is recomputed on the next save`);
    }
  }
  if (field('isexec') !== undefined && typeof field('isexec') !== 'boolean') {
    throw bad('"isexec" must be true or false', child('isexec'), 'write `isexec: true` or remove the key');
  }
  if (field('hash') !== undefined && field('hash') !== 'md5') {
    throw bad(`unknown "hash" value ${JSON.stringify(field('hash'))}`, child('hash'),
      'DVC 3 writes `hash: md5`; remove the key for DVC 2.x (md5-dos2unix) entries');
  }
  const repo = field('repo');
  if (repo !== undefined && !(isPlainObject(repo) && typeof repo['url'] === 'string')) {
    throw bad('"repo" must be a mapping with a "url"', child('repo'), 'write `repo:` then `url: <git url>` indented below it');
  }
}

/** Why `p` (inside `wdir`, relative to the pointer's directory) leaves that directory, or undefined. */
export function escapeReason(wdir: string, p: string): string | undefined {
  for (const s of [wdir, p]) {
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(s)) return 'is a URL (external outputs are not supported)';
    if (s.startsWith('/') || s.startsWith('\\') || /^[a-zA-Z]:/.test(s)) return 'is absolute';
  }
  // Treat backslashes as separators too: a Windows-written `..\x` escapes there.
  const joined = path.posix.normalize(`${wdir}/${p}`.replace(/\\/g, '/'));
  if (joined === '..' || joined.startsWith('../')) return 'escapes the directory of the .dvc file';
  if (joined === '.' || joined === './') return 'names the directory of the .dvc file itself';
  return undefined;
}

/** Absolute workspace path of an output, resolved against the pointer file. */
export function outputPath(pointerFile: string, pointer: Pointer, out: PointerOut): string {
  const reason = escapeReason(pointer['wdir'] as string | undefined ?? '.', out.path);
  if (reason) throw new MlopsError('refused', `output path ${JSON.stringify(out.path)} ${reason}`, { location: { file: pointerFile } });
  return path.resolve(path.dirname(pointerFile), (pointer['wdir'] as string | undefined) ?? '.', ...out.path.split('/'));
}

/** `md5` for DVC 3 entries (`hash: md5`), `md5-dos2unix` for entries written by DVC 2.x. */
export function entryAlgorithm(entry: Pick<PointerOut, 'hash'>): HashAlgorithm {
  if (entry.hash === undefined) return 'md5-dos2unix';
  if (entry.hash === 'md5') return 'md5';
  throw new MlopsError('format', `unknown "hash" value ${JSON.stringify(entry.hash)}`, {
    hint: 'DVC 3 writes `hash: md5`; remove the key for DVC 2.x (md5-dos2unix) entries',
  });
}

/** The checksum an entry records, or undefined when it has none yet. */
export function entryChecksum(entry: PointerOut): { name: ChecksumName; value: string } | undefined {
  for (const name of CHECKSUM_NAMES) {
    const value = entry[name];
    if (typeof value === 'string') return { name, value };
  }
  return undefined;
}

export function isDirEntry(entry: PointerOut): boolean {
  return entryChecksum(entry)?.value.endsWith('.dir') ?? false;
}

/** Keys in DVC's order; unknown keys after them, in their current order. */
function ordered<T extends Record<string, unknown>>(obj: T, order: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of order) if (obj[k] !== undefined) out[k] = obj[k];
  for (const [k, v] of Object.entries(obj)) if (!(k in out) && v !== undefined) out[k] = v;
  return out as T;
}

function canonicalEntry<T extends PointerOut>(entry: T): T {
  const e = ordered(entry, ENTRY_KEY_ORDER);
  if (isPlainObject(e['repo'])) (e as Record<string, unknown>)['repo'] = ordered(e['repo'], REPO_KEY_ORDER);
  return e;
}

/** The pointer with every mapping in the key order DVC uses for a freshly written file. */
export function canonicalPointer(pointer: Pointer): Pointer {
  const p = ordered(pointer, TOP_KEY_ORDER);
  if (p.deps) p.deps = p.deps.map(canonicalEntry);
  p.outs = p.outs.map(canonicalEntry);
  return p;
}

/**
 * Text of a `.dvc` file. Without `previous`, keys go in DVC's order (what `dvc add` writes for a
 * new file). With the document the file was parsed from, changes are applied onto it the way
 * DVC updates an existing file: existing key order, comments and untouched values are kept.
 */
export function serializePointer(pointer: Pointer, previous?: Document | ParsedPointer): string {
  if (!previous) return dumpYaml(canonicalPointer(pointer));
  const base = 'document' in previous ? previous.document : previous;
  const next = stripUndefined(pointer);
  // Nothing changed: keep the text as it is, including formatting the emitter cannot reproduce
  // (flow style, folded long lines, odd spacing).
  if ('text' in previous && deepEqual(base.toJS(), next)) return previous.text;
  const doc = base.clone();
  applyDiff(doc, next);
  return documentToString(doc);
}

function stripUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripUndefined);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = stripUndefined(x);
    return out;
  }
  return v;
}

/** Read and parse a `.dvc` file; a missing or unreadable file is an MlopsError too. */
export async function readPointer(file: string): Promise<ParsedPointer> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MlopsError(missing ? 'not-found' : 'io', `cannot read pointer file: ${(e as Error).message}`, {
      location: { file },
      hint: missing ? 'check the path; `dvc add` / `mlops add` creates it' : 'check the file permissions',
      cause: e,
    });
  }
  return parsePointer(text, file);
}

/** Write a pointer file atomically (see serializePointer for `previous`). */
export async function writePointer(file: string, pointer: Pointer, previous?: Document | ParsedPointer): Promise<void> {
  await writeFileAtomic(file, serializePointer(pointer, previous));
}

/**
 * Stage md5 (A.6) of a parsed file, with Python's int/float distinction taken from the YAML
 * source (`1.0` stays a float), which the plain JS values have lost.
 */
export function pointerStageMd5(parsed: ParsedPointer): string {
  const exact = parseDocument(parsed.text, { intAsBigInt: true, version: '1.2' }).toJS() as Record<string, unknown>;
  return stageMd5(exact, { numbers: 'float' });
}
