import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import type { Log } from '../log.ts';
import { StageTerminal } from './terminal.ts';
import type { PipelineModel } from './model.ts';
import { runPipeline, type RunResult, type StageResult } from '../../engine/pipeline/runner.ts';
import { openRecordingStore } from '../../engine/workspace/workspace.ts';
import { MlopsError } from '../../engine/errors.ts';

export interface RunRequest {
  /** Absolute path of dvc.yaml. */
  file: string;
  folder: vscode.WorkspaceFolder;
  targets?: string[];
  downstream?: boolean;
  single?: boolean;
  force?: boolean;
  /** For task executions: one terminal for the whole run, closed with the exit code. */
  terminal?: StageTerminal;
}

interface ActiveRun {
  file: string;
  controller: AbortController;
  done: Promise<RunResult>;
}

/**
 * Runs stages through the engine, each in a terminal the extension owns, with live status in the
 * model. One run per pipeline at a time; Stop aborts it (process groups are killed by the engine).
 */
export class PipelineRuns extends Disposable {
  private readonly active = new Map<string, ActiveRun>();
  private readonly terminals = new Map<string, { terminal: vscode.Terminal; pty: StageTerminal }>();
  private readonly model: PipelineModel;
  private readonly log: Log;
  private readonly finished = this.register(new vscode.EventEmitter<{ file: string; result: RunResult }>());
  readonly onDidFinish = this.finished.event;

  constructor(model: PipelineModel, log: Log) {
    super();
    this.model = model;
    this.log = log;
    this.register({ dispose: () => { for (const r of this.active.values()) r.controller.abort(); } });
  }

  isRunning(file: string): boolean {
    return this.active.has(file);
  }

  stop(file?: string): void {
    for (const [f, r] of this.active) if (!file || f === file) r.controller.abort();
  }

  showOutput(file: string, stage: string): boolean {
    const t = this.terminals.get(this.model.key(file, stage));
    if (t && vscode.window.terminals.includes(t.terminal)) {
      t.terminal.show(true);
      return true;
    }
    return false;
  }

  async run(req: RunRequest): Promise<RunResult> {
    if (!vscode.workspace.isTrusted) {
      throw new MlopsError('refused', 'This workspace is in Restricted Mode, so MLOps does not run commands from dvc.yaml.', {
        hint: "Trust the folder (command 'Workspaces: Manage Workspace Trust') to run pipeline stages.",
      });
    }
    if (this.active.has(req.file)) {
      throw new MlopsError('refused', `The pipeline in ${vscode.workspace.asRelativePath(req.file)} is already running.`, { hint: 'Stop it first, or wait until it finishes.' });
    }
    const controller = new AbortController();
    const root = req.folder.uri.fsPath;
    const store = openRecordingStore(root, 'extension');
    const shared = req.terminal;
    const stageTerminal = (stage: string): StageTerminal => {
      if (shared) return shared;
      const key = this.model.key(req.file, stage);
      const existing = this.terminals.get(key);
      if (existing && vscode.window.terminals.includes(existing.terminal)) existing.terminal.dispose();
      const pty = new StageTerminal(() => controller.abort());
      const terminal = vscode.window.createTerminal({ name: `MLOps ▸ ${stage}`, pty, iconPath: new vscode.ThemeIcon('run'), isTransient: true });
      this.terminals.set(key, { terminal, pty });
      return pty;
    };
    const ptys = new Map<string, StageTerminal>();
    const done = runPipeline(path.dirname(req.file), {
      trusted: vscode.workspace.isTrusted,
      targets: req.targets,
      downstream: req.downstream,
      single: req.single,
      force: req.force,
      jobs: vscode.workspace.getConfiguration('mlops.pipeline', req.folder).get<number>('parallelStages', 1),
      signal: controller.signal,
      workspaceRoot: root,
      store,
      hasher: this.model.hasherFor(req.folder),
      origin: shared ? 'task' : 'extension',
      onEvent: (e) => {
        switch (e.type) {
          case 'run-started':
            this.log.info(`pipeline run ${e.runId}: ${e.stages.join(', ') || '(nothing to run)'}`);
            break;
          case 'stage-queued':
            this.model.setLive(req.file, e.stage, 'queued');
            break;
          case 'stage-started': {
            const pty = stageTerminal(e.stage);
            ptys.set(e.stage, pty);
            if (!shared) this.terminals.get(this.model.key(req.file, e.stage))?.terminal.show(true);
            pty.line(`▶ stage ${e.stage}${e.reasons.length ? ` — ${e.reasons.map((r) => r.message).join('; ')}` : ''}`);
            this.model.setLive(req.file, e.stage, 'running', { logPath: path.join(e.runDir, 'output.log') });
            break;
          }
          case 'command':
            ptys.get(e.stage)?.line(`$ ${e.cmd}`, 'dim');
            break;
          case 'stage-finished':
            this.stageFinished(req.file, e.result, ptys.get(e.stage), Boolean(shared));
            break;
          case 'run-finished':
            this.log.info(`pipeline run ${e.runId} ${e.status}`);
            break;
        }
      },
      onOutput: (stage, text) => ptys.get(stage)?.write(text),
    });
    const entry: ActiveRun = { file: req.file, controller, done };
    this.active.set(req.file, entry);
    try {
      const result = await done;
      this.finished.fire({ file: req.file, result });
      return result;
    } finally {
      this.active.delete(req.file);
      store?.close();
      this.model.scheduleRefresh();
    }
  }

  private stageFinished(file: string, r: StageResult, pty: StageTerminal | undefined, shared: boolean): void {
    const secs = r.durationMs !== undefined ? ` in ${(r.durationMs / 1000).toFixed(1)} s` : '';
    switch (r.status) {
      case 'succeeded':
        pty?.line(`✓ ${r.stage} succeeded${secs}`, 'ok');
        break;
      case 'failed':
        pty?.line(`✗ ${r.stage} failed${r.exitCode !== undefined && r.exitCode !== null ? ` with exit code ${r.exitCode}` : ''}${secs}${r.error ? `: ${r.error.message}` : ''}`, 'error');
        break;
      case 'stopped':
        pty?.line(`■ ${r.stage} stopped${secs}`, 'error');
        break;
      default:
        break;
    }
    if (!shared) pty?.finish();
    this.model.setLive(file, r.stage, r.status === 'skipped' ? 'succeeded' : r.status, { result: r });
  }
}
