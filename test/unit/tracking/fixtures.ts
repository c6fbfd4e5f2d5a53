/**
 * Our own MLflow and DVCLive fixtures, written the way those tools write them (formats.md A.11,
 * B.2, B.3, B.7): a file store tree with PyYAML-style meta.yaml files, and SQLite databases with
 * the post-3.10 tracking schema or an older revision (no latest_metrics, no workspace, no
 * deleted_time), so the readers are tested on real files rather than mocks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSqlite } from '../../../src/engine/store/native.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { tempDir } from '../helpers/tmp.ts';

export { tempDir };

export function write(root: string, rel: string, content: string): string {
  const abs = path.join(root, ...rel.split('/'));
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, content);
  return abs;
}

export function openStore(root: string): Store {
  return Store.open(root, { origin: 'test' });
}

export interface FsRun {
  id: string;
  name?: string;
  status?: number | string;
  start?: number;
  end?: number | null;
  lifecycle?: 'active' | 'deleted';
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** key → lines as MLflow writes them: "<ts> <value> <step>". */
  metrics?: Record<string, string[]>;
  /** Replace meta.yaml with this text (corrupt input). */
  rawMeta?: string;
}

export interface FsExperiment {
  id: string;
  name: string;
  lifecycle?: 'active' | 'deleted';
  rawMeta?: string;
  runs: FsRun[];
}

/** `mlruns/` as MLflow's FileStore writes it (keys with `/` become nested files). */
export function writeFileStore(dir: string, experiments: FsExperiment[]): void {
  for (const exp of experiments) {
    const expDir = path.join(dir, exp.id);
    write(expDir, 'meta.yaml', exp.rawMeta ?? [
      `artifact_location: file://${expDir}`,
      'creation_time: 1721450907221',
      `experiment_id: '${exp.id}'`,
      'last_update_time: 1721450907221',
      `lifecycle_stage: ${exp.lifecycle ?? 'active'}`,
      `name: ${exp.name}`,
      '',
    ].join('\n'));
    for (const run of exp.runs) {
      const runDir = path.join(expDir, run.id);
      write(runDir, 'meta.yaml', run.rawMeta ?? [
        `artifact_uri: file://${runDir}/artifacts`,
        `end_time: ${run.end === undefined ? 1721450990000 : run.end === null ? 'null' : run.end}`,
        "entry_point_name: ''",
        `experiment_id: '${exp.id}'`,
        `lifecycle_stage: ${run.lifecycle ?? 'active'}`,
        `run_id: ${run.id}`,
        `run_name: ${run.name ?? 'wistful-ant-659'}`,
        `run_uuid: ${run.id}`,
        "source_name: ''",
        'source_type: 4',
        "source_version: ''",
        `start_time: ${run.start ?? 1721450907221}`,
        `status: ${run.status ?? 3}`,
        'tags: []',
        'user_id: alice',
        '',
      ].join('\n'));
      for (const [k, v] of Object.entries(run.params ?? {})) write(runDir, `params/${k}`, v);
      for (const [k, v] of Object.entries(run.tags ?? {})) write(runDir, `tags/${k}`, v);
      for (const [k, lines] of Object.entries(run.metrics ?? {})) write(runDir, `metrics/${k}`, lines.map((l) => `${l}\n`).join(''));
      mkdirSync(path.join(runDir, 'artifacts'), { recursive: true });
    }
  }
}

/** The SQLite tracking tables of MLflow after 3.10 (workspace columns), or an older revision. */
export function mlflowSchema(variant: 'current' | 'old'): string {
  const current = variant === 'current';
  return `
    CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
    CREATE TABLE experiments (
      experiment_id INTEGER NOT NULL, name VARCHAR(256) NOT NULL, artifact_location VARCHAR(256),
      lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT
      ${current ? ", workspace VARCHAR(63) DEFAULT 'default' NOT NULL" : ''},
      CONSTRAINT experiment_pk PRIMARY KEY (experiment_id),
      CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')));
    CREATE TABLE experiment_tags (key VARCHAR(250) NOT NULL, value VARCHAR(5000), experiment_id INTEGER NOT NULL,
      CONSTRAINT experiment_tag_pk PRIMARY KEY (key, experiment_id), FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id));
    CREATE TABLE runs (
      run_uuid VARCHAR(32) NOT NULL, name VARCHAR(250), source_type VARCHAR(20), source_name VARCHAR(500),
      entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9), start_time BIGINT, end_time BIGINT,
      source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER
      ${current ? ', deleted_time BIGINT' : ''},
      CONSTRAINT run_pk PRIMARY KEY (run_uuid),
      CONSTRAINT status CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')),
      FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id));
    CREATE TABLE metrics (
      key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL,
      step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL,
      CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan),
      FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
    ${current ? `CREATE TABLE latest_metrics (
      key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL, is_nan BOOLEAN NOT NULL,
      run_uuid VARCHAR(32) NOT NULL, CONSTRAINT latest_metric_pk PRIMARY KEY (key, run_uuid),
      FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));` : ''}
    CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(${current ? 8000 : 500}) NOT NULL, run_uuid VARCHAR(32) NOT NULL,
      CONSTRAINT param_pk PRIMARY KEY (key, run_uuid), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
    CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL,
      CONSTRAINT tag_pk PRIMARY KEY (key, run_uuid), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
    ${current ? `CREATE TABLE logged_models (model_id VARCHAR(36) NOT NULL PRIMARY KEY, experiment_id INTEGER NOT NULL, name VARCHAR(500) NOT NULL);
      CREATE TABLE workspaces (name VARCHAR(63) NOT NULL PRIMARY KEY, description VARCHAR(1000));
      INSERT INTO workspaces(name) VALUES ('default');` : ''}
    INSERT INTO alembic_version VALUES ('${current ? '1b5f0d9ad7c1' : '451aebb31d03'}');
  `;
}

