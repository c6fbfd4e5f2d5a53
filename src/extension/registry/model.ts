import * as vscode from 'vscode';
import { Coalescer, Disposable } from '../lifecycle.ts';
import type { Log } from '../log.ts';
import type { WorkspaceModel } from '../workspace/model.ts';
import type { VersioningModel } from '../versioning/model.ts';
import { openRegistry } from '../../engine/registry/registry.ts';
import type { ModelSummary, RegistryProblem, RegistryService } from '../../engine/registry/api.ts';
import type { TrackingService } from '../../engine/tracking/api.ts';
import { openVersioning } from '../../engine/versioning/versioning.ts';
import type { WorkspaceConfig } from '../../engine/config/config.ts';
import type { Store } from '../../engine/store/store.ts';
import { MlopsError, describeError } from '../../engine/errors.ts';

/** The registry of one initialized workspace folder, as last listed. */
export interface RegistryFolder {
  folder: vscode.WorkspaceFolder;
  service: RegistryService;
  models: ModelSummary[];
  problems: RegistryProblem[];
}

interface Open {
  folder: vscode.WorkspaceFolder;
  /** The versioning feature's store this service was opened on; a new one means reopen. */
  store: Store;
  /** The tracking service it was opened with (lineage lookups); a new one means reopen. */
  tracking: TrackingService | undefined;
  /** The parts of mlops.yaml its versioning instance was built from (remotes, track). */
  configKey: string;
  service?: RegistryService;
  opening?: Promise<void>;
  /** Why it could not open (shown in the tree instead of models). */
  error?: string;
  unsubscribe?: () => void;
}

/** Finds the tracking service of a folder (the Experiments feature owns it), when there is one. */
export type TrackingLookup = (folder: vscode.WorkspaceFolder) => TrackingService | undefined;

/**
 * One registry service per initialized folder, sharing the versioning feature's store and cache.
 * Lists are re-read (debounced, serialised) after our own changes, and re-read *with* a refresh of
 * mlops.yaml and mlflow.db when the workspace model sees the store or the config change on disk
 * (the CLI, another window, a hand edit).
 */
export class RegistryModel extends Disposable {
  private readonly open = new Map<string, Open>();
  private data: RegistryFolder[] = [];
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly refresher: Coalescer;
  /** The next reload also asks each service to re-read its sources. */
  private external = true;
  /** The next reload tells listeners even if nothing visible changed (an explicit refresh). */
  private force = true;
  /** What listeners last saw: lists, problems, audit heads and which services were open. */
  private signature = '';
  private epoch = 0;
  private readonly log: Log;
  private readonly workspace: WorkspaceModel;
  private readonly versioning: VersioningModel;
  private readonly trackingFor: TrackingLookup | undefined;

  constructor(workspace: WorkspaceModel, versioning: VersioningModel, log: Log, trackingFor?: TrackingLookup) {
    super();
    this.workspace = workspace;
    this.versioning = versioning;
    this.log = log;
    this.trackingFor = trackingFor;
    this.refresher = this.register(new Coalescer(() => this.reload(), 200));
    this.register(workspace.onDidChange(() => {
      this.sync();
      this.scheduleRefresh();
    }));
    // Versioning opens its store per folder on the same workspace event; it may finish after us.
    this.register(versioning.onDidChange(() => this.sync()));
    const mlflow = this.register(vscode.workspace.createFileSystemWatcher('**/mlflow.db'));
    for (const ev of [mlflow.onDidCreate, mlflow.onDidChange, mlflow.onDidDelete]) this.register(ev(() => this.scheduleRefresh()));
    this.register({ dispose: () => this.closeAll() });
    this.sync();
  }

  get folders(): readonly RegistryFolder[] {
    return this.data;
  }

  /** Folders that could not open their registry, with the reason. */
  get failures(): Array<{ folder: vscode.WorkspaceFolder; error: string }> {
    return [...this.open.values()].filter((o) => o.error).map((o) => ({ folder: o.folder, error: o.error! }));
  }

  /** By folder URI string (what webview messages carry) or folder. */
  get(folder: string | vscode.WorkspaceFolder): RegistryFolder | undefined {
    const key = typeof folder === 'string' ? folder : folder.uri.toString();
    return this.data.find((d) => d.folder.uri.toString() === key);
  }

  /** The service of a folder, or an error a person can act on. */
  service(folder: string | vscode.WorkspaceFolder): { folder: vscode.WorkspaceFolder; service: RegistryService } {
    const key = typeof folder === 'string' ? folder : folder.uri.toString();
    const o = this.open.get(key);
    if (o?.service) return { folder: o.folder, service: o.service };
    if (o?.error) throw new MlopsError('not-initialized', `The model registry of ${o.folder.name} could not open: ${o.error}`, { hint: 'See the MLOps log.' });
    throw new MlopsError('not-initialized', 'This folder is not an initialized MLOps workspace.', { hint: "Run 'MLOps: Initialize Workspace' first." });
  }

