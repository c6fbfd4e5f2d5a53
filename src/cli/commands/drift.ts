import path from 'node:path';
import type { CliCommand } from '../command.ts';
import type { CliIO } from '../io.ts';
import { EXIT, UsageError, printJson, table } from '../io.ts';
import { MlopsError, describeError } from '../../engine/errors.ts';
import { loadConfig } from '../../engine/config/config.ts';
import { Store } from '../../engine/store/store.ts';
import { findWorkspaceRoot } from '../../engine/workspace/workspace.ts';
import { DriftMetrics, Monitor, computeDriftReport, driftSettingsFromConfig, registryReferenceResolver, serveMetrics, sortColumnsBySeverity } from '../../engine/monitoring/index.ts';
import { openRegistry } from '../../engine/registry/registry.ts';
import { openVersioning } from '../../engine/versioning/versioning.ts';
import type { BatchReport, ColumnReport, DriftReportDocument, ProcessResult } from '../../engine/monitoring/index.ts';
import { reproCommand } from './pipeline.ts';

const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)} %`);

function fmtScore(x: number | null): string {
  if (x === null) return '-';
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(2);
  return x.toFixed(4);
}

/** Test name with what R17 asks to see next to the value: the JS log base and the PSI/KL bins. */
function testLabel(c: ColumnReport): string {
  if (!c.testName) return '-';
  const extra: string[] = [];
  if (c.jsLogBase !== undefined) extra.push(c.jsLogBase === 'e' ? 'ln' : `log${c.jsLogBase}`);
  if (c.binning && (c.test === 'psi' || c.test === 'kl_div' || c.test === 'jensenshannon')) extra.push(c.binning.method === 'categories' ? `${c.binning.bins} values` : `${c.binning.bins} ${c.binning.method} bins`);
  return extra.length ? `${c.testName} (${extra.join(', ')})` : c.testName;
}

function thresholdLabel(c: ColumnReport): string {
  if (c.threshold === null || c.rule === null) return '-';
  return `${c.rule === 'p<=threshold' ? 'p ≤' : c.rule === 'p<threshold' ? 'p <' : '≥'} ${c.threshold}`;
}

function printReport(io: CliIO, doc: DriftReportDocument): void {
  for (const side of [doc.reference, doc.current]) {
    const label = side === doc.reference ? 'Reference' : 'Current  ';
    io.out(side.error ? `${label}  ${side.path}: ${side.error.message}\n` : `${label}  ${side.path} (${side.rows.toLocaleString('en-US')} rows, ${side.columns} columns)\n`);
  }
  const s = doc.summary;
  io.out(`\n${s.headline}  (dataset drift when ≥ ${pct(s.threshold)} of the tested columns drift)\n\n`);
  const rows = sortColumnsBySeverity(doc.columns).map((c) => [
    c.name,
    c.kind,
    testLabel(c),
    fmtScore(c.score),
    thresholdLabel(c),
    c.status === 'ok' ? (c.drifted ? 'YES' : 'no') : `— ${c.status}`,
  ]);
  io.out(table([['COLUMN', 'TYPE', 'TEST', 'SCORE', 'THRESHOLD', 'DRIFTED'], ...rows]));
  const notes: string[] = [];
  for (const c of doc.columns) {
    if (c.message) notes.push(`${c.name}: ${c.message}`);
  }
  for (const name of s.missingChanged) {
    const c = doc.columns.find((x) => x.name === name)!;
    notes.push(`${name}: missing values ${pct(c.missing.reference)} → ${pct(c.missing.current)}`);
  }
  for (const n of doc.notes) notes.push(n);
  for (const side of [doc.reference, doc.current]) {
    for (const i of side.issues) if (i.severity !== 'info' || i.code === 'values-sampled') notes.push(`${side.path}: ${i.message}`);
  }
  if (notes.length) io.out(`\n${notes.map((n) => `  • ${n}`).join('\n')}\n`);
}

export const driftCommand: CliCommand = {
  name: ['drift'],
  summary: 'Compare a current dataset with a reference: per-column drift tests and the dataset verdict',
  usage: '<reference> <current> [--columns a,b] [--share 0.5] [--fail-on-drift] [--json]',
  details: `Evidently's default tests unless mlops.yaml says otherwise (drift: numTest, catTest, columns…).
