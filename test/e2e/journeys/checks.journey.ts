import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareGitWorkspace, type Journey } from '../journey.ts';

/**
 * The example project's quality gates in the Testing view: every suite and check listed, all of
 * them run and pass on the clean data; then the batch under test becomes the drifted batch-06, the
 * production-batch suite is run from the gutter of checks.yaml and its failures show the measured
 * value against the rule.
 */
export const journey: Journey = {
  name: 'checks',
  workspace: 'examples/churn',
  prepare(dir) {
    prepareGitWorkspace(dir);
    // The pipeline has run once, as it would have in CI or on the developer's machine.
    const repo = path.resolve(import.meta.dirname, '../../..');
    execFileSync(process.execPath, [path.join(repo, 'dist/cli.js'), 'repro'], { cwd: dir, stdio: 'ignore' });
  },
  async run(wb, { workspaceDir }) {
    const { page } = wb;
    const testing = () => page.locator('[id="workbench.view.extension.test"] .monaco-list-row');
    await wb.step('workbench-open', () => wb.waitForWorkbench({ file: 'checks.yaml' }));

    await wb.step('testing-view-lists-suites', async () => {
      await wb.openViewContainer('Testing');
      // Activation may come a moment after the view opens; the controller then fills it.
      const suite = testing().filter({ hasText: 'training-data' }).first();
      await suite.waitFor({ state: 'visible', timeout: 60_000 });
      for (const s of ['production-batch', 'features', 'model']) await testing().filter({ hasText: s }).first().waitFor({ state: 'visible' });
    });

    await wb.step('run-all-pass', async () => {
      await wb.runCommand('Test: Run All Tests');
      // The summary line of the Testing view: every check passed.
      await page.locator('.part.sidebar .result-summary', { hasText: '29/29' }).first().waitFor({ state: 'visible', timeout: 120_000 });
      await testing().filter({ hasText: 'model' }).locator('.codicon-testing-passed-icon').first().waitFor({ state: 'visible' });
    });

    const checksFile = path.join(workspaceDir, 'checks.yaml');
    await wb.step('gutter-of-checks-yaml', async () => {
      writeFileSync(checksFile, readFileSync(checksFile, 'utf8').replace('path: data/production/batch-01.csv', 'path: data/production/batch-06.csv'));
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').fill('checks.yaml');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'checks.yaml' }).first().click();
      await page.locator('.monaco-editor [class*="codicon-testing-"]').first().waitFor({ state: 'visible', timeout: 30_000 });
    });

    await wb.step('run-suite-from-gutter-fails', async () => {
      const line = readFileSync(checksFile, 'utf8').split('\n').findIndex((l) => /^ {2}production-batch:/.test(l)) + 1;
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+G');
      await page.locator('.quick-input-widget input').fill(`:${line}:5`);
      await page.keyboard.press('Enter');
      await wb.runCommand('Test: Run Test at Cursor');
      await testing().filter({ hasText: 'production-batch' }).locator('.codicon-testing-failed-icon').first().waitFor({ state: 'visible', timeout: 60_000 });
    });

    await wb.step('failure-shows-measured-vs-rule', async () => {
      // Expand the suite in the Testing view: the three failed checks are marked.
      const suite = testing().filter({ hasText: 'production-batch' }).first();
      if ((await suite.getAttribute('aria-expanded')) !== 'true') await suite.locator('.monaco-tl-twistie').click();
      await testing().filter({ hasText: 'payment_method in' }).filter({ has: page.locator('.codicon-testing-failed-icon') }).first().waitFor({ state: 'visible', timeout: 30_000 });
      // Its message in the Test Results panel shows the rule (expected) against the measurement (actual).
      const message = page.locator('.part.panel').getByRole('treeitem', { name: /total_charges: 19\.1 % of the rows are missing/ }).first();
      await message.waitFor({ state: 'visible', timeout: 30_000 });
      await message.click();
      const diff = page.locator('.part.panel .monaco-diff-editor:visible').first();
      if (!(await diff.isVisible().catch(() => false))) await message.dblclick();
      await page.locator('.part.panel .monaco-diff-editor', { hasText: '19.1 % missing (153 of 800 rows)' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await page.locator('.part.panel .monaco-diff-editor', { hasText: '≤ 5.0 % missing' }).first().waitFor({ state: 'visible' });
    });

    const failedCount = await testing().filter({ has: page.locator('.codicon-testing-failed-icon') }).count();
    assert.ok(failedCount >= 3, `failed items visible: ${failedCount}`);
  },
};
