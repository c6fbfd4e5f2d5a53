import * as vscode from 'vscode';
import { Coalescer, Disposable } from '../lifecycle.ts';
import type { Log } from '../log.ts';
import { syncReadyFolders, type WorkspaceModel } from '../workspace/model.ts';
import { Store } from '../../engine/store/store.ts';
import { openTracking, type TrackingExtras } from '../../engine/tracking/tracking.ts';
import type { MetricPoint, RunSummary, SourceProblem, TrackingService } from '../../engine/tracking/api.ts';
import { describeError, MlopsError } from '../../engine/errors.ts';
import { newestFirst, primaryMetric } from './wire.ts';

/** Runs of one initialized workspace folder. */
export interface FolderRuns {
  folder: vscode.WorkspaceFolder;
  tracking: TrackingService & TrackingExtras;
  /** Newest first. */
  runs: RunSummary[];
  problems: SourceProblem[];
  primaryMetric: string | null;
  /** Per experiment: MLflow's `acc` and our `accuracy` each summarise their own runs. */
  primaryByExperiment: Map<string, string | null>;
  /** The `mlops.experiments.primaryMetric` setting, when set. */
  configuredPrimary: string | undefined;
  /** Latest step of each running run (live progress in the tree). */
  liveSteps: Map<string, number>;
}

interface Open {
  folder: vscode.WorkspaceFolder;
  store: Store;
  tracking: TrackingService & TrackingExtras;
  unsubscribe: () => void;
}

/**
 * Runs of every initialized folder, from our store, MLflow stores and DVCLive folders. Reloads
 * are coalesced (a live run changes several times a second) and serialised; the engine itself
 * polls the store for runs written by other processes (the CLI) and rescans external sources only
 * when their files changed.
 */
export class ExperimentsModel extends Disposable {
  private readonly open = new Map<string, Open>();
  private data: FolderRuns[] = [];
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly refresher: Coalescer;
  private readonly log: Log;
  private readonly workspace: WorkspaceModel;
  private loaded = false;

