/**
 * Where a registered version came from: its source run (asked of the tracking service when there
 * is one, else read from the pipeline history in the store), the git commit, the data it consumed
 * — followed upstream through the stages that produced it, so a model points at the raw data too —
 * and a snapshot of the run's metrics and params (a later edit or deletion of the run does not
 * change what the version was promoted on).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MlopsError } from '../errors.ts';
import { md5File } from '../versioning/hash.ts';
import type { Database } from '../store/store.ts';
import type { ArtifactRef, ParamValue, RunSummary, TrackingService } from '../tracking/api.ts';
import type { ModelLineage } from './api.ts';

/** Code is covered by the git commit; lineage `data` lists what the code read. */
const CODE = /\.(py|pyc|ipynb|r|jl|sh|bash|ps1|js|mjs|cjs|ts|java|scala|go|rs|c|cc|cpp|h|hpp|sql|toml|cfg|ini|lock|txt|md)$/i;
const MAX_UPSTREAM_DEPTH = 32;
const OID = /^[0-9a-f]{32}(\.dir)?$/;

interface StageRow {
  id: number;
  run_id: string;
  stage: string;
  deps: string | null;
  outs: string | null;
  params: string | null;
  started_at: string | null;
  ended_at: string | null;
  git_commit: string | null;
  git_dirty: number | null;
  pr_started_at: string;
  pr_ended_at: string | null;
}

/** Stage run deps/outs as dvc.lock spells them (`{path, hash: md5, md5}`) or as `{path, hash}`. */
function refs(json: string | null): ArtifactRef[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as Array<Record<string, unknown>>;
    if (!Array.isArray(v)) return [];
    return v.filter((x) => typeof x?.path === 'string').map((x) => {
      const oid = [x.md5, x.etag, x.checksum, x.hash].find((h): h is string => typeof h === 'string' && OID.test(h)) ?? null;
      return { path: x.path as string, hash: oid, ...(typeof x.size === 'number' ? { size: x.size } : {}) };
    });
  } catch {
    return [];
  }
}

function producerOf(db: Database, path: string, hash: string): StageRow | undefined {
  // Succeeded stage runs whose outs JSON names the hash; checked exactly after the coarse LIKE.
  const rows = db.prepare(`SELECT sr.id, sr.run_id, sr.stage, sr.deps, sr.outs, sr.params, sr.started_at, sr.ended_at,
        pr.git_commit, pr.git_dirty, pr.started_at AS pr_started_at, pr.ended_at AS pr_ended_at
      FROM stage_runs sr JOIN pipeline_runs pr ON pr.id = sr.run_id
      WHERE sr.status = 'succeeded' AND sr.outs LIKE ? ORDER BY sr.id DESC LIMIT 20`).all(`%${hash}%`) as StageRow[];
  return rows.find((r) => refs(r.outs).some((o) => o.hash === hash && o.path === path)) ?? rows.find((r) => refs(r.outs).some((o) => o.hash === hash));
}

