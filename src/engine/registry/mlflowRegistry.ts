/**
 * The MLflow model registry of an `mlflow.db` (formats.md B.7), shown read-only beside ours.
 * Columns are detected, not assumed (the 3.10 `workspace` column, pre-alias schemas), deleted
 * versions (`Deleted_Internal`) are hidden, and a locked, corrupt or unfamiliar file becomes a
 * problem for that file while everything else keeps working.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { loadSqlite } from '../store/native.ts';
import type { ModelDetail, ModelVersion, RegistryProblem, Stage } from './api.ts';

type Db = BetterSqlite3.Database;

const STAGE_MAP: Record<string, Stage> = { none: 'None', staging: 'Staging', production: 'Production', archived: 'Archived' };

function iso(ms: unknown): string {
  const n = typeof ms === 'bigint' ? Number(ms) : typeof ms === 'number' ? ms : NaN;
  return Number.isFinite(n) ? new Date(n).toISOString() : '';
}

function columns(db: Db, table: string): Set<string> {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

/** mlflow.db files to read: configured ones, MLFLOW_TRACKING_URI (sqlite:///), else ./mlflow.db. */
export function mlflowDbCandidates(root: string, configured: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>();
  for (const c of configured) out.add(path.resolve(root, c));
  const uri = env.MLFLOW_TRACKING_URI;
  if (uri?.startsWith('sqlite:///')) out.add(path.resolve(root, uri.slice('sqlite:///'.length)));
  if (out.size === 0 && existsSync(path.join(root, 'mlflow.db'))) out.add(path.join(root, 'mlflow.db'));
  return [...out];
}

export interface MlflowRegistryRead {
  models: ModelDetail[];
  problems: RegistryProblem[];
}

export function readMlflowRegistry(file: string, label: string): MlflowRegistryRead {
  const problems: RegistryProblem[] = [];
  if (!existsSync(file)) {
    return { models: [], problems: [{ source: 'mlflow', location: file, message: `${label} does not exist` }] };
  }
  let db: Db | undefined;
  try {
    const Database = loadSqlite();
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    return { models: readModels(db, label), problems };
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    const locked = /SQLITE_BUSY|locked/i.test(msg);
    problems.push({
      source: 'mlflow', location: file,
      message: locked ? `${label} is locked by another process (an MLflow server or script is writing); try again later` : `${label} could not be read as an MLflow registry: ${msg}`,
    });
    return { models: [], problems };
  } finally {
    db?.close();
  }
}

function readModels(db: Db, label: string): ModelDetail[] {
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
  if (!tables.has('registered_models') || !tables.has('model_versions')) return [];
  const rmCols = columns(db, 'registered_models');
  const mvCols = columns(db, 'model_versions');
  for (const need of ['name']) if (!rmCols.has(need)) throw new Error(`registered_models has no '${need}' column (unfamiliar schema)`);
  for (const need of ['name', 'version', 'current_stage']) if (!mvCols.has(need)) throw new Error(`model_versions has no '${need}' column (unfamiliar schema)`);
  // MLflow 3.10+ keys everything by workspace; only the default workspace is the local registry.
  const ws = (cols: Set<string>): string => (cols.has('workspace') ? " AND workspace = 'default'" : '');
  const col = (cols: Set<string>, name: string): string => (cols.has(name) ? name : `NULL AS ${name}`);

  const models = db.prepare(`SELECT name, ${col(rmCols, 'creation_time')}, ${col(rmCols, 'last_updated_time')}, ${col(rmCols, 'description')} FROM registered_models WHERE 1=1${ws(rmCols)} ORDER BY name`)
    .all() as Array<{ name: string; creation_time: unknown; last_updated_time: unknown; description: string | null }>;
  const tagRows = (table: string): Array<Record<string, unknown>> => {
    if (!tables.has(table)) return [];
    return db.prepare(`SELECT * FROM ${table} WHERE 1=1${ws(columns(db, table))}`).all() as Array<Record<string, unknown>>;
  };
  const modelTags = tagRows('registered_model_tags');
  const versionTags = tagRows('model_version_tags');
  const aliases = tagRows('registered_model_aliases');
  const versions = db.prepare(`SELECT name, version, current_stage, ${['creation_time', 'last_updated_time', 'description', 'user_id', 'source', 'run_id', 'status'].map((c) => col(mvCols, c)).join(', ')}
      FROM model_versions WHERE current_stage IS NOT 'Deleted_Internal'${ws(mvCols)} ORDER BY name, version DESC`)
    .all() as Array<{ name: string; version: number; current_stage: string | null; creation_time: unknown; last_updated_time: unknown; description: string | null; user_id: string | null; source: string | null; run_id: string | null; status: string | null }>;

  const runInfo = runSnapshots(db, tables, [...new Set(versions.map((v) => v.run_id).filter((r): r is string => !!r))]);

  return models.map((m) => {
    const tags: Record<string, string> = {};
    for (const t of modelTags) if (t.name === m.name) tags[String(t.key)] = String(t.value ?? '');
    const aliasMap: Record<string, number> = {};
    for (const a of aliases) if (a.name === m.name) aliasMap[String(a.alias)] = Number(a.version);
    const mine = versions.filter((v) => v.name === m.name);
    const mv: ModelVersion[] = mine.map((v) => {
      const vt: Record<string, string> = {};
      for (const t of versionTags) if (t.name === m.name && Number(t.version) === v.version) vt[String(t.key)] = String(t.value ?? '');
      const run = v.run_id ? runInfo.get(v.run_id) : undefined;
      return {
        model: m.name, version: Number(v.version), source: 'mlflow', artifactPath: v.source ?? '', kind: 'dir', hash: '', size: 0, nfiles: null,
        createdAt: iso(v.creation_time), createdBy: v.user_id ?? '', updatedAt: iso(v.last_updated_time), description: v.description ?? '', tags: vt,
        stage: STAGE_MAP[(v.current_stage ?? 'None').toLowerCase()] ?? 'None',
        aliases: Object.entries(aliasMap).filter(([, n]) => n === Number(v.version)).map(([a]) => a).sort(),
        lineage: {
          runId: v.run_id ? (run ? `mlflow:${run.experiment}/${v.run_id}` : `mlflow:${v.run_id}`) : null,
          run: run ? { name: run.name, experiment: run.experiment, status: run.status, startedAt: run.startedAt, endedAt: run.endedAt } : null,
          gitCommit: run?.commit ?? null, gitDirty: null, data: [], metrics: run?.metrics ?? {}, params: run?.params ?? {},
        },
        mlmodel: null, sourceUri: v.source, readOnly: true,
      };
    });
    const stages: ModelDetail['stages'] = {};
    for (const v of [...mv].sort((a, b) => a.version - b.version)) (stages[v.stage] ??= []).push(v.version);
    return {
      id: `mlflow:${m.name}`, name: m.name, source: 'mlflow', sourceLabel: label, description: m.description ?? '', tags,
      createdAt: iso(m.creation_time), updatedAt: iso(m.last_updated_time),
      latestVersion: mv.length ? Math.max(...mv.map((v) => v.version)) : null, versionCount: mv.length, aliases: aliasMap, stages, readOnly: true, versions: mv,
    };
  });
}

