// Pipeline runs become tracked runs: a tiny real dvc.yaml, then examples/churn twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline } from '../../../src/engine/pipeline/runner.ts';
import { openTracking } from '../../../src/engine/tracking/tracking.ts';
import type { RunSummary } from '../../../src/engine/tracking/api.ts';
import { NODE, project } from '../pipeline/helpers.ts';
import { openStore, tempDir } from './fixtures.ts';

const TRAIN_JS = `
const fs = require('fs');
const path = require('path');
const lr = Number(/lr: (\\S+)/.exec(fs.readFileSync('params.yaml', 'utf8'))[1]);
const log = path.join(process.env.MLOPS_RUN_DIR, 'metrics.jsonl');
let step = 0;
function tick() {
  if (step < 6) {
    fs.appendFileSync(log, JSON.stringify({ step, metrics: { loss: 1 / (step + 1), acc: step * lr } }) + '\\n');
    step++;
    setTimeout(tick, 250);
    return;
  }
  fs.appendFileSync(log, 'oops, not json\\n');
  fs.appendFileSync(log, '{"step": 6, "loss": NaN}'); // Python's json.dumps NaN, and no final newline
  fs.writeFileSync('model.txt', 'model ' + lr);
  fs.writeFileSync('metrics.json', JSON.stringify({ acc: 0.9, nested: { f1: 0.8 } }));
}
tick();
`;

function tinyProject(): string {
  return project({
    'data/raw.txt': 'a,b\n1,2\n',
    'prep.js': "require('fs').mkdirSync('data', { recursive: true }); require('fs').writeFileSync('data/clean.txt', require('fs').readFileSync('data/raw.txt', 'utf8').toUpperCase());\n",
    'train.js': TRAIN_JS,
    'params.yaml': 'train:\n  lr: 0.5\n  epochs: 6\n  name: "<b>bold</b>"\n',
    'mlops.yaml': 'version: 1\nexperiments:\n  name: tiny\n',
    'dvc.yaml': [
      'stages:',
      '  prepare:',
      `    cmd: '"${NODE}" prep.js'`,
      '    deps: [data/raw.txt, prep.js]',
      '    outs: [data/clean.txt]',
      '  train:',
      `    cmd: '"${NODE}" train.js'`,
      '    deps: [data/clean.txt, train.js]',
      '    params: [train.lr, train.epochs, train.name]',
      '    outs: [model.txt]',
      '    metrics:',
      '    - metrics.json:',
      '        cache: false',
      '',
    ].join('\n'),
  });
}

