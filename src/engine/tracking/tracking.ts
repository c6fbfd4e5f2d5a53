/**
 * The tracking service: one list of runs from our store (pipeline runs, live JSONL), DVCLive
 * folders and MLflow stores. Our runs are cached in memory and reloaded incrementally (`seq`);
 * external sources are scanned on refresh() and rescanned only when their files' mtimes change.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, configPath } from '../config/config.ts';
import type { WorkspaceConfig } from '../config/config.ts';
import { MlopsError, describeError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { MetricPoint, RunDetail, RunQuery, RunSummary, SourceProblem, TrackingService } from './api.ts';
import { DvcLiveSource, dvcLiveSignalRunning } from './dvclive.ts';
import type { ExternalRun, ExternalSource } from './external.ts';
import { statSig } from './external.ts';
import { RUN_LOG_FILE, tailRunLog } from './jsonl.ts';
import { MlflowFileSource } from './mlflowFiles.ts';
import { MlflowSqlSource } from './mlflowSql.ts';
import { queryRuns } from './query.ts';
import { OUR_PREFIX, RunStore, onRunsChanged } from './runStore.ts';
import type { StoredRun } from './runStore.ts';
import { experimentSettings } from './settings.ts';
import type { ExperimentSettings } from './settings.ts';
import { locateSources } from './sources.ts';

export interface TrackingOptions {
  /** Use this config instead of reading mlops.yaml (tests, or a caller that already has it). */
  config?: WorkspaceConfig;
  /** For MLFLOW_TRACKING_URI; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * Check the store every `pollMs` for runs written by other processes (a CLI `mlops repro`) and
   * fire onDidChange. Off by default (the CLI does not need it); the extension passes ~1000.
   */
  pollMs?: number;
  /** ms to wait on a locked mlflow.db before reporting it (default 1000). */
  mlflowBusyTimeoutMs?: number;
}

interface SourceEntry {
  source: ExternalSource;
  runs: ExternalRun[];
  problems: SourceProblem[];
}

export function openTracking(root: string, store: Store, options: TrackingOptions = {}): TrackingService & TrackingExtras {
  return new Tracking(path.resolve(root), store, options);
}

/** Additions beyond the api.ts contract (safe to use; the contract itself is unchanged). */
export interface TrackingExtras {
  /** The workspace folder and the experiment name pipeline runs get. */
  readonly root: string;
  experimentName(): string;
  /** Every known run id → summary, without filtering or sorting (cheap). */
  allRuns(): readonly RunSummary[];
}

class Tracking implements TrackingService, TrackingExtras {
  readonly root: string;
  private readonly store: Store;
  private readonly o: TrackingOptions;
  private readonly runs: RunStore;
  private readonly ours = new Map<string, StoredRun>();
  private seq = 0;
  private dataVersion = -1;
  private dirty = true;
  private readonly sources = new Map<string, SourceEntry>();
  private external = new Map<string, ExternalRun>();
  private combined: RunSummary[] | undefined;
  private lastProblems: SourceProblem[] = [];
  private settings: ExperimentSettings;
  private configSig = '';
  private readonly listeners = new Set<() => void>();
  private readonly liveSizes = new Map<string, number>();
  private fireTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: () => void;
  private refreshing: Promise<{ runs: number; problems: SourceProblem[] }> | undefined;
  private queued: Promise<{ runs: number; problems: SourceProblem[] }> | undefined;
  private closed = false;

  constructor(root: string, store: Store, o: TrackingOptions) {
    this.root = root;
    this.store = store;
    this.o = o;
    this.runs = new RunStore(store);
    this.settings = experimentSettings(root, o.config);
    // Writes through this Store (a pipeline run in this process) arrive here at once.
    this.unsubscribe = onRunsChanged(store, () => {
      this.dirty = true;
      this.scheduleFire(true);
    });
    this.syncOurs();
    if (o.pollMs && o.pollMs > 0) {
      this.pollTimer = setInterval(() => {
        try {
          if (this.syncOurs()) this.scheduleFire(false);
        } catch {
          // the store is busy or closing; try again next tick
        }
      }, o.pollMs);
      this.pollTimer.unref?.();
    }
  }

  // ---- change events -------------------------------------------------------------------------

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Coalesce bursts (a live run writes every 500 ms, several tables at a time) into one event. */
  private scheduleFire(sync: boolean): void {
    if (this.fireTimer || this.closed) return;
    this.fireTimer = setTimeout(() => {
      this.fireTimer = undefined;
      if (sync) {
        try {
          this.syncOurs();
        } catch {
          // reported by the next call that reads
        }
      }
      for (const l of [...this.listeners]) {
        try {
          l();
        } catch {
          // one listener's bug must not starve the others
        }
      }
    }, 50);
  }

