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
  {
    version: 5,
    name: 'tracking: runs, params, metrics, series',
    sql: `
      -- Our own runs (pipeline runs and JSONL live logging); MLflow and DVCLive are read in place.
      CREATE TABLE runs (
        rid             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: readers cache rid → run
        id              TEXT NOT NULL UNIQUE,  -- native id; the API id is 'mlops:' || id
        origin          TEXT NOT NULL,         -- pipeline | jsonl | api
        experiment      TEXT NOT NULL,
        name            TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
        started_at      TEXT,
        ended_at        TEXT,
        git_commit      TEXT,
        git_dirty       INTEGER,
        tags            TEXT NOT NULL DEFAULT '{}',   -- JSON {key: value}
        inputs          TEXT NOT NULL DEFAULT '[]',   -- JSON [{path, hash, size}]
        outputs         TEXT NOT NULL DEFAULT '[]',
        extra           TEXT NOT NULL DEFAULT '{}',   -- JSON {key: text} for display
        warnings        TEXT NOT NULL DEFAULT '[]',   -- JSON [text]
        pipeline_run_id TEXT REFERENCES pipeline_runs(id) ON DELETE SET NULL,
        seq             INTEGER NOT NULL            -- bumped on every change, so readers reload only what changed
      ) STRICT;
      CREATE INDEX runs_experiment ON runs(experiment, started_at);
      CREATE INDEX runs_seq ON runs(seq);
      CREATE TABLE run_params (
        rid   INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
        key   TEXT NOT NULL,                   -- flattened, dotted
        value TEXT NOT NULL,                   -- JSON scalar, full length
        PRIMARY KEY (rid, key)
      ) STRICT, WITHOUT ROWID;
      -- One row per (run, metric): the latest value, and the id its step series is stored under.
      CREATE TABLE run_metrics (
        series    INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so stale points can never join a new series
        rid       INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
        key       TEXT NOT NULL,
        value     REAL,                        -- NULL = NaN (SQLite stores NaN as NULL); infinities are kept
        step      INTEGER,
        timestamp INTEGER,                     -- ms since the epoch
        UNIQUE (rid, key)
      ) STRICT;
      -- No foreign key here: a parent lookup per point would halve bulk ingest; deleteRun removes points itself.
      CREATE TABLE metric_points (
        series    INTEGER NOT NULL,
        step      INTEGER NOT NULL,
        value     REAL,                        -- NULL = NaN
        timestamp INTEGER,
        PRIMARY KEY (series, step)
      ) STRICT, WITHOUT ROWID;
      -- How far each live metrics.jsonl has been read, so any process can resume the tail exactly once.
      CREATE TABLE run_logs (
        path      TEXT PRIMARY KEY,            -- absolute path of the JSONL file
        rid       INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
        offset    INTEGER NOT NULL,            -- bytes consumed (always at a line boundary)
        line      INTEGER NOT NULL,            -- lines consumed
        next_step INTEGER NOT NULL DEFAULT 0   -- for lines without "step"
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: 'registry: models, versions, aliases, audit',
    sql: `
      CREATE TABLE registered_models (
        name            TEXT PRIMARY KEY,
        description     TEXT NOT NULL DEFAULT '',
        tags            TEXT NOT NULL DEFAULT '{}',   -- JSON {key: value}
        created_at      TEXT NOT NULL,
        created_by      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        next_version    INTEGER NOT NULL DEFAULT 1,   -- version numbers are never reused, even after a delete
        card            TEXT,                         -- model card (Markdown); NULL = generated on demand
        card_updated_at TEXT,
        card_updated_by TEXT
      ) STRICT;
      CREATE TABLE model_versions (
        model         TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE,
        version       INTEGER NOT NULL,
        artifact_path TEXT NOT NULL,                  -- workspace-relative, POSIX separators
        kind          TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
        hash          TEXT NOT NULL,                  -- DVC 3 md5 (.dir for folders); the content is in the cache
        size          INTEGER NOT NULL,
        nfiles        INTEGER,
        stage         TEXT NOT NULL DEFAULT 'None' CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
        description   TEXT NOT NULL DEFAULT '',
        tags          TEXT NOT NULL DEFAULT '{}',     -- JSON {key: value}
        created_at    TEXT NOT NULL,
        created_by    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        run_id        TEXT,                           -- tracking run id ('mlops:…'), NULL when registered by hand
        lineage       TEXT NOT NULL,                  -- JSON: run snapshot, git commit, data hashes, metrics, params
        mlmodel       TEXT,                           -- JSON: flavors and signature of an MLflow MLmodel file
        PRIMARY KEY (model, version)
      ) STRICT;
      CREATE INDEX model_versions_hash ON model_versions(hash);
      CREATE TABLE model_aliases (
        model   TEXT NOT NULL,
        alias   TEXT NOT NULL,
        version INTEGER NOT NULL,
        set_at  TEXT NOT NULL,
        set_by  TEXT NOT NULL,
        PRIMARY KEY (model, alias),                   -- one version per alias per model
        FOREIGN KEY (model, version) REFERENCES model_versions(model, version) ON DELETE CASCADE
      ) STRICT;
      -- Hash-chained: hash = sha256(JCS(entry without hash)), entry includes prev_hash (README, "Audit trail").
      CREATE TABLE registry_audit (
        seq        INTEGER PRIMARY KEY,               -- 1, 2, 3… without gaps
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL,
        origin     TEXT NOT NULL,
        action     TEXT NOT NULL,
        outcome    TEXT NOT NULL,                     -- applied | blocked | refused
        model      TEXT NOT NULL,
        version    INTEGER,
        from_state TEXT,                              -- JSON
        to_state   TEXT,                              -- JSON
        checks     TEXT NOT NULL,                     -- JSON [check results]
        detail     TEXT NOT NULL,                     -- JSON
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL
      ) STRICT;
      CREATE INDEX registry_audit_model ON registry_audit(model, version);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
