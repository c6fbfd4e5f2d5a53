/**
 * The contract of the experiment-tracking service: what the extension, the CLI, the registry and
 * the quality gates may ask about runs. Implementations live beside this file; consumers import
 * only these types and `openTracking` (from `./tracking.ts`).
 *
 * Runs come from several sources; every run has a globally unique `id` of the form
 * `<source>:<native id>` (e.g. `mlops:9f1c…`, `mlflow:0/ab12…`, `dvclive:dvclive`), so ids from
 * different sources never collide and a consumer can tell from the id who owns the run.
 */

export type RunStatus = 'running' | 'finished' | 'failed' | 'killed';

/** Where a run was read from. `mlops` = our own (pipeline runs and JSONL live logging). */
export type RunSource = 'mlops' | 'dvclive' | 'mlflow';

/** Scalar values only; nested params are flattened with dots (`train.lr`). */
export type ParamValue = string | number | boolean | null;

export interface ArtifactRef {
  /** Workspace-relative POSIX path. */
  path: string;
  /** DVC 3 md5 (directories end in `.dir`), when known. */
  hash: string | null;
  size?: number | null;
}

export interface RunSummary {
  id: string;
  source: RunSource;
  /** Human label of the source: `pipeline`, `mlruns/`, `mlflow.db`, `dvclive/`… */
  sourceLabel: string;
  experiment: string;
  name: string;
  status: RunStatus;
  /** ISO-8601 UTC, or null when the source does not say. */
  startedAt: string | null;
  endedAt: string | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  /** Flattened params; keys are dotted paths. */
  params: Record<string, ParamValue>;
  /** Latest value of each metric (NaN and ±Infinity kept as numbers). */
  metrics: Record<string, number>;
  tags: Record<string, string>;
  /** Data the run consumed (pipeline deps) and what it produced (outs), with content hashes. */
  inputs: ArtifactRef[];
  outputs: ArtifactRef[];
  /** External sources are read-only; only `mlops` runs can be deleted. */
  readOnly: boolean;
  /** Per-run problems found while reading (bad metric line, corrupt meta.yaml…); the run is still shown. */
  warnings: string[];
}

export interface MetricPoint {
  step: number;
  value: number;
  /** Milliseconds since the epoch, when the source records it. */
  timestamp: number | null;
}

export interface RunDetail extends RunSummary {
  /** Full step series per metric key. */
  series: Record<string, MetricPoint[]>;
  /** Pipeline run id / stage names / MLflow artifact URI etc., source-specific, for display. */
  extra: Record<string, string>;
}

export interface RunQuery {
  experiment?: string;
  /** Expression over `params.*`, `metrics.*`, `tags.*` and attributes (`name`, `status`, `experiment`, `source`, `startedAt`), e.g. `metrics.acc > 0.9 and params.lr < 0.01`. */
  filter?: string;
  /** Same names as the filter; runs without the key sort last. */
  sort?: { key: string; descending?: boolean };
  limit?: number;
}

/** A problem with a whole source (unreadable mlflow.db, newer schema, …); other sources still load. */
export interface SourceProblem {
  source: RunSource;
  location: string;
  message: string;
}

export interface TrackingService {
  /** Rescan external sources (MLflow, DVCLive) and live JSONL files; cheap when nothing changed. */
  refresh(): Promise<{ runs: number; problems: SourceProblem[] }>;
  listRuns(query?: RunQuery): RunSummary[];
  getRun(id: string): RunDetail | undefined;
  /** Step series for many runs at once (comparison charts); `keys` limits the metrics. */
  series(runIds: readonly string[], keys?: readonly string[]): Map<string, Record<string, MetricPoint[]>>;
  experiments(): string[];
  /** Only `mlops:` runs; throws MlopsError('refused') for read-only sources. */
  deleteRun(id: string): void;
  /** The most recent finished run (optionally of one experiment) — what quality gates and the registry mean by "latest". */
  latestRun(experiment?: string): RunSummary | undefined;
  /** Problems from the last refresh. */
  problems(): SourceProblem[];
  /** Called after any change (new run, new metric points, refresh); returns an unsubscribe function. */
  onDidChange(listener: () => void): () => void;
  close(): void;
}
