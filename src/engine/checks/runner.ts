/**
 * Runs declared checks: resolves each suite's data (a dataset, or a pipeline stage's outputs from
 * dvc.yaml) and reads every file once for all of the suite's data checks; loads the run, baseline
 * and production metrics a model check names on first use; computes (or reads) each drift report
 * once. Results stream out per check (the Test Explorer shows them as they come) and add up to a
 * ChecksReport. Nothing here throws for bad data or a bad check: it becomes an errored result.
 */
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { loadConfig, type WorkspaceConfig } from '../config/config.ts';
import { suggest } from '../pipeline/suggest.ts';
import { computeDriftReport, driftSettingsFromConfig, latestReport, monitoringFromConfig } from '../monitoring/index.ts';
import type { Store } from '../store/store.ts';
import { checkDataFile, type DataFile } from './data.ts';
import { rel, resolveDataset, stageFiles } from './targets.ts';
import { checkDrift, checkMetric, type DriftSubject, type MetricScope } from './model.ts';
import { findRun, readMetricsFile, runMetrics, workspaceMetrics, requireRuns, type MetricSet, type ProductionLookup, type RunLookup } from './metrics.ts';
import { errored, worst, type Outcome } from './outcome.ts';
import { expressionNames, parseExpression } from '../expr/index.ts';
import type { CheckDef, CheckResult, ChecksConfig, ChecksReport, DataRule, MetricDelta, SuiteDef, SuiteResult } from './types.ts';
import { selectChecks } from './config.ts';

export interface CheckServices {
  /** Experiment tracking; without it `run: latest` checks are errored with a hint. */
  runs?: RunLookup | null;
  /** The registry's Production version; without it `production.*` names are errored. */
  production?: ProductionLookup | null;
  /** For monitored datasets' stored drift reports. */
  store?: Store | null;
}

export interface RunChecksOptions extends CheckServices {
  /** Suite names or check ids (`suite/key`); default every suite. Unknown ones are a usage error. */
  select?: readonly string[];
  /** Dataset paths by name, overriding `checks.datasets` (CI: the batch to gate). */
  datasets?: Readonly<Record<string, string>>;
  /** mlops.yaml, for drift settings and monitored datasets (read when not given). */
  workspaceConfig?: WorkspaceConfig;
  now?: number;
  signal?: AbortSignal;
  onSuiteStart?(suite: SuiteDef): void;
  onCheckStart?(check: CheckDef): void;
  onResult?(result: CheckResult): void;
}

