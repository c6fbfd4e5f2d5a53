import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { activateExtension, workspaceRoot, waitFor } from './helpers.ts';
import { CommandId } from '../../../src/extension/commandIds.ts';
import type { MlopsApi } from '../../../src/extension/extension.ts';
import type { ExperimentNode } from '../../../src/extension/experiments/tree.ts';
import type { FolderRuns } from '../../../src/extension/experiments/model.ts';
import type { RunResult } from '../../../src/engine/pipeline/runner.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { RunStore } from '../../../src/engine/tracking/runStore.ts';
import { tailRunLog } from '../../../src/engine/tracking/jsonl.ts';

const MLFLOW_EXPERIMENT = 'fixture-mlflow';

suite('Experiments', () => {
  let api: MlopsApi;
  let root: string;
  let experiment: string;

  const feature = () => api.container.experiments;
  const folder = (): FolderRuns => feature().model.folders[0]!;
  const tree = () => feature().tree;
  const flat = (nodes: ExperimentNode[] = tree().getChildren()): ExperimentNode[] => nodes.flatMap((n) => [n, ...flat(tree().getChildren(n))]);
  const runNode = (name: string) => flat().find((n): n is Extract<ExperimentNode, { kind: 'run' }> => n.kind === 'run' && n.run.name === name);
  const lenses = async (file: string) => {
    const doc = await vscode.workspace.openTextDocument(file);
    const ls = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri, 500)) as vscode.CodeLens[];
    return { doc, titles: ls.filter((l) => l.command?.command === CommandId.compareRuns).map((l) => ({ line: l.range.start.line, title: l.command!.title, args: l.command!.arguments?.[0] as { ids: string[]; metric?: string } })) };
  };
  const setThreshold = (n: number) => writeFileSync(path.join(root, 'params.yaml'), `count:\n  threshold: ${n}\n`);

  let paramsBefore = '';

  suiteSetup(async () => {
    api = await activateExtension();
    root = workspaceRoot();
    paramsBefore = readFileSync(path.join(root, 'params.yaml'), 'utf8');
    experiment = path.basename(root);
    await vscode.commands.executeCommand(CommandId.initializeWorkspace);
    // The MLflow store lives below the root, so it is named in mlops.yaml; the DVCLive folder is found by itself.
    appendFileSync(path.join(root, 'mlops.yaml'), '\nexperiments:\n  mlflow: [experiments/mlruns, experiments/missing.db]\n');
    await api.container.ready();
    await feature().model.refresh();
  });

  suiteTeardown(() => {
    if (paramsBefore) writeFileSync(path.join(root, 'params.yaml'), paramsBefore);
  });

  test('runs of two pipeline runs, an MLflow store and a DVCLive folder fill the tree, grouped and newest first', async () => {
    // A changed param makes `count` stale: each run executes it (and `copy` the first time, if needed).
    setThreshold(7);
    let r = (await vscode.commands.executeCommand(CommandId.runStage, path.join(root, 'dvc.yaml'), 'count')) as RunResult;
    assert.equal(r.status, 'succeeded', JSON.stringify(r.stages));
    setThreshold(9);
    r = (await vscode.commands.executeCommand(CommandId.runStage, path.join(root, 'dvc.yaml'), 'count')) as RunResult;
    assert.equal(r.status, 'succeeded');
    await waitFor(async () => {
      await feature().model.refresh();
      return folder().runs.filter((x) => x.source === 'mlops' && x.params['count.threshold'] === 9).length >= 1;
    }, 'the second pipeline run in the model');

    const top = tree().getChildren();
    const experiments = top.filter((n) => n.kind === 'experiment').map((n) => (n.kind === 'experiment' ? n.experiment : ''));
    assert.deepEqual(experiments.sort(), [experiment, MLFLOW_EXPERIMENT].sort());
    // Our pipeline runs and the DVCLive folder share the workspace's experiment: grouped by source.
    const ours = top.find((n) => n.kind === 'experiment' && n.experiment === experiment)!;
    const sources = tree().getChildren(ours).map((n) => (n.kind === 'source' ? n.sourceLabel : `!${n.kind}`));
    assert.ok(sources.includes('pipeline') && sources.includes('experiments/dvclive/'), sources.join(', '));
    const pipelineRuns = tree().getChildren(tree().getChildren(ours).find((n) => n.kind === 'source' && n.sourceLabel === 'pipeline'));
    const starts = pipelineRuns.map((n) => (n.kind === 'run' ? n.run.startedAt ?? '' : ''));
    assert.deepEqual(starts, [...starts].sort().reverse(), 'newest first');
    const newest = pipelineRuns[0]!;
    assert.equal(newest.kind === 'run' && newest.run.params['count.threshold'], 9);

    const item = tree().getTreeItem(newest);
    assert.equal(item.contextValue, 'mlops.run.own');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    // The primary metric (acc: the MLflow and DVCLive runs have it) is each run's description.
    assert.equal(folder().primaryMetric, 'acc');
    const adam = tree().getTreeItem(runNode('adam-fast')!);
    assert.match(String(adam.description), /^acc 0\.88 · /);
    assert.equal(adam.contextValue, 'mlops.run.external');
  });

  test('a diverged run, a corrupt metric line and a missing store each show their warning; the rest shows', () => {
    const html = runNode('<img src=x onerror=alert(1)>');
    assert.ok(html, 'the run named with HTML is listed under its name, as text');
    const item = tree().getTreeItem(html);
    assert.equal(item.label, '<img src=x onerror=alert(1)>');
    assert.match(String(item.description), /acc NaN · failed/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    const tip = (item.tooltip as vscode.MarkdownString);
    assert.equal(tip.supportHtml, false);
    assert.ok(!tip.isTrusted);
    const broken = tree().getTreeItem(runNode('broken-metrics')!);
    assert.match(String(broken.description), /⚠ 1 warning/);
    assert.match((broken.tooltip as vscode.MarkdownString).value, /this(&nbsp;| )line(&nbsp;| )is(&nbsp;| )not/);
    const problem = tree().getChildren().find((n) => n.kind === 'problem');
    assert.ok(problem, 'the missing mlflow.db is reported in the tree');
    assert.match(String(tree().getTreeItem(problem).label), /missing\.db/);
  });

  test('Compare Selected opens the panel with the runs; curves come from every source', async () => {
    const picked = ['adam-fast', 'baseline-sgd', 'experiments/dvclive'].map((n) => runNode(n)!).filter(Boolean);
    assert.equal(picked.length, 3, 'three runs to compare');
    await vscode.commands.executeCommand(CommandId.compareRuns, picked[0], picked);
    const panel = await waitFor(() => feature().panelOf(folder()), 'the Experiments panel');
    assert.equal(panel.view.panel.title, 'Experiments');
    await waitFor(() => panel.view.panel.active, 'the panel to be active');
    await panel.view.ready;
    const series = feature().model.series(folder(), picked.map((n) => (n.kind === 'run' ? n.run.id : '')));
    for (const n of picked) {
      const s = series.get(n.kind === 'run' ? n.run.id : '')!;
      assert.ok(s['acc']!.length >= 5, `${n.kind === 'run' ? n.run.name : ''} has an acc curve`);
    }
    // Opening again reuses the panel.
    await vscode.commands.executeCommand(CommandId.openRunInTable, picked[1]);
    assert.equal(feature().panelOf(folder()), panel);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('CodeLens: params.yaml shows the best value and range, a training script its metric, a metrics file the change', async () => {
    const params = await lenses(path.join(root, 'params.yaml'));
    const threshold = params.titles.find((t) => t.line === 1);
    assert.ok(threshold, JSON.stringify(params.titles));
    assert.match(threshold.title, /range \d+–9 across \d+ runs/);
    assert.ok(threshold.args.ids.length >= 2);

    const script = path.join(root, 'experiments', 'train.py');
    writeFileSync(script, 'import mlflow\n\nfor epoch in range(5):\n    mlflow.log_metric("acc", acc, step=epoch)\n    mlflow.log_metric("unknown_metric", 1)\n');
    const py = await lenses(script);
    assert.equal(py.titles.length, 1, 'only metrics some run has get a lens');
    assert.equal(py.titles[0]!.line, 3);
    assert.match(py.titles[0]!.title, /^acc: latest [\d.]+ · best 0\.88 \(adam-fast\)/);
    assert.equal(py.titles[0]!.args.metric, 'acc');

    const metrics = await lenses(path.join(root, 'experiments', 'dvclive', 'metrics.json'));
    const acc = metrics.titles.find((t) => t.args.metric === 'acc');
    assert.ok(acc, JSON.stringify(metrics.titles));
    assert.match(acc.title, /vs previous run/);

    // Clicking a lens opens the comparison of its runs.
    await vscode.commands.executeCommand(CommandId.compareRuns, { folder: folder().folder.uri.toString(), ...py.titles[0]!.args });
    assert.ok(feature().panelOf(folder()), 'the comparison opened');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    await vscode.workspace.getConfiguration('mlops').update('experiments.codeLens', false, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor(async () => (await lenses(script)).titles.length === 0, 'lenses to go when the setting is off');
    } finally {
      await vscode.workspace.getConfiguration('mlops').update('experiments.codeLens', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor(async () => (await lenses(script)).titles.length === 1, 'lenses to come back');
  });

  test('a run logging from another process shows live progress, then its final status', async () => {
    const store = Store.open(root, { origin: 'test' });
    try {
      const runs = new RunStore(store);
      const rid = runs.createRun({ id: 'live-1', origin: 'jsonl', experiment: 'live', name: 'live-run', status: 'running', startedAt: new Date().toISOString() });
      const dir = path.join(root, '.mlops', 'test-live');
      mkdirSync(dir, { recursive: true });
      const log = path.join(dir, 'metrics.jsonl');
      writeFileSync(log, [0, 1, 2].map((s) => JSON.stringify({ step: s, metrics: { acc: 0.5 + s / 10, loss: 1 / (s + 1) } })).join('\n') + '\n');
      tailRunLog(runs, rid, log);
      const desc = () => { const n = runNode('live-run'); return n ? String(tree().getTreeItem(n).description) : ''; };
      await waitFor(() => /^running · step 2 · acc 0\.7/.test(desc()), `live progress in the tree (now '${desc()}')`);
      assert.equal((tree().getTreeItem(runNode('live-run')!).iconPath as vscode.ThemeIcon).id, 'sync~spin');
      assert.equal(feature().view.badge?.value, 1);
      appendFileSync(log, JSON.stringify({ step: 3, metrics: { acc: 0.9, loss: 0.2 } }) + '\n');
      tailRunLog(runs, rid, log);
      await waitFor(() => /step 3 · acc 0\.9/.test(desc()), `the next step (now '${desc()}')`);
      runs.updateRun(rid, { status: 'finished', endedAt: new Date().toISOString() });
      await waitFor(() => (tree().getTreeItem(runNode('live-run')!).iconPath as vscode.ThemeIcon).id === 'pass', 'the finished status');
      assert.equal(feature().view.badge, undefined);
      const series = feature().model.series(folder(), [runNode('live-run')!.run.id]).values().next().value!;
      assert.deepEqual(series['acc']!.map((p) => p.step), [0, 1, 2, 3]);
    } finally {
      store.close();
    }
  });

  test('Delete removes our run from the store; MLflow runs are read-only', async () => {
    const external = runNode('adam-fast')!;
    await vscode.commands.executeCommand(CommandId.deleteRun, external);
    await feature().model.refresh();
    assert.ok(runNode('adam-fast'), 'the MLflow run is still there');
    await assert.rejects(feature().model.deleteRuns(folder(), [external.run.id]), /reads but never changes/);

    const own = runNode('live-run')!;
    await feature().model.deleteRuns(folder(), [own.run.id]);
    assert.equal(runNode('live-run'), undefined);
    assert.equal(feature().model.find(own.run.id), undefined);
  });
});
