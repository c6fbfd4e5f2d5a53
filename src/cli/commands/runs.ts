import path from 'node:path';
import type { CliCommand, CommandContext } from '../command.ts';
import type { CliIO } from '../io.ts';
import { EXIT, UsageError, printJson, table } from '../io.ts';
import { MlopsError } from '../../engine/errors.ts';
import { Store } from '../../engine/store/store.ts';
import { findWorkspaceRoot, isInitialized } from '../../engine/workspace/workspace.ts';
import type { MetricPoint, RunDetail, RunSummary, SourceProblem, TrackingService } from '../../engine/tracking/api.ts';
import { openTracking } from '../../engine/tracking/tracking.ts';
import { addMlflowStore } from '../../engine/tracking/importMlflow.ts';
import { displayValue, formatNumber } from '../../engine/tracking/values.ts';

/** NaN and ±Infinity survive --json as strings ("NaN", "Infinity", "-Infinity"); JSON has no spelling for them. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

interface Session {
  root: string;
  store: Store;
  tracking: TrackingService;
  problems: SourceProblem[];
}

/** Our runs need the store; without `mlops init` an in-memory one still lets MLflow and DVCLive runs list. */
async function open(io: CliIO): Promise<Session> {
  const root = findWorkspaceRoot(io.cwd) ?? path.resolve(io.cwd);
  const store = isInitialized(root) ? Store.open(root, { origin: 'cli' }) : Store.openFile(':memory:', { origin: 'cli' });
  const tracking = openTracking(root, store, { env: io.env });
  try {
    const { problems } = await tracking.refresh();
    return { root, store, tracking, problems };
  } catch (e) {
    tracking.close();
    store.close();
    throw e;
  }
}

async function withSession<T>(ctx: CommandContext, fn: (s: Session) => T | Promise<T>): Promise<T> {
  const s = await open(ctx.io);
  try {
    if (!ctx.json) for (const p of s.problems) ctx.io.err(`warning: ${p.location}: ${p.message}\n`);
    return await fn(s);
  } catch (e) {
    // A bad --filter or --sort is a usage error (exit 2), like a bad flag.
    if (e instanceof MlopsError && e.code === 'usage') throw new UsageError(e.describe());
    throw e;
  } finally {
    s.tracking.close();
    s.store.close();
  }
}

/** The short form shown in tables: MLflow uuids cut to 8 characters. `findRun` accepts it back. */
export function shortId(id: string): string {
  const m = /^mlflow:(.*\/)?([0-9a-f]{32})$/.exec(id);
  return m ? `mlflow:${m[2]!.slice(0, 8)}` : id;
}

/** A full id, or a unique prefix of the part after `<source>:` (or of the last path segment). */
export function findRun(t: TrackingService, given: string): RunSummary {
  const all = t.listRuns();
  const exact = all.find((r) => r.id === given);
  if (exact) return exact;
  const [src, rest] = given.includes(':') ? [given.slice(0, given.indexOf(':')), given.slice(given.indexOf(':') + 1)] : [undefined, given];
  const hits = all.filter((r) => {
    if (src !== undefined && r.source !== src) return false;
    const native = r.id.slice(r.id.indexOf(':') + 1);
    return native.startsWith(rest) || native.split('/').pop()!.startsWith(rest);
  });
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) throw new UsageError(`'${given}' matches ${hits.length} runs: ${hits.slice(0, 5).map((r) => r.id).join(', ')}${hits.length > 5 ? ', …' : ''}; give more of the id`);
  throw new MlopsError('not-found', `no run matches '${given}'`, { hint: "list runs with 'mlops runs list'" });
}

function when(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, '') : '-';
}

