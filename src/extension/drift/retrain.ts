import * as vscode from 'vscode';
import path from 'node:path';
import { CommandId } from '../commandIds.ts';
import type { Log } from '../log.ts';
import type { PipelineData } from '../pipeline/model.ts';
import type { RunResult } from '../../engine/pipeline/runner.ts';
import type { MonitoredDataset } from '../../engine/monitoring/index.ts';
import { MlopsError } from '../../engine/errors.ts';

/**
 * Retraining runs the dataset's configured stages through the Pipeline feature's own door
 * (`mlops.runStage`): the same terminals, Workspace Trust check (Restricted Mode refuses and
 * offers "Manage Workspace Trust"), live tree status and result notification as a click in the
 * Pipeline view. Stages run one after the other, each with its stale upstream, as `mlops repro`.
 */
export class Retrainer {
  private readonly pipelines: () => readonly PipelineData[];
  private readonly log: Log;

  constructor(pipelines: () => readonly PipelineData[], log: Log) {
    this.pipelines = pipelines;
    this.log = log;
  }

  /** The dvc.yaml of `folder` that defines `stage` (the folder's root dvc.yaml if none says so). */
  pipelineFile(folder: vscode.WorkspaceFolder, stage: string): string {
    const own = this.pipelines().filter((p) => p.folder.uri.toString() === folder.uri.toString());
    const defining = own.find((p) => p.status?.pipeline.stages.some((s) => s.name === stage));
    if (defining) return defining.file;
    const root = own.find((p) => path.dirname(p.file) === folder.uri.fsPath);
    if (root) return root.file;
    throw new MlopsError('not-found', `No dvc.yaml in ${folder.name} defines stage ${stage}.`, { hint: 'Fix monitoring … retrain: { stages: [...] } in mlops.yaml, or add the stage to dvc.yaml.' });
  }

  async run(folder: vscode.WorkspaceFolder, d: MonitoredDataset): Promise<RunResult | undefined> {
    const stages = d.retrain.stages;
    if (stages.length === 0) {
      throw new MlopsError('config', `No retrain stages are configured for ${d.name}.`, {
        location: { file: path.join(folder.uri.fsPath, 'mlops.yaml') },
        hint: `Add them under the dataset: retrain: { stages: [train] }`,
      });
    }
    this.log.info(`retraining ${d.name}: ${stages.join(', ')}`);
    let last: RunResult | undefined;
    for (const stage of stages) {
      last = await vscode.commands.executeCommand<RunResult | undefined>(CommandId.runStage, this.pipelineFile(folder, stage), stage);
      // undefined: refused (Restricted Mode) or failed to start; the Pipeline feature has said why.
      if (!last || last.status !== 'succeeded') break;
    }
    return last;
  }
}
