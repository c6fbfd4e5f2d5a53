import * as vscode from 'vscode';
import { simpleGit } from 'simple-git';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { Commands } from '../commands.ts';
import type { Log } from '../log.ts';
import type { WorkspaceModel } from '../workspace/model.ts';
import type { PipelineModel } from '../pipeline/model.ts';
import { ExperimentsModel, type FolderRuns } from './model.ts';
import { ExperimentsTree, type ExperimentNode } from './tree.ts';
import { ExperimentsPanel } from './panel.ts';
import { ExperimentsCodeLens, type CompareRequest } from './codelens.ts';
import { MlopsError } from '../../engine/errors.ts';
import type { RevealRequest } from '../../shared/experiments.ts';

const COMMIT_SCHEME = 'mlops-commit';

/**
 * Experiments in the editor: the tree, the table/comparison panel, metric CodeLens and the run
 * commands. Runs from MLflow and DVCLive are shown beside ours and are read-only.
 */
export class ExperimentsFeature extends Disposable {
  readonly model: ExperimentsModel;
  readonly tree: ExperimentsTree;
  readonly view: vscode.TreeView<ExperimentNode>;
  readonly codeLens: ExperimentsCodeLens;
  private readonly extensionUri: vscode.Uri;
  private readonly memento: vscode.Memento;
  private readonly log: Log;

  constructor(context: vscode.ExtensionContext, workspace: WorkspaceModel, commands: Commands, log: Log, pipelines?: PipelineModel) {
    super();
    this.extensionUri = context.extensionUri;
    this.memento = context.workspaceState;
    this.log = log;
    this.model = this.register(new ExperimentsModel(workspace, log));
    this.tree = this.register(new ExperimentsTree(this.model));
    this.view = this.register(vscode.window.createTreeView(ExperimentsTree.viewId, { treeDataProvider: this.tree, canSelectMany: true, showCollapseAll: true }));
    this.register(this.model.onDidChange(() => {
      const running = this.model.folders.reduce((n, f) => n + f.runs.filter((r) => r.status === 'running').length, 0);
      this.view.badge = running ? { value: running, tooltip: `${running} run${running === 1 ? '' : 's'} in progress` } : undefined;
    }));
    this.codeLens = this.register(new ExperimentsCodeLens(this.model, pipelines, (f) => this.baselineOf(f)));
    this.register(vscode.workspace.registerTextDocumentContentProvider(COMMIT_SCHEME, { provideTextDocumentContent: (uri) => this.commitText(uri) }));

    const reg = (id: Parameters<Commands['register']>[0], fn: (...a: any[]) => unknown) => this.register(commands.register(id, fn));
    reg(CommandId.showExperiments, (folder?: vscode.WorkspaceFolder) => this.open(this.folderOrThrow(folder)));
    reg(CommandId.compareRuns, (a?: ExperimentNode | CompareRequest, nodes?: ExperimentNode[]) => this.compare(a, nodes));
    reg(CommandId.openRunInTable, (a?: ExperimentNode | CompareRequest, nodes?: ExperimentNode[]) => this.openInTable(a, nodes));
    reg(CommandId.showRunCommit, (a?: ExperimentNode | { folder: string; id: string }) => this.showCommitOf(a));
    reg(CommandId.deleteRun, (a?: ExperimentNode, nodes?: ExperimentNode[]) => this.deleteFromTree(a, nodes));
    reg(CommandId.refreshExperiments, () => this.model.refresh());
  }

  /** The panel of a folder, if open (tests look at it). */
  panelOf(f: FolderRuns): ExperimentsPanel | undefined {
    return ExperimentsPanel.current(f);
  }

  private baselineOf(f: FolderRuns): string | null {
    return ExperimentsPanel.uiState(this.memento, f)?.baseline ?? null;
  }

  private folderOrThrow(folder?: vscode.WorkspaceFolder | string): FolderRuns {
    const uri = typeof folder === 'string' ? folder : folder?.uri.toString();
    const f = uri ? this.model.folders.find((x) => x.folder.uri.toString() === uri) : this.currentFolder();
    if (!f) throw new MlopsError('not-initialized', 'No initialized MLOps workspace is open.', { hint: "Run 'MLOps: Initialize Workspace' first." });
    return f;
  }

