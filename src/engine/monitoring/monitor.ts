/**
 * Monitoring of the datasets in mlops.yaml `monitoring:`: every production batch is compared with
 * its reference once per content (path + md5), the report is stored, and the caller learns which
 * batches crossed the drift threshold and whether retraining is due. The reference is read and
 * sorted once per run and reused for every batch (R2); a new reference (its md5 changed) is
 * read again, while batches already reported stay as they were.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/config.ts';
import { toPosixRelative } from '../fsutil.ts';
import type { Store } from '../store/store.ts';
import { md5File } from '../versioning/hash.ts';
import { BatchWatcher, listBatches } from './batches.ts';
import type { BatchFile, BatchTarget, BatchWatcherOptions } from './batches.ts';
import { hasReport, latestReport, reportHistory, saveReport } from './history.ts';
import type { HistoryPoint, StoredReportSummary } from './history.ts';
import { monitoringFromConfig } from './monitor-config.ts';
import type { MonitoredDataset, MonitoringConfig, RetrainPolicy } from './monitor-config.ts';
import { compareWithReference, prepareReference } from './report.ts';
import type { LatestDriftReport } from './prometheus.ts';
import type { PreparedSide } from './side.ts';
import type { DriftReportDocument, FileProblem } from './types.ts';
import type { DatasetFormat } from '../data/reader.ts';

export interface RetrainDecision {
  retrain: boolean;
  auto: boolean;
  stages: string[];
  reason: string;
}

/** Whether a report calls for the retraining configured for its dataset. */
export function shouldRetrain(report: DriftReportDocument, policy: RetrainPolicy): RetrainDecision {
  const s = report.summary;
  const base = { auto: policy.auto, stages: [...policy.stages] };
  if (report.reference.error || report.current.error) return { ...base, retrain: false, reason: 'the report compared nothing (a file could not be read)' };
  const drift = policy.when === 'any-column' ? s.driftedColumns > 0 : s.datasetDrift;
  const what = policy.when === 'any-column' ? `${s.driftedColumns} column(s) drifted` : `dataset drift (${s.driftedColumns} of ${s.scoredColumns} columns ≥ share ${s.threshold})`;
  if (!drift) return { ...base, retrain: false, reason: policy.when === 'any-column' ? 'no column drifted' : 'no dataset drift' };
  if (policy.stages.length === 0) return { ...base, retrain: false, reason: `${what}, but no retrain stages are configured (monitoring … retrain: { stages: [train] })` };
  return { ...base, retrain: true, reason: `${what}: run ${policy.stages.join(', ')}` };
}

export interface BatchReport {
  dataset: string;
  /** Workspace-relative POSIX path of the batch file. */
  path: string;
  hash: string;
  reportId: number;
  report: DriftReportDocument;
  /** share of drifted columns ≥ the threshold. */
  datasetDrift: boolean;
  /** Drift now, and the dataset's previous report (if any) had none. */
  newlyDrifted: boolean;
  retrain: RetrainDecision;
  /** The batch could not be read (the report says why and is stored, so it is not retried until it changes). */
  error?: FileProblem;
}

export interface MonitorProblem {
  dataset: string;
  message: string;
  file?: string;
  hint?: string;
}

export interface ProcessResult {
  reports: BatchReport[];
  /** Datasets that could not be processed at all (missing folder, unreadable reference). */
  problems: MonitorProblem[];
}

export interface ProcessOptions {
  /** Only this dataset. */
  dataset?: string;
  signal?: AbortSignal;
  /** Called as each batch is stored, for live output. */
  onReport?: (r: BatchReport) => void;
}

/** A reference found elsewhere than in mlops.yaml (the registry's production model). */
export interface ResolvedReference {
  /** Absolute path of the data file. */
  path: string;
  /** What it is, for people: "training data of churn-model v3 (production)". */
  description: string;
  /** When `path` does not tell the format by its extension (a cache object). */
  format?: { format: DatasetFormat; gzip: boolean };
}

/**
 * Finds the reference of a dataset whose mlops.yaml entry has no `reference:` — by default the
 * training data of the current production model, when a registry is there to say which it is.
 */
