import * as vscode from 'vscode';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { RegistryFolder, RegistryModel } from './model.ts';
import type { ArtifactAvailability, ModelSummary, ModelVersion, RegistryProblem, Stage } from '../../engine/registry/api.ts';
import { formatAge, formatBytes, shortHash } from '../versioning/format.ts';
import { escapeMd } from '../versioning/tree.ts';
import { describeError } from '../../engine/errors.ts';
import { formatNumber } from '../../shared/experiments.ts';

export type ModelNode =
  | { kind: 'folder'; data: RegistryFolder }
  | { kind: 'mlflow'; data: RegistryFolder; models: ModelSummary[] }
  | { kind: 'model'; data: RegistryFolder; model: ModelSummary }
  | { kind: 'version'; data: RegistryFolder; model: ModelSummary; version: ModelVersion; availability: ArtifactAvailability }
  | { kind: 'problem'; data: RegistryFolder; problem: RegistryProblem }
  /** A folder whose registry could not open at all (the reason instead of an empty view). */
  | { kind: 'failure'; folder: vscode.WorkspaceFolder; error: string };

const STAGE_ICON: Record<Stage, [string, string | undefined]> = {
  Production: ['rocket', 'charts.green'],
  Staging: ['beaker', 'charts.yellow'],
  Archived: ['archive', 'disabledForeground'],
  None: ['circle-outline', undefined],
};

/** "Models": registered models → versions, aliases and stage as the description; MLflow's read-only beside ours. */
export class ModelsTree extends Disposable implements vscode.TreeDataProvider<ModelNode> {
  static readonly viewId = 'mlops.models';
  private readonly changed = this.register(new vscode.EventEmitter<ModelNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly model: RegistryModel;

  constructor(model: RegistryModel) {
    super();
    this.model = model;
    this.register(model.onDidChange(() => this.changed.fire(undefined)));
  }

  async getChildren(node?: ModelNode): Promise<ModelNode[]> {
    if (!node) {
      const failures: ModelNode[] = this.model.failures.map((f) => ({ kind: 'failure', folder: f.folder, error: f.error }));
      const folders = this.model.folders;
      if (failures.length) return [...failures, ...folders.map((data): ModelNode => ({ kind: 'folder', data }))];
      if (folders.length === 1) return this.folderChildren(folders[0]!);
      return folders.filter((d) => d.models.length || d.problems.length).map((data) => ({ kind: 'folder', data }));
    }
    if (node.kind === 'failure') return [];
    if (node.kind === 'folder') return this.folderChildren(node.data);
    if (node.kind === 'mlflow') return node.models.map((model) => ({ kind: 'model', data: node.data, model }));
    if (node.kind === 'model') return this.versions(node.data, node.model);
    return [];
  }

  private folderChildren(data: RegistryFolder): ModelNode[] {
    const ours = data.models.filter((m) => m.source === 'mlops');
    const mlflow = data.models.filter((m) => m.source !== 'mlops');
    return [
      ...data.problems.map((problem): ModelNode => ({ kind: 'problem', data, problem })),
      ...ours.map((model): ModelNode => ({ kind: 'model', data, model })),
      ...(mlflow.length ? [{ kind: 'mlflow', data, models: mlflow } as ModelNode] : []),
    ];
  }

  private async versions(data: RegistryFolder, model: ModelSummary): Promise<ModelNode[]> {
    let versions: ModelVersion[];
    try {
      versions = data.service.show(model.id).versions;
    } catch (e) {
      return [{ kind: 'problem', data, problem: { source: model.source, location: model.name, message: describeError(e) } }];
    }
    // Only our versions live in the cache; whether each one is there decides the icon.
    const availability = await Promise.all(versions.map((v) => (v.source === 'mlops' ? data.service.availability(model.id, v.version).catch(() => 'unknown' as const) : Promise.resolve('unknown' as const))));
    return versions.map((version, i) => ({ kind: 'version', data, model, version, availability: availability[i]! }));
  }

  getParent(node: ModelNode): ModelNode | undefined {
    if (node.kind === 'failure') return undefined;
    const single = this.model.folders.length === 1 && !this.model.failures.length;
    const folderNode: ModelNode | undefined = single ? undefined : { kind: 'folder', data: node.data };
    if (node.kind === 'folder') return undefined;
    if (node.kind === 'version') return { kind: 'model', data: node.data, model: node.model };
    if (node.kind === 'model' && node.model.source !== 'mlops') {
      return { kind: 'mlflow', data: node.data, models: node.data.models.filter((m) => m.source !== 'mlops') };
    }
    return folderNode;
  }

  /** Tree node of a version (for reveal), fresh from the service. */
  async findVersion(folder: string, model: string, version?: number): Promise<ModelNode | undefined> {
    const data = this.model.get(folder);
    const summary = data?.models.find((m) => m.id === model || m.name === model);
    if (!data || !summary) return undefined;
    if (version === undefined) return { kind: 'model', data, model: summary };
    return (await this.versions(data, summary)).find((n) => n.kind === 'version' && n.version.version === version);
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    if (node.kind === 'failure') {
      const item = new vscode.TreeItem(`The model registry of ${node.folder.name} could not open`, C.None);
      item.description = node.error;
      item.tooltip = `${node.error}\n\nThe MLOps log has the details.`;
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
      item.command = { command: 'mlops.showLog', title: 'Show Log' };
      return item;
    }
    const key = node.data.folder.uri.toString();
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.data.folder.name, C.Expanded);
        item.id = `${key}::folder`;
        item.iconPath = new vscode.ThemeIcon('root-folder');
        return item;
      }
      case 'mlflow': {
        const item = new vscode.TreeItem('MLflow registry', C.Collapsed);
        item.id = `${key}::mlflow`;
        item.description = `${node.models.length} model(s) · read-only`;
        item.tooltip = `Models read from ${node.data.service.settings.mlflowDbs.join(', ') || 'mlflow.db'}. MLOps Workbench shows them but does not change them.`;
        item.iconPath = new vscode.ThemeIcon('lock');
        item.contextValue = 'mlops.mlflowGroup';
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.problem.message, C.None);
        item.description = node.problem.location;
        item.tooltip = `${node.problem.location}: ${node.problem.message}`;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.contextValue = 'mlops.registryProblem';
        return item;
      }
      case 'model':
        return modelItem(key, node.model);
      case 'version':
        return versionItem(key, node);
    }
  }
}

