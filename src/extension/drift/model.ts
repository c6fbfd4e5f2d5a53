import * as vscode from 'vscode';
import path from 'node:path';
import { Coalescer, Disposable } from '../lifecycle.ts';
import type { Log } from '../log.ts';
import { syncReadyFolders, type WorkspaceModel } from '../workspace/model.ts';
import { Store } from '../../engine/store/store.ts';
import { MlopsError, describeError, isMlopsError } from '../../engine/errors.ts';
import { Monitor, loadReport, monitoringFromConfig, registryReferenceResolver } from '../../engine/monitoring/index.ts';
import { openRegistry } from '../../engine/registry/registry.ts';
import { openVersioning } from '../../engine/versioning/versioning.ts';
import { loadConfig } from '../../engine/config/config.ts';
import type { BatchWatcher, HistoryPoint, MonitorProblem, MonitoredDataset, ProcessResult, ReferenceResolver } from '../../engine/monitoring/index.ts';
import type { DriftReportDocument, StoredReportSummary } from '../../engine/monitoring/index.ts';
import type { WorkspaceConfig } from '../../engine/config/config.ts';

/** One monitored dataset as the tree shows it. */
export interface DatasetState {
  folder: vscode.WorkspaceFolder;
  dataset: MonitoredDataset;
  /** Stored reports, oldest first, with per-column scores. */
  history: HistoryPoint[];
  /** Why the last check of this dataset could not run (missing folder, unreadable reference). */
  problem?: MonitorProblem;
}

/** The monitoring of one initialized workspace folder. */
interface FolderMonitor {
  folder: vscode.WorkspaceFolder;
  root: string;
  store: Store;
  /** What `monitoring:` and `drift:` said when the monitor was built: rebuilt when they change. */
  configKey: string;
  monitor?: Monitor;
  /** mlops.yaml's monitoring or drift section is invalid (shown in Problems). */
  configError?: MlopsError;
  watcher?: BatchWatcher;
  problems: Map<string, MonitorProblem>;
}

export interface ProcessedEvent {
  folder: vscode.WorkspaceFolder;
  monitor: Monitor;
  result: ProcessResult;
}

export interface DriftModelOptions {
  /** The registry's production model as the default reference; absent until a registry exists. */
  referenceResolver?: (folder: vscode.WorkspaceFolder, store: Store) => ReferenceResolver | undefined;
  /** For tests: how long a batch file must stay unchanged before it counts as written (ms). */
  stabilityMs?: number;
}

/**
 * Monitoring per folder: a Monitor built from mlops.yaml, the batch folders watched (a new or
 * rewritten batch is compared with the reference once and stored), and the stored reports for
 * the tree and the panel. The engine does the work; this keeps it in step with the workspace.
 */
export class DriftModel extends Disposable {
  private readonly open = new Map<string, FolderMonitor>();
  private data: DatasetState[] = [];
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly processed = this.register(new vscode.EventEmitter<ProcessedEvent>());
  /** Fired after new batches were compared and stored (by the watcher or a manual check). */
  readonly onDidProcess = this.processed.event;
  private readonly refresher: Coalescer;
  private readonly log: Log;
  private readonly workspace: WorkspaceModel;
  private readonly options: DriftModelOptions;

  constructor(workspace: WorkspaceModel, log: Log, options: DriftModelOptions = {}) {
    super();
    this.workspace = workspace;
    this.log = log;
    this.options = options;
    this.refresher = this.register(new Coalescer(() => this.reload(), 200));
    this.register(workspace.onDidChange(() => this.syncFolders()));
    this.register({ dispose: () => this.closeAll() });
    this.syncFolders();
  }

  get datasets(): readonly DatasetState[] {
    return this.data;
  }

  /** Folders whose mlops.yaml monitoring or drift section is invalid. */
  get configErrors(): Array<{ folder: vscode.WorkspaceFolder; error: MlopsError }> {
    return [...this.open.values()].filter((f) => f.configError).map((f) => ({ folder: f.folder, error: f.configError! }));
  }

  dataset(folder: vscode.WorkspaceFolder, name: string): DatasetState | undefined {
    return this.data.find((d) => d.folder.uri.toString() === folder.uri.toString() && d.dataset.name === name);
  }

  monitorFor(folder: vscode.WorkspaceFolder): Monitor | undefined {
    return this.open.get(folder.uri.toString())?.monitor;
  }

  storeFor(folder: vscode.WorkspaceFolder): Store | undefined {
    return this.open.get(folder.uri.toString())?.store;
  }

  report(folder: vscode.WorkspaceFolder, id: number): { summary: StoredReportSummary; report: DriftReportDocument } | undefined {
    const f = this.open.get(folder.uri.toString());
    return f ? loadReport(f.store, id) : undefined;
  }

  refresh(): Promise<void> {
    return this.refresher.flush();
  }

  /** Compare every new batch of every monitored dataset now (or of one dataset). */
  async checkNow(folder?: vscode.WorkspaceFolder, dataset?: string): Promise<ProcessResult[]> {
    const out: ProcessResult[] = [];
    for (const f of this.open.values()) {
      if (folder && f.folder.uri.toString() !== folder.uri.toString()) continue;
      if (!f.monitor) continue;
      out.push(await this.process(f, f.monitor, dataset));
    }
    return out;
  }

  private async process(f: FolderMonitor, monitor: Monitor, dataset?: string): Promise<ProcessResult> {
    const result = await monitor.processNewBatches(dataset ? { dataset } : {});
    this.record(f, monitor, result, dataset ? { dataset } : {});
    return result;
  }

