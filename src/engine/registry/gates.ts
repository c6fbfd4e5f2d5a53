/**
 * Promotion gates: the checks mlops.yaml requires before a version may take a stage or an alias.
 * A check is an expression of src/engine/expr over what the registry knows about the version:
 *
 *   version, model, stage                      the candidate
 *   metrics.<k>, params.<k>                    snapshot of its source run at registration
 *   tags.<k>                                   its tags
 *   drift.share, drift.detected,               the latest stored drift report (registry.drift.monitor,
 *   drift.drifted_columns, drift.columns       or the newest report of any monitor)
 *   current.version, current.metrics.<k>,      the newest version currently holding the target
 *   current.params.<k>                         (null when nobody holds it)
 *
 * or a built-in check (settings.ts BUILTIN_CHECKS). A name the candidate lacks fails the check with
 * a message saying so, never passes it.
 */
import type { Database } from '../store/store.ts';
import { explainExpression, expressionNames, parseExpression, testExpression } from '../expr/index.ts';
import type { Value } from '../expr/index.ts';
import type { CheckResult, GateDefinition, ModelVersion, PromotionTarget } from './api.ts';
import { isBuiltin } from './settings.ts';

export interface DriftFacts {
  share: number;
  detected: boolean;
  driftedColumns: number;
  columns: number;
  monitor: string | null;
  reportId: number;
  createdAt: string;
}

export interface GateContext {
  candidate: ModelVersion;
  /** Versions holding the target now (other than the candidate), any order. */
  holders: ModelVersion[];
  drift: DriftFacts | undefined;
}

/** The newest successful drift report (of `monitor`, or of any monitor). */
export function latestDrift(db: Database, monitor: string | null): DriftFacts | undefined {
  const row = db.prepare(`SELECT id, created_at, monitor, drift_share, dataset_drift, drifted_columns, total_columns FROM drift_reports
      WHERE (? IS NULL OR monitor = ?)
        AND json_extract(report, '$.reference.error') IS NULL AND json_extract(report, '$.current.error') IS NULL
      ORDER BY id DESC LIMIT 1`).get(monitor, monitor) as
    { id: number; created_at: string; monitor: string | null; drift_share: number; dataset_drift: number; drifted_columns: number; total_columns: number } | undefined;
  if (!row) return undefined;
  return {
    share: row.drift_share, detected: row.dataset_drift !== 0, driftedColumns: row.drifted_columns, columns: row.total_columns,
    monitor: row.monitor, reportId: row.id, createdAt: row.created_at,
  };
}

function newest(holders: readonly ModelVersion[]): ModelVersion | undefined {
  return holders.reduce<ModelVersion | undefined>((best, v) => (!best || v.version > best.version ? v : best), undefined);
}

/** name → value, or undefined when the name does not exist for this candidate. */
export function resolver(ctx: GateContext): (name: string) => Value | undefined {
  const cur = newest(ctx.holders);
  const fromRecord = (rec: Record<string, unknown>, key: string): Value | undefined => {
    if (!Object.hasOwn(rec, key)) return undefined;
    const v = rec[key];
    return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : JSON.stringify(v);
  };
  return (name) => {
    const c = ctx.candidate;
    switch (name) {
      case 'version': return c.version;
      case 'model': return c.model;
      case 'stage': return c.stage;
      case 'current.version': return cur ? cur.version : null;
      case 'drift.share': return ctx.drift?.share;
      case 'drift.detected': return ctx.drift?.detected;
      case 'drift.drifted_columns': return ctx.drift?.driftedColumns;
      case 'drift.columns': return ctx.drift?.columns;
    }
    const dot = name.indexOf('.');
    if (dot < 0) return undefined;
    const head = name.slice(0, dot);
    const rest = name.slice(dot + 1);
    if (head === 'metrics') return fromRecord(c.lineage.metrics, rest);
    if (head === 'params') return fromRecord(c.lineage.params, rest);
    if (head === 'tags') return fromRecord(c.tags, rest);
    if (head === 'current') {
      const d2 = rest.indexOf('.');
      const kind = rest.slice(0, d2);
      const key = rest.slice(d2 + 1);
      if (d2 < 0 || (kind !== 'metrics' && kind !== 'params' && kind !== 'tags')) return undefined;
      if (!cur) return null;
      const rec = kind === 'metrics' ? cur.lineage.metrics : kind === 'params' ? cur.lineage.params : cur.tags;
      return fromRecord(rec, key) ?? null;
    }
    return undefined;
  };
}

