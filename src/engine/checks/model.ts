/**
 * Model checks: an expression over the metrics of the run under test (`accuracy >= 0.9`), with
 * `baseline.*` and `production.*` for comparisons (`f1 >= production.f1 - 0.01`), and drift gates
 * over a drift report (`drift.share < 0.3`). Every name is resolved before evaluating, so an
 * unknown metric is an errored check that lists what the run has, never a silent pass.
 */
import { parseExpression, evaluateExpression, explainExpression, expressionNames, truthy, formatValue } from '../expr/index.ts';
import type { Value } from '../expr/index.ts';
import { MlopsError } from '../errors.ts';
import { suggest } from '../pipeline/suggest.ts';
import type { DriftReportDocument } from '../monitoring/index.ts';
import { errored, failed, passed } from './outcome.ts';
import type { Outcome } from './outcome.ts';
import type { MetricSet } from './metrics.ts';
import type { CheckLink, MetricValue, ModelRule } from './types.ts';

/** The metric sets a suite's model checks may read; each is loaded on first use. */
export interface MetricScope {
  current(): Promise<MetricSet>;
  baseline(): Promise<MetricSet>;
  production(): Promise<MetricSet>;
}

const NAMESPACES = ['baseline', 'production'] as const;

function strip(name: string, prefix: string): string | undefined {
  if (!name.startsWith(`${prefix}.`)) return undefined;
  const rest = name.slice(prefix.length + 1);
  // `baseline.metrics.f1` and `baseline.f1` name the same thing.
  return rest.startsWith('metrics.') ? rest.slice('metrics.'.length) : rest;
}

function lookup(set: MetricSet, metric: string): Value | undefined {
  if (set.values.has(metric)) return set.values.get(metric)!;
  const params = set.run?.params;
  if (metric.startsWith('params.') && params && Object.hasOwn(params, metric.slice(7))) return params[metric.slice(7)]!;
  return undefined;
}

function unknownMetric(metric: string, set: MetricSet, where: string): MlopsError {
  const names = [...set.values.keys()].filter((k) => !k.includes(':'));
  const hint = suggest(metric, names);
  return new MlopsError('not-found', `unknown metric '${metric}' in ${where} (${set.label})`, {
    hint: `${hint ? `${hint} ` : ''}${names.length ? `it has: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}` : 'it has no metrics at all'}`,
  });
}

function linksOf(set: MetricSet, role: string): CheckLink[] {
  if (set.link) return [set.link];
  if (set.run) return [{ kind: 'run', runId: set.run.id, label: `${role}: ${set.label}`, gitCommit: set.run.gitCommit }];
  return (set.files ?? []).map((f) => ({ kind: 'file' as const, path: f, label: `${role}: ${f}` }));
}

/** Resolve every name the expression uses (loading the sets it needs) and evaluate it. */
async function evaluate(expression: string, resolveName: (name: string) => Promise<Value>): Promise<Outcome> {
  const expr = parseExpression(expression);
  const values: MetricValue[] = [];
  const known = new Map<string, Value>();
  for (const name of expressionNames(expr)) {
    const v = await resolveName(name);
    known.set(name, v);
    values.push({ name, value: v });
  }
  const resolver = (name: string): Value | undefined => known.get(name);
  const result = evaluateExpression(expr, resolver);
  const actual = values.map((v) => `${v.name} = ${typeof v.value === 'number' ? fmtMetric(v.value) : formatValue(v.value)}`).join(', ');
  const numeric = values.find((v) => typeof v.value === 'number');
  const o: Partial<Outcome> = { expected: expression.trim(), actual, measured: typeof numeric?.value === 'number' ? numeric.value : null, values };
  if (truthy(result)) return passed(actual || expression.trim(), o);
  return failed(shortNumbers(explainExpression(expr, resolver)), o);
}

/** `0.8888888888888888` → `0.888889` in messages (the values themselves stay exact). */
function shortNumbers(text: string): string {
  return text.replace(/-?\b\d+\.\d{7,}(?:e[-+]?\d+)?\b/gi, (m) => fmtMetric(Number(m)));
}

export function fmtMetric(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e7) ? x.toExponential(3) : String(Number(x.toPrecision(6)));
}

