/**
 * Where runs live besides our store: MLflow stores (MLFLOW_TRACKING_URI, `mlruns/`, `mlflow.db`
 * at the workspace root, and `experiments.mlflow` paths) and DVCLive folders (found by a shallow
 * walk of the workspace, stage outputs in dvc.yaml, and `experiments.dvclive` paths).
 */
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { SourceProblem } from './api.ts';
import { isDvcLiveDir } from './dvclive.ts';
import { isMlflowFileStore } from './mlflowFiles.ts';
import type { ExperimentSettings } from './settings.ts';
import { resolveStorePath } from './settings.ts';

export interface MlflowLocation {
  path: string;
  kind: 'files' | 'sqlite';
  /** Workspace-relative (or absolute when outside) POSIX path. */
  label: string;
  /** After `mlflow:` in run ids: empty for the workspace's own `mlruns/`, else `<label>:`. */
  idPrefix: string;
}

export interface Locations {
  mlflow: MlflowLocation[];
  dvclive: string[];
  problems: SourceProblem[];
}

const SKIP_DIRS = new Set(['node_modules', 'mlruns', 'mlartifacts', '__pycache__', 'venv', 'env', 'site-packages', 'dist', 'build', 'out']);
const WALK_DEPTH = 3;
const WALK_BUDGET = 2000;

export function labelOf(root: string, p: string): string {
  const rel = path.relative(root, p);
  if (!rel) return '.';
  return (path.isAbsolute(rel) ? p : rel).split(path.sep).join('/');
}

/** MLFLOW_TRACKING_URI (or the legacy MLFLOW_TRACKING_DIR) when it names a local store. */
function envStore(root: string, env: NodeJS.ProcessEnv): string | undefined {
  const uri = env['MLFLOW_TRACKING_URI'] ?? env['MLFLOW_TRACKING_DIR'];
  if (!uri) return undefined;
  if (/^(https?|databricks|postgresql|mysql|mssql)[:+]/i.test(uri)) return undefined; // a server: not read here
  return resolveStorePath(root, uri);
}

async function walkForDvcLive(root: string): Promise<string[]> {
  const found: string[] = [];
  let budget = WALK_BUDGET;
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (budget-- <= 0) return;
    if (isDvcLiveDir(dir)) {
      found.push(dir);
      return;
    }
    if (depth >= WALK_DEPTH) return;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) await visit(path.join(dir, e.name), depth + 1);
    }
  };
  await visit(root, 0);
  return found;
}

/** DVCLive folders named by stage outputs in the root dvc.yaml (`…/metrics.json`, `…/plots/metrics`). */
function declaredDvcLive(root: string): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path.join(root, 'dvc.yaml'), 'utf8'));
  } catch {
    return [];
  }
  const stages = (doc as { stages?: unknown } | null)?.stages;
  if (!stages || typeof stages !== 'object') return [];
  const out = new Set<string>();
  for (const stage of Object.values(stages as Record<string, unknown>)) {
    if (!stage || typeof stage !== 'object') continue;
    for (const kind of ['outs', 'metrics', 'plots']) {
      const list = (stage as Record<string, unknown>)[kind];
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        const p = typeof item === 'string' ? item : item && typeof item === 'object' ? Object.keys(item)[0] : undefined;
        if (!p || p.includes('${')) continue;
        const wdir = typeof (stage as Record<string, unknown>)['wdir'] === 'string' ? String((stage as Record<string, unknown>)['wdir']) : '.';
        const abs = path.resolve(root, wdir, p);
        const dir = path.basename(abs) === 'metrics.json' ? path.dirname(abs)
          : abs.endsWith(`${path.sep}plots${path.sep}metrics`) ? path.dirname(path.dirname(abs)) : undefined;
        if (dir && isDvcLiveDir(dir)) out.add(dir);
      }
    }
  }
  return [...out];
}

export async function locateSources(root: string, settings: ExperimentSettings, env: NodeJS.ProcessEnv): Promise<Locations> {
  const problems: SourceProblem[] = [];
  const mlflow = new Map<string, MlflowLocation>();
  const addMlflow = (p: string, kind: MlflowLocation['kind']): void => {
    if (mlflow.has(p)) return;
    const label = labelOf(root, p);
    const own = kind === 'files' && path.resolve(p) === path.resolve(root, 'mlruns');
    mlflow.set(p, { path: p, kind, label, idPrefix: own ? '' : `${label}:` });
  };
  const candidates: Array<{ p: string; configured: boolean }> = [];
  if (settings.discover) {
    const fromEnv = envStore(root, env);
    if (fromEnv) candidates.push({ p: fromEnv, configured: false });
    candidates.push({ p: path.join(root, 'mlruns'), configured: false }, { p: path.join(root, 'mlflow.db'), configured: false });
  }
  for (const p of settings.mlflow) candidates.push({ p, configured: true });
  for (const { p, configured } of candidates) {
    let st;
    try {
      st = await fs.stat(p);
    } catch {
      if (configured) problems.push({ source: 'mlflow', location: labelOf(root, p), message: `experiments.mlflow names ${labelOf(root, p)}, which does not exist` });
      continue;
    }
    if (st.isDirectory()) {
      // A discovered mlruns/ holding only artifacts of a SQLite-backed store is not a file store (MLflow ≥ 3.7).
      if (configured || (await isMlflowFileStore(p))) addMlflow(p, 'files');
    } else if (st.isFile()) addMlflow(p, 'sqlite');
  }

  const dvclive = new Set<string>();
  if (settings.discover) {
    for (const d of await walkForDvcLive(root)) dvclive.add(d);
    for (const d of declaredDvcLive(root)) dvclive.add(d);
  }
  for (const d of settings.dvclive) {
    if (!existsSync(d)) problems.push({ source: 'dvclive', location: labelOf(root, d), message: `experiments.dvclive names ${labelOf(root, d)}, which does not exist` });
    else if (!isDvcLiveDir(d)) problems.push({ source: 'dvclive', location: labelOf(root, d), message: `${labelOf(root, d)} is not a DVCLive folder (it needs metrics.json and plots/metrics/)` });
    else dvclive.add(d);
  }
  return { mlflow: [...mlflow.values()], dvclive: [...dvclive], problems };
}
