import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../../../src/engine/errors.ts';
import { openTracking } from '../../../src/engine/tracking/tracking.ts';
import { RunStore } from '../../../src/engine/tracking/runStore.ts';
import { openStore, tempDir, write, writeDvcLive, writeFileStore, writeMlflowDb } from './fixtures.ts';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

/** A workspace with every kind of source: our runs, mlruns/, mlflow.db, dvclive/ and a configured extra store. */
function workspace(): string {
  const root = tempDir('mlops-tracking-');
  writeFileStore(path.join(root, 'mlruns'), [{
    id: '1', name: 'churn',
    runs: [
      { id: A, name: 'fast', params: { lr: '0.1', optimizer: 'sgd' }, metrics: { accuracy: ['1 0.81 0'], loss: ['1 0.6 0', '2 0.5 1'] }, start: 1700000000000, end: 1700000100000 },
      { id: B, name: 'slow', params: { lr: '0.001', optimizer: 'adam' }, metrics: { accuracy: ['1 0.86 0'] }, start: 1700000200000, end: 1700000300000 },
    ],
  }]);
  writeMlflowDb(path.join(root, 'mlflow.db'), 'current', [{ id: 1, name: 'churn' }], [
    { uuid: 'c'.repeat(32), experimentId: 1, name: 'sql-run', params: { lr: '0.01' }, metrics: { accuracy: [[0, 0.9, 1]] }, start: 1700000400000, end: 1700000500000 },
  ]);
  writeDvcLive(path.join(root, 'dvclive'), { params: 'lr: 0.05\n', metrics: '{"accuracy": 0.84}\n', tsv: { accuracy: 'step\taccuracy\n0\t0.8\n1\t0.84\n' } });
  writeFileStore(path.join(root, '..', `${path.basename(root)}-shared`, 'store'), [{ id: '3', name: 'shared', runs: [{ id: 'd'.repeat(32), params: { lr: '0.3' } }] }]);
  write(root, 'mlops.yaml', [
    'version: 1',
    'experiments:',
    '  name: churn',
    `  mlflow: [../${path.basename(root)}-shared/store, missing.db]`,
    '  colour: blue',
    '',
  ].join('\n'));
  return root;
}

test('one list from every source, with ids per source, filters, sorting, limits and problems with file and line', async () => {
  const root = workspace();
  const store = openStore(root);
  const t = openTracking(root, store);
  try {
    const runs = new RunStore(store);
    const rid = runs.createRun({ id: 'p1', origin: 'pipeline', experiment: 'churn', name: 'run-1', status: 'finished', startedAt: '2025-11-15T00:00:00.000Z', endedAt: '2025-11-15T00:01:00.000Z' });
    runs.setParams(rid, { lr: 0.02, big: 'z'.repeat(50_000) });
    runs.setMetrics(rid, { accuracy: 0.88 });
    const { runs: count, problems } = await t.refresh();
    assert.equal(count, 6);
    const ids = t.listRuns().map((r) => r.id);
    assert.deepEqual(new Set(ids), new Set([
      'mlops:p1', `mlflow:1/${A}`, `mlflow:1/${B}`, `mlflow:mlflow.db:1/${'c'.repeat(32)}`, 'dvclive:dvclive',
      `mlflow:../${path.basename(root)}-shared/store:3/${'d'.repeat(32)}`,
    ]));
    assert.deepEqual(problems.map((p) => [p.source, p.location]), [['mlops', 'mlops.yaml:5'], ['mlflow', 'missing.db']]);
    assert.match(problems[0]!.message, /Unknown key 'experiments\.colour'/);
    assert.match(problems[1]!.message, /experiments\.mlflow names missing\.db, which does not exist/);
    assert.deepEqual(t.problems(), problems);
    assert.deepEqual(t.experiments(), ['churn', 'shared']);

    // Filter across sources; MLflow's string params compare as numbers.
    const good = t.listRuns({ filter: 'metrics.accuracy >= 0.85', sort: { key: 'metrics.accuracy', descending: true } });
    assert.deepEqual(good.map((r) => r.name), ['sql-run', 'run-1', 'slow']);
    assert.deepEqual(t.listRuns({ filter: 'params.lr < 0.02 and source == "mlflow"', sort: { key: 'params.lr' } }).map((r) => r.name), ['slow', 'sql-run']);
    assert.deepEqual(t.listRuns({ filter: "param.optimizer in ['adam'] or name ~= '^dvc'" }).map((r) => r.id).sort(), ['dvclive:dvclive', `mlflow:1/${B}`]);
    assert.deepEqual(t.listRuns({ experiment: 'shared' }).length, 1);
    assert.equal(t.listRuns({ sort: { key: 'metrics.loss' } }).at(-1)!.metrics['loss'], undefined, 'runs without the key sort last');
    assert.equal(t.listRuns({ sort: { key: 'metrics.loss' } })[0]!.metrics['loss'], 0.5);
    assert.equal(t.listRuns({ limit: 2 }).length, 2);
    assert.equal(t.listRuns()[0]!.id, 'mlops:p1', 'default order: newest first');
    assert.throws(() => t.listRuns({ filter: 'metric.accuracy >' }), (e: unknown) => e instanceof MlopsError && e.code === 'usage' && /column 18/.test(e.message));
    assert.throws(() => t.listRuns({ filter: 'accuracy > 1' }), /unknown name 'accuracy' in the filter at column 1/);
    assert.throws(() => t.listRuns({ sort: { key: 'bogus' } }), /cannot sort by 'bogus'/);

    assert.equal(t.latestRun('churn')!.name, 'dvclive', 'dvclive/ ended when metrics.json was last written: just now');
    assert.equal(t.latestRun('shared')!.experiment, 'shared');
    const detail = t.getRun(`mlflow:1/${A}`)!;
    assert.deepEqual(detail.series['loss']!.map((p) => p.value), [0.6, 0.5]);
    assert.equal(detail.extra['experimentId'], '1');
    assert.equal((t.getRun('mlops:p1')!.params['big'] as string).length, 50_000, 'huge params kept whole');
    const many = t.series(['dvclive:dvclive', `mlflow:1/${A}`, 'nope'], ['accuracy']);
    assert.deepEqual([...many.keys()], ['dvclive:dvclive', `mlflow:1/${A}`]);
    assert.deepEqual(many.get('dvclive:dvclive')!['accuracy']!.map((p) => p.value), [0.8, 0.84]);

    // Only our runs can be deleted.
    assert.throws(() => t.deleteRun(`mlflow:1/${A}`), (e: unknown) => e instanceof MlopsError && e.code === 'refused' && /delete it with MLflow/.test(e.hint ?? ''));
    assert.throws(() => t.deleteRun('mlops:nope'), (e: unknown) => e instanceof MlopsError && e.code === 'not-found');
    t.deleteRun('mlops:p1');
    assert.equal(t.getRun('mlops:p1'), undefined);
    assert.equal(t.listRuns().length, 5);
  } finally {
    t.close();
    store.close();
  }
});

