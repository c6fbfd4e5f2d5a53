import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import { WebviewPanel } from '../webview/panel.ts';
import type { Log } from '../log.ts';
import type { DriftPanelState, DriftToHost, DriftToWebview } from '../../shared/drift.ts';
import { MlopsError, describeError } from '../../engine/errors.ts';

/** What the page reported after drawing (tests and the log read it). */
export interface DriftRendered {
  columns: number;
  charts: string[];
  selected: string | null;
}

export interface DriftPanelActions {
  openBatch(folder: vscode.WorkspaceFolder, reportId: number): DriftPanelState;
  retrain(folder: vscode.WorkspaceFolder, dataset: string): Promise<unknown>;
}

/**
 * The drift report panel: one, reused; a new report replaces the shown one (as the compare panel
 * does). The page may ask for another stored batch, for retraining and to open the report's
 * files — nothing else, and only the files the report names.
 */
export class DriftReportPanel extends Disposable {
  private panel: WebviewPanel<DriftToHost, DriftToWebview> | undefined;
  private folder: vscode.WorkspaceFolder | undefined;
  private current: DriftPanelState | undefined;
  private readonly renderedEmitter = this.register(new vscode.EventEmitter<DriftRendered>());
  /** Fired each time the page has drawn a state. */
  readonly onDidRender = this.renderedEmitter.event;
  private readonly extensionUri: vscode.Uri;
  private readonly log: Log;
  private readonly actions: DriftPanelActions;

  constructor(extensionUri: vscode.Uri, log: Log, actions: DriftPanelActions) {
    super();
    this.extensionUri = extensionUri;
    this.log = log;
    this.actions = actions;
    this.register({ dispose: () => this.panel?.dispose() });
  }

  /** The state shown now (undefined when closed). */
  get state(): DriftPanelState | undefined {
    return this.panel && !this.panel.isDisposed ? this.current : undefined;
  }

  show(folder: vscode.WorkspaceFolder | undefined, state: DriftPanelState): void {
    this.folder = folder;
    this.current = state;
    const title = `Drift: ${state.title}`;
    if (this.panel && !this.panel.isDisposed) {
      const p = this.panel;
      p.panel.title = title;
      void p.ready.then(() => p.post({ type: 'show', state }));
      p.reveal();
      return;
    }
    const p = new WebviewPanel<DriftToHost, DriftToWebview>(this.extensionUri, this.log, { app: 'drift', title, initialState: state });
    p.onMessage((m) => void this.onMessage(m));
    p.onDidClose(() => {
      if (this.panel === p) this.panel = undefined;
    });
    this.panel = p;
  }

  private async onMessage(m: DriftToHost): Promise<void> {
    try {
      switch (m.type) {
        case 'rendered':
          this.log.debug(`drift panel drew ${m.columns} column(s), charts: ${m.charts.join(', ') || 'none'}`);
          this.renderedEmitter.fire({ columns: m.columns, charts: m.charts, selected: m.selected });
          return;
        case 'openBatch': {
          if (!this.folder || !Number.isInteger(m.reportId)) return;
          this.show(this.folder, this.actions.openBatch(this.folder, m.reportId));
          return;
        }
        case 'retrain': {
          const dataset = this.current?.dataset;
          if (!this.folder || !dataset) return;
          await this.actions.retrain(this.folder, dataset);
          return;
        }
        case 'openFile':
          await this.openFile(m.path);
          return;
        default:
          return;
      }
    } catch (e) {
      this.log.error(`drift panel: ${describeError(e)}`);
      void vscode.window.showErrorMessage(`MLOps: ${describeError(e)}`, 'Show Log').then((pick) => pick && this.log.show());
    }
  }

  /** Only the two files of the shown report, and only when they exist. */
  private async openFile(rel: string): Promise<void> {
    const r = this.current?.report;
    if (!r || (rel !== r.reference.path && rel !== r.current.path)) return;
    const abs = path.isAbsolute(rel) ? rel : this.folder ? path.resolve(this.folder.uri.fsPath, rel) : undefined;
    if (!abs || !existsSync(abs)) throw new MlopsError('not-found', `${rel} is not in the workspace any more.`);
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(abs), { preview: true });
  }
}