  private currentFolder(): FolderRuns | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    return (uri && this.model.forUri(uri)) || this.model.folders[0];
  }

  open(f: FolderRuns, reveal?: RevealRequest): ExperimentsPanel {
    return ExperimentsPanel.show(this.extensionUri, this.log, this.model, this.memento, {
      showCommit: (folder, id) => this.showCommit(folder, id),
      deleteRuns: (folder, ids) => this.deleteRuns(folder, ids),
    }, f, reveal);
  }

  /** Run nodes of a tree gesture: the multi-selection, else the clicked node (a group means its runs). */
  private runsOf(a: ExperimentNode | undefined, nodes: ExperimentNode[] | undefined): { f: FolderRuns; ids: string[] } | undefined {
    const picked = nodes?.length ? nodes : a ? [a] : [...this.view.selection];
    if (!picked.length) return undefined;
    const ids: string[] = [];
    for (const n of picked) {
      if (n.kind === 'run') ids.push(n.run.id);
      else if (n.kind === 'experiment' || n.kind === 'source') ids.push(...n.runs.map((r) => r.id));
    }
    return { f: picked[0]!.f, ids: [...new Set(ids)] };
  }

  private async compare(a?: ExperimentNode | CompareRequest, nodes?: ExperimentNode[]): Promise<void> {
    if (a && 'ids' in a && !('kind' in a)) {
      const f = this.folderOrThrow(a.folder);
      this.open(f, { ids: a.ids, view: 'compare', metric: a.metric });
      return;
    }
    const sel = this.runsOf(a as ExperimentNode | undefined, nodes);
    if (sel?.ids.length) {
      this.open(sel.f, { ids: sel.ids, view: 'compare' });
      return;
    }
    // From the palette with nothing selected in the tree: compare what the table has selected.
    const f = this.folderOrThrow();
    const panel = ExperimentsPanel.current(f);
    if (!panel?.selection.length) throw new MlopsError('usage', 'Select two or more runs first (in the Experiments view with Ctrl/Shift+click, or in the table).');
    panel.reveal({ ids: panel.selection, view: 'compare' });
  }

  private openInTable(a?: ExperimentNode | CompareRequest, nodes?: ExperimentNode[]): void {
    // From a link (a quality gate's run): a folder and run ids, as the compare command takes them.
    if (a && 'ids' in a && !('kind' in a)) {
      this.open(this.folderOrThrow(a.folder), { ids: a.ids, view: 'table' });
      return;
    }
    const sel = this.runsOf(a as ExperimentNode | undefined, nodes);
    const f = sel?.f ?? this.folderOrThrow();
    this.open(f, sel?.ids.length ? { ids: sel.ids, view: 'table' } : undefined);
  }

  private async showCommitOf(a?: ExperimentNode | { folder: string; id: string }): Promise<void> {
    if (a && 'kind' in a) {
      if (a.kind !== 'run') throw new MlopsError('usage', 'Pick a run in the Experiments view.');
      return this.showCommit(a.f, a.run.id);
    }
    if (a) return this.showCommit(this.folderOrThrow(a.folder), a.id);
    throw new MlopsError('usage', 'Pick a run in the Experiments view.');
  }

  private async showCommit(f: FolderRuns, id: string): Promise<void> {
    const run = f.runs.find((r) => r.id === id);
    if (!run) throw new MlopsError('not-found', `No run ${id}.`);
    if (!run.gitCommit) throw new MlopsError('not-found', `${run.name} did not record a git commit.`, { hint: 'Runs record the commit when the workspace is a git repository.' });
    const uri = vscode.Uri.from({ scheme: COMMIT_SCHEME, path: `/${run.gitCommit.slice(0, 10)}.diff`, query: f.folder.uri.toString(), fragment: `${run.gitCommit}|${run.gitDirty ? 'dirty' : ''}|${run.name}` });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  /** `git show --stat --patch` of the run's commit as a read-only document (git is ours to run, not the workspace's). */
  private async commitText(uri: vscode.Uri): Promise<string> {
    const [commit, dirty, name] = uri.fragment.split('|');
    const folder = vscode.Uri.parse(uri.query);
    if (!commit || !/^[0-9a-f]{7,64}$/i.test(commit)) return 'Not a commit.';
    try {
      const text = await simpleGit({ baseDir: folder.fsPath, timeout: { block: 20_000 } }).raw(['show', '--stat', '--patch', '--format=fuller', '--no-color', commit]);
      const note = `# Run ${name} ran at this commit${dirty ? ', with uncommitted changes on top (not shown)' : ''}.\n`;
      const max = 2_000_000;
      return note + (text.length > max ? `${text.slice(0, max)}\n… (truncated)\n` : text);
    } catch (e) {
      return `git show ${commit} failed: ${(e as Error).message}\nIs ${folder.fsPath} still a git repository with this commit?`;
    }
  }

  private async deleteFromTree(a?: ExperimentNode, nodes?: ExperimentNode[]): Promise<void> {
    const sel = this.runsOf(a, nodes);
    if (!sel?.ids.length) throw new MlopsError('usage', 'Pick runs in the Experiments view.');
    await this.deleteRuns(sel.f, sel.ids);
  }

  private async deleteRuns(f: FolderRuns, ids: string[]): Promise<void> {
    const runs = ids.map((id) => f.runs.find((r) => r.id === id)).filter((r) => r !== undefined);
    const external = runs.filter((r) => r.readOnly);
    if (external.length) {
      throw new MlopsError('refused', `${external.length === 1 ? `${external[0]!.name} comes` : `${external.length} of these runs come`} from ${[...new Set(external.map((r) => r.sourceLabel))].join(', ')}, which MLOps Workbench reads but never changes.`, { hint: 'Delete MLflow runs with MLflow; remove DVCLive folders yourself.' });
    }
    if (!runs.length) return;
    const what = runs.length === 1 ? `run ${runs[0]!.name}` : `${runs.length} runs`;
    const pick = await vscode.window.showWarningMessage(`Delete ${what}? Its params, metrics and step series are removed from the store; files the run produced stay.`, { modal: true }, 'Delete');
    if (pick !== 'Delete') return;
    const n = await this.model.deleteRuns(f, runs.map((r) => r.id));
    this.log.info(`deleted ${n} run(s): ${runs.map((r) => r.id).join(', ')}`);
  }
}