export type ReferenceResolver = (d: MonitoredDataset) => Promise<ResolvedReference | { problem: string; hint?: string }>;

export interface MonitorOptions {
  resolveReference?: ReferenceResolver;
}

export class Monitor {
  readonly root: string;
  readonly store: Store;
  readonly config: MonitoringConfig;
  private readonly references = new Map<string, { file: string; hash: string; side: PreparedSide }>();
  private readonly resolveReference: ReferenceResolver | undefined;
  /** One processing run at a time, so the watcher and a manual run never compute a batch twice. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(root: string, store: Store, config: MonitoringConfig, options: MonitorOptions = {}) {
    this.root = root;
    this.store = store;
    this.config = config;
    this.resolveReference = options.resolveReference;
  }

  /** Read `monitoring:` (and `drift:`) from the workspace's mlops.yaml. */
  static open(root: string, store: Store, options: MonitorOptions = {}): Monitor {
    return new Monitor(root, store, monitoringFromConfig(loadConfig(root), root), options);
  }

  get datasets(): readonly MonitoredDataset[] {
    return this.config.datasets;
  }

  dataset(name: string): MonitoredDataset | undefined {
    return this.config.datasets.find((d) => d.name === name);
  }

  private target(d: MonitoredDataset): BatchTarget {
    const cached = this.references.get(d.name)?.file;
    const exclude = [d.referencePath ?? cached].filter((f): f is string => f !== undefined && f !== null);
    return { dataset: d.name, dir: d.batchesPath, pattern: d.pattern, exclude };
  }

