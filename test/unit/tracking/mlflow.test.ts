import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSqlite } from '../../../src/engine/store/native.ts';
import { MlflowFileSource, latestPoint, parseMetricFile } from '../../../src/engine/tracking/mlflowFiles.ts';
import { MlflowSqlSource, mlflowSqlValue } from '../../../src/engine/tracking/mlflowSql.ts';
import { tempDir, write, writeFileStore, writeMlflowDb } from './fixtures.ts';

const RUN_A = '1c6b2d5b909041df93e6e00b960de019';
const RUN_B = '2d7c3e6ca1a152e0a4f7f11c071ef12a';
const RUN_C = '3e8d4f7db2b263f1b5a8a22d182fa23b';
const RUN_D = '4f9e5a8ec3c374a2c6b9b33e293ab34c';

function fileStore(dir: string): void {
  writeFileStore(dir, [
    {
      id: '606783375233873416', name: 'churn <b>baseline</b>',
      runs: [
        {
          id: RUN_A, name: 'wistful-ant-659', status: 3,
          params: { lr: '0.01', 'opt/name': 'adam', huge: 'y'.repeat(10_000) },
          tags: { 'mlflow.source.git.commit': 'abc123', 'mlflow.runName': 'wistful-ant-659' },
          metrics: {
            loss: ['1721450907221 0.9 0', '1721450907300 0.5 1', '1721450907400 nan 2'],
            'val/acc': ['1721450907221 inf 0', '1721450907222 -inf 1'],
            legacy: ['1721450907221 3.5'],
            mixed: ['1721450907221 1.0 0', 'garbage here', '1721450907229 2.0 1'],
          },
        },
        { id: RUN_B, status: 'RUNNING', end: null, metrics: { loss: ['1721450907221 2.0 0'] } },
        { id: RUN_C, lifecycle: 'deleted', metrics: { loss: ['1721450907221 2.0 0'] } },
        { id: RUN_D, rawMeta: 'run_id: [unclosed\n  : : :', params: { lr: '0.2' } },
      ],
    },
    { id: '0', name: 'Default', runs: [] },
    { id: '7', name: 'gone', lifecycle: 'deleted', runs: [{ id: RUN_A.replace('1', '9'), params: { lr: '1' } }] },
    { id: '8', name: 'x', rawMeta: 'name: [broken', runs: [{ id: RUN_A.replace('1', '8'), metrics: { m: ['1 1 0'] } }] },
  ]);
  write(dir, '.trash/9/meta.yaml', "name: trashed\nexperiment_id: '9'\nlifecycle_stage: deleted\n");
  write(dir, 'models/churn/meta.yaml', 'name: churn\n');
}

test('MLflow metric files: 3 and 2 fields, nan/inf spellings, latest by (step, timestamp, value)', () => {
  const f = parseMetricFile('10 0.5 0\n11 nan 1\n12 inf 2\n13 -inf 2\n14 1e-05\nbad\n', 'metrics/x');
  assert.deepEqual(f.points.map((p) => [p.step, p.value]), [[0, 0.5], [1, NaN], [2, Infinity], [2, -Infinity], [0, 1e-5]]);
  assert.deepEqual(f.warnings, ["metrics/x line 6: expected '<timestamp> <value> <step>', got 'bad'"]);
  assert.equal(latestPoint(f.points)!.value, -Infinity, 'same step: the later timestamp wins');
  assert.equal(mlflowSqlValue(0, 1), NaN);
  assert.equal(mlflowSqlValue(1.7976931348623157e308, 0), Infinity);
  assert.equal(mlflowSqlValue(-1.7976931348623157e308, 0), -Infinity);
});

