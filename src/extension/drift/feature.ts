import * as vscode from 'vscode';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { Commands } from '../commands.ts';
import type { Log } from '../log.ts';
import type { WorkspaceModel } from '../workspace/model.ts';
import type { PipelineData } from '../pipeline/model.ts';
import { toDiagnostic } from '../workspace/diagnostics.ts';
import { DriftModel, type DriftModelOptions, type ProcessedEvent } from './model.ts';
import { MonitoringTree, type MonitoringNode } from './tree.ts';
import { DriftReportPanel } from './panel.ts';
import { Retrainer } from './retrain.ts';
import type { DriftPanelState } from '../../shared/drift.ts';
import { MlopsError } from '../../engine/errors.ts';
import { loadConfig } from '../../engine/config/config.ts';
import { computeDriftReport, driftSettingsFromConfig, driftTimeSeries } from '../../engine/monitoring/index.ts';
import type { BatchReport, MonitoredDataset } from '../../engine/monitoring/index.ts';
import type { RunResult } from '../../engine/pipeline/runner.ts';

/** A drift notification, as shown (tests and the log follow these). */
export interface DriftAlert {
  folder: vscode.WorkspaceFolder;
  dataset: string;
  batch: BatchReport;
  message: string;
  /** Buttons offered; empty when retraining started by itself. */
  actions: string[];
  autoRetrain: boolean;
}

type DatasetArg = MonitoringNode | { folder?: vscode.Uri; dataset: string; reportId?: number } | undefined;

const DATA_FILTERS = { 'Data files': ['csv', 'tsv', 'tab', 'jsonl', 'ndjson', 'parquet', 'pq', 'gz'] };
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * Drift monitoring in the editor: the Monitoring view, the drift report panel, notifications
 * when a new batch drifts (with Open Report and Retrain), retraining through the pipeline, and
 * ad-hoc comparisons of any two data files.
 */
export class DriftFeature extends Disposable {
  readonly model: DriftModel;
  readonly tree: MonitoringTree;
  readonly panel: DriftReportPanel;
  readonly retrainer: Retrainer;
  private readonly alerted = this.register(new vscode.EventEmitter<DriftAlert>());
  /** Fired as each drift notification is shown. */
  readonly onDidAlert = this.alerted.event;
  private readonly problems = this.register(vscode.languages.createDiagnosticCollection('mlops-monitoring'));
  private readonly log: Log;

  constructor(extensionUri: vscode.Uri, workspace: WorkspaceModel, commands: Commands, log: Log, pipelines: () => readonly PipelineData[], options: DriftModelOptions = {}) {
    super();
    this.log = log;
    this.model = this.register(new DriftModel(workspace, log, options));
    this.tree = this.register(new MonitoringTree(this.model));
    this.retrainer = new Retrainer(pipelines, log);
    this.panel = this.register(new DriftReportPanel(extensionUri, log, {
      openBatch: (folder, id) => this.stateFor(folder, id),
      retrain: async (folder, dataset) => vscode.commands.executeCommand(CommandId.retrain, { folder: folder.uri, dataset }),
    }));
    const view = this.register(vscode.window.createTreeView(MonitoringTree.viewId, { treeDataProvider: this.tree, showCollapseAll: true }));
    this.register(this.model.onDidChange(() => {
      const drifting = this.model.datasets.filter((d) => d.history.at(-1)?.datasetDrift).length;
      view.badge = drifting ? { value: drifting, tooltip: `${drifting} monitored dataset(s) drifted in their latest batch` } : undefined;
      this.problems.clear();
      for (const { folder, error } of this.model.configErrors) {
        this.problems.set(vscode.Uri.file(error.location?.file ?? path.join(folder.uri.fsPath, 'mlops.yaml')), [toDiagnostic(error, vscode.DiagnosticSeverity.Error)]);
      }
    }));
    this.register(this.model.onDidProcess((e) => this.onProcessed(e)));

    const reg = (id: Parameters<Commands['register']>[0], fn: (...a: any[]) => unknown) => this.register(commands.register(id, fn));
    reg(CommandId.openDriftReport, (arg?: DatasetArg) => this.openReport(arg));
    // From the Explorer (uri, selected uris), the palette (nothing), or a caller that knows both sides.
    reg(CommandId.compareDatasetsForDrift, (a?: vscode.Uri | { reference: vscode.Uri; current: vscode.Uri }, uris?: vscode.Uri[]) =>
      a && !(a instanceof vscode.Uri) ? this.compareFiles([], [a.reference, a.current]) : this.compareFiles(uris?.length ? uris : a ? [a] : []));
    reg(CommandId.retrain, (arg?: DatasetArg) => this.retrain(arg));
    reg(CommandId.checkBatches, () => this.checkNow());
  }

