import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { prepareGitWorkspace, type Journey } from '../journey.ts';
import { monitoringSection } from '../../fixtures/monitoring.ts';

const MONITORING = `\n${monitoringSection()}`;

/**
 * Production batches 01–05 are in the folder when the editor opens; batch-06 (drifted, with a new
 * payment method) arrives while it is open. See it in the Monitoring view, open the report from
 * the notification, look at the columns, a categorical and a numeric distribution and the drift
 * over time, then retrain from the report.
 */
export const journey: Journey = {
  name: 'drift',
  workspace: 'examples/churn',
  prepare(dir) {
    prepareGitWorkspace(dir);
    appendFileSync(path.join(dir, 'mlops.yaml'), MONITORING);
    rmSync(path.join(dir, 'data/production/batch-06.csv'));
  },
  async run(wb, { workspaceDir, repo }) {
    const { page } = wb;
    const rows = () => wb.treeRows('mlops');
    await wb.step('workbench-open', () => wb.waitForWorkbench({ file: 'dvc.yaml' }));
    await wb.step('monitoring-view-backlog', async () => {
      await wb.openViewContainer('MLOps');
      const header = page.locator('.pane-header', { hasText: 'Monitoring' }).first();
      await header.waitFor({ state: 'visible' });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      const dataset = rows().filter({ hasText: 'customers' }).filter({ hasText: '5 batches' }).first();
      await dataset.waitFor({ state: 'visible', timeout: 60_000 });
      if ((await dataset.getAttribute('aria-expanded')) !== 'true') await dataset.click();
      await rows().filter({ hasText: 'batch-05.csv' }).filter({ hasText: 'dataset drift · 5 of 8 columns' }).first().waitFor({ state: 'visible' });
      await rows().filter({ hasText: 'batch-01.csv' }).filter({ hasText: 'no drift' }).first().waitFor({ state: 'visible' });
    });
    await wb.step('batch-06-arrives', async () => {
      copyFileSync(path.join(repo, 'examples/churn/data/production/batch-06.csv'), path.join(workspaceDir, 'data/production/batch-06.csv'));
      await wb.waitForNotification(/Dataset drift in customers — batch-06\.csv: 7 of 8 columns drifted \(87\.5 %\)/, 30_000);
      await rows().filter({ hasText: 'batch-06.csv' }).filter({ hasText: '7 of 8 columns (87.5 %)' }).first().waitFor({ state: 'visible' });
    });
    const view = wb.webviewFrame();
    await wb.step('open-report-from-notification', async () => {
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'batch-06.csv' }).first();
      await toast.locator('.monaco-button', { hasText: 'Open Report' }).click();
      await view.locator('h1', { hasText: 'Drift report · customers · batch-06.csv' }).waitFor({ state: 'visible', timeout: 30_000 });
      await view.locator('.card', { hasText: 'Dataset drift' }).locator('.card-value', { hasText: 'YES' }).waitFor({ state: 'visible' });
      await view.locator('.card', { hasText: 'New categories' }).filter({ hasText: 'payment_method: digital-wallet' }).waitFor({ state: 'visible' });
      await view.locator('#detail h3', { hasText: 'monthly_charges' }).waitFor({ state: 'visible' });
      await view.locator('#detail canvas').first().waitFor({ state: 'visible' });
    });
    await wb.step('categorical-column-new-category', async () => {
      await view.locator('tr[data-column="payment_method"]').click();
      await view.locator('#detail h3', { hasText: 'payment_method' }).waitFor({ state: 'visible' });
      await view.locator('#detail dd', { hasText: 'digital-wallet' }).first().waitFor({ state: 'visible' });
      await view.locator('#detail canvas').first().scrollIntoViewIfNeeded();
    });
    await wb.step('keyboard-moves-the-selection', async () => {
      const selected = view.locator('tr[data-column][aria-selected="true"]');
      const before = await selected.getAttribute('data-column');
      await view.locator('tr[data-column="payment_method"]').focus();
      await page.keyboard.press('ArrowDown');
      await page.waitForTimeout(200);
      const after = await selected.getAttribute('data-column');
      assert.notEqual(after, before, 'ArrowDown selects the next column');
      await view.locator('#detail h3', { hasText: after! }).waitFor({ state: 'visible' });
    });
    await wb.step('group-by-test', async () => {
      await view.locator('button.th-sort', { hasText: 'Test' }).click();
      await view.locator('tr.group', { hasText: 'Wasserstein distance (normed)' }).waitFor({ state: 'visible' });
      await view.locator('tr.group', { hasText: 'Not tested' }).waitFor({ state: 'visible' });
      await view.locator('tr[data-column="age"]').click();
      await view.locator('#detail h3', { hasText: 'age' }).waitFor({ state: 'visible' });
    });
    await wb.step('counts-instead-of-percent', async () => {
      await view.locator('#percent-toggle').click();
      await view.locator('#detail canvas').first().scrollIntoViewIfNeeded();
    });
    await wb.step('drift-over-time', async () => {
      const section = view.locator('#timeline');
      await section.locator('h2', { hasText: 'Drift over time (6 batches)' }).waitFor({ state: 'visible' });
      await section.locator('canvas').scrollIntoViewIfNeeded();
      await section.locator('summary', { hasText: 'Chart data' }).click();
      await section.locator('tr', { hasText: 'batch-06.csv' }).filter({ hasText: '●' }).first().waitFor({ state: 'visible' });
    });
    await wb.step('dark-theme', async () => {
      // The panel follows the colour theme as it changes: page colours and the charts.
      const body = view.locator('body');
      const luminance = async (): Promise<number> => {
        const rgb = await body.evaluate((b) => getComputedStyle(b).backgroundColor);
        const [r, g, b] = (rgb.match(/\d+/g) ?? ['0', '0', '0']).map(Number);
        return 0.299 * r! + 0.587 * g! + 0.114 * b!;
      };
      const light = (await body.getAttribute('class'))?.includes('vscode-light');
      await wb.runCommand('Preferences: Toggle between Light/Dark Themes');
      await view.locator(`body.${light ? 'vscode-dark' : 'vscode-light'}`).waitFor({ state: 'attached', timeout: 30_000 });
      const after = await luminance();
      assert.ok(light ? after < 100 : after > 150, `the page background followed the theme (luminance ${after.toFixed(0)})`);
      await view.locator('#timeline canvas').scrollIntoViewIfNeeded();
      await view.locator('#detail canvas').first().waitFor({ state: 'visible' });
    });
    await wb.step('retrain-from-report', async () => {
      await view.locator('#retrain').click();
      await wb.waitForNotification(/MLOps: pipeline ran 3 stage\(s\)/, 180_000);
      await page.locator('.terminal-wrapper .xterm >> visible=true').first().waitFor({ state: 'visible' });
    });
    assert.ok(existsSync(path.join(workspaceDir, 'models/model.json')), 'retraining wrote the model');
    assert.match(readFileSync(path.join(workspaceDir, 'dvc.lock'), 'utf8'), /train:/);
  },
};