export async function checkMetric(rule: Extract<ModelRule, { kind: 'metric' }>, scope: MetricScope): Promise<Outcome> {
  const links: CheckLink[] = [];
  const used = new Set<string>();
  try {
    const o = await evaluate(rule.expression, async (name) => {
      for (const ns of NAMESPACES) {
        const metric = strip(name, ns);
        if (metric === undefined) continue;
        const set = await (ns === 'baseline' ? scope.baseline() : scope.production());
        if (!used.has(ns)) links.push(...linksOf(set, ns));
        used.add(ns);
        const v = lookup(set, metric);
        if (v === undefined) throw unknownMetric(metric, set, ns === 'baseline' ? 'the baseline' : 'the production model');
        return v;
      }
      const set = await scope.current();
      if (!used.has('current')) links.unshift(...linksOf(set, 'run'));
      used.add('current');
      const metric = name.startsWith('metrics.') && !set.values.has(name) ? name.slice(8) : name;
      const v = lookup(set, metric);
      if (v === undefined) throw unknownMetric(metric, set, 'the run under test');
      return v;
    });
    o.links = links;
    return o;
  } catch (e) {
    return errored(e, { links, expected: rule.expression.trim() });
  }
}

/** The names a drift gate may use, from a report. */
export function driftValue(doc: DriftReportDocument, name: string): Value | undefined {
  const s = doc.summary;
  switch (name) {
    case 'drift.share': return s.share;
    case 'drift.drifted':
    case 'drift.dataset_drift': return s.datasetDrift;
    case 'drift.drifted_columns': return s.driftedColumns;
    case 'drift.scored_columns': return s.scoredColumns;
    case 'drift.threshold': return s.threshold;
    case 'drift.new_categories': return doc.columns.reduce((t, c) => t + (c.newCategories?.length ?? 0), 0);
  }
  const m = /^drift\.columns\.(.+)\.(score|drifted|missing)$/.exec(name);
  if (m) {
    const col = doc.columns.find((c) => c.name === m[1]);
    if (!col) return undefined;
    return m[2] === 'score' ? col.score : m[2] === 'drifted' ? col.drifted : col.missing.current;
  }
  return undefined;
}

const DRIFT_NAMES = ['drift.share', 'drift.drifted', 'drift.dataset_drift', 'drift.drifted_columns', 'drift.scored_columns', 'drift.threshold', 'drift.new_categories', 'drift.columns.<column>.score', 'drift.columns.<column>.drifted', 'drift.columns.<column>.missing'];

export interface DriftSubject {
  doc: DriftReportDocument;
  label: string;
  link: CheckLink;
}

export async function checkDrift(rule: Extract<ModelRule, { kind: 'drift' }>, subject: () => Promise<DriftSubject>): Promise<Outcome> {
  let links: CheckLink[] = [];
  try {
    const s = await subject();
    links = [s.link];
    const unreadable = s.doc.reference.error ?? s.doc.current.error;
    if (unreadable) {
      throw new MlopsError('not-found', `the drift report could not compare the data: ${unreadable.file}${unreadable.line ? `:${unreadable.line}` : ''}: ${unreadable.message}`, unreadable.hint ? { hint: unreadable.hint } : {});
    }
    const o = await evaluate(rule.expression, async (name) => {
      const v = driftValue(s.doc, name);
      if (v !== undefined) return v;
      const col = /^drift\.columns\.(.+)\.\w+$/.exec(name)?.[1];
      if (col !== undefined) {
        throw new MlopsError('not-found', `column '${col}' is not in the drift report of ${s.label}`, { hint: suggest(col, s.doc.columns.map((c) => c.name)) ?? `its columns: ${s.doc.columns.map((c) => c.name).join(', ')}` });
      }
      throw new MlopsError('not-found', `unknown name '${name}' in a drift check`, { hint: `${suggest(name, DRIFT_NAMES) ?? ''} names: ${DRIFT_NAMES.join(', ')}`.trim() });
    });
    o.links = links;
    const drifted = s.doc.columns.filter((c) => c.drifted).map((c) => c.name);
    o.details = [s.doc.summary.headline, ...(drifted.length ? [`drifted: ${drifted.join(', ')}`] : []), ...s.doc.columns.filter((c) => c.newCategories?.length).map((c) => `${c.name}: new categories ${c.newCategories!.map((v) => JSON.stringify(v)).join(', ')}`)];
    if (o.status === 'failed') o.message = `${o.message} — ${s.label}: ${s.doc.summary.headline}`;
    return o;
  } catch (e) {
    return errored(e, { links, expected: rule.expression.trim() });
  }
}