test('a pipeline run is a tracked run: live series while training, then params, metrics, inputs/outputs with hashes, git and status', { timeout: 60_000 }, async () => {
  const dir = tinyProject();
  const store = openStore(dir);
  const watcherStore = openStore(dir); // the editor's own connection, as if in another process
  const t = openTracking(dir, watcherStore, { pollMs: 50 });
  let sawLive = false;
  let events = 0;
  t.onDidChange(() => {
    events++;
    const running = t.listRuns({ filter: "status == 'running'" })[0];
    const pts = running ? t.series([running.id]).get(running.id)?.['loss']?.length ?? 0 : 0;
    if (pts > 0 && pts < 6) sawLive = true;
  });
  try {
    const result = await runPipeline(dir, { trusted: true, store, workspaceRoot: dir });
    assert.equal(result.status, 'succeeded', result.stages.map((s) => s.error?.describe()).join('\n'));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(sawLive, `the series grew while the stage ran (${events} change events)`);

    const runs = t.listRuns();
    assert.equal(runs.length, 1);
    const run = t.getRun(runs[0]!.id)!;
    assert.equal(run.id, `mlops:${result.runId}`);
    assert.equal(run.source, 'mlops');
    assert.equal(run.sourceLabel, 'pipeline');
    assert.equal(run.experiment, 'tiny', 'experiments.name from mlops.yaml');
    assert.equal(run.name, 'run-1');
    assert.equal(run.status, 'finished');
    assert.ok(run.startedAt && run.endedAt && run.endedAt >= run.startedAt);
    assert.equal(run.gitCommit, null, 'not a git repository');
    assert.deepEqual(run.params, { 'train.lr': 0.5, 'train.epochs': 6, 'train.name': '<b>bold</b>' });
    assert.deepEqual(run.metrics['acc'], 0.9, 'the metrics file is the summary');
    assert.equal(run.metrics['nested.f1'], 0.8);
    assert.ok(Number.isNaN(run.metrics['loss']), 'the unterminated last line (NaN) was read when the stage ended');
    assert.deepEqual(run.series['loss']!.map((p) => p.step), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(run.series['acc']!.map((p) => p.value), [0, 0.5, 1, 1.5, 2, 2.5]);
    assert.deepEqual(run.warnings, ['metrics.jsonl line 7: not valid JSON (Unexpected token \'o\', "oops, not json" is not valid JSON)']);
    assert.deepEqual(run.inputs.map((i) => i.path), ['data/raw.txt', 'prep.js', 'train.js']);
    assert.deepEqual(run.outputs.map((o) => o.path), ['data/clean.txt', 'metrics.json', 'model.txt']);
    assert.match(run.outputs[2]!.hash!, /^[0-9a-f]{32}$/);
    assert.equal(run.outputs[2]!.size, 'model 0.5'.length);
    assert.equal(run.extra['stagesRun'], 'prepare, train');
    assert.equal(run.extra['pipelineRun'], result.runId);

    // Nothing stale: no stage executes, no new run.
    const again = await runPipeline(dir, { trusted: true, store, workspaceRoot: dir });
    assert.deepEqual(again.stages.map((s) => s.status), ['skipped', 'skipped']);
    assert.equal(t.listRuns().length, 1);

    // A failing stage is a failed run.
    writeFileSync(path.join(dir, 'train.js'), 'process.exit(3);\n');
    const failed = await runPipeline(dir, { trusted: true, store, workspaceRoot: dir });
    assert.equal(failed.status, 'failed');
    const f = t.getRun(`mlops:${failed.runId}`)!;
    assert.equal(f.status, 'failed');
    assert.equal(f.name, 'run-2');
    assert.equal(t.latestRun('tiny')!.id, run.id, 'latest finished run ignores the failed one');
  } finally {
    t.close();
    watcherStore.close();
    store.close();
  }
});

test('in a git repository the run records HEAD and whether tracked files were modified', { timeout: 60_000 }, async () => {
  const dir = tinyProject();
  writeFileSync(path.join(dir, 'train.js'), "require('fs').writeFileSync('model.txt', 'm'); require('fs').writeFileSync('metrics.json', '{\"acc\": 1}');\n");
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).trim();
  git('init', '-q');
  writeFileSync(path.join(dir, '.gitignore'), '.mlops/\n');
  git('add', '.');
  git('commit', '-qm', 'start');
  writeFileSync(path.join(dir, 'params.yaml'), 'train:\n  lr: 0.7\n  epochs: 6\n  name: x\n'); // a tracked file, modified
  const store = openStore(dir);
  const t = openTracking(dir, store);
  try {
    const r = await runPipeline(dir, { trusted: true, store, workspaceRoot: dir });
    assert.equal(r.status, 'succeeded', r.stages.map((s) => s.error?.describe()).join('\n'));
    const run = t.getRun(`mlops:${r.runId}`)!;
    assert.equal(run.gitCommit, git('rev-parse', 'HEAD'));
    assert.equal(run.gitDirty, true);
    assert.equal(run.params['train.lr'], 0.7);
  } finally {
    t.close();
    store.close();
  }
});

