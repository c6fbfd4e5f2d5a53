import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import { StageTerminal } from './terminal.ts';
import type { PipelineModel } from './model.ts';
import type { PipelineRuns } from './runs.ts';
import { describeError } from '../../engine/errors.ts';

/** `tasks.json`: { "type": "mlops", "stage": "train", "downstream": false, "force": false } */
export interface MlopsTaskDefinition extends vscode.TaskDefinition {
  type: 'mlops';
  /** Stage or foreach/matrix group; omitted = the whole pipeline. */
  stage?: string;
  downstream?: boolean;
  force?: boolean;
  /** dvc.yaml relative to the workspace folder (default: dvc.yaml). */
  pipeline?: string;
}

/** Stages as tasks, so they appear in "Run Task" and can be bound, chained and configured in tasks.json. */
export class PipelineTasks extends Disposable implements vscode.TaskProvider {
  static readonly type = 'mlops';
  private readonly model: PipelineModel;
  private readonly runs: PipelineRuns;

  constructor(model: PipelineModel, runs: PipelineRuns) {
    super();
    this.model = model;
    this.runs = runs;
    this.register(vscode.tasks.registerTaskProvider(PipelineTasks.type, this));
  }

  async provideTasks(): Promise<vscode.Task[]> {
    await this.model.refresh();
    const tasks: vscode.Task[] = [];
    for (const p of this.model.pipelines) {
      const rel = path.relative(p.folder.uri.fsPath, p.file).split(path.sep).join('/');
      tasks.push(this.task(p.folder, { type: 'mlops', pipeline: rel }, `repro ${rel === 'dvc.yaml' ? '' : rel}`.trim()));
      for (const s of p.status?.pipeline.stages ?? []) tasks.push(this.task(p.folder, { type: 'mlops', stage: s.name, pipeline: rel }, `stage ${s.name}`));
    }
    return tasks;
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition as MlopsTaskDefinition;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    return this.task(folder, def, task.name);
  }

  private task(folder: vscode.WorkspaceFolder, def: MlopsTaskDefinition, name: string): vscode.Task {
    const file = path.join(folder.uri.fsPath, def.pipeline ?? 'dvc.yaml');
    const exec = new vscode.CustomExecution(async () => {
      const pty = new StageTerminal(() => this.runs.stop(file));
      void (async () => {
        await new Promise((r) => setTimeout(r, 50)); // let the terminal open before output flows
        try {
          const r = await this.runs.run({ file, folder, targets: def.stage ? [def.stage] : undefined, downstream: def.downstream, force: def.force, terminal: pty });
          pty.line(`pipeline ${r.status} (${r.stages.filter((s) => s.status === 'succeeded').length} ran, ${r.stages.filter((s) => s.status === 'skipped').length} up to date)`, r.status === 'succeeded' ? 'ok' : 'error');
          pty.exit(r.status === 'succeeded' ? 0 : 1);
        } catch (e) {
          pty.line(describeError(e), 'error');
          pty.exit(1);
        }
      })();
      return pty;
    });
    const t = new vscode.Task(def, folder, name, 'MLOps', exec, []);
    t.group = vscode.TaskGroup.Build;
    t.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated };
    return t;
  }
}
