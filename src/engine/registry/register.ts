/**
 * Registering a version, in two halves: the slow part outside any transaction (hash and copy the
 * artifact into the cache, look up lineage, read an MLmodel), then one short write transaction
 * that takes the next version number and appends the audit entry.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MlopsError } from '../errors.ts';
import type { Database } from '../store/store.ts';
import type { TrackingService } from '../tracking/api.ts';
import { ingestDir, ingestFile } from '../versioning/ingest.ts';
import { resolveTarget } from '../versioning/layout.ts';
import type { Versioning } from '../versioning/versioning.ts';
import type { MlmodelInfo, ModelLineage, RegisterRequest } from './api.ts';
import { appendAudit, type AuditDraft } from './audit.ts';
import { jsonSafe } from './canonical.ts';
import { buildLineage } from './lineage.ts';
import { readMlmodel } from './mlmodel.ts';

export interface PreparedVersion {
  rel: string;
  kind: 'file' | 'dir';
  hash: string;
  size: number;
  nfiles: number | null;
  lineage: ModelLineage;
  mlmodel: MlmodelInfo | null;
  description: string;
  tags: Record<string, string>;
  notes: string[];
}

/** Description and tags a dvc.yaml `artifacts:` entry gives the path (DVC's own model registry metadata). */
function dvcArtifactDefaults(root: string, rel: string): { description?: string; tags: Record<string, string> } {
  try {
    const doc = parseYaml(readFileSync(path.join(root, 'dvc.yaml'), 'utf8'), { maxAliasCount: 100 }) as { artifacts?: Record<string, { path?: string; type?: string; desc?: string; labels?: string[] }> };
    for (const [name, a] of Object.entries(doc?.artifacts ?? {})) {
      if (a?.path && path.posix.normalize(a.path) === rel) {
        const tags: Record<string, string> = { 'dvc.artifact': name };
        if (a.type) tags['dvc.type'] = String(a.type);
        if (Array.isArray(a.labels) && a.labels.length) tags['dvc.labels'] = a.labels.map(String).join(',');
        return { ...(a.desc ? { description: String(a.desc) } : {}), tags };
      }
    }
  } catch { /* no or unreadable dvc.yaml: no defaults */ }
  return { tags: {} };
}

export async function prepareVersion(
  ctx: { root: string; db: Database; versioning: Versioning; tracking: TrackingService | undefined; origin: string },
  request: RegisterRequest,
): Promise<PreparedVersion> {
  const v = ctx.versioning;
  const { abs, rel } = resolveTarget(ctx.root, request.path);
  const st = await fs.stat(abs).catch(() => undefined);
  if (!st || !(st.isFile() || st.isDirectory())) {
    throw new MlopsError('not-found', `nothing to register at ${rel}`, { location: { file: abs }, hint: 'give the model file or folder, e.g. models/model.json' });
  }
  const kind = st.isDirectory() ? 'dir' : 'file';
  // Into the cache (so the version can always be restored) and the versioning history (so gc keeps it).
  let content: { oid: string; algorithm: 'md5'; size: number; nfiles?: number };
  if (kind === 'dir') {
    const info = await ingestDir(v.cache, abs, v.state, request.signal);
    content = { oid: info.oid, algorithm: 'md5', size: info.size, nfiles: info.nfiles };
  } else {
    const known = v.state.get(abs, st);
    const r = await ingestFile(v.cache, abs, { knownOid: known, ...(request.signal ? { signal: request.signal } : {}) });
    if (known === undefined && r.stats) v.state.set(abs, r.stats, r.oid);
    content = { oid: r.oid, algorithm: 'md5', size: r.size };
  }
  v.state.flush();
  await v.recordVersion(rel, content, ctx.origin === 'cli' ? 'cli' : 'command');
  const head = await v.git.head();
  const { lineage, notes } = await buildLineage({ db: ctx.db, tracking: ctx.tracking, path: rel, hash: content.oid, runId: request.runId, head, root: ctx.root });
  if (lineage.gitDirty) notes.push('the working tree had uncommitted changes; the commit alone does not reproduce this version');
  const mlmodel = await readMlmodel(ctx.root, rel, kind).catch(() => null);
  const defaults = dvcArtifactDefaults(ctx.root, rel);
  return {
    rel, kind, hash: content.oid, size: content.size, nfiles: content.nfiles ?? null, lineage, mlmodel, notes,
    description: request.description ?? defaults.description ?? '', tags: { ...defaults.tags, ...(request.tags ?? {}) },
  };
}

/** Runs inside `store.write`: the next number (never reused), the row, the audit entry. */
export function insertVersion(db: Database, model: string, p: PreparedVersion, draft: AuditDraft): { version: number; createdModel: boolean; auditSeq: number } {
  const now = draft.at;
  const existing = db.prepare('SELECT next_version FROM registered_models WHERE name = ?').get(model) as { next_version: number } | undefined;
  if (!existing) {
    db.prepare('INSERT INTO registered_models(name, description, tags, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(model, p.description, '{}', now, draft.actor, now);
  }
  const version = existing?.next_version ?? 1;
  const same = db.prepare('SELECT version FROM model_versions WHERE model = ? AND hash = ? ORDER BY version DESC LIMIT 1').get(model, p.hash) as { version: number } | undefined;
  if (same) p.notes.push(`same content as v${same.version}`);
  db.prepare('UPDATE registered_models SET next_version = ?, updated_at = ? WHERE name = ?').run(version + 1, now, model);
  db.prepare(`INSERT INTO model_versions(model, version, artifact_path, kind, hash, size, nfiles, stage, description, tags, created_at, created_by, updated_at, run_id, lineage, mlmodel)
              VALUES (?, ?, ?, ?, ?, ?, ?, 'None', ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(model, version, p.rel, p.kind, p.hash, p.size, p.nfiles, p.description, JSON.stringify(p.tags), now, draft.actor, now,
      p.lineage.runId, JSON.stringify(jsonSafe(p.lineage)), p.mlmodel ? JSON.stringify(p.mlmodel) : null);
  const entry = appendAudit(db, {
    ...draft, version, from: null, to: { version, stage: 'None' },
    detail: { path: p.rel, kind: p.kind, hash: p.hash, size: p.size, runId: p.lineage.runId, gitCommit: p.lineage.gitCommit, ...(existing ? {} : { createdModel: true }) },
  });
  return { version, createdModel: !existing, auditSeq: entry.seq };
}
