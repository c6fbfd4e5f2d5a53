import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { Commands } from '../commands.ts';
import type { Log } from '../log.ts';
import { PipelineModel } from './model.ts';
import { PipelineTree, type PipelineNode } from './tree.ts';
import { PipelineRuns, type RunRequest } from './runs.ts';
import { PipelineCodeLens } from './codelens.ts';
import { PipelineTasks } from './tasks.ts';
import { toDiagnostic } from '../workspace/diagnostics.ts';
import { MlopsError, isMlopsError } from '../../engine/errors.ts';
import { buildDag } from '../../engine/pipeline/dag.ts';
import type { RunResult } from '../../engine/pipeline/runner.ts';
import type { Hasher } from '../../engine/pipeline/hasher.ts';

/** Pipelines in the editor: stage tree, CodeLens, terminals, tasks, Problems for dvc.yaml. */
export class PipelineFeature extends Disposable {
  readonly model: PipelineModel;
  readonly runs: PipelineRuns;
  readonly tree: PipelineTree;
  private readonly problems = this.register(vscode.languages.createDiagnosticCollection('mlops-pipeline'));

  constructor(commands: Commands, log: Log, hasherFor?: (folder: vscode.WorkspaceFolder) => Hasher | undefined) {
    super();
    this.model = this.register(new PipelineModel(log, hasherFor));
    this.runs = this.register(new PipelineRuns(this.model, log));
    this.tree = this.register(new PipelineTree(this.model));
    this.register(vscode.window.createTreeView(PipelineTree.viewId, { treeDataProvider: this.tree, showCollapseAll: true }));
    this.register(new PipelineCodeLens(this.model));
    this.register(new PipelineTasks(this.model, this.runs));
    this.register(this.model.onDidChange(() => {
      this.problems.clear();
      for (const p of this.model.pipelines) {
        if (p.error) this.problems.set(vscode.Uri.file(p.error.location?.file ?? p.file), [toDiagnostic(p.error, vscode.DiagnosticSeverity.Error)]);
        for (const s of p.status?.stages ?? []) {
          if (s.error) this.problems.set(vscode.Uri.file(s.error.location?.file ?? p.file), [toDiagnostic(s.error, vscode.DiagnosticSeverity.Error)]);
        }
      }
    }));

    const reg = (id: Parameters<Commands['register']>[0], fn: (...a: any[]) => unknown) => this.register(commands.register(id, fn));
    reg(CommandId.runPipeline, (arg?: PipelineNode) => this.start({ ...(this.target(arg)), targets: undefined }));
    reg(CommandId.runStage, (a?: PipelineNode | string, stage?: string) => this.start(this.target(a, stage)));
    reg(CommandId.runDownstream, (a?: PipelineNode | string, stage?: string) => this.start({ ...this.target(a, stage), downstream: true }));
    reg(CommandId.forceRunStage, (a?: PipelineNode | string, stage?: string) => this.start({ ...this.target(a, stage), force: true, single: true }));
    reg(CommandId.stopPipeline, (a?: PipelineNode) => this.runs.stop(a && a.kind !== 'error' ? a.p.file : undefined));
    reg(CommandId.showStageOutput, (a?: PipelineNode) => this.showOutput(a));
    reg(CommandId.openStageDefinition, (a?: PipelineNode) => this.openDefinition(a));
    reg(CommandId.showPipeline, () => vscode.commands.executeCommand(`${PipelineTree.viewId}.focus`));
    reg(CommandId.showDag, () => this.showDag());
    reg(CommandId.refreshPipeline, () => this.model.refresh());
  }

  private target(a?: PipelineNode | string, stage?: string): RunRequest {
    if (typeof a === 'string') {
      const p = this.model.pipelines.find((x) => x.file === a);
      if (!p) throw new MlopsError('not-found', `No pipeline at ${a}.`);
      return { file: p.file, folder: p.folder, targets: stage ? [stage] : undefined };
    }
    if (a && a.kind !== 'pipeline' && a.kind !== 'error') return { file: a.p.file, folder: a.p.folder, targets: [a.stage.name] };
    const p = a?.p ?? this.model.pipelines[0];
    if (!p) throw new MlopsError('not-found', 'No dvc.yaml in this workspace.', { hint: 'Create a dvc.yaml with your stages (see the README).' });
    return { file: p.file, folder: p.folder };
  }

  private async start(req: RunRequest): Promise<RunResult | undefined> {
    let result: RunResult;
    try {
      result = await this.runs.run(req);
    } catch (e) {
      if (isMlopsError(e) && e.code === 'refused' && !vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage(e.message, 'Manage Workspace Trust').then((pick) => {
          if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
        });
        return undefined;
      }
      throw e;
    }
    const ran = result.stages.filter((s) => s.status === 'succeeded').length;
    const skipped = result.stages.filter((s) => s.status === 'skipped').length;
    if (result.status === 'succeeded') {
      void vscode.window.showInformationMessage(`MLOps: pipeline ${ran ? `ran ${ran} stage(s)` : 'had nothing to run'}${skipped ? `, ${skipped} up to date` : ''} (${(result.durationMs / 1000).toFixed(1)} s).`);
    } else {
      const failed = result.stages.find((s) => s.status === 'failed' || s.status === 'stopped');
      // Not awaited: the result must not wait for somebody to dismiss the notification.
      void vscode.window
        .showErrorMessage(`MLOps: stage ${failed?.stage ?? '?'} ${failed?.status ?? result.status}${failed?.exitCode ? ` (exit code ${failed.exitCode})` : ''}; downstream stages did not run and dvc.lock was left as it was.`, 'Show Output')
        .then((pick) => { if (pick && failed) this.runs.showOutput(req.file, failed.stage); });
    }
    return result;
  }

  private async showOutput(a?: PipelineNode): Promise<void> {
    if (!a || a.kind !== 'stage') throw new MlopsError('usage', 'Pick a stage in the Pipeline view.');
    if (this.runs.showOutput(a.p.file, a.stage.name)) return;
    const log = this.model.liveState(a.p.file, a.stage.name)?.logPath;
    if (!log) throw new MlopsError('not-found', `Stage ${a.stage.name} has not run in this session.`);
    await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
  }

  private async openDefinition(a?: PipelineNode): Promise<void> {
    if (!a || a.kind === 'error') throw new MlopsError('usage', 'Pick a stage in the Pipeline view.');
    const line = a.kind === 'pipeline' ? 0 : a.stage.line - 1;
    await vscode.window.showTextDocument(vscode.Uri.file(a.p.file), { selection: new vscode.Range(line, 0, line, 0) });
  }

  /** The DAG as a Mermaid diagram in a Markdown document (renders with any Mermaid preview). */
  private async showDag(): Promise<void> {
    const p = this.model.pipelines.find((x) => x.status);
    if (!p?.status) throw new MlopsError('not-found', 'No valid dvc.yaml in this workspace.');
    const dag = buildDag(p.status.pipeline);
    const id = (s: string) => `s${[...s].map((c) => c.charCodeAt(0).toString(36)).join('')}`;
    const lines = ['```mermaid', 'flowchart TD'];
    for (const name of dag.order) {
      const st = this.model.statusOf(p.file, name);
      lines.push(`  ${id(name)}["${name.replace(/"/g, '#quot;')}${st?.state === 'stale' ? ' ●' : ''}"]`);
    }
    for (const name of dag.order) for (const up of dag.upstream.get(name) ?? []) lines.push(`  ${id(up)} --> ${id(name)}`);
    lines.push('```');
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `# Pipeline ${path.basename(path.dirname(p.file))}\n\n${lines.join('\n')}\n` });
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}
