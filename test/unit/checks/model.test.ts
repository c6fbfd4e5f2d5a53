import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { initWorkspace } from '../../../src/engine/workspace/workspace.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { computeDriftReport, saveReport } from '../../../src/engine/monitoring/index.ts';
import { needsRuns, productionFrom } from '../../../src/engine/checks/services.ts';
import { loadChecks } from '../../../src/engine/checks/config.ts';
import type { RegistryService } from '../../../src/engine/registry/api.ts';
import { CHURN, byName, fakeRun, fakeRuns, run, withChecks, workspace } from './helpers.ts';

const MODEL = `suites:
  model:
    baseline: { file: baseline.json }
    checks:
      - metric: accuracy >= 0.9
      - metric: metrics.f1 >= 0.7 and roc_auc > 0.8
      - metric: f1 >= baseline.f1 - 0.01
      - metric: f1 >= production.f1 - 0.01
      - metric: acuracy >= 0.5
      - metric: params.train.lr < 0.1
      - metric: accuracy >= 'high'`;

const runs = fakeRuns([
  fakeRun('mlops:old', { accuracy: 0.99, f1: 0.99, roc_auc: 0.99 }),
  fakeRun('mlops:new', { accuracy: 0.8433, f1: 0.7062, roc_auc: 0.9065 }),
]);

test('metric checks read the latest run and explain failures with the measured values', async () => {
  const root = workspace({ 'mlops.yaml': withChecks(MODEL), 'baseline.json': '{"f1": 0.72, "accuracy": 0.85}' });
  const production = async () => ({ model: 'churn', version: 3, metrics: { f1: 0.70, accuracy: 0.84 }, runId: null });
  const r = await run(root, { runs, production });
  const c = (i: number) => r.suites[0]!.checks[i]!;
  assert.equal(c(0).status, 'failed');
  assert.equal(c(0).message, 'accuracy = 0.8433, needs >= 0.9');
  assert.equal(c(0).expected, 'accuracy >= 0.9');
  assert.equal(c(0).actual, 'accuracy = 0.8433');
  assert.equal(c(0).measured, 0.8433);
  assert.deepEqual(c(0).links, [{ kind: 'run', runId: 'mlops:new', label: 'run: run mlops:new', gitCommit: 'abcdef1234567890' }]);
  assert.equal(c(1).status, 'passed');
  assert.equal(c(1).actual, 'metrics.f1 = 0.7062, roc_auc = 0.9065');
  assert.equal(c(2).status, 'failed', '0.7062 < 0.72 - 0.01');
  assert.match(c(2).message, /f1 .*0\.7062.*needs >= .*baseline\.f1/);
  assert.deepEqual(c(2).values, [{ name: 'f1', value: 0.7062 }, { name: 'baseline.f1', value: 0.72 }]);
  assert.equal(c(3).status, 'passed');
  assert.ok(c(3).links.some((l) => l.label === 'production: churn v3 (Production)'), JSON.stringify(c(3).links));
  assert.equal(c(4).status, 'errored');
  assert.equal(c(4).errorKind, 'runtime');
  assert.match(c(4).message, /unknown metric 'acuracy' in the run under test \(run mlops:new\)/);
  assert.match(c(4).hint!, /did you mean 'accuracy'\? it has: accuracy, f1, roc_auc/);
  assert.equal(c(5).status, 'passed', 'params of the run are names too');
  assert.equal(c(6).status, 'errored');
  assert.match(c(6).message, /cannot order number 0\.8433 and string 'high'/);

  const deltas = r.suites[0]!.deltas!;
  assert.deepEqual(deltas.find((d) => d.metric === 'f1'), { metric: 'f1', current: 0.7062, baseline: 0.72, production: 0.7 });
  assert.deepEqual(r.suites[0]!.run, { id: 'mlops:new', name: 'mlops:new', experiment: 'default', gitCommit: 'abcdef1234567890', source: 'pipeline' });
});

