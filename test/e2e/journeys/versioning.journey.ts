import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { prepareGitWorkspace, type Journey } from '../journey.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Track data/raw from the Explorer, edit a file in the editor, see the new version, restore the old one. */
export const journey: Journey = {
  name: 'versioning',
  workspace: 'examples/churn',
  prepare: prepareGitWorkspace,
  async run(wb, { workspaceDir }) {
    const { page } = wb;
    const csv = path.join(workspaceDir, 'data/raw/customers.csv');
    const before = readFileSync(csv);
    await wb.step('workbench-open', () => wb.waitForWorkbench({ file: 'dvc.yaml' }));
    await wb.step('data-view-empty', async () => {
      await wb.openViewContainer('MLOps');
      await page.locator('.welcome-view-content', { hasText: 'No data or models are versioned yet' }).waitFor({ state: 'visible' });
    });
    await wb.step('track-from-explorer', async () => {
      await wb.openViewContainer('Explorer');
      const rows = wb.treeRows('workbench.view.explorer');
      await rows.filter({ hasText: /^data$/ }).first().click();
      const raw = rows.filter({ hasText: /^raw$/ }).first();
      await raw.waitFor({ state: 'visible' });
      await wb.contextMenu(raw, 'Track File or Folder');
      await wb.waitForNotification(/MLOps: recorded data\/raw/);
    });
    await wb.step('tracked-in-tree', async () => {
      await wb.openViewContainer('MLOps');
      await wb.treeRows('mlops').filter({ hasText: 'data/raw' }).filter({ hasText: 'up to date' }).first().waitFor({ state: 'visible' });
    });
    await wb.step('edit-in-editor', async () => {
      // Tracked data is git-ignored (as DVC does), so Quick Open hides it: open it from the Explorer.
      await wb.openViewContainer('Explorer');
      const rows = wb.treeRows('workbench.view.explorer');
      const raw = rows.filter({ hasText: /^raw$/ }).first();
      if ((await raw.getAttribute('aria-expanded')) !== 'true') await raw.click();
      await rows.filter({ hasText: /^customers\.csv$/ }).first().click();
      await page.locator('.monaco-editor .view-lines').first().waitFor({ state: 'visible' });
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('9999,2024-01-01,40,12,70.5,846,month-to-month,credit card,1,true,0\n');
      await page.keyboard.press('Control+S');
    });
    await wb.step('new-version-recorded', async () => {
      await wb.openViewContainer('MLOps');
      const rows = wb.treeRows('mlops');
      const artifact = rows.filter({ hasText: 'data/raw' }).first();
      await page.waitForFunction(() => true);
      // Two versions: expand the artifact and wait for the second row to appear.
      await artifact.click();
      await page.keyboard.press('ArrowRight');
      await rows.filter({ hasText: 'watcher' }).first().waitFor({ state: 'visible', timeout: 20_000 });
      await rows.filter({ hasText: 'command' }).first().waitFor({ state: 'visible' });
    });
    await wb.step('restore-old-version', async () => {
      const old = wb.treeRows('mlops').filter({ hasText: 'command' }).first();
      await old.hover();
      await old.locator('.action-label[aria-label="Restore This Version"]').click();
      await wb.waitForNotification(/MLOps: restored data\/raw/);
    });
    assert.equal(md5(readFileSync(csv)), md5(before), 'the original customers.csv is back on disk');
  },
};
