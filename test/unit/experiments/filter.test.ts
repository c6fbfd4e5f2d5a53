import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFilter, compileFilter } from '../../../webview/experiments/filter.ts';
import { queryRuns } from '../../../src/engine/tracking/query.ts';
import type { RunSummary } from '../../../src/engine/tracking/api.ts';
import { pageRuns, summary } from './helpers.ts';

const runs: RunSummary[] = [
  summary(1, { metrics: { acc: 0.95, loss: 0.1 }, params: { lr: 0.001, opt: 'adam' } }),
  summary(2, { metrics: { acc: 0.85, loss: Number.NaN }, params: { lr: 0.1, opt: 'sgd' }, status: 'failed' }),
  summary(3, { metrics: { loss: 0.3 }, params: { lr: 0.005 }, tags: { team: 'a' } }),
  summary(4, { source: 'mlflow', sourceLabel: 'mlruns/', readOnly: true, experiment: 'Default', name: '<b>x</b>', metrics: { acc: 0.92 }, params: { lr: '0.0001', opt: 'adam' } }),
  summary(5, { source: 'dvclive', sourceLabel: 'dvclive/', metrics: { acc: Infinity }, params: { lr: 0.05 }, gitDirty: true }),
];

const EXPRESSIONS = [
  'metrics.acc > 0.9 and params.lr < 0.01',
  'metrics.acc > 0.9',
  'metrics.acc == null',
  'metrics.loss != 0.1',
  "params.opt == 'adam' or tags.team == 'a'",
  "status in ['finished']",
  "source == 'mlflow'",
  'readOnly',
  'not readOnly and gitDirty',
  "name contains 'b'",
  "experiment ~= '^Def'",
  'metric.acc >= 0.92',
  'params.lr * 10 < 0.1',
];

test('the table filter selects exactly the runs `mlops runs list --filter` selects', () => {
  const page = pageRuns(runs);
  for (const expr of EXPRESSIONS) {
    const engine = queryRuns(runs, { filter: expr }).map((r) => r.id).sort();
    const result = applyFilter(page, expr);
    assert.equal(result.error, null, `${expr}: ${result.error}`);
    const ours = result.indices.map((i) => page[i]!.id).sort();
    assert.deepEqual(ours, engine, expr);
  }
});

test('a syntax error names its column and keeps every run shown; an unknown namespace is an error', () => {
  const page = pageRuns(runs);
  const bad = applyFilter(page, 'metrics.acc > and');
  assert.match(bad.error!, /column \d+/);
  assert.equal(bad.indices.length, runs.length);
  assert.match(compileFilter('metricz.acc > 1').error!, /Unknown name 'metricz\.acc'/);
  assert.equal(compileFilter('').expr, null);
});

test('a key no run has is a warning, and the filter still applies (nothing matches)', () => {
  const r = applyFilter(pageRuns(runs), 'metrics.f1 > 0.5');
  assert.equal(r.error, null);
  assert.match(r.warning!, /No run has 'metrics\.f1'/);
  assert.deepEqual(r.indices, []);
});

test('a type error on one run skips that run and says why; the rest are filtered', () => {
  const mixed = pageRuns([summary(1, { params: { seed: 'auto' } }), summary(2, { params: { seed: 3 } })]);
  const r = applyFilter(mixed, 'params.seed > 2');
  assert.deepEqual(r.indices, [1]);
  assert.equal(r.skipped, 1);
  assert.match(r.skippedReason!, /run-1/);
});
