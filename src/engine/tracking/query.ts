/**
 * Filtering and sorting runs with the shared expression language. Names: `params.<key>`,
 * `metrics.<key>`, `tags.<key>` (MLflow's singular `param.`, `metric.`, `tag.` also work) and the
 * attributes below. A param, metric or tag a run does not have is null there: comparisons with it
 * are false (so the run does not match `metrics.acc > 0.9`), `metrics.acc == null` finds such runs,
 * and `or` still works across sources with different keys.
 */
import { MlopsError } from '../errors.ts';
import { ExpressionError, evaluateExpression, expressionNames, parseExpression, truthy } from '../expr/index.ts';
import type { Expr, Value } from '../expr/index.ts';
import type { RunQuery, RunSummary } from './api.ts';
import { RUN_ATTRIBUTES, runValue, splitRunName as splitName } from './names.ts';

export { RUN_ATTRIBUTES, runValue };

/** Parse a filter and check every name is one runs can have; errors name the column. */
export function compileFilter(source: string): Expr {
  const expr = parseExpression(source);
  for (const name of expressionNames(expr)) {
    if (splitName(name)) continue;
    const at = source.indexOf(name.split('.')[0]!);
    throw new ExpressionError(source, Math.max(0, at), `unknown name '${name}' in the filter at column ${Math.max(0, at) + 1}`,
      `use params.<key>, metrics.<key>, tags.<key> or one of: ${RUN_ATTRIBUTES.join(', ')}`);
  }
  return expr;
}

export function matches(expr: Expr, run: RunSummary): boolean {
  return truthy(evaluateExpression(expr, (name) => runValue(run, name)));
}

/** Sort rank: numbers, then strings, then booleans; NaN after real values; missing always last. */
function rank(v: Value | undefined): number {
  if (v === undefined || v === null) return 4;
  if (typeof v === 'number') return Number.isNaN(v) ? 3 : 0;
  if (typeof v === 'string') return 1;
  return 2;
}

function compareValues(a: Value | undefined, b: Value | undefined, descending: boolean): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb || ra >= 3) return ra - rb;
  const d = (a as number | string | boolean) < (b as number | string | boolean) ? -1 : (a as number | string | boolean) > (b as number | string | boolean) ? 1 : 0;
  return descending ? -d : d;
}

export function queryRuns(runs: readonly RunSummary[], query: RunQuery = {}): RunSummary[] {
  let out = query.experiment === undefined ? [...runs] : runs.filter((r) => r.experiment === query.experiment);
  if (query.filter !== undefined && query.filter.trim() !== '') {
    const expr = compileFilter(query.filter);
    out = out.filter((r) => matches(expr, r));
  }
  const sort = query.sort ?? { key: 'startedAt', descending: true };
  if (!splitName(sort.key)) {
    throw new MlopsError('usage', `cannot sort by '${sort.key}'`, { hint: `use params.<key>, metrics.<key>, tags.<key> or one of: ${RUN_ATTRIBUTES.join(', ')}` });
  }
  const desc = sort.descending ?? false;
  const keyed = out.map((r) => ({ r, v: runValue(r, sort.key) }));
  // Ties keep a stable, meaningful order: newest first, then id.
  keyed.sort((a, b) => compareValues(a.v, b.v, desc) || compareValues(a.r.startedAt, b.r.startedAt, true) || (a.r.id < b.r.id ? -1 : a.r.id > b.r.id ? 1 : 0));
  out = keyed.map((k) => k.r);
  if (query.limit !== undefined) {
    if (!Number.isInteger(query.limit) || query.limit < 0) throw new MlopsError('usage', `limit must be a whole number ≥ 0, got ${query.limit}`);
    out = out.slice(0, query.limit);
  }
  return out;
}
