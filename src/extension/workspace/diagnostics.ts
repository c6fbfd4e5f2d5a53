import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import type { WorkspaceModel } from './model.ts';
import type { MlopsError } from '../../engine/errors.ts';
import { CONFIG_FILE } from '../../engine/config/config.ts';

/** mlops.yaml problems in the Problems panel, on the line they came from. */
export class ConfigDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('mlops-config'));

  constructor(model: WorkspaceModel) {
    super();
    this.register(model.onDidChange(() => {
      this.collection.clear();
      for (const fs of model.all) {
        const file = path.join(fs.folder.uri.fsPath, CONFIG_FILE);
        const errors: Array<[MlopsError, vscode.DiagnosticSeverity]> = [];
        if (fs.state.kind === 'ready') for (const w of fs.state.config.warnings) errors.push([w, vscode.DiagnosticSeverity.Warning]);
        if (fs.state.kind === 'error' && fs.state.error.location?.file === file) errors.push([fs.state.error, vscode.DiagnosticSeverity.Error]);
        if (errors.length) this.collection.set(vscode.Uri.file(file), errors.map(([e, sev]) => toDiagnostic(e, sev)));
      }
    }));
  }
}

export function toDiagnostic(e: MlopsError, severity: vscode.DiagnosticSeverity): vscode.Diagnostic {
  const line = Math.max(0, (e.location?.line ?? 1) - 1);
  const col = Math.max(0, (e.location?.column ?? 1) - 1);
  const d = new vscode.Diagnostic(new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER), e.hint ? `${e.message}\n${e.hint}` : e.message, severity);
  d.source = 'MLOps';
  d.code = e.code;
  return d;
}
