import * as vscode from 'vscode';
import { describeError, isMlopsError } from '../engine/errors.ts';
import type { Log } from './log.ts';
import { CommandId } from './commandIds.ts';

export type CommandHandler = (...args: any[]) => unknown;

/**
 * Commands through one door: each invocation is logged with its duration, and any failure becomes
 * exactly one notification with a "Show Log" button (MlopsErrors show their own message and hint).
 */
export class Commands {
  private readonly log: Log;

  constructor(log: Log) {
    this.log = log;
  }

  register(id: CommandId, handler: CommandHandler): vscode.Disposable {
    return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      const started = performance.now();
      this.log.debug(`command ${id} started`);
      try {
        const result = await handler(...args);
        this.log.debug(`command ${id} finished in ${Math.round(performance.now() - started)} ms`);
        return result;
      } catch (e) {
        this.log.error(`command ${id} failed after ${Math.round(performance.now() - started)} ms: ${describeError(e)}`);
        if (e instanceof Error && !isMlopsError(e) && e.stack) this.log.error(e.stack);
        void this.notify(e);
        return undefined;
      }
    });
  }

  private async notify(e: unknown): Promise<void> {
    const pick = await vscode.window.showErrorMessage(`MLOps: ${describeError(e)}`, 'Show Log');
    if (pick === 'Show Log') this.log.show();
  }
}
