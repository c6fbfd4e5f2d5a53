/**
 * Our own stat cache (formats.md A.13 forbids writing DVC's): (absolute path, inode, size,
 * mtime) → md5 in the store's `file_state` table, so an unchanged file is never read twice.
 * Lookups hit an in-memory map first (a long-lived extension process stays warm); a folder's
 * rows are loaded in one range query; writes are batched into one transaction.
 */
import { promises as fs } from 'node:fs';
import type { Stats } from 'node:fs';
import type { Store } from '../store/store.ts';
import { hashFile } from './hash.ts';
import type { HashAlgorithm } from './hash.ts';
import type { FileHasher } from './manifest.ts';

/**
 * A file modified again within the filesystem's timestamp granularity after we hashed it would
 * keep its mtime; remembering hashes of very fresh files could then hide that change (git's
 * "racy" entries). Fresh files are simply hashed again next time.
 */
const RACY_MS = 2000;
const FLUSH_AT = 5000;

export interface TreeState {
  fingerprint: string;
  oid: string;
  size: number;
  nfiles: number;
}

interface Row {
  key: string;
  md5: string;
}

/** Identity of a file's content as far as stat can tell (mtime as integer ns derived from mtimeMs). */
export function statKey(st: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>): { ino: number; size: number; mtimeNs: number; key: string } {
  const mtimeNs = Math.round(st.mtimeMs * 1e6);
  return { ino: st.ino, size: st.size, mtimeNs, key: `${st.ino}:${st.size}:${mtimeNs}` };
}

/** md5-dos2unix values get their own key space: the table has no algorithm column. */
function stateKeyPath(abs: string, algorithm: HashAlgorithm): string {
  return algorithm === 'md5' ? abs : `md5-dos2unix:${abs}`;
}

export class StateCache {
  private readonly store: Store;
  private readonly mem = new Map<string, Row>();
  private readonly loaded = new Set<string>();
  private pending: Array<[string, number, number, number, string]> = [];
  private readonly trees = new Map<string, TreeState | null>();
  hits = 0;
  misses = 0;

  constructor(store: Store) {
    this.store = store;
  }

  /** Load every row under `dir` (absolute) into memory with one query. */
  preload(dir: string): void {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    if (this.loaded.has(prefix)) return;
    // '0' follows '/' in byte order, so [prefix, prefix with '0' for '/') is exactly the subtree.
    const upper = `${prefix.slice(0, -1)}0`;
    const rows = this.store.db
      .prepare('SELECT path, inode, size, mtime_ns, md5 FROM file_state WHERE path >= ? AND path < ?')
      .raw(true)
      .all(prefix, upper) as Array<[string, number, number, number, string]>;
    for (const [p, ino, size, mtimeNs, md5] of rows) {
      if (!this.mem.has(p)) this.mem.set(p, { key: `${ino}:${size}:${mtimeNs}`, md5 });
    }
    this.loaded.add(prefix);
  }

  private coveredByPreload(p: string): boolean {
    for (const prefix of this.loaded) if (p.startsWith(prefix)) return true;
    return false;
  }

  /** The remembered hash when the file still has the stat identity it had when hashed. */
  get(abs: string, st: Stats, algorithm: HashAlgorithm = 'md5'): string | undefined {
    const p = stateKeyPath(abs, algorithm);
    let row = this.mem.get(p);
    if (!row && !this.coveredByPreload(p)) {
      const r = this.store.db.prepare('SELECT inode, size, mtime_ns, md5 FROM file_state WHERE path = ?').raw(true).get(p) as
        | [number, number, number, string]
        | undefined;
      if (r) {
        row = { key: `${r[0]}:${r[1]}:${r[2]}`, md5: r[3] };
        this.mem.set(p, row);
      }
    }
    if (row && row.key === statKey(st).key) {
      this.hits++;
      return row.md5;
    }
    this.misses++;
    return undefined;
  }

