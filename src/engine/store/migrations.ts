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
  {
    version: 2,
    name: 'versioning: artifacts, versions, file hash state',
    sql: `
      CREATE TABLE artifacts (
        path        TEXT PRIMARY KEY,      -- workspace-relative, POSIX separators
        kind        TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
        pointer     TEXT,                  -- the .dvc pointer file, workspace-relative
        tracked_at  TEXT NOT NULL,
        untracked_at TEXT                  -- set by Stop Tracking; history stays
      ) STRICT;
      CREATE TABLE versions (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        path        TEXT NOT NULL,
        hash        TEXT NOT NULL,         -- DVC 3 md5, directories end in .dir
        size        INTEGER NOT NULL,
        nfiles      INTEGER,
        recorded_at TEXT NOT NULL,
        origin      TEXT NOT NULL,         -- watcher | command | cli | pipeline | restore
        git_commit  TEXT,
        git_dirty   INTEGER,
        actor       TEXT
      ) STRICT;
      CREATE INDEX versions_path ON versions(path, id);
      CREATE INDEX versions_hash ON versions(hash);
      -- (inode, size, mtime) -> md5, so unchanged files are never read again
      CREATE TABLE file_state (
        path      TEXT PRIMARY KEY,        -- absolute path
        inode     INTEGER NOT NULL,
        size      INTEGER NOT NULL,
        mtime_ns  INTEGER NOT NULL,
        md5       TEXT NOT NULL,
        checked_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'pipelines: pipeline runs and stage runs',
    sql: `
      CREATE TABLE pipeline_runs (
        id          TEXT PRIMARY KEY,      -- also MLOPS_RUN_ID for the stages it runs
        started_at  TEXT NOT NULL,
        ended_at    TEXT,
        status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'stopped')),
        targets     TEXT NOT NULL,         -- JSON: requested stages and flags
        git_commit  TEXT,
        git_dirty   INTEGER,
        origin      TEXT NOT NULL,         -- extension | cli | task | monitor
        actor       TEXT
      ) STRICT;
      CREATE TABLE stage_runs (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id      TEXT NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
        stage       TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('skipped', 'running', 'succeeded', 'failed', 'stopped', 'not-run')),
        reason      TEXT,                  -- why it ran / was skipped / did not run
        cmd         TEXT,
        started_at  TEXT,
        ended_at    TEXT,
        exit_code   INTEGER,
        duration_ms INTEGER,
        deps        TEXT,                  -- JSON [{path, hash, size, nfiles}]
        outs        TEXT,                  -- JSON [{path, hash, size, nfiles}]
        params      TEXT,                  -- JSON {file: {key: value}}
        log_path    TEXT                   -- captured output, workspace-relative
      ) STRICT;
      CREATE INDEX stage_runs_run ON stage_runs(run_id);
      CREATE INDEX stage_runs_stage ON stage_runs(stage, id);
    `,
  },
  {
    version: 4,
    name: 'drift: reports and per-column scores',
    sql: `
      CREATE TABLE drift_reports (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at      TEXT NOT NULL,
        monitor         TEXT,                -- monitored dataset name from mlops.yaml; NULL for ad-hoc reports
        reference_path  TEXT NOT NULL,
        reference_hash  TEXT,
        current_path    TEXT NOT NULL,
        current_hash    TEXT,
        dataset_drift   INTEGER NOT NULL,
        drift_share     REAL NOT NULL,       -- share of drifted columns
        threshold       REAL NOT NULL,       -- dataset drift when drift_share >= threshold
        drifted_columns INTEGER NOT NULL,
        total_columns   INTEGER NOT NULL,
        report          TEXT NOT NULL        -- JSON: aggregates and histograms only, never raw rows
      ) STRICT;
      CREATE INDEX drift_reports_monitor ON drift_reports(monitor, id);
      CREATE UNIQUE INDEX drift_reports_batch ON drift_reports(monitor, current_path, current_hash);
      CREATE TABLE drift_column_scores (
        report_id     INTEGER NOT NULL REFERENCES drift_reports(id) ON DELETE CASCADE,
        column_name   TEXT NOT NULL,
        test          TEXT NOT NULL,
        score         REAL,
        threshold     REAL,
        drifted       INTEGER NOT NULL,
        missing_share REAL,
        PRIMARY KEY (report_id, column_name)
      ) STRICT;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
