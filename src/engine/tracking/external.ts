/** What the read-only sources (DVCLive folders, MLflow stores) hand to the tracking service. */
import { promises as fs, readFileSync } from 'node:fs';
import type { MetricPoint, RunSummary, SourceProblem } from './api.ts';

export interface ExternalRun {
  summary: RunSummary;
  extra: Record<string, string>;
  /** Step series, read on demand (they can be large); synchronous because getRun is. */
  loadSeries(keys?: readonly string[]): Record<string, MetricPoint[]>;
}

export interface SourceScan {
  runs: ExternalRun[];
  problems: SourceProblem[];
  /** False when the files had not changed and the previous result was returned. */
  changed: boolean;
}

export interface ExternalSource {
  /** Absolute location, also the cache key. */
  readonly location: string;
  scan(): Promise<SourceScan>;
  close?(): void;
}

/** `mtimeMs:size` of a path, or '-' when it does not exist: the pieces of change signatures. */
export async function statSig(p: string): Promise<string> {
  try {
    const st = await fs.stat(p);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return '-';
  }
}

/** Run `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Files under `dir`, recursively, as POSIX paths relative to it (MLflow keys with `/` are nested files). */
export async function listFilesDeep(dir: string, rel = ''): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(rel ? `${dir}/${rel}` : dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFilesDeep(dir, r)));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/**
 * Series read on demand, one file per metric key (DVCLive TSVs, MLflow metric files), ordered by
 * step then timestamp; a file that vanished since the scan is skipped.
 */
export function readSeriesFiles(files: ReadonlyMap<string, string>, keys: readonly string[] | undefined, parse: (text: string, key: string) => MetricPoint[]): Record<string, MetricPoint[]> {
  const out: Record<string, MetricPoint[]> = {};
  for (const [key, file] of files) {
    if (keys && !keys.includes(key)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const pts = parse(text, key);
    if (pts.length) out[key] = pts.sort((a, b) => a.step - b.step || (a.timestamp ?? 0) - (b.timestamp ?? 0));
  }
  return out;
}