Dataset drift when the share of drifted columns reaches --share (default: drift.share, else 0.5).
Exit code 1 with --fail-on-drift when the dataset drifts, and when a file cannot be read.`,
  options: {
    columns: { type: 'string' },
    share: { type: 'string' },
    'fail-on-drift': { type: 'boolean', default: false },
  },
  positionals: [2, 2],
  async run({ io, values, positionals, json }) {
    const [refArg, curArg] = positionals as [string, string];
    let share: number | undefined;
    if (values.share !== undefined) {
      share = Number(values.share);
      if (String(values.share).trim() === '' || !(share >= 0 && share <= 1)) throw new UsageError(`--share must be a number between 0 and 1, got '${String(values.share)}'`);
    }
    const columns = typeof values.columns === 'string' ? values.columns.split(',').map((c) => c.trim()).filter(Boolean) : undefined;
    if (columns && columns.length === 0) throw new UsageError('--columns needs at least one column name, e.g. --columns age,contract');
    const root = findWorkspaceRoot(io.cwd);
    const settings = root ? driftSettingsFromConfig(loadConfig(root), root) : undefined;
    // Large files take a while: a progress line on a terminal (R1), cleared before the report.
    let shown = 0;
    let progressed = false;
    const onProgress = (side: 'reference' | 'current', rows: number): void => {
      const now = Date.now();
      if (now - shown < 250) return;
      shown = now;
      progressed = true;
      io.err(`\rreading ${side}: ${rows.toLocaleString('en-US')} rows…`.padEnd(48));
    };
    const doc = await computeDriftReport(path.resolve(io.cwd, refArg), path.resolve(io.cwd, curArg), {
      ...(io.isTTY && !json ? { onProgress } : {}),
      ...(settings ? { settings } : {}),
      ...(share !== undefined ? { share } : {}),
      ...(columns ? { columns } : {}),
      referenceLabel: refArg,
      currentLabel: curArg,
    });
    if (progressed) io.err(`\r${' '.repeat(48)}\r`);
    if (json) printJson(io, doc);
    else printReport(io, doc);
    const failed = doc.reference.error ?? doc.current.error;
    if (failed) {
      if (!json) io.err(`mlops: ${failed.file}${failed.line ? `:${failed.line}` : ''}: ${failed.message}${failed.hint ? ` — ${failed.hint}` : ''}\n`);
      return EXIT.failure;
    }
    return values['fail-on-drift'] && doc.summary.datasetDrift ? EXIT.failure : EXIT.ok;
  },
};

function batchLine(r: BatchReport): string {
  if (r.error) return `${r.dataset}  ${r.path}  could not be read: ${r.error.message}\n`;
  const drifted = r.report.columns.filter((c) => c.drifted).map((c) => c.name);
  const retrain = r.retrain.retrain ? `\n    → retrain: ${r.retrain.auto ? 'running' : 'run'} mlops repro ${r.retrain.stages.join(' ')}` : '';
  return `${r.dataset}  ${r.path}  ${r.report.summary.headline}${drifted.length ? `  [${drifted.join(', ')}]` : ''}${retrain}\n`;
}

function batchJson(r: BatchReport): Record<string, unknown> {
  const s = r.report.summary;
  return {
    dataset: r.dataset, path: r.path, hash: r.hash, reportId: r.reportId, datasetDrift: r.datasetDrift, newlyDrifted: r.newlyDrifted,
    share: s.share, threshold: s.threshold, driftedColumns: s.driftedColumns, scoredColumns: s.scoredColumns,
    drifted: r.report.columns.filter((c) => c.drifted).map((c) => c.name), missingChanged: s.missingChanged, retrain: r.retrain,
    ...(r.error ? { error: r.error } : {}),
  };
}

/** Runs `mlops repro <stages>` for datasets whose retrain policy is automatic; output goes to stderr under --json. */
async function autoRetrain(io: CliIO, root: string, result: ProcessResult, json: boolean): Promise<void> {
  const due = new Map<string, string[]>();
  for (const r of result.reports) if (r.retrain.retrain && r.retrain.auto) due.set(r.dataset, r.retrain.stages);
  for (const [dataset, stages] of due) {
    io.err(`mlops: ${dataset} drifted — running mlops repro ${stages.join(' ')}\n`);
    const sub: CliIO = { ...io, cwd: root, out: json ? io.err : io.out };
    const code = await reproCommand.run({ io: sub, values: {}, positionals: stages, json: false });
    if (code !== 0) io.err(`mlops: retraining ${dataset} failed (exit ${code})\n`);
  }
}

function waitForStop(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: string) => (): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(sig);
    };
    const onInt = stop('SIGINT');
    const onTerm = stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

export const monitorCommand: CliCommand = {
  name: ['monitor'],
  summary: 'Check new production batches for drift (mlops.yaml monitoring:), optionally serve Prometheus metrics',
  usage: '[--once] [--serve] [--port 9464] [--json]',
  details: `Each batch file is reported once per content (path + md5) and stored in .mlops/mlops.db.
