/**
 * What a metric lens says, from the runs in memory (no vscode; unit-tested):
 * - above a param: its value in the best run (by the primary metric) and its range across runs;
 * - above a metric in a metrics file: the change against the baseline run;
 * - above a line of training code that logs a metric: that metric's latest and best value.
 * Each also names the runs a click should compare.
 */
import type { ParamValue, RunSummary } from '../../engine/tracking/api.ts';
import { formatNumber } from '../../shared/experiments.ts';
import { better } from './wire.ts';

export interface LensText {
  title: string;
  tooltip: string;
  /** Runs to compare on click, best/most relevant first. */
  runIds: string[];
  metric?: string;
}

const MAX_COMPARE = 8;

function show(v: ParamValue | number | undefined, max = 24): string {
  if (v === undefined) return '—';
  const s = typeof v === 'number' ? formatNumber(v, 4) : v === null ? 'null' : String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function bestBy(runs: readonly RunSummary[], metric: string): RunSummary | undefined {
  let best: RunSummary | undefined;
  for (const r of runs) {
    const v = r.metrics[metric];
    if (v !== undefined && better(metric, v, best?.metrics[metric])) best = r;
  }
  return best;
}

/** Runs that finished (or are running) — failed and killed runs do not vote on "best". */
function usable(runs: readonly RunSummary[]): RunSummary[] {
  return runs.filter((r) => r.status === 'finished' || r.status === 'running');
}

/** `runs` newest first. */
export function paramLens(key: string, runs: readonly RunSummary[], primary: string | null): LensText | undefined {
  const having = runs.filter((r) => Object.hasOwn(r.params, key));
  if (!having.length) return undefined;
  const parts: string[] = [];
  const tips: string[] = [];
  const same = new Set(having.map((r) => show(r.params[key], 200))).size === 1;
  // With one value everywhere there is no "best value" to point at.
  const best = primary && !same ? bestBy(usable(having), primary) : undefined;
  if (best && primary) {
    parts.push(`best ${show(best.params[key])} (${best.name}, ${primary} ${formatNumber(best.metrics[primary]!, 4)})`);
    tips.push(`Best run by ${primary}: ${best.name} with ${key} = ${show(best.params[key], 200)}`);
  }
  const values = having.map((r) => r.params[key]);
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (nums.length === values.length) {
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    parts.push(lo === hi ? `${show(lo)} in all ${having.length} run${having.length === 1 ? '' : 's'}` : `range ${show(lo)}–${show(hi)} across ${having.length} runs`);
  } else {
    const distinct = new Set(values.map((v) => show(v, 200)));
    parts.push(distinct.size === 1 ? `${show(values[0])} in all ${having.length} run${having.length === 1 ? '' : 's'}` : `${distinct.size} values across ${having.length} runs`);
  }
  // Compare the best run with the most recent runs that tried other values.
  const ids: string[] = best ? [best.id] : [];
  const seen = new Set(best ? [show(best.params[key], 200)] : []);
  for (const r of having) {
    if (ids.length >= MAX_COMPARE) break;
    const s = show(r.params[key], 200);
    if (seen.has(s)) continue;
    seen.add(s);
    ids.push(r.id);
  }
  for (const r of having) if (ids.length < 2 && !ids.includes(r.id)) ids.push(r.id);
  tips.push(`Recorded by ${having.length} run${having.length === 1 ? '' : 's'}. Click to compare ${ids.length} of them.`);
  return { title: parts.join(' · '), tooltip: tips.join('\n'), runIds: ids, metric: primary ?? undefined };
}

/**
 * A metric in a metrics file against the baseline run: the marked one when it has the metric,
 * else the newest finished run whose value differs from the file (the previous run, usually).
 */
export function metricFileLens(key: string, fileValue: number, runs: readonly RunSummary[], baselineId: string | null): LensText | undefined {
  const having = runs.filter((r) => r.metrics[key] !== undefined);
  if (!having.length) return undefined;
  const marked = baselineId ? having.find((r) => r.id === baselineId) : undefined;
  const base = marked ?? usable(having).find((r) => r.metrics[key] !== fileValue && !Object.is(r.metrics[key], fileValue)) ?? usable(having)[1];
  if (!base) return undefined;
  const b = base.metrics[key]!;
  const label = marked ? `baseline ${base.name}` : `previous run ${base.name}`;
  let change: string;
  if (!Number.isFinite(fileValue) || !Number.isFinite(b)) change = `${formatNumber(fileValue, 4)} vs ${formatNumber(b, 4)}`;
  else {
    const d = fileValue - b;
    const pct = b !== 0 ? ` (${d >= 0 ? '+' : '−'}${Math.abs((d / Math.abs(b)) * 100).toFixed(1)}%)` : '';
    change = d === 0 ? 'unchanged' : `${d > 0 ? '+' : '−'}${formatNumber(Math.abs(d), 4)}${pct}`;
  }
  const verdict = Number.isFinite(fileValue) && Number.isFinite(b) && fileValue !== b ? (better(key, fileValue, b) ? ' ▲ better' : ' ▼ worse') : '';
  const current = having.find((r) => r.metrics[key] === fileValue && r.id !== base.id);
  return {
    title: `${change} vs ${label} (${formatNumber(b, 4)})${verdict}`,
    tooltip: `${key} is ${formatNumber(fileValue)} in this file and ${formatNumber(b)} in ${base.name}${marked ? ' (the baseline marked in the Experiments table)' : ''}. Click to compare.`,
    runIds: current ? [current.id, base.id] : [base.id],
    metric: key,
  };
}

/** A metric a training script logs: its latest value (newest run that has it) and the best one. */
export function loggedMetricLens(metric: string, runs: readonly RunSummary[]): LensText | undefined {
  const all = runs.filter((r) => r.metrics[metric] !== undefined);
  if (!all.length) return undefined;
  // When our own runs log this metric, the script is this project's: compare within their
  // experiments, not with an unrelated MLflow experiment that happens to use the same name.
  const ours = new Set(all.filter((r) => r.source === 'mlops').map((r) => r.experiment));
  const having = ours.size ? all.filter((r) => ours.has(r.experiment)) : all;
  const latest = having[0]!;
  const best = bestBy(usable(having), metric);
  const parts = [`${metric}: latest ${formatNumber(latest.metrics[metric]!, 4)}${latest.status === 'running' ? ' (running)' : ''}`];
  if (best && best.id !== latest.id) parts.push(`best ${formatNumber(best.metrics[metric]!, 4)} (${best.name})`);
  else if (best) parts.push('the best so far');
  const ids = [latest.id, ...(best && best.id !== latest.id ? [best.id] : []), ...having.slice(1).map((r) => r.id)];
  return {
    title: parts.join(' · '),
    tooltip: `${metric} in ${having.length} run${having.length === 1 ? '' : 's'}: latest ${latest.name}${best ? `, best ${best.name}` : ''}. Click to compare their curves.`,
    runIds: [...new Set(ids)].slice(0, MAX_COMPARE),
    metric,
  };
}
