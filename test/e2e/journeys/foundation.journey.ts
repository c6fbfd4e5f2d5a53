import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Journey } from '../journey.ts';

/** Open the example project, initialize it from the palette, look at the MLOps view. */
export const journey: Journey = {
  name: 'foundation',
  workspace: 'examples/churn',
  async run(wb, { workspaceDir }) {
    const { page } = wb;
    await wb.step('workbench-open', () => wb.waitForWorkbench({ file: 'dvc.yaml' }));
    await wb.step('status-not-initialized', async () => {
      await wb.waitForContributed('.statusbar-item:has-text("MLOps: not initialized")');
    });
    await wb.step('mlops-view-welcome', async () => {
      await wb.openViewContainer('MLOps');
      const welcome = page.locator('.welcome-view-content', { hasText: 'not an MLOps workspace yet' });
      await welcome.waitFor({ state: 'visible' });
      await welcome.locator('a.monaco-button', { hasText: 'Initialize Workspace' }).waitFor({ state: 'visible' });
    });
    await wb.step('initialize-from-palette', async () => {
      await wb.runCommand('MLOps: Initialize Workspace');
      // The example ships its own mlops.yaml (checks): initializing keeps it and creates only the store.
      await wb.waitForNotification(/MLOps: initialized churn \(store schema \d+\)/);
    });
    await wb.step('workspace-tree', async () => {
      const rows = wb.treeRows('mlops');
      await rows.filter({ hasText: 'Store' }).filter({ hasText: /schema \d+/ }).first().waitFor({ state: 'visible' });
      await rows.filter({ hasText: 'Configuration' }).first().waitFor({ state: 'visible' });
      await rows.filter({ hasText: 'Tracked paths' }).first().waitFor({ state: 'visible' });
      await wb.waitForContributed('.statusbar-item:has-text("MLOps")');
      assert.equal(await page.locator('.statusbar-item:has-text("not initialized")').count(), 0);
    });
    assert.ok(existsSync(path.join(workspaceDir, '.mlops', 'mlops.db')), 'the store exists on disk');
    assert.match(readFileSync(path.join(workspaceDir, 'mlops.yaml'), 'utf8'), /^checks:\n {2}file: checks\.yaml$/m, "the example's mlops.yaml was kept, not overwritten");
  },
};
