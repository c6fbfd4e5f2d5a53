import * as vscode from 'vscode';
import path from 'node:path';
import { Disposable } from '../lifecycle.ts';
import type { VersioningModel } from './model.ts';
import type { Artifact } from '../../engine/versioning/api.ts';

/** Explorer badges: "V" for a versioned path, "M" when its content differs from the recorded version. */
export class DataDecorations extends Disposable implements vscode.FileDecorationProvider {
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri[] | undefined>());
  readonly onDidChangeFileDecorations = this.changed.event;
  private byPath = new Map<string, Artifact>();

  constructor(model: VersioningModel) {
    super();
    this.register(vscode.window.registerFileDecorationProvider(this));
    this.register(model.onDidChange(() => {
      const next = new Map<string, Artifact>();
      for (const d of model.folders) for (const a of d.artifacts) next.set(path.join(d.folder.uri.fsPath, a.path), a);
      const touched = new Set([...this.byPath.keys(), ...next.keys()]);
      this.byPath = next;
      this.changed.fire([...touched].map((p) => vscode.Uri.file(p)));
    }));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file') return undefined;
    const a = this.byPath.get(uri.fsPath);
    if (!a) return undefined;
    switch (a.status) {
      case 'up-to-date':
        return { badge: 'V', tooltip: 'Versioned by MLOps (up to date)' };
      case 'modified':
        return { badge: 'M', tooltip: 'Versioned by MLOps — modified since the last recorded version', color: new vscode.ThemeColor('gitDecoration.modifiedResourceForeground') };
      case 'missing-cache':
        return { badge: 'NC', tooltip: 'Versioned by MLOps — the recorded version is not in the cache' };
      default:
        return undefined;
    }
  }
}