  // ---- our runs ------------------------------------------------------------------------------

  /** Bring the in-memory copy of our runs up to date; true when something changed. */
  private syncOurs(): boolean {
    if (this.closed || !this.store.db.open) return false;
    const dv = this.store.db.pragma('data_version', { simple: true }) as number;
    if (!this.dirty && dv === this.dataVersion) return false;
    this.dirty = false;
    this.dataVersion = dv;
    const v = this.runs.version();
    let changed = false;
    if (v.seq > this.seq) {
      for (const r of this.runs.loadSince(this.seq)) this.ours.set(r.summary.id, r);
      this.seq = v.seq;
      changed = true;
    }
    if (v.count !== this.ours.size) {
      const alive = new Set(this.runs.allRids());
      for (const [id, r] of this.ours) if (!alive.has(r.rid)) this.ours.delete(id);
      changed = true;
    }
    if (changed) this.combined = undefined;
    return changed;
  }

  // ---- external sources ------------------------------------------------------------------------

  private async loadSettings(): Promise<SourceProblem[]> {
    if (this.o.config) {
      this.settings = experimentSettings(this.root, this.o.config);
    } else {
      const sig = await statSig(configPath(this.root));
      if (sig !== this.configSig) {
        this.configSig = sig;
        try {
          this.settings = experimentSettings(this.root, loadConfig(this.root));
        } catch (e) {
          this.settings = { ...experimentSettings(this.root, undefined), problems: [e instanceof MlopsError ? e : new MlopsError('config', describeError(e))] };
        }
      }
    }
    return this.settings.problems.map((p) => ({ source: 'mlops' as const, location: p.location?.file ? `${path.basename(p.location.file)}${p.location.line ? `:${p.location.line}` : ''}` : 'mlops.yaml', message: p.describe() }));
  }

