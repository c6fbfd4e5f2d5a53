import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { activateExtension, workspaceRoot, waitFor } from './helpers.ts';
import { CommandId } from '../../../src/extension/commandIds.ts';
import type { MlopsApi } from '../../../src/extension/extension.ts';
import type { RunResult } from '../../../src/engine/pipeline/runner.ts';

suite('Pipeline', () => {
  let api: MlopsApi;
  let root: string;
  let file: string;

  suiteSetup(async () => {
    api = await activateExtension();
    root = workspaceRoot();
    file = path.join(root, 'dvc.yaml');
    await api.container.pipeline.model.refresh();
  });

  const stageNames = () => api.container.pipeline.tree.getChildren().filter((n) => n.kind === 'stage').map((n) => (n.kind === 'stage' ? n.stage.name : ''));
  const status = (stage: string) => api.container.pipeline.model.statusOf(file, stage);

  test('the Pipeline view lists stages in DAG order with why they are stale', () => {
    assert.deepEqual(stageNames(), ['copy', 'count', 'broken', 'after-broken']);
    assert.equal(status('count')?.state, 'stale');
    assert.match(status('count')!.reasons.map((r) => r.message).join(' '), /lock/i);
  });

  test('Run Stage runs it and its stale upstream in terminals, and writes dvc.lock', async () => {
    const result = (await vscode.commands.executeCommand(CommandId.runStage, file, 'count')) as RunResult;
    assert.equal(result.status, 'succeeded', JSON.stringify(result.stages));
    assert.deepEqual(result.stages.map((s) => [s.stage, s.status]), [['copy', 'succeeded'], ['count', 'succeeded']]);
    const lock = readFileSync(path.join(root, 'dvc.lock'), 'utf8');
    assert.match(lock, /^schema: '2\.0'\nstages:\n  copy:\n/);
    assert.match(lock, /count\.threshold: 2/);
    assert.ok(vscode.window.terminals.some((t) => t.name === 'MLOps ▸ count'), 'the stage ran in its own terminal');
    await api.container.pipeline.model.refresh();
    assert.equal(status('copy')?.state, 'up-to-date');
    assert.equal(status('count')?.state, 'up-to-date');
  });

  test('an unchanged rerun skips everything', async () => {
    const result = (await vscode.commands.executeCommand(CommandId.runStage, file, 'count')) as RunResult;
    assert.deepEqual(result.stages.map((s) => s.status), ['skipped', 'skipped']);
  });

  test('changing a param makes exactly the affected stage stale, with the param in the reason and the CodeLens', async () => {
    writeFileSync(path.join(root, 'params.yaml'), 'count:\n  threshold: 5\n');
    await waitFor(async () => {
      await api.container.pipeline.model.refresh();
      return status('count')?.state === 'stale';
    }, 'count to become stale');
    assert.equal(status('copy')?.state, 'up-to-date');
    assert.ok(status('count')!.reasons.some((r) => r.kind === 'param-modified' && /count\.threshold.*2.*5/.test(r.message)), JSON.stringify(status('count')!.reasons));
    const doc = await vscode.workspace.openTextDocument(file);
    const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri)) as vscode.CodeLens[];
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.includes('▶ Run'));
    assert.ok(titles.includes('Run downstream'));
    assert.ok(titles.some((t) => /count\.threshold/.test(t)), titles.join(' | '));
    const result = (await vscode.commands.executeCommand(CommandId.runStage, file, 'count')) as RunResult;
    assert.deepEqual(result.stages.map((s) => [s.stage, s.status]), [['copy', 'skipped'], ['count', 'succeeded']]);
  });

  test('a failing stage stops its downstream, shows as failed and leaves the lock alone', async () => {
    const before = readFileSync(path.join(root, 'dvc.lock'), 'utf8');
    const result = (await vscode.commands.executeCommand(CommandId.runDownstream, file, 'broken')) as RunResult;
    assert.equal(result.status, 'failed');
    assert.deepEqual(result.stages.map((s) => [s.stage, s.status]), [['broken', 'failed'], ['after-broken', 'not-run']]);
    assert.equal(result.stages[0]!.exitCode, 3);
    assert.equal(readFileSync(path.join(root, 'dvc.lock'), 'utf8'), before);
    assert.equal(existsSync(path.join(root, 'out/after.txt')), false);
    const node = api.container.pipeline.tree.getChildren().find((n) => n.kind === 'stage' && n.stage.name === 'broken')!;
    const item = api.container.pipeline.tree.getTreeItem(node);
    assert.equal(item.contextValue, 'mlops.stage.failed');
    assert.match(String(item.description), /failed/);
  });

  test('only what the pipeline depends on is watched: an output rewrite reloads it, an unrelated file does not', async () => {
    const model = api.container.pipeline.model;
    const folder = vscode.workspace.workspaceFolders![0]!;
    const glob = model.watchedGlob(folder) ?? '';
    for (const p of ['dvc.yaml', 'dvc.lock', 'params.yaml', 'data/sample.csv', 'out/count.txt']) assert.ok(glob.includes(p), `${p} in ${glob}`);
    // The same glob as VS Code reads it: which of two writes would reach the model at all.
    const seen: string[] = [];
    const probe = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, glob));
    for (const on of [probe.onDidCreate, probe.onDidChange, probe.onDidDelete]) on((u) => seen.push(vscode.workspace.asRelativePath(u)));
    let reloads = 0;
    const sub = model.onDidChange(() => reloads++);
    try {
      writeFileSync(path.join(root, 'unrelated-notes.txt'), 'not part of the pipeline\n');
      const count = path.join(root, 'out', 'count.txt');
      await new Promise((r) => setTimeout(r, 1000));
      reloads = 0;
      writeFileSync(count, readFileSync(count));
      await waitFor(() => seen.includes('out/count.txt'), 'the output rewrite to be seen by the watched glob');
      await waitFor(() => reloads > 0, 'a reload after an output was rewritten');
      assert.ok(!seen.includes('unrelated-notes.txt'), `a file the pipeline does not use is not watched (seen: ${seen.join(', ')})`);
    } finally {
      sub.dispose();
      probe.dispose();
      rmSync(path.join(root, 'unrelated-notes.txt'), { force: true });
    }
  });

  test('stages are contributed as tasks of type mlops', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'mlops' });
    const names = tasks.map((t) => t.name);
    for (const n of ['repro', 'stage copy', 'stage count']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  });
});