interface RunSnapshot {
  name: string;
  experiment: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  commit: string | null;
  metrics: Record<string, number>;
  params: Record<string, string>;
}

/** What the versions' runs recorded (latest metrics, params, git commit tag), when the tables exist. */
function runSnapshots(db: Db, tables: Set<string>, runIds: string[]): Map<string, RunSnapshot> {
  const out = new Map<string, RunSnapshot>();
  if (!tables.has('runs') || runIds.length === 0) return out;
  const rc = columns(db, 'runs');
  if (!rc.has('run_uuid')) return out;
  const sel = ['name', 'experiment_id', 'status', 'start_time', 'end_time'].map((c) => (rc.has(c) ? c : `NULL AS ${c}`)).join(', ');
  const runStmt = db.prepare(`SELECT run_uuid, ${sel} FROM runs WHERE run_uuid = ?`);
  const metricStmt = tables.has('latest_metrics') ? db.prepare('SELECT key, value, is_nan FROM latest_metrics WHERE run_uuid = ?') : undefined;
  const paramStmt = tables.has('params') ? db.prepare('SELECT key, value FROM params WHERE run_uuid = ?') : undefined;
  const tagStmt = tables.has('tags') ? db.prepare("SELECT value FROM tags WHERE run_uuid = ? AND key = 'mlflow.source.git.commit'") : undefined;
  for (const id of runIds) {
    const r = runStmt.get(id) as { name: string | null; experiment_id: unknown; status: string | null; start_time: unknown; end_time: unknown } | undefined;
    if (!r) continue;
    const metrics: Record<string, number> = {};
    for (const m of (metricStmt?.all(id) ?? []) as Array<{ key: string; value: number; is_nan: number }>) {
      metrics[m.key] = m.is_nan ? NaN : m.value >= 1.7976931348623157e308 ? Infinity : m.value <= -1.7976931348623157e308 ? -Infinity : m.value;
    }
    const params: Record<string, string> = {};
    for (const p of (paramStmt?.all(id) ?? []) as Array<{ key: string; value: string }>) params[p.key] = p.value;
    const commit = (tagStmt?.get(id) as { value: string } | undefined)?.value ?? null;
    out.set(id, {
      name: r.name ?? id, experiment: String(r.experiment_id ?? ''), status: (r.status ?? '').toLowerCase(),
      startedAt: r.start_time == null ? null : iso(r.start_time), endedAt: r.end_time == null ? null : iso(r.end_time), commit, metrics, params,
    });
  }
  return out;
}
