/**
 * One promotion (stage or alias move) as a single BEGIN IMMEDIATE transaction: re-read the state,
 * compare it with what the caller saw (a race with the CLI or another window loses here with a
 * message naming the winner), evaluate the gates, apply, append the audit entry. Everything in
 * between is synchronous, so no other writer can slip in.
 */
import { MlopsError } from '../errors.ts';
import type { Database } from '../store/store.ts';
import type { CheckResult, ExpectedState, GateDefinition, ModelVersion, PromoteRequest, PromotionResult, Stage } from './api.ts';
import { appendAudit } from './audit.ts';
import { blockedMessage, evaluateGates, latestDrift } from './gates.ts';
import { aliasHolder, lastChange, loadModel, loadVersion } from './rows.ts';

export interface PromoteEnv {
  actor: string;
  origin: string;
  now: string;
  gates: GateDefinition[];
  driftMonitor: string | null;
}

const targetText = (r: PromoteRequest): string => (r.target.kind === 'stage' ? `stage ${r.target.stage}` : `alias '${r.target.alias}'`);

export function notFoundVersion(db: Database, model: string, version: number): MlopsError {
  const m = loadModel(db, model);
  if (!m) return unknownModel(db, model);
  return new MlopsError('not-found', `${model} has no version ${version}`, {
    hint: m.versions.length ? `versions: ${m.versions.map((v) => v.version).reverse().join(', ')}` : `register one with 'mlops models register ${model} <path>'`,
  });
}

export function unknownModel(db: Database, model: string): MlopsError {
  const names = db.prepare('SELECT name FROM registered_models ORDER BY name').pluck().all() as string[];
  return new MlopsError('not-found', `no registered model '${model}'`, {
    hint: names.length ? `registered models: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}` : "nothing is registered yet; register a model with 'mlops models register <name> <path>'",
  });
}

/** The state a caller may have seen, read now. */
export function observedState(db: Database, r: PromoteRequest): ExpectedState {
  if (r.target.kind === 'alias') return { aliasHolder: aliasHolder(db, r.model, r.target.alias) };
  const v = loadVersion(db, r.model, r.version);
  return v ? { stage: v.stage } : {};
}

function raceError(db: Database, r: PromoteRequest, expected: ExpectedState, actual: ExpectedState): MlopsError {
  if (r.target.kind === 'alias') {
    const who = lastChange(db, r.model, null, 'alias');
    const holder = actual.aliasHolder;
    return new MlopsError('refused', `alias '${r.target.alias}' of ${r.model} changed while you were deciding: it is now ${holder === null || holder === undefined ? 'unassigned' : `on v${holder}`}, you expected ${expected.aliasHolder === null ? 'nobody' : `v${expected.aliasHolder}`}${who ? ` (last set by ${who.actor} via ${who.origin} at ${who.at}, audit #${who.seq})` : ''}`, {
      hint: 'nothing was changed; refresh to see the current state and promote again if it is still what you want',
    });
  }
  const who = lastChange(db, r.model, r.version, 'promote');
  return new MlopsError('refused', `${r.model} v${r.version} changed while you were deciding: it is now in ${actual.stage}, you expected ${expected.stage}${who ? ` (moved by ${who.actor} via ${who.origin} at ${who.at}, audit #${who.seq})` : ''}`, {
    hint: 'nothing was changed; refresh to see the current state and promote again if it is still what you want',
  });
}

/** Versions currently holding the target, other than the candidate. */
function holders(db: Database, r: PromoteRequest): ModelVersion[] {
  if (r.target.kind === 'alias') {
    const h = aliasHolder(db, r.model, r.target.alias);
    return h !== null && h !== r.version ? [loadVersion(db, r.model, h)!] : [];
  }
  const stage = r.target.stage;
  const nums = db.prepare('SELECT version FROM model_versions WHERE model = ? AND stage = ? AND version != ?').pluck().all(r.model, stage, r.version) as number[];
  return nums.map((n) => loadVersion(db, r.model, n)!);
}