test('file store: runs with params, tags, nested keys, latest metrics; deleted ones left out; corrupt meta.yaml is a warning', async () => {
  const dir = tempDir();
  fileStore(dir);
  const src = new MlflowFileSource(dir, { root: path.dirname(dir), label: 'mlruns', idPrefix: '' });
  const scan = await src.scan();
  const byId = new Map(scan.runs.map((r) => [r.summary.id, r]));
  const exp = '606783375233873416';
  assert.deepEqual([...byId.keys()].sort(), [`mlflow:${exp}/${RUN_A}`, `mlflow:${exp}/${RUN_B}`, `mlflow:${exp}/${RUN_D}`, `mlflow:8/${RUN_A.replace('1', '8')}`].sort());
  const a = byId.get(`mlflow:${exp}/${RUN_A}`)!.summary;
  assert.equal(a.experiment, 'churn <b>baseline</b>', 'names are kept raw (HTML is escaped by views)');
  assert.equal(a.name, 'wistful-ant-659');
  assert.equal(a.status, 'finished');
  assert.equal(a.startedAt, '2024-07-20T04:48:27.221Z');
  assert.equal(a.gitCommit, 'abc123');
  assert.equal(a.readOnly, true);
  assert.equal(a.params['lr'], '0.01', 'MLflow params stay strings');
  assert.equal(a.params['opt/name'], 'adam');
  assert.equal((a.params['huge'] as string).length, 10_000, 'huge values are kept whole');
  assert.ok(Number.isNaN(a.metrics['loss']));
  assert.equal(a.metrics['val/acc'], -Infinity);
  assert.equal(a.metrics['legacy'], 3.5);
  assert.equal(a.metrics['mixed'], 2);
  assert.deepEqual(a.warnings, ["metrics/mixed line 2: expected '<timestamp> <value> <step>', got 'garbage here'"]);
  assert.equal(byId.get(`mlflow:${exp}/${RUN_B}`)!.summary.status, 'running');
  const d = byId.get(`mlflow:${exp}/${RUN_D}`)!.summary;
  assert.match(d.warnings[0]!, /^meta\.yaml could not be read/);
  assert.equal(d.params['lr'], '0.2', 'the rest of a run with a corrupt meta.yaml still loads');
  assert.equal(d.name, RUN_D);
  assert.equal(scan.problems.length, 1);
  assert.match(scan.problems[0]!.message, /experiment 8: meta\.yaml could not be read/);
  assert.equal(byId.get(`mlflow:8/${RUN_A.replace('1', '8')}`)!.summary.experiment, 'experiment 8');

  const series = byId.get(`mlflow:${exp}/${RUN_A}`)!.loadSeries();
  assert.deepEqual(series['loss']!.map((p) => p.step), [0, 1, 2]);
  assert.equal(series['loss']![1]!.timestamp, 1721450907300);
  assert.deepEqual(Object.keys(byId.get(`mlflow:${exp}/${RUN_A}`)!.loadSeries(['val/acc'])), ['val/acc']);

  // Unchanged files: the cached result; a running run appending a point: rescanned.
  assert.equal((await src.scan()).changed, false);
  appendFileSync(path.join(dir, exp, RUN_B, 'metrics', 'loss'), '1721450907999 1.5 1\n');
  const again = await src.scan();
  assert.equal(again.changed, true);
  assert.equal(again.runs.find((r) => r.summary.id.endsWith(RUN_B))!.summary.metrics['loss'], 1.5);
  // A run deleted in MLflow (meta.yaml rewritten) disappears.
  const metaA = path.join(dir, exp, RUN_A, 'meta.yaml');
  writeFileSync(metaA, `run_id: ${RUN_A}\nlifecycle_stage: deleted\nstatus: 3\n`);
  utimesSync(metaA, new Date(), new Date(Date.now() + 5000));
  assert.ok(!(await src.scan()).runs.some((r) => r.summary.id.endsWith(RUN_A)));
  rmSync(dir, { recursive: true });
  const gone = await src.scan();
  assert.equal(gone.runs.length, 0);
  assert.match(gone.problems[0]!.message, /cannot read the MLflow store/);
});

function sqlFixture(file: string, variant: 'current' | 'old'): void {
  writeMlflowDb(file, variant, [
    { id: 0, name: 'Default' },
    { id: 1, name: 'churn' },
    { id: 2, name: 'old', lifecycle: 'deleted' },
  ], [
    {
      uuid: RUN_A, experimentId: 1, name: 'bright-owl', params: { lr: '0.01', note: '<script>x</script>' },
      tags: { 'mlflow.source.git.commit': 'def456' },
      metrics: { loss: [[0, 0.9, 100], [1, 0.4, 200], [2, NaN, 300]], acc: [[0, Infinity, 100], [5, 0.8, 150]], inf: [[0, -Infinity, 1]] },
    },
    { uuid: RUN_B, experimentId: 1, name: null, status: 'FAILED', tags: { 'mlflow.runName': 'tagged-name' }, metrics: { loss: [[0, 2, 1]] } },
    { uuid: RUN_C, experimentId: 1, lifecycle: 'deleted' },
    { uuid: RUN_D, experimentId: 2 },
  ]);
}

