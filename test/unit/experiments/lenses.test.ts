import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { metricLeaves, pythonLogSites, yamlLeaves } from '../../../src/extension/experiments/lensSites.ts';
import { loggedMetricLens, metricFileLens, paramLens } from '../../../src/extension/experiments/lensText.ts';
import { lowerIsBetter, primaryMetric, relativeTime, runDescription } from '../../../src/extension/experiments/wire.ts';
import { REPO_ROOT } from '../helpers/tmp.ts';
import { summary } from './helpers.ts';

test('params.yaml leaves: dotted keys on their own lines, lists are leaves, comments ignored', () => {
  const text = readFileSync(path.join(REPO_ROOT, 'examples/churn/params.yaml'), 'utf8');
  const leaves = yamlLeaves(text);
  const at = (k: string) => leaves.find((l) => l.key === k);
  assert.equal(at('train.lr')!.value, 0.05);
  assert.equal(text.split('\n')[at('train.lr')!.line], '  lr: 0.05');
  assert.deepEqual(at('featurize.numeric')!.value, ['age', 'tenure_months', 'monthly_charges', 'total_charges', 'support_calls']);
  assert.equal(text.split('\n')[at('prepare.split')!.line]!.trim().startsWith('split: 0.2'), true);
  assert.deepEqual(yamlLeaves('a: [1,\n'), [], 'broken YAML gives no lenses rather than wrong ones');
});

test('metrics file leaves: numbers only, nested keys dotted, nan/inf spellings read', () => {
  const leaves = metricLeaves('{\n  "accuracy": 0.85,\n  "train": {"loss": "nan"},\n  "note": "text",\n  "roc_auc": 0.9\n}\n');
  assert.deepEqual(leaves.map((l) => [l.key, l.line]), [['accuracy', 1], ['train.loss', 2], ['roc_auc', 4]]);
  assert.ok(Number.isNaN(leaves[1]!.value));
});

test('Python: log_metric, log_metrics, logger.log dicts, Lightning self.log and our JSON lines', () => {
  const src = [
    'import mlflow',
    'mlflow.log_metric("acc", acc, step=epoch)',
    "live.log_metric('train/loss', loss)",
    'mlflow.log_metrics({"f1": f1, "auc": auc})',
    '# mlflow.log_metric("commented", 1)',
    '            loggers.log(epoch, {"loss": loss, "train_accuracy": accuracy})',
    'self.log("val_loss", val_loss)',
    'f.write(json.dumps({"step": step, "metrics": {"rmse": rmse}}) + "\\n")',
    'print("nothing to see")',
  ].join('\n');
  assert.deepEqual(pythonLogSites(src), [
    { line: 1, metrics: ['acc'] },
    { line: 2, metrics: ['train/loss'] },
    { line: 3, metrics: ['f1', 'auc'] },
    { line: 5, metrics: ['loss', 'train_accuracy'] },
    { line: 6, metrics: ['val_loss'] },
    { line: 7, metrics: ['rmse'] },
  ]);
  const churn = readFileSync(path.join(REPO_ROOT, 'examples/churn/src/train.py'), 'utf8');
  const sites = pythonLogSites(churn);
  assert.ok(sites.some((s) => s.metrics.join() === 'loss,train_accuracy'), JSON.stringify(sites));
});

const runs = [
  summary(4, { name: 'run-4', status: 'running', metrics: { accuracy: 0.8, loss: 0.5 }, params: { 'train.lr': 0.3 } }),
  summary(3, { name: 'run-3', metrics: { accuracy: 0.91, loss: 0.3 }, params: { 'train.lr': 0.05, 'train.opt': 'adam' } }),
  summary(2, { name: 'run-2', metrics: { accuracy: 0.88, loss: 0.2 }, params: { 'train.lr': 0.01, 'train.opt': 'sgd' } }),
  summary(1, { name: 'run-1', status: 'failed', metrics: { accuracy: 0.99, loss: Number.NaN }, params: { 'train.lr': 0.9 } }),
];

