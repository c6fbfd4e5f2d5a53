/**
 * DVCLive folders (formats.md A.11), read in place and never written:
 *   <dir>/metrics.json            latest value of every metric ("train/loss" nested as train.loss)
 *   <dir>/params.yaml             logged params
 *   <dir>/plots/metrics/**\/*.tsv  one series per metric: [timestamp\t]step\t<name>
 * Each folder is one run, `dvclive:<folder>`. Series keys use dots like metrics.json does, so
 * `plots/metrics/train/loss.tsv` and `{"train": {"loss": …}}` are both `train.loss`.
 */
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { MetricPoint, ParamValue, RunStatus } from './api.ts';
import type { ExternalRun, ExternalSource, SourceScan } from './external.ts';
import { listFilesDeep, readSeriesFiles, statSig } from './external.ts';
import { readMetricsFile, readParamsFileFlat } from './files.ts';
import { isoFromMillis, parseMetricNumber } from './values.ts';

export interface TsvSeries {
  points: MetricPoint[];
  warnings: string[];
}

/** One DVCLive metric TSV; bad rows become warnings naming their line. */
export function parseMetricTsv(text: string, shown: string): TsvSeries {
  const lines = text.split(/\r?\n/);
  const warnings: string[] = [];
  const header = (lines[0] ?? '').split('\t');
  const stepCol = header.indexOf('step');
  const tsCol = header.indexOf('timestamp');
  const valueCol = header.length - 1;
  if (stepCol < 0 || valueCol <= stepCol) {
    return { points: [], warnings: [`${shown}: the header must be [timestamp<TAB>]step<TAB><name>, got '${lines[0] ?? ''}'`] };
  }
  const points: MetricPoint[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split('\t');
    const step = Number(cells[stepCol]);
    const value = parseMetricNumber(cells[valueCol] ?? '');
    if (!Number.isInteger(step) || value === undefined) {
      warnings.push(`${shown} line ${i + 1}: expected a step and a number, got '${line.slice(0, 80)}'`);
      continue;
    }
    const ts = tsCol >= 0 ? Number(cells[tsCol]) : NaN;
    points.push({ step, value, timestamp: Number.isFinite(ts) ? ts : null });
  }
  return { points, warnings };
}

function seriesKey(rel: string): string {
  return rel.replace(/\.tsv$/i, '').split('/').join('.');
}

/** Whether `dir` looks like DVCLive output: metrics.json beside plots/metrics/. */
export function isDvcLiveDir(dir: string): boolean {
  return existsSync(path.join(dir, 'metrics.json')) && existsSync(path.join(dir, 'plots', 'metrics'));
}

export interface DvcLiveOptions {
  root: string;
  experiment: string;
  /** True while `.dvc/tmp/exps/run/DVCLIVE_ONLY` names a live process. */
  running?: () => boolean;
}

export class DvcLiveSource implements ExternalSource {
  readonly location: string;
  private readonly o: DvcLiveOptions;
  private sig = '';
  private last: SourceScan = { runs: [], problems: [], changed: true };

  constructor(dir: string, o: DvcLiveOptions) {
    this.location = dir;
    this.o = o;
  }

  private rel(): string {
    return path.relative(this.o.root, this.location).split(path.sep).join('/') || '.';
  }

  async scan(): Promise<SourceScan> {
    const dir = this.location;
    const tsvs = await listFilesDeep(path.join(dir, 'plots', 'metrics'));
    const parts = await Promise.all([
      statSig(path.join(dir, 'metrics.json')), statSig(path.join(dir, 'params.yaml')),
      ...tsvs.map((t) => statSig(path.join(dir, 'plots', 'metrics', t))),
    ]);
    const running = this.o.running?.() ?? false;
    const sig = `${this.o.experiment}|${running}|${tsvs.join(',')}|${parts.join(',')}`;
    if (sig === this.sig) return { ...this.last, changed: false };
    this.sig = sig;
    this.last = { runs: [await this.read(tsvs.filter((t) => t.toLowerCase().endsWith('.tsv')), running)], problems: [], changed: true };
    return this.last;
  }

  private async read(tsvs: string[], running: boolean): Promise<ExternalRun> {
    const dir = this.location;
    const rel = this.rel();
    const warnings: string[] = [];
    let params: Record<string, ParamValue> = {};
    let metrics: Record<string, number> = {};
    const paramsFile = path.join(dir, 'params.yaml');
    if (existsSync(paramsFile)) {
      try {
        params = readParamsFileFlat(paramsFile);
      } catch (e) {
        warnings.push(`${rel}/params.yaml: ${(e as Error).message}`);
      }
    }
    try {
      metrics = readMetricsFile(path.join(dir, 'metrics.json'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') warnings.push(`${rel}/metrics.json: ${(e as Error).message}`);
    }
    // metrics.json is the summary; a series without a summary value still shows its last point.
    let firstTs: number | null = null;
    const seriesFiles = new Map(tsvs.map((t) => [seriesKey(t), t]));
    const seriesPaths = new Map([...seriesFiles].map(([k, t]) => [k, path.join(dir, 'plots', 'metrics', t)]));
    for (const [key, t] of seriesFiles) {
      const text = await fs.readFile(path.join(dir, 'plots', 'metrics', t), 'utf8').catch(() => '');
      const s = parseMetricTsv(text, `${rel}/plots/metrics/${t}`);
      warnings.push(...s.warnings);
      const lastPoint = s.points.reduce<MetricPoint | undefined>((a, p) => (!a || p.step >= a.step ? p : a), undefined);
      if (lastPoint && !(key in metrics)) metrics[key] = lastPoint.value;
      for (const p of s.points) if (p.timestamp !== null && (firstTs === null || p.timestamp < firstTs)) firstTs = p.timestamp;
    }
    const st = await fs.stat(path.join(dir, 'metrics.json')).catch(() => undefined);
    const status: RunStatus = running ? 'running' : 'finished';
    const extra: Record<string, string> = { folder: rel };
    // DVCLive writes the step it is at into the summary as `step`: where the run is, not a metric
    // (unless something logged a series of that name).
    if (typeof metrics['step'] === 'number' && !seriesFiles.has('step')) {
      extra['step'] = String(metrics['step']);
      delete metrics['step'];
    }
    return {
      summary: {
        id: `dvclive:${rel}`, source: 'dvclive', sourceLabel: `${rel}/`, experiment: this.o.experiment, name: rel,
        status, startedAt: isoFromMillis(firstTs), endedAt: running ? null : isoFromMillis(st?.mtimeMs ?? null),
        gitCommit: null, gitDirty: null, params, metrics, tags: {}, inputs: [], outputs: [], readOnly: true, warnings,
      },
      extra,
      loadSeries: (keys) => readSeriesFiles(seriesPaths, keys, (text, key) => parseMetricTsv(text, key).points),
    };
  }
}

/** PID in `.dvc/tmp/exps/run/DVCLIVE_ONLY` is alive: a DVCLive run outside `dvc exp run` is logging. */
export function dvcLiveSignalRunning(repoRoot: string): boolean {
  try {
    const sig = JSON.parse(readFileSync(path.join(repoRoot, '.dvc', 'tmp', 'exps', 'run', 'DVCLIVE_ONLY'), 'utf8')) as { pid?: unknown };
    if (typeof sig.pid !== 'number') return false;
    process.kill(sig.pid, 0);
    return true;
  } catch {
    return false;
  }
}
