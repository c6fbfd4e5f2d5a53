import * as vscode from 'vscode';
import { inspectWorkspace, initWorkspace, type WorkspaceState, type InitResult } from '../../engine/workspace/workspace.ts';
import { Store, type ActivityEntry } from '../../engine/store/store.ts';
import { CONFIG_FILE } from '../../engine/config/config.ts';
import { describeError } from '../../engine/errors.ts';
import { Coalescer, Disposable } from '../lifecycle.ts';
import type { Log } from '../log.ts';

export interface FolderState {
  folder: vscode.WorkspaceFolder;
  state: WorkspaceState;
  activity: ActivityEntry[];
}

/** A folder whose store and config could be read. */
export type ReadyFolder = FolderState & { state: Extract<WorkspaceState, { kind: 'ready' }> };

/**
 * The ready folders by URI, after closing and dropping the entries of `open` whose folder is gone
 * or no longer ready: the first half of every feature's "follow the workspace folders" step.
 */
export function syncReadyFolders<T>(workspace: WorkspaceModel, open: Map<string, T>, close: (o: T) => void): Map<string, ReadyFolder> {
  const ready = new Map(workspace.all.filter((f): f is ReadyFolder => f.state.kind === 'ready').map((f) => [f.folder.uri.toString(), f]));
  for (const [key, o] of open) {
    if (ready.has(key)) continue;
    close(o);
    open.delete(key);
  }
  return ready;
}

/**
 * The state of every workspace folder, re-read (debounced, serialised) when the store or the
 * config changes on disk — by us, by the CLI, or by hand.
 */
export class WorkspaceModel extends Disposable {
  private folders: FolderState[] = [];
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly refresher: Coalescer;
  private readonly log: Log;

  constructor(log: Log) {
    super();
    this.log = log;
    this.refresher = this.register(new Coalescer(() => this.reload(), 200));
    for (const glob of [`**/${CONFIG_FILE}`, '**/.mlops/mlops.db', '**/.dvc/config']) {
      const w = this.register(vscode.workspace.createFileSystemWatcher(glob));
      this.register(w.onDidCreate(() => this.refresher.trigger()));
      this.register(w.onDidChange(() => this.refresher.trigger()));
      this.register(w.onDidDelete(() => this.refresher.trigger()));
    }
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresher.trigger()));
  }

  get all(): readonly FolderState[] {
    return this.folders;
  }

  /** The folder of the active editor, else the first one. */
  current(): FolderState | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
    return this.folders.find((f) => f.folder === folder) ?? this.folders[0];
  }

  refresh(): Promise<void> {
    return this.refresher.flush();
  }

  scheduleRefresh(): void {
    this.refresher.trigger();
  }

  async initialize(folder: vscode.WorkspaceFolder): Promise<InitResult> {
    const result = initWorkspace(folder.uri.fsPath, 'extension');
    this.log.info(`initialized ${result.root}: store ${result.createdStore ? 'created' : 'migrated'} at schema ${result.schemaVersion}, config ${result.createdConfig ? 'created' : 'kept'}`);
    await this.refresh();
    return result;
  }

  private async reload(): Promise<void> {
    const next: FolderState[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const state = inspectWorkspace(folder.uri.fsPath);
      let activity: ActivityEntry[] = [];
      if (state.kind === 'ready') {
        try {
          const store = Store.open(folder.uri.fsPath, { origin: 'extension', readonly: true });
          try { activity = store.recentActivity(10); } finally { store.close(); }
        } catch (e) {
          this.log.warn(`could not read activity of ${folder.name}: ${describeError(e)}`);
        }
      }
      if (state.kind === 'error') this.log.error(`${folder.name}: ${state.error.describe()}`);
      next.push({ folder, state, activity });
    }
    this.folders = next;
    this.changed.fire();
  }
}