  /** The panel state of a stored report, with the dataset's drift-over-time series. */
  stateFor(folder: vscode.WorkspaceFolder, reportId: number): DriftPanelState {
    const loaded = this.model.report(folder, reportId);
    if (!loaded) throw new MlopsError('not-found', `Drift report ${reportId} is not in the store of ${folder.name}.`);
    const { summary, report } = loaded;
    const name = summary.monitor;
    const title = name ? `${name} · ${path.posix.basename(summary.currentPath)}` : `${path.basename(summary.referencePath)} → ${path.basename(summary.currentPath)}`;
    if (!name) return { title, reportId, report, retrainStages: [] };
    const monitor = this.model.monitorFor(folder);
    const history = monitor ? driftTimeSeries(name, monitor.history(name)) : undefined;
    const stages = monitor?.dataset(name)?.retrain.stages ?? [];
    return { title, dataset: name, reportId, report, ...(history ? { history } : {}), retrainStages: [...stages] };
  }

  private resolveDataset(arg: DatasetArg): { folder: vscode.WorkspaceFolder; dataset: MonitoredDataset; reportId?: number } | undefined {
    if (!arg) return undefined;
    if ('kind' in arg) {
      if (arg.kind === 'config-error') return undefined;
      return { folder: arg.state.folder, dataset: arg.state.dataset, ...(arg.kind === 'batch' ? { reportId: arg.point.id } : {}) };
    }
    const folder = arg.folder ? vscode.workspace.getWorkspaceFolder(arg.folder) : this.model.datasets.find((d) => d.dataset.name === arg.dataset)?.folder;
    const state = folder ? this.model.dataset(folder, arg.dataset) : undefined;
    if (!folder || !state) throw new MlopsError('not-found', `No monitored dataset ${arg.dataset}.`, { hint: 'The datasets are listed in the Monitoring view (mlops.yaml monitoring:).' });
    return { folder, dataset: state.dataset, ...(arg.reportId !== undefined ? { reportId: arg.reportId } : {}) };
  }

