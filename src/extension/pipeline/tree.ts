import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import type { PipelineModel, PipelineData, LiveState } from './model.ts';
import type { StageDef } from '../../engine/pipeline/types.ts';
import type { StageStatus } from '../../engine/pipeline/status.ts';

export type PipelineNode =
  | { kind: 'pipeline'; p: PipelineData }
  | { kind: 'error'; p: PipelineData }
  | { kind: 'stage'; p: PipelineData; stage: StageDef }
  | { kind: 'group'; p: PipelineData; stage: StageDef; group: 'deps' | 'params' | 'outs' }
  | { kind: 'entry'; p: PipelineData; stage: StageDef; label: string; description?: string; file?: string; line: number; icon: string };

/** The presentation of a stage: its computed status, unless a run says more right now. */
export function stagePresentation(status: StageStatus | undefined, live: LiveState | undefined): { icon: vscode.ThemeIcon; description: string; context: string } {
  const icon = (id: string, color?: string) => new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
  if (live === 'running') return { icon: icon('sync~spin'), description: 'running…', context: 'running' };
  if (live === 'queued') return { icon: icon('clock'), description: 'queued', context: 'running' };
  if (live === 'failed') return { icon: icon('error', 'testing.iconFailed'), description: 'failed — Show Output for details', context: 'failed' };
  if (live === 'stopped') return { icon: icon('debug-stop', 'testing.iconFailed'), description: 'stopped', context: 'failed' };
  if (live === 'not-run') return { icon: icon('circle-slash', 'testing.iconSkipped'), description: 'not run: an upstream stage failed', context: 'failed' };
  if (!status) return { icon: icon('circle-outline'), description: '', context: 'idle' };
  switch (status.state) {
    case 'up-to-date': return { icon: icon('pass', 'testing.iconPassed'), description: 'up to date', context: 'idle' };
    case 'frozen': return { icon: icon('lock'), description: 'frozen', context: 'idle' };
    case 'error': return { icon: icon('warning', 'problemsWarningIcon.foreground'), description: status.error?.message ?? 'error', context: 'idle' };
    default: return { icon: icon('circle-filled', 'gitDecoration.modifiedResourceForeground'), description: `changed: ${status.reasons.map((r) => r.message).join('; ')}`, context: 'idle' };
  }
}

/** "Pipeline": stages in DAG order with status and the reason, children deps / params / outs. */
export class PipelineTree extends Disposable implements vscode.TreeDataProvider<PipelineNode> {
  static readonly viewId = 'mlops.pipeline';
  private readonly changed = this.register(new vscode.EventEmitter<PipelineNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly model: PipelineModel;

  constructor(model: PipelineModel) {
    super();
    this.model = model;
    this.register(model.onDidChange(() => this.changed.fire(undefined)));
  }

  getChildren(node?: PipelineNode): PipelineNode[] {
    if (!node) {
      const ps = this.model.pipelines;
      if (ps.length === 1) return this.pipelineChildren(ps[0]!);
      return ps.map((p) => ({ kind: 'pipeline', p }));
    }
    if (node.kind === 'pipeline') return this.pipelineChildren(node.p);
    if (node.kind === 'stage') {
      const groups: PipelineNode[] = [];
      if (node.stage.deps.length) groups.push({ kind: 'group', p: node.p, stage: node.stage, group: 'deps' });
      if (node.stage.params.length) groups.push({ kind: 'group', p: node.p, stage: node.stage, group: 'params' });
      if (node.stage.outs.length) groups.push({ kind: 'group', p: node.p, stage: node.stage, group: 'outs' });
      return groups;
    }
    if (node.kind === 'group') {
      const base = path.join(path.dirname(node.p.file), node.stage.wdir);
      if (node.group === 'deps') return node.stage.deps.map((d) => ({ kind: 'entry', p: node.p, stage: node.stage, label: d.path, file: path.join(base, d.path), line: d.line, icon: 'file' }));
      if (node.group === 'outs') return node.stage.outs.map((o) => ({ kind: 'entry', p: node.p, stage: node.stage, label: o.path, description: [o.kind !== 'outs' ? o.kind : '', o.cache ? '' : 'not cached', o.persist ? 'persist' : ''].filter(Boolean).join(' · '), file: path.join(base, o.path), line: o.line, icon: o.kind === 'metrics' ? 'graph' : o.kind === 'plots' ? 'graph-line' : 'package' }));
      return node.stage.params.flatMap((pd) => (pd.keys ?? [{ key: '(whole file)', line: pd.line }]).map((k) => ({ kind: 'entry' as const, p: node.p, stage: node.stage, label: k.key, description: pd.file, file: path.join(base, pd.file), line: k.line, icon: 'symbol-constant' })));
    }
    return [];
  }

  private pipelineChildren(p: PipelineData): PipelineNode[] {
    if (p.error || !p.status) return [{ kind: 'error', p }];
    return p.status.dag.order.map((name) => ({ kind: 'stage', p, stage: p.status!.pipeline.byName.get(name)! }));
  }

  getTreeItem(node: PipelineNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'pipeline': {
        const item = new vscode.TreeItem(vscode.workspace.asRelativePath(node.p.file), C.Expanded);
        item.iconPath = new vscode.ThemeIcon('type-hierarchy');
        item.contextValue = 'mlops.pipeline';
        return item;
      }
      case 'error': {
        const item = new vscode.TreeItem(`${path.basename(node.p.file)} has a problem`, C.None);
        item.description = node.p.error?.message;
        item.tooltip = node.p.error?.describe();
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        const line = Math.max(0, (node.p.error?.location?.line ?? 1) - 1);
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.p.error?.location?.file ?? node.p.file), { selection: new vscode.Range(line, 0, line, 0) }] };
        return item;
      }
      case 'stage': {
        const live = this.model.liveState(node.p.file, node.stage.name);
        const status = this.model.statusOf(node.p.file, node.stage.name);
        const pres = stagePresentation(status, live?.state);
        const item = new vscode.TreeItem(node.stage.name, C.Collapsed);
        item.id = `${node.p.file}::${node.stage.name}`;
        item.iconPath = pres.icon;
        item.description = pres.description;
        const tip = new vscode.MarkdownString(undefined, true);
        tip.appendMarkdown(`**${node.stage.name}**${node.stage.desc ? ` — ${node.stage.desc}` : ''}\n\n`);
        tip.appendCodeblock(Array.isArray(node.stage.cmd) ? node.stage.cmd.join('\n') : node.stage.cmd, 'shell');
        if (status?.reasons.length) tip.appendMarkdown(`\n${status.reasons.map((r) => `- ${r.message}`).join('\n')}`);
        if (live?.result?.durationMs !== undefined) tip.appendMarkdown(`\n\nlast run: ${live.result.status} in ${(live.result.durationMs / 1000).toFixed(1)} s`);
        item.tooltip = tip;
        item.contextValue = `mlops.stage.${pres.context}`;
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.group, C.Collapsed);
        item.iconPath = new vscode.ThemeIcon(node.group === 'deps' ? 'arrow-small-right' : node.group === 'outs' ? 'arrow-small-left' : 'settings');
        return item;
      }
      case 'entry': {
        const item = new vscode.TreeItem(node.label, C.None);
        item.description = node.description;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        if (node.file) item.resourceUri = vscode.Uri.file(node.file);
        item.command = { command: 'vscode.open', title: 'Open Definition', arguments: [vscode.Uri.file(node.p.file), { selection: new vscode.Range(node.line - 1, 0, node.line - 1, 0) }] };
        return item;
      }
    }
  }
}