  /** The folder a file belongs to, with its service. */
  forUri(uri: vscode.Uri): { folder: vscode.WorkspaceFolder; service: RegistryService } {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) throw new MlopsError('usage', `${uri.fsPath} is outside the open workspace folders.`, { hint: 'Only files inside the workspace can be registered.' });
    return this.service(folder);
  }

  tracking(folder: vscode.WorkspaceFolder): TrackingService | undefined {
    return this.trackingFor?.(folder);
  }

  /** Waits for services still opening, then re-reads every list. */
  async refresh(): Promise<void> {
    this.sync();
    await Promise.all([...this.open.values()].map((o) => o.opening));
    this.external = true;
    this.force = true;
    await this.refresher.flush();
  }

  /** The Experiments feature opened or closed a tracking service: reopen registries to use it for lineage. */
  trackingChanged(): void {
    this.sync();
  }

  scheduleRefresh(): void {
    this.external = true;
    this.refresher.trigger();
  }

  /** Run a change and re-list afterwards (the service also reports it, but lists must not wait on that). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      this.refresher.trigger();
    }
  }

  private sync(): void {
    const ready = new Map(this.workspace.all.filter((f) => f.state.kind === 'ready').map((f) => [f.folder.uri.toString(), f]));
    let changed = false;
    for (const [key, o] of this.open) {
      const f = ready.get(key);
      const stale = !f || f.state.kind !== 'ready' || this.versioning.forFolder(o.folder)?.store !== o.store
        || (!o.opening && (this.trackingFor?.(o.folder) !== o.tracking || configKey(f.state.config) !== o.configKey));
      if (stale) {
        this.close(o);
        this.open.delete(key);
        changed = true;
      }
    }
    for (const [key, f] of ready) {
      if (this.open.has(key) || f.state.kind !== 'ready') continue;
      const v = this.versioning.forFolder(f.folder);
      if (!v) continue;
      changed = true;
      const tracking = this.trackingFor?.(f.folder);
      const config = f.state.config;
      const o: Open = { folder: f.folder, store: v.store, tracking, configKey: configKey(config) };
      this.open.set(key, o);
      // Our own versioning instance on the shared store: it is built from the current mlops.yaml,
      // so remotes added later are there for "Pull from Remote" (we reopen when they change).
      const versioning = openVersioning(f.folder.uri.fsPath, { store: v.store, config });
      o.opening = openRegistry(f.folder.uri.fsPath, v.store, { config, versioning, ...(tracking ? { tracking } : {}), origin: 'extension' })
        .then((service) => {
          if (this.open.get(key) !== o) {
            service.close();
            return;
          }
          o.service = service;
          this.epoch++;
          o.unsubscribe = service.onDidChange(() => this.refresher.trigger());
          this.log.info(`registry ${f.folder.name}: actor ${service.actor}${service.settings.policyEnabled ? ', policy on' : ''}${service.settings.mlflowDbs.length ? `, MLflow ${service.settings.mlflowDbs.join(', ')}` : ''}`);
        }, (e: unknown) => {
          o.error = describeError(e);
          this.log.error(`the model registry could not open for ${f.folder.name}: ${o.error}`);
        })
        .finally(() => {
          o.opening = undefined;
          this.refresher.trigger();
        });
    }
    if (changed) {
      this.epoch++;
      this.refresher.trigger();
    }
  }

  private async reload(): Promise<void> {
    const refresh = this.external;
    this.external = false;
    const next: RegistryFolder[] = [];
    for (const o of this.open.values()) {
      if (!o.service) continue;
      const service = o.service;
      try {
        if (refresh) await service.refresh();
        next.push({ folder: o.folder, service, models: service.list(), problems: service.problems() });
      } catch (e) {
        this.log.error(`listing models in ${o.folder.name} failed: ${describeError(e)}`);
        next.push({ folder: o.folder, service, models: [], problems: [{ source: 'config', location: o.folder.name, message: describeError(e) }] });
      }
    }
    this.data = next;
    // The store changes for many reasons (runs, versions, drift); tell the views only when something
    // they show did: a model, a problem, or a new audit entry (blocked attempts change nothing else).
    const signature = JSON.stringify([this.epoch, next.map((d) => [d.folder.uri.toString(), d.models, d.problems, auditHead(d.service)])]);
    if (signature === this.signature && !this.force) return;
    this.signature = signature;
    this.force = false;
    this.changed.fire();
  }

  private close(o: Open): void {
    o.unsubscribe?.();
    try {
      o.service?.close();
    } catch (e) {
      this.log.warn(`closing the registry of ${o.folder.name}: ${describeError(e)}`);
    }
  }

  private closeAll(): void {
    for (const o of this.open.values()) this.close(o);
    this.open.clear();
  }
}

/** What the registry's versioning instance depends on; the rest of mlops.yaml the service re-reads itself. */
function configKey(config: WorkspaceConfig): string {
  return JSON.stringify([config.track, config.sections.remotes ?? null]);
}

function auditHead(service: RegistryService): string | null {
  try {
    return service.auditLog({ limit: 1 })[0]?.hash ?? null;
  } catch {
    return null;
  }
}
