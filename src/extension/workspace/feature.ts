import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import { CommandId, ContextKey } from '../commandIds.ts';
import type { Commands } from '../commands.ts';
import type { Log } from '../log.ts';
import { WorkspaceModel } from './model.ts';
import { WorkspaceTree } from './tree.ts';
import { WorkspaceStatusBar } from './statusBar.ts';
import { ConfigDiagnostics } from './diagnostics.ts';
import { CONFIG_FILE } from '../../engine/config/config.ts';
import { MlopsError } from '../../engine/errors.ts';
import { runtimeDescription, loadSqlite } from '../../engine/store/native.ts';
import { VERSION } from '../../engine/version.ts';

/** The workspace itself: initialization, state, status bar, config problems. */
export class WorkspaceFeature extends Disposable {
  readonly model: WorkspaceModel;
  private readonly log: Log;

  constructor(commands: Commands, log: Log) {
    super();
    this.log = log;
    this.model = this.register(new WorkspaceModel(log));
    const tree = this.register(new WorkspaceTree(this.model));
    this.register(vscode.window.createTreeView(WorkspaceTree.viewId, { treeDataProvider: tree, showCollapseAll: true }));
    this.register(new WorkspaceStatusBar(this.model));
    this.register(new ConfigDiagnostics(this.model));
    this.register(this.model.onDidChange(() => this.updateContext()));

    this.register(commands.register(CommandId.initializeWorkspace, (folder?: vscode.WorkspaceFolder | vscode.Uri) => this.initialize(folder)));
    this.register(commands.register(CommandId.openConfig, (folder?: vscode.WorkspaceFolder) => this.openConfig(folder)));
    this.register(commands.register(CommandId.refresh, () => this.model.refresh()));
    this.register(commands.register(CommandId.showDiagnostics, () => this.showDiagnostics()));
  }

  private async pickFolder(arg?: vscode.WorkspaceFolder | vscode.Uri): Promise<vscode.WorkspaceFolder | undefined> {
    if (arg instanceof vscode.Uri) return vscode.workspace.getWorkspaceFolder(arg);
    if (arg && 'uri' in arg) return arg;
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      throw new MlopsError('not-initialized', 'No folder is open.', { hint: 'Open the project folder first (File → Open Folder).' });
    }
    if (folders.length === 1) return folders[0];
    return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Initialize which folder as an MLOps workspace?' });
  }

  private async initialize(arg?: vscode.WorkspaceFolder | vscode.Uri): Promise<void> {
    const folder = await this.pickFolder(arg);
    if (!folder) return;
    const r = await this.model.initialize(folder);
    const open = 'Open mlops.yaml';
    void vscode.window
      .showInformationMessage(
        `MLOps: ${r.createdStore ? 'initialized' : 'already initialized'} ${folder.name} (store schema ${r.schemaVersion}${r.createdConfig ? ', mlops.yaml created' : ''}).`,
        open,
      )
      .then((pick) => { if (pick === open) void this.openConfig(folder); });
  }

  private async openConfig(arg?: vscode.WorkspaceFolder): Promise<void> {
    const folder = await this.pickFolder(arg);
    if (!folder) return;
    const uri = vscode.Uri.file(path.join(folder.uri.fsPath, CONFIG_FILE));
    await vscode.window.showTextDocument(uri);
  }

  private async showDiagnostics(): Promise<void> {
    let sqlite: string;
    try {
      const Database = loadSqlite();
      const db = new Database(':memory:');
      sqlite = `SQLite ${(db.prepare('select sqlite_version() as v').get() as { v: string }).v}`;
      db.close();
    } catch (e) {
      sqlite = `FAILED: ${(e as Error).message}`;
    }
    const lines = [
      `MLOps Workbench ${VERSION}`,
      `VS Code ${vscode.version} (${vscode.env.appName}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'}${vscode.env.remoteName ? `, remote ${vscode.env.remoteName}` : ''})`,
      `Extension host: ${runtimeDescription()}`,
      `SQLite module: ${sqlite}`,
      `Workspace trusted: ${vscode.workspace.isTrusted}`,
    ];
    for (const l of lines) this.log.info(l);
    this.log.show();
    void vscode.window.showInformationMessage(lines.join(' · '));
  }

  private updateContext(): void {
    const cur = this.model.current();
    void vscode.commands.executeCommand('setContext', ContextKey.state, cur?.state.kind ?? 'none');
  }
}
