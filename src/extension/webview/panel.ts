import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { Disposable } from '../lifecycle.ts';
import { panelHtml } from './html.ts';
import type { RequestEnvelope, ResponseEnvelope } from '../../shared/webview.ts';
import type { Log } from '../log.ts';
import { describeError } from '../../engine/errors.ts';

export interface PanelOptions<State> {
  /** View type, also the name of the bundle: dist/webview/<app>.js (+ .css). */
  app: string;
  title: string;
  initialState: State;
  column?: vscode.ViewColumn;
  iconPath?: vscode.Uri;
}

/**
 * One webview panel: strict CSP, resources only from our bundles and media, a ready handshake,
 * typed messages both ways and request/response by correlation id.
 * `In` is what the webview sends, `Out` what the host posts.
 */
export class WebviewPanel<In extends { type: string }, Out extends { type: string }> extends Disposable {
  readonly panel: vscode.WebviewPanel;
  private readonly received = this.register(new vscode.EventEmitter<In>());
  readonly onMessage = this.received.event;
  private readonly closed = this.register(new vscode.EventEmitter<void>());
  readonly onDidClose = this.closed.event;
  private readyResolve!: () => void;
  /** Resolves once the page has said it is listening. */
  readonly ready = new Promise<void>((r) => (this.readyResolve = r));
  private readonly handlers = new Map<string, (params: any) => unknown>();
  private readonly log: Log;

  constructor(extensionUri: vscode.Uri, log: Log, o: PanelOptions<unknown>) {
    super();
    this.log = log;
    const dist = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel(`mlops.${o.app}`, o.title, o.column ?? vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [dist, media],
      retainContextWhenHidden: false,
    });
    this.register(this.panel);
    if (o.iconPath) this.panel.iconPath = o.iconPath;
    const w = this.panel.webview;
    w.html = panelHtml({
      title: o.title,
      cspSource: w.cspSource,
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(dist, `${o.app}.js`)).toString(),
      styleUris: [vscode.Uri.joinPath(media, 'webview.css'), vscode.Uri.joinPath(dist, `${o.app}.css`)]
        .filter((u) => existsSync(u.fsPath))
        .map((u) => w.asWebviewUri(u).toString()),
      initialState: o.initialState,
    });
    this.register(w.onDidReceiveMessage((m: unknown) => void this.dispatch(m)));
    this.register(this.panel.onDidDispose(() => {
      this.closed.fire();
      this.dispose();
    }));
  }

  /** Answer requests named `method` from the webview. */
  handle<P, R>(method: string, fn: (params: P) => R | Promise<R>): void {
    this.handlers.set(method, fn);
  }

  post(message: Out): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  reveal(): void {
    this.panel.reveal();
  }

  private async dispatch(m: unknown): Promise<void> {
    if (!m || typeof m !== 'object' || typeof (m as { type?: unknown }).type !== 'string') return;
    const msg = m as { type: string };
    if (msg.type === 'ready') {
      this.readyResolve();
      return;
    }
    if (msg.type === 'request') {
      const req = msg as RequestEnvelope;
      const fn = this.handlers.get(req.method);
      let reply: ResponseEnvelope;
      try {
        if (!fn) throw new Error(`unknown request '${req.method}'`);
        reply = { type: 'response', id: req.id, ok: true, result: await fn(req.params) };
      } catch (e) {
        this.log.warn(`webview request ${req.method} failed: ${describeError(e)}`);
        reply = { type: 'response', id: req.id, ok: false, error: describeError(e) };
      }
      void this.panel.webview.postMessage(reply);
      return;
    }
    this.received.fire(msg as In);
  }
}
