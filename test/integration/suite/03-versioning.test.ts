import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { activateExtension, workspaceRoot, waitFor } from './helpers.ts';
import { CommandId } from '../../../src/extension/commandIds.ts';
import type { DataNode } from '../../../src/extension/versioning/tree.ts';
import type { MlopsApi } from '../../../src/extension/extension.ts';

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

async function artifactNode(api: MlopsApi, rel: string): Promise<Extract<DataNode, { kind: 'artifact' }> | undefined> {
  await api.container.versioning.model.refresh();
  const tree = api.container.versioning.tree;
  const nodes = tree.getChildren();
  const flat = nodes.flatMap((n) => (n.kind === 'folder' ? tree.getChildren(n) : [n]));
  return flat.find((n): n is Extract<DataNode, { kind: 'artifact' }> => n.kind === 'artifact' && n.artifact.path === rel);
}

suite('Versioning', () => {
  const rel = 'data/sample.csv';
  let api: MlopsApi;
  let root: string;
  let original: string;

  suiteSetup(async () => {
    api = await activateExtension();
    root = workspaceRoot();
    await vscode.commands.executeCommand(CommandId.initializeWorkspace);
    await api.container.ready();
    original = readFileSync(path.join(root, rel), 'utf8');
  });

  test('Track File or Folder writes a DVC pointer, a .gitignore entry and a version', async () => {
    await vscode.commands.executeCommand(CommandId.track, vscode.Uri.file(path.join(root, rel)));
    const pointer = readFileSync(path.join(root, `${rel}.dvc`), 'utf8');
    assert.match(pointer, new RegExp(`md5: ${md5(original)}`));
    assert.match(pointer, /hash: md5\n\s+path: sample\.csv/);
    assert.match(readFileSync(path.join(root, 'data/.gitignore'), 'utf8'), /^\/sample\.csv$/m);
    const node = await waitFor(() => artifactNode(api, rel), 'the artifact in the tree');
    assert.equal(node.artifact.status, 'up-to-date');
    assert.equal(node.artifact.hash, md5(original));
    const item = api.container.versioning.tree.getTreeItem(node);
    assert.match(String(item.description), /up to date/);
  });

  test('an edit under data/ becomes a new version by itself (watcher)', async () => {
    const edited = original + '4,0.9,b\n';
    writeFileSync(path.join(root, rel), edited);
    // The pointer is written a moment before the version row (the git commit is asked in
    // between): wait for both, as a loaded machine can show the one without the other.
    await waitFor(async () => {
      const node = await artifactNode(api, rel);
      return node && node.artifact.hash === md5(edited) && node.artifact.status === 'up-to-date' && api.container.versioning.model.folders[0]!.api.history(rel).length >= 2;
    }, 'the watcher to record the edit', 15_000);
    const history = api.container.versioning.model.folders[0]!.api.history(rel);
    assert.deepEqual(history.map((v) => v.hash), [md5(edited), md5(original)], 'newest first');
    assert.equal(history[0]!.origin, 'watcher');
  });

  test('Restore This Version puts the old content back', async () => {
    const node = (await artifactNode(api, rel))!;
    const versions = api.container.versioning.tree.getChildren(node);
    const old = versions.find((v) => v.kind === 'version' && v.version.hash === md5(original));
    assert.ok(old, 'the first version is listed');
    await vscode.commands.executeCommand(CommandId.restoreVersion, old);
    assert.equal(readFileSync(path.join(root, rel), 'utf8'), original);
    const after = await artifactNode(api, rel);
    assert.equal(after?.artifact.hash, md5(original));
  });

  test('Compare With Current opens the comparison panel', async () => {
    writeFileSync(path.join(root, rel), original + '5,0.3,c\n');
    const node = (await artifactNode(api, rel))!;
    const version = api.container.versioning.tree.getChildren(node).find((v) => v.kind === 'version');
    await vscode.commands.executeCommand(CommandId.compareWithCurrent, version);
    await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === `Compare ${rel}`), 'the compare tab');
  });

  test('a malformed pointer file shows up in Problems with its line; the rest still lists', async () => {
    const bad = path.join(root, 'data', 'broken.csv.dvc');
    writeFileSync(bad, 'outs:\n- md5: 123\n  path: [unclosed\n');
    await api.container.versioning.model.refresh();
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(bad));
      return d.length ? d : undefined;
    }, 'a diagnostic on the broken pointer');
    assert.ok(diags[0]!.range.start.line >= 1);
    assert.ok(await artifactNode(api, rel), 'the good artifact is still listed');
  });

  test('Explorer decorations mark the versioned file', async () => {
    assert.ok(existsSync(path.join(root, `${rel}.dvc`)));
    const deco = api.container.versioning.decorations.provideFileDecoration(vscode.Uri.file(path.join(root, rel)));
    assert.ok(deco && (deco.badge === 'V' || deco.badge === 'M'));
  });

  test('a remote added to mlops.yaml is used by Push Data at once, without a reload', async function () {
    this.timeout(60_000);
    const config = path.join(root, 'mlops.yaml');
    const before = readFileSync(config, 'utf8');
    assert.doesNotMatch(before, /^remotes:/m);
    const remote = mkdtempSync(path.join(os.tmpdir(), 'mlops-int-remote-'));
    try {
      writeFileSync(config, `${before.trimEnd()}\nremotes:\n  default: backup\n  backup: { url: ${JSON.stringify(remote)} }\n`);
      await waitFor(() => (api.container.workspace.model.all[0]?.state.kind === 'ready' && /backup/.test(JSON.stringify(api.container.workspace.model.all[0].state.config)) ? true : undefined), 'mlops.yaml reloaded', 15_000);
      await vscode.commands.executeCommand(CommandId.pushData);
      // What the pointer records is what a push sends.
      const hash = /md5: ([0-9a-f]{32})/.exec(readFileSync(path.join(root, `${rel}.dvc`), 'utf8'))![1]!;
      await waitFor(() => (existsSync(path.join(remote, 'files', 'md5', hash.slice(0, 2), hash.slice(2))) ? true : undefined), 'the recorded version to reach the new remote', 10_000);
    } finally {
      writeFileSync(config, before);
      rmSync(remote, { recursive: true, force: true });
    }
  });
});