test('examples/churn run twice with different train.lr: two runs, each with the train series and evaluation metrics', { timeout: 240_000 }, async () => {
  const dir = tempDir('mlops-churn-tracking-');
  cpSync(path.resolve(import.meta.dirname, '../../../examples/churn'), dir, { recursive: true });
  const store = openStore(dir);
  const t = openTracking(dir, store);
  try {
    const first = await runPipeline(dir, { trusted: true, store, workspaceRoot: dir });
    assert.equal(first.status, 'succeeded', first.stages.map((s) => s.error?.describe()).join('\n'));
    const params = path.join(dir, 'params.yaml');
    writeFileSync(params, readFileSync(params, 'utf8').replace('lr: 0.05', 'lr: 0.2'));
    const second = await runPipeline(dir, { trusted: true, store, workspaceRoot: dir });
    assert.equal(second.status, 'succeeded');
    await t.refresh();
    const ours = t.listRuns({ filter: "source == 'mlops'", sort: { key: 'params.train.lr' } });
    assert.equal(ours.length, 2);
    assert.deepEqual(ours.map((r) => r.params['train.lr']), [0.05, 0.2]);
    assert.equal(ours[1]!.metrics['accuracy'], 0.8517, 'README: lr 0.2 gives accuracy 0.8517');
    assert.ok(!('extra' in ours[1]!), 'summaries carry no source-specific extras');
    for (const r of ours) {
      const s = t.series([r.id]).get(r.id)!;
      assert.equal(s['loss']!.length, 30, `${r.name}: one loss point per epoch`);
      assert.equal(s['train_accuracy']!.length, 30);
      assert.ok(r.inputs.some((i) => i.path === 'data/raw/customers.csv' && /^[0-9a-f]{32}$/.test(i.hash ?? '')));
      assert.ok(r.outputs.some((o) => o.path === 'models/model.json'));
    }
    assert.equal(t.getRun(ours[1]!.id)!.extra['stagesRun'], 'train, evaluate');
    assert.ok(t.listRuns({ filter: "source == 'dvclive'" }).length === 1, 'the workspace dvclive/ folder is a run too');
    assert.equal(t.listRuns({ filter: 'params.train.lr > 0.1 and metrics.accuracy > 0.85' }).length, 1);
  } finally {
    t.close();
    store.close();
  }
});

test('a run whose process was killed (-9) mid-stage is marked killed by the next reader, with the reason', { timeout: 60_000 }, async () => {
  const dir = tinyProject();
  const cli = path.resolve(import.meta.dirname, '../../../src/cli/index.ts');
  const child = spawn(NODE, [cli, 'repro'], { cwd: dir, detached: true, stdio: 'ignore' });
  const store = openStore(dir);
  const t = openTracking(dir, store);
  try {
    const deadline = Date.now() + 30_000;
    let running: RunSummary | undefined;
    while (!running && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      await t.refresh();
      running = t.listRuns().find((r) => r.status === 'running');
    }
    assert.ok(running, 'the run showed as running');
    assert.equal(t.getRun(running.id)!.extra['runner'], `${hostname()}:${child.pid}`);
    await t.refresh();
    assert.equal(t.getRun(running.id)!.status, 'running', 'a live runner keeps its run running');

    process.kill(child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await t.refresh();
    const killed = t.getRun(running.id)!;
    assert.equal(killed.status, 'killed');
    assert.ok(killed.endedAt);
    assert.deepEqual(killed.warnings.filter((w) => w.includes('pid')), [`the process running it (pid ${child.pid}) ended without finishing the run: killed or crashed`]);
    const row = store.db.prepare('SELECT status FROM pipeline_runs WHERE id = ?').get(running.id.slice('mlops:'.length)) as { status: string };
    assert.equal(row.status, 'stopped');
    assert.equal(store.db.prepare("SELECT COUNT(*) FROM stage_runs WHERE status = 'running'").pluck().get(), 0);
  } finally {
    try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ }
    t.close();
    store.close();
    await new Promise((r) => setTimeout(r, 2000)); // the orphaned stage finishes its files
  }
});
