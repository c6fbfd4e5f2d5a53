import * as vscode from 'vscode';
import { WebviewPanel } from '../webview/panel.ts';
import type { Log } from '../log.ts';
import type { CompareState, CompareToHost, CompareToWebview } from '../../shared/compare.ts';

/** One reused panel for "Compare With Current"; a new comparison replaces the shown one. */
export class ComparePanel {
  private static current: WebviewPanel<CompareToHost, CompareToWebview> | undefined;

  static show(extensionUri: vscode.Uri, log: Log, state: CompareState): void {
    const title = `Compare ${state.path}`;
    if (ComparePanel.current && !ComparePanel.current.isDisposed) {
      const p = ComparePanel.current;
      p.panel.title = title;
      void p.ready.then(() => p.post({ type: 'show', state }));
      p.reveal();
      return;
    }
    const p = new WebviewPanel<CompareToHost, CompareToWebview>(extensionUri, log, { app: 'compare', title, initialState: state });
    p.onDidClose(() => { if (ComparePanel.current === p) ComparePanel.current = undefined; });
    ComparePanel.current = p;
  }
}
