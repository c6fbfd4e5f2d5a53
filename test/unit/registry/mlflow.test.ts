// The MLflow registry of an mlflow.db, read-only beside ours: both schema generations (before and
// after the 3.10 workspace columns), deleted versions hidden, run snapshots, and broken or locked
// files reported as problems instead of crashing.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadSqlite } from '../../../src/engine/store/native.ts';
import { readMlflowRegistry } from '../../../src/engine/registry/mlflowRegistry.ts';
import { open, workspace } from './helpers.ts';

const LEGACY = `
CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256) NOT NULL, lifecycle_stage VARCHAR(32));
CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), status VARCHAR(9), start_time BIGINT, end_time BIGINT, experiment_id INTEGER, lifecycle_stage VARCHAR(20));
CREATE TABLE latest_metrics (key VARCHAR(250), value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL, is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32), PRIMARY KEY (key, run_uuid));
CREATE TABLE params (key VARCHAR(250), value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32), PRIMARY KEY (key, run_uuid));
CREATE TABLE tags (key VARCHAR(250), value VARCHAR(8000), run_uuid VARCHAR(32), PRIMARY KEY (key, run_uuid));
CREATE TABLE registered_models (name VARCHAR(256) PRIMARY KEY, creation_time BIGINT, last_updated_time BIGINT, description VARCHAR(5000));
CREATE TABLE model_versions (name VARCHAR(256), version INTEGER, creation_time BIGINT, last_updated_time BIGINT, description VARCHAR(5000), user_id VARCHAR(256), current_stage VARCHAR(20), source VARCHAR(500), run_id VARCHAR(32), status VARCHAR(20), status_message VARCHAR(500), run_link VARCHAR(500), storage_location VARCHAR(500), PRIMARY KEY (name, version));
CREATE TABLE registered_model_tags (key VARCHAR(250), value VARCHAR(5000), name VARCHAR(256), PRIMARY KEY (key, name));
CREATE TABLE model_version_tags (key VARCHAR(250), value TEXT, name VARCHAR(256), version INTEGER, PRIMARY KEY (key, name, version));
CREATE TABLE registered_model_aliases (alias VARCHAR(256), version INTEGER NOT NULL, name VARCHAR(256), PRIMARY KEY (name, alias));
INSERT INTO experiments VALUES (1, 'churn', 'active');
INSERT INTO runs VALUES ('abc123', 'bright-fox', 'FINISHED', 1714557600000, 1714557660000, 1, 'active');
INSERT INTO latest_metrics VALUES ('rmse', 0.5, 0, 3, 0, 'abc123'), ('odd', 0, 0, 3, 1, 'abc123'), ('big', 1.7976931348623157e308, 0, 3, 0, 'abc123');
INSERT INTO params VALUES ('alpha', '0.1', 'abc123');
INSERT INTO tags VALUES ('mlflow.source.git.commit', 'deadbeef', 'abc123');
INSERT INTO registered_models VALUES ('wine', 1714557600000, 1714557700000, 'Wine quality');
INSERT INTO registered_model_tags VALUES ('task', 'regression', 'wine');
INSERT INTO model_versions VALUES ('wine', 1, 1714557600000, 1714557600000, '', 'ann', 'Archived', 'mlflow-artifacts:/1/abc123/artifacts/model', 'abc123', 'READY', NULL, NULL, NULL);
INSERT INTO model_versions VALUES ('wine', 2, 1714557650000, 1714557650000, 'better', 'ann', 'Production', 'models:/m-1', 'abc123', 'READY', NULL, NULL, NULL);
INSERT INTO model_versions VALUES ('wine', 3, 1714557660000, 1714557660000, '', 'ann', 'Deleted_Internal', '', NULL, 'READY', NULL, NULL, NULL);
INSERT INTO model_version_tags VALUES ('validated', 'yes', 'wine', 2);
INSERT INTO registered_model_aliases VALUES ('champion', 2, 'wine');
`;

function makeDb(file: string, sql: string): void {
  const Database = loadSqlite();
  const db = new Database(file);
  db.exec(sql);
  db.close();
}

test('MLflow registry (pre-3.10 schema): models, versions with stage and aliases, run snapshot; deleted versions hidden', () => {
  const dir = workspace();
  const file = path.join(dir, 'mlflow.db');
  makeDb(file, LEGACY);
  const { models, problems } = readMlflowRegistry(file, 'mlflow.db');
  assert.deepEqual(problems, []);
  assert.equal(models.length, 1);
  const m = models[0]!;
  assert.deepEqual([m.id, m.name, m.readOnly, m.description, m.tags, m.aliases, m.versionCount, m.latestVersion], ['mlflow:wine', 'wine', true, 'Wine quality', { task: 'regression' }, { champion: 2 }, 2, 2]);
  assert.deepEqual(m.stages, { Archived: [1], Production: [2] });
  const v2 = m.versions.find((v) => v.version === 2)!;
  assert.deepEqual([v2.stage, v2.aliases, v2.tags, v2.createdBy, v2.sourceUri, v2.description], ['Production', ['champion'], { validated: 'yes' }, 'ann', 'models:/m-1', 'better']);
  assert.equal(v2.lineage.runId, 'mlflow:1/abc123');
  assert.equal(v2.lineage.gitCommit, 'deadbeef');
  assert.equal(v2.lineage.metrics.rmse, 0.5);
  assert.ok(Number.isNaN(v2.lineage.metrics.odd), 'is_nan = 1 is NaN');
  assert.equal(v2.lineage.metrics.big, Infinity, 'the SQL stand-in for +inf');
  assert.deepEqual(v2.lineage.params, { alpha: '0.1' });
  assert.equal(v2.createdAt, '2024-05-01T10:00:50.000Z');
});

