/**
 * Hash a file or folder as DVC records it, reading as little as possible. Same walk rules as
 * manifest.walkFiles (links to files followed, links to folders skipped, broken links and
 * nested .dvcignore are errors, FIFOs and devices ignored).
 *
 * An unchanged folder costs one readdir per folder and one stat per file. A fingerprint of all
 * stat identities (computed on worker threads for large trees, statPool.ts) answers the folder
 * hash without loading per-file state or building the manifest. Otherwise stats run
 * synchronously in batches (Node's async stat is a thread-pool round trip each, 2–3× slower
 * here) with a yield between batches so the event loop stays responsive.
 */
import { readdirSync, statSync } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import type { HashAlgorithm } from './hash.ts';
import { md5Hex } from './hash.ts';
import { dirInfo, mapLimit } from './manifest.ts';
import type { DirInfo, ManifestEntry } from './manifest.ts';
import { CHUNK, MIN_FOR_WORKERS, absOf, combineRecords, fingerprintTree, partDigest, recordOf } from './statPool.ts';
import type { WalkEntry } from './statPool.ts';
import type { StateCache } from './stateCache.ts';

const YIELD_EVERY = 2000;
const HASH_CONCURRENCY = 4;
const EXEC_BITS = 0o111;

export interface ScannedFile {
  abs: string;
  relpath: string;
  stats: Stats;
}

export type PathHash =
  | { kind: 'file'; oid: string; size: number; isexec: boolean }
  | { kind: 'dir'; oid: string; size: number; nfiles: number; /** Present when asked for, or when it had to be built. */ info?: DirInfo };

const pause = (): Promise<void> => new Promise((r) => setImmediate(r));

function listDir(absDir: string): Dirent[] {
  try {
    return readdirSync(absDir, { withFileTypes: true });
  } catch (e) {
    throw new MlopsError('io', `cannot list directory: ${(e as Error).message}`, { location: { file: absDir }, cause: e });
  }
}

/** Regular files and links under `dir`, in walk order (readdir only, no stat). */
export async function walkTree(dir: string, signal?: AbortSignal, onEntry?: (e: WalkEntry) => void): Promise<WalkEntry[]> {
  const root = path.resolve(dir);
  const found: WalkEntry[] = [];
  const dirs: string[] = [''];
  let listed = 0;
  while (dirs.length > 0) {
    const rel = dirs.pop()!;
    const absDir = rel === '' ? root : path.join(root, ...rel.split('/'));
    const dirents = listDir(absDir);
    for (const d of dirents) {
      const relpath = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.name === '.dvcignore' && !d.isDirectory()) {
        throw new MlopsError('refused', '.dvcignore inside a tracked directory is not allowed', {
          location: { file: absOf(root, relpath) },
          hint: 'move its patterns to the .dvcignore at the repository root (DVC rejects this too)',
        });
      }
      let e: WalkEntry | undefined;
      if (d.isSymbolicLink()) e = { relpath, link: true };
      else if (d.isDirectory()) dirs.push(relpath);
      else if (d.isFile()) e = { relpath, link: false };
      if (e) {
        found.push(e);
        onEntry?.(e);
      }
    }
    listed += dirents.length;
    if (listed >= YIELD_EVERY) {
      listed = 0;
      signal?.throwIfAborted();
      await pause();
    }
  }
  return found;
}

/** Stats of walked entries; `complete` is false when one was skipped (deleted meanwhile, link to a folder). */
export async function statEntries(root: string, found: readonly WalkEntry[], signal?: AbortSignal): Promise<{ files: ScannedFile[]; complete: boolean }> {
  const files: ScannedFile[] = [];
  let complete = true;
  for (let i = 0; i < found.length; i++) {
    const f = found[i]!;
    const abs = absOf(root, f.relpath);
    const stats = statSync(abs, { throwIfNoEntry: false });
    if (!stats) {
      if (f.link) {
        throw new MlopsError('not-found', 'broken symbolic link inside a tracked directory', {
          location: { file: abs },
          hint: 'remove the link or exclude it in .dvcignore',
        });
      }
      complete = false; // deleted between readdir and stat: not part of this snapshot
      continue;
    }
    if (!f.link || stats.isFile()) files.push({ abs, relpath: f.relpath, stats });
    else complete = false;
    if (i % YIELD_EVERY === YIELD_EVERY - 1) {
      signal?.throwIfAborted();
      await pause();
    }
  }
  return { files, complete };
}

