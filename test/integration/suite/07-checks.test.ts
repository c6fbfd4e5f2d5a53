import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { activateExtension, workspaceRoot, waitFor } from './helpers.ts';
import { CommandId } from '../../../src/extension/commandIds.ts';
import type { MlopsApi } from '../../../src/extension/extension.ts';
import type { ChecksReport } from '../../../src/engine/checks/types.ts';
import { linkCommand, linkMessage } from '../../../src/extension/checks/feature.ts';

const CHECKS = `# quality gates of the integration suite
suites:
  people:
    dataset: checks-data/people.csv
    checks:
      - rows: { min: 3 }
      - range: { column: age, min: 0, max: 120 }
      - categories: { column: plan, values: [basic, pro] }
      - missing: { column: income, max: 10% }
      - unique: id
  broken:
    dataset: checks-data/people.csv
    checks:
      - range: { column: age, min: old }
      - range: { column: agee, min: 0 }
  model:
    checks:
      - metric: accuracy >= 0.9
`;

const PEOPLE = 'id,age,plan,income\n1,34,basic,52000\n2,51,pro,\n3,130,gold,61000\n4,45,basic,43000\n';

suite('Quality gates', () => {
  let api: MlopsApi;
  let root: string;
  let config: string;
  let checksFile: string;
  let original: string | null = null;
  const reports: ChecksReport[] = [];
  let sub: vscode.Disposable | undefined;

  const checks = () => api.container.checks;
  const items = () => {
    const out = new Map<string, vscode.TestItem>();
    const walk = (c: vscode.TestItemCollection) => c.forEach((i) => { out.set(i.id.slice(i.id.indexOf('|') + 1), i); walk(i.children); });
    walk(checks().controller.items);
    return out;
  };
  const nextReport = (n = reports.length + 1, timeout = 60_000): Promise<ChecksReport> => waitFor(() => (reports.length >= n ? reports[n - 1] : undefined), 'a quality-gate run to finish', timeout);

  suiteSetup(async function () {
    this.timeout(60_000);
    api = await activateExtension();
    root = workspaceRoot();
    if (!existsSync(path.join(root, '.mlops', 'mlops.db'))) await vscode.commands.executeCommand(CommandId.initializeWorkspace);
    config = path.join(root, 'mlops.yaml');
    checksFile = path.join(root, 'checks.yaml');
    original = existsSync(config) ? readFileSync(config, 'utf8') : null;
    mkdirSync(path.join(root, 'checks-data'), { recursive: true });
    writeFileSync(path.join(root, 'checks-data', 'people.csv'), PEOPLE);
    writeFileSync(checksFile, CHECKS);
    writeFileSync(config, `${original ?? 'version: 1\n'}\n# added by the quality-gates suite\nchecks:\n  file: checks.yaml\n`);
    sub = checks().onDidFinishRun(({ report }) => reports.push(report));
    await waitFor(async () => {
      await checks().refresh();
      return items().has('people/rows');
    }, 'the checks to be listed');
  });

  suiteTeardown(async () => {
    sub?.dispose();
    await vscode.workspace.getConfiguration('mlops').update('checks.runAfterPipeline', undefined, vscode.ConfigurationTarget.Workspace);
    if (original === null) rmSync(config, { force: true });
    else if (config) writeFileSync(config, original);
    rmSync(checksFile, { force: true });
    rmSync(path.join(root, 'checks-data'), { recursive: true, force: true });
  });

  test('the Test Explorer lists every suite and check, each at its YAML node', () => {
    const all = items();
    const suites = [...checks().controller.items].map(([, i]) => i.label);
    assert.deepEqual(suites, ['people', 'broken', 'model']);
    const people = all.get('people')!;
    assert.deepEqual([...people.children].map(([, i]) => i.label), ['at least 3 rows', 'age in [0, 120]', 'plan in {basic, pro}', 'income ≤ 10.0 % missing', 'id unique']);
    assert.equal(people.description, 'checks-data/people.csv');
    const range = all.get('people/range:age')!;
    assert.equal(range.uri?.fsPath, checksFile);
    assert.equal(range.range?.start.line, CHECKS.split('\n').findIndex((l) => l.includes('column: age, min: 0, max: 120')));
    assert.equal(all.get('model')!.description, 'latest run');
  });

  test('a check written wrongly appears in Problems on its line', async () => {
    const line = CHECKS.split('\n').findIndex((l) => l.includes('min: old'));
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(checksFile));
      return d.length ? d : undefined;
    }, 'a diagnostic on checks.yaml');
    assert.equal(diags.length, 1);
    assert.equal(diags[0]!.range.start.line, line);
    assert.match(diags[0]!.message, /threshold 'min' of this range check must be a number, got "old"/);
  });

  test('Run Quality Gates runs every check: measured values against the rules, errors with reasons', async () => {
    const [report] = (await vscode.commands.executeCommand(CommandId.runChecks)) as ChecksReport[];
    assert.ok(report, 'a report');
    const result = (id: string) => report.suites.flatMap((s) => s.checks).find((c) => c.id === id)!;
    assert.equal(result('people/rows').status, 'passed');
    assert.equal(result('people/range:age').status, 'failed');
    assert.match(result('people/range:age').message, /1 of 4 values of age .* first at row 3 \(line 4\): "130"/);
    assert.equal(result('people/categories:plan').status, 'failed');
    assert.equal(result('people/missing:income').status, 'failed');
    assert.equal(result('people/missing:income').actual, '25.0 % missing (1 of 4 rows)');
    assert.equal(result('people/unique:id').status, 'passed');
    assert.equal(result(`broken/range@${CHECKS.split('\n').findIndex((l) => l.includes('min: old')) + 1}`).status, 'errored');
    assert.equal(result('broken/range:agee').status, 'errored');
    assert.match(result('broken/range:agee').hint!, /did you mean 'age'/);
    assert.equal(result('model/metric:accuracy >= 0.9').status, 'errored');
    assert.match(result('model/metric:accuracy >= 0.9').message, /no finished run found|unknown metric 'accuracy'/);
    assert.equal(report.status, 'errored');
  });

  test("a check's links open what it measured: the run is selected in the runs table", async function () {
    this.timeout(60_000);
    const folder = vscode.workspace.workspaceFolders![0]!;
    const exp = api.container.experiments;
    await exp.model.refresh();
    const f = exp.model.forFolder(folder)!;
    const run = f.runs.find((r) => r.source === 'mlops') ?? f.runs[0];
    assert.ok(run, 'the experiments suite left runs');
    const md = linkMessage(folder, { kind: 'run', runId: run.id, label: `${run.name} <img src=x>` })!.message as vscode.MarkdownString;
    assert.deepEqual(md.isTrusted, { enabledCommands: [CommandId.openRunInTable] }, 'only the one command is trusted');
    assert.match(md.value, /\\<img src=x\\>/, 'the label is escaped text, not markup');
    assert.doesNotMatch(md.value, /(^|[^\\])<img/);
    const link = /\]\(command:([\w.]+)\?([^ )]+)/.exec(md.value);
    assert.ok(link, md.value);
    assert.equal(link[1], CommandId.openRunInTable);
    await vscode.commands.executeCommand(link[1], ...(JSON.parse(decodeURIComponent(link[2]!)) as unknown[]));
    const panel = await waitFor(() => exp.panelOf(f), 'the runs table');
    await waitFor(() => (panel.selection.length === 1 && panel.selection[0] === run.id ? true : undefined), 'the linked run selected');
    assert.deepEqual(linkCommand(folder, { kind: 'model', model: 'churn', version: 2, runId: null, label: 'churn v2' }),
      { command: CommandId.registryOpenLineage, args: [{ folder: folder.uri.toString(), model: 'churn', version: 2 }] });
    assert.deepEqual(linkCommand(folder, { kind: 'drift-report', reportId: 7, dataset: 'customers', label: 'r' }), { command: CommandId.openDriftReport, args: [{ dataset: 'customers', reportId: 7 }] });
    assert.equal(linkCommand(folder, { kind: 'drift-report', reportId: null, label: 'fresh' }), undefined, 'a report never stored has nothing to open');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('running one check from the gutter of the YAML runs only that check', async function () {
    this.timeout(60_000);
    const before = reports.length;
    const doc = await vscode.workspace.openTextDocument(checksFile);
    const editor = await vscode.window.showTextDocument(doc);
    const line = CHECKS.split('\n').findIndex((l) => l.includes('values: [basic, pro]'));
    editor.selection = new vscode.Selection(line, 10, line, 10);
    await vscode.commands.executeCommand('testing.runAtCursor');
    const report = await nextReport(before + 1);
    assert.deepEqual(report.suites.map((s) => [s.name, s.checks.map((c) => [c.id, c.status])]), [['people', [['people/categories:plan', 'failed']]]]);
    assert.match(report.suites[0]!.checks[0]!.message, /"gold" \(1×\)/);
  });

  test('editing the checks file reloads the Test Explorer', async () => {
    writeFileSync(checksFile, CHECKS.replace('  model:\n', '  extra:\n    dataset: checks-data/people.csv\n    checks:\n      - rows: { max: 2 }\n  model:\n'));
    await waitFor(() => items().has('extra/rows'), 'the new suite to appear', 15_000);
    const [report] = (await vscode.commands.executeCommand(CommandId.runChecks)) as ChecksReport[];
    assert.equal(report!.suites.find((s) => s.name === 'extra')!.checks[0]!.status, 'failed');
    writeFileSync(checksFile, CHECKS);
    await waitFor(() => !items().has('extra/rows'), 'the suite to go away', 15_000);
  });

  test('with mlops.checks.runAfterPipeline the checks rerun after a pipeline run', async function () {
    this.timeout(120_000);
    await vscode.workspace.getConfiguration('mlops').update('checks.runAfterPipeline', true, vscode.ConfigurationTarget.Workspace);
    const before = reports.length;
    await vscode.commands.executeCommand(CommandId.runStage, path.join(root, 'dvc.yaml'), 'copy');
    const report = await nextReport(before + 1, 90_000);
    assert.equal(report.totals.checks, 8);
  });

  test('Copy Quality Gate Report puts the Markdown report on the clipboard', async () => {
    await vscode.commands.executeCommand(CommandId.copyChecksReport);
    const text = await vscode.env.clipboard.readText();
    assert.match(text, /^### ⚠️ Quality gates failed: 3 failed, 3 errored of 8 checks/);
    assert.match(text, /\| ❌ \| age in \\\[0, 120\\\] \| in \\\[0, 120\\\] \| 1 of 4 values outside \(25\.0 %\) \| checks-data\/people\.csv:4 \|/);
  });

  test('a checks file that cannot be read is one errored item, never a crash', async () => {
    writeFileSync(checksFile, 'suites:\n  people:\n    checks: [\n');
    await waitFor(async () => {
      await checks().refresh();
      return items().has('#config');
    }, 'the configuration error item');
    const item = items().get('#config')!;
    assert.match(String(item.error), /checks\.yaml:\d+:\d+: Not valid YAML/);
    assert.equal(item.uri?.fsPath, checksFile);
    await vscode.commands.executeCommand(CommandId.runChecks);
    writeFileSync(checksFile, CHECKS);
    await waitFor(async () => {
      await checks().refresh();
      return items().has('people/rows');
    }, 'the checks to come back');
  });
});
