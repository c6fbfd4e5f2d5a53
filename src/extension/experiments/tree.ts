import * as vscode from 'vscode';
import { Disposable } from '../lifecycle.ts';
import type { ExperimentsModel, FolderRuns } from './model.ts';
import type { RunSummary, SourceProblem } from '../../engine/tracking/api.ts';
import { formatNumber } from '../../shared/experiments.ts';
import { runDescription } from './wire.ts';

export type ExperimentNode =
  | { kind: 'folder'; f: FolderRuns }
  | { kind: 'experiment'; f: FolderRuns; experiment: string; runs: RunSummary[] }
  | { kind: 'source'; f: FolderRuns; experiment: string; sourceLabel: string; runs: RunSummary[] }
  | { kind: 'run'; f: FolderRuns; run: RunSummary }
  | { kind: 'problem'; f: FolderRuns; problem: SourceProblem };

/** Status → icon; a run that read with warnings still shows its status (the warning is in the description). */
export function runIcon(run: RunSummary): vscode.ThemeIcon {
  const icon = (id: string, color?: string) => new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
  switch (run.status) {
    case 'running': return icon('sync~spin', 'charts.blue');
    case 'failed': return icon('error', 'testing.iconFailed');
    case 'killed': return icon('circle-slash', 'testing.iconSkipped');
    default: return icon('pass', 'testing.iconPassed');
  }
}

/**
 * "Experiments": runs grouped by experiment (and by source when an experiment has several), newest
 * first, with status icon, primary metric, live progress, and menus gated by contextValue: our
 * runs `mlops.run.own`, MLflow and DVCLive runs `mlops.run.external` (read-only), `.commit` when
 * the run knows its git commit.
 */
export class ExperimentsTree extends Disposable implements vscode.TreeDataProvider<ExperimentNode> {
  static readonly viewId = 'mlops.experiments';
  private readonly changed = this.register(new vscode.EventEmitter<ExperimentNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly model: ExperimentsModel;

  constructor(model: ExperimentsModel) {
    super();
    this.model = model;
    this.register(model.onDidChange(() => this.changed.fire(undefined)));
  }

  getChildren(node?: ExperimentNode): ExperimentNode[] {
    if (!node) {
      const fs = this.model.folders;
      if (fs.length === 1) return this.folderChildren(fs[0]!);
      return fs.map((f) => ({ kind: 'folder', f }));
    }
    switch (node.kind) {
      case 'folder': return this.folderChildren(node.f);
      case 'experiment': {
        const sources = [...new Set(node.runs.map((r) => r.sourceLabel))];
        if (sources.length <= 1) return node.runs.map((run) => ({ kind: 'run', f: node.f, run }));
        return sources.map((sourceLabel) => ({ kind: 'source', f: node.f, experiment: node.experiment, sourceLabel, runs: node.runs.filter((r) => r.sourceLabel === sourceLabel) }));
      }
      case 'source': return node.runs.map((run) => ({ kind: 'run', f: node.f, run }));
      default: return [];
    }
  }

  /** Experiments in the order of their newest run; problems reading sources first. */
  private folderChildren(f: FolderRuns): ExperimentNode[] {
    const groups = new Map<string, RunSummary[]>();
    for (const r of f.runs) {
      const list = groups.get(r.experiment);
      if (list) list.push(r);
      else groups.set(r.experiment, [r]);
    }
    return [
      ...f.problems.map((problem): ExperimentNode => ({ kind: 'problem', f, problem })),
      ...[...groups].map(([experiment, runs]): ExperimentNode => ({ kind: 'experiment', f, experiment, runs })),
    ];
  }

  getParent(node: ExperimentNode): ExperimentNode | undefined {
    if (node.kind === 'folder') return undefined;
    const top = this.model.folders.length > 1 ? ({ kind: 'folder', f: node.f } as const) : undefined;
    if (node.kind !== 'run') return node.kind === 'source' ? this.getChildren(top).find((n) => n.kind === 'experiment' && n.experiment === node.experiment) : top;
    const exp = this.getChildren(top).find((n): n is Extract<ExperimentNode, { kind: 'experiment' }> => n.kind === 'experiment' && n.experiment === node.run.experiment);
    if (!exp) return top;
    const under = this.getChildren(exp);
    return under[0]?.kind === 'source' ? under.find((n) => n.kind === 'source' && n.sourceLabel === node.run.sourceLabel) : exp;
  }

  /** The node of a run, for reveal(). */
  nodeOf(id: string): ExperimentNode | undefined {
    const hit = this.model.find(id);
    return hit ? { kind: 'run', f: hit.folder, run: hit.run } : undefined;
  }

  getTreeItem(node: ExperimentNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.f.folder.name, C.Expanded);
        item.id = `exp:${node.f.folder.uri.toString()}`;
        item.iconPath = new vscode.ThemeIcon('root-folder');
        item.description = `${node.f.runs.length} runs`;
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(`${node.problem.location} could not be read`, C.None);
        item.description = node.problem.message;
        item.tooltip = `${node.problem.source} · ${node.problem.location}\n${node.problem.message}`;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.contextValue = 'mlops.runSourceProblem';
        return item;
      }
      case 'experiment': {
        const newest = node.runs[0];
        const item = new vscode.TreeItem(node.experiment, newest === node.f.runs[0] ? C.Expanded : C.Collapsed);
        item.id = `exp:${node.f.folder.uri.toString()}:${node.experiment}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        const sources = [...new Set(node.runs.map((r) => r.sourceLabel))];
        const running = node.runs.filter((r) => r.status === 'running').length;
        item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'} · ${sources.join(', ')}${running ? ` · ${running} running` : ''}`;
        item.contextValue = 'mlops.experiment';
        return item;
      }
      case 'source': {
        const item = new vscode.TreeItem(node.sourceLabel, C.Expanded);
        item.id = `exp:${node.f.folder.uri.toString()}:${node.experiment}:${node.sourceLabel}`;
        item.iconPath = new vscode.ThemeIcon(node.runs[0]?.source === 'mlflow' ? 'database' : node.runs[0]?.source === 'dvclive' ? 'pulse' : 'type-hierarchy');
        item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}${node.runs[0]?.readOnly ? ' · read-only' : ''}`;
        return item;
      }
      case 'run': return this.runItem(node.f, node.run);
    }
  }

  private runItem(f: FolderRuns, run: RunSummary): vscode.TreeItem {
    const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${f.folder.uri.toString()}:${run.id}`;
    item.iconPath = runIcon(run);
    const primary = f.primaryByExperiment.get(run.experiment) ?? null;
    item.description = runDescription(run, primary, f.liveSteps.get(run.id));
    item.contextValue = `mlops.run.${run.readOnly ? 'external' : 'own'}${run.gitCommit ? '.commit' : ''}`;
    item.accessibilityInformation = { label: `${run.name}, ${run.status}${item.description ? `, ${item.description}` : ''}` };
    item.tooltip = runTooltip(run, primary);
    return item;
  }
}

