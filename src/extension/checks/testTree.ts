import * as vscode from 'vscode';
import path from 'node:path';
import { loadChecks } from '../../engine/checks/config.ts';
import type { ChecksConfig, SourceRange, SuiteDef } from '../../engine/checks/types.ts';
import { loadConfig, type WorkspaceConfig } from '../../engine/config/config.ts';
import { MlopsError, describeError, isMlopsError } from '../../engine/errors.ts';

/** What one workspace folder declares: its checks, or why they cannot be read. */
export interface FolderChecks {
  folder: vscode.WorkspaceFolder;
  /** The parent of this folder's items in the Testing view (the controller root for one folder). */
  parent: vscode.TestItem | undefined;
  config?: WorkspaceConfig;
  checks?: ChecksConfig;
  error?: MlopsError;
  /** Suite and check items by engine id (`suite` or `suite/key`). */
  items: Map<string, vscode.TestItem>;
}

export function toRange(r: SourceRange): vscode.Range {
  return new vscode.Range(r.start.line - 1, r.start.column - 1, r.end.line - 1, Math.max(0, r.end.column - 1));
}

function targetText(s: SuiteDef): string {
  if (s.target.kind === 'dataset') return s.target.ref;
  if (s.target.kind === 'stage') return `stage ${s.target.stage}`;
  return s.run.kind === 'workspace' ? 'workspace metrics' : s.run.kind === 'run' ? s.run.id : 'latest run';
}

/** Folder-qualified item ids, so two folders may declare the same suite. */
export function itemId(folder: vscode.WorkspaceFolder, engineId: string): string {
  return `${folder.uri.toString()}|${engineId}`;
}

export function engineIdOf(item: vscode.TestItem): string {
  return item.id.slice(item.id.indexOf('|') + 1);
}

/**
 * Build the Testing view's items for one folder: a suite per item with its checks as children, each
 * carrying the uri and range of its YAML node (that is what puts the run buttons in the gutter of
 * mlops.yaml or the checks file). A file that cannot be read becomes one item with an error.
 */
export function buildFolderItems(controller: vscode.TestController, folder: vscode.WorkspaceFolder, parent: vscode.TestItem | undefined): FolderChecks {
  const root = folder.uri.fsPath;
  const collection = parent ? parent.children : controller.items;
  const result: FolderChecks = { folder, parent, items: new Map() };
  const items: vscode.TestItem[] = [];
  try {
    result.config = loadConfig(root);
    result.checks = loadChecks(root, result.config);
  } catch (e) {
    result.error = isMlopsError(e) ? e : new MlopsError('config', describeError(e));
    const file = result.error.location?.file ?? path.join(root, 'mlops.yaml');
    const item = controller.createTestItem(itemId(folder, '#config'), 'Quality gates configuration', vscode.Uri.file(file));
    const line = Math.max(0, (result.error.location?.line ?? 1) - 1);
    item.range = new vscode.Range(line, 0, line, 0);
    item.error = result.error.describe();
    items.push(item);
    collection.replace(items);
    return result;
  }
  result.checks.suites.forEach((suite, si) => {
    const uri = vscode.Uri.file(suite.range.file);
    const s = controller.createTestItem(itemId(folder, suite.name), suite.name, uri);
    s.range = toRange(suite.range);
    s.description = targetText(suite);
    s.sortText = String(si).padStart(4, '0');
    if (suite.error) s.error = suite.error.describe();
    result.items.set(suite.name, s);
    const children = suite.checks.map((check, ci) => {
      const c = controller.createTestItem(itemId(folder, check.id), check.name, uri);
      c.range = toRange(check.range);
      c.description = check.severity === 'warn' ? `${check.kind} · warn` : check.kind;
      c.sortText = String(ci).padStart(4, '0');
      result.items.set(check.id, c);
      return c;
    });
    s.children.replace(children);
    items.push(s);
  });
  collection.replace(items);
  return result;
}
