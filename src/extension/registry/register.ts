import * as vscode from 'vscode';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { RegistryModel } from './model.ts';
import type { RegisterResult, RegistryService } from '../../engine/registry/api.ts';
import type { RunSummary, TrackingService } from '../../engine/tracking/api.ts';
import { validateModelName } from '../../engine/registry/names.ts';
import { parsePipeline } from '../../engine/pipeline/dvcyaml.ts';
import { describeError, MlopsError } from '../../engine/errors.ts';
import { formatAge } from '../versioning/format.ts';
import { formatNumber } from '../../shared/experiments.ts';

/** Everything the quick inputs ask; given `model`, nothing is asked (other features, tests). */
export interface RegisterArgs {
  model?: string;
  description?: string;
  /** A run id, `null` for "no source run", omitted for the engine's own choice (the run that produced the file). */
  runId?: string | null;
  tags?: Record<string, string>;
}

export interface RegisteredVersion extends RegisterResult {
  folder: vscode.WorkspaceFolder;
}

const AUTO = Symbol('auto');

export async function registerFlow(model: RegistryModel, uri: vscode.Uri | undefined, args: RegisterArgs, onDone: (r: RegisteredVersion) => void): Promise<RegisteredVersion | undefined> {
  if (!uri) {
    const folder = model.folders[0]?.folder;
    const models = folder && existsSync(path.join(folder.uri.fsPath, 'models')) ? vscode.Uri.joinPath(folder.uri, 'models') : folder?.uri;
    const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Register', title: 'Register which model file or folder?', defaultUri: models });
    if (!picked?.[0]) return undefined;
    uri = picked[0];
  }
  const { folder, service } = model.forUri(uri);
  const rel = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
  if (!rel || rel.startsWith('..')) throw new MlopsError('usage', `${uri.fsPath} is not inside ${folder.name}.`);
  if (!existsSync(uri.fsPath)) throw new MlopsError('not-found', `${rel} does not exist.`, { hint: 'Train the model first (run the pipeline), then register what it wrote.' });

  const interactive = args.model === undefined;
  const name = args.model ?? (await pickModelName(service, rel, suggestName(folder.uri.fsPath, rel)));
  if (!name) return undefined;
  validateModelName(name);

  let runId: string | null | typeof AUTO = args.runId === undefined ? AUTO : args.runId;
  const tracking = model.tracking(folder);
  if (interactive && tracking) {
    const picked = await pickRun(tracking, rel);
    if (picked === undefined) return undefined;
    runId = picked;
  }
  let description = args.description;
  if (interactive) {
    description = await vscode.window.showInputBox({
      title: `Register ${rel} as ${name}`,
      prompt: 'Description of this version (optional; Enter to skip)',
      placeHolder: 'e.g. logistic regression, lr 0.2, retrained on March data',
    });
    if (description === undefined) return undefined;
  }

  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `MLOps: registering ${rel} as ${name}`, cancellable: true }, (_p, token) => {
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    return model.run(() => service.register({
      model: name,
      path: rel,
      ...(runId === AUTO ? {} : { runId }),
      ...(description ? { description } : {}),
      ...(args.tags ? { tags: args.tags } : {}),
      signal: ac.signal,
    }));
  });
  const registered = { ...result, folder };
  const v = result.version;
  const lineage = v.lineage.run ? `from run ${v.lineage.run.name}` : 'without a source run';
  const notes = result.notes.length ? ` (${result.notes.join('; ')})` : '';
  void vscode.window
    .showInformationMessage(`MLOps: registered ${v.model} v${v.version} ${lineage}${result.createdModel ? ' — a new model' : ''}${notes}.`, 'Open in Registry', 'Promote…')
    .then((p) => {
      if (p === 'Open in Registry') onDone(registered);
      else if (p === 'Promote…') void vscode.commands.executeCommand('mlops.registry.promote', { folder: folder.uri.toString(), model: v.model, version: v.version });
    });
  return registered;
}

/** A run's outputs to choose from, then the same flow with the run fixed. */
export async function registerFromRunFlow(model: RegistryModel, arg: unknown, args: RegisterArgs, onDone: (r: RegisteredVersion) => void): Promise<RegisteredVersion | undefined> {
  const wanted = runIdOf(arg);
  const trackers = model.folders.map((d) => ({ folder: d.folder, tracking: model.tracking(d.folder) })).filter((t): t is { folder: vscode.WorkspaceFolder; tracking: TrackingService } => Boolean(t.tracking));
  if (!trackers.length) throw new MlopsError('not-found', 'No experiment runs are available in this workspace.', { hint: 'Run the pipeline (or log runs) first; the Experiments view lists them.' });
  let found: { folder: vscode.WorkspaceFolder; run: RunSummary } | undefined;
  if (wanted) {
    for (const t of trackers) {
      const run = t.tracking.getRun(wanted);
      if (run) { found = { folder: t.folder, run }; break; }
    }
    if (!found) throw new MlopsError('not-found', `No run ${wanted} in this workspace.`, { hint: 'Refresh the Experiments view; the run may have been deleted.' });
  } else {
    const items = trackers.flatMap((t) => t.tracking.listRuns({ sort: { key: 'startedAt', descending: true }, limit: 50 }).map((run) => ({ ...runItem(run), folder: t.folder, run })));
    if (!items.length) throw new MlopsError('not-found', 'No experiment runs yet.', { hint: 'Run the pipeline first.' });
    const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Register a model from which run?', matchOnDescription: true, matchOnDetail: true });
    if (!pick) return undefined;
    found = { folder: pick.folder, run: pick.run };
  }
  const outputs = found.run.outputs.filter((o) => existsSync(path.join(found.folder.uri.fsPath, o.path)));
  let rel: string | undefined;
  if (outputs.length === 1) rel = outputs[0]!.path;
  else if (outputs.length > 1) {
    const likely = (p: string) => (/(^|\/)models?\//.test(p) || /\.(pkl|joblib|onnx|pt|pth|h5|keras|json|bin|safetensors)$/.test(p) ? 0 : 1);
    const sorted = [...outputs].sort((a, b) => likely(a.path) - likely(b.path) || a.path.localeCompare(b.path));
    rel = (await vscode.window.showQuickPick(sorted.map((o) => ({ label: o.path, description: o.hash ? o.hash.slice(0, 8) : '' })), { placeHolder: `Which output of run ${found.run.name} is the model?` }))?.label;
    if (!rel) return undefined;
  }
  const uri = rel ? vscode.Uri.joinPath(found.folder.uri, rel) : undefined;
  return registerFlow(model, uri, { ...args, runId: found.run.id }, onDone);
}

function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object') {
    const o = arg as { id?: unknown; runId?: unknown; run?: { id?: unknown } };
    for (const v of [o.runId, o.id, o.run?.id]) if (typeof v === 'string') return v;
  }
  return undefined;
}

