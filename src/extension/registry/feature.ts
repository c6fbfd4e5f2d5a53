import * as vscode from 'vscode';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { Commands } from '../commands.ts';
import type { Log } from '../log.ts';
import type { WorkspaceModel } from '../workspace/model.ts';
import type { VersioningModel } from '../versioning/model.ts';
import { RegistryModel, type TrackingLookup } from './model.ts';
import { ModelsTree, type ModelNode } from './tree.ts';
import { RegistryPanel } from './panel.ts';
import { ModelCardFileSystem } from './card.ts';
import { RegistryDocuments } from './documents.ts';
import { registerFlow, registerFromRunFlow, type RegisterArgs, type RegisteredVersion } from './register.ts';
import { openLocation, promoteFlow, removeAliasFlow, setAliasFlow, type PromoteOptions, type PromotionOutcome, type PromotionUi } from './promote.ts';
import { only, resolveVersion, type VersionArg, type VersionTarget } from './target.ts';
import { requireTrust } from '../trust.ts';
import { restoreFlow, type RestoreArgs, type RestoreOutcome } from './restore.ts';
import type { AuditVerification } from '../../engine/registry/api.ts';
import type { RegistryAction, RegistryRoute, RegistryView } from '../../shared/registry.ts';
import { MlopsError } from '../../engine/errors.ts';
import { shortHash } from '../versioning/format.ts';

/** The model registry in the editor: Models view, registry panel, register/promote/alias/restore, model cards, audit. */
export class RegistryFeature extends Disposable {
  readonly model: RegistryModel;
  readonly tree: ModelsTree;
  readonly panel: RegistryPanel;
  readonly view: vscode.TreeView<ModelNode>;
  private readonly versioning: VersioningModel;
  private readonly log: Log;
  private readonly ui: PromotionUi;

  constructor(extensionUri: vscode.Uri, workspace: WorkspaceModel, versioning: VersioningModel, commands: Commands, log: Log, trackingFor?: TrackingLookup) {
    super();
    this.versioning = versioning;
    this.log = log;
    this.model = this.register(new RegistryModel(workspace, versioning, log, trackingFor));
    this.tree = this.register(new ModelsTree(this.model));
    this.view = this.register(vscode.window.createTreeView(ModelsTree.viewId, { treeDataProvider: this.tree, showCollapseAll: true }));
    this.panel = new RegistryPanel(extensionUri, log, this.model, (a) => this.onPanelAction(a));
    this.register({ dispose: () => this.panel.dispose() });
    this.register(new ModelCardFileSystem(this.model));
    this.register(new RegistryDocuments(this.model));
    this.register(this.model.onDidChange(() => this.panel.notifyChanged()));
    this.ui = {
      openVersion: (t) => void this.showVersion(t),
      openLocation: (file, line) => void openLocation(this.rootOf(file), file, line),
    };

    const reg = (id: Parameters<Commands['register']>[0], fn: (...a: any[]) => unknown) => this.register(commands.register(id, fn));
    reg(CommandId.registryRegister, (uri?: vscode.Uri, second?: vscode.Uri[] | RegisterArgs) => this.registerVersion(uri, second));
    reg(CommandId.registryRegisterFromRun, (run?: unknown, args?: RegisterArgs) => this.registerFromRun(run, args));
    reg(CommandId.registryShow, (arg?: ModelNode | RegistryRoute) => this.show(arg));
    reg(CommandId.registryOpenLineage, (arg?: VersionArg) => this.openLineage(arg));
    reg(CommandId.registryPromote, (arg?: VersionArg, opts?: PromoteOptions) => this.promote(arg, opts));
    reg(CommandId.registrySetAlias, (arg?: VersionArg, opts?: { alias?: string; comment?: string }) => this.setAlias(arg, opts));
    reg(CommandId.registryRemoveAlias, (arg?: VersionArg, opts?: { alias?: string }) => this.removeAlias(arg, opts));
    reg(CommandId.registryRestoreArtifact, (arg?: VersionArg, opts?: RestoreArgs) => this.restore(arg, opts));
    reg(CommandId.registryEditModelCard, (arg?: ModelNode | { folder?: string; model: string }) => this.editCard(arg));
    reg(CommandId.registryShowAuditTrail, (arg?: ModelNode) => this.showAudit(arg));
    reg(CommandId.registryVerifyAudit, () => this.verifyAudit());
    reg(CommandId.registryRefresh, () => this.model.refresh());
  }