test('refresh rescans only what changed, picks up config edits, and fires onDidChange; writes from another connection are seen', async () => {
  const root = workspace();
  const store = openStore(root);
  const other = openStore(root);
  const t = openTracking(root, store, { pollMs: 20 });
  let events = 0;
  const off = t.onDidChange(() => events++);
  try {
    await t.refresh();
    await new Promise((r) => setTimeout(r, 120));
    const before = events;
    assert.ok(before >= 1);
    await t.refresh();
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(events, before, 'nothing changed: no event');

    // A new point in a DVCLive series.
    const tsv = path.join(root, 'dvclive', 'plots', 'metrics', 'accuracy.tsv');
    appendFileSync(tsv, '2\t0.86\n');
    utimesSync(tsv, new Date(), new Date(Date.now() + 3000));
    await t.refresh();
    assert.equal(t.getRun('dvclive:dvclive')!.series['accuracy']!.length, 3);

    // Another process records a run: the poll notices without a refresh.
    const seen = events;
    new RunStore(other).createRun({ id: 'cli-run', origin: 'pipeline', experiment: 'churn', name: 'run-9', status: 'running', startedAt: new Date().toISOString() });
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(events > seen, 'onDidChange fired for a run written by another connection');
    assert.ok(t.getRun('mlops:cli-run'));

    // Config edit: a new experiment name and discovery off.
    writeFileSync(path.join(root, 'mlops.yaml'), 'version: 1\nexperiments:\n  name: renamed\n  discover: false\n');
    utimesSync(path.join(root, 'mlops.yaml'), new Date(), new Date(Date.now() + 5000));
    const r = await t.refresh();
    assert.deepEqual(r.problems, []);
    assert.equal(t.experimentName(), 'renamed');
    assert.deepEqual(t.listRuns().map((x) => x.id), ['mlops:cli-run'], 'discovery off: only our runs');
    // A config that is not YAML is a problem, not a crash.
    writeFileSync(path.join(root, 'mlops.yaml'), 'experiments: [\n');
    utimesSync(path.join(root, 'mlops.yaml'), new Date(), new Date(Date.now() + 9000));
    const broken = await t.refresh();
    assert.equal(broken.problems[0]!.source, 'mlops');
    assert.match(broken.problems[0]!.message, /Not valid YAML/);
  } finally {
    off();
    t.close();
    store.close();
    other.close();
  }
});
