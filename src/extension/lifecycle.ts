import type * as vscode from 'vscode';

/**
 * Owns what it registers: every `register*` result goes through `register()` and is disposed with
 * its owner, so nothing outlives deactivation.
 */
export class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;

  protected register<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.owned.push(d);
    return d;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.owned.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // one failing disposal must not keep the rest alive
      }
    }
  }
}

/** Run `fn` at most once per `ms`, serialised: a call during a run queues exactly one rerun. */
export class Coalescer implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private readonly fn: () => Promise<void> | void;
  private readonly ms: number;

  constructor(fn: () => Promise<void> | void, ms = 200) {
    this.fn = fn;
    this.ms = ms;
  }

  trigger(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.fire(), this.ms);
  }

  /** Run now (still serialised); resolves when the run that covers this call is done. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.fire();
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    if (this.running) {
      this.rerun = true;
      await this.running;
      return;
    }
    this.running = (async () => {
      do {
        this.rerun = false;
        await this.fn();
      } while (this.rerun);
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
