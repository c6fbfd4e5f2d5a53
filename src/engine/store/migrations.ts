/**
 * Forward-only schema migrations. Append new entries; never edit or reorder a released one.
 * `version` is recorded in `PRAGMA user_version` and in `schema_migrations`.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'workspace meta and activity log',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      CREATE TABLE activity (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,             -- ISO-8601 UTC
        origin  TEXT NOT NULL,             -- 'extension' | 'cli' | 'test' ...
        actor   TEXT,                      -- git user.email when known
        action  TEXT NOT NULL,
        detail  TEXT                       -- JSON
      ) STRICT;
      CREATE INDEX activity_at ON activity(at);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
