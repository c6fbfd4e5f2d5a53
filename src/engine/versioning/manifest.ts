/**
 * Directory manifests (`.dir` objects, formats.md A.9): walk, hash, sort, serialize.
 *
 * Symlinks: a link to a regular file is an entry with the target's content (that is what a
 * reader of the directory sees, and what DVC hashes when it opens the path); a link to a
 * directory is not followed, so a walk can neither loop nor escape the tracked tree; a broken
 * link is an error, since silently dropping it would record a dataset that is not what is on
 * disk. `symlinks: 'skip'` ignores every link instead. Other non-regular files (FIFOs,
 * sockets, devices) never produce entries: reading them could block or never end.
 */
import { promises as fs, statSync } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { compareCodePoints, hashFile, md5Hex } from './hash.ts';
import type { Dos2unixRule, HashAlgorithm } from './hash.ts';
import { pyJsonDumps } from './pyjson.ts';

export interface ManifestEntry {
  /** POSIX relative path inside the directory. */
  relpath: string;
  /** File hash (md5 hex, or the cloud checksum for versioned outputs). */
  oid: string;
  /** Bytes; unknown (undefined) when the entry came from a `.dir` object, which stores none. */
  size?: number;
}

export interface DirInfo {
  /** md5 of `bytes` plus `.dir`. */
  oid: string;
  size: number;
  nfiles: number;
  /** Sorted entries. */
  entries: ManifestEntry[];
  /** Exact content of the `.dir` cache object (no trailing newline). */
  bytes: Buffer;
}

/** Replaceable per-file hasher (a state cache can answer without reading the file). */
export type FileHasher = (absPath: string, relpath: string, stats: Stats) => Promise<string>;

export interface BuildManifestOptions {
  /** Defaults to `md5` (DVC 3). */
  algorithm?: HashAlgorithm;
  dos2unixRule?: Dos2unixRule;
  /** Overrides the algorithm's hasher. */
  hashFile?: FileHasher;
  /** Return true to leave a path out; directories are pruned with their contents. */
  ignore?: (relpath: string, isDirectory: boolean) => boolean;
  /** Files hashed at once; I/O latency of small files overlaps, md5 itself stays on one thread. */
  concurrency?: number;
  symlinks?: 'follow-files' | 'skip';
}

/** Python's sorted() on relpath: code points of the whole joined path (`a-c` < `a/b`). */
export function sortEntries<T extends { relpath: string }>(entries: T[]): T[] {
  return entries.sort((a, b) => compareCodePoints(a.relpath, b.relpath));
}

/**
 * The exact bytes of a `.dir` object. `hashName` is the checksum key: `md5` for local data
 * (also for md5-dos2unix values), `etag` etc. for cloud-versioned outputs (C.2).
 */
export function serializeManifest(entries: readonly ManifestEntry[], hashName = 'md5'): Buffer {
  const sorted = sortEntries(entries.slice());
  const list = sorted.map((e) => ({ [hashName]: e.oid, relpath: e.relpath }));
  return Buffer.from(pyJsonDumps(list), 'utf8');
}

/** Hash, size and file count of a set of entries (sizes must be known). */
export function dirInfo(entries: readonly ManifestEntry[], hashName = 'md5'): DirInfo {
  const sorted = sortEntries(entries.slice());
  const bytes = serializeManifest(sorted, hashName);
  let size = 0;
  for (const e of sorted) {
    if (e.size === undefined) throw new TypeError(`dirInfo: size of ${e.relpath} is unknown`);
    size += e.size;
  }
  return { oid: `${md5Hex(bytes)}.dir`, size, nfiles: sorted.length, entries: sorted, bytes };
}

/** Read a `.dir` object. Relpaths that could escape the directory on checkout are refused. */
export function parseManifest(data: string | Uint8Array, source: string): ManifestEntry[] {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MlopsError('store-corrupt', `directory manifest is not valid JSON: ${(e as Error).message}`, {
      location: { file: source },
      hint: 'the cache object is damaged; fetch it again or re-add the directory',
      cause: e,
    });
  }
  if (!Array.isArray(parsed)) {
    throw new MlopsError('store-corrupt', 'directory manifest is not a JSON list', { location: { file: source } });
  }
  return parsed.map((item: unknown, i) => {
    const rec = item as Record<string, unknown> | null;
    const relpath = rec?.['relpath'];
    const oid = rec?.['md5'] ?? rec?.['etag'] ?? rec?.['checksum'];
    if (typeof relpath !== 'string' || typeof oid !== 'string') {
      throw new MlopsError('store-corrupt', `directory manifest entry ${i} lacks relpath or checksum`, {
        location: { file: source },
      });
    }
    assertSafeRelpath(relpath, source);
    return { relpath, oid };
  });
}

