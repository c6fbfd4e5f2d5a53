import * as vscode from 'vscode';

/** The one log: a LogOutputChannel, so level filtering and "Open Log File" come from VS Code. */
export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor(name = 'MLOps Workbench') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  info(message: string, ...args: unknown[]): void { this.channel.info(message, ...args); }
  warn(message: string, ...args: unknown[]): void { this.channel.warn(message, ...args); }
  error(message: string | Error, ...args: unknown[]): void { this.channel.error(message, ...args); }
  debug(message: string, ...args: unknown[]): void { this.channel.debug(message, ...args); }
  trace(message: string, ...args: unknown[]): void { this.channel.trace(message, ...args); }

  show(): void { this.channel.show(true); }
  dispose(): void { this.channel.dispose(); }
}