export interface SqlRun {
  uuid: string;
  experimentId: number | bigint;
  name?: string | null;
  status?: string;
  start?: number;
  end?: number | null;
  lifecycle?: 'active' | 'deleted';
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** key → [step, value, timestamp] points; value may be NaN/±Infinity and is encoded as MLflow does. */
  metrics?: Record<string, Array<[number, number, number]>>;
}

const SQL_MAX = 1.7976931348623157e308;

/** A mlflow.db with experiments and runs, encoded as MLflow's SQLAlchemy store writes them. */
export function writeMlflowDb(file: string, variant: 'current' | 'old', experiments: Array<{ id: number | bigint; name: string; lifecycle?: string }>, runs: SqlRun[]): void {
  const Database = loadSqlite();
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.exec(mlflowSchema(variant));
    const insExp = db.prepare('INSERT INTO experiments(experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, 0, 0)');
    for (const e of experiments) insExp.run(e.id, e.name, `mlflow-artifacts:/${e.id}`, e.lifecycle ?? 'active');
    const insRun = db.prepare(`INSERT INTO runs(run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time,
      source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, 'LOCAL', '', '', 'alice', ?, ?, ?, '', ?, ?, ?)`);
    const insParam = db.prepare('INSERT INTO params(key, value, run_uuid) VALUES (?, ?, ?)');
    const insTag = db.prepare('INSERT INTO tags(key, value, run_uuid) VALUES (?, ?, ?)');
    const insMetric = db.prepare('INSERT INTO metrics(key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)');
    const insLatest = variant === 'current' ? db.prepare('INSERT INTO latest_metrics(key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)') : undefined;
    const enc = (v: number): [number, number] => (Number.isNaN(v) ? [0, 1] : v === Infinity ? [SQL_MAX, 0] : v === -Infinity ? [-SQL_MAX, 0] : [v, 0]);
    for (const r of runs) {
      insRun.run(r.uuid, r.name === undefined ? 'run' : r.name, r.status ?? 'FINISHED', r.start ?? 1721450907221, r.end === undefined ? 1721450990000 : r.end,
        r.lifecycle ?? 'active', `mlflow-artifacts:/${r.experimentId}/${r.uuid}/artifacts`, r.experimentId);
      for (const [k, v] of Object.entries(r.params ?? {})) insParam.run(k, v, r.uuid);
      for (const [k, v] of Object.entries(r.tags ?? {})) insTag.run(k, v, r.uuid);
      for (const [k, pts] of Object.entries(r.metrics ?? {})) {
        for (const [step, value, ts] of pts) {
          const [v, nan] = enc(value);
          insMetric.run(k, v, ts, r.uuid, step, nan);
        }
        const last = [...pts].sort((a, b) => a[0] - b[0] || a[2] - b[2]).pop();
        if (last && insLatest) {
          const [v, nan] = enc(last[1]);
          insLatest.run(k, v, last[2], last[0], nan, r.uuid);
        }
      }
    }
  } finally {
    db.close();
  }
}

export function writeDvcLive(dir: string, o: { params?: string; metrics?: string; tsv?: Record<string, string> }): void {
  if (o.params !== undefined) write(dir, 'params.yaml', o.params);
  write(dir, 'metrics.json', o.metrics ?? '{}\n');
  mkdirSync(path.join(dir, 'plots', 'metrics'), { recursive: true });
  for (const [name, text] of Object.entries(o.tsv ?? {})) write(dir, `plots/metrics/${name}.tsv`, text);
}
