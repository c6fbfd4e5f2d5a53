import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { initWorkspace, inspectWorkspace, findWorkspaceRoot } from '../../../src/engine/workspace/workspace.ts';
import { LATEST_SCHEMA_VERSION } from '../../../src/engine/store/migrations.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { tempDir } from '../helpers/tmp.ts';

test('init creates the store, a git-ignore for local state and a commented config', () => {
  const root = tempDir();
  assert.equal(inspectWorkspace(root).kind, 'uninitialized');
  const r = initWorkspace(root, 'test');
  assert.equal(r.createdStore, true);
  assert.equal(r.createdConfig, true);
  assert.equal(r.schemaVersion, LATEST_SCHEMA_VERSION);
  assert.match(readFileSync(path.join(root, 'mlops.yaml'), 'utf8'), /^# MLOps Workbench configuration/);
  assert.match(readFileSync(path.join(root, '.mlops', '.gitignore'), 'utf8'), /\/mlops\.db/);
  const state = inspectWorkspace(root);
  assert.equal(state.kind, 'ready');
  if (state.kind === 'ready') assert.equal(state.schemaVersion, LATEST_SCHEMA_VERSION);
  const s = Store.open(root, { origin: 'test', readonly: true });
  try {
    assert.equal(s.recentActivity(1)[0]!.action, 'workspace.init');
  } finally {
    s.close();
  }
});

test('init is idempotent and never overwrites an edited config', () => {
  const root = tempDir();
  initWorkspace(root, 'test');
  const edited = 'version: 1\ntrack:\n  paths: [datasets]\n';
  writeFileSync(path.join(root, 'mlops.yaml'), edited);
  const again = initWorkspace(root, 'test');
  assert.equal(again.createdStore, false);
  assert.equal(again.createdConfig, false);
  assert.equal(readFileSync(path.join(root, 'mlops.yaml'), 'utf8'), edited);
  const state = inspectWorkspace(root);
  assert.equal(state.kind === 'ready' && state.config.track.paths[0], 'datasets');
});

test('a broken config makes the workspace an error that names the line', () => {
  const root = tempDir();
  initWorkspace(root, 'test');
  writeFileSync(path.join(root, 'mlops.yaml'), 'version: 1\ntrack: [oops\n');
  const state = inspectWorkspace(root);
  assert.equal(state.kind, 'error');
  if (state.kind === 'error') {
    assert.equal(state.error.location?.file, path.join(root, 'mlops.yaml'));
    assert.ok(state.error.location?.line);
  }
});

test('inspect never creates anything', () => {
  const root = tempDir();
  inspectWorkspace(root);
  assert.equal(existsSync(path.join(root, '.mlops')), false);
  assert.equal(existsSync(path.join(root, 'mlops.yaml')), false);
});

test('the workspace root is found from a nested folder', () => {
  const root = tempDir();
  initWorkspace(root, 'test');
  const nested = path.join(root, 'src', 'deep');
  mkdirSync(nested, { recursive: true });
  assert.equal(findWorkspaceRoot(nested), root);
});

test('a DVC repository is recognised', () => {
  const root = tempDir();
  mkdirSync(path.join(root, '.dvc'));
  writeFileSync(path.join(root, '.dvc', 'config'), '[core]\n');
  initWorkspace(root, 'test');
  const s = inspectWorkspace(root);
  assert.equal(s.kind === 'ready' && s.dvcRepo, true);
});
