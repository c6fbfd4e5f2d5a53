/**
 * Client-side filtering with the engine's own expression language and name resolution
 * (src/engine/expr and src/engine/tracking/names.ts have no Node or vscode imports, so the page
 * bundles them): the box selects exactly what `mlops runs list --filter` selects (a unit test runs
 * both on the same runs). A key a run lacks is null there, so `metrics.acc > 0.9` skips it and
 * `metrics.acc == null` finds it.
 */
import { parseExpression, testExpression, expressionNames, type Expr, type Value } from '../../src/engine/expr/index.ts';
import { describeError } from '../../src/engine/errors.ts';
import { RUN_ATTRIBUTES, runValue, splitRunName } from '../../src/engine/tracking/names.ts';
import type { Run } from './model.ts';

export interface FilterResult {
  /** Indices of the runs that match (all when the filter is empty or invalid). */
  indices: number[];
  /** A syntax error or a name runs can never have: the box shows it and everything stays shown. */
  error: string | null;
  /** Names no run has right now (a typo, most likely): said, but the filter still applies. */
  warning: string | null;
  /** Runs that could not be evaluated (e.g. a string param compared with a number). */
  skipped: number;
  skippedReason: string | null;
}

/** The value of `name` for a run: null when the run lacks the key, undefined for a name no run can have. */
export function resolveName(run: Run, name: string): Value | undefined {
  return runValue(run, name);
}

export function compileFilter(text: string): { expr: Expr | null; error: string | null } {
  if (!text.trim()) return { expr: null, error: null };
  try {
    const expr = parseExpression(text);
    const bad = expressionNames(expr).find((n) => !splitRunName(n));
    if (bad) return { expr: null, error: `Unknown name '${bad}'. Use params.<key>, metrics.<key>, tags.<key> or one of: ${RUN_ATTRIBUTES.join(', ')}.` };
    return { expr, error: null };
  } catch (e) {
    return { expr: null, error: describeError(e) };
  }
}

export function applyFilter(runs: readonly Run[], text: string): FilterResult {
  const all = runs.map((_, i) => i);
  const { expr, error } = compileFilter(text);
  if (error || !expr) return { indices: all, error, warning: null, skipped: 0, skippedReason: null };
  const absent = expressionNames(expr).filter((n) => {
    const s = splitRunName(n)!;
    return !('attr' in s) && runs.length > 0 && !runs.some((r) => Object.hasOwn(r[s.ns], s.key));
  });
  const indices: number[] = [];
  let skipped = 0;
  let skippedReason: string | null = null;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    try {
      if (testExpression(expr, (name) => resolveName(run, name))) indices.push(i);
    } catch (e) {
      skipped++;
      skippedReason ??= `${run.name}: ${describeError(e)}`;
    }
  }
  const warning = absent.length ? `No run has ${absent.map((n) => `'${n}'`).join(', ')}.` : null;
  return { indices, error: null, warning, skipped, skippedReason };
}
