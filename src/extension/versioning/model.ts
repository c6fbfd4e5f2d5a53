import * as vscode from 'vscode';
import path from 'node:path';
import { Coalescer, Disposable } from '../lifecycle.ts';
import type { Log } from '../log.ts';
import { syncReadyFolders, type WorkspaceModel } from '../workspace/model.ts';
import { Store } from '../../engine/store/store.ts';
import { openVersioning } from '../../engine/versioning/versioning.ts';
import { DataWatcher } from '../../engine/versioning/watcher.ts';
import type { Artifact, VersioningApi } from '../../engine/versioning/api.ts';
import { StateCache } from '../../engine/versioning/stateCache.ts';
import { StateCacheHasher, type Hasher } from '../../engine/pipeline/hasher.ts';
import type { MlopsError } from '../../engine/errors.ts';
import type { WorkspaceConfig } from '../../engine/config/config.ts';
import { describeError } from '../../engine/errors.ts';

/** Versioning state of one initialized workspace folder. */
export interface FolderData {
  folder: vscode.WorkspaceFolder;
  api: VersioningApi;
  artifacts: Artifact[];
  problems: MlopsError[];
}

interface Open {
  folder: vscode.WorkspaceFolder;
  store: Store;
  api: VersioningApi;
  watcher?: DataWatcher;
  /** Serialises adds so two changes to one folder never race in the cache. */
  queue: Promise<void>;
  /** Paths to skip in the watcher while we write them ourselves (restore). */
  quiet: Set<string>;
  hasher?: Hasher;
  config: WorkspaceConfig;
}

/**
 * Tracked artifacts per folder, kept fresh from three sources: our own operations, the data
 * watcher (auto-versioning), and file-system events on pointer and lock files (git checkout, CLI).
 */
export class VersioningModel extends Disposable {
  private readonly open = new Map<string, Open>();
  private data: FolderData[] = [];
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly versioned = this.register(new vscode.EventEmitter<{ folder: vscode.WorkspaceFolder; paths: string[] }>());
  /** Fired after the watcher recorded new versions. */
  readonly onDidVersion = this.versioned.event;
  private readonly refresher: Coalescer;
  private readonly log: Log;
  private readonly workspace: WorkspaceModel;