const DATA_KINDS = new Set<string>(['schema', 'rows', 'range', 'categories', 'missing', 'unique', 'regex', 'freshness']);
/** A lazily loaded value, loaded at most once; a failure is remembered and rethrown. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= load());
}

class Run {
  private readonly root: string;
  private readonly config: ChecksConfig;
  private readonly options: RunChecksOptions;
  private readonly overrides: Readonly<Record<string, string>>;
  private readonly driftCache = new Map<string, () => Promise<DriftSubject>>();
  private wsConfig: WorkspaceConfig | undefined;

  constructor(root: string, config: ChecksConfig, options: RunChecksOptions) {
    this.root = root;
    this.config = config;
    this.options = options;
    this.overrides = options.datasets ?? {};
    this.wsConfig = options.workspaceConfig;
  }

  private workspaceConfig(): WorkspaceConfig {
    return (this.wsConfig ??= loadConfig(this.root));
  }

  private result(check: CheckDef, o: Outcome, started: number, share = 1): CheckResult {
    const r: CheckResult = {
      id: check.id,
      suite: check.suite,
      name: check.name,
      kind: check.kind,
      severity: check.severity,
      status: o.status,
      ...(o.errorKind && o.status === 'errored' ? { errorKind: o.errorKind } : {}),
      message: o.message,
      ...(o.expected !== undefined ? { expected: o.expected } : {}),
      ...(o.actual !== undefined ? { actual: o.actual } : {}),
      ...(o.measured !== undefined ? { measured: o.measured } : {}),
      details: o.details,
      links: o.links,
      ...(o.values ? { values: o.values } : {}),
      ...(o.hint ? { hint: o.hint } : {}),
      range: check.range,
      // Checks that share one pass over a file split its time, so a suite's total is the real time.
      durationMs: Math.round((performance.now() - started) / share),
    };
    this.options.onResult?.(r);
    return r;
  }

  async suite(suite: SuiteDef): Promise<SuiteResult> {
    const started = performance.now();
    this.options.onSuiteStart?.(suite);
    for (const c of suite.checks) this.options.onCheckStart?.(c);
    const results = new Map<CheckDef, CheckResult>();
    let subject = '';
    let runInfo: SuiteResult['run'];

    if (suite.error) {
      for (const c of suite.checks) results.set(c, this.result(c, errored(suite.error), started));
    } else {
      const broken = suite.checks.filter((c) => c.error || !c.rule);
      for (const c of broken) results.set(c, this.result(c, errored(c.error ?? new MlopsError('config', `check ${c.name} has no rule`)), started));
      const dataChecks = suite.checks.filter((c) => !results.has(c) && DATA_KINDS.has(c.rule!.kind));
      const modelChecks = suite.checks.filter((c) => !results.has(c) && !DATA_KINDS.has(c.rule!.kind));
      if (dataChecks.length) subject = await this.dataChecks(suite, dataChecks, results, started);
      if (modelChecks.length) {
        const scope = this.scope(suite);
        for (const c of modelChecks) {
          this.options.signal?.throwIfAborted();
          const t = performance.now();
          const rule = c.rule!;
          const o = rule.kind === 'metric' ? await checkMetric(rule, scope) : rule.kind === 'drift' ? await checkDrift(rule, this.driftSubject(rule)) : errored(new MlopsError('config', `unexpected rule ${rule.kind}`));
          results.set(c, this.result(c, o, t));
        }
        const current = modelChecks.some((c) => c.rule!.kind === 'metric') ? await scope.current().catch(() => undefined) : undefined;
        if (current?.run) runInfo = { id: current.run.id, name: current.run.name, experiment: current.run.experiment, gitCommit: current.run.gitCommit, source: current.run.sourceLabel };
        if (current) subject = subject ? `${subject}; ${current.label}` : current.label;
      }
    }
    const checks = suite.checks.map((c) => results.get(c)!);
    const deltas = await this.deltas(suite);
    return {
      name: suite.name,
      ...(suite.description ? { description: suite.description } : {}),
      subject,
      status: checks.filter((c) => c.severity === 'error').reduce((s, c) => worst(s, c.status), 'passed' as CheckResult['status']),
      checks,
      ...(runInfo ? { run: runInfo } : {}),
      ...(deltas.length ? { deltas } : {}),
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** Every data check of the suite in one pass per file; several files combine to the worst. */
  private async dataChecks(suite: SuiteDef, checks: CheckDef[], results: Map<CheckDef, CheckResult>, started: number): Promise<string> {
    let files: DataFile[];
    try {
      if (suite.target.kind === 'none') {
        throw new MlopsError('config', `suite '${suite.name}' has data checks but names no data: add dataset: <name or path>, or stage: <dvc.yaml stage>`, { location: { file: suite.range.file, line: suite.range.start.line } });
      }
      files = suite.target.kind === 'dataset' ? [resolveDataset(this.root, this.config, suite.target.ref, this.overrides).file] : await stageFiles(this.root, suite.target, suite);
    } catch (e) {
      for (const c of checks) results.set(c, this.result(c, errored(e), started));
      return suite.target.kind === 'stage' ? `stage ${suite.target.stage}` : suite.target.kind === 'dataset' ? suite.target.ref : '';
    }
    const rules = checks.map((c) => c.rule as DataRule);
    const per: Outcome[][] = checks.map(() => []);
    const subjects: string[] = [];
    for (const f of files) {
      this.options.signal?.throwIfAborted();
      const r = await checkDataFile(f, rules, { ...(this.options.now !== undefined ? { now: this.options.now } : {}), ...(this.options.signal ? { signal: this.options.signal } : {}) });
      r.outcomes.forEach((o, i) => per[i]!.push(o));
      subjects.push(r.rows === null ? f.label : `${f.label} (${r.rows.toLocaleString('en-US')} rows)`);
    }
    checks.forEach((c, i) => results.set(c, this.result(c, combine(per[i]!, files), started, checks.length)));
    return subjects.join(', ');
  }

  private scope(suite: SuiteDef): MetricScope {
    const runs = this.options.runs;
    const current = once(async (): Promise<MetricSet> => {
      if (suite.run.kind === 'workspace') return workspaceMetrics(this.root);
      return runMetrics(findRun(runs, suite.run));
    });
    const baseline = once(async (): Promise<MetricSet> => {
      const b = suite.baseline;
      if (!b) {
        throw new MlopsError('config', `suite '${suite.name}' uses baseline.* but declares no baseline`, {
          location: { file: suite.range.file, line: suite.range.start.line },
          hint: 'add baseline: { file: metrics/baseline.json } or baseline: { run: <run id> } to the suite',
        });
      }
      if (b.kind === 'file') {
        const abs = path.resolve(this.root, b.path);
        const label = rel(this.root, abs);
        return { values: await readMetricsFile(abs, label), label, files: [label] };
      }
      if (b.kind === 'run') return runMetrics(findRun(runs, { kind: 'run', id: b.id }));
      const lookup = requireRuns(runs, 'the baseline is the latest run of an experiment');
      const run = b.experiment === null ? undefined : lookup.latestRun(b.experiment);
      if (!run) throw new MlopsError('not-found', `no finished run in experiment ${b.experiment ?? '(none named)'} for the baseline`);
      return runMetrics(run);
    });
    const production = once(async (): Promise<MetricSet> => {
      const lookup = this.options.production;
      if (!lookup) {
        throw new MlopsError('not-found', 'production.* needs the model registry, which is not available here', { hint: "register a model and promote a version to Production (mlops models promote …)" });
      }
      const p = await lookup(suite.model);
      const values = new Map<string, number | string | boolean | null>(Object.entries(p.metrics));
      const label = `${p.model} v${p.version} (Production)`;
      return { values, label, link: { kind: 'model', model: p.model, version: p.version, runId: p.runId, label: `production: ${label}` } };
    });
    return { current, baseline, production };
  }

  private driftSubject(rule: Extract<NonNullable<CheckDef['rule']>, { kind: 'drift' }>): () => Promise<DriftSubject> {
    const key = JSON.stringify([rule.monitor, rule.dataset, rule.reference]);
    let cached = this.driftCache.get(key);
    if (cached) return cached;
    cached = once(async (): Promise<DriftSubject> => {
      const config = this.workspaceConfig();
      if (rule.monitor !== null) {
        const store = this.options.store;
        const monitored = monitoringFromConfig(config, this.root).datasets.map((d) => d.name);
        if (!monitored.includes(rule.monitor)) {
          throw new MlopsError('config', `'${rule.monitor}' is not a monitored dataset`, { hint: suggest(rule.monitor, monitored) ?? (monitored.length ? `monitored: ${monitored.join(', ')}` : 'mlops.yaml has no monitoring: section') });
        }
        const stored = store ? latestReport(store, rule.monitor, { readable: true }) : undefined;
        if (!stored) throw new MlopsError('not-found', `no drift report is stored for monitored dataset ${rule.monitor}`, { hint: "run 'mlops monitor --once' to compute one for each new batch" });
        return {
          doc: stored.report,
          label: stored.summary.currentPath,
          link: { kind: 'drift-report', reportId: stored.summary.id, dataset: rule.monitor, label: `drift report #${stored.summary.id}: ${stored.summary.currentPath} vs ${stored.summary.referencePath}`, path: stored.summary.currentPath },
        };
      }
      const cur = resolveDataset(this.root, this.config, rule.dataset!, this.overrides);
      const refName = rule.reference ?? cur.def?.reference ?? null;
      let refPath: string | undefined;
      let settings = driftSettingsFromConfig(config, this.root);
      if (refName !== null) refPath = resolveDataset(this.root, this.config, refName, this.overrides).file.path;
      else {
        // A batch inside a monitored folder is compared with that dataset's reference and settings.
        const m = monitoringFromConfig(config, this.root).datasets.find((d) => d.referencePath && cur.file.path.startsWith(d.batchesPath + path.sep));
        if (m?.referencePath) {
          refPath = m.referencePath;
          settings = m.drift;
        }
      }
      if (!refPath) {
        throw new MlopsError('config', `drift check on ${rule.dataset} has no reference to compare with`, { hint: `give the check reference: <dataset or path>, or the dataset a reference in checks.datasets (e.g. { path: ${cur.file.label}, reference: customers })` });
      }
      const doc = await computeDriftReport(refPath, cur.file.path, { settings, referenceLabel: rel(this.root, refPath), currentLabel: cur.file.label, ...(this.options.signal ? { signal: this.options.signal } : {}) });
      return { doc, label: cur.file.label, link: { kind: 'drift-report', reportId: null, label: `${cur.file.label} vs ${rel(this.root, refPath)}`, path: cur.file.path } };
    });
    this.driftCache.set(key, cached);
    return cached;
  }

  /** Metrics the suite's checks name, with current / baseline / production values where known. */
  private async deltas(suite: SuiteDef): Promise<MetricDelta[]> {
    const names = new Set<string>();
    let usesProduction = false;
    for (const c of suite.checks) {
      if (c.rule?.kind !== 'metric') continue;
      try {
        for (const n of expressionNames(parseExpression(c.rule.expression))) {
          if (n.startsWith('production.')) usesProduction = true;
          const m = /^(?:baseline|production)\.(?:metrics\.)?(.+)$/.exec(n)?.[1] ?? (n.startsWith('metrics.') ? n.slice(8) : n);
          if (!m.startsWith('params.')) names.add(m);
        }
      } catch {
        // an unparseable expression is already an errored check
      }
    }
    if (names.size === 0) return [];
    const scope = this.scope(suite);
    const num = async (load: () => Promise<MetricSet>, name: string): Promise<number | null> => {
      try {
        const v = (await load()).values.get(name);
        return typeof v === 'number' ? v : null;
      } catch {
        return null;
      }
    };
    const out: MetricDelta[] = [];
    for (const name of names) {
      out.push({
        metric: name,
        current: await num(scope.current, name),
        baseline: suite.baseline ? await num(scope.baseline, name) : null,
        // Only when a check compares with production: reading it opens the registry.
        production: usesProduction && this.options.production ? await num(scope.production, name) : null,
      });
    }
    return out;
  }
}