/** A manifest relpath must stay inside the directory it is checked out into. */
export function assertSafeRelpath(relpath: string, source: string): void {
  const parts = relpath.split('/');
  const bad =
    relpath.length === 0 ||
    relpath.includes('\0') ||
    parts.some((p) => p === '' || p === '.' || p === '..') ||
    (process.platform === 'win32' && /[\\:]/.test(relpath));
  if (bad) {
    throw new MlopsError('refused', `directory manifest entry ${JSON.stringify(relpath)} is not a plain relative path`, {
      location: { file: source },
      hint: 'the manifest may be crafted or damaged; it was not checked out',
    });
  }
}

interface WalkedFile {
  abs: string;
  relpath: string;
  stats: Stats;
}

/** Walk, hash and describe a directory the way `dvc add` would record it. */
export async function buildManifest(dir: string, options: BuildManifestOptions = {}): Promise<DirInfo> {
  const algorithm = options.algorithm ?? 'md5';
  const hasher: FileHasher =
    options.hashFile ?? ((abs, _rel, st) => hashFile(abs, algorithm, { dos2unixRule: options.dos2unixRule ?? 'per-file', size: st.size }));
  const files = await walkFiles(dir, options);
  const entries = await mapLimit(files, options.concurrency ?? 8, async (f) => ({
    relpath: f.relpath,
    oid: await hasher(f.abs, f.relpath, f.stats),
    size: f.stats.size,
  }));
  return dirInfo(entries, 'md5');
}

/** Regular files under `dir` (see the module note for symlinks), in no particular order. */
export async function walkFiles(
  dir: string,
  options: Pick<BuildManifestOptions, 'ignore' | 'symlinks'> = {},
): Promise<WalkedFile[]> {
  const root = path.resolve(dir);
  const out: WalkedFile[] = [];
  const rootStats = await fs.stat(root);
  if (!rootStats.isDirectory()) {
    throw new MlopsError('usage', 'not a directory', { location: { file: root } });
  }
  const pending: string[] = [''];
  // Stats are synchronous (a thread-pool round trip each costs more than the stat), with a
  // yield now and then so a large folder does not hold up the event loop.
  let sinceYield = 0;
  while (pending.length > 0) {
    const rel = pending.pop()!;
    const absDir = rel === '' ? root : path.join(root, ...rel.split('/'));
    if (sinceYield >= 2000) {
      sinceYield = 0;
      await new Promise((r) => setImmediate(r));
    }
    let dirents: Dirent[];
    try {
      dirents = await fs.readdir(absDir, { withFileTypes: true });
    } catch (e) {
      throw new MlopsError('io', `cannot list directory: ${(e as Error).message}`, { location: { file: absDir }, cause: e });
    }
    for (const d of dirents) {
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      const abs = path.join(absDir, d.name);
      if (d.name === '.dvcignore' && !d.isDirectory()) {
        throw new MlopsError('refused', '.dvcignore inside a tracked directory is not allowed', {
          location: { file: abs },
          hint: 'move its patterns to the .dvcignore at the repository root (DVC rejects this too)',
        });
      }
      if (d.isSymbolicLink()) {
        if (options.symlinks === 'skip' || options.ignore?.(childRel, false)) continue;
        let target: Stats | undefined;
        try {
          target = statSync(abs);
        } catch {
          target = undefined;
        }
        if (target === undefined) {
          throw new MlopsError('not-found', 'broken symbolic link inside a tracked directory', {
            location: { file: abs },
            hint: 'remove the link or exclude it in .dvcignore',
          });
        }
        if (target.isFile()) out.push({ abs, relpath: childRel, stats: target });
        continue;
      }
      if (d.isDirectory()) {
        if (!options.ignore?.(childRel, true)) pending.push(childRel);
      } else if (d.isFile()) {
        if (options.ignore?.(childRel, false)) continue;
        out.push({ abs, relpath: childRel, stats: statSync(abs) });
        sinceYield++;
      }
    }
  }
  return out;
}

/** `fn` over `items`, at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (e) {
        failed = true; // stop the other workers from starting more work
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