test('MLflow registry (3.10+ workspace columns): only the default workspace', () => {
  const dir = workspace();
  const file = path.join(dir, 'mlflow.db');
  makeDb(file, `
CREATE TABLE registered_models (workspace VARCHAR(63) NOT NULL DEFAULT 'default', name VARCHAR(256), creation_time BIGINT, last_updated_time BIGINT, description VARCHAR(5000), PRIMARY KEY (workspace, name));
CREATE TABLE model_versions (workspace VARCHAR(63) NOT NULL DEFAULT 'default', name VARCHAR(256), version INTEGER, creation_time BIGINT, last_updated_time BIGINT, description VARCHAR(5000), user_id VARCHAR(256), current_stage VARCHAR(20), source VARCHAR(500), run_id VARCHAR(32), status VARCHAR(20), status_message VARCHAR(500), run_link VARCHAR(500), storage_location VARCHAR(500), PRIMARY KEY (workspace, name, version));
CREATE TABLE registered_model_aliases (workspace VARCHAR(63) NOT NULL DEFAULT 'default', name VARCHAR(256), alias VARCHAR(256), version INTEGER NOT NULL, PRIMARY KEY (workspace, name, alias));
INSERT INTO registered_models VALUES ('default', 'iris', 1, 2, NULL), ('team-b', 'iris', 1, 2, 'other workspace');
INSERT INTO model_versions VALUES ('default', 'iris', 1, 1, 1, NULL, NULL, 'None', 's3://b/m', NULL, 'READY', NULL, NULL, NULL), ('team-b', 'iris', 1, 1, 1, NULL, NULL, 'Production', 's3://x', NULL, 'READY', NULL, NULL, NULL);
INSERT INTO registered_model_aliases VALUES ('default', 'iris', 'staging', 1), ('team-b', 'iris', 'champion', 1);
`);
  const { models, problems } = readMlflowRegistry(file, 'mlflow.db');
  assert.deepEqual(problems, []);
  assert.deepEqual(models.map((m) => [m.name, m.description, m.aliases, m.stages]), [['iris', '', { staging: 1 }, { None: [1] }]]);
  assert.equal(models[0]!.versions[0]!.lineage.runId, null);
});

test('broken, unfamiliar and locked mlflow.db files are problems; our registry keeps working beside them', async () => {
  const dir = workspace({ 'm.bin': 'x' });
  const garbage = path.join(dir, 'garbage.db');
  writeFileSync(garbage, 'this is not sqlite at all, just text that is long enough to have a header');
  assert.match(readMlflowRegistry(garbage, 'garbage.db').problems[0]!.message, /garbage\.db could not be read as an MLflow registry/);
  const odd = path.join(dir, 'odd.db');
  makeDb(odd, 'CREATE TABLE registered_models (id INTEGER); CREATE TABLE model_versions (id INTEGER);');
  assert.match(readMlflowRegistry(odd, 'odd.db').problems[0]!.message, /registered_models has no 'name' column \(unfamiliar schema\)/);
  assert.deepEqual(readMlflowRegistry(path.join(dir, 'none.db'), 'none.db').problems.map((p) => p.message), ['none.db does not exist']);

  // A writer holding an exclusive lock (an MLflow server mid-migration, say).
  const locked = path.join(dir, 'mlflow.db');
  makeDb(locked, LEGACY);
  const Database = loadSqlite();
  const holder = new Database(locked);
  holder.pragma('locking_mode = EXCLUSIVE');
  holder.exec('BEGIN EXCLUSIVE; UPDATE registered_models SET description = description; ');
  try {
    const started = Date.now();
    const r = readMlflowRegistry(locked, 'mlflow.db');
    assert.match(r.problems[0]?.message ?? '', /mlflow\.db is locked by another process/);
    assert.ok(Date.now() - started < 10_000);
    // The registry service shows the problem and still serves our models.
    const { registry } = await open(dir);
    await registry.register({ model: 'ours', path: 'm.bin' });
    assert.deepEqual(registry.list().map((m) => m.id), ['ours']);
    assert.match(registry.problems().map((p) => p.message).join('\n'), /locked/);
    holder.exec('COMMIT');
    holder.close();
    await registry.refresh();
    assert.deepEqual(registry.list().map((m) => m.id), ['ours', 'mlflow:wine']);
    assert.deepEqual(registry.problems(), []);
    assert.equal(registry.show('mlflow:wine').versions.length, 2);
    assert.equal(registry.getVersion('mlflow:wine', 'champion').version, 2);
    await assert.rejects(registry.delete('mlflow:wine', 2), /not a valid model name|read-only/);
  } finally {
    if (holder.open) holder.close();
  }
});