function missingDetail(name: string, ctx: GateContext): string {
  if (name.startsWith('drift.')) return `${name} is unknown: no drift report is stored yet (run 'mlops drift' or 'mlops monitor')`;
  const c = ctx.candidate;
  if (name.startsWith('metrics.')) {
    const keys = Object.keys(c.lineage.metrics);
    return `${name} is missing: ${c.lineage.runId ? `source run ${c.lineage.runId} recorded ${keys.length ? keys.slice(0, 8).join(', ') : 'no metrics'}` : 'the version has no source run (register it with --run)'}`;
  }
  if (name.startsWith('params.')) return `${name} is missing from the source run's params`;
  if (name.startsWith('tags.')) return `${name} is missing: the version has no such tag`;
  return `unknown name '${name}' (use version, metrics.*, params.*, tags.*, drift.*, current.*)`;
}

const describeTarget = (t: PromotionTarget): string => (t.kind === 'stage' ? t.stage : `alias ${t.alias}`);

function builtin(def: GateDefinition, ctx: GateContext, target: PromotionTarget): CheckResult {
  const c = ctx.candidate;
  const base = { name: def.name, expression: def.expression, ...(def.location ? { location: def.location } : {}) };
  switch (def.expression) {
    case 'newer-than-current': {
      const cur = newest(ctx.holders);
      const passed = !cur || c.version > cur.version;
      return {
        ...base, passed, values: { version: c.version, 'current.version': cur?.version ?? null },
        detail: !cur ? `no version holds ${describeTarget(target)} yet` : passed ? `v${c.version} is newer than v${cur.version}` : `v${c.version} is not newer than v${cur.version}, which holds ${describeTarget(target)}`,
      };
    }
    case 'has-run': {
      const passed = c.lineage.runId !== null;
      return { ...base, passed, values: { runId: c.lineage.runId }, detail: passed ? `source run ${c.lineage.runId}` : 'the version was registered without a source run' };
    }
    case 'clean-commit': {
      const passed = c.lineage.gitCommit !== null && c.lineage.gitDirty === false;
      return {
        ...base, passed, values: { gitCommit: c.lineage.gitCommit, gitDirty: c.lineage.gitDirty },
        detail: c.lineage.gitCommit === null ? 'registered outside a git commit' : c.lineage.gitDirty ? `registered from commit ${c.lineage.gitCommit.slice(0, 8)} with uncommitted changes` : `registered from clean commit ${c.lineage.gitCommit.slice(0, 8)}`,
      };
    }
  }
  return { ...base, passed: false, values: {}, detail: `unknown built-in check '${def.expression}'` };
}

export function evaluateGate(def: GateDefinition, ctx: GateContext, target: PromotionTarget): CheckResult {
  if (isBuiltin(def.expression)) return builtin(def, ctx, target);
  const base = { name: def.name, expression: def.expression, ...(def.location ? { location: def.location } : {}) };
  const resolve = resolver(ctx);
  let expr;
  try {
    expr = parseExpression(def.expression);
  } catch (e) {
    return { ...base, passed: false, values: {}, detail: `not a valid expression: ${(e as Error).message}` };
  }
  const values: CheckResult['values'] = {};
  const missing: string[] = [];
  for (const name of expressionNames(expr)) {
    const v = resolve(name);
    values[name] = v === undefined ? null : v;
    if (v === undefined) missing.push(name);
  }
  if (missing.length > 0) return { ...base, passed: false, values, detail: missing.map((n) => missingDetail(n, ctx)).join('; ') };
  try {
    const passed = testExpression(expr, resolve);
    return { ...base, passed, values, detail: explainExpression(expr, resolve) };
  } catch (e) {
    return { ...base, passed: false, values, detail: (e as Error).message };
  }
}

export function evaluateGates(defs: readonly GateDefinition[], ctx: GateContext, target: PromotionTarget): CheckResult[] {
  return defs.map((d) => evaluateGate(d, ctx, target));
}

/** "metrics.accuracy >= 0.85 failed: metrics.accuracy = 0.8433, needs >= 0.85" for each failed check. */
export function blockedMessage(checks: readonly CheckResult[]): string {
  const failed = checks.filter((c) => !c.passed);
  return failed.map((c) => `check '${c.name}'${c.location?.line ? ` (mlops.yaml:${c.location.line})` : ''} failed: ${c.detail}`).join('; ');
}