function duration(r: RunSummary): string {
  if (!r.startedAt || !r.endedAt) return '-';
  const s = (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : s < 3600 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;
}

/** The metric and param keys most runs share, for the default list columns. */
function commonKeys(runs: readonly RunSummary[], kind: 'metrics' | 'params', max: number): string[] {
  const count = new Map<string, number>();
  for (const r of runs) for (const k of Object.keys(r[kind])) count.set(k, (count.get(k) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, max).map(([k]) => k);
}

function cell(r: RunSummary, col: string): string {
  if (col.startsWith('metrics.')) return displayValue(r.metrics[col.slice(8)], 16);
  if (col.startsWith('params.')) return displayValue(r.params[col.slice(7)], 24);
  if (col.startsWith('tags.')) return displayValue(r.tags[col.slice(5)], 24);
  return displayValue((r as unknown as Record<string, string | null>)[col] ?? undefined, 24);
}

const listCommand: CliCommand = {
  name: ['runs', 'list'],
  summary: 'List experiment runs from pipelines, MLflow and DVCLive',
  usage: '[--experiment E] [--filter EXPR] [--sort KEY] [--desc] [--limit N] [--columns K,…] [--json]',
  details: `EXPR uses params.<key>, metrics.<key>, tags.<key> and name, status, experiment, source, startedAt:
  mlops runs list --filter "metrics.accuracy >= 0.85 and params['train.lr'] < 0.1" --sort metrics.accuracy --desc
Operators: and or not, == != < <= > >=, in [..], contains, ~= (regex), + - * /. Newest runs first by default.
--columns picks the extra columns (default: the most common metrics and params).`,
  options: {
    experiment: { type: 'string', short: 'e' },
    filter: { type: 'string' },
    sort: { type: 'string' },
    desc: { type: 'boolean', default: false },
    limit: { type: 'string', short: 'n' },
    columns: { type: 'string' },
  },
  run: (ctx) => withSession(ctx, ({ tracking }) => {
    const { io, values, json } = ctx;
    let limit: number | undefined;
    if (values['limit'] !== undefined) {
      limit = Number(values['limit']);
      if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit must be a whole number ≥ 0, got '${String(values['limit'])}'`);
    }
    const sortKey = values['sort'] as string | undefined;
    const runs = tracking.listRuns({
      ...(values['experiment'] !== undefined ? { experiment: String(values['experiment']) } : {}),
      ...(values['filter'] !== undefined ? { filter: String(values['filter']) } : {}),
      ...(sortKey ? { sort: { key: sortKey, descending: Boolean(values['desc']) } } : values['desc'] ? { sort: { key: 'startedAt', descending: true } } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    if (json) {
      printJson(io, jsonSafe({ runs, problems: tracking.problems() }));
      return EXIT.ok;
    }
    if (!runs.length) {
      io.out(values['filter'] ? 'No runs match the filter.\n' : 'No runs yet. Run a pipeline (mlops repro), or add MLflow stores with mlops runs import mlflow <path>.\n');
      return EXIT.ok;
    }
    const extra = values['columns'] !== undefined
      ? String(values['columns']).split(',').map((c) => c.trim()).filter(Boolean)
      : [...commonKeys(runs, 'metrics', 4).map((k) => `metrics.${k}`), ...commonKeys(runs, 'params', 3).map((k) => `params.${k}`)];
    const header = ['ID', 'NAME', 'EXPERIMENT', 'STATUS', 'STARTED', 'SOURCE', ...extra.map((c) => c.replace(/^(metrics|params|tags)\./, ''))];
    const rows = runs.map((r) => [shortId(r.id), displayValue(r.name, 28), displayValue(r.experiment, 20), r.status, when(r.startedAt), r.sourceLabel, ...extra.map((c) => cell(r, c))]);
    io.out(table([header, ...rows]));
    io.out(`${runs.length} run${runs.length === 1 ? '' : 's'}\n`);
    return EXIT.ok;
  }),
};

function seriesSummary(points: readonly MetricPoint[] | undefined): string {
  if (!points?.length) return '';
  const finite = points.map((p) => p.value).filter((v) => Number.isFinite(v));
  const range = finite.length ? `, min ${formatNumber(Math.min(...finite))}, max ${formatNumber(Math.max(...finite))}` : '';
  return `${points.length} step${points.length === 1 ? '' : 's'} (${points[0]!.step}…${points.at(-1)!.step})${range}`;
}

function printDetail(io: CliIO, r: RunDetail): void {
  io.out(`Run ${r.id}\n`);
  const head: string[][] = [
    ['name', r.name], ['experiment', r.experiment], ['status', r.status], ['source', `${r.sourceLabel}${r.readOnly ? ' (read-only)' : ''}`],
    ['started', when(r.startedAt)], ['ended', when(r.endedAt)], ['duration', duration(r)],
    ['git', r.gitCommit ? `${r.gitCommit.slice(0, 12)}${r.gitDirty ? ' (dirty)' : ''}` : '-'],
    ...Object.entries(r.extra).map(([k, v]) => [k, displayValue(v, 100)]),
  ];
  io.out(table(head.map(([k, v]) => [`  ${k}`, v!])));
  const section = (title: string, rows: string[][]): void => {
    if (!rows.length) return;
    io.out(`\n${title}\n`);
    io.out(table(rows.map((row) => row.map((c, i) => (i === 0 ? `  ${c}` : c)))));
  };
  section('Params', Object.keys(r.params).sort().map((k) => [k, displayValue(r.params[k], 100)]));
  const metricKeys = [...new Set([...Object.keys(r.metrics), ...Object.keys(r.series)])].sort();
  section('Metrics', metricKeys.map((k) => [k, displayValue(r.metrics[k], 20), seriesSummary(r.series[k])]));
  section('Tags', Object.keys(r.tags).sort().map((k) => [k, displayValue(r.tags[k], 100)]));
  section('Inputs', r.inputs.map((a) => [a.path, a.hash ?? '-']));
  section('Outputs', r.outputs.map((a) => [a.path, a.hash ?? '-']));
  if (r.warnings.length) {
    io.out('\nWarnings\n');
    for (const w of r.warnings) io.out(`  ${w}\n`);
  }
}

const showCommand: CliCommand = {
  name: ['runs', 'show'],
  summary: 'Show one run: params, metrics with their series, tags, inputs and outputs',
  usage: '<id> [--json]',
  details: 'The id may be shortened to a unique prefix (as `mlops runs list` prints it). --json includes every step series.',
  positionals: [1, 1],
  run: (ctx) => withSession(ctx, ({ tracking }) => {
    const run = tracking.getRun(findRun(tracking, ctx.positionals[0]!).id)!;
    if (ctx.json) printJson(ctx.io, jsonSafe(run));
    else printDetail(ctx.io, run);
    return EXIT.ok;
  }),
};

interface CompareRow {
  key: string;
  /** One per run; undefined where the run does not have the key (null in --json). */
  values: Array<string | number | boolean | null | undefined>;
  differs: boolean;
}

function compareRows(runs: RunSummary[], kind: 'params' | 'metrics'): CompareRow[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r[kind])))].sort();
  const rows = keys.map((key) => {
    const values = runs.map((r) => (Object.hasOwn(r[kind], key) ? (r[kind] as Record<string, string | number | boolean | null>)[key] : undefined));
    const shown = values.map((v) => (v === undefined ? 'absent' : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : JSON.stringify(v)));
    return { key, values, differs: new Set(shown).size > 1 };
  });
  // Differences first: that is what a comparison is for.
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}

const compareCommand: CliCommand = {
  name: ['runs', 'compare'],
  summary: 'Compare runs side by side: params that differ (marked *), then metrics',
  usage: '<id> <id>… [--json]',
  positionals: [2, 20],
  run: (ctx) => withSession(ctx, ({ tracking }) => {
    const runs = ctx.positionals.map((p) => findRun(tracking, p));
    const params = compareRows(runs, 'params');
    const metrics = compareRows(runs, 'metrics');
    if (ctx.json) {
      printJson(ctx.io, jsonSafe({ runs: runs.map((r) => ({ id: r.id, name: r.name, experiment: r.experiment, status: r.status })), params, metrics }));
      return EXIT.ok;
    }
    const header = ['', 'KEY', ...runs.map((r) => displayValue(r.name, 20))];
    const render = (rows: CompareRow[], width: number): string[][] => rows.map((row) =>
      [row.differs ? '*' : ' ', row.key, ...row.values.map((v) => (v === undefined ? '—' : displayValue(v, width)))]);
    ctx.io.out(`Comparing ${runs.map((r) => shortId(r.id)).join(', ')}\n`);
    const changed = params.filter((p) => p.differs).length;
    ctx.io.out(`\nParams (${changed} of ${params.length} differ)\n`);
    if (params.length) ctx.io.out(table([header, ...render(params, 30)]));
    ctx.io.out(`\nMetrics (${metrics.filter((m) => m.differs).length} of ${metrics.length} differ)\n`);
    if (metrics.length) ctx.io.out(table([header, ...render(metrics, 16)]));
    return EXIT.ok;
  }),
};

const deleteCommand: CliCommand = {
  name: ['runs', 'delete'],
  summary: 'Delete one of our runs (MLflow and DVCLive runs are read-only)',
  usage: '<id> [--json]',
  positionals: [1, 1],
  run: (ctx) => withSession(ctx, ({ tracking }) => {
    const run = findRun(tracking, ctx.positionals[0]!);
    tracking.deleteRun(run.id);
    if (ctx.json) printJson(ctx.io, { deleted: run.id });
    else ctx.io.out(`Deleted run ${run.id} (${run.name}).\n`);
    return EXIT.ok;
  }),
};

const importCommand: CliCommand = {
  name: ['runs', 'import'],
  summary: 'Read an MLflow store (mlruns/ folder or mlflow.db) in place: adds it to experiments.mlflow',
  usage: 'mlflow <path> [--json]',
  details: `Nothing is copied: the path is added to experiments.mlflow in mlops.yaml and the runs are read from
it on every refresh, so runs MLflow logs later appear too. The workspace's own mlruns/ and mlflow.db
are found without this.`,
  positionals: [2, 2],
  async run(ctx) {
    const [what, store] = ctx.positionals as [string, string];
    if (what !== 'mlflow') throw new UsageError(`only MLflow stores can be imported, got '${what}'. Usage: mlops runs import mlflow <path>`);
    const root = findWorkspaceRoot(ctx.io.cwd) ?? path.resolve(ctx.io.cwd);
    const r = await addMlflowStore(root, store, ctx.io.cwd);
    return withSession(ctx, ({ tracking }) => {
      const count = tracking.listRuns({ filter: "source == 'mlflow'" }).filter((x) => x.sourceLabel.replace(/\/$/, '') === r.entry).length;
      if (ctx.json) printJson(ctx.io, { ...r, runs: count });
      else {
        ctx.io.out(r.added
          ? `Added ${r.entry} to experiments.mlflow in mlops.yaml: ${count} run${count === 1 ? '' : 's'} read in place (nothing copied).\n`
          : `${r.entry} is already in experiments.mlflow: ${count} run${count === 1 ? '' : 's'}.\n`);
        if (r.discovered) ctx.io.out('(It sits at the workspace root, where it is found even without this entry.)\n');
      }
      return EXIT.ok;
    });
  },
};

export const RUNS_COMMANDS: readonly CliCommand[] = [listCommand, showCommand, compareCommand, deleteCommand, importCommand];
