import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { Commands } from '../commands.ts';
import type { Log } from '../log.ts';
import type { WorkspaceModel } from '../workspace/model.ts';
import { VersioningModel } from './model.ts';
import { DataTree, type DataNode } from './tree.ts';
import { DataDecorations } from './decorations.ts';
import { ComparePanel } from './comparePanel.ts';
import { toDiagnostic } from '../workspace/diagnostics.ts';
import { MlopsError, isMlopsError } from '../../engine/errors.ts';
import { formatBytes, shortHash } from './format.ts';
import { requireTrust } from '../trust.ts';

/** Data & model versioning in the editor: the tree, Explorer badges, commands, auto-versioning. */
export class VersioningFeature extends Disposable {
  readonly model: VersioningModel;
  readonly tree: DataTree;
  readonly decorations: DataDecorations;
  private readonly extensionUri: vscode.Uri;
  private readonly log: Log;
  private readonly problems = this.register(vscode.languages.createDiagnosticCollection('mlops-data'));

  constructor(extensionUri: vscode.Uri, workspace: WorkspaceModel, commands: Commands, log: Log) {
    super();
    this.extensionUri = extensionUri;
    this.log = log;
    this.model = this.register(new VersioningModel(workspace, log));
    this.tree = this.register(new DataTree(this.model));
    const view = this.register(vscode.window.createTreeView(DataTree.viewId, { treeDataProvider: this.tree, showCollapseAll: true }));
    this.decorations = this.register(new DataDecorations(this.model));
    this.register(this.model.onDidChange(() => {
      this.problems.clear();
      let count = 0;
      for (const d of this.model.folders) {
        count += d.artifacts.filter((a) => a.status !== 'up-to-date').length;
        const byFile = new Map<string, vscode.Diagnostic[]>();
        for (const p of d.problems) {
          // Engine locations may be workspace-relative; the Problems panel needs absolute paths.
          const file = path.resolve(d.folder.uri.fsPath, p.location?.file ?? '.');
          byFile.set(file, [...(byFile.get(file) ?? []), toDiagnostic(p, vscode.DiagnosticSeverity.Error)]);
        }
        for (const [file, diags] of byFile) this.problems.set(vscode.Uri.file(file), diags);
      }
      view.badge = count ? { value: count, tooltip: `${count} artifact(s) differ from their recorded version` } : undefined;
    }));
    const paused = (): void => {
      view.message = this.model.folders.length && !vscode.workspace.isTrusted
        ? 'Restricted Mode: automatic versioning is paused and nothing here writes files. Trust the folder to version data as it changes.'
        : undefined;
    };
    this.register(this.model.onDidChange(paused));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(paused));
    this.register(this.model.onDidVersion(({ paths }) => {
      vscode.window.setStatusBarMessage(`$(beaker) MLOps recorded a new version of ${paths.join(', ')}`, 5000);
    }));

