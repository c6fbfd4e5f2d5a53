import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
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

  test('stages are contributed as tasks of type mlops', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'mlops' });
    const names = tasks.map((t) => t.name);
    for (const n of ['repro', 'stage copy', 'stage count']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  });
});
