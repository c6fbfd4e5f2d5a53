import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { prepareGitWorkspace, type Journey } from '../journey.ts';

/** Run the example pipeline from the tree, see it up to date in the CodeLens, change a param, rerun downstream from the CodeLens. */
export const journey: Journey = {
  name: 'pipeline',
  workspace: 'examples/churn',
  prepare: prepareGitWorkspace,
  async run(wb, { workspaceDir }) {
    const { page } = wb;
    const rows = () => wb.treeRows('mlops');
    await wb.step('workbench-open', () => wb.waitForWorkbench({ file: 'dvc.yaml' }));
    await wb.step('pipeline-view-stale', async () => {
      await wb.openViewContainer('MLOps');
      for (const s of ['prepare', 'featurize', 'train', 'evaluate']) await rows().filter({ hasText: s }).first().waitFor({ state: 'visible' });
      await rows().filter({ hasText: 'train' }).filter({ hasText: 'changed' }).first().waitFor({ state: 'visible' });
    });
    await wb.step('run-pipeline-from-tree', async () => {
      const header = page.locator('.pane-header', { hasText: 'Pipeline' }).first();
      await header.hover();
      await header.locator('.action-label[aria-label="Run Pipeline"]').click();
      await wb.waitForNotification(/MLOps: pipeline ran 4 stage\(s\)/, 120_000);
      await page.locator('.terminal-wrapper .xterm >> visible=true').first().waitFor({ state: 'visible' });
    });
    assert.ok(existsSync(path.join(workspaceDir, 'dvc.lock')), 'dvc.lock written');
    assert.ok(existsSync(path.join(workspaceDir, 'metrics/eval.json')), 'metrics written');
    await wb.step('codelens-up-to-date', async () => {
      await rows().filter({ hasText: 'evaluate' }).filter({ hasText: 'up to date' }).first().waitFor({ state: 'visible' });
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').fill('dvc.yaml');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'dvc.yaml' }).first().click();
      await page.locator('.codelens-decoration', { hasText: '✓ up to date' }).first().waitFor({ state: 'visible' });
    });
    await wb.step('param-change-makes-train-stale', async () => {
      const params = path.join(workspaceDir, 'params.yaml');
      writeFileSync(params, readFileSync(params, 'utf8').replace(/lr: [0-9.]+/, 'lr: 0.2'));
      await rows().filter({ hasText: 'train' }).filter({ hasText: 'param train.lr' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      // Bring the train stage into view: lenses render only for visible lines.
      const line = readFileSync(path.join(workspaceDir, 'dvc.yaml'), 'utf8').split('\n').findIndex((l) => /^  train:/.test(l)) + 1;
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+G');
      await page.locator('.quick-input-widget input').fill(`:${line}`);
      await page.keyboard.press('Enter');
      await page.locator('.codelens-decoration', { hasText: 'param train.lr' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    });
    await wb.step('run-downstream-from-codelens', async () => {
      const lens = page.locator('.codelens-decoration', { hasText: 'param train.lr' }).first();
      await lens.locator('a', { hasText: 'Run downstream' }).click();
      await wb.waitForNotification(/MLOps: pipeline ran 2 stage\(s\)/, 120_000);
      await page.locator('.codelens-decoration', { hasText: 'param train.lr' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    });
    const metrics = JSON.parse(readFileSync(path.join(workspaceDir, 'metrics/eval.json'), 'utf8')) as { accuracy: number };
    assert.ok(metrics.accuracy > 0.8, `accuracy ${metrics.accuracy}`);
  },
};