function modelItem(key: string, m: ModelSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(m.name, m.versionCount ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `${key}::model::${m.id}`;
  const aliases = Object.entries(m.aliases).sort(([a], [b]) => a.localeCompare(b)).map(([a, v]) => `@${a}→v${v}`);
  const stages = (['Production', 'Staging'] as const).filter((s) => m.stages[s]?.length).map((s) => `${s} v${m.stages[s]!.join(', v')}`);
  item.description = [`${m.versionCount} version(s)`, ...aliases, ...stages].join(' · ');
  item.iconPath = new vscode.ThemeIcon(m.readOnly ? 'lock' : 'package');
  item.contextValue = `mlops.model.${m.source}`;
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**${escapeMd(m.name)}**${m.readOnly ? ` — ${escapeMd(m.sourceLabel)}, read-only` : ''}\n\n`);
  if (m.description) tip.appendText(`${m.description}\n\n`);
  tip.appendMarkdown(`${m.versionCount} version(s), latest v${m.latestVersion ?? '—'} · updated ${escapeMd(new Date(m.updatedAt).toLocaleString())}`);
  if (aliases.length) tip.appendMarkdown(`\n\nAliases: ${aliases.map(escapeMd).join(', ')}`);
  item.tooltip = tip;
  return item;
}

function versionItem(key: string, node: Extract<ModelNode, { kind: 'version' }>): vscode.TreeItem {
  const v = node.version;
  const item = new vscode.TreeItem(`v${v.version}`, vscode.TreeItemCollapsibleState.None);
  item.id = `${key}::model::${node.model.id}::v${v.version}`;
  const missing = node.availability === 'missing';
  item.description = [
    ...v.aliases.map((a) => `@${a}`),
    v.stage !== 'None' ? v.stage : '',
    formatAge(v.createdAt),
    missing ? 'not in cache' : '',
  ].filter(Boolean).join(' · ');
  const [icon, color] = missing ? ['cloud-download', 'problemsWarningIcon.foreground'] : STAGE_ICON[v.stage];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = `mlops.modelVersion.${v.source}.${v.stage.toLowerCase()}${missing ? '.missing' : ''}${v.aliases.length ? '.aliased' : ''}`;
  item.command = { command: CommandId.registryOpenLineage, title: 'Open Lineage', arguments: [node] };
  item.accessibilityInformation = { label: `${node.model.name} version ${v.version}, ${v.stage === 'None' ? 'no stage' : v.stage}${v.aliases.length ? `, aliases ${v.aliases.join(', ')}` : ''}${missing ? ', artifact not in the local cache' : ''}` };
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**${escapeMd(node.model.name)} v${v.version}** — ${v.stage}${v.aliases.length ? ` · ${v.aliases.map((a) => `@${escapeMd(a)}`).join(' ')}` : ''}\n\n`);
  if (v.description) tip.appendText(`${v.description}\n\n`);
  tip.appendMarkdown(`\`${escapeMd(v.artifactPath)}\` · ${shortHash(v.hash)} · ${formatBytes(v.size)}${missing ? ' · **not in the local cache**' : ''}\n\n`);
  tip.appendMarkdown(`registered ${escapeMd(new Date(v.createdAt).toLocaleString())} by ${escapeMd(v.createdBy)}`);
  const run = v.lineage.run;
  if (run) tip.appendMarkdown(`\n\nrun ${escapeMd(run.name)} (${escapeMd(run.experiment)})`);
  if (v.lineage.gitCommit) tip.appendMarkdown(`\n\ngit ${v.lineage.gitCommit.slice(0, 10)}${v.lineage.gitDirty ? ' (uncommitted changes)' : ''}`);
  const metrics = Object.entries(v.lineage.metrics).slice(0, 6);
  if (metrics.length) tip.appendMarkdown(`\n\n${metrics.map(([k, n]) => `${escapeMd(k)} = ${formatNumber(n)}`).join(' · ')}`);
  item.tooltip = tip;
  return item;
}
