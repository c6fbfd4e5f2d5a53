import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { prepareGitWorkspace, type Journey } from '../journey.ts';
import type { Workbench } from '../lib/workbench.ts';

const MARKUP = '<img src=x onerror=alert(1)>';

/** Pick a quick-pick row by the text of its label. */
async function pick(wb: Workbench, label: string | RegExp): Promise<void> {
  const row = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: wb.page.locator('.label-name', { hasText: label }) }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
}

async function registerFromExplorer(wb: Workbench, description: string, shotPrefix: string): Promise<void> {
  const { page } = wb;
  await wb.openViewContainer('Explorer');
  const rows = wb.treeRows('workbench.view.explorer');
  const models = rows.filter({ hasText: /^models$/ }).first();
  await models.waitFor({ state: 'visible' });
  if ((await models.getAttribute('aria-expanded')) !== 'true') await models.click();
  const file = rows.filter({ hasText: /^model\.json$/ }).first();
  await file.waitFor({ state: 'visible' });
  // The pipeline's outputs appear in the Explorer one by one and push rows down: a right-click can
  // land on a neighbour. The quick pick's title names the file; try again if it is not ours.
  const input = page.locator('.quick-input-widget input');
  const title = page.locator('.quick-input-widget .quick-input-title');
  for (let attempt = 0; ; attempt++) {
    await file.click();
    await wb.contextMenu(file, 'Register Model Version…');
    await input.waitFor({ state: 'visible' });
    if ((await title.innerText()).includes('models/model.json')) break;
    await page.keyboard.press('Escape');
    if (attempt === 2) throw new Error(`the Register flow opened for ${await title.innerText()}`);
  }
  // Model name: pre-filled from dvc.yaml's artifacts (churn-model), new or existing.
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'churn-model' }).first().waitFor({ state: 'visible' });
  await wb.screenshot(`${shotPrefix}-model-name`);
  await page.keyboard.press('Enter');
  // Source run (when experiment tracking is on): Automatic = the run that produced the file.
  await page.waitForFunction(() => !document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row .label-name')?.textContent?.includes('churn-model'));
  if (await title.filter({ hasText: 'Source run' }).isVisible().catch(() => false)) {
    await wb.screenshot(`${shotPrefix}-source-run`);
    await pick(wb, 'Automatic');
  }
  await page.locator('.quick-input-widget', { hasText: 'Description of this version' }).waitFor({ state: 'visible' });
  await input.fill(description);
  await page.keyboard.press('Enter');
}