/** Everything from the run is text here: names and values are appended escaped, never as Markdown. */
export function runTooltip(run: RunSummary, primary: string | null): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  md.supportHtml = false;
  md.appendMarkdown('**');
  md.appendText(run.name);
  md.appendMarkdown('**  \n');
  md.appendText(`${run.status} · ${run.experiment} · ${run.sourceLabel}${run.readOnly ? ' (read-only)' : ''}`);
  md.appendMarkdown('  \n');
  if (run.startedAt) md.appendText(`started ${run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}${run.endedAt ? `, ended ${run.endedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}` : ''}\n`);
  if (run.gitCommit) md.appendText(`commit ${run.gitCommit.slice(0, 10)}${run.gitDirty ? ' (with uncommitted changes)' : ''}\n`);
  const metrics = Object.entries(run.metrics).sort(([a], [b]) => (a === primary ? -1 : b === primary ? 1 : a.localeCompare(b)));
  if (metrics.length) {
    md.appendMarkdown('\n---\n');
    md.appendText(metrics.slice(0, 12).map(([k, v]) => `${k} = ${formatNumber(v)}`).join('\n'));
    if (metrics.length > 12) md.appendText(`\n… ${metrics.length - 12} more`);
  }
  const params = Object.entries(run.params);
  if (params.length) {
    md.appendMarkdown('\n\n---\n');
    md.appendText(params.slice(0, 12).map(([k, v]) => `${k} = ${typeof v === 'number' ? formatNumber(v) : String(v)}`).join('\n'));
    if (params.length > 12) md.appendText(`\n… ${params.length - 12} more`);
  }
  if (run.warnings.length) {
    md.appendMarkdown('\n\n---\n');
    md.appendText(run.warnings.map((w) => `⚠ ${w}`).join('\n'));
  }
  md.appendMarkdown('\n\n');
  md.appendText(run.id);
  return md;
}
