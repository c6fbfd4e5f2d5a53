import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { FolderState, WorkspaceModel } from './model.ts';
import { CONFIG_FILE } from '../../engine/config/config.ts';

/** Tree elements are plain data; getTreeItem renders them. */
export type WorkspaceNode =
  | { kind: 'folder'; fs: FolderState }
  | { kind: 'store'; fs: FolderState }
  | { kind: 'config'; fs: FolderState }
  | { kind: 'tracked'; fs: FolderState }
  | { kind: 'trackedPath'; fs: FolderState; path: string }
  | { kind: 'dvc'; fs: FolderState }
  | { kind: 'activity'; fs: FolderState }
  | { kind: 'activityEntry'; fs: FolderState; index: number }
  | { kind: 'error'; fs: FolderState };

export class WorkspaceTree extends Disposable implements vscode.TreeDataProvider<WorkspaceNode> {
  static readonly viewId = 'mlops.workspace';
  private readonly changed = this.register(new vscode.EventEmitter<WorkspaceNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly model: WorkspaceModel;

  constructor(model: WorkspaceModel) {
    super();
    this.model = model;
    this.register(model.onDidChange(() => this.changed.fire(undefined)));
  }

  getChildren(node?: WorkspaceNode): WorkspaceNode[] {
    if (!node) {
      // Uninitialized folders contribute nothing, so the view's welcome content shows instead.
      const shown = this.model.all.filter((f) => f.state.kind !== 'uninitialized');
      if (shown.length === 1) return this.folderChildren(shown[0]!);
      return shown.map((fs) => ({ kind: 'folder', fs }));
    }
    switch (node.kind) {
      case 'folder': return this.folderChildren(node.fs);
      case 'tracked': return node.fs.state.kind === 'ready' ? node.fs.state.config.track.paths.map((p) => ({ kind: 'trackedPath', fs: node.fs, path: p })) : [];
      case 'activity': return node.fs.activity.map((_, index) => ({ kind: 'activityEntry', fs: node.fs, index }));
      default: return [];
    }
  }

  private folderChildren(fs: FolderState): WorkspaceNode[] {
    if (fs.state.kind === 'error') return [{ kind: 'error', fs }];
    if (fs.state.kind !== 'ready') return [];
    return [{ kind: 'store', fs }, { kind: 'config', fs }, { kind: 'tracked', fs }, { kind: 'dvc', fs }, { kind: 'activity', fs }];
  }

  getTreeItem(node: WorkspaceNode): vscode.TreeItem {
    const root = node.fs.folder.uri;
    const s = node.fs.state;
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.fs.folder.name, C.Expanded);
        item.iconPath = new vscode.ThemeIcon(s.kind === 'error' ? 'error' : 'root-folder');
        item.contextValue = 'mlops.folder';
        return item;
      }
      case 'store': {
        const item = new vscode.TreeItem('Store', C.None);
        item.description = s.kind === 'ready' ? `schema ${s.schemaVersion} · .mlops/mlops.db` : '';
        item.iconPath = new vscode.ThemeIcon('database');
        item.tooltip = vscode.Uri.joinPath(root, '.mlops', 'mlops.db').fsPath;
        return item;
      }
      case 'config': {
        const warnings = s.kind === 'ready' ? s.config.warnings.length : 0;
        const item = new vscode.TreeItem('Configuration', C.None);
        item.description = warnings ? `${CONFIG_FILE} · ${warnings} warning(s)` : CONFIG_FILE;
        item.iconPath = new vscode.ThemeIcon(warnings ? 'warning' : 'settings-gear');
        item.command = { command: CommandId.openConfig, title: 'Open Configuration', arguments: [node.fs.folder] };
        item.resourceUri = vscode.Uri.joinPath(root, CONFIG_FILE);
        item.contextValue = 'mlops.config';
        return item;
      }
      case 'tracked': {
        const item = new vscode.TreeItem('Tracked paths', C.Collapsed);
        item.description = s.kind === 'ready' ? String(s.config.track.paths.length) : '';
        item.iconPath = new vscode.ThemeIcon('eye');
        return item;
      }
      case 'trackedPath': {
        const item = new vscode.TreeItem(node.path, C.None);
        item.resourceUri = vscode.Uri.file(path.join(root.fsPath, node.path));
        item.iconPath = vscode.ThemeIcon.Folder;
        return item;
      }
      case 'dvc': {
        const yes = s.kind === 'ready' && s.dvcRepo;
        const item = new vscode.TreeItem('DVC repository', C.None);
        item.description = yes ? 'yes — cache shared with DVC' : 'no';
        item.iconPath = new vscode.ThemeIcon(yes ? 'pass' : 'circle-slash');
        return item;
      }
      case 'activity': {
        const item = new vscode.TreeItem('Recent activity', node.fs.activity.length ? C.Collapsed : C.None);
        item.description = node.fs.activity.length ? '' : 'none yet';
        item.iconPath = new vscode.ThemeIcon('history');
        return item;
      }
      case 'activityEntry': {
        const a = node.fs.activity[node.index]!;
        const item = new vscode.TreeItem(a.action, C.None);
        item.description = `${a.origin} · ${new Date(a.at).toLocaleString()}`;
        item.tooltip = a.detail === null ? a.action : `${a.action}\n${JSON.stringify(a.detail, null, 2)}`;
        item.iconPath = new vscode.ThemeIcon('circle-small-filled');
        return item;
      }
      case 'error': {
        const item = new vscode.TreeItem('The MLOps store could not be opened', C.None);
        item.description = s.kind === 'error' ? s.error.message : '';
        item.tooltip = s.kind === 'error' ? s.error.describe() : '';
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.command = { command: CommandId.showLog, title: 'Show Log' };
        return item;
      }
    }
  }
}
