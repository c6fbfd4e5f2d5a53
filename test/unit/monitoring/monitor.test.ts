import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Store } from '../../../src/engine/store/store.ts';
import { BatchWatcher, Monitor, driftTimeSeries, isBatchPath, listBatches, loadReport, shouldRetrain } from '../../../src/engine/monitoring/index.ts';
import type { BatchFile, ProcessResult } from '../../../src/engine/monitoring/index.ts';
import { DRIFTED_IN_06, FEATURES, MONITORING_YAML, churnWorkspace } from './helpers.ts';
import { tempDir } from '../helpers/tmp.ts';

function open(root: string): { store: Store; monitor: Monitor } {
  const store = Store.open(root, { origin: 'test' });
  return { store, monitor: Monitor.open(root, store) };
}

test('processNewBatches reports each of the 6 batches once, stores them, and a rerun finds nothing new', async () => {
  const root = churnWorkspace();
  const { store, monitor } = open(root);
  try {
    const first = await monitor.processNewBatches();
    assert.deepEqual(first.problems, []);
    assert.deepEqual(first.reports.map((r) => r.path), [1, 2, 3, 4, 5, 6].map((n) => `data/production/batch-0${n}.csv`));
    // examples/README.md: 0, 1, 2, 3, 5, 7 of the 8 features drift; dataset drift from batch 05.
    assert.deepEqual(first.reports.map((r) => r.report.summary.driftedColumns), [0, 1, 2, 3, 5, 7]);
    assert.deepEqual(first.reports.map((r) => r.datasetDrift), [false, false, false, false, true, true]);
    assert.deepEqual(first.reports.map((r) => r.newlyDrifted), [false, false, false, false, true, false]);
    assert.deepEqual(first.reports.map((r) => r.retrain.retrain), [false, false, false, false, true, true]);
    assert.deepEqual(first.reports[5]!.retrain.stages, ['train']);
    const b6 = first.reports[5]!;
    assert.deepEqual(b6.report.columns.filter((c) => c.drifted).map((c) => c.name).sort(), [...DRIFTED_IN_06].sort());
    assert.match(b6.hash, /^[0-9a-f]{32}$/);
    const again = await monitor.processNewBatches();
    assert.deepEqual(again.reports, []);
    // Stored with per-column scores, in one row per report.
    const n = store.db.prepare('SELECT count(*) FROM drift_reports WHERE monitor = ?').pluck().get('customers');
    assert.equal(n, 6);
    const scores = store.db.prepare('SELECT column_name, test, score, drifted, missing_share FROM drift_column_scores WHERE report_id = ? ORDER BY column_name').all(b6.reportId) as Array<{ column_name: string; test: string; score: number | null; drifted: number }>;
    assert.equal(scores.length, 11);
    const age = scores.find((s) => s.column_name === 'age')!;
    assert.equal(age.test, 'wasserstein');
    assert.equal(age.drifted, 1);
    assert.equal(age.score, b6.report.columns.find((c) => c.name === 'age')!.score);
    assert.equal(scores.find((s) => s.column_name === 'churned')!.test, 'none', 'ignored in mlops.yaml');
    const loaded = loadReport(store, b6.reportId)!;
    assert.deepEqual(loaded.report, JSON.parse(JSON.stringify(b6.report)));
    // A fresh Monitor (another process) sees the same state.
    assert.deepEqual((await Monitor.open(root, store).processNewBatches()).reports, []);
  } finally {
    store.close();
  }
});

test('history returns reports in order with per-column scores for the drift-over-time chart', async () => {
  const root = churnWorkspace();
  const { store, monitor } = open(root);
  try {
    await monitor.processNewBatches();
    const h = monitor.history('customers');
    assert.equal(h.length, 6);
    assert.deepEqual(h.map((p) => p.currentPath), [1, 2, 3, 4, 5, 6].map((n) => `data/production/batch-0${n}.csv`));
    for (let i = 1; i < h.length; i++) assert.ok(h[i]!.id > h[i - 1]!.id && h[i]!.createdAt >= h[i - 1]!.createdAt);
    assert.deepEqual(h.map((p) => p.driftedColumns), [0, 1, 2, 3, 5, 7]);
    assert.equal(h[0]!.scoredColumns, 8);
    assert.equal(h[0]!.referencePath, 'data/raw/customers.csv');
    const age = h.map((p) => p.columns.find((c) => c.column === 'age')!.score!);
    // age drifts more and more: 0.035 … 0.785 (examples/README.md)
    for (let i = 2; i < age.length; i++) assert.ok(age[i]! > age[i - 1]!, `age score grows: ${age.join(', ')}`);
    const missing = h.map((p) => p.columns.find((c) => c.column === 'total_charges')!.missingShare!);
    assert.ok(missing[5]! > 0.18 && missing[0]! < 0.03);
    assert.equal(monitor.latest('customers')!.summary.currentPath, 'data/production/batch-06.csv');
    assert.deepEqual(monitor.history('nope'), []);
    // The chart's view: one series per scored column, raw scores plus severity on one scale.
    const ts = driftTimeSeries('customers', h);
    assert.deepEqual(ts.batches.map((b) => b.label), [1, 2, 3, 4, 5, 6].map((n) => `batch-0${n}.csv`));
    assert.deepEqual(ts.batches.map((b) => b.datasetDrift), [false, false, false, false, true, true]);
    assert.deepEqual(ts.columns.map((c) => c.name), FEATURES, 'scored columns only (not customer_id, signup_date, or the ignored churned), in report order');
    const a = ts.columns.find((c) => c.name === 'age')!;
    assert.equal(a.test, 'wasserstein');
    assert.equal(a.scoreKind, 'distance');
    assert.deepEqual(a.points.map((p) => p!.score), age);
    assert.deepEqual(a.points.map((p) => p!.drifted), [false, false, true, true, true, true]);
    for (const p of a.points) assert.equal(p!.severity > 0.5, p!.drifted, `severity ${p!.severity} is past 0.5 exactly when drifted`);
    assert.deepEqual(driftTimeSeries('x', []).columns, []);
  } finally {
    store.close();
  }
});