  refresh(): Promise<{ runs: number; problems: SourceProblem[] }> {
    // One refresh at a time, and at most one queued behind it.
    if (this.queued) return this.queued;
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => (this.refreshing = undefined));
      return this.refreshing;
    }
    this.queued = this.refreshing.catch(() => undefined).then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  private async doRefresh(): Promise<{ runs: number; problems: SourceProblem[] }> {
    try {
      // A run whose process died (killed, crashed) must not stay "running" forever.
      this.runs.reapOrphans();
    } catch {
      // read-only or busy store: the next refresh tries again
    }
    const configProblems = await this.loadSettings();
    const where = await locateSources(this.root, this.settings, this.o.env ?? process.env);
    const wanted = new Map<string, () => ExternalSource>();
    const experiment = this.settings.name;
    const running = (): boolean => dvcLiveSignalRunning(this.root);
    for (const d of where.dvclive) wanted.set(`dvclive:${d}:${experiment}`, () => new DvcLiveSource(d, { root: this.root, experiment, running }));
    for (const m of where.mlflow) {
      wanted.set(`mlflow:${m.path}`, () => (m.kind === 'files'
        ? new MlflowFileSource(m.path, { root: this.root, label: m.label, idPrefix: m.idPrefix })
        : new MlflowSqlSource(m.path, { label: m.label, idPrefix: m.idPrefix, ...(this.o.mlflowBusyTimeoutMs !== undefined ? { busyTimeoutMs: this.o.mlflowBusyTimeoutMs } : {}) })));
    }
    let changed = false;
    for (const [key, entry] of this.sources) {
      if (!wanted.has(key)) {
        entry.source.close?.();
        this.sources.delete(key);
        changed = true;
      }
    }
    for (const [key, make] of wanted) if (!this.sources.has(key)) this.sources.set(key, { source: make(), runs: [], problems: [] });
    await Promise.all([...this.sources.values()].map(async (entry) => {
      try {
        const scan = await entry.source.scan();
        if (scan.changed) changed = true;
        entry.runs = scan.runs;
        entry.problems = scan.problems;
      } catch (e) {
        entry.problems = [{ source: 'mlflow', location: entry.source.location, message: describeError(e) }];
        changed = true;
      }
    }));
    if (changed) {
      const ext = new Map<string, ExternalRun>();
      for (const entry of this.sources.values()) for (const r of entry.runs) ext.set(r.summary.id, r);
      this.external = ext;
      this.combined = undefined;
    }
    this.tailLive();
    if (this.syncOurs()) changed = true;
    const problems = [...configProblems, ...where.problems, ...[...this.sources.values()].flatMap((e) => e.problems)];
    if (JSON.stringify(problems) !== JSON.stringify(this.lastProblems)) changed = true;
    this.lastProblems = problems;
    if (changed) this.scheduleFire(false);
    return { runs: this.allRuns().length, problems };
  }

  /** Read new lines of metrics.jsonl files of our running runs (another process may be training). */
  private tailLive(): void {
    for (const r of this.ours.values()) {
      if (r.summary.status !== 'running' || !r.extra['pipelineRun']) continue;
      const runDir = path.join(this.root, '.mlops', 'runs', r.extra['pipelineRun']);
      let stages: string[] = [];
      try {
        stages = existsSync(runDir) ? readdirSync(runDir) : [];
      } catch {
        continue;
      }
      for (const stage of stages) {
        const file = path.join(runDir, stage, RUN_LOG_FILE);
        let size: number;
        try {
          size = statSync(file).size;
        } catch {
          continue;
        }
        if (this.liveSizes.get(file) === size) continue;
        this.liveSizes.set(file, size);
        try {
          tailRunLog(this.runs, r.rid, file);
        } catch {
          // busy: the runner itself is tailing this file; next refresh catches up
        }
      }
    }
  }

  // ---- queries -------------------------------------------------------------------------------

  allRuns(): readonly RunSummary[] {
    this.syncOurs();
    if (!this.combined) {
      this.combined = [...[...this.ours.values()].map((r) => r.summary), ...[...this.external.values()].map((r) => r.summary)];
    }
    return this.combined;
  }

  experimentName(): string {
    return this.settings.name;
  }

  listRuns(query?: RunQuery): RunSummary[] {
    return queryRuns(this.allRuns(), query);
  }

  getRun(id: string): RunDetail | undefined {
    this.syncOurs();
    const ours = this.ours.get(id);
    if (ours) return { ...ours.summary, series: this.runs.series(ours.rid), extra: { ...ours.extra } };
    const ext = this.external.get(id);
    if (ext) return { ...ext.summary, series: ext.loadSeries(), extra: { ...ext.extra } };
    return undefined;
  }

  series(runIds: readonly string[], keys?: readonly string[]): Map<string, Record<string, MetricPoint[]>> {
    this.syncOurs();
    const out = new Map<string, Record<string, MetricPoint[]>>();
    for (const id of runIds) {
      const ours = this.ours.get(id);
      if (ours) out.set(id, this.runs.series(ours.rid, keys));
      else {
        const ext = this.external.get(id);
        if (ext) out.set(id, ext.loadSeries(keys));
      }
    }
    return out;
  }

  experiments(): string[] {
    return [...new Set(this.allRuns().map((r) => r.experiment))].sort();
  }

  deleteRun(id: string): void {
    this.syncOurs();
    const ours = this.ours.get(id);
    if (!ours) {
      const ext = this.external.get(id);
      if (ext) {
        throw new MlopsError('refused', `run ${id} belongs to ${ext.summary.sourceLabel}, which MLOps Workbench reads but never changes`, {
          hint: ext.summary.source === 'mlflow' ? 'delete it with MLflow (mlflow runs delete, or the MLflow UI)' : `remove the folder ${ext.summary.name} yourself`,
        });
      }
      throw new MlopsError('not-found', `no run with id ${id}`, { hint: "list runs with 'mlops runs list'" });
    }
    this.runs.deleteRun(ours.rid);
    this.ours.delete(id);
    this.combined = undefined;
    this.dirty = true;
    this.scheduleFire(true);
  }

  latestRun(experiment?: string): RunSummary | undefined {
    let best: RunSummary | undefined;
    let bestAt = '';
    for (const r of this.allRuns()) {
      if (r.status !== 'finished' || (experiment !== undefined && r.experiment !== experiment)) continue;
      const at = r.endedAt ?? r.startedAt ?? '';
      if (!best || at > bestAt) {
        best = r;
        bestAt = at;
      }
    }
    return best;
  }

  problems(): SourceProblem[] {
    return [...this.lastProblems];
  }

  close(): void {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.fireTimer) clearTimeout(this.fireTimer);
    this.unsubscribe();
    for (const e of this.sources.values()) e.source.close?.();
    this.listeners.clear();
  }
}

export { OUR_PREFIX };
