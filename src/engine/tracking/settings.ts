/**
 * The `experiments:` section of mlops.yaml:
 *
 *   experiments:
 *     name: churn                  # experiment of pipeline runs (default: the workspace folder name)
 *     mlflow: [mlruns, ../shared/mlflow.db]   # MLflow stores read in place (folders = file stores, files = SQLite)
 *     dvclive: [reports/live]      # extra DVCLive folders
 *     discover: true               # also find mlruns/, mlflow.db and DVCLive folders by themselves
 *
 * Mistakes are reported with the file and line and the bad key is ignored; the rest still applies.
 */
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import type { WorkspaceConfig } from '../config/config.ts';

export interface ExperimentSettings {
  /** Experiment name for our pipeline runs. */
  name: string;
  /** Absolute paths of MLflow stores named in the config. */
  mlflow: string[];
  /** Absolute paths of DVCLive folders named in the config. */
  dvclive: string[];
  discover: boolean;
  /** Findings with file and line (unknown keys, wrong types). */
  problems: MlopsError[];
}

const KEYS = ['name', 'mlflow', 'dvclive', 'discover'] as const;

/** `sqlite:///abs/or/rel/mlflow.db`, `file:///…/mlruns`, or a plain path, relative to the workspace root. */
export function resolveStorePath(root: string, value: string): string {
  let p = value.trim();
  if (p.startsWith('sqlite:///')) p = p.slice('sqlite:///'.length);
  else if (p.startsWith('file://')) {
    try {
      p = decodeURIComponent(new URL(p).pathname);
    } catch {
      p = p.slice('file://'.length);
    }
  }
  if (p.startsWith('~/') && process.env['HOME']) p = path.join(process.env['HOME'], p.slice(2));
  return path.resolve(root, p);
}

export function experimentSettings(root: string, config: WorkspaceConfig | undefined): ExperimentSettings {
  const out: ExperimentSettings = { name: defaultExperimentName(root), mlflow: [], dvclive: [], discover: true, problems: [] };
  const raw = config?.sections.experiments;
  if (raw === undefined || raw === null) return out;
  const file = config?.source?.file ?? path.join(root, 'mlops.yaml');
  const line = (keyPath: Array<string | number>): number | undefined => config?.source?.lineOf(['experiments', ...keyPath]);
  const problem = (keyPath: Array<string | number>, message: string, hint: string): void => {
    out.problems.push(new MlopsError('config', message, { location: { file, line: line(keyPath) }, hint }));
  };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problem([], "'experiments' must be a mapping with name, mlflow, dvclive or discover", 'Example:\nexperiments:\n  name: churn\n  mlflow: [mlruns]');
    return out;
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(KEYS as readonly string[]).includes(key)) problem([key], `Unknown key 'experiments.${key}' in mlops.yaml.`, `Known keys: ${KEYS.join(', ')}.`);
  }
  if (obj['name'] !== undefined && obj['name'] !== null) {
    if (typeof obj['name'] === 'string' && obj['name'].trim()) out.name = obj['name'].trim();
    else problem(['name'], `'experiments.name' must be a non-empty string, got ${JSON.stringify(obj['name'])}.`, 'Example: name: churn');
  }
  for (const key of ['mlflow', 'dvclive'] as const) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list)) {
      problem([key], `'experiments.${key}' must be a path or a list of paths.`, key === 'mlflow' ? 'Example: mlflow: [mlruns, mlflow.db]' : 'Example: dvclive: [dvclive]');
      continue;
    }
    list.forEach((item, i) => {
      if (typeof item !== 'string' || !item.trim()) {
        problem(typeof v === 'string' ? [key] : [key, i], `'experiments.${key}' entries must be non-empty paths, got ${JSON.stringify(item)}.`, 'Use a path relative to the workspace root.');
        return;
      }
      out[key].push(resolveStorePath(root, item));
    });
  }
  if (obj['discover'] !== undefined && obj['discover'] !== null) {
    if (typeof obj['discover'] === 'boolean') out.discover = obj['discover'];
    else problem(['discover'], `'experiments.discover' must be true or false, got ${JSON.stringify(obj['discover'])}.`, 'Example: discover: false');
  }
  return out;
}

export function defaultExperimentName(root: string): string {
  return path.basename(path.resolve(root)) || 'default';
}