test('a rewritten batch is reported again; an unreadable one is stored as failed and not retried until it changes', async () => {
  const root = churnWorkspace();
  const { store, monitor } = open(root);
  try {
    await monitor.processNewBatches();
    const b1 = path.join(root, 'data/production/batch-01.csv');
    appendFileSync(b1, readFileSync(b1, 'utf8').split('\n').slice(1, 50).join('\n') + '\n');
    const changed = await monitor.processNewBatches();
    assert.deepEqual(changed.reports.map((r) => r.path), ['data/production/batch-01.csv']);
    writeFileSync(path.join(root, 'data/production/batch-07.parquet'), 'PAR1 not really PAR1');
    const bad = await monitor.processNewBatches();
    assert.equal(bad.reports.length, 0, 'pattern *.csv keeps the parquet file out');
    const all = new Monitor(root, store, { datasets: [{ ...monitor.datasets[0]!, pattern: null }] });
    const failed = await all.processNewBatches();
    assert.equal(failed.reports.length, 1);
    assert.equal(failed.reports[0]!.error?.code, 'format');
    assert.equal(failed.reports[0]!.retrain.retrain, false);
    assert.deepEqual((await all.processNewBatches()).reports, []);
    assert.equal(all.latest('customers')!.summary.currentPath, 'data/production/batch-01.csv', 'latest() skips failed reports');
  } finally {
    store.close();
  }
});

test('a missing batch folder or reference is a problem of that dataset, not a crash', async () => {
  const root = churnWorkspace(MONITORING_YAML.replace('batches: data/production', 'batches: data/nowhere'));
  const { store, monitor } = open(root);
  try {
    const r = await monitor.processNewBatches();
    assert.equal(r.reports.length, 0);
    assert.match(r.problems[0]!.message, /batch folder data\/nowhere does not exist/);
  } finally {
    store.close();
  }
  const root2 = churnWorkspace(MONITORING_YAML.replace('reference: data/raw/customers.csv', 'reference: data/raw/gone.csv'));
  const o2 = open(root2);
  try {
    const r = await o2.monitor.processNewBatches();
    assert.equal(r.reports.length, 0);
    assert.match(r.problems[0]!.message, /reference data\/raw\/gone.csv cannot be read/);
    assert.equal(o2.store.db.prepare('SELECT count(*) FROM drift_reports').pluck().get(), 0, 'nothing stored, so the batches are processed once the reference is fixed');
  } finally {
    o2.store.close();
  }
});

test('without reference: in mlops.yaml, the resolver (the registry) supplies it; without a resolver it is a problem saying what to write', async () => {
  const yaml = MONITORING_YAML.replace('      reference: data/raw/customers.csv\n', '      model: churn-model\n');
  const root = churnWorkspace(yaml);
  const store = Store.open(root, { origin: 'test' });
  try {
    const none = await Monitor.open(root, store).processNewBatches();
    assert.equal(none.reports.length, 0);
    assert.match(none.problems[0]!.message, /no reference for customers: mlops\.yaml names none and model churn-model cannot be looked up without a model registry/);
    assert.match(none.problems[0]!.hint!, /reference: data\/raw\/customers\.csv/);
    const asked: string[] = [];
    const monitor = Monitor.open(root, store, {
      resolveReference: async (d) => {
        asked.push(`${d.name}:${d.model}`);
        return { path: path.join(root, 'data/raw/customers.csv'), description: 'training data of churn-model v1 (production)' };
      },
    });
    const r = await monitor.processNewBatches();
    assert.deepEqual(r.problems, []);
    assert.equal(r.reports.length, 6);
    assert.deepEqual(asked, ['customers:churn-model']);
    assert.equal(monitor.history('customers')[5]!.referencePath, 'data/raw/customers.csv');
    const refused = await Monitor.open(root, store, { resolveReference: async () => ({ problem: 'no production version of churn-model', hint: 'promote a version' }) }).processNewBatches();
    assert.deepEqual(refused.reports, [], 'nothing new to compare, so the resolver is not even asked');
    copyFileSync(path.join(root, 'data/production/batch-01.csv'), path.join(root, 'data/production/batch-07.csv'));
    appendFileSync(path.join(root, 'data/production/batch-07.csv'), '99999,2024-07-01,40,1,50.00,50.00,one-year,credit-card,0,true,0\n');
    const later = await Monitor.open(root, store, { resolveReference: async () => ({ problem: 'no production version of churn-model', hint: 'promote a version' }) }).processNewBatches();
    assert.deepEqual(later.problems.map((p) => [p.dataset, p.message, p.hint]), [['customers', 'no production version of churn-model', 'promote a version']]);
  } finally {
    store.close();
  }
});