  constructor(workspace: WorkspaceModel, log: Log) {
    super();
    this.workspace = workspace;
    this.log = log;
    this.refresher = this.register(new Coalescer(() => this.reload(), 250));
    this.register(workspace.onDidChange(() => this.syncFolders()));
    // External sources change behind our back: MLflow writing mlruns/ or mlflow.db, DVCLive its folder.
    for (const glob of ['**/mlruns/**/meta.yaml', '**/mlruns/**/metrics/**', '**/mlflow.db', '**/mlflow.db-wal', '**/dvclive/**', '**/metrics.jsonl', '**/mlops.yaml']) {
      const w = this.register(vscode.workspace.createFileSystemWatcher(glob));
      for (const ev of [w.onDidCreate, w.onDidChange, w.onDidDelete]) this.register(ev(() => this.refresher.trigger()));
    }
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('mlops.experiments.primaryMetric')) this.refresher.trigger();
    }));
    this.register({ dispose: () => this.closeAll() });
    this.syncFolders();
  }

  get folders(): readonly FolderRuns[] {
    return this.data;
  }

  /** Whether the first load has finished (the tree shows a welcome only after it). */
  get isLoaded(): boolean {
    return this.loaded;
  }

  refresh(): Promise<void> {
    return this.refresher.flush();
  }

  scheduleRefresh(): void {
    this.refresher.trigger();
  }

  /** The folder of a run id (ids are unique within a folder; the first folder that has it wins). */
  find(id: string, folder?: vscode.WorkspaceFolder): { folder: FolderRuns; run: RunSummary } | undefined {
    for (const f of this.data) {
      if (folder && f.folder.uri.toString() !== folder.uri.toString()) continue;
      const run = f.runs.find((r) => r.id === id);
      if (run) return { folder: f, run };
    }
    return undefined;
  }

  forFolder(folder: vscode.WorkspaceFolder | undefined): FolderRuns | undefined {
    if (!folder) return this.data[0];
    return this.data.find((f) => f.folder.uri.toString() === folder.uri.toString());
  }

  forUri(uri: vscode.Uri): FolderRuns | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? this.forFolder(folder) : undefined;
  }

  series(f: FolderRuns, ids: readonly string[], keys?: readonly string[]): Map<string, Record<string, MetricPoint[]>> {
    return f.tracking.series(ids, keys);
  }

  async deleteRuns(f: FolderRuns, ids: readonly string[]): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const run = f.runs.find((r) => r.id === id);
      if (run?.readOnly) throw new MlopsError('refused', `${run.name} comes from ${run.sourceLabel}, which MLOps Workbench reads but never changes.`, { hint: run.source === 'mlflow' ? 'Delete it with MLflow (mlflow runs delete, or the MLflow UI).' : 'Remove its folder yourself.' });
      f.tracking.deleteRun(id);
      n++;
    }
    await this.refresh();
    return n;
  }

  private syncFolders(): void {
    const ready = syncReadyFolders(this.workspace, this.open, (o) => this.close(o));
    for (const [key, f] of ready) {
      if (this.open.has(key)) continue;
      try {
        const root = f.folder.uri.fsPath;
        const store = Store.open(root, { origin: 'extension' });
        const tracking = openTracking(root, store, { pollMs: 1000 });
        const unsubscribe = tracking.onDidChange(() => this.refresher.trigger());
        this.open.set(key, { folder: f.folder, store, tracking, unsubscribe });
        this.log.info(`experiments ${f.folder.name}: tracking runs (experiment '${tracking.experimentName()}')`);
      } catch (e) {
        this.log.error(`experiment tracking could not start for ${f.folder.name}: ${describeError(e)}`);
      }
    }
    this.refresher.trigger();
  }

  private async reload(): Promise<void> {
    const next: FolderRuns[] = [];
    const configured = vscode.workspace.getConfiguration('mlops').get<string>('experiments.primaryMetric', '').trim() || undefined;
    for (const o of this.open.values()) {
      let problems: SourceProblem[] = [];
      try {
        problems = (await o.tracking.refresh()).problems;
      } catch (e) {
        problems = [{ source: 'mlops', location: o.folder.name, message: describeError(e) }];
        this.log.warn(`refreshing runs of ${o.folder.name} failed: ${describeError(e)}`);
      }
      let runs: RunSummary[] = [];
      try {
        runs = [...o.tracking.allRuns()].sort(newestFirst);
      } catch (e) {
        problems.push({ source: 'mlops', location: o.folder.name, message: describeError(e) });
      }
      const liveSteps = new Map<string, number>();
      const running = runs.filter((r) => r.status === 'running').map((r) => r.id);
      if (running.length) {
        try {
          for (const [id, s] of o.tracking.series(running)) {
            let step = -1;
            for (const pts of Object.values(s)) for (const p of pts) if (p.step > step) step = p.step;
            if (step >= 0) liveSteps.set(id, step);
          }
        } catch {
          // progress is a nicety; the run itself still shows
        }
      }
      const byExperiment = new Map<string, RunSummary[]>();
      for (const r of runs) {
        const list = byExperiment.get(r.experiment);
        if (list) list.push(r);
        else byExperiment.set(r.experiment, [r]);
      }
      const primaryByExperiment = new Map([...byExperiment].map(([e, rs]) => [e, primaryMetric(rs, configured)] as const));
      next.push({ folder: o.folder, tracking: o.tracking, runs, problems, primaryMetric: primaryMetric(runs, configured), primaryByExperiment, configuredPrimary: configured, liveSteps });
    }
    this.data = next;
    this.loaded = true;
    void vscode.commands.executeCommand('setContext', 'mlops.hasRuns', next.some((f) => f.runs.length > 0));
    this.changed.fire();
  }

  private close(o: Open): void {
    o.unsubscribe();
    o.tracking.close();
    o.store.close();
  }

  private closeAll(): void {
    for (const o of this.open.values()) this.close(o);
    this.open.clear();
  }
}
