/**
 * The names a run filter or sort key may use, and their value on a run. No Node imports: the
 * experiments webview bundles this file so the page filters exactly as `mlops runs list` does.
 */
import type { Value } from '../expr/index.ts';
import type { ParamValue, RunSummary } from './api.ts';

export const RUN_ATTRIBUTES = ['id', 'name', 'status', 'experiment', 'source', 'sourceLabel', 'startedAt', 'endedAt', 'gitCommit', 'gitDirty', 'readOnly'] as const;
const NAMESPACES: Record<string, 'params' | 'metrics' | 'tags'> = { params: 'params', param: 'params', metrics: 'metrics', metric: 'metrics', tags: 'tags', tag: 'tags' };

export type RunName = { ns: 'params' | 'metrics' | 'tags'; key: string } | { attr: string };

/** `metrics.val/loss` → metrics + `val/loss`; MLflow's singular `param.`/`metric.`/`tag.` too; undefined when runs never have it. */
export function splitRunName(name: string): RunName | undefined {
  const dot = name.indexOf('.');
  if (dot > 0) {
    const ns = NAMESPACES[name.slice(0, dot)];
    if (ns) return { ns, key: name.slice(dot + 1) };
  }
  if ((RUN_ATTRIBUTES as readonly string[]).includes(name)) return { attr: name };
  return undefined;
}

/**
 * MLflow params are always strings; a string that is exactly a decimal number compares as a
 * number in filters, so `params.lr < 0.01` works on MLflow runs too.
 */
export function numericIfNumber(v: ParamValue): ParamValue {
  if (typeof v !== 'string') return v;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(v)) return v;
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

type RunLike = Pick<RunSummary, 'source' | 'params' | 'metrics' | 'tags'>;

/** The value of `name` on `run`: null for a key the run lacks, undefined for a name runs never have. */
export function runValue(run: RunLike, name: string): Value | undefined {
  const n = splitRunName(name);
  if (!n) return undefined;
  if ('attr' in n) return (run as unknown as Record<string, Value | undefined>)[n.attr] ?? null;
  if (n.ns === 'params') {
    if (!Object.hasOwn(run.params, n.key)) return null;
    const v = run.params[n.key]!;
    return run.source === 'mlflow' ? numericIfNumber(v) : v;
  }
  if (n.ns === 'metrics') return Object.hasOwn(run.metrics, n.key) ? run.metrics[n.key]! : null;
  return Object.hasOwn(run.tags, n.key) ? run.tags[n.key]! : null;
}
