import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import type { MlopsApi } from '../../../src/extension/extension.ts';

export const EXTENSION_ID = 'mlops-workbench.mlops-workbench';

export async function activateExtension(): Promise<MlopsApi> {
  const ext = vscode.extensions.getExtension<MlopsApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  const api = await ext.activate();
  await api.ready;
  return api;
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a folder is open');
  return folder.uri.fsPath;
}

/** Poll until `fn` returns a truthy value (the UI and watchers settle asynchronously). */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
