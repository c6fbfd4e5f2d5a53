/**
 * MLflow file store `mlruns/` (formats.md B.2, B.3), read in place and never written.
 * Experiments are integer-named folders with meta.yaml; runs are their sub-folders with meta.yaml;
 * params/tags/metrics keys may contain `/` (nested files). Deleted experiments (in `.trash/` or
 * `lifecycle_stage: deleted`) and deleted runs are left out. A corrupt meta.yaml is a warning on
 * that run or experiment; everything else still loads. Only the latest metric values are kept in
 * memory; series are read again when asked for.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { MetricPoint, ParamValue, RunStatus, SourceProblem } from './api.ts';
import type { ExternalRun, ExternalSource, SourceScan } from './external.ts';
import { listFilesDeep, mapLimit, readSeriesFiles, statSig } from './external.ts';
import { isoFromMillis, parseMetricNumber } from './values.ts';

const RESERVED = new Set(['tags', 'datasets', 'traces', 'models', '.trash']);

export function mlflowRunStatus(v: unknown): RunStatus {
  const s = typeof v === 'number' ? ({ 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' } as Record<number, string>)[v] : String(v ?? '').toUpperCase();
  if (s === 'RUNNING' || s === 'SCHEDULED') return 'running';
  if (s === 'FAILED') return 'failed';
  if (s === 'KILLED') return 'killed';
  return 'finished';
}

export interface MetricFile {
  points: MetricPoint[];
  warnings: string[];
}

/** `<timestamp> <value> <step>` per line (2 fields in legacy files: step 0). */
export function parseMetricFile(text: string, shown: string): MetricFile {
  const points: MetricPoint[] = [];
  const warnings: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    const ts = Number(f[0]);
    const value = parseMetricNumber(f[1] ?? '');
    const step = f.length >= 3 ? Number(f[2]) : 0;
    if (f.length < 2 || !Number.isFinite(ts) || value === undefined || !Number.isInteger(step)) {
      warnings.push(`${shown} line ${i + 1}: expected '<timestamp> <value> <step>', got '${line.slice(0, 80)}'`);
      continue;
    }
    points.push({ step, value, timestamp: ts });
  }
  return { points, warnings };
}

/** MLflow's "latest": largest (step, timestamp, value), NaN counting as 0 in the comparison. */
export function latestPoint(points: readonly MetricPoint[]): MetricPoint | undefined {
  let best: MetricPoint | undefined;
  const v = (p: MetricPoint): number => (Number.isNaN(p.value) ? 0 : p.value);
  for (const p of points) {
    if (!best || p.step > best.step || (p.step === best.step && ((p.timestamp ?? 0) > (best.timestamp ?? 0) || ((p.timestamp ?? 0) === (best.timestamp ?? 0) && v(p) >= v(best))))) best = p;
  }
  return best;
}

function parseMeta(text: string): Record<string, unknown> {
  // PyYAML writes these files (YAML 1.1).
  const v: unknown = parseYaml(text, { version: '1.1' });
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('meta.yaml is not a mapping');
  return v as Record<string, unknown>;
}

async function readKeyValues(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await listFilesDeep(dir)) {
    out[key] = await fs.readFile(path.join(dir, ...key.split('/')), 'utf8').catch(() => '');
  }
  return out;
}

export interface MlflowSourceOptions {
  root: string;
  /** `mlruns`, `../shared/mlruns`…: shown as the source label and used in run ids. */
  label: string;
  /** Prefix of run ids after `mlflow:` (empty for the workspace's own `mlruns/`). */
  idPrefix: string;
}

interface CachedRun {
  sig: string;
  metricSig: string;
  run: ExternalRun | null;
}

export class MlflowFileSource implements ExternalSource {
  readonly location: string;
  private readonly o: MlflowSourceOptions;
  private readonly cache = new Map<string, CachedRun>();
  private last: SourceScan = { runs: [], problems: [], changed: true };

  constructor(dir: string, o: MlflowSourceOptions) {
    this.location = dir;
    this.o = o;
  }