test('no run yet, no tracking, no registry, no baseline: errored checks that say what to do', async () => {
  const root = workspace({ 'mlops.yaml': withChecks(`suites:
  m:
    checks:
      - metric: accuracy >= 0.9
  b:
    run: mlops:gone
    checks:
      - metric: f1 >= baseline.f1
  p:
    checks:
      - metric: f1 >= production.f1`) });
  const none = await run(root, { runs: fakeRuns([]) });
  assert.equal(byName(none, 'm/metric:accuracy >= 0.9').status, 'errored');
  assert.equal(byName(none, 'm/metric:accuracy >= 0.9').message, 'no finished run found');
  assert.match(byName(none, 'm/metric:accuracy >= 0.9').hint!, /mlops repro/);
  assert.equal(byName(none, 'b/metric:f1 >= baseline.f1').message, 'no run mlops:gone');
  const noTracking = await run(root, { runs: null });
  assert.match(byName(noTracking, 'm/metric:accuracy >= 0.9').message, /experiment tracking is not available/);
  const someRun = await run(root, { runs });
  const p = byName(someRun, 'p/metric:f1 >= production.f1');
  assert.equal(p.status, 'errored');
  assert.match(p.message, /production\.\* needs the model registry/);
  const noBaseline = await run(root, { runs: fakeRuns([fakeRun('mlops:gone', { f1: 1 })]) });
  const b = byName(noBaseline, 'b/metric:f1 >= baseline.f1');
  assert.equal(b.errorKind, 'config', 'using baseline.* without declaring one is a mistake in the checks');
  assert.match(b.message, /uses baseline\.\* but declares no baseline/);
});

test('run: workspace reads the metrics files dvc.yaml declares (nested keys flattened)', async () => {
  const root = workspace({
    'mlops.yaml': withChecks(`suites:
  m:
    run: workspace
    checks:
      - metric: accuracy >= 0.8
      - metric: eval.test.auc >= 0.9`),
    'dvc.yaml': 'stages:\n  evaluate:\n    cmd: echo\n    metrics:\n    - metrics/eval.json:\n        cache: false\n    - metrics/more.yaml:\n        cache: false\n',
    'metrics/eval.json': '{"accuracy": 0.81}',
    'metrics/more.yaml': 'eval:\n  test:\n    auc: 0.85\n',
  });
  const r = await run(root);
  assert.equal(r.suites[0]!.checks[0]!.status, 'passed');
  assert.equal(r.suites[0]!.checks[1]!.status, 'failed');
  assert.equal(r.suites[0]!.checks[1]!.actual, 'eval.test.auc = 0.85');
  assert.equal(r.suites[0]!.subject, 'metrics/eval.json, metrics/more.yaml');
});

test('drift gates compare a dataset with its reference: batch-01 passes, batch-06 fails', async () => {
  const root = workspace({
    'mlops.yaml': withChecks(`datasets:
  customers: data/customers.csv
  batch: { path: data/batch-01.csv, reference: customers }
suites:
  drift:
    checks:
      - drift: drift.share < 0.3
        dataset: batch
      - drift: drift.columns.payment_method.score < 0.1 and not drift.columns.has_partner.drifted
        dataset: batch
      - drift: drift.columns.nope.score < 1
        dataset: batch
      - drift: drift.shar < 1
        dataset: batch`),
  });
  mkdirSync(path.join(root, 'data'));
  copyFileSync(path.join(CHURN, 'data/raw/customers.csv'), path.join(root, 'data/customers.csv'));
  for (const n of ['01', '06']) copyFileSync(path.join(CHURN, `data/production/batch-${n}.csv`), path.join(root, `data/batch-${n}.csv`));
  const calm = await run(root);
  assert.deepEqual(calm.suites[0]!.checks.map((c) => c.status), ['passed', 'passed', 'errored', 'errored']);
  assert.match(calm.suites[0]!.checks[2]!.message, /column 'nope' is not in the drift report/);
  assert.match(calm.suites[0]!.checks[3]!.hint!, /did you mean 'drift\.share'/);
  const drifted = await run(root, { datasets: { batch: 'data/batch-06.csv' } });
  const share = drifted.suites[0]!.checks[0]!;
  assert.equal(share.status, 'failed');
  assert.match(share.message, /^drift\.share = 0\.888889, needs < 0\.3 — data\/batch-06\.csv: Drift detected in 8 of 9 columns/);
  assert.ok(share.details.some((d) => /payment_method: new categories "digital-wallet"/.test(d)), share.details.join('\n'));
  assert.equal(drifted.suites[0]!.checks[1]!.status, 'failed');
  assert.match(drifted.suites[0]!.checks[1]!.message, /drift\.columns\.payment_method\.score/);
});

