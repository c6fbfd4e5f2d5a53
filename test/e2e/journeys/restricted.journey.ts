import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareGitWorkspace, type Journey } from '../journey.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A project opened without trusting it (Workspace Trust on, Restricted Mode): everything can be
 * browsed — the pipeline, the runs, the runs table — but nothing from the workspace runs and
 * nothing writes workspace files: Run Pipeline, Track, Register refuse and say why; a new data
 * file is not versioned behind the user's back.
 */
export const journey: Journey = {
  name: 'restricted',
  workspace: 'examples/churn',
  trust: 'untrusted',
  prepare(dir) {
    prepareGitWorkspace(dir);
    // Trained once outside the editor (the CLI is not subject to Workspace Trust): a run to browse.
    const cli = path.resolve(import.meta.dirname, '../../../dist/cli.js');
    execFileSync(process.execPath, [cli, 'repro'], { cwd: dir, stdio: 'ignore' });
  },
  async run(wb, { workspaceDir }) {
    const { page } = wb;
    const at = (rel: string) => path.join(workspaceDir, rel);
    const lock = readFileSync(at('dvc.lock'), 'utf8');
    const model = readFileSync(at('models/model.json'), 'utf8');
    const rows = () => wb.treeRows('mlops');

    await wb.step('restricted-mode-open', async () => {
      await wb.waitForWorkbench({ file: 'dvc.yaml' });
      await page.locator('.part.banner', { hasText: /Restricted Mode/ }).first().waitFor({ state: 'visible' });
    });
    await wb.step('browse-pipeline-and-runs', async () => {
      await wb.openViewContainer('MLOps');
      const header = page.locator('.pane-header', { hasText: 'Experiments' }).first();
      await header.waitFor({ state: 'visible' });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      await rows().filter({ hasText: 'run-1' }).filter({ hasText: /accuracy 0\.\d+/ }).first().waitFor({ state: 'visible', timeout: 60_000 });
    });
    await wb.step('data-view-says-paused', async () => {
      const header = page.locator('.pane-header', { hasText: 'Data & Models' }).first();
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      await page.locator('.pane-body', { hasText: 'automatic versioning is paused' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    });
    await wb.step('new-data-not-versioned', async () => {
      writeFileSync(at('data/raw/extra.csv'), 'customer_id,tenure\nx1,3\n');
      // Trusted, the watcher records this within 2 s (versioning journey); here it must not.
      await sleep(5_000);
      assert.equal(existsSync(at('data/raw.dvc')), false, 'no pointer file written');
      if (existsSync(at('data/.gitignore'))) assert.doesNotMatch(readFileSync(at('data/.gitignore'), 'utf8'), /^\/raw$/m, 'no .gitignore line');
    });
    await wb.step('run-pipeline-refused', async () => {
      writeFileSync(at('params.yaml'), readFileSync(at('params.yaml'), 'utf8').replace(/lr: [0-9.]+/, 'lr: 0.2'));
      await wb.runCommand('MLOps: Run Pipeline');
      const n = await wb.waitForNotification(/Restricted Mode, so MLOps does not run commands from dvc\.yaml/);
      assert.match(n.message, /Restricted Mode/);
      await page.locator('.notification-toast .monaco-button', { hasText: 'Manage Workspace Trust' }).first().waitFor({ state: 'visible' });
      await sleep(3_000);
      assert.equal(readFileSync(at('dvc.lock'), 'utf8'), lock, 'dvc.lock untouched');
      assert.equal(readFileSync(at('models/model.json'), 'utf8'), model, 'no stage ran');
      await wb.runCommand('Notifications: Clear All Notifications');
    });
    await wb.step('track-refused', async () => {
      await wb.runCommand('MLOps: Track File or Folder');
      await wb.waitForNotification(/Tracking data changes pointer files, \.gitignore and the cache, which Restricted Mode does not allow/);
      await wb.runCommand('Notifications: Clear All Notifications');
    });
    await wb.step('register-refused', async () => {
      await wb.runCommand('MLOps: Register Model Version…');
      await wb.waitForNotification(/Registering a model version changes the model registry and workspace files, which Restricted Mode does not allow/);
      await wb.runCommand('Notifications: Clear All Notifications');
    });
    await wb.step('experiments-table-read-only', async () => {
      await wb.runCommand('MLOps: Show Experiments');
      const view = wb.webviewFrame();
      await view.locator('#runs-grid').waitFor({ state: 'visible', timeout: 30_000 });
      await view.locator('.xname', { hasText: 'run-1' }).first().waitFor({ state: 'visible' });
    });
    assert.equal(readFileSync(at('dvc.lock'), 'utf8'), lock);
    assert.equal(existsSync(at('data/raw.dvc')), false);
  },
};
