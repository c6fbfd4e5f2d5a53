/** Reading our registry tables (migration 6) into the contract's shapes. */
import type { Database } from '../store/store.ts';
import type { ModelDetail, ModelLineage, ModelVersion, MlmodelInfo, Stage } from './api.ts';

interface ModelRow {
  name: string;
  description: string;
  tags: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  next_version: number;
}

interface VersionRow {
  model: string;
  version: number;
  artifact_path: string;
  kind: 'file' | 'dir';
  hash: string;
  size: number;
  nfiles: number | null;
  stage: Stage;
  description: string;
  tags: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  run_id: string | null;
  lineage: string;
  mlmodel: string | null;
}

const EMPTY_LINEAGE: ModelLineage = { runId: null, run: null, gitCommit: null, gitDirty: null, data: [], metrics: {}, params: {} };

function json<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Metrics are stored JSON-safe ("NaN", "Infinity"); give numbers back. */
function numbers(rec: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(rec ?? {})) out[k] = typeof v === 'number' ? v : Number(v);
  return out;
}

function toVersion(r: VersionRow, aliases: string[]): ModelVersion {
  const lineage = { ...EMPTY_LINEAGE, ...json<Partial<ModelLineage>>(r.lineage, {}) };
  lineage.metrics = numbers(lineage.metrics as Record<string, unknown>);
  return {
    model: r.model, version: r.version, source: 'mlops', artifactPath: r.artifact_path, kind: r.kind, hash: r.hash, size: r.size, nfiles: r.nfiles,
    createdAt: r.created_at, createdBy: r.created_by, updatedAt: r.updated_at, description: r.description, tags: json(r.tags, {}),
    stage: r.stage, aliases, lineage, mlmodel: json<MlmodelInfo | null>(r.mlmodel, null), readOnly: false,
  };
}

function aliasesOf(db: Database, model: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const a of db.prepare('SELECT alias, version FROM model_aliases WHERE model = ? ORDER BY alias').all(model) as Array<{ alias: string; version: number }>) {
    (out.get(a.version) ?? out.set(a.version, []).get(a.version)!).push(a.alias);
  }
  return out;
}

export function modelNames(db: Database): string[] {
  return db.prepare('SELECT name FROM registered_models ORDER BY name').pluck().all() as string[];
}

export function loadModel(db: Database, name: string): ModelDetail | undefined {
  const m = db.prepare('SELECT name, description, tags, created_at, created_by, updated_at, next_version FROM registered_models WHERE name = ?').get(name) as ModelRow | undefined;
  if (!m) return undefined;
  const aliases = aliasesOf(db, name);
  const versions = (db.prepare('SELECT * FROM model_versions WHERE model = ? ORDER BY version DESC').all(name) as VersionRow[]).map((r) => toVersion(r, aliases.get(r.version) ?? []));
  const aliasMap: Record<string, number> = {};
  for (const [v, list] of aliases) for (const a of list) aliasMap[a] = v;
  const stages: ModelDetail['stages'] = {};
  for (const v of [...versions].reverse()) (stages[v.stage] ??= []).push(v.version);
  return {
    id: m.name, name: m.name, source: 'mlops', sourceLabel: 'registry', description: m.description, tags: json(m.tags, {}),
    createdAt: m.created_at, updatedAt: m.updated_at, latestVersion: m.next_version > 1 ? m.next_version - 1 : null,
    versionCount: versions.length, aliases: aliasMap, stages, readOnly: false, versions,
  };
}

export function loadVersion(db: Database, model: string, version: number): ModelVersion | undefined {
  const r = db.prepare('SELECT * FROM model_versions WHERE model = ? AND version = ?').get(model, version) as VersionRow | undefined;
  if (!r) return undefined;
  return toVersion(r, aliasesOf(db, model).get(version) ?? []);
}

export function aliasHolder(db: Database, model: string, alias: string): number | null {
  const r = db.prepare('SELECT version FROM model_aliases WHERE model = ? AND alias = ?').get(model, alias) as { version: number } | undefined;
  return r?.version ?? null;
}

/** Who set an alias or moved a version last: the newest applied audit entry about it, for race messages. */
export function lastChange(db: Database, model: string, version: number | null, action: string): { actor: string; at: string; origin: string; seq: number } | undefined {
  return db.prepare(`SELECT actor, at, origin, seq FROM registry_audit WHERE model = ? AND (? IS NULL OR version = ?) AND action = ? AND outcome = 'applied' ORDER BY seq DESC LIMIT 1`)
    .get(model, version, version, action) as { actor: string; at: string; origin: string; seq: number } | undefined;
}