  private async pickDataset(placeHolder: string, filter: (d: MonitoredDataset) => boolean = () => true): Promise<{ folder: vscode.WorkspaceFolder; dataset: MonitoredDataset } | undefined> {
    const items = this.model.datasets.filter((d) => filter(d.dataset)).map((d) => ({ label: d.dataset.name, description: `${d.dataset.batches} · ${d.folder.name}`, d }));
    if (items.length === 0) throw new MlopsError('not-found', 'No monitored dataset fits.', { hint: 'Add a monitoring section to mlops.yaml (see the README), with retrain: { stages: [train] } to retrain.' });
    const pick = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { placeHolder });
    return pick ? { folder: pick.d.folder, dataset: pick.d.dataset } : undefined;
  }

  /** Open a stored report (a batch, or a dataset's latest); returns the state shown. */
  async openReport(arg?: DatasetArg): Promise<DriftPanelState | undefined> {
    const target: { folder: vscode.WorkspaceFolder; dataset: MonitoredDataset; reportId?: number } | undefined = this.resolveDataset(arg) ?? (await this.pickDataset('Open the drift report of which dataset?'));
    if (!target) return undefined;
    const id = target.reportId ?? this.model.monitorFor(target.folder)?.latest(target.dataset.name)?.summary.id;
    if (id === undefined) throw new MlopsError('not-found', `${target.dataset.name} has no report yet: no batch has arrived in ${target.dataset.batches}.`, { hint: 'Drop a batch file into the folder, or run MLOps: Check for New Batches.' });
    const state = this.stateFor(target.folder, id);
    this.panel.show(target.folder, state);
    return state;
  }

  async retrain(arg?: DatasetArg): Promise<RunResult | undefined> {
    const target = this.resolveDataset(arg) ?? (await this.pickDataset('Retrain for which dataset?', (d) => d.retrain.stages.length > 0));
    if (!target) return undefined;
    return this.retrainer.run(target.folder, target.dataset);
  }

  private async checkNow(): Promise<void> {
    const results = await vscode.window.withProgress({ location: { viewId: MonitoringTree.viewId }, title: 'Checking for new batches' }, () => this.model.checkNow());
    await this.model.refresh();
    const reports = results.reduce((n, r) => n + r.reports.length, 0);
    const problems = results.flatMap((r) => r.problems);
    if (problems.length) {
      void vscode.window.showWarningMessage(`MLOps: ${problems.map((p) => `${p.dataset}: ${p.message}`).join('; ')}`, 'Show Log').then((p) => p && this.log.show());
    } else vscode.window.setStatusBarMessage(`$(graph-line) MLOps: ${reports ? `${reports} new batch(es) checked for drift` : 'no new batches'}`, 5000);
  }

  private onProcessed(e: ProcessedEvent): void {
    // One notification per dataset and run: the newest batch that calls for attention.
    const latest = new Map<string, BatchReport>();
    for (const r of e.result.reports) if (!r.error && (r.datasetDrift || r.retrain.retrain)) latest.set(r.dataset, r);
    for (const [name, r] of latest) {
      const d = e.monitor.dataset(name);
      if (d) void this.alert(e.folder, d, r);
    }
  }

  private async alert(folder: vscode.WorkspaceFolder, d: MonitoredDataset, r: BatchReport): Promise<void> {
    const s = r.report.summary;
    const what = r.datasetDrift ? 'Dataset drift' : 'Drift';
    const message = `MLOps: ${what} in ${d.name} — ${path.posix.basename(r.path)}: ${s.driftedColumns} of ${s.scoredColumns} columns drifted (${pct(s.share)}).`;
    const open = 'Open Report';
    const retrain = 'Retrain';
    const auto = r.retrain.retrain && r.retrain.auto;
    if (auto && vscode.workspace.isTrusted) {
      this.alerted.fire({ folder, dataset: d.name, batch: r, message, actions: [], autoRetrain: true });
      void vscode.window.showInformationMessage(`${message} Retraining (${d.retrain.stages.join(', ')}) started automatically.`, open).then((pick) => {
        if (pick === open) void vscode.commands.executeCommand(CommandId.openDriftReport, { folder: folder.uri, dataset: d.name, reportId: r.reportId });
      });
      await vscode.commands.executeCommand(CommandId.retrain, { folder: folder.uri, dataset: d.name });
      return;
    }
    const actions = [open, ...(d.retrain.stages.length ? [retrain] : [])];
    const suffix = auto ? ' Automatic retraining does not run in Restricted Mode.' : '';
    this.alerted.fire({ folder, dataset: d.name, batch: r, message: message + suffix, actions, autoRetrain: false });
    const pick = await vscode.window.showWarningMessage(message + suffix, ...actions);
    if (pick === open) await vscode.commands.executeCommand(CommandId.openDriftReport, { folder: folder.uri, dataset: d.name, reportId: r.reportId });
    else if (pick === retrain) await vscode.commands.executeCommand(CommandId.retrain, { folder: folder.uri, dataset: d.name });
  }

  /** MLOps: Compare Datasets for Drift… — any two data files, with the workspace's drift settings. */
  async compareFiles(given: vscode.Uri[], pair?: [vscode.Uri, vscode.Uri]): Promise<DriftPanelState | undefined> {
    const files = pair ?? (await this.pickPair(given));
    if (!files) return undefined;
    const [ref, cur] = files;
    const folder = vscode.workspace.getWorkspaceFolder(ref) ?? vscode.workspace.getWorkspaceFolder(cur);
    const root = folder?.uri.fsPath;
    const label = (u: vscode.Uri) => (root && u.fsPath.startsWith(root + path.sep) ? path.relative(root, u.fsPath).split(path.sep).join('/') : u.fsPath);
    const settings = root && existsSync(path.join(root, 'mlops.yaml')) ? driftSettingsFromConfig(loadConfig(root), root) : undefined;
    const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'MLOps: comparing for drift', cancellable: true }, (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      return computeDriftReport(ref.fsPath, cur.fsPath, {
        ...(settings ? { settings } : {}),
        referenceLabel: label(ref),
        currentLabel: label(cur),
        signal: ac.signal,
        onProgress: (side, rows) => progress.report({ message: `${side}: ${rows.toLocaleString('en-US')} rows` }),
      });
    });
    const state: DriftPanelState = { title: `${path.basename(ref.fsPath)} → ${path.basename(cur.fsPath)}`, report, retrainStages: [] };
    this.panel.show(folder, state);
    return state;
  }

  private async pickPair(given: vscode.Uri[]): Promise<[vscode.Uri, vscode.Uri] | undefined> {
    const defaultUri = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (given.length >= 2) {
      const [a, b] = given as [vscode.Uri, vscode.Uri];
      const pick = await vscode.window.showQuickPick(
        [a, b].map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(u), u })),
        { placeHolder: 'Which file is the reference (the data the model was trained on)?' },
      );
      if (!pick) return undefined;
      return pick.u === a ? [a, b] : [b, a];
    }
    const one = async (title: string, openLabel: string) =>
      (await vscode.window.showOpenDialog({ title, openLabel, canSelectMany: false, filters: DATA_FILTERS, ...(defaultUri ? { defaultUri } : {}) }))?.[0];
    if (given.length === 1) {
      const ref = await one(`Compare ${path.basename(given[0]!.fsPath)} with which reference?`, 'Use as Reference');
      return ref ? [ref, given[0]!] : undefined;
    }
    const ref = await one('Reference data (what the model was trained on)', 'Use as Reference');
    if (!ref) return undefined;
    const cur = await one('Current data (to check for drift)', 'Compare');
    return cur ? [ref, cur] : undefined;
  }
}
