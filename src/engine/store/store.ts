import { mkdirSync, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { MlopsError } from '../errors.ts';
import { loadSqlite } from './native.ts';
import { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations.ts';

export type Database = BetterSqlite3.Database;

export const STORE_DIR = '.mlops';
export const STORE_FILE = 'mlops.db';
const SQLITE_MAGIC = 'SQLite format 3\0';

export interface StoreOptions {
  /** Who opens the store, recorded with activity: 'extension', 'cli', 'test'… */
  origin: string;
  /** Open without creating or migrating (e.g. status checks). */
  readonly?: boolean;
  /** ms to wait on a lock held by another process (the extension and the CLI share the file). */
  busyTimeoutMs?: number;
  /** Override the migration list (tests). */
  migrations?: readonly Migration[];
}

export interface ActivityEntry {
  id: number;
  at: string;
  origin: string;
  actor: string | null;
  action: string;
  detail: unknown;
}

export function storePath(workspaceRoot: string): string {
  return path.join(workspaceRoot, STORE_DIR, STORE_FILE);
}

/**
 * The one door to `.mlops/mlops.db`, shared by the extension and the CLI. WAL lets readers and one
 * writer work at once; a busy timeout plus BEGIN IMMEDIATE turns lock contention into waiting
 * instead of "database is locked". A file we did not create, or one from a newer version, is
 * reported and never touched.
 */
export class Store {
  readonly file: string;
  readonly db: Database;
  readonly origin: string;

  private constructor(file: string, db: Database, origin: string) {
    this.file = file;
    this.db = db;
    this.origin = origin;
  }

  static open(workspaceRoot: string, options: StoreOptions): Store {
    return Store.openFile(storePath(workspaceRoot), options);
  }

  static openFile(file: string, options: StoreOptions): Store {
    const migrations = options.migrations ?? MIGRATIONS;
    const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
    const existed = existsSync(file);
    if (existed) assertSqliteFile(file);
    else if (options.readonly) {
      throw new MlopsError('not-initialized', `No MLOps store at ${file}.`, { hint: "Run 'MLOps: Initialize Workspace' or 'mlops init'." });
    } else mkdirSync(path.dirname(file), { recursive: true });

    const Database = loadSqlite();
    let db: Database;
    try {
      db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: existed || Boolean(options.readonly) });
    } catch (e) {
      throw corrupt(file, e);
    }
    try {
      db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > latest) {
        throw new MlopsError(
          'store-newer',
          `${file} has schema version ${version}, but this MLOps Workbench understands up to ${latest}.`,
          { location: { file }, hint: 'It was written by a newer MLOps Workbench: update the extension or the mlops CLI. The file was not modified.' },
        );
      }
      if (!options.readonly) {
        if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        migrate(db, migrations, file);
      }
      return new Store(file, db, options.origin);
    } catch (e) {
      db.close();
      if (e instanceof MlopsError) throw e;
      throw corrupt(file, e);
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** A write transaction that takes the write lock up front, so it never fails half-way on an upgrade. */
  write<T>(fn: (db: Database) => T): T {
    return this.db.transaction(fn).immediate(this.db);
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.write((db) => db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value));
  }

  recordActivity(action: string, detail?: unknown, actor?: string): number {
    const info = this.write((db) =>
      db.prepare('INSERT INTO activity(at, origin, actor, action, detail) VALUES (?, ?, ?, ?, ?)')
        .run(new Date().toISOString(), this.origin, actor ?? null, action, detail === undefined ? null : JSON.stringify(detail)),
    );
    return Number(info.lastInsertRowid);
  }

  recentActivity(limit = 20): ActivityEntry[] {
    const rows = this.db.prepare('SELECT id, at, origin, actor, action, detail FROM activity ORDER BY id DESC LIMIT ?').all(limit) as Array<Omit<ActivityEntry, 'detail'> & { detail: string | null }>;
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Database, migrations: readonly Migration[], file: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  // Another process may migrate at the same moment: take the write lock, then re-read the version.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (const m of migrations) {
      if (m.version <= current) continue;
      try {
        db.exec(m.sql);
      } catch (e) {
        throw new MlopsError('store-corrupt', `Migration ${m.version} (${m.name}) failed on ${file}: ${(e as Error).message}`, {
          location: { file },
          hint: 'Nothing was changed (the migration ran in a transaction). Report this with the log.',
          cause: e,
        });
      }
      db.prepare('INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}

function assertSqliteFile(file: string): void {
  const st = statSync(file);
  if (!st.isFile()) throw new MlopsError('store-corrupt', `${file} is not a file.`, { location: { file }, hint: 'Move it aside, then initialize again.' });
  if (st.size === 0) return; // an empty file is a valid, empty SQLite database
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    readSync(fd, head, 0, 16, 0);
    if (head.toString('latin1') !== SQLITE_MAGIC) {
      throw new MlopsError('store-corrupt', `${file} is not an SQLite database (its header is wrong).`, {
        location: { file },
        hint: `It was left untouched. Move it aside (for example to ${path.basename(file)}.corrupt) and run 'MLOps: Initialize Workspace' to start a new store.`,
      });
    }
  } finally {
    closeSync(fd);
  }
}

function corrupt(file: string, e: unknown): MlopsError {
  const msg = (e as Error)?.message ?? String(e);
  if (/SQLITE_BUSY|database is locked/i.test(msg)) {
    return new MlopsError('store-busy', `${file} stayed locked by another process.`, { location: { file }, hint: 'Another mlops process holds a long write; try again.', cause: e });
  }
  return new MlopsError('store-corrupt', `${file} could not be opened as an MLOps store: ${msg}`, {
    location: { file },
    hint: `It was left untouched. Move it aside (for example to ${path.basename(file)}.corrupt) and run 'MLOps: Initialize Workspace' to start a new store.`,
    cause: e,
  });
}

export { LATEST_SCHEMA_VERSION };