for (const variant of ['current', 'old'] as const) {
  test(`mlflow.db (${variant} schema): runs, params, tags, latest metrics with NaN/±inf decoding; deleted left out`, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mlflow.db');
    sqlFixture(file, variant);
    const src = new MlflowSqlSource(file, { label: 'mlflow.db', idPrefix: 'mlflow.db:' });
    const scan = await src.scan();
    assert.deepEqual(scan.problems, []);
    assert.deepEqual(scan.runs.map((r) => r.summary.id).sort(), [`mlflow:mlflow.db:1/${RUN_A}`, `mlflow:mlflow.db:1/${RUN_B}`]);
    const a = scan.runs.find((r) => r.summary.id.endsWith(RUN_A))!;
    assert.equal(a.summary.experiment, 'churn');
    assert.equal(a.summary.name, 'bright-owl');
    assert.equal(a.summary.params['note'], '<script>x</script>');
    assert.equal(a.summary.gitCommit, 'def456');
    assert.ok(Number.isNaN(a.summary.metrics['loss']), 'latest loss (step 2) is NaN');
    assert.equal(a.summary.metrics['acc'], 0.8);
    assert.equal(a.summary.metrics['inf'], -Infinity);
    assert.equal(a.extra['schemaRevision'], variant === 'current' ? '1b5f0d9ad7c1' : '451aebb31d03');
    const b = scan.runs.find((r) => r.summary.id.endsWith(RUN_B))!.summary;
    assert.equal(b.status, 'failed');
    assert.equal(b.name, 'tagged-name', 'name falls back to the mlflow.runName tag');
    const series = a.loadSeries();
    assert.deepEqual(series['loss']!.map((p) => [p.step, p.timestamp]), [[0, 100], [1, 200], [2, 300]]);
    assert.equal(series['acc']![0]!.value, Infinity);
    assert.equal((await src.scan()).changed, false, 'unchanged file: cached');
  });
}

test('mlflow.db: experiment ids beyond 2^53 stay exact; a locked db is a problem and keeps the last runs; garbage is reported', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'mlflow.db');
  writeMlflowDb(file, 'current', [{ id: 606783375233873416n, name: 'big' }], [{ uuid: RUN_A, experimentId: 606783375233873416n, metrics: { m: [[0, 1, 1]] } }]);
  const src = new MlflowSqlSource(file, { label: 'mlflow.db', idPrefix: '' , busyTimeoutMs: 50 });
  assert.equal((await src.scan()).runs[0]!.summary.id, `mlflow:606783375233873416/${RUN_A}`);

  const Database = loadSqlite();
  const writer = new Database(file);
  try {
    writer.prepare('INSERT INTO params(key, value, run_uuid) VALUES (?, ?, ?)').run('k', 'v', RUN_A); // changes the mtime
    writer.exec('BEGIN EXCLUSIVE');
    writer.prepare('INSERT INTO params(key, value, run_uuid) VALUES (?, ?, ?)').run('k2', 'v', RUN_A);
    const locked = await src.scan();
    assert.equal(locked.problems.length, 1);
    assert.match(locked.problems[0]!.message, /mlflow\.db is locked by another process/);
    assert.equal(locked.runs.length, 1, 'the runs read before stay listed');
    writer.exec('COMMIT');
  } finally {
    writer.close();
  }
  const after = await src.scan();
  assert.deepEqual(after.problems, [], 'retried once the lock is gone');
  assert.equal(after.runs[0]!.summary.params['k2'], 'v');

  const junk = path.join(dir, 'junk.db');
  writeFileSync(junk, 'not a database at all, just text');
  const bad = await new MlflowSqlSource(junk, { label: 'junk.db', idPrefix: 'junk.db:' }).scan();
  assert.match(bad.problems[0]!.message, /not an SQLite database/);
  const empty = path.join(dir, 'other.db');
  const db = new Database(empty);
  db.exec('CREATE TABLE something (x)');
  db.close();
  const notMlflow = await new MlflowSqlSource(empty, { label: 'other.db', idPrefix: 'other.db:' }).scan();
  assert.match(notMlflow.problems[0]!.message, /is this an MLflow tracking database/);
});

test('mlflow.db from a newer MLflow (extra columns and tables) still reads what it knows', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'mlflow.db');
  sqlFixture(file, 'current');
  const Database = loadSqlite();
  const db = new Database(file);
  db.exec(`ALTER TABLE runs ADD COLUMN future_column TEXT DEFAULT 'x';
           ALTER TABLE latest_metrics ADD COLUMN dataset_digest TEXT;
           CREATE TABLE future_feature (id INTEGER PRIMARY KEY);
           UPDATE alembic_version SET version_num = 'ffffffffffff';`);
  db.close();
  const scan = await new MlflowSqlSource(file, { label: 'mlflow.db', idPrefix: '' }).scan();
  assert.deepEqual(scan.problems, []);
  assert.equal(scan.runs.length, 2);
  assert.equal(scan.runs.find((r) => r.summary.id.endsWith(RUN_A))!.extra['schemaRevision'], 'ffffffffffff');
});