test('shouldRetrain follows the policy', async () => {
  const root = churnWorkspace();
  const { store, monitor } = open(root);
  try {
    const { reports } = await monitor.processNewBatches();
    const b2 = reports[1]!.report;
    const b6 = reports[5]!.report;
    assert.equal(shouldRetrain(b6, { stages: ['train'], auto: true, when: 'dataset-drift' }).retrain, true);
    assert.equal(shouldRetrain(b6, { stages: ['train'], auto: true, when: 'dataset-drift' }).auto, true);
    assert.equal(shouldRetrain(b2, { stages: ['train'], auto: false, when: 'dataset-drift' }).retrain, false);
    assert.equal(shouldRetrain(b2, { stages: ['train'], auto: false, when: 'any-column' }).retrain, true);
    const none = shouldRetrain(b6, { stages: [], auto: false, when: 'dataset-drift' });
    assert.equal(none.retrain, false);
    assert.match(none.reason, /no retrain stages are configured/);
  } finally {
    store.close();
  }
});

test('batch files: the glob, hidden and temp files, natural order', async () => {
  assert.equal(isBatchPath('batch-01.csv', '*.csv'), true);
  assert.equal(isBatchPath('sub/batch-01.csv', '*.csv'), false);
  assert.equal(isBatchPath('sub/batch-01.csv', '**/*.csv'), true);
  assert.equal(isBatchPath('.batch-01.csv', '*.csv'), false);
  assert.equal(isBatchPath('batch.csv.tmp', null), false);
  assert.equal(isBatchPath('notes.txt', null), false);
  assert.equal(isBatchPath('b.parquet', null), true);
  const dir = tempDir();
  for (const f of ['b-10.csv', 'b-2.csv', 'b-1.csv', '.b-3.csv', 'readme.md']) writeFileSync(path.join(dir, f), 'a\n1\n');
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'sub', 'b-0.csv'), 'a\n1\n');
  assert.deepEqual((await listBatches({ dataset: 'd', dir, pattern: null })).map((b) => b.relative), ['b-1.csv', 'b-2.csv', 'b-10.csv']);
  assert.deepEqual((await listBatches({ dataset: 'd', dir, pattern: '**/*.csv' })).map((b) => b.relative), ['b-1.csv', 'b-2.csv', 'b-10.csv', 'sub/b-0.csv']);
});

test('BatchWatcher reports a new batch once it is written, and ignores other files', async () => {
  const dir = tempDir();
  const got: BatchFile[][] = [];
  const w = new BatchWatcher([{ dataset: 'd', dir, pattern: '*.csv' }], (files) => got.push(files), { stabilityMs: 150, debounceMs: 50 });
  try {
    await w.ready();
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    writeFileSync(path.join(dir, 'batch-01.csv'), 'a,b\n');
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(path.join(dir, 'batch-01.csv'), '1,2\n'); // still being written
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(got.length, 1, 'reported once, after the last write');
    assert.deepEqual(got[0]!.map((f) => [f.dataset, f.relative]), [['d', 'batch-01.csv']]);
    assert.equal(readFileSync(got[0]![0]!.file, 'utf8'), 'a,b\n1,2\n');
  } finally {
    await w.close();
  }
});

test('Monitor.watch processes a batch dropped into the folder', async () => {
  const root = churnWorkspace();
  const { store, monitor } = open(root);
  const results: ProcessResult[] = [];
  try {
    await monitor.processNewBatches();
    const w = monitor.watch((r) => results.push(r), { stabilityMs: 150, debounceMs: 50 });
    await w.ready();
    copyFileSync(path.join(root, 'data/production/batch-06.csv'), path.join(root, 'data/production/batch-07.csv'));
    const deadline = Date.now() + 8000;
    while (results.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    await w.close();
    assert.equal(results.length, 1);
    assert.deepEqual(results[0]!.reports.map((r) => [r.path, r.datasetDrift]), [['data/production/batch-07.csv', true]]);
    assert.equal(monitor.history('customers').length, 7);
    for (const f of FEATURES) assert.ok(results[0]!.reports[0]!.report.columns.some((c) => c.name === f));
  } finally {
    rmSync(path.join(root, 'data/production/batch-07.csv'), { force: true });
    store.close();
  }
});
