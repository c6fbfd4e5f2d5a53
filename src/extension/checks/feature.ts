import * as vscode from 'vscode';
import path from 'node:path';
import { Coalescer, Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { Commands } from '../commands.ts';
import type { Log } from '../log.ts';
import { toDiagnostic } from '../workspace/diagnostics.ts';
import { CONFIG_FILE } from '../../engine/config/config.ts';
import { MlopsError, describeError } from '../../engine/errors.ts';
import { markdownReport, needsRuns, openCheckServices, runChecks } from '../../engine/checks/index.ts';
import type { CheckLink, CheckResult, ChecksReport } from '../../engine/checks/types.ts';
import type { RunResult } from '../../engine/pipeline/runner.ts';
import { buildFolderItems, engineIdOf, itemId, toRange, type FolderChecks } from './testTree.ts';

export const SETTING_RUN_AFTER_PIPELINE = 'checks.runAfterPipeline';

/**
 * Quality gates in the editor: every suite and check of mlops.yaml (or its checks file) in the
 * Testing view and in the gutter of the YAML, run one, a suite or all; failures show the measured
 * value against the rule and point at the data line; definition mistakes go to Problems. With
 * `mlops.checks.runAfterPipeline` the checks rerun after each successful pipeline run.
 */
export class ChecksFeature extends Disposable {
  readonly controller: vscode.TestController;
  private folders = new Map<string, FolderChecks>();
  private readonly problems = this.register(vscode.languages.createDiagnosticCollection('mlops-checks'));
  private readonly loader: Coalescer;
  private readonly log: Log;
  /** The last report per folder, for Copy Report and tests. */
  readonly lastReports = new Map<string, ChecksReport>();
  private readonly finished = this.register(new vscode.EventEmitter<{ folder: vscode.WorkspaceFolder; report: ChecksReport }>());
  readonly onDidFinishRun = this.finished.event;

  constructor(commands: Commands, log: Log, onPipelineFinished?: vscode.Event<{ file: string; result: RunResult }>) {
    super();
    this.log = log;
    this.controller = this.register(vscode.tests.createTestController('mlops.checks', 'MLOps Quality Gates'));
    this.controller.refreshHandler = () => this.refresh();
    this.controller.createRunProfile('Run Checks', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
    this.loader = this.register(new Coalescer(() => this.load(), 200));

    // mlops.yaml and any YAML it may point at: cheap to re-read, so any YAML change reloads.
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}'));
    const changed = (uri: vscode.Uri): void => {
      if (path.basename(uri.fsPath) === CONFIG_FILE || this.isChecksFile(uri.fsPath)) this.loader.trigger();
    };
    this.register(watcher.onDidChange(changed));
    this.register(watcher.onDidCreate(changed));
    this.register(watcher.onDidDelete(changed));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.loader.trigger()));

    const reg = (id: Parameters<Commands['register']>[0], fn: (...a: any[]) => unknown) => this.register(commands.register(id, fn));
    reg(CommandId.runChecks, () => this.runAll());
    reg(CommandId.refreshChecks, () => this.refresh());
    reg(CommandId.copyChecksReport, () => this.copyReport());

    if (onPipelineFinished) {
      this.register(onPipelineFinished(({ file, result }) => {
        const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
        if (!folder || result.status !== 'succeeded') return;
        if (!vscode.workspace.getConfiguration('mlops', folder).get<boolean>(SETTING_RUN_AFTER_PIPELINE, false)) return;
        this.log.info(`pipeline in ${vscode.workspace.asRelativePath(file)} finished: running the quality gates (${'mlops.' + SETTING_RUN_AFTER_PIPELINE})`);
        void this.runFolder(folder).catch((e: unknown) => this.log.error(`quality gates after the pipeline run failed: ${describeError(e)}`));
      }));
    }
  }

  private isChecksFile(file: string): boolean {
    for (const f of this.folders.values()) if (f.checks?.file === file) return true;
    return false;
  }

  /** Re-read the checks of every folder (debounced watchers call this too). */
  refresh(): Promise<void> {
    return this.loader.flush();
  }

  get all(): readonly FolderChecks[] {
    return [...this.folders.values()];
  }

  private load(): void {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const next = new Map<string, FolderChecks>();
    this.problems.clear();
    const multi = folders.length > 1;
    if (!multi) this.controller.items.replace([]);
    const roots: vscode.TestItem[] = [];
    for (const folder of folders) {
      let parent: vscode.TestItem | undefined;
      if (multi) {
        parent = this.controller.createTestItem(folder.uri.toString(), folder.name, folder.uri);
        roots.push(parent);
      }
      const fc = buildFolderItems(this.controller, folder, parent);
      next.set(folder.uri.toString(), fc);
      this.publishProblems(fc);
    }
    if (multi) this.controller.items.replace(roots.filter((r) => r.children.size > 0));
    this.folders = next;
    const n = [...next.values()].reduce((t, f) => t + (f.checks?.suites.length ?? 0), 0);
    this.log.debug(`quality gates: ${n} suite(s) loaded`);
  }

  private publishProblems(fc: FolderChecks): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const add = (e: MlopsError, severity: vscode.DiagnosticSeverity, fallback: string): void => {
      const file = e.location?.file ?? fallback;
      const list = byFile.get(file) ?? [];
      list.push(toDiagnostic(e, severity));
      byFile.set(file, list);
    };
    const fallback = fc.checks?.file ?? path.join(fc.folder.uri.fsPath, CONFIG_FILE);
    if (fc.error) add(fc.error, vscode.DiagnosticSeverity.Error, fallback);
    for (const s of fc.checks?.suites ?? []) {
      if (s.error) add(s.error, vscode.DiagnosticSeverity.Error, fallback);
      for (const c of s.checks) if (c.error) add(c.error, vscode.DiagnosticSeverity.Error, fallback);
    }
    for (const [file, list] of byFile) this.problems.set(vscode.Uri.file(file), list);
  }

  private folderOf(item: vscode.TestItem): FolderChecks | undefined {
    const key = item.id.slice(0, item.id.indexOf('|'));
    return this.folders.get(key) ?? this.folders.get(item.id);
  }

  /** Run everything (the command, and after pipeline runs). */
  async runAll(): Promise<ChecksReport[]> {
    await this.refresh();
    return this.runRequest(new vscode.TestRunRequest(), new vscode.CancellationTokenSource().token);
  }

  async runFolder(folder: vscode.WorkspaceFolder): Promise<ChecksReport[]> {
    await this.refresh();
    const fc = this.folders.get(folder.uri.toString());
    if (!fc) return [];
    const include = fc.parent ? [fc.parent] : [...this.controller.items].map(([, i]) => i);
    return this.runRequest(new vscode.TestRunRequest(include), new vscode.CancellationTokenSource().token);
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    try {
      await this.runRequest(request, token);
    } catch (e) {
      this.log.error(`running quality gates failed: ${describeError(e)}`);
      void vscode.window.showErrorMessage(`MLOps: running the quality gates failed: ${describeError(e)}`, 'Show Log').then((p) => { if (p) this.log.show(); });
    }
  }

  /** The selection as engine selectors per folder: suite names and check ids, exclusions applied. */
  private selection(request: vscode.TestRunRequest): Map<FolderChecks, Set<string>> {
    const out = new Map<FolderChecks, Set<string>>();
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const leaves = (item: vscode.TestItem, into: vscode.TestItem[]): void => {
      if (excluded.has(item.id)) return;
      if (item.children.size === 0) into.push(item);
      else item.children.forEach((c) => leaves(c, into));
    };
    const roots: vscode.TestItem[] = request.include ? [...request.include] : [];
    if (!request.include) this.controller.items.forEach((i) => roots.push(i));
    for (const root of roots) {
      const picked: vscode.TestItem[] = [];
      leaves(root, picked);
      for (const item of picked) {
        const fc = this.folderOf(item);
        if (!fc) continue;
        const set = out.get(fc) ?? new Set<string>();
        set.add(engineIdOf(item));
        out.set(fc, set);
      }
    }
    return out;
  }

  private async runRequest(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<ChecksReport[]> {
    const run = this.controller.createTestRun(request, 'Quality gates');
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    const reports: ChecksReport[] = [];
    try {
      for (const [fc, ids] of this.selection(request)) {
        if (fc.error || !fc.checks) {
          const cfgItem = (fc.parent?.children ?? this.controller.items).get(itemId(fc.folder, '#config'));
          if (cfgItem) {
            const m = new vscode.TestMessage(fc.error?.describe() ?? 'The checks could not be read.');
            if (cfgItem.uri && cfgItem.range) m.location = new vscode.Location(cfgItem.uri, cfgItem.range);
            run.errored(cfgItem, m);
          }
          continue;
        }
        const select = [...ids].filter((id) => id !== '#config');
        for (const id of select) {
          const item = fc.items.get(id);
          if (item) run.enqueued(item);
        }
        const report = await this.runChecksIn(fc, select, run, abort.signal);
        if (report) reports.push(report);
      }
    } finally {
      sub.dispose();
      run.end();
    }
    return reports;
  }

  private async runChecksIn(fc: FolderChecks, select: string[], run: vscode.TestRun, signal: AbortSignal): Promise<ChecksReport | undefined> {
    const root = fc.folder.uri.fsPath;
    const services = await openCheckServices(root, fc.config!, { origin: 'extension', runs: needsRuns(fc.checks!, select) });
    for (const n of services.notes) run.appendOutput(`note: ${n}\r\n`);
    try {
      const report = await runChecks(root, fc.checks!, {
        ...services,
        select,
        workspaceConfig: fc.config!,
        signal,
        onCheckStart: (c) => { const i = fc.items.get(c.id); if (i) run.started(i); },
        onResult: (r) => this.report(run, fc, r),
      });
      const t = report.totals;
      run.appendOutput(`${fc.folder.name}: ${t.checks} checks, ${t.passed} passed, ${t.failed} failed, ${t.errored} errored${t.warned ? `, ${t.warned} warnings` : ''} (${(report.durationMs / 1000).toFixed(1)} s)\r\n`);
      this.lastReports.set(root, report);
      this.finished.fire({ folder: fc.folder, report });
      return report;
    } catch (e) {
      if (signal.aborted) {
        for (const id of select) { const i = fc.items.get(id); if (i) run.skipped(i); }
        return undefined;
      }
      throw e;
    } finally {
      services.close();
    }
  }

  private report(run: vscode.TestRun, fc: FolderChecks, r: CheckResult): void {
    const item = fc.items.get(r.id);
    if (!item) return;
    if (r.status === 'passed') {
      run.passed(item, r.durationMs);
      return;
    }
    const messages = this.messages(fc, r);
    if (r.status === 'errored') run.errored(item, messages, r.durationMs);
    else run.failed(item, messages, r.durationMs);
    run.appendOutput(`${r.status.toUpperCase()} ${r.id}: ${r.message}\r\n`, undefined, item);
  }

  /** The failure as VS Code shows it: rule vs measured value (a diff), then where to look in the data. */
  private messages(fc: FolderChecks, r: CheckResult): vscode.TestMessage[] {
    const root = fc.folder.uri.fsPath;
    const lines = [r.severity === 'warn' ? `Warning (severity: warn, does not fail the gate): ${r.message}` : r.message];
    for (const d of r.details) lines.push(`  ${d}`);
    for (const l of r.links) if (l.kind !== 'file') lines.push(`  → ${l.label}`);
    if (r.hint) lines.push(`Hint: ${r.hint}`);
    const text = lines.join('\n');
    const main = r.status === 'failed' && r.expected !== undefined && r.actual !== undefined ? vscode.TestMessage.diff(text, r.expected, r.actual) : new vscode.TestMessage(text);
    main.location = new vscode.Location(vscode.Uri.file(r.range.file), toRange(r.range));
    const out = [main];
    for (const l of r.links) {
      if (l.kind !== 'file') {
        const link = linkMessage(fc.folder, l);
        if (link) out.push(link);
        continue;
      }
      const file = path.isAbsolute(l.path) ? l.path : path.join(root, l.path);
      const m = new vscode.TestMessage(l.line !== undefined ? `First offending row: ${l.label}` : `Data: ${l.label}`);
      const line = Math.max(0, (l.line ?? 1) - 1);
      m.location = new vscode.Location(vscode.Uri.file(file), new vscode.Range(line, 0, line, 0));
      out.push(m);
    }
    return out;
  }

  private async copyReport(): Promise<void> {
    let report = [...this.lastReports.values()][0];
    if (!report) report = (await this.runAll())[0];
    if (!report) throw new MlopsError('not-found', 'No quality gates to report.', { hint: 'Declare checks in mlops.yaml (see the README, "Quality gates").' });
    await vscode.env.clipboard.writeText(markdownReport(report));
    void vscode.window.showInformationMessage(`MLOps: quality gate report copied (${report.totals.checks} checks, ${report.status}). Paste it into a pull-request comment.`);
  }
}