/** Inputs plus, for each input a pipeline stage produced, that stage's inputs (recursively). */
export function upstreamData(db: Database, inputs: readonly ArtifactRef[]): ArtifactRef[] {
  const seen = new Map<string, ArtifactRef>();
  let frontier = [...inputs];
  for (let depth = 0; frontier.length > 0 && depth < MAX_UPSTREAM_DEPTH; depth++) {
    const next: ArtifactRef[] = [];
    for (const r of frontier) {
      const key = `${r.path}\0${r.hash ?? ''}`;
      if (seen.has(key)) continue;
      seen.set(key, r);
      if (!r.hash) continue;
      const p = producerOf(db, r.path, r.hash);
      if (p) next.push(...refs(p.deps));
    }
    frontier = next;
  }
  return [...seen.values()].filter((r) => !CODE.test(r.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function flattenParams(json: string | null): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  if (!json) return out;
  try {
    const byFile = JSON.parse(json) as Record<string, Record<string, unknown>>;
    for (const values of Object.values(byFile ?? {})) {
      for (const [k, v] of Object.entries(values ?? {})) {
        out[k] = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
      }
    }
  } catch { /* unreadable params: none */ }
  return out;
}

/** `metrics:` outputs declared in dvc.yaml (plain stages; templated ones are the tracking service's job). */
function declaredMetrics(root: string): Set<string> {
  const out = new Set<string>();
  try {
    const doc = parseYaml(readFileSync(path.join(root, 'dvc.yaml'), 'utf8'), { maxAliasCount: 100 }) as { stages?: Record<string, { metrics?: unknown[]; wdir?: string }>; metrics?: unknown[] };
    const add = (list: unknown, wdir = '.'): void => {
      if (!Array.isArray(list)) return;
      for (const m of list) {
        const p = typeof m === 'string' ? m : m && typeof m === 'object' ? Object.keys(m)[0] : undefined;
        if (p) out.add(path.posix.normalize(path.posix.join(wdir, p)));
      }
    };
    add(doc?.metrics);
    for (const st of Object.values(doc?.stages ?? {})) add(st?.metrics, st?.wdir ?? '.');
  } catch { /* no dvc.yaml */ }
  return out;
}

function flattenNumbers(value: unknown, prefix: string, out: Record<string, number>): void {
  if (typeof value === 'number') {
    if (prefix && prefix !== 'step' && !Object.hasOwn(out, prefix)) out[prefix] = value;
  } else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenNumbers(v, prefix ? `${prefix}.${k}` : k, out);
  }
}

/**
 * Without a tracking service: the metrics files of the producing stage and of the stages that
 * consumed this exact model, read from the workspace only while their content is still the one
 * those stage runs recorded (so a later run's numbers are never attributed to this version).
 */
async function pipelineMetrics(db: Database, root: string, producer: StageRow, hash: string): Promise<Record<string, number>> {
  const files = declaredMetrics(root);
  const metrics: Record<string, number> = {};
  if (files.size === 0) return metrics;
  const consumers = db.prepare("SELECT outs, deps FROM stage_runs WHERE status = 'succeeded' AND deps LIKE ? ORDER BY id DESC LIMIT 50").all(`%${hash}%`) as Array<{ outs: string | null; deps: string | null }>;
  const rows = [{ outs: producer.outs }, ...consumers.filter((c) => refs(c.deps).some((d) => d.hash === hash))];
  const done = new Set<string>();
  for (const row of rows) {
    for (const o of refs(row.outs)) {
      if (!files.has(o.path) || done.has(o.path) || !o.hash) continue;
      done.add(o.path);
      const abs = path.join(root, ...o.path.split('/'));
      try {
        if ((await md5File(abs)) !== o.hash) continue;
        flattenNumbers(parseYaml(readFileSync(abs, 'utf8')), '', metrics);
      } catch { /* gone or unreadable: no numbers from it */ }
    }
  }
  return metrics;
}

/**
 * A run's own inputs leave out data its earlier stages produced (intermediate within the run) and
 * data a skipped stage produced in an earlier run; the stage that produced the artifact, followed
 * upstream, names them.
 */
function dataOf(db: Database, inputs: readonly ArtifactRef[], path: string, hash: string): ArtifactRef[] {
  const producer = producerOf(db, path, hash);
  const viaProducer = producer ? refs(producer.deps) : [];
  const merged = new Map<string, ArtifactRef>();
  for (const r of upstreamData(db, [...inputs, ...viaProducer])) merged.set(`${r.path}\0${r.hash ?? ''}`, r);
  return [...merged.values()].filter((r) => !(r.path === path && r.hash === hash));
}

function fromRun(db: Database, run: RunSummary, path: string, hash: string): ModelLineage {
  return {
    runId: run.id,
    run: { name: run.name, experiment: run.experiment, status: run.status, startedAt: run.startedAt, endedAt: run.endedAt },
    gitCommit: run.gitCommit, gitDirty: run.gitDirty,
    data: dataOf(db, run.inputs, path, hash),
    metrics: { ...run.metrics }, params: { ...run.params },
  };
}

export interface LineageInput {
  db: Database;
  tracking: TrackingService | undefined;
  /** Workspace-relative artifact path and its hash. */
  path: string;
  hash: string;
  /** Explicit run, or undefined to search; null = none on purpose. */
  runId: string | null | undefined;
  /** The workspace's git state now, used when no run says otherwise. */
  head: { commit: string | null; dirty: boolean | null };
  root: string;
}

/** Lineage plus notes for the person registering ("no source run found…"). */
export async function buildLineage(input: LineageInput): Promise<{ lineage: ModelLineage; notes: string[] }> {
  const { db, tracking, path, hash, head } = input;
  const notes: string[] = [];
  const bare: ModelLineage = { runId: null, run: null, gitCommit: head.commit, gitDirty: head.dirty, data: [], metrics: {}, params: {} };
  if (input.runId === null) return { lineage: bare, notes };

  if (tracking) {
    if (input.runId !== undefined) {
      let run = tracking.getRun(input.runId);
      // External sources (MLflow, DVCLive) are only scanned on refresh.
      if (!run) run = (await tracking.refresh(), tracking.getRun(input.runId));
      if (!run) {
        throw new MlopsError('not-found', `no run ${input.runId}`, { hint: "list runs with 'mlops runs list'; ids look like mlops:<id>" });
      }
      if (!run.outputs.some((o) => o.hash === hash)) notes.push(`run ${run.id} did not record ${path} with this content among its outputs`);
      return { lineage: fromRun(db, run, path, hash), notes };
    }
    const runs = tracking.listRuns().filter((r) => r.status === 'finished');
    const exact = runs.find((r) => r.outputs.some((o) => o.hash === hash && o.path === path)) ?? runs.find((r) => r.outputs.some((o) => o.hash === hash));
    if (exact) return { lineage: fromRun(db, exact, path, hash), notes };
  } else if (input.runId !== undefined) {
    throw new MlopsError('usage', `cannot look up run ${input.runId}: experiment tracking is not available here`, { hint: 'register without --run; the pipeline history still links the version to the stage that produced it' });
  }

  // No tracking service (or it does not know the artifact): the pipeline history in the store.
  const producer = producerOf(db, path, hash);
  if (!producer) {
    notes.push(`no run produced ${path} with this content, so the version has no source run (lineage: git commit only)`);
    return { lineage: bare, notes };
  }
  const trackedId = (() => {
    try {
      return (db.prepare('SELECT id FROM runs WHERE pipeline_run_id = ? ORDER BY rid DESC LIMIT 1').get(producer.run_id) as { id: string } | undefined)?.id;
    } catch {
      return undefined; // the tracking tables are not there
    }
  })();
  return {
    lineage: {
      runId: trackedId ? `mlops:${trackedId}` : `mlops:${producer.run_id}`,
      run: { name: `${producer.stage} (pipeline run ${producer.run_id.slice(0, 8)})`, experiment: 'pipeline', status: 'finished', startedAt: producer.started_at ?? producer.pr_started_at, endedAt: producer.ended_at ?? producer.pr_ended_at },
      gitCommit: producer.git_commit, gitDirty: producer.git_dirty === null ? null : producer.git_dirty !== 0,
      data: upstreamData(db, refs(producer.deps)),
      metrics: await pipelineMetrics(db, input.root, producer, hash), params: flattenParams(producer.params),
    },
    notes,
  };
}
