import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, rmSync, cpSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { activateExtension, workspaceRoot, waitFor } from './helpers.ts';
import { Store, storePath } from '../../../src/engine/store/store.ts';
import { LATEST_SCHEMA_VERSION } from '../../../src/engine/store/migrations.ts';
import { CommandId } from '../../../src/extension/commandIds.ts';

suite('Workspace', () => {
  test('a folder that is not initialized is reported as such, without errors', async () => {
    const api = await activateExtension();
    const root = workspaceRoot();
    assert.equal(existsSync(path.join(root, '.mlops')), false, 'fixture starts uninitialized');
    await api.container.workspace.model.refresh();
    assert.equal(api.container.workspace.model.current()?.state.kind, 'uninitialized');
  });

  test('MLOps: Initialize Workspace creates the store at the current schema and a config', async () => {
    const api = await activateExtension();
    const root = workspaceRoot();
    await vscode.commands.executeCommand(CommandId.initializeWorkspace);
    assert.ok(existsSync(storePath(root)), 'database created');
    const store = Store.open(root, { origin: 'test', readonly: true });
    try {
      assert.equal(store.schemaVersion, LATEST_SCHEMA_VERSION);
      assert.equal(store.recentActivity(1)[0]?.action, 'workspace.init');
      assert.equal(store.recentActivity(1)[0]?.origin, 'extension');
    } finally {
      store.close();
    }
    assert.match(readFileSync(path.join(root, 'mlops.yaml'), 'utf8'), /version: 1/);
    await waitFor(() => api.container.workspace.model.current()?.state.kind === 'ready', 'state ready');
  });

  test('mlops.yaml errors appear in Problems on their line, and clear when fixed', async () => {
    const api = await activateExtension();
    const root = workspaceRoot();
    const cfg = path.join(root, 'mlops.yaml');
    const good = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, 'version: 1\ntrack:\n  paths: data\n');
    await api.container.workspace.model.refresh();
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(cfg));
      return d.length ? d : undefined;
    }, 'a diagnostic on mlops.yaml');
    assert.equal(diags[0]!.range.start.line, 2, 'points at line 3 (0-based 2)');
    assert.match(diags[0]!.message, /track\.paths/);
    writeFileSync(cfg, good);
    await api.container.workspace.model.refresh();
    await waitFor(() => vscode.languages.getDiagnostics(vscode.Uri.file(cfg)).length === 0, 'diagnostics cleared');
  });

  test('a corrupt store is an error state with a message, and the file is kept', async () => {
    const api = await activateExtension();
    const root = workspaceRoot();
    const db = storePath(root);
    const backup = db + '.bak';
    cpSync(db, backup);
    try {
      for (const ext of ['-wal', '-shm']) rmSync(db + ext, { force: true });
      writeFileSync(db, 'not a database');
      await api.container.workspace.model.refresh();
      const s = api.container.workspace.model.current()!.state;
      assert.equal(s.kind, 'error');
      assert.match(s.kind === 'error' ? s.error.message : '', /not an SQLite database/);
      assert.equal(readFileSync(db, 'utf8'), 'not a database', 'file untouched');
    } finally {
      cpSync(backup, db);
      rmSync(backup);
      await api.container.workspace.model.refresh();
    }
    assert.equal(api.container.workspace.model.current()!.state.kind, 'ready');
  });

  test('the CLI and the extension share the store: a CLI write shows up in the extension', async () => {
    const api = await activateExtension();
    const root = workspaceRoot();
    const repo = process.env.MLOPS_REPO!;
    const cli = path.join(repo, 'dist/cli.js');
    const out = execFileSync(process.execPath, [cli, 'init', '--json'], { cwd: root, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' });
    assert.equal(JSON.parse(out).createdStore, false);
    await api.container.workspace.model.refresh();
    const activity = api.container.workspace.model.current()!.activity;
    assert.equal(activity[0]?.origin, 'cli');
  });
});
