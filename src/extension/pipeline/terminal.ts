import * as vscode from 'vscode';

/**
 * A terminal the extension owns for one stage: output arrives from the engine's process streams;
 * closing it while the stage runs asks the run to stop.
 */
export class StageTerminal implements vscode.Pseudoterminal {
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly closer = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writer.event;
  readonly onDidClose = this.closer.event;
  private opened = false;
  private readonly pending: string[] = [];
  private finished = false;
  private readonly onUserClose: () => void;

  constructor(onUserClose: () => void) {
    this.onUserClose = onUserClose;
  }

  open(): void {
    this.opened = true;
    for (const t of this.pending.splice(0)) this.writer.fire(t);
  }

  close(): void {
    if (!this.finished) this.onUserClose();
  }

  /** Write process output; terminals need CRLF. */
  write(text: string): void {
    const t = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) this.writer.fire(t);
    else this.pending.push(t);
  }

  line(text: string, style: 'info' | 'ok' | 'error' | 'dim' = 'info'): void {
    const color = { info: '36', ok: '32', error: '31', dim: '2' }[style];
    this.write(`\x1b[${color}m${text}\x1b[0m\n`);
  }

  /** The stage is done; the terminal stays open for reading until the user closes it. */
  finish(): void {
    this.finished = true;
  }

  /** For task executions: close with the stage's exit code. */
  exit(code: number): void {
    this.finished = true;
    this.closer.fire(code);
  }
}