/** The Models view row of a version (`v1`), by its label. */
function versionRow(wb: Workbench, version: string): Locator {
  return wb.treeRows('mlops').filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^${version}$`) }) }).first();
}

/** Promote a version from the Models view's inline action. */
async function promoteFromTree(wb: Workbench, version: string, stage: string): Promise<void> {
  const row = versionRow(wb, version);
  await row.hover();
  await row.locator('.action-label[aria-label="Promote…"]').click();
  await pick(wb, stage);
}

/**
 * The registry story on the example project: train, register from the Explorer, see it in the
 * Models view and the registry panel (lineage to data and commit), promote to Staging, be refused
 * Production by a failing check, retrain, pass, read the audit trail, catch a hand-edited entry.
 */
export const journey: Journey = {
  name: 'registry',
  workspace: 'examples/churn',
  expectedErrors: [/MLOps: blocked — churn-model v1 may not take stage Production/, /MLOps: audit trail FAILED verification at entry #2/],
  prepare(dir) {
    // The example's mlops.yaml gates Production on `accuracy floor` (metrics.accuracy >= 0.85).
    prepareGitWorkspace(dir);
  },
  async run(wb, { workspaceDir }) {
    const { page } = wb;
    const models = () => wb.treeRows('mlops');
    await wb.step('workbench-open', () => wb.waitForWorkbench({ file: 'dvc.yaml' }));
    await wb.step('train', async () => {
      await wb.runCommand('MLOps: Run Pipeline');
      await wb.waitForNotification(/MLOps: pipeline ran 4 stage\(s\)/, 180_000);
    });
    await wb.step('register-from-explorer', async () => {
      await registerFromExplorer(wb, `Baseline ${MARKUP}`, 'register-v1');
      await wb.waitForNotification(/MLOps: registered churn-model v1 from run/, 60_000);
    });
    await wb.step('models-view', async () => {
      await wb.openViewContainer('MLOps');
      const model = models().filter({ hasText: 'churn-model' }).first();
      await model.waitFor({ state: 'visible' });
      if ((await model.getAttribute('aria-expanded')) !== 'true') await model.click();
      await versionRow(wb, 'v1').waitFor({ state: 'visible' });
    });
    const view = wb.webviewFrame();
    await wb.step('version-page-lineage', async () => {
      await versionRow(wb, 'v1').click();
      await view.locator('h1', { hasText: 'churn-model v1' }).waitFor({ state: 'visible', timeout: 30_000 });
      await view.locator('.lineage button.node', { hasText: 'data/raw/customers.csv' }).waitFor({ state: 'visible' });
      await view.locator('.lineage button.n-commit').waitFor({ state: 'visible' });
      await view.locator('.lineage button.n-run').waitFor({ state: 'visible' });
      // Markup in a description is text, never markup.
      await view.locator('p.description', { hasText: MARKUP }).waitFor({ state: 'visible' });
      assert.equal(await view.locator('img').count(), 0, 'no <img> element was created from the description');
      await view.locator('.ready-row[data-target="Production"]', { hasText: 'blocked' }).waitFor({ state: 'visible' });
    });
    await wb.step('lineage-opens-commit', async () => {
      await view.locator('.lineage button.n-commit').click();
      await page.locator('.tab', { hasText: /\.diff/ }).first().waitFor({ state: 'visible' });
      await page.locator('.monaco-editor .view-lines', { hasText: 'example project' }).first().waitFor({ state: 'visible' });
    });
    await wb.step('promote-to-staging', async () => {
      await wb.openViewContainer('MLOps');
      await promoteFromTree(wb, 'v1', 'Staging');
      await wb.waitForNotification(/churn-model v1 → Staging/);
      await versionRow(wb, 'v1').filter({ hasText: 'Staging' }).waitFor({ state: 'visible' });
    });
    await wb.step('production-blocked-by-check', async () => {
      await promoteFromTree(wb, 'v1', 'Production');
      const n = await wb.waitForNotification(/blocked/);
      assert.match(n.message, /accuracy floor/);
      assert.match(n.message, /0\.8433/);
    });
    await wb.step('retrain', async () => {
      const params = path.join(workspaceDir, 'params.yaml');
      writeFileSync(params, readFileSync(params, 'utf8').replace(/lr: [0-9.]+/, 'lr: 0.2'));
      await wb.runCommand('MLOps: Run Pipeline');
      await wb.waitForNotification(/MLOps: pipeline ran 2 stage\(s\)/, 180_000);
    });
    await wb.step('register-v2', async () => {
      await registerFromExplorer(wb, 'Retrained with lr 0.2', 'register-v2');
      await wb.waitForNotification(/MLOps: registered churn-model v2/, 60_000);
    });
    await wb.step('v2-passes-to-production', async () => {
      await wb.openViewContainer('MLOps');
      await versionRow(wb, 'v2').click();
      await view.locator('h1', { hasText: 'churn-model v2' }).waitFor({ state: 'visible', timeout: 30_000 });
      const ready = view.locator('.ready-row[data-target="Production"]');
      await ready.filter({ hasText: 'would pass' }).waitFor({ state: 'visible' });
      await ready.locator('vscode-button', { hasText: 'Promote to Production' }).click();
      await wb.waitForNotification(/churn-model v2 → Production/);
      await view.locator('h1 .pill', { hasText: 'Production' }).waitFor({ state: 'visible', timeout: 30_000 });
      await view.locator('table.metrics', { hasText: 'Previous (v1)' }).waitFor({ state: 'visible' });
    });
    await wb.step('model-page-chart', async () => {
      await view.locator('.crumbs a', { hasText: 'churn-model' }).click();
      await view.locator('h1', { hasText: 'churn-model' }).waitFor({ state: 'visible' });
      await view.locator('canvas').first().waitFor({ state: 'visible' });
      await view.locator('table.versions a', { hasText: 'v2' }).waitFor({ state: 'visible' });
    });
    await wb.step('audit-trail', async () => {
      await view.locator('nav a', { hasText: 'Audit trail' }).click();
      await view.locator('h1', { hasText: 'Audit trail' }).waitFor({ state: 'visible' });
      await view.locator('table.audit tr.outcome-blocked').first().waitFor({ state: 'visible' });
      await view.locator('#verify-audit').click();
      await view.locator('.verify-result', { hasText: 'OK' }).waitFor({ state: 'visible' });
    });
    await wb.step('hand-edited-entry-detected', async () => {
      const mirror = path.join(workspaceDir, '.mlops', 'audit.jsonl');
      const lines = readFileSync(mirror, 'utf8').split('\n');
      lines[1] = lines[1]!.replace(/"actor":"[^"]*"/, '"actor":"mallory@example.com"');
      writeFileSync(mirror, lines.join('\n'));
      await wb.runCommand('MLOps: Verify Audit Trail');
      const n = await wb.waitForNotification(/FAILED verification at entry #2/);
      assert.match(n.message, /audit\.jsonl line 2/);
      await view.locator('#verify-audit').click();
      await view.locator('.verify-result', { hasText: 'First bad entry: #2' }).waitFor({ state: 'visible' });
    });
  },
};
