import * as vscode from 'vscode';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { PipelineModel } from './model.ts';
import { stagePresentation } from './tree.ts';

/**
 * Lenses above each stage of dvc.yaml: Run, Run downstream, and the status with its reason.
 * Positions come from the model (already parsed off the hot path); nothing is parsed here.
 */
export class PipelineCodeLens extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly model: PipelineModel;

  constructor(model: PipelineModel) {
    super();
    this.model = model;
    this.register(model.onDidChange(() => this.changed.fire()));
    this.register(vscode.languages.registerCodeLensProvider({ pattern: '**/dvc.yaml' }, this));
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('mlops').get<boolean>('codeLens.enabled', true)) return [];
    const p = this.model.pipelines.find((x) => x.file === doc.uri.fsPath);
    if (!p?.status || doc.isDirty) return [];
    const lenses: vscode.CodeLens[] = [];
    const seenLines = new Set<number>();
    for (const stage of p.status.pipeline.stages) {
      // foreach/matrix stages share their group's line: one set of lenses runs the whole group.
      const target = stage.group ?? stage.name;
      if (seenLines.has(stage.line)) continue;
      seenLines.add(stage.line);
      const range = new vscode.Range(stage.line - 1, 0, stage.line - 1, 0);
      const members = p.status.pipeline.stages.filter((s) => (s.group ?? s.name) === target);
      const statuses = members.map((s) => this.model.statusOf(p.file, s.name));
      const live = members.map((s) => this.model.liveState(p.file, s.name)?.state).find((l) => l === 'running' || l === 'queued' || l === 'failed');
      const stale = statuses.filter((s) => s?.state === 'stale');
      const pres = stagePresentation(stale[0] ?? statuses[0], live);
      const reasons = stale.flatMap((s) => s!.reasons).sort((a, b) => priority(a.kind) - priority(b.kind));
      const why = reasons.length ? `changed: ${[...new Set(reasons.map((r) => r.message))].slice(0, 2).join('; ')}${reasons.length > 2 ? ` (+${reasons.length - 2})` : ''}` : pres.description;
      const text = live ? pres.description : stale.length ? `● ${members.length > 1 ? `${stale.length}/${members.length} ` : ''}${why}` : `✓ ${pres.description}`;
      lenses.push(
        new vscode.CodeLens(range, { title: '▶ Run', command: CommandId.runStage, arguments: [p.file, target], tooltip: `Run ${target} (and stale upstream stages)` }),
        new vscode.CodeLens(range, { title: 'Run downstream', command: CommandId.runDownstream, arguments: [p.file, target], tooltip: `Run ${target} and every stage after it` }),
        new vscode.CodeLens(range, { title: text.length > 120 ? `${text.slice(0, 119)}…` : text, command: CommandId.showPipeline, arguments: [], tooltip: statuses.flatMap((s) => s?.reasons.map((r) => r.message) ?? []).join('\n') || undefined }),
      );
    }
    return lenses;
  }
}

/** What a reader wants to see first: the input they changed, before the consequences. */
function priority(kind: string): number {
  if (kind.startsWith('param')) return 0;
  if (kind.startsWith('dep')) return 1;
  if (kind === 'not-in-lock') return 2;
  if (kind.startsWith('out')) return 3;
  if (kind === 'cmd-changed') return 4;
  return 5;
}
