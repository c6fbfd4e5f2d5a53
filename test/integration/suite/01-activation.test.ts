import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { activateExtension, EXTENSION_ID } from './helpers.ts';
import { CommandId } from '../../../src/extension/commandIds.ts';

suite('Activation', () => {
  test('the extension activates and reports its runtime', async () => {
    const api = await activateExtension();
    assert.ok(api.container);
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    // better-sqlite3 13 needs Node-API 10 in this extension host.
    assert.ok(Number(process.versions.napi) >= 10, `napi ${process.versions.napi}`);
  });

  test('every contributed command is registered and every registered id is contributed', async () => {
    await activateExtension();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: Array<{ command: string }> } };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    // The workbench adds <viewId>.focus/open/… for each view; those are not ours to contribute.
    const viewCommand = /^mlops\.[A-Za-z]+\.(focus|open|removeView|resetViewLocation|toggleVisibility)$/;
    const ours = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('mlops.') && !viewCommand.test(c)).sort();
    assert.deepEqual(ours, contributed);
    assert.deepEqual([...Object.values(CommandId)].sort(), contributed);
  });

  test('the MLOps view container and its Workspace view exist', async () => {
    await activateExtension();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { viewsContainers: { activitybar: Array<{ id: string; title: string }> }; views: Record<string, Array<{ id: string }>> };
    };
    assert.deepEqual(pkg.contributes.viewsContainers.activitybar.map((c) => c.title), ['MLOps']);
    assert.ok(pkg.contributes.views.mlops!.some((v) => v.id === 'mlops.workspace'));
    // Opening the container and focusing the view only succeed when the workbench knows them.
    await vscode.commands.executeCommand('workbench.view.extension.mlops');
    await vscode.commands.executeCommand('mlops.workspace.focus');
  });
});