  /** Remember a hash for this stat identity (skipped for files modified in the last moments). */
  set(abs: string, st: Stats, md5: string, algorithm: HashAlgorithm = 'md5'): void {
    if (Date.now() - st.mtimeMs < RACY_MS) return;
    const p = stateKeyPath(abs, algorithm);
    const k = statKey(st);
    const row = this.mem.get(p);
    if (row && row.key === k.key && row.md5 === md5) return;
    this.mem.set(p, { key: k.key, md5 });
    this.pending.push([p, k.ino, k.size, k.mtimeNs, md5]);
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  /** Write remembered hashes in one transaction. */
  flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    const now = new Date().toISOString();
    this.store.write((db) => {
      const stmt = db.prepare(`INSERT INTO file_state(path, inode, size, mtime_ns, md5, checked_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(path) DO UPDATE SET inode = excluded.inode, size = excluded.size, mtime_ns = excluded.mtime_ns, md5 = excluded.md5, checked_at = excluded.checked_at`);
      // mtime in ns exceeds 2^53; BigInt keeps the integer exact on the way into SQLite.
      for (const [p, ino, size, mtimeNs, md5] of rows) stmt.run(p, BigInt(ino), size, BigInt(mtimeNs), md5, now);
    });
  }

  /**
   * A folder's hash as of a fingerprint of all its files' stat identities (dirScan). Kept in the
   * store's `meta` table (`versioning.tree:<algorithm>:<path>`): one row answers a whole tree.
   */
  treeGet(abs: string, algorithm: HashAlgorithm): TreeState | undefined {
    const key = `versioning.tree:${algorithm}:${abs}`;
    let t = this.trees.get(key);
    if (t === undefined) {
      const raw = this.store.getMeta(key);
      t = raw === undefined ? null : (JSON.parse(raw) as TreeState);
      this.trees.set(key, t);
    }
    return t ?? undefined;
  }

  /** Remember a folder's hash, unless a file in it is too fresh to trust its mtime (see RACY_MS). */
  treeSet(abs: string, algorithm: HashAlgorithm, tree: TreeState, files: ReadonlyArray<{ stats: Stats }>): void {
    const now = Date.now();
    if (files.some((f) => now - f.stats.mtimeMs < RACY_MS)) return;
    const key = `versioning.tree:${algorithm}:${abs}`;
    const prev = this.trees.get(key);
    if (prev && prev.fingerprint === tree.fingerprint && prev.oid === tree.oid) return;
    this.trees.set(key, tree);
    this.store.setMeta(key, JSON.stringify(tree));
  }

  /** Forget a path (and everything under it when it was a folder). */
  forget(abs: string): void {
    for (const p of [...this.mem.keys()]) if (p === abs || p.startsWith(`${abs}/`)) this.mem.delete(p);
    for (const k of [...this.trees.keys()]) if (k.endsWith(`:${abs}`)) this.trees.delete(k);
  }

  /** Hash a file, reading it only when its stat identity is unknown. */
  async hash(abs: string, st?: Stats, algorithm: HashAlgorithm = 'md5'): Promise<string> {
    const stats = st ?? (await fs.stat(abs));
    const known = this.get(abs, stats, algorithm);
    if (known) return known;
    const md5 = await hashFile(abs, algorithm, { size: stats.size });
    // Only remember the hash when the file did not change while it was read.
    const after = await fs.stat(abs);
    if (statKey(after).key === statKey(stats).key) this.set(abs, after, md5, algorithm);
    return md5;
  }

  /** The FileHasher manifests and ObjectCache.putDir take. */
  hasher(algorithm: HashAlgorithm = 'md5'): FileHasher {
    return (abs, _rel, st) => this.hash(abs, st, algorithm);
  }

  /** Drop rows of files that no longer exist (gc). Returns how many were removed. */
  async prune(): Promise<number> {
    this.flush();
    const rows = this.store.db.prepare('SELECT path, inode, size, mtime_ns FROM file_state').raw(true).all() as Array<[string, number, number, number]>;
    const gone: string[] = [];
    for (const [p, ino, size, mtimeNs] of rows) {
      const abs = p.startsWith('md5-dos2unix:') ? p.slice('md5-dos2unix:'.length) : p;
      const st = await fs.stat(abs).catch(() => undefined);
      if (!st || statKey(st).key !== `${ino}:${size}:${mtimeNs}`) gone.push(p);
    }
    if (gone.length > 0) {
      this.store.write((db) => {
        const del = db.prepare('DELETE FROM file_state WHERE path = ?');
        for (const p of gone) del.run(p);
      });
      for (const p of gone) this.mem.delete(p);
    }
    return gone.length;
  }
}
