import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { activateExtension, workspaceRoot, waitFor } from './helpers.ts';
import { CommandId } from '../../../src/extension/commandIds.ts';
import type { MlopsApi } from '../../../src/extension/extension.ts';
import type { DriftAlert } from '../../../src/extension/drift/feature.ts';
import type { DriftRendered } from '../../../src/extension/drift/panel.ts';
import type { MonitoringNode } from '../../../src/extension/drift/tree.ts';
import type { DriftPanelState } from '../../../src/shared/drift.ts';
import { monitoringSection } from '../../fixtures/monitoring.ts';
import type { RunResult } from '../../../src/engine/pipeline/runner.ts';

/** The example project's reference and production batches (examples/README.md, "What drifts"). */
const CHURN = path.join(process.env.MLOPS_REPO ?? path.resolve(__dirname, '../../../..'), 'examples', 'churn', 'data');
const batch = (n: number) => path.join(CHURN, 'production', `batch-${String(n).padStart(2, '0')}.csv`);

const monitoringYaml = (auto: boolean) => `\n# added by the drift integration suite\n${monitoringSection({ stages: ['count'], auto })}`;

suite('Drift monitoring', () => {
  let api: MlopsApi;
  let root: string;
  let config: string;
  let original = '';
  const alerts: DriftAlert[] = [];
  const renders: DriftRendered[] = [];
  const subscriptions: vscode.Disposable[] = [];

  const drift = () => api.container.drift;
  const roots = () => drift().tree.getChildren();
  const datasetNode = () => roots().find((n) => n.kind === 'dataset' && n.state.dataset.name === 'customers');
  const batches = () => {
    const d = datasetNode();
    return d ? drift().tree.getChildren(d).filter((n): n is Extract<MonitoringNode, { kind: 'batch' }> => n.kind === 'batch') : [];
  };
  const writeConfig = async (yaml: string) => {
    writeFileSync(config, yaml);
    await api.container.workspace.model.refresh();
    await drift().model.refresh();
  };

  suiteSetup(async function () {
    this.timeout(120_000);
    api = await activateExtension();
    root = workspaceRoot();
    if (!existsSync(path.join(root, '.mlops', 'mlops.db'))) await vscode.commands.executeCommand(CommandId.initializeWorkspace);
    config = path.join(root, 'mlops.yaml');
    original = readFileSync(config, 'utf8');
    subscriptions.push(drift().onDidAlert((a) => alerts.push(a)), drift().panel.onDidRender((r) => renders.push(r)));
    mkdirSync(path.join(root, 'data', 'raw'), { recursive: true });
    mkdirSync(path.join(root, 'data', 'production'), { recursive: true });
    copyFileSync(path.join(CHURN, 'raw', 'customers.csv'), path.join(root, 'data', 'raw', 'customers.csv'));
    for (let n = 1; n <= 5; n++) copyFileSync(batch(n), path.join(root, 'data', 'production', path.basename(batch(n))));
    await writeConfig(original + monitoringYaml(false));
    // The batches already there are reported once the monitor starts (the backlog).
    await waitFor(async () => {
      await drift().model.refresh();
      return batches().length === 5;
    }, 'five batch reports in the Monitoring view', 60_000);
  });

  suiteTeardown(() => {
    for (const s of subscriptions) s.dispose();
    if (config && original) writeFileSync(config, original);
  });

  test('the Monitoring view lists the dataset and its batches, newest first, with drift status and share', () => {
    const d = datasetNode()!;
    const item = drift().tree.getTreeItem(d);
    assert.equal(item.label, 'customers');
    assert.match(String(item.description), /data\/production · 5 batches · dataset drift/);
    assert.equal(item.contextValue, 'mlops.monitor.dataset.reported.retrain');
    const rows = batches().map((b) => drift().tree.getTreeItem(b));
    assert.deepEqual(rows.map((r) => r.label), ['batch-05.csv', 'batch-04.csv', 'batch-03.csv', 'batch-02.csv', 'batch-01.csv']);
    // examples/README.md: 0, 1, 2, 3, 5 of the 8 features drift; dataset drift at batch 05.
    assert.equal(rows[0]!.description, 'dataset drift · 5 of 8 columns (62.5 %)');
    assert.equal(rows[1]!.description, 'no dataset drift · 3 of 8 columns (37.5 %)');
    assert.equal(rows[4]!.description, 'no drift · 0 of 8 columns (0.0 %)');
    assert.equal((rows[0]!.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.equal((rows[4]!.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.equal(rows[0]!.command?.command, CommandId.openDriftReport);
    // The backlog's newest drifted batch raised one notification, offering both actions.
    const backlog = alerts.find((a) => a.batch.path === 'data/production/batch-05.csv');
    assert.ok(backlog, JSON.stringify(alerts.map((a) => a.message)));
    assert.deepEqual(backlog.actions, ['Open Report', 'Retrain']);
    assert.equal(alerts.filter((a) => /batch-0[1-4]/.test(a.batch.path)).length, 0, 'one notification per run, not per batch');
  });

  test('a batch dropped into the folder is compared, stored and announced with Open Report and Retrain', async () => {
    const before = alerts.length;
    copyFileSync(batch(6), path.join(root, 'data', 'production', 'batch-06.csv'));
    const alert = await waitFor(() => alerts.slice(before).find((a) => a.batch.path === 'data/production/batch-06.csv'), 'the batch-06 notification', 30_000);
    assert.match(alert.message, /^MLOps: Dataset drift in customers — batch-06\.csv: 7 of 8 columns drifted \(87\.5 %\)\.$/);
    assert.deepEqual(alert.actions, ['Open Report', 'Retrain']);
    assert.equal(alert.autoRetrain, false);
    assert.deepEqual(alert.batch.report.columns.find((c) => c.name === 'payment_method')?.newCategories, ['digital-wallet']);
    await waitFor(async () => {
      await drift().model.refresh();
      return batches().length === 6;
    }, 'batch-06 in the tree');
    assert.equal(drift().tree.getTreeItem(batches()[0]!).description, 'dataset drift · 7 of 8 columns (87.5 %)');
  });

  test('Open Drift Report shows the report, the selected column\'s histogram and the drift over time in the webview', async () => {
    const before = renders.length;
    const state = (await vscode.commands.executeCommand(CommandId.openDriftReport, batches()[0])) as DriftPanelState;
    assert.equal(state.title, 'customers · batch-06.csv');
    assert.equal(state.report.summary.driftedColumns, 7);
    assert.equal(state.report.summary.datasetDrift, true);
    assert.deepEqual(state.retrainStages, ['count']);
    // Six batches over time; every scored feature has one point per batch.
    assert.deepEqual(state.history!.batches.map((b) => b.label), [1, 2, 3, 4, 5, 6].map((n) => `batch-0${n}.csv`));
    const age = state.history!.columns.find((c) => c.name === 'age')!;
    assert.equal(age.points.length, 6);
    assert.deepEqual(age.points.map((p) => p!.drifted), [false, false, true, true, true, true]);
    // The page drew it: 11 columns in the table, a histogram for the strongest drift, the time chart.
    const drawn = await waitFor(() => renders.slice(before).find((r) => r.charts.includes('timeline')), 'the panel to render', 30_000);
    assert.equal(drawn.columns, 11);
    assert.equal(drawn.selected, 'monthly_charges', 'the strongest drift (W 1.05) is selected first');
    assert.deepEqual(drawn.charts, ['histogram', 'timeline']);
    assert.equal(drift().panel.state?.reportId, state.reportId);
  });

  test('Retrain runs the configured stage through the pipeline, in its terminal', async () => {
    // Make the stage's input change, so retraining has work to do (an unchanged pipeline is skipped, as dvc repro does).
    appendFileSync(path.join(root, 'data', 'sample.csv'), 'retrain,1\n');
    await api.container.pipeline.model.refresh();
    const result = (await vscode.commands.executeCommand(CommandId.retrain, { dataset: 'customers' })) as RunResult;
    assert.ok(result, 'the run started (the workspace is trusted)');
    assert.equal(result.status, 'succeeded', JSON.stringify(result.stages));
    assert.deepEqual(result.stages.map((s) => [s.stage, s.status]), [['copy', 'succeeded'], ['count', 'succeeded']]);
    assert.ok(vscode.window.terminals.some((t) => t.name === 'MLOps ▸ count'));
  });

  test('with retrain.auto, a drifted batch starts retraining by itself', async () => {
    await writeConfig(original + monitoringYaml(true));
    const finished = new Promise<RunResult>((resolve) => {
      const sub = api.container.pipeline.runs.onDidFinish((e) => {
        sub.dispose();
        resolve(e.result);
      });
    });
    appendFileSync(path.join(root, 'data', 'sample.csv'), 'auto,2\n');
    const before = alerts.length;
    copyFileSync(batch(6), path.join(root, 'data', 'production', 'batch-07.csv'));
    const alert = await waitFor(() => alerts.slice(before).find((a) => a.batch.path === 'data/production/batch-07.csv'), 'the batch-07 notification', 30_000);
    assert.equal(alert.autoRetrain, true);
    assert.deepEqual(alert.actions, []);
    const result = await finished;
    assert.equal(result.status, 'succeeded');
    assert.ok(result.stages.some((s) => s.stage === 'count' && s.status === 'succeeded'), JSON.stringify(result.stages));
    await writeConfig(original + monitoringYaml(false));
  });

  test('Compare Datasets for Drift… opens an ad-hoc report of any two files, without a history', async () => {
    const before = renders.length;
    const reference = vscode.Uri.file(path.join(root, 'data', 'raw', 'customers.csv'));
    const current = vscode.Uri.file(path.join(root, 'data', 'production', 'batch-01.csv'));
    const state = (await vscode.commands.executeCommand(CommandId.compareDatasetsForDrift, { reference, current })) as DriftPanelState;
    assert.equal(state.title, 'customers.csv → batch-01.csv');
    assert.equal(state.report.reference.path, 'data/raw/customers.csv');
    assert.equal(state.report.summary.datasetDrift, false);
    assert.equal(state.history, undefined);
    assert.equal(state.dataset, undefined);
    assert.equal(state.report.columns.find((c) => c.name === 'churned')?.status, 'ignored', 'the workspace drift settings apply');
    const drawn = await waitFor(() => renders.slice(before).find((r) => r.columns === 11), 'the ad-hoc report to render', 30_000);
    assert.ok(!drawn.charts.includes('timeline'));
  });

  test('a mistake in the monitoring section is shown in Problems and in the view, and clears when fixed', async () => {
    await writeConfig(original + '\nmonitoring:\n  reference: data/raw/customers.csv\n');
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(config)).filter((x) => /batches/.test(x.message));
      return d.length ? d : undefined;
    }, 'a diagnostic on mlops.yaml');
    assert.match(diags[0]!.message, /needs 'batches'/);
    assert.equal(roots()[0]?.kind, 'config-error');
    await writeConfig(original + monitoringYaml(false));
    await waitFor(() => datasetNode(), 'the dataset back in the view');
    assert.equal(vscode.languages.getDiagnostics(vscode.Uri.file(config)).filter((x) => /batches/.test(x.message)).length, 0);
  });
});