--serve keeps running: watches the batch folders and serves /metrics and /healthz on 127.0.0.1
until Ctrl-C or SIGTERM; with --once it serves without watching. --port 0 picks a free port.
Exit code 1 when a batch or a monitored dataset could not be processed.`,
  options: {
    serve: { type: 'boolean', default: false },
    once: { type: 'boolean', default: false },
    port: { type: 'string' },
  },
  async run({ io, values, json }) {
    const port = values.port === undefined ? 9464 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0-65535), got '${String(values.port)}'`);
    const root = findWorkspaceRoot(io.cwd);
    if (!root) throw new MlopsError('not-initialized', `${io.cwd} is not inside an MLOps workspace`, { hint: "run 'mlops init' in the project folder first" });
    const store = Store.open(root, { origin: 'cli' });
    try {
      // Datasets without `reference:` compare with the training data of the Production model.
      const monitor = Monitor.open(root, store, {
        resolveReference: registryReferenceResolver(root, () => {
          const config = loadConfig(root);
          return openRegistry(root, store, { config, versioning: openVersioning(root, { store, config }), origin: 'cli' });
        }),
      });
      if (monitor.datasets.length === 0) {
        throw new MlopsError('config', `mlops.yaml has no monitoring section`, { location: { file: path.join(root, 'mlops.yaml') }, hint: 'add e.g.\nmonitoring:\n  reference: data/raw/customers.csv\n  batches: data/production' });
      }
      const serving = Boolean(values.serve);
      const show = (r: BatchReport): void => (json ? (serving ? io.out(JSON.stringify(batchJson(r)) + '\n') : undefined) : io.out(batchLine(r)));
      const report = (result: ProcessResult): void => {
        for (const p of result.problems) io.err(`mlops: ${p.dataset}: ${p.message}${p.hint ? ` — ${p.hint}` : ''}\n`);
      };
      const first = await monitor.processNewBatches({ onReport: show });
      report(first);
      await autoRetrain(io, root, first, json);
      const failed = first.problems.length > 0 || first.reports.some((r) => r.error);
      if (!serving) {
        if (json) printJson(io, { reports: first.reports.map(batchJson), problems: first.problems });
        else if (first.reports.length === 0 && first.problems.length === 0) io.out(`No new batches (${monitor.datasets.map((d) => `${d.name}: ${d.batches}`).join(', ')}).\n`);
        return failed ? EXIT.failure : EXIT.ok;
      }
      const metrics = new DriftMetrics();
      const server = await serveMetrics({ port, registry: metrics.registry, beforeScrape: () => metrics.update(monitor.metricsSnapshot()) });
      io.err(`mlops: serving drift metrics on ${server.url} (health: /healthz); Ctrl-C to stop\n`);
      const watcher = values.once
        ? undefined
        : monitor.watch(
            (result) => {
              for (const r of result.reports) show(r);
              report(result);
              void autoRetrain(io, root, result, json);
            },
            { onError: (e) => io.err(`mlops: ${describeError(e)}\n`) },
          );
      await watcher?.ready();
      const sig = await waitForStop();
      await watcher?.close();
      await server.close();
      io.err(`mlops: stopped (${sig})\n`);
      return EXIT.ok;
    } finally {
      store.close();
    }
  },
};

export const DRIFT_COMMANDS: readonly CliCommand[] = [driftCommand, monitorCommand];