test('a drift gate on a monitored dataset reads its latest stored report', async () => {
  const root = workspace({
    'mlops.yaml': `version: 1
monitoring:
  datasets:
    customers:
      reference: data/raw/customers.csv
      batches: data/production
checks:
  suites:
    monitor:
      checks:
        - drift: not drift.drifted
          monitor: customers
        - drift: drift.share < 0.5
          monitor: custmers
`,
  });
  initWorkspace(root, 'test');
  const empty = await run(root, { store: null });
  assert.match(byName(empty, 'monitor/drift:customers:not drift.drifted').message, /no drift report is stored for monitored dataset customers/);
  assert.match(byName(empty, 'monitor/drift:customers:not drift.drifted').hint!, /mlops monitor --once/);
  const store = Store.open(root, { origin: 'test' });
  try {
    const doc = await computeDriftReport(path.join(CHURN, 'data/raw/customers.csv'), path.join(CHURN, 'data/production/batch-06.csv'));
    const { id } = saveReport(store, doc, { monitor: 'customers', referencePath: 'data/raw/customers.csv', referenceHash: null, currentPath: 'data/production/batch-06.csv', currentHash: 'abc' });
    const r = await run(root, { store });
    const c = byName(r, 'monitor/drift:customers:not drift.drifted');
    assert.equal(c.status, 'failed');
    assert.deepEqual(c.links[0], { kind: 'drift-report', reportId: id, dataset: 'customers', label: `drift report #${id}: data/production/batch-06.csv vs data/raw/customers.csv`, path: 'data/production/batch-06.csv' });
    const typo = byName(r, 'monitor/drift:custmers:drift.share < 0.5');
    assert.equal(typo.errorKind, 'config');
    assert.match(typo.hint!, /did you mean 'customers'/);
    const activity = store.recentActivity(5).find((a) => a.action === 'checks.run');
    assert.ok(activity, 'a check run is recorded in the activity log');
  } finally {
    store.close();
  }
});

test('production.* is the registry version in the Production stage', async () => {
  const version = (n: number, stage: string, metrics: Record<string, number>, aliases: string[] = []) => ({ version: n, stage, aliases, lineage: { metrics, runId: `mlops:r${n}` } });
  const fake = (models: Array<{ id: string; name: string; stages: Record<string, number[]>; aliases: Record<string, number>; versions: ReturnType<typeof version>[] }>) =>
    ({ list: () => models, show: (name: string) => models.find((m) => m.id === name)! }) as unknown as RegistryService;
  const one = fake([{ id: 'churn', name: 'churn', stages: { Production: [2] }, aliases: {}, versions: [version(3, 'Staging', { f1: 0.9 }), version(2, 'Production', { f1: 0.7 })] }]);
  assert.deepEqual(await productionFrom(one)(null), { model: 'churn', version: 2, metrics: { f1: 0.7 }, runId: 'mlops:r2' });
  const none = fake([{ id: 'churn', name: 'churn', stages: {}, aliases: {}, versions: [version(1, 'None', {})] }]);
  await assert.rejects(productionFrom(none)(null), /no registered model has a Production version/);
  await assert.rejects(productionFrom(none)('churn'), /model churn has no Production version/);
  const two = fake([
    { id: 'a', name: 'a', stages: { Production: [1] }, aliases: {}, versions: [version(1, 'Production', {})] },
    { id: 'b', name: 'b', stages: {}, aliases: { production: 4 }, versions: [version(4, 'None', { f1: 0.5 }, ['production'])] },
  ]);
  await assert.rejects(productionFrom(two)(null), /several models have a Production version \(a, b\)/);
  assert.equal((await productionFrom(two)('b')).version, 4, 'the production alias counts when no version is in the stage');
});

test('tracking is opened only when the selected checks read runs', () => {
  const root = workspace({ 'mlops.yaml': withChecks(`suites:
  data:
    dataset: d.csv
    checks:
      - rows: { min: 1 }
  files:
    run: workspace
    baseline: { file: b.json }
    checks:
      - metric: f1 >= baseline.f1
  latest:
    checks:
      - metric: accuracy >= 0.9
  base-run:
    run: workspace
    baseline: { run: mlops:1 }
    checks:
      - metric: f1 >= baseline.f1`) });
  const cfg = loadChecks(root);
  assert.equal(needsRuns(cfg, ['data', 'files']), false);
  assert.equal(needsRuns(cfg, ['latest']), true);
  assert.equal(needsRuns(cfg, ['base-run']), true);
  assert.equal(needsRuns(cfg), true);
});