/** Runs inside `store.write`. */
export function promoteInTransaction(db: Database, r: PromoteRequest, seen: ExpectedState, env: PromoteEnv): PromotionResult {
  const candidate = loadVersion(db, r.model, r.version);
  if (!candidate) throw notFoundVersion(db, r.model, r.version);
  const actual = observedState(db, r);
  const expected = r.expected ?? seen;
  if (r.target.kind === 'alias' ? 'aliasHolder' in expected && expected.aliasHolder !== actual.aliasHolder : expected.stage !== undefined && expected.stage !== actual.stage) {
    throw raceError(db, r, expected, actual);
  }
  const from = r.target.kind === 'alias' ? { aliasHolder: actual.aliasHolder ?? null } : { stage: candidate.stage };
  const to = r.target.kind === 'alias' ? { aliasHolder: r.version } : { stage: r.target.stage };
  const base = { dryRun: Boolean(r.dryRun), model: r.model, version: r.version, target: r.target, from, to, archived: [] as number[] };

  const already = r.target.kind === 'alias' ? actual.aliasHolder === r.version : candidate.stage === r.target.stage;
  if (already) return { ...base, ok: true, checks: [], message: `v${r.version} already holds ${targetText(r)}; nothing to do` };
  if (candidate.stage === 'Archived' && !(r.target.kind === 'stage')) {
    throw new MlopsError('refused', `${r.model} v${r.version} is archived; an archived version cannot take alias '${(r.target as { alias: string }).alias}'`, { hint: `move it back first: 'mlops models promote ${r.model} ${r.version} --stage staging'` });
  }

  const checks: CheckResult[] = evaluateGates(env.gates, { candidate, holders: holders(db, r), drift: latestDrift(db, env.driftMonitor) }, r.target);
  const failed = checks.some((c) => !c.passed);
  const auditBase = {
    at: env.now, actor: env.actor, origin: env.origin, action: r.target.kind === 'alias' ? 'alias' as const : 'promote' as const,
    model: r.model, version: r.version, checks,
    from: r.target.kind === 'alias' ? { alias: r.target.alias, version: actual.aliasHolder ?? null } : { stage: candidate.stage },
    to: r.target.kind === 'alias' ? { alias: r.target.alias, version: r.version } : { stage: r.target.stage },
  };
  if (failed) {
    const message = `${r.model} v${r.version} may not take ${targetText(r)}: ${blockedMessage(checks)}`;
    if (r.dryRun) return { ...base, ok: false, checks, message };
    const entry = appendAudit(db, { ...auditBase, outcome: 'blocked', detail: { ...(r.comment ? { comment: r.comment } : {}), reason: message } });
    return { ...base, ok: false, checks, message, auditSeq: entry.seq };
  }
  const message = `${r.model} v${r.version} ${r.target.kind === 'alias' ? `now holds alias '${r.target.alias}'` : `moved ${candidate.stage} → ${r.target.stage}`}${checks.length ? ` (${checks.length} check${checks.length > 1 ? 's' : ''} passed)` : ''}`;
  if (r.dryRun) return { ...base, ok: true, checks, message: `would pass: ${message}` };

  const archived: number[] = [];
  const removedAliases: string[] = [];
  if (r.target.kind === 'alias') {
    db.prepare(`INSERT INTO model_aliases(model, alias, version, set_at, set_by) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(model, alias) DO UPDATE SET version = excluded.version, set_at = excluded.set_at, set_by = excluded.set_by`)
      .run(r.model, r.target.alias, r.version, env.now, env.actor);
  } else {
    const stage: Stage = r.target.stage;
    db.prepare('UPDATE model_versions SET stage = ?, updated_at = ? WHERE model = ? AND version = ?').run(stage, env.now, r.model, r.version);
    if (r.archiveExisting && (stage === 'Production' || stage === 'Staging')) {
      const others = db.prepare('SELECT version FROM model_versions WHERE model = ? AND stage = ? AND version != ?').pluck().all(r.model, stage, r.version) as number[];
      for (const o of others) {
        db.prepare("UPDATE model_versions SET stage = 'Archived', updated_at = ? WHERE model = ? AND version = ?").run(env.now, r.model, o);
        archived.push(o);
      }
    }
    // An archived version serves nobody: its aliases go (and the audit entry says which).
    for (const v of stage === 'Archived' ? [r.version, ...archived] : archived) {
      for (const a of db.prepare('SELECT alias FROM model_aliases WHERE model = ? AND version = ?').pluck().all(r.model, v) as string[]) removedAliases.push(`${a}@v${v}`);
      db.prepare('DELETE FROM model_aliases WHERE model = ? AND version = ?').run(r.model, v);
    }
  }
  db.prepare('UPDATE registered_models SET updated_at = ? WHERE name = ?').run(env.now, r.model);
  const entry = appendAudit(db, {
    ...auditBase, outcome: 'applied',
    detail: { ...(r.comment ? { comment: r.comment } : {}), ...(archived.length ? { archived } : {}), ...(removedAliases.length ? { removedAliases } : {}) },
  });
  return { ...base, ok: true, checks, archived, message, auditSeq: entry.seq };
}