    const reg = (id: Parameters<Commands['register']>[0], fn: (...a: any[]) => unknown) => this.register(commands.register(id, fn));
    reg(CommandId.track, (uri?: vscode.Uri, uris?: vscode.Uri[]) => this.track(uris?.length ? uris : uri ? [uri] : undefined));
    reg(CommandId.stopTracking, (node?: DataNode | vscode.Uri) => this.stopTracking(node));
    reg(CommandId.restoreVersion, (node?: DataNode) => this.restoreVersion(node));
    reg(CommandId.compareWithCurrent, (node?: DataNode) => this.compareWithCurrent(node));
    reg(CommandId.revealPointer, (node?: DataNode) => this.revealPointer(node));
    reg(CommandId.copyHash, (node?: DataNode) => this.copyHash(node));
    reg(CommandId.restoreAtCommit, () => this.restoreAtCommit());
    reg(CommandId.pushData, () => this.transfer('push'));
    reg(CommandId.pullData, () => this.transfer('pull'));
    reg(CommandId.cleanUpCache, () => this.cleanUpCache());
    reg(CommandId.refreshData, () => this.model.refresh());
  }

  private openFor(uri: vscode.Uri) {
    const o = this.model.forUri(uri);
    if (!o) throw new MlopsError('not-initialized', `${uri.fsPath} is not in an initialized MLOps workspace.`, { hint: "Run 'MLOps: Initialize Workspace' first." });
    return o;
  }

  private async track(uris?: vscode.Uri[]): Promise<void> {
    if (!requireTrust('Tracking data', 'pointer files, .gitignore and the cache')) return;
    if (!uris) {
      const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: true, openLabel: 'Track', defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
      if (!picked) return;
      uris = picked;
    }
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'MLOps: versioning', cancellable: true }, async (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      for (const uri of uris!) {
        const o = this.openFor(uri);
        const rel = VersioningModel.relative(o.folder, uri);
        progress.report({ message: rel });
        const r = await this.model.run(o, (api) => api.add(rel, 'command', { signal: ac.signal }));
        void vscode.window.showInformationMessage(`MLOps: ${r.changed ? 'recorded' : 'already up to date:'} ${rel} (${shortHash(r.version.hash)}, ${formatBytes(r.version.size)}).`);
      }
    });
  }

  private async pickArtifact(node?: DataNode | vscode.Uri): Promise<{ o: ReturnType<VersioningFeature['openFor']>; path: string } | undefined> {
    if (node instanceof vscode.Uri) {
      const o = this.openFor(node);
      return { o, path: VersioningModel.relative(o.folder, node) };
    }
    if (node && node.kind !== 'folder') return { o: this.openFor(node.data.folder.uri), path: node.artifact.path };
    const items = this.model.folders.flatMap((d) => d.artifacts.map((a) => ({ label: a.path, description: d.folder.name, d })));
    const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Which tracked artifact?' });
    return pick ? { o: this.openFor(pick.d.folder.uri), path: pick.label } : undefined;
  }

  private async stopTracking(node?: DataNode | vscode.Uri): Promise<void> {
    if (!requireTrust('Stopping tracking', 'pointer files and .gitignore')) return;
    const t = await this.pickArtifact(node);
    if (!t) return;
    const ok = await vscode.window.showWarningMessage(`Stop versioning ${t.path}? Its pointer file and .gitignore entry are removed; the data and its history stay.`, { modal: true }, 'Stop Tracking');
    if (ok !== 'Stop Tracking') return;
    await this.model.run(t.o, (api) => api.untrack(t.path));
  }

  private async restoreVersion(node?: DataNode): Promise<void> {
    if (!requireTrust('Restoring a version', 'workspace files')) return;
    if (!node || node.kind !== 'version') throw new MlopsError('usage', 'Pick a version in the Data & Models view to restore.');
    const o = this.openFor(node.data.folder.uri);
    const { artifact, version } = node;
    const doRestore = (force: boolean) => this.model.quietly(o, artifact.path, () => this.model.run(o, (api) => api.restore(artifact.path, version.hash, { force })));
    try {
      await doRestore(false);
    } catch (e) {
      if (!isMlopsError(e) || e.code !== 'refused') throw e;
      const pick = await vscode.window.showWarningMessage(`${e.message}`, { modal: true, detail: e.hint }, 'Record Current, Then Restore', 'Discard Current and Restore');
      if (pick === 'Record Current, Then Restore') {
        await this.model.run(o, (api) => api.add(artifact.path, 'command'));
        await doRestore(false);
      } else if (pick === 'Discard Current and Restore') await doRestore(true);
      else return;
    }
    void vscode.window.showInformationMessage(`MLOps: restored ${artifact.path} to ${shortHash(version.hash)}.`);
  }

  private async compareWithCurrent(node?: DataNode): Promise<void> {
    if (!node || node.kind !== 'version') throw new MlopsError('usage', 'Pick a version in the Data & Models view to compare.');
    const o = this.openFor(node.data.folder.uri);
    const result = await o.api.compare(node.artifact.path, node.version.hash, 'workspace');
    ComparePanel.show(this.extensionUri, this.log, { path: node.artifact.path, result });
  }

  private async revealPointer(node?: DataNode): Promise<void> {
    if (!node || node.kind === 'folder') throw new MlopsError('usage', 'Pick an artifact in the Data & Models view.');
    const file = vscode.Uri.file(path.join(node.data.folder.uri.fsPath, node.artifact.recordFile));
    const doc = await vscode.window.showTextDocument(file, { preview: true });
    if (node.artifact.source === 'lock') {
      const idx = doc.document.getText().indexOf(`path: ${node.artifact.path}`);
      if (idx >= 0) {
        const pos = doc.document.positionAt(idx);
        doc.selection = new vscode.Selection(pos, pos);
        doc.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
      }
    }
  }

  private async copyHash(node?: DataNode): Promise<void> {
    if (!node || node.kind === 'folder') throw new MlopsError('usage', 'Pick an artifact or a version in the Data & Models view.');
    const hash = node.kind === 'version' ? node.version.hash : node.artifact.hash;
    if (!hash) throw new MlopsError('not-found', `${node.artifact.path} has no recorded hash yet.`);
    await vscode.env.clipboard.writeText(hash);
    vscode.window.setStatusBarMessage(`Copied ${hash}`, 3000);
  }

  private async restoreAtCommit(): Promise<void> {
    if (!requireTrust('Restoring data at a commit', 'workspace files')) return;
    const folders = this.model.folders;
    if (!folders.length) throw new MlopsError('not-initialized', 'No initialized MLOps workspace is open.', { hint: "Run 'MLOps: Initialize Workspace' first." });
    const d = folders.length === 1 ? folders[0]! : (await vscode.window.showQuickPick(folders.map((f) => ({ label: f.folder.name, d: f }))))?.d;
    if (!d) return;
    const revisions = await d.api.revisions(50);
    if (!revisions.length) throw new MlopsError('not-found', `No git commit in ${d.folder.name} records data (pointer files or dvc.lock).`, { hint: 'Commit your .dvc files with git first.' });
    const pick = await vscode.window.showQuickPick(
      revisions.map((r) => ({ label: `$(git-commit) ${r.message.split('\n')[0]}`, description: `${r.hash.slice(0, 7)} · ${r.author}`, detail: new Date(r.date).toLocaleString(), r })),
      { placeHolder: 'Restore all tracked data as it was at which commit?', matchOnDescription: true },
    );
    if (!pick) return;
    const o = this.openFor(d.folder.uri);
    const run = (force: boolean) => this.model.run(o, (api) => api.checkoutRevision(pick.r.hash, { force }));
    let results;
    try {
      results = await run(false);
    } catch (e) {
      if (!isMlopsError(e) || e.code !== 'refused') throw e;
      const ok = await vscode.window.showWarningMessage(e.message, { modal: true, detail: e.hint }, 'Discard Current and Restore');
      if (ok !== 'Discard Current and Restore') return;
      results = await run(true);
    }
    void vscode.window.showInformationMessage(`MLOps: restored ${results.length} artifact(s) as of ${pick.r.hash.slice(0, 7)}.`);
  }

  private async transfer(kind: 'push' | 'pull'): Promise<void> {
    if (!requireTrust(kind === 'push' ? 'Pushing data' : 'Pulling data', kind === 'push' ? 'the remote named in mlops.yaml' : 'the cache and workspace files')) return;
    for (const d of this.model.folders) {
      const o = this.openFor(d.folder.uri);
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `MLOps: ${kind === 'push' ? 'pushing to' : 'pulling from'} remote`, cancellable: true }, (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        let last = 0;
        const onProgress = (p: { done: number; total: number; current?: string }) => {
          const pct = p.total ? (p.done / p.total) * 100 : 0;
          progress.report({ increment: pct - last, message: `${p.done}/${p.total}${p.current ? ` ${p.current}` : ''}` });
          last = pct;
        };
        return this.model.run(o, (api) => (kind === 'push' ? api.push(undefined, { signal: ac.signal, onProgress }) : api.pull(undefined, { signal: ac.signal, onProgress })));
      });
      const msg = `MLOps: ${kind} ${d.folder.name}: ${r.transferred} object(s) (${formatBytes(r.bytes)}), ${r.skipped} already there${r.failed.length ? `, ${r.failed.length} FAILED` : ''}.`;
      if (r.failed.length) {
        for (const f of r.failed) this.log.error(`${kind} ${f.oid}: ${f.error}`);
        void vscode.window.showErrorMessage(msg, 'Show Log').then((p) => p && this.log.show());
      } else void vscode.window.showInformationMessage(msg);
    }
  }

  private async cleanUpCache(): Promise<void> {
    if (!requireTrust('Cleaning up the cache', 'the cache')) return;
    for (const d of this.model.folders) {
      const o = this.openFor(d.folder.uri);
      const dry = await this.model.run(o, (api) => api.gc({ dryRun: true }));
      if (!dry.removed.length) {
        void vscode.window.showInformationMessage(`MLOps: the cache of ${d.folder.name} holds nothing unreferenced (${dry.kept} object(s) kept).`);
        continue;
      }
      this.log.info(`clean up ${d.folder.name} would remove ${dry.removed.length} object(s), ${formatBytes(dry.bytes)}:`);
      for (const r of dry.removed) this.log.info(`  ${r.oid} (${formatBytes(r.size)})`);
      const pick = await vscode.window.showWarningMessage(
        `Remove ${dry.removed.length} cached object(s) (${formatBytes(dry.bytes)}) that no version, pointer or lock file references?`,
        { modal: true, detail: `${dry.kept} referenced object(s) are kept. The list is in the MLOps log.` },
        'Remove', 'Show List',
      );
      if (pick === 'Show List') {
        this.log.show();
        continue;
      }
      if (pick !== 'Remove') continue;
      const r = await this.model.run(o, (api) => api.gc({ dryRun: false }));
      void vscode.window.showInformationMessage(`MLOps: removed ${r.removed.length} object(s), ${formatBytes(r.bytes)} freed.`);
    }
  }
}