test('param lens: the best run by the primary metric (failed runs do not count) and the range', () => {
  const l = paramLens('train.lr', runs, 'accuracy')!;
  assert.equal(l.title, 'best 0.05 (run-3, accuracy 0.91) · range 0.01–0.9 across 4 runs');
  assert.equal(l.runIds[0], 'mlops:r3');
  assert.equal(l.metric, 'accuracy');
  assert.equal(paramLens('train.opt', runs, 'accuracy')!.title, 'best adam (run-3, accuracy 0.91) · 2 values across 2 runs');
  assert.equal(paramLens('nope', runs, 'accuracy'), undefined);
  const same = runs.map((r) => ({ ...r, params: { ...r.params, 'train.seed': 7 } }));
  assert.equal(paramLens('train.seed', same, 'accuracy')!.title, '7 in all 4 runs', 'no "best" when every run used the same value');
  assert.match(paramLens('train.lr', runs, 'loss')!.title, /^best 0\.01 \(run-2, loss 0\.2\)/, 'loss: lower is better');
});

test('metrics file lens: against the marked baseline, else the previous run', () => {
  const marked = metricFileLens('accuracy', 0.8, runs, 'mlops:r2')!;
  assert.equal(marked.title, '−0.08 (−9.1%) vs baseline run-2 (0.88) ▼ worse');
  assert.deepEqual(marked.runIds, ['mlops:r4', 'mlops:r2']);
  const prev = metricFileLens('loss', 0.5, runs, null)!;
  assert.equal(prev.title, '+0.2 (+66.7%) vs previous run run-3 (0.3) ▼ worse');
  assert.equal(metricFileLens('accuracy', 0.91, runs, 'mlops:r3')!.title, 'unchanged vs baseline run-3 (0.91)');
  assert.match(metricFileLens('loss', Number.NaN, runs, 'mlops:r2')!.title, /^NaN vs 0\.2/);
});

test('logged-metric lens: latest (even while running) and best', () => {
  assert.equal(loggedMetricLens('accuracy', runs)!.title, 'accuracy: latest 0.8 (running) · best 0.91 (run-3)');
  assert.equal(loggedMetricLens('loss', runs.slice(2))!.title, 'loss: latest 0.2 · the best so far');
  assert.equal(loggedMetricLens('f1', runs), undefined);
  const other = summary(9, { name: 'mlflow-run', source: 'mlflow', experiment: 'elsewhere', metrics: { accuracy: 0.999 } });
  assert.equal(loggedMetricLens('accuracy', [...runs, other])!.title, 'accuracy: latest 0.8 (running) · best 0.91 (run-3)', 'another experiment does not compete');
});

test('primary metric, direction, relative time, tree description', () => {
  assert.equal(primaryMetric(runs), 'accuracy');
  assert.equal(primaryMetric(runs, 'loss'), 'loss');
  assert.equal(primaryMetric([summary(1, { metrics: { zeta: 1, alpha: 2 } })]), 'alpha');
  assert.equal(primaryMetric([]), null);
  assert.ok(lowerIsBetter('val/loss') && lowerIsBetter('rmse') && !lowerIsBetter('accuracy') && !lowerIsBetter('roc_auc'));
  const now = Date.parse('2026-01-02T12:00:00Z');
  assert.equal(relativeTime('2026-01-02T11:59:50Z', now), 'just now');
  assert.equal(relativeTime('2026-01-02T11:30:00Z', now), '30 min ago');
  assert.equal(relativeTime('2026-01-01T10:00:00Z', now), 'yesterday');
  assert.equal(relativeTime(null, now), '');
  assert.deepEqual(runDescription(runs[0]!, 'accuracy', 12), 'running · step 12 · accuracy 0.8');
  assert.match(runDescription({ ...runs[3]!, warnings: ['bad line'] }, 'loss', undefined), /^loss NaN · failed · .* · ⚠ 1 warning$/);
});
