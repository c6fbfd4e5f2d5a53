import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import type { VersioningModel, FolderData } from './model.ts';
import type { Artifact, VersionRecord } from '../../engine/versioning/api.ts';
import { formatAge, formatBytes, shortHash, STATUS_LABEL } from './format.ts';

export type DataNode =
  | { kind: 'folder'; data: FolderData }
  | { kind: 'artifact'; data: FolderData; artifact: Artifact }
  | { kind: 'version'; data: FolderData; artifact: Artifact; version: VersionRecord; current: boolean };

const STATUS_ICON: Record<Artifact['status'], [string, string | undefined]> = {
  'up-to-date': ['pass', 'testing.iconPassed'],
  modified: ['diff-modified', 'gitDecoration.modifiedResourceForeground'],
  'missing-workspace': ['warning', 'problemsWarningIcon.foreground'],
  'missing-cache': ['cloud-download', 'problemsWarningIcon.foreground'],
  'untracked-changes': ['circle-large-outline', undefined],
};

/** "Data & Models": tracked artifacts with their status; expand to see and act on versions. */
export class DataTree extends Disposable implements vscode.TreeDataProvider<DataNode> {
  static readonly viewId = 'mlops.data';
  private readonly changed = this.register(new vscode.EventEmitter<DataNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly model: VersioningModel;

  constructor(model: VersioningModel) {
    super();
    this.model = model;
    this.register(model.onDidChange(() => this.changed.fire(undefined)));
  }

  getChildren(node?: DataNode): DataNode[] {
    if (!node) {
      const folders = this.model.folders.filter((d) => d.artifacts.length > 0);
      if (folders.length === 1) return this.artifacts(folders[0]!);
      return folders.map((data) => ({ kind: 'folder', data }));
    }
    if (node.kind === 'folder') return this.artifacts(node.data);
    if (node.kind === 'artifact') {
      const history = node.data.api.history(node.artifact.path);
      return history.map((version) => ({ kind: 'version', data: node.data, artifact: node.artifact, version, current: version.hash === node.artifact.hash }));
    }
    return [];
  }

  private artifacts(data: FolderData): DataNode[] {
    return [...data.artifacts].sort((a, b) => a.path.localeCompare(b.path)).map((artifact) => ({ kind: 'artifact', data, artifact }));
  }

  getTreeItem(node: DataNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    if (node.kind === 'folder') {
      const item = new vscode.TreeItem(node.data.folder.name, C.Expanded);
      item.iconPath = new vscode.ThemeIcon('root-folder');
      return item;
    }
    const root = node.data.folder.uri.fsPath;
    if (node.kind === 'artifact') {
      const a = node.artifact;
      const item = new vscode.TreeItem(a.path, a.versionCount ? C.Collapsed : C.None);
      item.id = `${node.data.folder.uri.toString()}::${a.path}`;
      const [icon, color] = STATUS_ICON[a.status];
      item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
      const parts = [STATUS_LABEL[a.status], formatBytes(a.size), a.nfiles ? `${a.nfiles} files` : '', a.lastVersion ? formatAge(a.lastVersion.recordedAt) : ''];
      item.description = parts.filter(Boolean).join(' · ');
      item.tooltip = artifactTooltip(a);
      item.resourceUri = vscode.Uri.file(path.join(root, a.path));
      item.contextValue = `mlops.artifact.${a.source}.${a.status}`;
      if (a.kind === 'file' && a.status !== 'missing-workspace') item.command = { command: 'vscode.open', title: 'Open', arguments: [item.resourceUri] };
      return item;
    }
    const v = node.version;
    const item = new vscode.TreeItem(shortHash(v.hash), C.None);
    item.id = `${node.data.folder.uri.toString()}::${node.artifact.path}::${v.id}`;
    item.description = [formatAge(v.recordedAt), v.origin, v.gitCommit ? `${v.gitCommit.slice(0, 7)}${v.gitDirty ? '*' : ''}` : '', node.current ? 'current' : ''].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon(node.current ? 'circle-filled' : 'circle-outline');
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**${escapeMd(node.artifact.path)}** version\n\n`);
    tip.appendCodeblock(v.hash, 'text');
    tip.appendMarkdown(`\n${formatBytes(v.size)}${v.nfiles ? ` · ${v.nfiles} files` : ''} · recorded ${new Date(v.recordedAt).toLocaleString()} by ${v.origin}`);
    if (v.gitCommit) tip.appendMarkdown(`\n\ngit ${v.gitCommit.slice(0, 12)}${v.gitDirty ? ' (uncommitted changes in the tree)' : ''}`);
    item.tooltip = tip;
    item.contextValue = node.current ? 'mlops.version.current' : 'mlops.version';
    return item;
  }
}

function artifactTooltip(a: Artifact): vscode.MarkdownString {
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**${escapeMd(a.path)}** — ${STATUS_LABEL[a.status]}\n\n`);
  if (a.hash) tip.appendCodeblock(a.hash, 'text');
  tip.appendMarkdown(`\n${a.kind === 'dir' ? 'folder' : 'file'} · ${formatBytes(a.size)}${a.nfiles ? ` · ${a.nfiles} files` : ''} · recorded in \`${escapeMd(a.recordFile)}\`${a.stage ? ` (stage ${escapeMd(a.stage)})` : ''}`);
  tip.appendMarkdown(`\n\n${a.versionCount} version(s) in history${a.algorithm === 'md5-dos2unix' ? ' · legacy DVC 2 hash' : ''}`);
  return tip;
}

export function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}

