import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { activateExtension, workspaceRoot, waitFor } from './helpers.ts';
import { commitAll, moveObjectToRemote, setUpChurn, type Project } from './registryProject.ts';
import { CommandId } from '../../../src/extension/commandIds.ts';
import type { MlopsApi } from '../../../src/extension/extension.ts';
import type { ModelNode } from '../../../src/extension/registry/tree.ts';
import type { RegisteredVersion } from '../../../src/extension/registry/register.ts';
import type { PromotionOutcome } from '../../../src/extension/registry/promote.ts';
import type { RestoreOutcome } from '../../../src/extension/registry/restore.ts';
import type { RegistryView } from '../../../src/shared/registry.ts';
import type { RunResult } from '../../../src/engine/pipeline/runner.ts';
import type { AuditVerification } from '../../../src/engine/registry/api.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { loadSqlite } from '../../../src/engine/store/native.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MODEL = 'churn-model';

/** The example project's story, in the real extension host: train, register, see, promote, be refused, retrain, pass, audit. */
suite('Registry', () => {
  let api: MlopsApi;
  let root: string;
  let project: Project;
  let firstCommit: string;
  let runsBefore = new Set<string>();
  const tracking = () => api.container.experiments.model.forFolder(vscode.workspace.workspaceFolders![0])?.tracking;
  const registry = () => api.container.registry;
  const service = () => registry().model.folders[0]!.service;
  const folderKey = () => vscode.workspace.workspaceFolders![0]!.uri.toString();

  async function train(): Promise<void> {
    await api.container.pipeline.model.refresh();
    const result = (await vscode.commands.executeCommand(CommandId.runStage, path.join(root, 'dvc.yaml'), 'evaluate')) as RunResult;
    assert.equal(result?.status, 'succeeded', JSON.stringify(result?.stages));
  }

  async function tree(node?: ModelNode): Promise<ModelNode[]> {
    await registry().model.refresh();
    return registry().tree.getChildren(node);
  }

  async function versionNode(version: number): Promise<Extract<ModelNode, { kind: 'version' }>> {
    const model = (await tree()).find((n) => n.kind === 'model' && n.model.name === MODEL);
    assert.ok(model, 'the model is in the Models view');
    const v = (await tree(model)).find((n) => n.kind === 'version' && n.version.version === version);
    assert.ok(v && v.kind === 'version', `v${version} is in the Models view`);
    return v;
  }

  const promote = (version: number, opts: Record<string, unknown>) =>
    vscode.commands.executeCommand<PromotionOutcome>(CommandId.registryPromote, { model: MODEL, version }, opts);

  suiteSetup(async function () {
    this.timeout(120_000);
    api = await activateExtension();
    root = workspaceRoot();
    await vscode.commands.executeCommand(CommandId.initializeWorkspace);
    await api.container.experiments.model.refresh();
    runsBefore = new Set(tracking()?.listRuns().map((r) => r.id) ?? []);
    project = setUpChurn(root, process.env.MLOPS_REPO!);
    await api.container.ready();
    // Version the raw data (as a person would before training), then commit: a clean tree.
    await vscode.commands.executeCommand(CommandId.track, vscode.Uri.file(path.join(root, 'data/raw')));
    firstCommit = commitAll(project, 'churn example');
    await api.container.ready();
    await registry().model.refresh();
    assert.ok(registry().model.folders[0], `the registry opened: ${JSON.stringify(registry().model.failures)}`);
  });

  // Later suites expect the workspace as it was: the files, and no runs of ours (the quality-gate
  // suite asks for the latest run's metrics).
  suiteTeardown(async () => {
    project?.restore();
    const t = tracking();
    for (const r of t?.listRuns() ?? []) if (r.source === 'mlops' && !runsBefore.has(r.id)) t!.deleteRun(r.id);
    await api?.container.ready();
  });

  test('the trained model registers as v1 with lineage back to its data, run and commit', async function () {
    this.timeout(120_000);
    await train();
    const model = readFileSync(path.join(root, 'models/model.json'));
    const r = await vscode.commands.executeCommand<RegisteredVersion>(CommandId.registryRegister, vscode.Uri.file(path.join(root, 'models/model.json')), { model: MODEL, description: 'baseline, lr 0.05' });
    assert.ok(r, 'registered');
    const v = r.version;
    assert.equal(v.version, 1);
    assert.equal(r.createdModel, true);
    assert.equal(v.hash, md5(model));
    assert.equal(v.artifactPath, 'models/model.json');
    assert.equal(v.lineage.gitCommit, firstCommit, 'the commit the model was trained at');
    assert.equal(v.lineage.gitDirty, false);
    assert.ok(v.lineage.runId, `a source run: ${r.notes.join('; ')}`);
    const raw = v.lineage.data.find((d) => d.path === 'data/raw/customers.csv');
    assert.ok(raw, `raw data in the lineage: ${JSON.stringify(v.lineage.data)}`);
    assert.equal(raw.hash, md5(readFileSync(path.join(root, 'data/raw/customers.csv'))));
    assert.equal(v.lineage.metrics['accuracy'], 0.8433, JSON.stringify(v.lineage.metrics));
    assert.equal(v.lineage.params['train.lr'] ?? v.lineage.params['lr'], 0.05);
  });

  test('the Models view shows the model and its version; reveal selects it', async () => {
    const model = (await tree()).find((n) => n.kind === 'model');
    assert.ok(model && model.kind === 'model');
    const item = registry().tree.getTreeItem(model);
    assert.equal(item.label, MODEL);
    assert.match(String(item.description), /1 version/);
    const v1 = await versionNode(1);
    const vItem = registry().tree.getTreeItem(v1);
    assert.equal(vItem.label, 'v1');
    assert.equal(vItem.contextValue, 'mlops.modelVersion.mlops.none');
    assert.equal(vItem.command?.command, CommandId.registryOpenLineage);
    assert.equal(await registry().reveal(folderKey(), MODEL, 1), true);
    await waitFor(() => registry().view.selection[0]?.kind === 'version', 'the version to be selected');
  });

  test('Open Lineage shows the version page: data → run → commit → version, metrics and a blocked Production', async () => {
    const view = await vscode.commands.executeCommand<RegistryView>(CommandId.registryOpenLineage, await versionNode(1));
    assert.equal(view.data.page, 'version');
    if (view.data.page !== 'version') return;
    assert.ok(view.data.version.lineage.data.some((d) => d.path === 'data/raw/customers.csv'));
    assert.equal(view.data.version.lineage.gitCommit, firstCommit);
    assert.equal(view.data.availability, 'cached');
    const prod = view.data.readiness.find((r) => r.label === 'Production');
    assert.equal(prod?.ok, false, 'production would be blocked');
    assert.match(prod!.message, /0\.8433/);
    assert.equal(view.data.readiness.find((r) => r.label === 'Staging')?.ok, true);
    assert.ok(view.data.audit.some((e) => e.action === 'register'), 'the registration is in the audit history');
    await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === `${MODEL} v1`), 'the registry tab');
    const commit = await registry().openCommit(folderKey(), firstCommit);
    assert.match(commit.document.getText(), new RegExp(`^commit ${firstCommit}`, 'm'));
    assert.match(commit.document.getText(), /churn example/);
    const run = await registry().openRun(folderKey(), MODEL, 1);
    if (run && typeof run === 'object' && 'document' in run) assert.match((run as vscode.TextEditor).document.getText(), /accuracy/);
  });

  test('promote to Staging passes; Production is blocked by the failing check, with its values', async () => {
    const staging = await promote(1, { stage: 'Staging' });
    assert.equal(staging?.outcome, 'applied', staging?.message);
    assert.match(String(registry().tree.getTreeItem(await versionNode(1)).description), /Staging/);
    const prod = await promote(1, { stage: 'Production' });
    assert.equal(prod?.outcome, 'blocked', prod?.message);
    assert.match(prod!.message, /accuracy floor/);
    assert.match(prod!.message, /0\.8433/);
    assert.match(prod!.message, /0\.85/);
    assert.equal(service().getVersion(MODEL, 1).stage, 'Staging', 'nothing moved');
    const blocked = service().auditLog({ model: MODEL }).find((e) => e.outcome === 'blocked');
    assert.ok(blocked, 'the blocked attempt is audited');
    assert.equal(blocked.checks[0]?.passed, false);
  });

  test('after retraining (lr 0.2) v2 passes the gate, goes to Production and takes @champion', async function () {
    this.timeout(120_000);
    const params = path.join(root, 'params.yaml');
    writeFileSync(params, readFileSync(params, 'utf8').replace(/lr: [0-9.]+/, 'lr: 0.2'));
    commitAll(project, 'retrain with lr 0.2');
    await train();
    const r = await vscode.commands.executeCommand<RegisteredVersion>(CommandId.registryRegister, vscode.Uri.file(path.join(root, 'models/model.json')), { model: MODEL });
    assert.equal(r?.version.version, 2);
    assert.equal(r.createdModel, false);
    assert.equal(r.version.lineage.metrics['accuracy'], 0.8517);
    const prod = await promote(2, { stage: 'Production', archiveExisting: true });
    assert.equal(prod?.outcome, 'applied', prod?.message);
    assert.equal(prod!.result!.checks.every((c) => c.passed), true);
    const alias = await vscode.commands.executeCommand<PromotionOutcome>(CommandId.registrySetAlias, { model: MODEL, version: 2 }, { alias: 'champion' });
    assert.equal(alias?.outcome, 'applied', alias?.message);
    const item = registry().tree.getTreeItem(await versionNode(2));
    assert.match(String(item.description), /@champion/);
    assert.match(String(item.description), /Production/);
    const page = await vscode.commands.executeCommand<RegistryView>(CommandId.registryShow, { page: 'version', folder: folderKey(), model: MODEL, version: 2 });
    assert.equal(page.data.page === 'version' && page.data.previous?.version, 1, 'compared with the previous version');
  });

  test('a lost race says so and changes nothing', async () => {
    // The caller saw v1 in None; meanwhile it went to Staging (the earlier test): the engine refuses.
    const r = await promote(1, { stage: 'Archived', seenStage: 'None' });
    assert.equal(r?.outcome, 'conflict', r?.message);
    assert.match(r!.message, /someone else got there first/);
    assert.match(r!.message, /now in Staging/);
    assert.equal(service().getVersion(MODEL, 1).stage, 'Staging');
  });

  test('a policy refusal names who, what and which rule', async () => {
    const cfg = path.join(root, 'mlops.yaml');
    const before = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, `${before}\npolicy:\n  roles:\n    scientist: [register, promote:staging, edit]\n    lead: ['*']\n  people:\n    boss@example.com: lead\n  default: scientist\n`);
    try {
      await waitFor(async () => {
        await api.container.workspace.model.refresh();
        await registry().model.refresh();
        return service().settings.policyEnabled;
      }, 'the policy to be read');
      const r = await promote(1, { stage: 'Production' });
      assert.equal(r?.outcome, 'refused', r?.message);
      assert.match(r!.message, /tester@example\.com/, 'who');
      assert.match(r!.message, /promote:production/, 'what');
      assert.match(r!.message, /mlops\.yaml:\d+/, 'which rule, with its line');
      assert.ok(service().auditLog({ model: MODEL }).some((e) => e.outcome === 'refused'), 'refusals are audited');
    } finally {
      writeFileSync(cfg, before);
      await api.container.workspace.model.refresh();
      await registry().model.refresh();
    }
  });

  test('the model card is edited in a text editor and saved back through the engine', async function () {
    this.timeout(90_000);
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>(CommandId.registryEditModelCard, { model: MODEL });
    assert.equal(editor.document.uri.scheme, 'mlops-card');
    assert.match(editor.document.getText(), new RegExp(MODEL));
    const text = '# Churn model\n\nOwner: retention team. Logistic regression, retrained monthly.\n';
    const edit = new vscode.WorkspaceEdit();
    edit.replace(editor.document.uri, new vscode.Range(0, 0, editor.document.lineCount, 0), text);
    assert.ok(await vscode.workspace.applyEdit(edit));
    // Opening a .md document activates the Markdown extension, which keeps a loaded extension host
    // busy for seconds; a save that lands then can be cancelled by the workbench. Wait for it.
    await waitFor(() => vscode.extensions.getExtension('vscode.markdown-language-features')?.isActive ?? true, 'the Markdown extension', 30_000);
    let saved = false;
    for (let attempt = 0; attempt < 6 && !saved; attempt++) {
      saved = await editor.document.save();
      if (!saved) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(saved, 'saved');
    const card = service().getModelCard(MODEL);
    assert.equal(card.markdown, text);
    assert.equal(card.generated, false);
    assert.ok(service().auditLog({ model: MODEL, action: 'edit' }).length >= 1, 'the edit is audited');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('an artifact missing from the cache offers Pull from Remote, and pulling restores it', async function () {
    this.timeout(60_000);
    const v1 = service().getVersion(MODEL, 1);
    const cacheDir = api.container.versioning.model.folders[0]!.api.cacheDir;
    moveObjectToRemote(cacheDir, project.remote, v1.hash);
    assert.equal(await service().availability(MODEL, 1), 'missing');
    const missing = await vscode.commands.executeCommand<RestoreOutcome>(CommandId.registryRestoreArtifact, { model: MODEL, version: 1 });
    assert.equal(missing?.outcome, 'missing');
    assert.match(missing!.message, /not in the local cache/);
    assert.match(String(registry().tree.getTreeItem(await versionNode(1)).description), /not in cache/);
    const restored = await vscode.commands.executeCommand<RestoreOutcome>(CommandId.registryRestoreArtifact, { model: MODEL, version: 1 }, { pull: true });
    assert.equal(restored?.outcome, 'restored', restored?.message);
    assert.equal(restored!.result!.pulled, 1);
    assert.equal(md5(readFileSync(path.join(root, 'models/model.json'))), v1.hash, 'v1 is back on disk');
  });

  test('MLflow models show read-only beside ours, grouped', async () => {
    const Database = loadSqlite();
    const db = new Database(path.join(root, 'mlflow.db'));
    db.exec(`CREATE TABLE registered_models (name TEXT PRIMARY KEY, creation_time INTEGER, last_updated_time INTEGER, description TEXT);
      CREATE TABLE model_versions (name TEXT, version INTEGER, creation_time INTEGER, last_updated_time INTEGER, description TEXT, user_id TEXT, current_stage TEXT, source TEXT, run_id TEXT, status TEXT);
      INSERT INTO registered_models VALUES ('legacy-churn', 1700000000000, 1700000000000, '<b>old</b> sklearn model');
      INSERT INTO model_versions VALUES ('legacy-churn', 1, 1700000000000, 1700000000000, '', 'bob', 'Production', 'mlruns/0/abc/artifacts/model', NULL, 'READY');`);
    db.close();
    const group = await waitFor(async () => (await tree()).find((n) => n.kind === 'mlflow'), 'the MLflow group');
    assert.equal(registry().tree.getTreeItem(group).label, 'MLflow registry');
    const models = await tree(group);
    assert.equal(models.length, 1);
    const legacy = models[0]!;
    assert.ok(legacy.kind === 'model' && legacy.model.readOnly);
    const [v] = await tree(legacy);
    assert.equal(registry().tree.getTreeItem(v!).contextValue, 'mlops.modelVersion.mlflow.production', 'no change actions on MLflow versions');
    await assert.rejects(Promise.resolve(service().promote({ model: 'mlflow:legacy-churn', version: 1, target: { kind: 'stage', stage: 'Archived' } })));
  });

  test('Verify Audit Trail reports OK, then the first hand-edited entry', async () => {
    const [ok] = (await vscode.commands.executeCommand<AuditVerification[]>(CommandId.registryVerifyAudit))!;
    assert.equal(ok!.ok, true, JSON.stringify(ok!.firstBad));
    assert.ok(ok!.entries >= 8, `${ok!.entries} entries`);
    const store = Store.open(root, { origin: 'test' });
    let original: string | undefined;
    try {
      original = (store.db.prepare('SELECT actor FROM registry_audit WHERE seq = 3').get() as { actor: string }).actor;
      store.db.prepare('UPDATE registry_audit SET actor = ? WHERE seq = 3').run('mallory@example.com');
      const [bad] = (await vscode.commands.executeCommand<AuditVerification[]>(CommandId.registryVerifyAudit))!;
      assert.equal(bad!.ok, false);
      assert.equal(bad!.firstBad?.seq, 3);
      assert.equal(bad!.firstBad?.where, 'store');
    } finally {
      if (original !== undefined) store.db.prepare('UPDATE registry_audit SET actor = ? WHERE seq = 3').run(original);
      store.close();
    }
    const [again] = (await vscode.commands.executeCommand<AuditVerification[]>(CommandId.registryVerifyAudit))!;
    assert.equal(again!.ok, true, 'putting the entry back makes the chain whole again');
  });
});
