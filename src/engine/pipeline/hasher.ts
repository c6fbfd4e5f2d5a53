/**
 * Hashing of dependencies and outputs, behind an interface so the versioning state cache
 * ((inode, size, mtime) → md5) can answer without reading unchanged files.
 */
import { statSync } from 'node:fs';
import { hashFile } from '../versioning/hash.ts';
import type { HashAlgorithm } from '../versioning/hash.ts';
import { buildManifest } from '../versioning/manifest.ts';
import type { DirInfo } from '../versioning/manifest.ts';

export interface PathHash {
  /** md5 hex; directories end in `.dir`. */
  hash: string;
  size: number;
  /** Directories only. */
  nfiles?: number;
  isDir: boolean;
  /** Files with an execute bit (recorded as `isexec: true`, POSIX only). */
  isexec?: boolean;
  /** Directory entries, when the hasher has them (used to check the cache without re-reading). */
  entries?: DirInfo['entries'];
}

export interface Hasher {
  /**
   * Hash a file or directory as DVC records it. `algorithm` is `md5` (DVC 3) unless a legacy
   * lock entry asks for `md5-dos2unix`. Resolves to null when the path does not exist.
   */
  hashPath(absPath: string, algorithm?: HashAlgorithm): Promise<PathHash | null>;
}

const EXEC_BITS = 0o111;

// Synchronous: one stat is cheaper than the thread-pool round trip an asynchronous one costs.
async function statOrNull(p: string): Promise<import('node:fs').Stats | null> {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

/** Reads every byte every time: md5File for files, buildManifest for directories. */
export class DefaultHasher implements Hasher {
  async hashPath(absPath: string, algorithm: HashAlgorithm = 'md5'): Promise<PathHash | null> {
    const st = await statOrNull(absPath);
    if (!st) return null;
    if (st.isDirectory()) {
      const info = await buildManifest(absPath, { algorithm });
      return { hash: info.oid, size: info.size, nfiles: info.nfiles, isDir: true, entries: info.entries };
    }
    const hash = await hashFile(absPath, algorithm, { size: st.size });
    const isexec = process.platform !== 'win32' && (st.mode & EXEC_BITS) !== 0;
    return { hash, size: st.size, isDir: false, ...(isexec ? { isexec } : {}) };
  }
}

/**
 * Remembers answers for one snapshot of the workspace (one status computation), so a file
 * several stages depend on is hashed once. Never keep one across a stage run.
 */
export class MemoHasher implements Hasher {
  private readonly inner: Hasher;
  private readonly memo = new Map<string, Promise<PathHash | null>>();

  constructor(inner: Hasher) {
    this.inner = inner;
  }

  hashPath(absPath: string, algorithm: HashAlgorithm = 'md5'): Promise<PathHash | null> {
    const key = `${algorithm}\0${absPath}`;
    let p = this.memo.get(key);
    if (!p) {
      p = this.inner.hashPath(absPath, algorithm);
      this.memo.set(key, p);
    }
    return p;
  }
}

/** The subset of the versioning state cache a hasher needs ((inode, size, mtime) → md5). */
export interface FileStateCache {
  hash(abs: string, st?: import('node:fs').Stats, algorithm?: HashAlgorithm): Promise<string>;
  flush(): void;
}

/**
 * Like DefaultHasher, but asks the state cache first, so an unchanged file is only stat'ed:
 * a no-op status costs a walk of the tree, not a read of every byte.
 */
export class StateCacheHasher implements Hasher {
  private readonly state: FileStateCache;

  constructor(state: FileStateCache) {
    this.state = state;
  }

  async hashPath(absPath: string, algorithm: HashAlgorithm = 'md5'): Promise<PathHash | null> {
    const st = await statOrNull(absPath);
    if (!st) return null;
    try {
      if (st.isDirectory()) {
        const info = await buildManifest(absPath, { algorithm, hashFile: (abs, _rel, s) => this.state.hash(abs, s, algorithm) });
        return { hash: info.oid, size: info.size, nfiles: info.nfiles, isDir: true, entries: info.entries };
      }
      const hash = await this.state.hash(absPath, st, algorithm);
      const isexec = process.platform !== 'win32' && (st.mode & EXEC_BITS) !== 0;
      return { hash, size: st.size, isDir: false, ...(isexec ? { isexec } : {}) };
    } finally {
      this.state.flush();
    }
  }
}
