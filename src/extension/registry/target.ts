import * as vscode from 'vscode';
import type { RegistryModel } from './model.ts';
import type { ModelNode } from './tree.ts';
import type { ModelVersion, RegistryService } from '../../engine/registry/api.ts';
import { MlopsError } from '../../engine/errors.ts';

/** One model version a command acts on, resolved against the live service. */
export interface VersionTarget {
  folder: vscode.WorkspaceFolder;
  service: RegistryService;
  model: string;
  version: ModelVersion;
}

/** What commands accept: a tree node, `{ folder?, model, version }` (panel, tests, other extensions), or nothing (pick). */
export type VersionArg = ModelNode | { folder?: string; model: string; version: number } | undefined;

export async function resolveVersion(model: RegistryModel, arg: VersionArg, placeHolder: string, filter: (v: ModelVersion) => boolean = () => true): Promise<VersionTarget | undefined> {
  if (arg && 'kind' in arg) {
    if (arg.kind !== 'version') throw new MlopsError('usage', 'Pick a model version in the Models view.');
    const { folder, service } = model.service(arg.data.folder);
    return { folder, service, model: arg.model.id, version: service.getVersion(arg.model.id, arg.version.version) };
  }
  if (arg && typeof arg.model === 'string') {
    const { folder, service } = arg.folder ? model.service(arg.folder) : only(model);
    return { folder, service, model: arg.model, version: service.getVersion(arg.model, arg.version) };
  }
  const items: Array<vscode.QuickPickItem & { t?: VersionTarget }> = [];
  for (const d of model.folders) {
    for (const m of d.models) {
      const versions = d.service.show(m.id).versions.filter(filter);
      if (!versions.length) continue;
      items.push({ label: m.name, kind: vscode.QuickPickItemKind.Separator });
      for (const v of versions) {
        items.push({
          label: `${m.name} v${v.version}`,
          description: [v.stage !== 'None' ? v.stage : '', ...v.aliases.map((a) => `@${a}`), model.folders.length > 1 ? d.folder.name : ''].filter(Boolean).join(' · '),
          detail: `${v.artifactPath} · registered ${new Date(v.createdAt).toLocaleString()} by ${v.createdBy}`,
          t: { folder: d.folder, service: d.service, model: m.id, version: v },
        });
      }
    }
  }
  if (!items.length) throw new MlopsError('not-found', 'No model versions are registered yet.', { hint: "Register one with 'MLOps: Register Model Version…' (also in the Explorer context menu)." });
  const pick = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true });
  return pick?.t;
}

/** The only folder's service; with several folders the caller must say which. */
export function only(model: RegistryModel): { folder: vscode.WorkspaceFolder; service: RegistryService } {
  const folders = model.folders;
  if (folders.length === 1) return { folder: folders[0]!.folder, service: folders[0]!.service };
  if (!folders.length) {
    const failed = model.failures[0];
    if (failed) throw new MlopsError('not-initialized', `The model registry of ${failed.folder.name} could not open: ${failed.error}`);
    throw new MlopsError('not-initialized', 'No initialized MLOps workspace is open.', { hint: "Run 'MLOps: Initialize Workspace' first." });
  }
  throw new MlopsError('usage', 'Several workspace folders have a model registry: say which one (folder).');
}

