import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { DvcLiveSource, isDvcLiveDir, parseMetricTsv } from '../../../src/engine/tracking/dvclive.ts';
import { tempDir, write, writeDvcLive } from './fixtures.ts';

test('DVCLive TSV: with and without timestamps, nan/inf strings, CRLF; bad rows are warnings', () => {
  const plain = parseMetricTsv('step\tavg_prec\n0\t0.9268792615819422\n', 'avg_prec.tsv');
  assert.deepEqual(plain.points, [{ step: 0, value: 0.9268792615819422, timestamp: null }]);
  const ts = parseMetricTsv('timestamp\tstep\tloss\r\n1700000000000\t0\tnan\r\n1700000000100\t1\tinf\r\n1700000000200\t2\t-inf\r\nx\ty\tz\r\n', 'loss.tsv');
  assert.deepEqual(ts.points.map((p) => [p.step, p.value, p.timestamp]), [[0, NaN, 1700000000000], [1, Infinity, 1700000000100], [2, -Infinity, 1700000000200]]);
  assert.deepEqual(ts.warnings, ["loss.tsv line 5: expected a step and a number, got 'x\ty\tz'"]);
  assert.match(parseMetricTsv('loss\n1\n', 'bad.tsv').warnings[0]!, /the header must be/);
});

test('a DVCLive folder is one read-only run: params.yaml, metrics.json summary, TSV series keyed like metrics.json', async () => {
  const root = tempDir();
  const dir = path.join(root, 'dvclive');
  writeDvcLive(dir, {
    params: 'lr: 0.05\nepochs: 30\nmodel:\n  layers: [8, 4]\n  name: "<img src=x>"\n',
    metrics: '{\n    "train": {\n        "loss": 0.21,\n        "acc": "nan"\n    },\n    "val_auc": "inf",\n    "step": 2\n}\n',
    tsv: {
      'train/loss': 'timestamp\tstep\tloss\n1700000000000\t0\t0.9\n1700000000500\t1\t0.5\n1700000001000\t2\t0.21\n',
      'train/acc': 'step\tacc\n0\t0.5\n1\tnan\n2\tnan\n',
      only_series: 'step\tonly_series\n0\t1\n3\t4\n',
    },
  });
  assert.ok(isDvcLiveDir(dir));
  const src = new DvcLiveSource(dir, { root, experiment: 'churn' });
  const scan = await src.scan();
  assert.equal(scan.runs.length, 1);
  const run = scan.runs[0]!;
  const s = run.summary;
  assert.equal(s.id, 'dvclive:dvclive');
  assert.equal(s.source, 'dvclive');
  assert.equal(s.sourceLabel, 'dvclive/');
  assert.equal(s.experiment, 'churn');
  assert.equal(s.readOnly, true);
  assert.deepEqual(s.params, { lr: 0.05, epochs: 30, 'model.layers': '[8,4]', 'model.name': '<img src=x>' });
  assert.equal(s.metrics['train.loss'], 0.21);
  assert.ok(Number.isNaN(s.metrics['train.acc']));
  assert.equal(s.metrics['val_auc'], Infinity);
  assert.equal(s.metrics['only_series'], 4, 'a series without a summary value shows its last point');
  assert.equal(s.metrics['step'], undefined, "DVCLive's summary `step` is where the run is, not a metric");
  assert.equal(run.extra['step'], '2');
  assert.equal(s.startedAt, '2023-11-14T22:13:20.000Z', 'earliest TSV timestamp');
  assert.deepEqual(s.warnings, []);
  const series = run.loadSeries();
  assert.deepEqual(Object.keys(series).sort(), ['only_series', 'train.acc', 'train.loss']);
  assert.deepEqual(series['train.loss']!.map((p) => p.value), [0.9, 0.5, 0.21]);
  assert.deepEqual(Object.keys(run.loadSeries(['train.loss'])), ['train.loss']);

  assert.equal((await src.scan()).changed, false, 'unchanged: cached');
  appendFileSync(path.join(dir, 'plots', 'metrics', 'only_series.tsv'), '4\t5\n');
  const f = path.join(dir, 'plots', 'metrics', 'only_series.tsv');
  utimesSync(f, new Date(), new Date(Date.now() + 2000));
  const again = await src.scan();
  assert.equal(again.changed, true);
  assert.equal(again.runs[0]!.summary.metrics['only_series'], 5);
});

test('a broken metrics.json or params.yaml is a warning on the run; the series still load', async () => {
  const root = tempDir();
  const dir = path.join(root, 'exp', 'live');
  writeDvcLive(dir, { params: 'lr: [unclosed\n', metrics: '{"loss": 0.5,', tsv: { loss: 'step\tloss\n0\t0.7\n1\tbroken\n' } });
  const run = (await new DvcLiveSource(dir, { root, experiment: 'e' }).scan()).runs[0]!;
  assert.equal(run.summary.id, 'dvclive:exp/live');
  assert.equal(run.summary.warnings.length, 3);
  assert.match(run.summary.warnings[0]!, /^exp\/live\/params\.yaml: params\.yaml could not be parsed/);
  assert.match(run.summary.warnings[1]!, /^exp\/live\/metrics\.json: metrics\.json could not be parsed/);
  assert.equal(run.summary.warnings[2], "exp/live/plots/metrics/loss.tsv line 3: expected a step and a number, got '1\tbroken'");
  assert.equal(run.summary.metrics['loss'], 0.7);
  write(dir, 'metrics.json', '{"loss": 0.1}\n');
});
