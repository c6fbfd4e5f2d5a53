import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareGitWorkspace, type Journey } from '../journey.ts';

/**
 * Run the churn pipeline three times with different params; watch a run live in the Experiments
 * view beside an MLflow store and the DVCLive folder; open the table, filter, sort, mark a
 * baseline, compare three runs (curves and param diff), export nothing but read CodeLens in
 * params.yaml and the training script; reopen the table and find the filter kept.
 */
export const journey: Journey = {
  name: 'experiments',
  workspace: 'examples/churn',
  prepare(dir) {
    const repo = path.resolve(import.meta.dirname, '../../..');
    // An MLflow file store at the root, as `mlflow` leaves it (our hand-written fixture).
    cpSync(path.join(repo, 'test/fixtures/workspace/experiments/mlruns'), path.join(dir, 'mlruns'), { recursive: true });
    prepareGitWorkspace(dir);
    // Slow training down a little so a run can be seen while it is live (results are unchanged).
    process.env.CHURN_EPOCH_DELAY = '0.15';
  },
  async run(wb, { workspaceDir }) {
    delete process.env.CHURN_EPOCH_DELAY; // the server has it; later journeys do not need it
    const { page } = wb;
    const rows = () => wb.treeRows('mlops');
    const params = path.join(workspaceDir, 'params.yaml');
    const setParam = (re: RegExp, text: string) => writeFileSync(params, readFileSync(params, 'utf8').replace(re, text));
    // Room for the runs: fold the container's other views (trees only render rows in view; the
    // Pipeline view appears, expanded, once the pipeline is loaded, so this runs more than once).
    const foldOtherViews = async () => {
      const others = page.locator('.part.sidebar .pane-header[aria-expanded="true"]').filter({ hasNotText: 'Experiments' });
      for (let i = 0; i < 10 && (await others.count()) > 0; i++) await others.first().click();
    };
    const runPipeline = async (stages: number) => {
      await wb.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
      await wb.runCommand('MLOps: Run Pipeline');
      await wb.waitForNotification(new RegExp(`MLOps: pipeline ran ${stages} stage\\(s\\)`), 180_000);
    };

    await wb.step('workbench-open', () => wb.waitForWorkbench({ file: 'dvc.yaml' }));
    await wb.step('experiments-view-mlflow', async () => {
      await wb.openViewContainer('MLOps');
      const header = page.locator('.pane-header', { hasText: 'Experiments' }).first();
      await header.waitFor({ state: 'visible' });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      await foldOtherViews();
      await rows().filter({ hasText: 'fixture-mlflow' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    });

    await wb.step('first-run-live', async () => {
      await wb.runCommand('MLOps: Run Pipeline');
      await foldOtherViews();
      // The train stage logs an epoch every 0.15 s: the run shows its step while it runs.
      await rows().filter({ hasText: /running · step \d+/ }).first().waitFor({ state: 'visible', timeout: 120_000 });
    });
    await wb.step('first-run-finished', async () => {
      await wb.waitForNotification(/MLOps: pipeline ran 4 stage\(s\)/, 180_000);
      await rows().filter({ hasText: 'run-1' }).filter({ hasText: /accuracy 0\.\d+/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    });
    setParam(/lr: [0-9.]+/, 'lr: 0.2');
    await wb.step('second-run', () => runPipeline(2));
    setParam(/lr: [0-9.]+/, 'lr: 0.01');
    setParam(/epochs: \d+/, 'epochs: 10');
    await wb.step('third-run-tree-filled', async () => {
      await runPipeline(2);
      await foldOtherViews();
      for (const name of ['run-1', 'run-2', 'run-3']) await rows().filter({ hasText: name }).first().waitFor({ state: 'visible', timeout: 30_000 });
      // The DVCLive folder the train stage writes is a run of its own, beside ours and MLflow's.
      await rows().filter({ hasText: 'dvclive/' }).first().waitFor({ state: 'visible' });
      await rows().filter({ hasText: 'fixture-mlflow' }).first().waitFor({ state: 'visible' });
    });

    const view = wb.webviewFrame();
    const shownRows = () => view.locator('.xbody .xrow:not([hidden])');
    await wb.step('table', async () => {
      await wb.runCommand('MLOps: Show Experiments');
      await view.locator('#runs-grid').waitFor({ state: 'visible', timeout: 30_000 });
      await view.locator('#run-count', { hasText: /^8 of 8 runs/ }).waitFor({ state: 'visible' });
      // A run named with markup is shown as text, and nothing was parsed from it.
      await view.locator('.xname', { hasText: '<img src=x onerror=alert(1)>' }).waitFor({ state: 'visible' });
      assert.equal(await view.locator('img').count(), 0);
      // Its diverged metrics read as text.
      await shownRows().filter({ hasText: '<img src=x' }).filter({ hasText: 'NaN' }).first().waitFor({ state: 'visible' });
    });
    await wb.step('filter-and-sort', async () => {
      await view.locator('#filter input').fill('metrics.accuracy > 0.5 and params.train.lr < 0.1');
      await view.locator('#run-count', { hasText: /^2 of 8 runs/ }).waitFor({ state: 'visible' });
      await view.locator('#filter input').fill('metrics.accuracy > 0.5');
      await view.locator('#run-count', { hasText: /^3 of 8 runs/ }).waitFor({ state: 'visible' });
      const header = view.locator('.xhcell[data-col="metrics.accuracy"]');
      await header.click();
      await header.click();
      await view.locator('.xhcell[data-col="metrics.accuracy"][aria-sort="descending"]').waitFor({ state: 'visible' });
    });
    await wb.step('baseline-deltas', async () => {
      await shownRows().filter({ hasText: 'run-1' }).first().click();
      await view.locator('#baseline').click();
      await shownRows().filter({ hasText: 'run-1' }).locator('.xtag', { hasText: 'baseline' }).waitFor({ state: 'visible' });
      await shownRows().filter({ hasText: 'run-2' }).locator('.xdelta').first().waitFor({ state: 'visible' });
    });
    await wb.step('show-commit', async () => {
      await view.locator('#show-commit').click();
      await page.locator('.tabs-container .tab', { hasText: '.diff' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await page.locator('.monaco-editor .view-lines', { hasText: 'ran at this commit' }).first().waitFor({ state: 'visible' });
      // Back to the panel: its page is rebuilt and must come back as it was left.
      await page.locator('.tabs-container .tab', { hasText: 'Experiments' }).first().click();
      await shownRows().filter({ hasText: 'run-1' }).locator('.xtag', { hasText: 'baseline' }).waitFor({ state: 'visible', timeout: 30_000 });
      await view.locator('#run-count', { hasText: /^3 of 8 runs · 1 selected/ }).waitFor({ state: 'visible' });
    });
    await wb.step('compare-three-runs', async () => {
      await shownRows().filter({ hasText: 'run-2' }).first().click({ modifiers: ['Control'] });
      await shownRows().filter({ hasText: 'run-3' }).first().click({ modifiers: ['Control'] });
      await view.locator('#run-count', { hasText: '3 selected' }).waitFor({ state: 'visible' });
      await view.locator('#compare').click();
      await view.locator('#compare-view', { hasText: 'Comparing 3 runs' }).waitFor({ state: 'visible' });
      for (const m of ['loss', 'train_accuracy']) await view.locator(`.chart-card[data-metric="${m}"] canvas`).waitFor({ state: 'visible', timeout: 30_000 });
      const diff = view.locator('#param-diff tr.differs');
      await diff.filter({ hasText: 'train.lr' }).waitFor({ state: 'visible' });
      await diff.filter({ hasText: 'train.epochs' }).waitFor({ state: 'visible' });
      assert.equal(await view.locator('#param-diff tr', { hasText: 'train.seed' }).getAttribute('class'), '', 'a param all three share is not marked');
      await view.locator('#metric-table tr', { hasText: /^accuracy/ }).first().waitFor({ state: 'visible' });
      await view.locator('canvas[aria-label^="Scatter of"]').scrollIntoViewIfNeeded();
      await view.locator('canvas[aria-label^="Scatter of"]').waitFor({ state: 'visible' });
    });
    await wb.step('compare-log-scale-smoothing', async () => {
      await view.locator('#log-scale').click();
      await view.locator('#smoothing').evaluate((el) => {
        (el as HTMLInputElement).value = '0.6';
        el.dispatchEvent(new Event('change'));
      });
      await view.locator('#smoothing + output', { hasText: '0.60' }).waitFor({ state: 'visible' });
      await view.locator('.chart-card[data-metric="loss"] canvas').waitFor({ state: 'visible' });
    });

    await wb.step('codelens-params', async () => {
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').fill('params.yaml');
      // dvclive/params.yaml (written by train) is another match: pick the project's own.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'params.yaml' }).filter({ hasNotText: 'dvclive' }).first().click();
      await page.locator('.codelens-decoration', { hasText: /best 0\.\d+ \(run-\d, accuracy 0\.\d+\) · range 0\.01–0\.2 across 3 runs/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    });
    await wb.step('codelens-training-script', async () => {
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').fill('train.py');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'train.py' }).first().click();
      // Lenses render for visible lines: go to the line that logs the metrics.
      const line = readFileSync(path.join(workspaceDir, 'src/train.py'), 'utf8').split('\n').findIndex((l) => l.includes('loggers.log(epoch')) + 1;
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+G');
      await page.locator('.quick-input-widget input').fill(`:${line}`);
      await page.keyboard.press('Enter');
      await page.locator('.codelens-decoration', { hasText: /loss: latest 0\.\d+/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await page.locator('.codelens-decoration', { hasText: /train_accuracy: latest 0\.\d+/ }).first().waitFor({ state: 'visible' });
    });
    await wb.step('codelens-click-opens-comparison', async () => {
      // run-1..3 and the DVCLive folder log `loss` in experiment churn; MLflow's runs are another
      // experiment. A lens re-rendered under the pointer (the model refreshes when the DVCLive
      // folder settles) swallows the click, so a click that opened nothing is made again.
      const compared = view.locator('#compare-view', { hasText: 'Comparing 4 runs' });
      for (let attempt = 1; ; attempt++) {
        await page.locator('.codelens-decoration a', { hasText: /loss: latest/ }).first().click();
        try {
          await compared.waitFor({ state: 'visible', timeout: 10_000 });
          break;
        } catch (e) {
          if (attempt === 3) throw e;
        }
      }
      await view.locator('.chart-card[data-metric="loss"]').first().waitFor({ state: 'visible' });
    });
    await wb.step('state-survives-reopen', async () => {
      await view.locator('#back-to-table').click();
      // Close the panel (its page is gone), give the workbench the focus back, open it again.
      const tab = page.locator('.tabs-container .tab', { hasText: 'Experiments' }).first();
      await tab.hover();
      await tab.locator('.tab-actions [aria-label^="Close"]').first().click();
      await tab.waitFor({ state: 'detached' });
      await page.locator('.part.sidebar .pane-header', { hasText: 'Experiments' }).first().click();
      await page.locator('.part.sidebar .pane-header', { hasText: 'Experiments' }).first().click();
      await wb.runCommand('MLOps: Show Experiments');
      await view.locator('#runs-grid').waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await view.locator('#filter').getAttribute('current-value') ?? await view.locator('#filter input').inputValue(), 'metrics.accuracy > 0.5');
      await view.locator('#run-count', { hasText: /^3 of 8 runs/ }).waitFor({ state: 'visible' });
      await view.locator('.xhcell[data-col="metrics.accuracy"][aria-sort="descending"]').waitFor({ state: 'visible' });
    });
  },
};