  constructor(workspace: WorkspaceModel, log: Log) {
    super();
    this.workspace = workspace;
    this.log = log;
    this.refresher = this.register(new Coalescer(() => this.reload(), 200));
    this.register(workspace.onDidChange(() => this.syncFolders()));
    for (const glob of ['**/*.dvc', '**/dvc.lock', '**/dvc.yaml']) {
      const w = this.register(vscode.workspace.createFileSystemWatcher(glob));
      for (const ev of [w.onDidCreate, w.onDidChange, w.onDidDelete]) this.register(ev(() => this.refresher.trigger()));
    }
    this.register({ dispose: () => this.closeAll() });
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => {
      for (const o of this.open.values()) this.startWatching(o);
    }));
    this.syncFolders();
  }

  get folders(): readonly FolderData[] {
    return this.data;
  }

  forUri(uri: vscode.Uri): Open | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? this.open.get(folder.uri.toString()) : undefined;
  }

  forFolder(folder: vscode.WorkspaceFolder): Open | undefined {
    return this.open.get(folder.uri.toString());
  }

  /** Pipelines hash through the same state cache, so files versioned here are not read again. */
  hasherFor(folder: vscode.WorkspaceFolder): Hasher | undefined {
    const o = this.open.get(folder.uri.toString());
    if (!o) return undefined;
    o.hasher ??= new StateCacheHasher(new StateCache(o.store));
    return o.hasher;
  }

  refresh(): Promise<void> {
    return this.refresher.flush();
  }

  /** Run a versioning operation for a folder in its queue, then refresh the views. */
  async run<T>(o: Open, fn: (api: VersioningApi) => Promise<T>): Promise<T> {
    const result = new Promise<T>((resolve, reject) => {
      o.queue = o.queue.then(() => fn(o.api).then(resolve, reject));
    });
    try {
      return await result;
    } finally {
      this.refresher.trigger();
    }
  }

  /** Suppress watcher events for `relPath` while `fn` writes it (a restore is not a new version). */
  async quietly<T>(o: Open, relPath: string, fn: () => Promise<T>): Promise<T> {
    o.quiet.add(relPath);
    try {
      return await fn();
    } finally {
      setTimeout(() => o.quiet.delete(relPath), 1500);
    }
  }

  private syncFolders(): void {
    const ready = syncReadyFolders(this.workspace, this.open, (o) => this.close(o));
    for (const [key, f] of ready) {
      const current = this.open.get(key);
      if (current) {
        // mlops.yaml changed (tracked paths, ignores, remotes): same store and cache, a new engine
        // and watcher on the new settings; operations already queued finish on the old engine.
        if (JSON.stringify(current.config) !== JSON.stringify(f.state.config)) this.reconfigure(current, f.state.config);
        continue;
      }
      try {
        const root = f.folder.uri.fsPath;
        const store = Store.open(root, { origin: 'extension' });
        const api = openVersioning(root, { store, config: f.state.config });
        const o: Open = { folder: f.folder, store, api, queue: Promise.resolve(), quiet: new Set(), config: f.state.config };
        this.open.set(key, o);
        this.startWatching(o);
      } catch (e) {
        this.log.error(`versioning could not start for ${f.folder.name}: ${describeError(e)}`);
      }
    }
    this.refresher.trigger();
  }

  private reconfigure(o: Open, config: WorkspaceConfig): void {
    o.config = config;
    o.api = openVersioning(o.folder.uri.fsPath, { store: o.store, config });
    void o.watcher?.close();
    o.watcher = undefined;
    this.startWatching(o);
    this.log.info(`versioning ${o.folder.name}: mlops.yaml changed, settings reloaded`);
  }

  /**
   * Automatic versioning writes pointer files, .gitignore lines and the cache: only in a trusted
   * folder. In Restricted Mode it waits for trust (onDidGrantWorkspaceTrust); browsing works.
   */
  private startWatching(o: Open): void {
    if (o.watcher) return;
    if (!vscode.workspace.isTrusted) {
      this.log.info(`versioning ${o.folder.name}: Restricted Mode, automatic versioning paused until the folder is trusted`);
      return;
    }
    o.watcher = new DataWatcher(o.folder.uri.fsPath, o.api, {
      ignore: o.config.track.ignore,
      onChange: (units) => this.autoVersion(o, units),
      onError: (e) => this.log.warn(`data watcher (${o.folder.name}): ${e.message}`),
    });
    this.log.info(`versioning ${o.folder.name}: cache ${o.api.cacheDir}, watching ${o.config.track.paths.join(', ')}`);
  }

  private autoVersion(o: Open, units: string[]): void {
    const todo = units.filter((u) => !o.quiet.has(u));
    if (!todo.length) return;
    void this.run(o, async (api) => {
      const recorded: string[] = [];
      for (const unit of todo) {
        try {
          const r = await api.add(unit, 'watcher');
          if (r.changed) recorded.push(unit);
        } catch (e) {
          this.log.warn(`auto-versioning ${unit} failed: ${describeError(e)}`);
        }
      }
      if (recorded.length) {
        this.log.info(`recorded new version(s): ${recorded.join(', ')}`);
        this.versioned.fire({ folder: o.folder, paths: recorded });
      }
    });
  }

  private async reload(): Promise<void> {
    const next: FolderData[] = [];
    for (const o of this.open.values()) {
      try {
        const { artifacts, problems } = await o.api.list();
        next.push({ folder: o.folder, api: o.api, artifacts, problems });
      } catch (e) {
        this.log.error(`listing tracked data in ${o.folder.name} failed: ${describeError(e)}`);
        next.push({ folder: o.folder, api: o.api, artifacts: [], problems: [] });
      }
    }
    this.data = next;
    this.changed.fire();
  }

  private close(o: Open): void {
    void o.watcher?.close();
    o.store.close();
  }

  private closeAll(): void {
    for (const o of this.open.values()) this.close(o);
    this.open.clear();
  }

  static relative(folder: vscode.WorkspaceFolder, uri: vscode.Uri): string {
    return path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
  }
}
