import * as vscode from 'vscode';
import path from 'node:path';
import { Coalescer, Disposable } from '../lifecycle.ts';
import type { Log } from '../log.ts';
import { pipelineStatus, type PipelineStatus, type StageStatus } from '../../engine/pipeline/status.ts';
import { LOCK_FILE, PIPELINE_FILE } from '../../engine/pipeline/dvcyaml.ts';
import { DEFAULT_PARAMS_FILE } from '../../engine/pipeline/params.ts';
import { pipelineWatchPaths, watchGlob } from '../../engine/pipeline/watchSet.ts';
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
 * pipeline, its lock, its vars or params files, a dependency or an output changes. Only those
 * paths are watched (one glob per workspace folder, rebuilt after each reload, so an edit of
 * dvc.yaml moves it); saves elsewhere cost nothing.
 */
export class PipelineModel extends Disposable {
  private data: PipelineData[] = [];
  private readonly live = new Map<string, { state: LiveState; result?: StageResult; logPath?: string }>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly refresher: Coalescer;
  private readonly log: Log;
  /** Per workspace folder (uri): the glob watched now and its watcher. */
  private readonly watchers = new Map<string, { glob: string; watcher: vscode.Disposable }>();

  /** A state-cache hasher for initialized folders, so a no-op status only stats files. */
  readonly hasherFor: (folder: vscode.WorkspaceFolder) => Hasher | undefined;

  constructor(log: Log, hasherFor: (folder: vscode.WorkspaceFolder) => Hasher | undefined = () => undefined) {
    super();
    this.log = log;
    this.hasherFor = hasherFor;
    this.refresher = this.register(new Coalescer(() => this.reload(), 300));
    // A pipeline added, edited or removed anywhere: reload, which also rebuilds the watch set.
    this.watch(this.register(vscode.workspace.createFileSystemWatcher(`**/${PIPELINE_FILE}`)), (d) => this.register(d));
    this.register({ dispose: () => this.unwatchAll() });
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
    this.updateWatchers(next);
    void vscode.commands.executeCommand('setContext', 'mlops.hasPipeline', next.length > 0);
    this.changed.fire();
  }

  private watch(w: vscode.FileSystemWatcher, own: (d: vscode.Disposable) => void): void {
    const onFs = (): void => this.refresher.trigger();
    own(w.onDidCreate(onFs));
    own(w.onDidChange(onFs));
    own(w.onDidDelete(onFs));
  }

  /** One watcher per workspace folder over what its pipelines depend on; unchanged globs keep theirs. */
  private updateWatchers(data: readonly PipelineData[]): void {
    if (this.isDisposed) return;
    const byFolder = new Map<string, { folder: vscode.WorkspaceFolder; paths: string[] }>();
    for (const p of data) {
      const key = p.folder.uri.toString();
      const entry = byFolder.get(key) ?? { folder: p.folder, paths: [] };
      byFolder.set(key, entry);
      // A pipeline that did not load still has its files: fixing one of them must reload it.
      const dir = path.dirname(p.file);
      entry.paths.push(...(p.status ? pipelineWatchPaths(p.status.pipeline) : [p.file, path.join(dir, LOCK_FILE), path.join(dir, DEFAULT_PARAMS_FILE)]));
    }
    for (const [key, { folder, paths }] of byFolder) {
      const glob = watchGlob(folder.uri.fsPath, paths);
      const current = this.watchers.get(key);
      if (current?.glob === glob) continue;
      current?.watcher.dispose();
      this.watchers.delete(key);
      if (glob === undefined) continue;
      const parts: vscode.Disposable[] = [];
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, glob));
      parts.push(w);
      this.watch(w, (d) => parts.push(d));
      this.watchers.set(key, { glob, watcher: vscode.Disposable.from(...parts) });
    }
    for (const [key, { watcher }] of this.watchers) {
      if (byFolder.has(key)) continue;
      watcher.dispose();
      this.watchers.delete(key);
    }
  }

  private unwatchAll(): void {
    for (const { watcher } of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
  }

  /** The glob watched in a workspace folder (for tests and the log). */
  watchedGlob(folder: vscode.WorkspaceFolder): string | undefined {
    return this.watchers.get(folder.uri.toString())?.glob;
  }
}
