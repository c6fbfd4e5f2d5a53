import * as vscode from 'vscode';
import { Disposable } from '../lifecycle.ts';
import { CommandId } from '../commandIds.ts';
import type { WorkspaceModel } from './model.ts';

/** One item that says, at a glance, whether this folder is an MLOps workspace and whether it is healthy. */
export class WorkspaceStatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('mlops.status', vscode.StatusBarAlignment.Left, 50));
  private readonly model: WorkspaceModel;

  constructor(model: WorkspaceModel) {
    super();
    this.model = model;
    this.item.name = 'MLOps Workbench';
    this.register(model.onDidChange(() => this.render()));
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.render()));
    this.render();
  }

  private render(): void {
    const cur = this.model.current();
    if (!cur) {
      this.item.hide();
      return;
    }
    const s = cur.state;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.isTrusted = false;
    if (s.kind === 'uninitialized') {
      this.item.text = '$(beaker) MLOps: not initialized';
      this.item.backgroundColor = undefined;
      this.item.command = CommandId.initializeWorkspace;
      tip.appendText(`${cur.folder.name} is not an MLOps workspace yet. Click to initialize it.`);
    } else if (s.kind === 'error') {
      this.item.text = '$(error) MLOps';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      this.item.command = CommandId.showLog;
      tip.appendText(s.error.describe());
    } else {
      this.item.text = '$(beaker) MLOps';
      this.item.backgroundColor = s.config.warnings.length ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.item.command = { command: 'workbench.view.extension.mlops', title: 'Show MLOps' };
      tip.appendMarkdown(`**MLOps workspace** ${escapeMd(cur.folder.name)}\n\n`);
      tip.appendMarkdown(`- store schema ${s.schemaVersion}\n- tracking: ${s.config.track.paths.map(escapeMd).join(', ')}\n`);
      if (s.dvcRepo) tip.appendMarkdown('- DVC repository (shared cache)\n');
      if (s.config.warnings.length) tip.appendMarkdown(`- ${s.config.warnings.length} config warning(s) in Problems\n`);
    }
    this.item.tooltip = tip;
    this.item.show();
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}