/** One outcome from several files: the worst status, messages prefixed with the file when there are several. */
function combine(outcomes: Outcome[], files: DataFile[]): Outcome {
  if (outcomes.length === 1) return outcomes[0]!;
  const status = outcomes.reduce((s, o) => worst(s, o.status), 'passed' as Outcome['status']);
  const bad = outcomes.map((o, i) => ({ o, f: files[i]! })).filter(({ o }) => o.status !== 'passed');
  const pick = bad[0]?.o ?? outcomes[0]!;
  // Most messages already name their file; others get it as a prefix.
  const named = (o: Outcome, f: DataFile): string => (o.message.includes(f.label) ? o.message : `${f.label}: ${o.message}`);
  const message = bad.length === 0
    ? `${files.length} files: ${outcomes.map((o, i) => named(o, files[i]!)).join('; ')}`
    : `${bad.length} of ${files.length} files: ${bad.map(({ o, f }) => named(o, f)).join('; ')}`;
  return {
    ...pick,
    status,
    message,
    ...(pick.actual !== undefined ? { actual: outcomes.map((o, i) => `${files[i]!.label}: ${o.actual ?? o.status}`).join('; ') } : {}),
    details: outcomes.flatMap((o, i) => o.details.map((d) => `${files[i]!.label}: ${d}`)),
    links: outcomes.flatMap((o) => o.links),
    ...(status === 'errored' ? { errorKind: bad.find(({ o }) => o.status === 'errored')!.o.errorKind ?? 'runtime' } : {}),
  };
}