  private rootOf(file: string): string {
    const f = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) ?? this.model.folders[0]?.folder;
    return f?.uri.fsPath ?? path.dirname(file);
  }

  private async registerVersion(uri?: vscode.Uri, second?: vscode.Uri[] | RegisterArgs): Promise<RegisteredVersion | undefined> {
    if (!requireTrust('Registering a model version', 'the model registry and workspace files')) return undefined;
    const args = second && !Array.isArray(second) ? second : {};
    const target = Array.isArray(second) && second.length ? second[0] : uri;
    if (Array.isArray(second) && second.length > 1) throw new MlopsError('usage', 'Register one file or folder at a time: a model version is one artifact.', { hint: 'Put the files of one model in a folder and register the folder.' });
    await this.model.refresh();
    return registerFlow(this.model, target instanceof vscode.Uri ? target : undefined, args, (r) => void this.openRegistered(r));
  }

  private async registerFromRun(run?: unknown, args: RegisterArgs = {}): Promise<RegisteredVersion | undefined> {
    if (!requireTrust('Registering a model version', 'the model registry and workspace files')) return undefined;
    await this.model.refresh();
    return registerFromRunFlow(this.model, run, args, (r) => void this.openRegistered(r));
  }

  private openRegistered(r: RegisteredVersion): Promise<RegistryView> {
    return this.panel.show({ page: 'version', folder: r.folder.uri.toString(), model: r.version.model, version: r.version.version });
  }

  private async show(arg?: ModelNode | RegistryRoute): Promise<RegistryView> {
    await this.model.refresh();
    if (arg && 'page' in arg) return this.panel.show(arg);
    if (arg && 'kind' in arg) {
      if (arg.kind === 'model') return this.panel.show({ page: 'model', folder: arg.data.folder.uri.toString(), model: arg.model.id });
      if (arg.kind === 'version') return this.panel.show({ page: 'version', folder: arg.data.folder.uri.toString(), model: arg.model.id, version: arg.version.version });
    }
    return this.panel.show({ page: 'models' });
  }

  private showVersion(t: VersionTarget): Promise<RegistryView> {
    return this.panel.show({ page: 'version', folder: t.folder.uri.toString(), model: t.model, version: t.version.version });
  }

  private async openLineage(arg?: VersionArg): Promise<RegistryView | undefined> {
    const t = await resolveVersion(this.model, arg, 'Open the lineage of which model version?');
    return t ? this.showVersion(t) : undefined;
  }

  private async promote(arg?: VersionArg, opts: PromoteOptions = {}): Promise<PromotionOutcome | undefined> {
    if (!requireTrust('Promoting a model version', 'the model registry and workspace files')) return undefined;
    const t = await resolveVersion(this.model, arg, 'Promote which model version?', (v) => !v.readOnly);
    if (!t) return undefined;
    readOnlyGuard(t);
    return promoteFlow(this.model, t, this.ui, opts);
  }

  private async setAlias(arg?: VersionArg, opts: { alias?: string; comment?: string } = {}): Promise<PromotionOutcome | undefined> {
    if (!requireTrust('Setting an alias', 'the model registry and workspace files')) return undefined;
    const t = await resolveVersion(this.model, arg, 'Set an alias on which model version?', (v) => !v.readOnly);
    if (!t) return undefined;
    readOnlyGuard(t);
    return setAliasFlow(this.model, t, this.ui, opts);
  }

  private async removeAlias(arg?: VersionArg, opts: { alias?: string } = {}): Promise<PromotionOutcome | undefined> {
    if (!requireTrust('Removing an alias', 'the model registry and workspace files')) return undefined;
    const t = await resolveVersion(this.model, arg, 'Remove an alias from which model version?', (v) => !v.readOnly && v.aliases.length > 0);
    if (!t) return undefined;
    readOnlyGuard(t);
    if (!t.version.aliases.length) throw new MlopsError('usage', `${t.model} v${t.version.version} has no alias.`);
    return removeAliasFlow(this.model, t, opts);
  }

  private async restore(arg?: VersionArg, opts: RestoreArgs = {}): Promise<RestoreOutcome | undefined> {
    if (!requireTrust('Restoring a model artifact', 'the model registry and workspace files')) return undefined;
    const t = await resolveVersion(this.model, arg, 'Restore the artifact of which model version?', (v) => v.source === 'mlops');
    if (!t) return undefined;
    if (t.version.source !== 'mlops') throw new MlopsError('usage', `${t.model} v${t.version.version} is an MLflow version; its artifact is not in the MLOps cache.`, { hint: t.version.sourceUri ? `MLflow keeps it at ${t.version.sourceUri}.` : undefined });
    return restoreFlow(this.model, this.versioning, t, opts, (a) => vscode.commands.executeCommand(CommandId.registryRestoreArtifact, a, { ...opts, pull: true }));
  }

  private async editCard(arg?: ModelNode | { folder?: string; model: string }): Promise<vscode.TextEditor | undefined> {
    let folder: vscode.WorkspaceFolder;
    let model: string;
    if (arg && 'kind' in arg) {
      if (arg.kind !== 'model' && arg.kind !== 'version') throw new MlopsError('usage', 'Pick a model in the Models view.');
      folder = arg.data.folder;
      model = arg.model.id;
    } else if (arg?.model) {
      folder = arg.folder ? this.model.service(arg.folder).folder : only(this.model).folder;
      model = arg.model;
    } else {
      const items = this.model.folders.flatMap((d) => d.models.map((m) => ({ label: m.name, description: m.readOnly ? 'read-only' : '', folder: d.folder, id: m.id })));
      if (!items.length) throw new MlopsError('not-found', 'No models are registered yet.');
      const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Edit the model card of which model?' });
      if (!pick) return undefined;
      folder = pick.folder;
      model = pick.id;
    }
    const { service } = this.model.service(folder);
    const card = service.getModelCard(model);
    const editor = await vscode.window.showTextDocument(ModelCardFileSystem.uri(folder, model), { preview: false });
    if (!vscode.workspace.isTrusted) void vscode.window.showInformationMessage('MLOps: the model card is read-only in Restricted Mode; trust the workspace to edit it.');
    else if (card.generated) vscode.window.setStatusBarMessage('$(info) MLOps: a generated starting point — save (Ctrl+S) to store it as the model card', 8000);
    return editor;
  }

  private async showAudit(arg?: ModelNode): Promise<RegistryView> {
    await this.model.refresh();
    if (arg && 'kind' in arg && (arg.kind === 'model' || arg.kind === 'version')) {
      return this.panel.show({ page: 'audit', folder: arg.data.folder.uri.toString(), model: arg.model.id });
    }
    const { folder } = arg?.kind === 'folder' ? this.model.service(arg.data.folder) : only(this.model);
    return this.panel.show({ page: 'audit', folder: folder.uri.toString() });
  }

  private async verifyAudit(): Promise<AuditVerification[]> {
    await this.model.refresh();
    if (!this.model.folders.length) only(this.model);
    const results: AuditVerification[] = [];
    for (const d of this.model.folders) {
      const r = await d.service.verifyAudit();
      results.push(r);
      const where = this.model.folders.length > 1 ? ` of ${d.folder.name}` : '';
      if (r.ok) {
        const mirror = r.mirror.present ? `; mirror ${path.basename(r.mirror.file)} agrees (${r.mirror.entries})` : '';
        void vscode.window.showInformationMessage(`MLOps: audit trail${where} OK — ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'}, hash chain intact${r.head ? ` (head ${r.head.slice(0, 12)})` : ''}${mirror}.`);
        continue;
      }
      const bad = r.firstBad!;
      const at = bad.where === 'mirror' ? `${path.basename(r.mirror.file)}${bad.line ? ` line ${bad.line}` : ''}` : 'the store';
      const extra = r.problems.length > 1 ? ` (${r.problems.length} problems in all; the log lists them)` : '';
      for (const p of r.problems) this.log.error(`audit ${p.where} #${p.seq}${p.line ? ` line ${p.line}` : ''}: ${p.reason}: ${p.message}${p.expected ? ` (expected ${p.expected}, found ${p.actual})` : ''}`);
      void vscode.window
        .showErrorMessage(`MLOps: audit trail${where} FAILED verification at entry #${bad.seq} in ${at}: ${bad.message}${extra}`, 'Show Audit Trail', 'Show Log')
        .then((p) => {
          if (p === 'Show Audit Trail') void this.panel.show({ page: 'audit', folder: d.folder.uri.toString() });
          else if (p === 'Show Log') this.log.show();
        });
    }
    return results;
  }

  /** Actions from the panel: the same commands as the tree, so errors have one path. */
  private async onPanelAction(a: RegistryAction): Promise<unknown> {
    const exec = (id: string, ...args: unknown[]) => vscode.commands.executeCommand(id, ...args);
    switch (a.action) {
      case 'promote': return exec(CommandId.registryPromote, { folder: a.folder, model: a.model, version: a.version }, { ...(a.stage ? { stage: a.stage } : {}), ...(a.seenStage ? { seenStage: a.seenStage } : {}) });
      case 'setAlias': return exec(CommandId.registrySetAlias, { folder: a.folder, model: a.model, version: a.version }, a.alias ? { alias: a.alias } : {});
      case 'restore': return exec(CommandId.registryRestoreArtifact, { folder: a.folder, model: a.model, version: a.version }, a.pull ? { pull: true } : {});
      case 'editCard': return exec(CommandId.registryEditModelCard, { folder: a.folder, model: a.model });
      case 'register': return exec(CommandId.registryRegister);
      case 'copy':
        await vscode.env.clipboard.writeText(a.text);
        vscode.window.setStatusBarMessage(`Copied ${a.text.length > 40 ? `${a.text.slice(0, 40)}…` : a.text}`, 3000);
        return undefined;
      case 'reveal': return this.reveal(a.folder, a.model, a.version);
      case 'openCommit': return this.openCommit(a.folder, a.commit);
      case 'openRun': return this.openRun(a.folder, a.model, a.version);
      case 'openData': return this.openData(a.folder, a.path, a.hash);
      case 'openArtifact': return this.openArtifact(a.folder, a.model, a.version);
      case 'openPolicy': return openLocation(this.rootOf(a.file), a.file, a.line);
    }
  }

  /** Select the version (or model) in the Models view. */
  async reveal(folder: string, model: string, version?: number): Promise<boolean> {
    await this.model.refresh();
    const node = await this.tree.findVersion(folder, model, version);
    if (!node) return false;
    await vscode.commands.executeCommand(`${ModelsTree.viewId}.focus`);
    const id = this.tree.getTreeItem(node).id;
    // A reveal that lands while the view is still opening or refreshing can be dropped: try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.view.reveal(node, { select: true, focus: true, expand: true });
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      if (this.view.selection.some((n) => this.tree.getTreeItem(n).id === id)) return true;
    }
    this.log.warn(`could not select ${model}${version ? ` v${version}` : ''} in the Models view`);
    return false;
  }

  async openCommit(folder: string, commit: string): Promise<vscode.TextEditor> {
    const { folder: f } = this.model.service(folder);
    return vscode.window.showTextDocument(RegistryDocuments.commitUri(f, commit), { preview: true });
  }

  /** The run in the Experiments view when that feature knows it, else the snapshot kept with the version. */
  async openRun(folder: string, model: string, version: number): Promise<unknown> {
    const { folder: f, service } = this.model.service(folder);
    const v = service.getVersion(model, version);
    const runId = v.lineage.runId;
    if (runId && this.model.tracking(f)?.getRun(runId)) {
      const known = await vscode.commands.getCommands(true);
      if (known.includes(OPEN_RUN)) return vscode.commands.executeCommand(OPEN_RUN, runId);
      // The Experiments panel, showing this one run.
      if (known.includes(CommandId.compareRuns)) return vscode.commands.executeCommand(CommandId.compareRuns, { folder: f.uri.toString(), ids: [runId] });
    }
    return vscode.window.showTextDocument(RegistryDocuments.runUri(f, model, version), { preview: true });
  }

  /** Data the run read: open it when the workspace still has that exact content, else say what changed. */
  async openData(folder: string, rel: string, hash: string | null): Promise<void> {
    const { folder: f } = this.model.service(folder);
    const uri = vscode.Uri.joinPath(f.uri, rel);
    const current = this.versioning.forFolder(f) ? this.versioning.folders.find((d) => d.folder === f)?.artifacts.find((a) => a.path === rel || rel.startsWith(`${a.path}/`)) : undefined;
    const same = !hash || !current || current.path !== rel || current.hash === hash;
    if (!existsSync(uri.fsPath)) {
      void vscode.window.showWarningMessage(`MLOps: ${rel} is not in the workspace now${hash ? ` (the model was trained on md5 ${shortHash(hash)})` : ''}.`, 'Show Data & Models').then((p) => { if (p) void vscode.commands.executeCommand('mlops.data.focus'); });
      return;
    }
    await vscode.commands.executeCommand('revealInExplorer', uri);
    if (!same) {
      void vscode.window.showInformationMessage(`MLOps: ${rel} has changed since this model was trained (then ${shortHash(hash!)}, now ${current?.hash ? shortHash(current.hash) : 'not recorded'}). Its history is in Data & Models.`, 'Show Data & Models').then((p) => { if (p) void vscode.commands.executeCommand('mlops.data.focus'); });
    }
  }

  async openArtifact(folder: string, model: string, version: number): Promise<void> {
    const { folder: f, service } = this.model.service(folder);
    const v = service.getVersion(model, version);
    const uri = vscode.Uri.joinPath(f.uri, v.artifactPath);
    if (!existsSync(uri.fsPath)) throw new MlopsError('not-found', `${v.artifactPath} is not in the workspace.`, { hint: `Use Restore Artifact to put ${model} v${version} there.` });
    await vscode.commands.executeCommand('revealInExplorer', uri);
    if (v.kind === 'file') await vscode.window.showTextDocument(uri, { preview: true });
  }
}

/** Command of the Experiments feature that shows one run, when it is installed. */
const OPEN_RUN = 'mlops.experiments.openRun';

function readOnlyGuard(t: VersionTarget): void {
  if (t.version.readOnly) {
    throw new MlopsError('refused', `${t.model} v${t.version.version} comes from ${t.version.source === 'mlflow' ? 'the MLflow registry' : 'a read-only source'} and cannot be changed here.`, { hint: 'Change it with MLflow, or register the artifact in the MLOps registry.' });
  }
}