  /** Which datasets the run covered: all, one, or (watcher runs) those the result mentions. */
  private record(f: FolderMonitor, monitor: Monitor, result: ProcessResult, scope: { dataset?: string; seenOnly?: boolean } = {}): void {
    if (f.monitor !== monitor) return; // the config changed meanwhile; the new monitor has its own run
    const seen = new Set([...result.reports.map((r) => r.dataset), ...result.problems.map((p) => p.dataset)]);
    const covered = (name: string): boolean => (scope.seenOnly ? seen.has(name) : scope.dataset === undefined || scope.dataset === name);
    for (const d of monitor.datasets) if (covered(d.name)) f.problems.delete(d.name);
    for (const p of result.problems) {
      f.problems.set(p.dataset, p);
      this.log.warn(`monitoring ${f.folder.name}/${p.dataset}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    }
    for (const r of result.reports) {
      this.log.info(`drift ${f.folder.name}/${r.dataset} ${r.path}: ${r.error ? `could not be read: ${r.error.message}` : r.report.summary.headline}`);
    }
    if (result.reports.length || result.problems.length) this.processed.fire({ folder: f.folder, monitor, result });
    this.refresher.trigger();
  }

  private syncFolders(): void {
    const ready = syncReadyFolders(this.workspace, this.open, (f) => this.close(f));
    for (const [key, fs] of ready) {
      const config = fs.state.config;
      const configKey = JSON.stringify([config.sections.monitoring ?? null, config.sections.drift ?? null]);
      let f = this.open.get(key);
      if (f && f.configKey === configKey) continue;
      if (!f) {
        try {
          f = { folder: fs.folder, root: fs.folder.uri.fsPath, store: Store.open(fs.folder.uri.fsPath, { origin: 'extension' }), configKey, problems: new Map() };
        } catch (e) {
          this.log.error(`monitoring could not open the store of ${fs.folder.name}: ${describeError(e)}`);
          continue;
        }
        this.open.set(key, f);
      }
      f.configKey = configKey;
      this.start(f, config);
    }
    this.refresher.trigger();
  }

  /** (Re)build the monitor from the current config, process the backlog, then watch. */
  private start(f: FolderMonitor, config: WorkspaceConfig): void {
    void f.watcher?.close();
    f.watcher = undefined;
    f.monitor = undefined;
    f.configError = undefined;
    f.problems.clear();
    let monitor: Monitor;
    try {
      const resolveReference = this.options.referenceResolver ? this.options.referenceResolver(f.folder, f.store) : this.registryResolver(f);
      monitor = new Monitor(f.root, f.store, monitoringFromConfig(config, f.root), resolveReference ? { resolveReference } : {});
    } catch (e) {
      if (!isMlopsError(e)) throw e;
      f.configError = e;
      this.log.warn(`monitoring ${f.folder.name}: ${e.describe()}`);
      return;
    }
    f.monitor = monitor;
    if (monitor.datasets.length === 0) return;
    this.log.info(`monitoring ${f.folder.name}: ${monitor.datasets.map((d) => `${d.name} (${d.batches})`).join(', ')}`);
    const watcher = monitor.watch(
      (result) => this.record(f, monitor, result, { seenOnly: true }),
      {
        ...(this.options.stabilityMs !== undefined ? { stabilityMs: this.options.stabilityMs } : {}),
        onError: (e) => this.log.warn(`monitoring ${f.folder.name}: ${describeError(e)}`),
      },
    );
    f.watcher = watcher;
    // Batches that arrived while the editor was closed.
    void watcher.ready().then(() => (f.monitor === monitor ? this.process(f, monitor) : undefined)).catch((e: unknown) => this.log.error(`monitoring ${f.folder.name}: ${describeError(e)}`));
  }

  /**
   * Datasets without `reference:` compare with the training data of the model in Production. The
   * registry is opened only when such a dataset has new batches, and again each time, so it
   * always answers with the current Production version.
   */
  private registryResolver(f: FolderMonitor): ReferenceResolver {
    return registryReferenceResolver(f.root, async () => {
      const config = loadConfig(f.root);
      return openRegistry(f.root, f.store, { config, versioning: openVersioning(f.root, { store: f.store, config }), origin: 'extension' });
    });
  }

  private async reload(): Promise<void> {
    const next: DatasetState[] = [];
    for (const f of this.open.values()) {
      for (const d of f.monitor?.datasets ?? []) {
        let history: HistoryPoint[] = [];
        try {
          history = f.monitor!.history(d.name);
        } catch (e) {
          this.log.error(`reading the drift history of ${d.name}: ${describeError(e)}`);
        }
        const problem = f.problems.get(d.name);
        next.push({ folder: f.folder, dataset: d, history, ...(problem ? { problem } : {}) });
      }
    }
    this.data = next;
    this.changed.fire();
  }

  private close(f: FolderMonitor): void {
    void f.watcher?.close();
    f.monitor = undefined;
    f.store.close();
  }

  private closeAll(): void {
    for (const f of this.open.values()) this.close(f);
    this.open.clear();
  }

  /** A workspace-relative path as an absolute one inside the folder, or undefined if it leaves it. */
  static inside(folder: vscode.WorkspaceFolder, rel: string): string | undefined {
    const root = folder.uri.fsPath;
    const abs = path.resolve(root, rel);
    return abs === root || abs.startsWith(root + path.sep) ? abs : undefined;
  }
}
