import * as vscode from 'vscode';
import { Container } from './container.ts';
import { describeError } from '../engine/errors.ts';

/** What `activate` returns: a small API for tests and other extensions. */
export interface MlopsApi {
  container: Container;
  ready: Promise<void>;
}

export function activate(context: vscode.ExtensionContext): MlopsApi {
  try {
    const container = new Container(context);
    context.subscriptions.push(container);
    const ready = container.ready().catch((e: unknown) => container.log.error(`initial load failed: ${describeError(e)}`));
    return { container, ready };
  } catch (e) {
    void vscode.window.showErrorMessage(`MLOps Workbench failed to start: ${describeError(e)}`);
    throw e;
  }
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
