import * as vscode from 'vscode';
import { WebviewPanel } from '../webview/panel.ts';
import type { Log } from '../log.ts';
import type { RegistryModel } from './model.ts';
import { pageFor, type FolderService } from './views.ts';
import type { RegistryRequests, RegistryRoute, RegistryToHost, RegistryToWebview, RegistryView, RegistryAction } from '../../shared/registry.ts';
import { MlopsError } from '../../engine/errors.ts';

/**
 * The Model Registry panel: one reused panel that navigates between the models list, a model,
 * a version (lineage, metrics, card, audit) and the audit trail. Pages are built here from the
 * service; the page renders them and sends actions back, which run through the same commands as
 * the tree (one door, one error path).
 */
export class RegistryPanel {
  private current: WebviewPanel<RegistryToHost, RegistryToWebview> | undefined;
  private route: RegistryRoute = { page: 'models' };
  private readonly extensionUri: vscode.Uri;
  private readonly log: Log;
  private readonly model: RegistryModel;
  private readonly onAction: (a: RegistryAction) => unknown;

  constructor(extensionUri: vscode.Uri, log: Log, model: RegistryModel, onAction: (a: RegistryAction) => unknown) {
    this.extensionUri = extensionUri;
    this.log = log;
    this.model = model;
    this.onAction = onAction;
  }

  get isOpen(): boolean {
    return Boolean(this.current && !this.current.isDisposed);
  }

  /** The route shown now (tests). */
  get shown(): RegistryRoute | undefined {
    return this.isOpen ? this.route : undefined;
  }

  /** The registry changed: the page reloads what it shows. */
  notifyChanged(): void {
    const p = this.current;
    if (p && !p.isDisposed) void p.ready.then(() => p.post({ type: 'changed' }));
  }

  async show(route: RegistryRoute): Promise<RegistryView> {
    const view = await this.view(route);
    this.route = route;
    const title = titleOf(route);
    if (this.current && !this.current.isDisposed) {
      const p = this.current;
      p.panel.title = title;
      void p.ready.then(() => p.post({ type: 'show', view }));
      p.reveal();
      return view;
    }
    const p = new WebviewPanel<RegistryToHost, RegistryToWebview>(this.extensionUri, this.log, {
      app: 'registry',
      title,
      initialState: view,
      iconPath: vscode.Uri.joinPath(this.extensionUri, 'media', 'mlops.svg'),
    });
    p.handle<RegistryRequests['load']['params'], RegistryRequests['load']['result']>('load', async (r) => {
      const v = await this.view(r);
      this.route = r;
      p.panel.title = titleOf(r);
      return v;
    });
    p.handle<RegistryRequests['current']['params'], RegistryRequests['current']['result']>('current', () => this.view(this.route));
    p.handle<RegistryRequests['verifyAudit']['params'], RegistryRequests['verifyAudit']['result']>('verifyAudit', (r) => this.model.service(r.folder).service.verifyAudit());
    p.onMessage((m) => {
      if (m.type !== 'action') return;
      const { type: _type, ...action } = m;
      void Promise.resolve()
        .then(() => this.onAction(action as RegistryAction))
        .catch((e: unknown) => this.log.error(`registry panel action ${action.action} failed: ${String(e)}`));
    });
    p.onDidClose(() => { if (this.current === p) this.current = undefined; });
    this.current = p;
    return view;
  }

  private async view(route: RegistryRoute): Promise<RegistryView> {
    const lookup = (folder: string): FolderService => {
      const { folder: f, service } = this.model.service(folder);
      return { folder: { key: f.uri.toString(), name: f.name }, service };
    };
    const all = () => this.model.folders.map((d) => ({ folder: { key: d.folder.uri.toString(), name: d.folder.name }, service: d.service }));
    if (route.page !== 'models' && !this.model.get(route.folder)) {
      return { route, data: { page: 'error', message: new MlopsError('not-found', 'That workspace folder has no model registry open.').message }, trusted: vscode.workspace.isTrusted, actor: null };
    }
    const data = await pageFor(route, lookup, all);
    const actor = route.page === 'models' ? (this.model.folders[0]?.service.actor ?? null) : (this.model.get(route.folder)?.service.actor ?? null);
    return { route, data, trusted: vscode.workspace.isTrusted, actor };
  }

  dispose(): void {
    this.current?.dispose();
  }
}

function titleOf(r: RegistryRoute): string {
  switch (r.page) {
    case 'models': return 'Model Registry';
    case 'model': return `Model ${r.model}`;
    case 'version': return `${r.model} v${r.version}`;
    case 'audit': return r.model ? `Audit: ${r.model}` : 'Audit Trail';
  }
}
