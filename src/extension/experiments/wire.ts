/**
 * Runs as the views show them, without vscode: the wire form for the panel, which metric is
 * "primary", which direction is better, and the short texts the tree and CodeLens print.
 * Unit-tested with plain Node (test/unit/experiments).
 */
import type { RunSummary } from '../../engine/tracking/api.ts';
import { encodeNumber, encodeParam, formatNumber, type RunRowWire, type WireParam, type WireNumber } from '../../shared/experiments.ts';

const wireCache = new WeakMap<RunSummary, RunRowWire>();

/** Summaries the engine did not rebuild are the same objects: encode each once. */
export function toWire(r: RunSummary): RunRowWire {
  const cached = wireCache.get(r);
  if (cached) return cached;
  const params: Record<string, WireParam> = {};
  for (const [k, v] of Object.entries(r.params)) params[k] = encodeParam(v);
  const metrics: Record<string, WireNumber> = {};
  for (const [k, v] of Object.entries(r.metrics)) metrics[k] = encodeNumber(v);
  const w: RunRowWire = {
    id: r.id, source: r.source, sourceLabel: r.sourceLabel, experiment: r.experiment, name: r.name, status: r.status,
    startedAt: r.startedAt, endedAt: r.endedAt, gitCommit: r.gitCommit, gitDirty: r.gitDirty, readOnly: r.readOnly,
    params, metrics, tags: r.tags, warnings: r.warnings,
  };
  wireCache.set(r, w);
  return w;
}

/** Lower is better for losses and errors; everything else (accuracy, f1, auc…) higher is better. */
export function lowerIsBetter(metric: string): boolean {
  const leaf = metric.split(/[.:/]/).pop()!.toLowerCase();
  return /(loss|err|error|mse|rmse|mae|mape|nll|perplexity|cost|regret|latency|time|duration|brier|logloss|wer|cer|fpr|fnr)/.test(leaf);
}

/** Is `a` a better value of `metric` than `b`? Non-finite values are never better. */
export function better(metric: string, a: number, b: number | undefined): boolean {
  if (!Number.isFinite(a)) return false;
  if (b === undefined || !Number.isFinite(b)) return true;
  return lowerIsBetter(metric) ? a < b : a > b;
}

const PREFERRED = [/^(val|valid|test|eval)?[_./-]?(acc|accuracy)$/, /(^|[_./-])f1$/, /(roc_)?auc$/, /accuracy|acc/, /score/, /loss$/];

/**
 * The metric a run is summarised by (tree description, sort default): the configured one when any
 * run has it; else the most telling common name (accuracy, f1, auc, …, loss); else the metric most
 * runs have.
 */
export function primaryMetric(runs: readonly RunSummary[], configured?: string): string | null {
  const counts = new Map<string, number>();
  for (const r of runs) for (const k of Object.keys(r.metrics)) counts.set(k, (counts.get(k) ?? 0) + 1);
  if (!counts.size) return null;
  if (configured && counts.has(configured)) return configured;
  const keys = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || a.localeCompare(b));
  for (const re of PREFERRED) {
    const hit = keys.find((k) => re.test(k.toLowerCase()));
    if (hit) return hit;
  }
  return keys[0]!;
}

/** "acc 0.913" for the tree; NaN and ±inf as text. */
export function metricText(key: string, value: number | undefined): string {
  return value === undefined ? '' : `${key} ${formatNumber(value, 4)}`;
}

/** "3 min ago", "yesterday", a date for older runs. */
export function relativeTime(iso: string | null, now = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  if (s < 90 * 60) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 24 * 3600) return `${Math.round(s / 3600)} h ago`;
  if (s < 48 * 3600) return 'yesterday';
  if (s < 14 * 24 * 3600) return `${Math.round(s / 86400)} days ago`;
  return iso.slice(0, 10);
}

/** Newest first (runs without a start time last), then by id for a stable order. */
export function newestFirst(a: RunSummary, b: RunSummary): number {
  const ta = a.startedAt ?? '';
  const tb = b.startedAt ?? '';
  if (ta !== tb) return ta < tb ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** What the tree says after the name: live progress, or the primary metric and when. */
export function runDescription(run: RunSummary, primary: string | null, liveStep: number | undefined): string {
  const metric = primary ? metricText(primary, run.metrics[primary]) : '';
  const parts: string[] = [];
  if (run.status === 'running') {
    parts.push(liveStep !== undefined ? `running · step ${liveStep}` : 'running…');
    if (metric) parts.push(metric);
  } else {
    if (metric) parts.push(metric);
    if (run.status !== 'finished') parts.push(run.status);
    const when = relativeTime(run.endedAt ?? run.startedAt);
    if (when) parts.push(when);
  }
  if (run.warnings.length) parts.push(`⚠ ${run.warnings.length} warning${run.warnings.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}
