/**
 * Where model checks get their numbers: a tracked run (latest finished, or by id), the metrics
 * files dvc.yaml declares as they are in the workspace (what `dvc metrics show` prints), a
 * committed baseline file, and the registry's Production version. Services are passed in, so the
 * checks run without a tracking store or registry — a check that needs one then says so.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MlopsError } from '../errors.ts';
import { loadPipeline } from '../pipeline/dvcyaml.ts';
import type { RunSummary } from '../tracking/api.ts';
import type { CheckLink } from './types.ts';

/** A flat set of metrics with where they came from. */
export interface MetricSet {
  /** Dotted names (nested JSON flattened as DVC does: `eval.accuracy`) → value. */
  values: Map<string, number | string | boolean | null>;
  /** Human description: `run mlops:9f1c (train, 2 h ago)`, `metrics/eval.json`. */
  label: string;
  run?: RunSummary;
  /** Files read, workspace-relative. */
  files?: string[];
  /** Where it came from when it is neither a run nor files (the registry version). */
  link?: CheckLink;
}

/** What the checks need from experiment tracking (a subset of TrackingService). */
export interface RunLookup {
  latestRun(experiment?: string): RunSummary | undefined;
  getRun(id: string): RunSummary | undefined;
}

/** The registry's Production version of a model, with the metrics snapshot taken at registration. */
export interface ProductionModel {
  model: string;
  version: number;
  metrics: Record<string, number>;
  runId: string | null;
}

export type ProductionLookup = (model: string | null) => Promise<ProductionModel>;

export function flatten(value: unknown, prefix = '', into = new Map<string, number | string | boolean | null>()): Map<string, number | string | boolean | null> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, into);
  } else if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null) {
    if (prefix) into.set(prefix, value);
  }
  return into;
}

/** Read a JSON or YAML metrics file into flat names; problems name the file. */
export async function readMetricsFile(file: string, label: string): Promise<Map<string, number | string | boolean | null>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MlopsError('not-found', code === 'ENOENT' ? `metrics file ${label} does not exist` : `cannot read metrics file ${label}: ${(e as Error).message}`, {
      location: { file },
      hint: code === 'ENOENT' ? 'run the pipeline stage that writes it (mlops repro), or fix the path' : undefined,
    });
  }
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new MlopsError('format', `metrics file ${label} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message}`, { location: { file } });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MlopsError('format', `metrics file ${label} must hold a mapping of metric names to numbers`, { location: { file }, hint: 'e.g. {"accuracy": 0.91, "f1": 0.84}' });
  }
  return flatten(parsed);
}

/** The metrics files dvc.yaml declares (stage `metrics:` outputs and the top-level `metrics:` list), merged. */
export async function workspaceMetrics(root: string, pipelineFile?: string): Promise<MetricSet> {
  const file = pipelineFile ?? path.join(root, 'dvc.yaml');
  if (!existsSync(file)) {
    throw new MlopsError('not-found', `run: workspace reads the metrics files of dvc.yaml, but there is no ${path.relative(root, file) || 'dvc.yaml'}`, { hint: 'declare metrics outputs in dvc.yaml, or use run: latest' });
  }
  const pipeline = await loadPipeline(file);
  const rels = new Set<string>();
  for (const s of pipeline.stages) for (const o of s.outs) if (o.kind === 'metrics') rels.add(o.rel);
  for (const m of pipeline.metrics) rels.add(m);
  if (rels.size === 0) throw new MlopsError('not-found', `${path.relative(root, file)} declares no metrics files`, { location: { file }, hint: 'add metrics: [metrics/eval.json] to the stage that writes them' });
  const values = new Map<string, number | string | boolean | null>();
  const files: string[] = [];
  for (const rel of rels) {
    const abs = path.resolve(pipeline.dir, rel);
    const label = path.relative(root, abs).split(path.sep).join('/');
    const m = await readMetricsFile(abs, label);
    files.push(label);
    // First file wins on a name clash; the later value stays reachable as `<file>:<name>`.
    for (const [k, v] of m) {
      if (!values.has(k)) values.set(k, v);
      values.set(`${label}:${k}`, v);
    }
  }
  return { values, label: files.join(', '), files };
}

function runLabel(run: RunSummary): string {
  return `run ${run.id}${run.name && run.name !== run.id ? ` (${run.name})` : ''}`;
}

export function runMetrics(run: RunSummary): MetricSet {
  const values = new Map<string, number | string | boolean | null>();
  for (const [k, v] of Object.entries(run.metrics)) values.set(k, v);
  return { values, label: runLabel(run), run };
}

export function requireRuns(runs: RunLookup | null | undefined, why: string): RunLookup {
  if (!runs) {
    throw new MlopsError('not-found', `${why}, but experiment tracking is not available in this workspace`, {
      hint: "run 'mlops init' so runs are recorded, or read the pipeline's metrics files with run: workspace",
    });
  }
  return runs;
}

/** The run a model suite reads; errors say what to do when there is none. */
export function findRun(runs: RunLookup | null | undefined, selector: { kind: 'latest'; experiment: string | null } | { kind: 'run'; id: string }): RunSummary {
  const lookup = requireRuns(runs, selector.kind === 'run' ? `run ${selector.id} was asked for` : 'model checks read the latest run');
  if (selector.kind === 'run') {
    const run = lookup.getRun(selector.id);
    if (!run) throw new MlopsError('not-found', `no run ${selector.id}`, { hint: "list runs with 'mlops runs list'; ids look like mlops:<id> or mlflow:<experiment>/<run>" });
    return run;
  }
  const run = selector.experiment === null ? lookup.latestRun() : lookup.latestRun(selector.experiment);
  if (!run) {
    throw new MlopsError('not-found', `no finished run found${selector.experiment !== null ? ` in experiment ${selector.experiment}` : ''}`, {
      hint: 'run the pipeline (mlops repro) or a training script that logs metrics first; run: workspace reads the metrics files instead',
    });
  }
  return run;
}