  async scan(): Promise<SourceScan> {
    const problems: SourceProblem[] = [];
    const problem = (message: string): void => {
      problems.push({ source: 'mlflow', location: this.o.label, message });
    };
    let entries;
    try {
      entries = await fs.readdir(this.location, { withFileTypes: true });
    } catch (e) {
      problem(`cannot read the MLflow store: ${(e as Error).message}`);
      this.cache.clear();
      this.last = { runs: [], problems, changed: true };
      return this.last;
    }
    const runDirs: Array<{ dir: string; expId: string; expName: string; expWarning?: string }> = [];
    for (const e of entries) {
      if (!e.isDirectory() || !/^\d+$/.test(e.name)) continue;
      const expDir = path.join(this.location, e.name);
      let expName = `experiment ${e.name}`;
      let expWarning: string | undefined;
      try {
        const meta = parseMeta(await fs.readFile(path.join(expDir, 'meta.yaml'), 'utf8'));
        if (meta['lifecycle_stage'] === 'deleted') continue;
        if (meta['name'] !== undefined && meta['name'] !== null) expName = String(meta['name']);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // artifacts of a SQL-backed store, not an experiment
        expWarning = `experiment ${e.name}: meta.yaml could not be read (${(err as Error).message.split('\n')[0]}); its runs are shown under '${expName}'`;
        problem(expWarning);
      }
      const runs = await fs.readdir(expDir, { withFileTypes: true }).catch(() => []);
      for (const r of runs) {
        if (r.isDirectory() && !RESERVED.has(r.name)) runDirs.push({ dir: path.join(expDir, r.name), expId: e.name, expName, ...(expWarning ? { expWarning } : {}) });
      }
    }
    let changed = false;
    const seen = new Set<string>();
    const runs = await mapLimit(runDirs, 16, async (rd) => {
      seen.add(rd.dir);
      const metaSig = await statSig(path.join(rd.dir, 'meta.yaml'));
      if (metaSig === '-') return null; // not a run
      const prev = this.cache.get(rd.dir);
      const sig = [rd.expName, rd.expWarning ?? '', metaSig, await statSig(path.join(rd.dir, 'metrics')), await statSig(path.join(rd.dir, 'params')),
        await statSig(path.join(rd.dir, 'tags'))].join('|');
      // A running run appends to metric files without touching any directory: stat those too.
      const metricSig = async (): Promise<string> =>
        (await Promise.all((await listFilesDeep(path.join(rd.dir, 'metrics'))).map((k) => statSig(path.join(rd.dir, 'metrics', k))))).join(',');
      if (prev && prev.sig === sig && (prev.run?.summary.status !== 'running' || prev.metricSig === (await metricSig()))) return prev.run;
      changed = true;
      // Taken before reading, so a point appended meanwhile shows up on the next scan.
      const before = await metricSig();
      const run = await this.readRun(rd.dir, rd.expId, rd.expName, rd.expWarning);
      this.cache.set(rd.dir, { sig, metricSig: run?.summary.status === 'running' ? before : '', run });
      return run;
    });
    for (const k of [...this.cache.keys()]) {
      if (!seen.has(k)) {
        this.cache.delete(k);
        changed = true;
      }
    }
    const problemsChanged = JSON.stringify(problems) !== JSON.stringify(this.last.problems);
    this.last = { runs: runs.filter((r): r is ExternalRun => r !== null), problems, changed: changed || problemsChanged };
    return this.last;
  }

  private async readRun(dir: string, expId: string, expName: string, expWarning: string | undefined): Promise<ExternalRun | null> {
    const runId = path.basename(dir);
    const warnings: string[] = expWarning ? [expWarning] : [];
    let meta: Record<string, unknown> = {};
    try {
      meta = parseMeta(await fs.readFile(path.join(dir, 'meta.yaml'), 'utf8'));
    } catch (e) {
      warnings.push(`meta.yaml could not be read (${(e as Error).message.split('\n')[0]}): status, name and times are unknown`);
    }
    if (meta['lifecycle_stage'] === 'deleted') return null;
    const tags = await readKeyValues(path.join(dir, 'tags'));
    const rawParams = await readKeyValues(path.join(dir, 'params'));
    const params: Record<string, ParamValue> = { ...rawParams };
    const metrics: Record<string, number> = {};
    const metricKeys = await listFilesDeep(path.join(dir, 'metrics'));
    for (const key of metricKeys) {
      const text = await fs.readFile(path.join(dir, 'metrics', ...key.split('/')), 'utf8').catch(() => '');
      const parsed = parseMetricFile(text, `metrics/${key}`);
      warnings.push(...parsed.warnings);
      const latest = latestPoint(parsed.points);
      if (latest) metrics[key] = latest.value;
    }
    const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
    const id = String(meta['run_id'] ?? meta['run_uuid'] ?? runId);
    const name = String(meta['run_name'] ?? meta['name'] ?? tags['mlflow.runName'] ?? id);
    const extra: Record<string, string> = { store: this.o.label, experimentId: expId, runId: id };
    if (typeof meta['artifact_uri'] === 'string') extra['artifactUri'] = meta['artifact_uri'];
    if (meta['user_id']) extra['user'] = String(meta['user_id']);
    const metricFiles = new Map(metricKeys.map((k) => [k, path.join(dir, 'metrics', ...k.split('/'))]));
    return {
      summary: {
        id: `mlflow:${this.o.idPrefix}${expId}/${id}`, source: 'mlflow', sourceLabel: `${this.o.label}/`, experiment: expName, name,
        status: Object.keys(meta).length ? mlflowRunStatus(meta['status']) : 'finished',
        startedAt: isoFromMillis(num(meta['start_time'])), endedAt: isoFromMillis(num(meta['end_time'])),
        gitCommit: tags['mlflow.source.git.commit'] ?? null, gitDirty: null,
        params, metrics, tags, inputs: [], outputs: [], readOnly: true, warnings,
      },
      extra,
      loadSeries: (keys) => readSeriesFiles(metricFiles, keys, (text, key) => parseMetricFile(text, key).points),
    };
  }
}

/** A folder is a file store when it holds `<digits>/meta.yaml` (MLflow ≥ 3.7's own test, formats.md B.1). */
export async function isMlflowFileStore(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory() && /^\d+$/.test(e.name) && (await statSig(path.join(dir, e.name, 'meta.yaml'))) !== '-') return true;
  }
  return false;
}
