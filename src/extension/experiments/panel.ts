import * as vscode from 'vscode';
import { WebviewPanel } from '../webview/panel.ts';
import { Disposable } from '../lifecycle.ts';
import type { Log } from '../log.ts';
import type { ExperimentsModel, FolderRuns } from './model.ts';
import { toWire } from './wire.ts';
import {
  encodeSeries, type ExperimentsInit, type ExperimentsRequests, type ExperimentsToHost, type ExperimentsToWebview,
  type ExperimentsUiState, type RevealRequest, type WireSeries,
} from '../../shared/experiments.ts';
import { writeFileAtomic } from '../../engine/fsutil.ts';

const STATE_KEY = 'mlops.experiments.ui';

export interface PanelActions {
  showCommit(f: FolderRuns, id: string): Promise<void>;
  deleteRuns(f: FolderRuns, ids: string[]): Promise<void>;
}

/**
 * The Experiments panel of one workspace folder: reused (revealed) when asked again, fed the runs
 * whenever the model changes, and the keeper of the UI state in workspaceState so columns, sort,
 * filter, baseline and selection survive a window reload.
 */
export class ExperimentsPanel extends Disposable {
  private static readonly panels = new Map<string, ExperimentsPanel>();
  readonly view: WebviewPanel<ExperimentsToHost, ExperimentsToWebview>;
  private readonly folderKey: string;
  private readonly model: ExperimentsModel;
  private readonly memento: vscode.Memento;
  /** The selection the page reported last (tests and "Compare" from the tree read it). */
  selection: string[] = [];
  private pendingReveal: RevealRequest | undefined;

  /** Open (or reveal) the panel of `f`, optionally selecting runs and showing a view. */
  static show(extensionUri: vscode.Uri, log: Log, model: ExperimentsModel, memento: vscode.Memento, actions: PanelActions, f: FolderRuns, reveal?: RevealRequest): ExperimentsPanel {
    const key = f.folder.uri.toString();
    const existing = ExperimentsPanel.panels.get(key);
    if (existing && !existing.isDisposed) {
      if (reveal) existing.reveal(reveal);
      else existing.view.reveal();
      return existing;
    }
    const p = new ExperimentsPanel(extensionUri, log, model, memento, actions, f, reveal);
    ExperimentsPanel.panels.set(key, p);
    return p;
  }

  static current(f: FolderRuns): ExperimentsPanel | undefined {
    const p = ExperimentsPanel.panels.get(f.folder.uri.toString());
    return p && !p.isDisposed ? p : undefined;
  }

  static uiState(memento: vscode.Memento, f: FolderRuns): ExperimentsUiState | null {
    return memento.get<Record<string, ExperimentsUiState>>(STATE_KEY)?.[f.folder.uri.toString()] ?? null;
  }

  private constructor(extensionUri: vscode.Uri, log: Log, model: ExperimentsModel, memento: vscode.Memento, actions: PanelActions, f: FolderRuns, reveal?: RevealRequest) {
    super();
    this.folderKey = f.folder.uri.toString();
    this.model = model;
    this.memento = memento;
    const init: ExperimentsInit = {
      version: 1,
      runs: f.runs.map(toWire),
      problems: f.problems,
      ui: ExperimentsPanel.uiState(memento, f),
      primaryMetric: f.primaryMetric,
      reveal,
    };
    const title = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders.length > 1 ? `Experiments — ${f.folder.name}` : 'Experiments';
    this.view = this.register(new WebviewPanel<ExperimentsToHost, ExperimentsToWebview>(extensionUri, log, { app: 'experiments', title, initialState: init, iconPath: vscode.Uri.joinPath(extensionUri, 'media', 'mlops.svg') }));
    this.selection = init.ui?.selection ?? [];
    this.register(this.view.onDidClose(() => {
      ExperimentsPanel.panels.delete(this.folderKey);
      this.dispose();
    }));
    let posted = f.runs;
    let version = 1;
    const runsMessage = (now: FolderRuns) => ({ type: 'runs' as const, version, runs: now.runs.map(toWire), problems: now.problems, primaryMetric: now.primaryMetric });
    this.register(model.onDidChange(() => {
      const now = this.folder();
      if (!now || now.runs === posted) return;
      posted = now.runs;
      version++;
      if (this.view.panel.visible) void this.view.ready.then(() => this.view.post(runsMessage(now)));
    }));
    this.view.handle<ExperimentsRequests['runs']['params'], ExperimentsRequests['runs']['result']>('runs', ({ version: has }) => {
      const now = this.folder();
      return now && has !== version ? runsMessage(now) : null;
    });

    this.view.handle<ExperimentsRequests['series']['params'], ExperimentsRequests['series']['result']>('series', ({ ids, keys }) => {
      const now = this.folder();
      if (!now) return {};
      const out: Record<string, WireSeries> = {};
      for (const [id, s] of model.series(now, ids, keys)) out[id] = encodeSeries(s);
      return out;
    });
    this.view.handle<ExperimentsRequests['pendingReveal']['params'], ExperimentsRequests['pendingReveal']['result']>('pendingReveal', () => {
      const r = this.pendingReveal ?? null;
      this.pendingReveal = undefined;
      return r;
    });
    this.view.handle<ExperimentsRequests['exportCsv']['params'], ExperimentsRequests['exportCsv']['result']>('exportCsv', async ({ csv, suggestedName }) => {
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(f.folder.uri, suggestedName.replace(/[^\w.-]+/g, '_') || 'runs.csv'),
        filters: { CSV: ['csv'] },
        saveLabel: 'Export',
      });
      if (!target) return { saved: null };
      await writeFileAtomic(target.fsPath, csv);
      void vscode.window.showInformationMessage(`MLOps: exported ${csv.split('\r\n').length - 2} runs to ${vscode.workspace.asRelativePath(target)}.`);
      return { saved: target.fsPath };
    });
    this.register(this.view.onMessage((m) => {
      const now = this.folder();
      switch (m.type) {
        case 'saveState': void this.saveState(m.state); break;
        case 'showCommit': if (now) void actions.showCommit(now, m.id).catch((e: unknown) => log.error(`show commit: ${String(e)}`)); break;
        case 'deleteRuns': if (now) void actions.deleteRuns(now, m.ids).catch((e: unknown) => void vscode.window.showErrorMessage(`MLOps: ${(e as Error).message}`)); break;
      }
    }));
  }

  private folder(): FolderRuns | undefined {
    return this.model.folders.find((x) => x.folder.uri.toString() === this.folderKey);
  }

  private async saveState(state: ExperimentsUiState): Promise<void> {
    const all = { ...(this.memento.get<Record<string, ExperimentsUiState>>(STATE_KEY) ?? {}) };
    all[this.folderKey] = state;
    this.selection = state.selection;
    await this.memento.update(STATE_KEY, all);
  }

  /**
   * Select runs and show the table or the comparison. A visible panel's page is alive and gets a
   * message; a hidden one is rebuilt from its first HTML when revealed, so it asks for this on start.
   */
  reveal(reveal: RevealRequest): void {
    if (this.view.panel.visible) void this.view.ready.then(() => this.view.post({ type: 'reveal', reveal }));
    else this.pendingReveal = reveal;
    this.view.reveal();
  }
}
