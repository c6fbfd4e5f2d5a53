import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { ExperimentsModel, FolderRuns } from './model.ts';
import type { PipelineModel } from '../pipeline/model.ts';
import { metricLeaves, pythonLogSites, yamlLeaves } from './lensSites.ts';
import { loggedMetricLens, metricFileLens, paramLens, type LensText } from './lensText.ts';
import { primaryMetric } from './wire.ts';

/** Arguments of the compare command when a lens is clicked. */
export interface CompareRequest {
  folder: string;
  ids: string[];
  metric?: string;
}

class MetricLens extends vscode.CodeLens {
  readonly compute: () => LensText | undefined;
  readonly folder: string;

  constructor(range: vscode.Range, folder: string, compute: () => LensText | undefined) {
    super(range);
    this.folder = folder;
    this.compute = compute;
  }
}

type Kind = 'params' | 'metrics' | 'python';

const keyCache = new WeakMap<readonly unknown[], { params: Set<string>; metrics: Set<string> }>();

/** Every param and metric key the runs have, computed once per model update (not per lens). */
function keysOf(runs: FolderRuns['runs']): { params: Set<string>; metrics: Set<string> } {
  let k = keyCache.get(runs);
  if (!k) {
    k = { params: new Set(), metrics: new Set() };
    for (const r of runs) {
      for (const p in r.params) k.params.add(p);
      for (const m in r.metrics) k.metrics.add(m);
    }
    keyCache.set(runs, k);
  }
  return k;
}

/**
 * Metric lenses: in params files above each param (best run's value, range across runs), in
 * metrics files above each metric (change against the baseline run), in Python training code above
 * each line that logs a metric (latest and best value). Positions are found in
 * provideCodeLenses from the document text; titles are computed in resolveCodeLens from the runs
 * already in memory. The provider is registered only while the setting is on.
 */
export class ExperimentsCodeLens extends Disposable implements vscode.CodeLensProvider<MetricLens> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;
  private registration: vscode.Disposable | undefined;
  private readonly model: ExperimentsModel;
  private readonly pipelines: PipelineModel | undefined;
  private readonly baseline: (f: FolderRuns) => string | null;

  constructor(model: ExperimentsModel, pipelines: PipelineModel | undefined, baseline: (f: FolderRuns) => string | null) {
    super();
    this.model = model;
    this.pipelines = pipelines;
    this.baseline = baseline;
    this.register(model.onDidChange(() => this.changed.fire()));
    if (pipelines) this.register(pipelines.onDidChange(() => this.changed.fire()));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('mlops.experiments.codeLens') || e.affectsConfiguration('mlops.codeLens.enabled')) this.sync();
    }));
    this.register({ dispose: () => this.registration?.dispose() });
    this.sync();
  }

  static enabled(): boolean {
    const c = vscode.workspace.getConfiguration('mlops');
    return c.get<boolean>('codeLens.enabled', true) && c.get<boolean>('experiments.codeLens', true);
  }

  private sync(): void {
    const on = ExperimentsCodeLens.enabled();
    if (on && !this.registration) {
      this.registration = vscode.languages.registerCodeLensProvider(
        [{ scheme: 'file', language: 'yaml' }, { scheme: 'file', language: 'json' }, { scheme: 'file', language: 'jsonc' }, { scheme: 'file', language: 'python' }, { scheme: 'file', pattern: '**/*.py' }],
        this,
      );
    } else if (!on && this.registration) {
      this.registration.dispose();
      this.registration = undefined;
    }
  }

  /** Which lenses a document gets, if any. */
  private kindOf(doc: vscode.TextDocument, f: FolderRuns): Kind | undefined {
    const file = doc.uri.fsPath;
    const base = path.basename(file).toLowerCase();
    if (doc.languageId === 'python' || base.endsWith('.py')) return 'python';
    if (this.metricsFiles(f).has(file)) return 'metrics';
    if (base === 'params.yaml' || base === 'params.yml') return 'params';
    if (/(^|[-_.])metrics\.(json|ya?ml)$/.test(base) || path.basename(path.dirname(file)) === 'metrics') return 'metrics';
    return undefined;
  }

  /** Metrics files the pipelines declare (stage `metrics:` outputs and top-level `metrics:`). */
  private metricsFiles(f: FolderRuns): Set<string> {
    const out = new Set<string>();
    for (const p of this.pipelines?.pipelines ?? []) {
      if (p.folder.uri.toString() !== f.folder.uri.toString() || !p.status) continue;
      const dir = path.dirname(p.file);
      for (const s of p.status.pipeline.stages) for (const o of s.outs) if (o.kind === 'metrics') out.add(path.resolve(dir, o.rel));
      for (const m of p.status.pipeline.metrics) out.add(path.resolve(dir, m));
    }
    return out;
  }

  provideCodeLenses(doc: vscode.TextDocument): MetricLens[] {
    const f = this.model.forUri(doc.uri);
    if (!f || !f.runs.length) return [];
    const kind = this.kindOf(doc, f);
    if (!kind) return [];
    const folder = f.folder.uri.toString();
    const text = doc.getText();
    const at = (line: number) => new vscode.Range(line, 0, line, 0);
    const runs = () => this.model.forFolder(f.folder)?.runs ?? [];
    const rel = vscode.workspace.asRelativePath(doc.uri, false);
    const keys = keysOf(f.runs);
    const hasMetric = (k: string) => keys.metrics.has(k);
    const hasParam = (k: string) => keys.params.has(k);
    // Sites whose key no run has get no lens at all (an empty lens would only push the code down).
    if (kind === 'python') {
      return pythonLogSites(text).flatMap((site) => site.metrics.filter(hasMetric).map((m) => new MetricLens(at(site.line), folder, () => loggedMetricLens(m, runs()))));
    }
    if (kind === 'metrics') {
      return metricLeaves(text).flatMap((leaf) => {
        // Runs record a metrics file's keys bare, or as `file:key` when two files share a key.
        const key = hasMetric(leaf.key) ? leaf.key : hasMetric(`${rel}:${leaf.key}`) ? `${rel}:${leaf.key}` : undefined;
        if (!key) return [];
        return [new MetricLens(at(leaf.line), folder, () => {
          const now = this.model.forFolder(f.folder);
          return metricFileLens(key, leaf.value, runs(), now ? this.baseline(now) : null);
        })];
      });
    }
    return yamlLeaves(text).flatMap((leaf) => {
      // params.yaml keys are bare (`train.lr`), as DVC shows them; other params files are named.
      const key = hasParam(leaf.key) ? leaf.key : hasParam(`${rel}:${leaf.key}`) ? `${rel}:${leaf.key}` : undefined;
      if (!key) return [];
      return [new MetricLens(at(leaf.line), folder, () => {
        // "Best" is judged by the metric the runs that set this param are summarised by.
        const rs = runs();
        const having = rs.filter((r) => Object.hasOwn(r.params, key));
        return paramLens(key, rs, primaryMetric(having, this.model.forFolder(f.folder)?.configuredPrimary));
      })];
    });
  }

  resolveCodeLens(lens: MetricLens): MetricLens {
    const t = lens.compute();
    const args: CompareRequest = { folder: lens.folder, ids: t?.runIds ?? [], metric: t?.metric };
    // The runs may have gone since provideCodeLenses; the lens then says so until the next refresh.
    lens.command = t
      ? { title: t.title, tooltip: t.tooltip, command: CommandId.compareRuns, arguments: [args] }
      : { title: 'no runs', command: '' };
    return lens;
  }
}
