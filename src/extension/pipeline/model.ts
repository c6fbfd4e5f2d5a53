import * as vscode from 'vscode';
import path from 'node:path';
import { Coalescer, Disposable } from '../lifecycle.ts';
import type { Log } from '../log.ts';
import { pipelineStatus, type PipelineStatus, type StageStatus } from '../../engine/pipeline/status.ts';
import { PIPELINE_FILE } from '../../engine/pipeline/dvcyaml.ts';
import type { StageResult } from '../../engine/pipeline/runner.ts';
import type { Hasher } from '../../engine/pipeline/hasher.ts';
import { MlopsError, describeError, isMlopsError } from '../../engine/errors.ts';

/** What the UI shows for a stage: the computed status plus what the current/last run did. */
export type LiveState = 'queued' | 'running' | 'failed' | 'stopped' | 'not-run' | 'succeeded';

export interface PipelineData {
  folder: vscode.WorkspaceFolder;
  /** Absolute path of dvc.yaml. */
  file: string;
  status?: PipelineStatus;
  error?: MlopsError;
}

/**
 * Every dvc.yaml in the workspace with the status of its stages, recomputed (debounced) when the
 * pipeline, its lock, its params or any of its dependencies change.
 */
export class PipelineModel extends Disposable {
  private data: PipelineData[] = [];
  private readonly live = new Map<string, { state: LiveState; result?: StageResult; logPath?: string }>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly refresher: Coalescer;
  private readonly log: Log;

  /** A state-cache hasher for initialized folders, so a no-op status only stats files. */
  readonly hasherFor: (folder: vscode.WorkspaceFolder) => Hasher | undefined;

  constructor(log: Log, hasherFor: (folder: vscode.WorkspaceFolder) => Hasher | undefined = () => undefined) {
    super();
    this.log = log;
    this.hasherFor = hasherFor;
    this.refresher = this.register(new Coalescer(() => this.reload(), 300));
    // Dependencies can be anywhere; a save of any file may make a stage stale.
    const w = this.register(vscode.workspace.createFileSystemWatcher('**/*'));
    const onFs = (uri: vscode.Uri) => {
      if (/[\\/](\.git|\.mlops|node_modules|\.dvc[\\/]cache)[\\/]/.test(uri.fsPath)) return;
      this.refresher.trigger();
    };
    this.register(w.onDidCreate(onFs));
    this.register(w.onDidChange(onFs));
    this.register(w.onDidDelete(onFs));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresher.trigger()));
    this.refresher.trigger();
  }

  get pipelines(): readonly PipelineData[] {
    return this.data;
  }

  refresh(): Promise<void> {
    return this.refresher.flush();
  }

  scheduleRefresh(): void {
    this.refresher.trigger();
  }

  key(file: string, stage: string): string {
    return `${file}::${stage}`;
  }

  liveState(file: string, stage: string) {
    return this.live.get(this.key(file, stage));
  }

  setLive(file: string, stage: string, state: LiveState, extra: { result?: StageResult; logPath?: string } = {}): void {
    const prev = this.live.get(this.key(file, stage));
    this.live.set(this.key(file, stage), { state, result: extra.result ?? prev?.result, logPath: extra.logPath ?? prev?.logPath });
    this.changed.fire();
  }

  statusOf(file: string, stage: string): StageStatus | undefined {
    return this.data.find((p) => p.file === file)?.status?.stages.find((s) => s.stage === stage);
  }

  pipelineFor(uri: vscode.Uri): PipelineData | undefined {
    return this.data.find((p) => p.file === uri.fsPath) ?? this.data.find((p) => uri.fsPath.startsWith(path.dirname(p.file) + path.sep));
  }

  private async reload(): Promise<void> {
    const files = await vscode.workspace.findFiles(`**/${PIPELINE_FILE}`, '**/{node_modules,.git,.mlops,.dvc}/**', 50);
    const next: PipelineData[] = [];
    for (const uri of files.sort((a, b) => a.fsPath.length - b.fsPath.length || a.fsPath.localeCompare(b.fsPath))) {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      if (!folder || uri.scheme !== 'file') continue;
      try {
        const status = await pipelineStatus(path.dirname(uri.fsPath), { hasher: this.hasherFor(folder) });
        next.push({ folder, file: uri.fsPath, status });
      } catch (e) {
        const error = isMlopsError(e) ? e : new MlopsError('format', describeError(e), { location: { file: uri.fsPath } });
        this.log.warn(`pipeline ${uri.fsPath}: ${error.describe()}`);
        next.push({ folder, file: uri.fsPath, error });
      }
    }
    this.data = next;
    void vscode.commands.executeCommand('setContext', 'mlops.hasPipeline', next.length > 0);
    this.changed.fire();
  }
}