  processNewBatches(options: ProcessOptions = {}): Promise<ProcessResult> {
    const run = this.queue.then(() => this.process(options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async process(options: ProcessOptions): Promise<ProcessResult> {
    const out: ProcessResult = { reports: [], problems: [] };
    for (const d of this.config.datasets) {
      if (options.dataset !== undefined && d.name !== options.dataset) continue;
      options.signal?.throwIfAborted();
      if (!existsSync(d.batchesPath)) {
        out.problems.push({ dataset: d.name, message: `the batch folder ${d.batches} does not exist`, file: d.batchesPath, hint: `create it, or fix monitoring … batches in mlops.yaml` });
        continue;
      }
      const pending: Array<BatchFile & { hash: string; path: string }> = [];
      for (const b of await listBatches(this.target(d))) {
        const rel = toPosixRelative(this.root, b.file);
        const hash = await md5File(b.file);
        if (!hasReport(this.store, d.name, rel, hash)) pending.push({ ...b, hash, path: rel });
      }
      if (pending.length === 0) continue;
      const ref = await this.reference(d, options.signal);
      if ('problem' in ref) {
        out.problems.push(ref.problem);
        continue;
      }
      let previous = latestReport(this.store, d.name, { readable: true })?.summary.datasetDrift ?? false;
      for (const b of pending) {
        options.signal?.throwIfAborted();
        if (b.file === ref.file) continue; // a resolved reference that lives in the batch folder
        const report = await compareWithReference(ref.side, b.file, { settings: d.drift, currentLabel: b.path, ...(options.signal ? { signal: options.signal } : {}) });
        const saved = saveReport(this.store, report, { monitor: d.name, referencePath: toPosixRelative(this.root, ref.file), referenceHash: ref.hash, currentPath: b.path, currentHash: b.hash });
        if (!saved.inserted) continue; // another process stored this batch first
        const failed = report.current.error;
        const drift = !failed && report.summary.datasetDrift;
        const r: BatchReport = {
          dataset: d.name,
          path: b.path,
          hash: b.hash,
          reportId: saved.id,
          report,
          datasetDrift: drift,
          newlyDrifted: drift && !previous,
          retrain: shouldRetrain(report, d.retrain),
          ...(failed ? { error: failed } : {}),
        };
        if (!failed) previous = drift;
        out.reports.push(r);
        options.onReport?.(r);
      }
    }
    return out;
  }

  /** Where the reference of `d` is: mlops.yaml, else the resolver (registry), else a problem saying what to write. */
  private async locateReference(d: MonitoredDataset): Promise<{ file: string; label: string; format?: ResolvedReference['format'] } | { problem: MonitorProblem }> {
    if (d.referencePath !== null && d.reference !== null) return { file: d.referencePath, label: d.reference };
    const noRegistry = {
      dataset: d.name,
      message: `no reference for ${d.name}: mlops.yaml names none${d.model ? ` and model ${d.model} cannot be looked up without a model registry` : ' and there is no model registry to take the production model\'s training data from'}`,
      hint: 'add e.g. reference: data/raw/customers.csv under the dataset in mlops.yaml',
    };
    if (!this.resolveReference) return { problem: noRegistry };
    const r = await this.resolveReference(d);
    if ('problem' in r) return { problem: { dataset: d.name, message: r.problem, ...(r.hint ? { hint: r.hint } : {}) } };
    return { file: r.path, label: `${toPosixRelative(this.root, r.path)} (${r.description})`, ...(r.format ? { format: r.format } : {}) };
  }

  private async reference(d: MonitoredDataset, signal: AbortSignal | undefined): Promise<{ file: string; hash: string; side: PreparedSide } | { problem: MonitorProblem }> {
    const where = await this.locateReference(d);
    if ('problem' in where) return where;
    const { file, label } = where;
    let hash: string;
    try {
      hash = await md5File(file);
    } catch {
      return { problem: { dataset: d.name, message: `the reference ${label} cannot be read`, file, hint: d.reference !== null ? 'check monitoring … reference in mlops.yaml' : 'the registry names a file that is not in this workspace; restore it (mlops pull) or set reference: in mlops.yaml' } };
    }
    const cached = this.references.get(d.name);
    if (cached && cached.hash === hash && cached.file === file) return cached;
    const side = await prepareReference(file, { settings: d.drift, referenceLabel: where.format ? label : toPosixRelative(this.root, file), ...(where.format ? { referenceFormat: where.format } : {}), ...(signal ? { signal } : {}) });
    if (side.info.error) {
      const e = side.info.error;
      return { problem: { dataset: d.name, message: `the reference ${label} could not be read: ${e.message}`, file: e.file, ...(e.hint ? { hint: e.hint } : {}) } };
    }
    if (side.empty || side.info.rows === 0) return { problem: { dataset: d.name, message: `the reference ${label} has no rows`, file, hint: 'point monitoring … reference at the data the model was trained on' } };
    const entry = { file, hash, side };
    this.references.set(d.name, entry);
    return entry;
  }

  /** Reports of a dataset over time, oldest first, with per-column scores. */
  history(name: string, limit?: number): HistoryPoint[] {
    return reportHistory(this.store, name, limit);
  }

  latest(name: string): { summary: StoredReportSummary; report: DriftReportDocument } | undefined {
    return latestReport(this.store, name, { readable: true });
  }

  /** The latest readable report of each dataset that exports metrics, for DriftMetrics.update. */
  metricsSnapshot(): LatestDriftReport[] {
    const out: LatestDriftReport[] = [];
    for (const d of this.config.datasets) {
      if (!d.metrics.enabled) continue;
      const latest = this.latest(d.name);
      if (latest) out.push({ dataset: d.name, report: latest.report, columns: d.metrics.columns });
    }
    return out;
  }

  /**
   * Watch every batch folder; each new or rewritten batch is processed (one run at a time) and the
   * result handed to `onResult`. Close the returned watcher to stop.
   */
  watch(onResult: (r: ProcessResult) => void, options: BatchWatcherOptions & { onError?: (e: unknown) => void } = {}): BatchWatcher {
    const targets = this.config.datasets.filter((d) => existsSync(d.batchesPath)).map((d) => this.target(d));
    return new BatchWatcher(
      targets,
      (files) => {
        for (const dataset of new Set(files.map((f) => f.dataset))) {
          this.processNewBatches({ dataset }).then(onResult, (e: unknown) => options.onError?.(e));
        }
      },
      options,
    );
  }
}