/** Files under `dir` with their stats. */
export async function scanFiles(dir: string, signal?: AbortSignal): Promise<ScannedFile[]> {
  const root = path.resolve(dir);
  return (await statEntries(root, await walkTree(root, signal), signal)).files;
}

/**
 * The statPool fingerprint of already-stat'ed files in walk order (same records: walkTree lists
 * a folder's files together, in readdir order, as statPool.scanDirs does).
 */
export function treeFingerprint(files: readonly ScannedFile[]): string {
  const records: string[] = [];
  const dirOf = (relpath: string): string => relpath.slice(0, Math.max(0, relpath.lastIndexOf('/')));
  for (let i = 0; i < files.length;) {
    const dir = dirOf(files[i]!.relpath);
    let j = i + 1;
    while (j < files.length && dirOf(files[j]!.relpath) === dir) j++;
    for (let k = i, part = 0; k < j; k += CHUNK, part++) {
      const slice = files.slice(k, Math.min(j, k + CHUNK));
      const ids = new Float64Array(slice.flatMap((f) => [f.stats.ino, f.stats.size, f.stats.mtimeMs]));
      const names = slice.map((f) => (dir === '' ? f.relpath : f.relpath.slice(dir.length + 1)));
      records.push(recordOf(dir, part, partDigest(createHash, names, ids)));
    }
    i = j;
  }
  return combineRecords(records);
}

/** Printable ASCII without `"` and `\`: json.dumps writes these strings unchanged. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * dirInfo with a fast path: for plain ASCII relpaths, JS string order is code-point order and
 * the JSON needs no escaping, so the bytes can be joined directly (identical to pyJsonDumps).
 */
export function fastDirInfo(entries: ManifestEntry[]): DirInfo {
  if (!entries.every((e) => PLAIN.test(e.relpath) && e.size !== undefined)) return dirInfo(entries, 'md5');
  const sorted = entries.slice().sort((a, b) => (a.relpath < b.relpath ? -1 : a.relpath > b.relpath ? 1 : 0));
  const parts = new Array<string>(sorted.length);
  let size = 0;
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    parts[i] = `{"md5": "${e.oid}", "relpath": "${e.relpath}"}`;
    size += e.size!;
  }
  const bytes = Buffer.from(`[${parts.join(', ')}]`, 'utf8');
  return { oid: `${md5Hex(bytes)}.dir`, size, nfiles: sorted.length, entries: sorted, bytes };
}

/**
 * Current hash of a workspace path (undefined when it does not exist). Files the state cache
 * knows are not read; the others are hashed and remembered. `entries: true` also returns the
 * folder's manifest entries (otherwise an unchanged folder is answered from its fingerprint).
 */
export async function hashPath(abs: string, state: StateCache, algorithm: HashAlgorithm = 'md5', signal?: AbortSignal, options: { entries?: boolean } = {}): Promise<PathHash | undefined> {
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (!st.isDirectory()) {
    const oid = await state.hash(abs, st, algorithm);
    return { kind: 'file', oid, size: st.size, isexec: process.platform !== 'win32' && (st.mode & EXEC_BITS) !== 0 };
  }
  const known = options.entries ? undefined : state.treeGet(abs, algorithm);
  if (known && (await fingerprintTree(abs, { parallel: known.nfiles >= MIN_FOR_WORKERS, signal })) === known.fingerprint) {
    return { kind: 'dir', oid: known.oid, size: known.size, nfiles: known.nfiles };
  }
  const walked = await walkTree(abs, signal);
  const { files, complete } = await statEntries(abs, walked, signal);
  state.preload(abs);
  const entries = new Array<ManifestEntry>(files.length);
  const unknown: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const oid = state.get(f.abs, f.stats, algorithm);
    if (oid === undefined) unknown.push(i);
    else entries[i] = { relpath: f.relpath, oid, size: f.stats.size };
  }
  await mapLimit(unknown, HASH_CONCURRENCY, async (i) => {
    signal?.throwIfAborted();
    const f = files[i]!;
    entries[i] = { relpath: f.relpath, oid: await state.hash(f.abs, f.stats, algorithm), size: f.stats.size };
  });
  state.flush();
  const info = fastDirInfo(entries);
  if (complete) state.treeSet(abs, algorithm, { fingerprint: treeFingerprint(files), oid: info.oid, size: info.size, nfiles: info.nfiles }, files);
  return { kind: 'dir', oid: info.oid, size: info.size, nfiles: info.nfiles, info };
}