function runItem(run: RunSummary): vscode.QuickPickItem {
  const metrics = Object.entries(run.metrics).slice(0, 4).map(([k, v]) => `${k} ${formatNumber(v)}`).join(' · ');
  return {
    label: `$(beaker) ${run.name}`,
    description: [run.experiment, run.status, formatAge(run.startedAt ?? undefined), run.gitCommit?.slice(0, 7)].filter(Boolean).join(' · '),
    detail: metrics || undefined,
  };
}

async function pickRun(tracking: TrackingService, rel: string): Promise<string | null | typeof AUTO | undefined> {
  let runs: RunSummary[] = [];
  try {
    runs = tracking.listRuns({ sort: { key: 'startedAt', descending: true }, limit: 50 });
  } catch {
    // tracking trouble must not stop a registration; the engine still links what it can
  }
  const producer = runs.find((r) => r.status === 'finished' && r.outputs.some((o) => o.path === rel));
  type Item = vscode.QuickPickItem & { value: string | null | typeof AUTO };
  const items: Item[] = [
    { label: '$(sparkle) Automatic', description: producer ? `the run that produced it: ${producer.name}` : 'the latest run whose outputs contain this exact file, if any', value: AUTO },
    { label: '$(circle-slash) No source run', description: 'registered by hand; lineage stops at the commit', value: null },
  ];
  if (runs.length) items.push({ label: 'Runs', kind: vscode.QuickPickItemKind.Separator, value: null });
  for (const r of runs) items.push({ ...runItem(r), value: r.id });
  const pick = await vscode.window.showQuickPick(items, { title: `Source run of ${rel}`, placeHolder: 'Which run produced this model? (its data, params and metrics become the lineage)', matchOnDescription: true, matchOnDetail: true });
  return pick?.value;
}

async function pickModelName(service: RegistryService, rel: string, suggestion: string): Promise<string | undefined> {
  const ours = service.list().filter((m) => m.source === 'mlops');
  type Item = vscode.QuickPickItem & { name: string };
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = `Register ${rel}`;
  qp.placeholder = 'Model name: pick an existing model for a new version, or type a new name';
  const existing: Item[] = ours.map((m) => ({ label: `$(package) ${m.name}`, description: `${m.versionCount} version(s) · next v${(m.latestVersion ?? 0) + 1}`, detail: m.description || undefined, name: m.name }));
  const update = () => {
    const typed = qp.value.trim();
    const extra: Item[] = [];
    if (typed && !ours.some((m) => m.name === typed)) {
      let problem = '';
      try { validateModelName(typed); } catch (e) { problem = describeError(e); }
      extra.push({ label: `$(add) New model “${typed}”`, description: problem ? `$(error) ${problem}` : 'v1', name: problem ? '' : typed, alwaysShow: true });
    }
    qp.items = [...extra, ...existing];
  };
  qp.value = suggestion;
  update();
  qp.onDidChangeValue(update);
  return new Promise<string | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const name = qp.selectedItems[0]?.name;
      if (!name) return;
      resolve(name);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

/** The `artifacts:` name dvc.yaml gives this path, else the file name made into a valid model name. */
export function suggestName(root: string, rel: string): string {
  let dir = path.dirname(path.join(root, rel));
  for (;;) {
    const file = path.join(dir, 'dvc.yaml');
    if (existsSync(file)) {
      try {
        const p = parsePipeline(readFileSync(file, 'utf8'), file);
        for (const [name, a] of Object.entries(p.artifacts)) {
          const ap = (a as { path?: unknown }).path;
          if (typeof ap === 'string' && path.resolve(dir, ap) === path.resolve(root, rel)) return name;
        }
      } catch {
        // a broken dvc.yaml is the pipeline view's business
      }
    }
    if (path.relative(root, dir) === '' || dir === path.dirname(dir)) break;
    dir = path.dirname(dir);
  }
  const base = path.basename(rel).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/\.\.+/g, '.');
  return base.slice(0, 128) || 'model';
}
