import * as vscode from 'vscode';
import { Disposable } from '../lifecycle.ts';
import type { RegistryModel } from './model.ts';
import { describeError } from '../../engine/errors.ts';

/**
 * Model cards as editor documents: `mlops-card:/<folder>/<model>.md` reads the card from the
 * registry and saving writes it back through the engine (audited as an `edit`). The markdown
 * lives in the store, not in a workspace file, so there is nothing to keep in sync by hand.
 */
export class ModelCardFileSystem extends Disposable implements vscode.FileSystemProvider {
  static readonly scheme = 'mlops-card';
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.emitter.event;
  private readonly model: RegistryModel;
  /** What each card URI last read or wrote, so only a real change (the CLI, another window) reloads an editor. */
  private readonly served = new Map<string, string>();

  constructor(model: RegistryModel) {
    super();
    this.model = model;
    this.register(vscode.workspace.registerFileSystemProvider(ModelCardFileSystem.scheme, this, { isCaseSensitive: true }));
    this.register(model.onDidChange(() => {
      const changed: vscode.FileChangeEvent[] = [];
      for (const [key, text] of this.served) {
        const uri = vscode.Uri.parse(key);
        try {
          const { folder, model: name } = this.resolve(uri);
          if (this.card(uri, folder, name).markdown !== text) changed.push({ type: vscode.FileChangeType.Changed, uri });
        } catch {
          changed.push({ type: vscode.FileChangeType.Deleted, uri });
          this.served.delete(key);
        }
      }
      if (changed.length) this.emitter.fire(changed);
    }));
  }

  static uri(folder: vscode.WorkspaceFolder, model: string): vscode.Uri {
    return vscode.Uri.from({ scheme: ModelCardFileSystem.scheme, path: `/${folder.name}/${model}.md` });
  }

  private resolve(uri: vscode.Uri): { folder: vscode.WorkspaceFolder; model: string } {
    const m = /^\/([^/]+)\/(.+)\.md$/.exec(uri.path);
    const data = m ? this.model.folders.find((d) => d.folder.name === m[1]) : undefined;
    if (!m || !data) throw vscode.FileSystemError.FileNotFound(uri);
    return { folder: data.folder, model: m[2]! };
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const { folder, model } = this.resolve(uri);
    const card = this.card(uri, folder, model);
    const mtime = card.updatedAt ? Date.parse(card.updatedAt) : 0;
    const readonly = !vscode.workspace.isTrusted || this.model.service(folder).service.show(model).readOnly;
    return {
      type: vscode.FileType.File, ctime: 0, mtime, size: Buffer.byteLength(card.markdown),
      ...(readonly ? { permissions: vscode.FilePermission.Readonly } : {}),
    };
  }

  readFile(uri: vscode.Uri): Uint8Array {
    const { folder, model } = this.resolve(uri);
    const markdown = this.card(uri, folder, model).markdown;
    this.served.set(uri.toString(), markdown);
    return Buffer.from(markdown, 'utf8');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const { folder, model } = this.resolve(uri);
    if (!vscode.workspace.isTrusted) throw vscode.FileSystemError.NoPermissions('Editing a model card needs a trusted workspace.');
    const { service } = this.model.service(folder);
    const markdown = Buffer.from(content).toString('utf8');
    // Recorded first: the registry's change event must not make the editor reload what it saves.
    this.served.set(uri.toString(), markdown);
    try {
      await this.model.run(() => service.setModelCard(model, markdown));
    } catch (e) {
      this.served.delete(uri.toString());
      throw vscode.FileSystemError.NoPermissions(describeError(e));
    }
  }

  private card(uri: vscode.Uri, folder: vscode.WorkspaceFolder, model: string) {
    try {
      return this.model.service(folder).service.getModelCard(model);
    } catch {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}
