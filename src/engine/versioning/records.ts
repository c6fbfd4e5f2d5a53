/**
 * The versioning rows of the store (migration 2): `artifacts` (what is or was tracked) and
 * `versions` (every recorded content hash of a path, newest last). Each write is one short
 * transaction so the extension and the CLI can share the file.
 */
import type { Store } from '../store/store.ts';
import type { VersionOrigin, VersionRecord } from './api.ts';

interface VersionRow {
  id: number;
  path: string;
  hash: string;
  size: number;
  nfiles: number | null;
  recorded_at: string;
  origin: string;
  git_commit: string | null;
  git_dirty: number | null;
  actor: string | null;
}

const VERSION_COLUMNS = 'id, path, hash, size, nfiles, recorded_at, origin, git_commit, git_dirty, actor';

function toRecord(r: VersionRow): VersionRecord {
  return {
    id: r.id,
    path: r.path,
    hash: r.hash,
    size: r.size,
    nfiles: r.nfiles,
    recordedAt: r.recorded_at,
    origin: r.origin as VersionOrigin,
    gitCommit: r.git_commit,
    gitDirty: r.git_dirty === null ? null : r.git_dirty !== 0,
    actor: r.actor,
  };
}

export interface ArtifactRow {
  path: string;
  kind: 'file' | 'dir';
  pointer: string | null;
  trackedAt: string;
  untrackedAt: string | null;
}

export interface NewVersion {
  path: string;
  hash: string;
  size: number;
  nfiles: number | null;
  origin: VersionOrigin;
  gitCommit: string | null;
  gitDirty: boolean | null;
  actor: string | null;
}

export class Records {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  upsertArtifact(path: string, kind: 'file' | 'dir', pointer: string | null): void {
    this.store.write((db) =>
      db.prepare(`INSERT INTO artifacts(path, kind, pointer, tracked_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(path) DO UPDATE SET kind = excluded.kind, pointer = excluded.pointer, untracked_at = NULL`)
        .run(path, kind, pointer, new Date().toISOString()),
    );
  }

  markUntracked(path: string): void {
    this.store.write((db) => db.prepare('UPDATE artifacts SET untracked_at = ? WHERE path = ?').run(new Date().toISOString(), path));
  }

  artifacts(): ArtifactRow[] {
    const rows = this.store.db.prepare('SELECT path, kind, pointer, tracked_at, untracked_at FROM artifacts').all() as Array<{
      path: string; kind: 'file' | 'dir'; pointer: string | null; tracked_at: string; untracked_at: string | null;
    }>;
    return rows.map((r) => ({ path: r.path, kind: r.kind, pointer: r.pointer, trackedAt: r.tracked_at, untrackedAt: r.untracked_at }));
  }

  lastVersion(path: string): VersionRecord | undefined {
    const r = this.store.db.prepare(`SELECT ${VERSION_COLUMNS} FROM versions WHERE path = ? ORDER BY id DESC LIMIT 1`).get(path) as VersionRow | undefined;
    return r && toRecord(r);
  }

  insertVersion(v: NewVersion): VersionRecord {
    const recordedAt = new Date().toISOString();
    const info = this.store.write((db) =>
      db.prepare(`INSERT INTO versions(path, hash, size, nfiles, recorded_at, origin, git_commit, git_dirty, actor)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(v.path, v.hash, v.size, v.nfiles, recordedAt, v.origin, v.gitCommit, v.gitDirty === null ? null : v.gitDirty ? 1 : 0, v.actor),
    );
    return { id: Number(info.lastInsertRowid), recordedAt, ...v };
  }

  /** Newest first. */
  history(path: string): VersionRecord[] {
    const rows = this.store.db.prepare(`SELECT ${VERSION_COLUMNS} FROM versions WHERE path = ? ORDER BY id DESC`).all(path) as VersionRow[];
    return rows.map(toRecord);
  }

  /** Per path: number of versions and the newest one, in one query (list() of many artifacts). */
  summaries(): Map<string, { count: number; last: VersionRecord }> {
    const rows = this.store.db.prepare(`SELECT ${VERSION_COLUMNS}, cnt FROM versions v
      JOIN (SELECT path AS p, MAX(id) AS maxid, COUNT(*) AS cnt FROM versions GROUP BY path) m ON v.id = m.maxid`).all() as Array<VersionRow & { cnt: number }>;
    return new Map(rows.map((r) => [r.path, { count: r.cnt, last: toRecord(r) }]));
  }

  /** Every hash any version row refers to (gc keeps them). */
  allHashes(): Set<string> {
    const rows = this.store.db.prepare('SELECT DISTINCT hash FROM versions').raw(true).all() as Array<[string]>;
    return new Set(rows.map((r) => r[0]));
  }
}
