// End to end on examples/churn (Python 3 standard library): what `dvc repro` would do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline } from '../../../src/engine/pipeline/runner.ts';
import { parseLock } from '../../../src/engine/pipeline/lock.ts';
import { tempDir } from './helpers.ts';

const CHURN = path.resolve(import.meta.dirname, '../../../examples/churn');

test('examples/churn: full run, no-op rerun, then a train.lr change reruns exactly train and evaluate', { timeout: 180_000 }, async () => {
  const dir = tempDir('mlops-churn-');
  cpSync(CHURN, dir, { recursive: true });
  const first = await runPipeline(dir, { trusted: true });
  assert.equal(first.status, 'succeeded', first.stages.map((s) => s.error?.describe()).join('\n'));
  assert.deepEqual(first.stages.map((s) => [s.stage, s.status]), [['prepare', 'succeeded'], ['featurize', 'succeeded'], ['train', 'succeeded'], ['evaluate', 'succeeded']]);
  const lockText = readFileSync(path.join(dir, 'dvc.lock'), 'utf8');

  const second = await runPipeline(dir, { trusted: true });
  assert.deepEqual(second.stages.map((s) => s.status), ['skipped', 'skipped', 'skipped', 'skipped']);
  assert.equal(readFileSync(path.join(dir, 'dvc.lock'), 'utf8'), lockText, 'a no-op run does not rewrite dvc.lock');

  const params = path.join(dir, 'params.yaml');
  writeFileSync(params, readFileSync(params, 'utf8').replace('lr: 0.05', 'lr: 0.2'));
  const third = await runPipeline(dir, { trusted: true });
  assert.deepEqual(third.stages.filter((s) => s.status === 'succeeded').map((s) => s.stage), ['train', 'evaluate']);
  assert.match(third.stages[2]!.reasons.map((r) => r.message).join(), /param train\.lr changed: 0\.05 → 0\.2/);
  const evalJson = JSON.parse(readFileSync(path.join(dir, 'metrics', 'eval.json'), 'utf8'));
  assert.equal(evalJson.accuracy, 0.8517, 'README: lr 0.2 gives accuracy 0.8517');

  // The lock has DVC's structure.
  const text = readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
  assert.ok(text.startsWith("schema: '2.0'\nstages:\n  prepare:\n    cmd: python3 src/prepare.py\n    deps:\n    - path: data/raw/customers.csv\n      hash: md5\n      md5: "));
  const lock = parseLock(text, 'dvc.lock');
  assert.deepEqual([...lock.stages.keys()], ['prepare', 'featurize', 'train', 'evaluate']);
  const train = lock.stages.get('train')!;
  assert.deepEqual(train.outs.map((o) => o.path), ['dvclive/metrics.json', 'dvclive/params.yaml', 'dvclive/plots/metrics', 'models/model.json']);
  assert.equal(train.params['params.yaml']!['train.lr'], 0.2);
  assert.match(text, /\n  train:\n    cmd: python3 src\/train\.py\n    deps:\n    - path: data\/features\n      hash: md5\n      md5: [0-9a-f]{32}\.dir\n      size: \d+\n      nfiles: 3\n/);
  assert.match(text, /    params:\n      params\.yaml:\n        train\.batch_size: 64\n        train\.epochs: 30\n        train\.l2: 0\.001\n        train\.lr: 0\.2\n        train\.seed: 7\n    outs:\n/);
  assert.equal(lock.stages.get('prepare')!.outs[0]!.nfiles, 2);
});