/**
 * Run the selected checks. Throws MlopsError('usage') only for selectors that name no suite or
 * check; everything else ends up in the report.
 */
export async function runChecks(root: string, config: ChecksConfig, options: RunChecksOptions = {}): Promise<ChecksReport> {
  const started = performance.now();
  const { suites, unknown } = selectChecks(config, options.select ?? []);
  if (unknown.length) {
    const names = [...config.suites.map((s) => s.name)];
    throw new MlopsError('usage', `no suite or check named ${unknown.map((u) => JSON.stringify(u)).join(', ')}`, {
      hint: suggest(unknown[0]!, names) ?? (names.length ? `suites: ${names.join(', ')}` : 'no suites are declared'),
    });
  }
  for (const name of Object.keys(options.datasets ?? {})) {
    if (!config.datasets.some((d) => d.name === name) && !config.suites.some((s) => s.target.kind === 'dataset' && s.target.ref === name)) {
      throw new MlopsError('usage', `--dataset ${name}=… names no dataset of the checks`, { hint: suggest(name, config.datasets.map((d) => d.name)) ?? `datasets: ${config.datasets.map((d) => d.name).join(', ') || '(none declared)'}` });
    }
  }
  const run = new Run(root, config, options);
  const results: SuiteResult[] = [];
  for (const s of suites) results.push(await run.suite(s));
  const all = results.flatMap((s) => s.checks);
  const gating = all.filter((c) => c.severity === 'error');
  const report: ChecksReport = {
    version: 1,
    createdAt: new Date(options.now ?? Date.now()).toISOString(),
    root,
    file: rel(root, config.file),
    status: gating.reduce((s, c) => worst(s, c.status), 'passed' as CheckResult['status']),
    totals: {
      checks: all.length,
      passed: all.filter((c) => c.status === 'passed').length,
      failed: all.filter((c) => c.status === 'failed' && c.severity === 'error').length,
      errored: all.filter((c) => c.status === 'errored' && c.severity === 'error').length,
      warned: all.filter((c) => c.status !== 'passed' && c.severity === 'warn').length,
    },
    suites: results,
    durationMs: Math.round(performance.now() - started),
  };
  options.store?.recordActivity('checks.run', { status: report.status, totals: report.totals, suites: results.map((s) => s.name) });
  return report;
}

/** A report's exit code: 0 all gating checks passed, 2 a check is written wrongly, 1 otherwise. */
export function exitCodeOf(report: ChecksReport): 0 | 1 | 2 {
  const gating = report.suites.flatMap((s) => s.checks).filter((c) => c.severity === 'error');
  if (gating.some((c) => c.status === 'errored' && c.errorKind === 'config')) return 2;
  return report.status === 'passed' ? 0 : 1;
}

