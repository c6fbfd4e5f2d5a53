import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/engine/config/config.ts';
import { MlopsError } from '../../../src/engine/errors.ts';
import { driftSettingsFromConfig, monitoringFromConfig } from '../../../src/engine/monitoring/index.ts';

const F = '/ws/mlops.yaml';
const drift = (text: string) => driftSettingsFromConfig(parseConfig(F, text), '/ws');
const monitoring = (text: string) => monitoringFromConfig(parseConfig(F, text), '/ws');

function fails(fn: () => unknown, line: number, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MlopsError, String(e));
    assert.equal(e.code, 'config');
    assert.equal(e.location?.file, F);
    assert.equal(e.location?.line, line, e.describe());
    assert.match(e.message, pattern);
    assert.ok(e.hint, 'has a hint');
    return true;
  });
}

test('drift section: share, type-level and column-level settings are read', () => {
  const s = drift(`version: 1
drift:
  share: 0.3
  numTest: psi
  numThreshold: 0.25
  catTest: chisquare
  columns:
    age: { test: psi, threshold: 0.2 }
    customer_id: { ignore: true }
    support_calls: { type: categorical }
    income: { test: jensenshannon, bins: 10, binning: equal-width }
`);
  assert.equal(s.share, 0.3);
  assert.equal(s.numTest, 'psi');
  assert.equal(s.numThreshold, 0.25);
  assert.equal(s.catTest, 'chisquare');
  assert.deepEqual(s.columns.get('age'), { test: 'psi', threshold: 0.2 });
  assert.deepEqual(s.columns.get('customer_id'), { ignore: true });
  assert.deepEqual(s.columns.get('support_calls'), { type: 'categorical' });
  assert.deepEqual(s.columns.get('income'), { test: 'jensenshannon', bins: 10, binning: 'equal-width' });
  assert.equal(drift('version: 1\n').share, 0.5);
});

test('drift section mistakes name the line and say what to write', () => {
  fails(() => drift('version: 1\ndrift:\n  share: 1.5\n'), 3, /share' must be a number between 0 and 1/);
  fails(() => drift('version: 1\ndrift:\n  columns:\n    age:\n      test: kss\n'), 5, /must name a drift test, got "kss"/);
  fails(() => drift('version: 1\ndrift:\n  numTest: chisquare\n  catTest: ks\n'), 4, /catTest' must name a categorical test/);
  fails(() => drift('version: 1\ndrift:\n  columns:\n    age: { test: ks, threshold: 5 }\n'), 4, /≤ 1 \(a p-value\)/);
  fails(() => drift('version: 1\ndrift:\n  columns:\n    age:\n      treshold: 0.2\n'), 5, /Unknown key 'drift.columns.age.treshold'/);
  fails(() => drift('version: 1\ndrift:\n  numThreshold: 0.2\n'), 3, /needs 'numTest'/);
  fails(() => drift('version: 1\ndrift:\n  columns:\n    age: { binning: quantile }\n'), 4, /needs 'bins'/);
  fails(() => drift('version: 1\ndrift:\n  columns:\n    age: { type: number }\n'), 4, /type' must be one of numeric, categorical/);
  fails(() => drift('version: 1\ndrift:\n  columns: [age]\n'), 3, /must map column names/);
});

test('monitoring: the long form with several datasets, and the short form as "default"', () => {
  const m = monitoring(`version: 1
monitoring:
  datasets:
    customers:
      reference: data/raw/customers.csv
      batches: data/production
      pattern: '*.csv'
      retrain: { stages: [train], auto: false }
      metrics: { columns: false }
    orders:
      reference: data/orders.parquet
      batches: incoming/orders
      drift: { share: 0.3 }
drift:
  share: 0.6
`);
  assert.deepEqual(m.datasets.map((d) => d.name), ['customers', 'orders']);
  const [c, o] = m.datasets as [typeof m.datasets[0], typeof m.datasets[0]];
  assert.equal(c.referencePath, '/ws/data/raw/customers.csv');
  assert.equal(c.batchesPath, '/ws/data/production');
  assert.equal(c.pattern, '*.csv');
  assert.deepEqual(c.retrain, { stages: ['train'], auto: false, when: 'dataset-drift' });
  assert.deepEqual(c.metrics, { enabled: true, columns: false });
  assert.equal(c.drift.share, 0.6);
  assert.equal(o.drift.share, 0.3, 'a dataset can override the workspace drift section');
  assert.equal(o.pattern, null);
  const short = monitoring('version: 1\nmonitoring:\n  reference: data/raw/customers.csv\n  batches: data/production\n');
  assert.deepEqual(short.datasets.map((d) => [d.name, d.reference, d.batches]), [['default', 'data/raw/customers.csv', 'data/production']]);
  assert.deepEqual(monitoring('version: 1\n').datasets, []);
  // Without a reference, the registry's production model supplies it (optionally a named model).
  const byModel = monitoring('version: 1\nmonitoring:\n  batches: data/production\n  model: churn-model\n');
  assert.deepEqual(byModel.datasets.map((d) => [d.reference, d.referencePath, d.model]), [[null, null, 'churn-model']]);
  assert.equal(monitoring('version: 1\nmonitoring:\n  batches: data/production\n').datasets[0]!.model, null);
});

test('drift section: unseenCategories for chi-square, at section and column level', () => {
  const d = drift('version: 1\ndrift:\n  unseenCategories: homogeneity\n  columns:\n    plan: { unseenCategories: drift }\n');
  assert.equal(d.unseenCategories, 'homogeneity');
  assert.equal(d.columns.get('plan')?.unseenCategories, 'drift');
  fails(() => drift('version: 1\ndrift:\n  unseenCategories: ignore\n'), 3, /must be drift or homogeneity/);
});

test('monitoring mistakes name the line', () => {
  fails(() => monitoring('version: 1\nmonitoring:\n  reference: a.csv\n'), 2, /needs 'batches'/);
  fails(() => monitoring('version: 1\nmonitoring:\n  reference: a.csv\n  model: m\n  batches: b\n'), 4, /has both 'reference' and 'model'/);
  fails(() => monitoring('version: 1\nmonitoring:\n  datasets:\n    c:\n      reference: a.csv\n      batches: b\n      retrain: { stages: train }\n'), 7, /stages' must be a list/);
  fails(() => monitoring('version: 1\nmonitoring:\n  datasets:\n    c:\n      reference: a.csv\n      batch: b\n'), 6, /Unknown key 'monitoring.datasets.c.batch'/);
  fails(() => monitoring('version: 1\nmonitoring:\n  reference: a.csv\n  datasets: {}\n'), 3, /cannot stand next to 'monitoring.datasets'/);
  fails(() => monitoring('version: 1\nmonitoring:\n  datasets:\n    "bad name":\n      reference: a.csv\n      batches: b\n'), 4, /is not usable/);
  fails(() => monitoring('version: 1\nmonitoring:\n  datasets:\n    c:\n      reference: a.csv\n      batches: b\n      drift:\n        share: 2\n'), 8, /share' must be a number/);
});
