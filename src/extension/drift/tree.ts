import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { DatasetState, DriftModel } from './model.ts';
import type { HistoryPoint, MonitorProblem } from '../../engine/monitoring/index.ts';
import type { MlopsError } from '../../engine/errors.ts';
import { escapeMd } from '../versioning/tree.ts';

export type MonitoringNode =
  | { kind: 'dataset'; state: DatasetState }
  | { kind: 'batch'; state: DatasetState; point: HistoryPoint }
  | { kind: 'problem'; state: DatasetState; problem: MonitorProblem }
  | { kind: 'config-error'; folder: vscode.WorkspaceFolder; error: MlopsError };

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** How a stored batch reads in one line: "drift · 7 of 8 columns (87.5 %)". */
export function batchStatus(p: HistoryPoint): { text: string; icon: vscode.ThemeIcon } {
  if (p.failed) return { text: 'could not be read', icon: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')) };
  const share = `${p.driftedColumns} of ${p.scoredColumns} columns (${pct(p.share)})`;
  if (p.datasetDrift) return { text: `dataset drift · ${share}`, icon: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsErrorIcon.foreground')) };
  if (p.driftedColumns > 0) return { text: `no dataset drift · ${share}`, icon: new vscode.ThemeIcon('pass', new vscode.ThemeColor('problemsWarningIcon.foreground')) };
  return { text: `no drift · ${share}`, icon: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')) };
}

/**
 * "Monitoring": monitored datasets → their batches, newest first, each with its drift status;
 * a click opens the report. Problems (missing folder, unreadable reference, invalid config)
 * appear where they belong instead of in a notification.
 */
export class MonitoringTree extends Disposable implements vscode.TreeDataProvider<MonitoringNode> {
  static readonly viewId = 'mlops.monitoring';
  private readonly changed = this.register(new vscode.EventEmitter<MonitoringNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly model: DriftModel;

  constructor(model: DriftModel) {
    super();
    this.model = model;
    this.register(model.onDidChange(() => this.changed.fire(undefined)));
  }

  getChildren(node?: MonitoringNode): MonitoringNode[] {
    if (!node) {
      const errors: MonitoringNode[] = this.model.configErrors.map(({ folder, error }) => ({ kind: 'config-error', folder, error }));
      return [...errors, ...this.model.datasets.map((state): MonitoringNode => ({ kind: 'dataset', state }))];
    }
    if (node.kind !== 'dataset') return [];
    const problem: MonitoringNode[] = node.state.problem ? [{ kind: 'problem', state: node.state, problem: node.state.problem }] : [];
    return [...problem, ...[...node.state.history].reverse().map((point): MonitoringNode => ({ kind: 'batch', state: node.state, point }))];
  }

  getParent(node: MonitoringNode): MonitoringNode | undefined {
    return node.kind === 'batch' || node.kind === 'problem' ? { kind: 'dataset', state: node.state } : undefined;
  }

  getTreeItem(node: MonitoringNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'config-error': {
        const item = new vscode.TreeItem('mlops.yaml: monitoring is not set up right', C.None);
        item.description = node.error.message;
        item.tooltip = node.error.hint ? `${node.error.message}\n${node.error.hint}` : node.error.message;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        const file = node.error.location?.file ?? path.join(node.folder.uri.fsPath, 'mlops.yaml');
        const line = Math.max(0, (node.error.location?.line ?? 1) - 1);
        item.command = { command: 'vscode.open', title: 'Open mlops.yaml', arguments: [vscode.Uri.file(file), { selection: new vscode.Range(line, 0, line, 0) }] };
        return item;
      }
      case 'dataset':
        return this.datasetItem(node.state);
      case 'problem': {
        const item = new vscode.TreeItem(node.problem.message, C.None);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.tooltip = node.problem.hint ? `${node.problem.message}\n${node.problem.hint}` : node.problem.message;
        item.contextValue = 'mlops.monitor.problem';
        return item;
      }
      case 'batch': {
        const p = node.point;
        const item = new vscode.TreeItem(path.posix.basename(p.currentPath), C.None);
        item.id = `${node.state.folder.uri.toString()}::monitor::${node.state.dataset.name}::${p.id}`;
        const status = batchStatus(p);
        item.description = status.text;
        item.iconPath = status.icon;
        const tip = new vscode.MarkdownString(undefined, true);
        tip.appendMarkdown(`**${escapeMd(p.currentPath)}** — ${escapeMd(status.text)}\n\n`);
        tip.appendMarkdown(`compared with ${escapeMd(p.referencePath)} on ${new Date(p.createdAt).toLocaleString()}; dataset drift when ≥ ${pct(p.threshold)} of the tested columns drift`);
        const drifted = p.columns.filter((c) => c.drifted).map((c) => c.column);
        if (drifted.length) tip.appendMarkdown(`\n\ndrifted: ${drifted.map(escapeMd).join(', ')}`);
        item.tooltip = tip;
        item.contextValue = p.failed ? 'mlops.monitor.batch.failed' : p.datasetDrift ? 'mlops.monitor.batch.drift' : 'mlops.monitor.batch';
        item.command = { command: CommandId.openDriftReport, title: 'Open Drift Report', arguments: [node] };
        item.accessibilityInformation = { label: `${path.posix.basename(p.currentPath)}: ${status.text}` };
        return item;
      }
    }
  }

  private datasetItem(s: DatasetState): vscode.TreeItem {
    const d = s.dataset;
    // Always expandable: a dataset with no batch yet gets them later, and the view keeps the state it first saw.
    const item = new vscode.TreeItem(d.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `${s.folder.uri.toString()}::monitor::${d.name}`;
    const latest = s.history.at(-1);
    const count = `${s.history.length} batch${s.history.length === 1 ? '' : 'es'}`;
    item.description = [d.batches, count, latest ? batchStatus(latest).text.split(' · ')[0] : ''].filter(Boolean).join(' · ');
    item.iconPath = s.problem
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
      : latest?.datasetDrift
        ? new vscode.ThemeIcon('graph-line', new vscode.ThemeColor('problemsErrorIcon.foreground'))
        : new vscode.ThemeIcon('graph-line');
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**${escapeMd(d.name)}** (${escapeMd(s.folder.name)})\n\n`);
    tip.appendMarkdown(`- reference: ${d.reference !== null ? escapeMd(d.reference) : `training data of the production model${d.model ? ` ${escapeMd(d.model)}` : ''}`}\n`);
    tip.appendMarkdown(`- batches: ${escapeMd(d.batches)}${d.pattern ? ` (${escapeMd(d.pattern)})` : ''}\n`);
    tip.appendMarkdown(`- retrain: ${d.retrain.stages.length ? `${d.retrain.stages.map(escapeMd).join(', ')}${d.retrain.auto ? ' (automatic)' : ''}` : 'not configured'}\n`);
    item.tooltip = tip;
    item.contextValue = `mlops.monitor.dataset${latest ? '.reported' : ''}${d.retrain.stages.length ? '.retrain' : ''}`;
    return item;
  }
}