/** The command a non-file link opens: the run in the runs table, the model version's page, the stored drift report. */
export function linkCommand(folder: vscode.WorkspaceFolder, l: Exclude<CheckLink, { kind: 'file' }>): { command: string; args: unknown[] } | undefined {
  if (l.kind === 'run') return { command: CommandId.openRunInTable, args: [{ folder: folder.uri.toString(), ids: [l.runId] }] };
  if (l.kind === 'model') return { command: CommandId.registryOpenLineage, args: [{ folder: folder.uri.toString(), model: l.model, version: l.version }] };
  if (l.reportId !== null && l.dataset) return { command: CommandId.openDriftReport, args: [{ dataset: l.dataset, reportId: l.reportId }] };
  return undefined;
}

/** A test message whose text links to what the check measured (trusted for that one command only). */
export function linkMessage(folder: vscode.WorkspaceFolder, l: Exclude<CheckLink, { kind: 'file' }>): vscode.TestMessage | undefined {
  const c = linkCommand(folder, l);
  if (!c) return undefined;
  const md = new vscode.MarkdownString();
  md.isTrusted = { enabledCommands: [c.command] };
  const what = l.kind === 'run' ? 'Run' : l.kind === 'model' ? 'Model version' : 'Drift report';
  md.appendText(`${what}: `);
  md.appendMarkdown(`[${escapeLinkText(l.label)}](command:${c.command}?${encodeURIComponent(JSON.stringify(c.args))} "Open ${what.toLowerCase()}")`);
  return new vscode.TestMessage(md);
}

/** Link text from workspace data: markdown punctuation escaped, so a name can never become markup. */
function escapeLinkText(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>&"]/g, (ch) => `\\${ch}`);
}
