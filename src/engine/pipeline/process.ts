/**
 * Running one stage command through the user's shell, streaming its output, and stopping it
 * for good: the whole process group gets SIGTERM, then SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

export interface ShellResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the AbortSignal stopped it. */
  stopped: boolean;
  durationMs: number;
  /** Spawn failure (shell missing, cwd missing …). */
  error?: Error;
}

export interface ShellOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  onOutput: (text: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  /** ms between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

/** `/bin/sh -c` on POSIX (its own process group, so children die with it); `cmd.exe /d /s /c` on Windows. */
export function shellCommand(cmd: string): { file: string; args: string[]; verbatim: boolean } {
  if (process.platform === 'win32') return { file: process.env['ComSpec'] ?? 'cmd.exe', args: ['/d', '/s', '/c', `"${cmd}"`], verbatim: true };
  return { file: '/bin/sh', args: ['-c', cmd], verbatim: false };
}

export function runShell(cmd: string, opts: ShellOptions): Promise<ShellResult> {
  const started = performance.now();
  const { file, args, verbatim } = shellCommand(cmd);
  return new Promise((resolve) => {
    if (opts.signal?.aborted) {
      resolve({ exitCode: null, signal: null, stopped: true, durationMs: 0 });
      return;
    }
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsVerbatimArguments: verbatim,
      windowsHide: true,
    });
    let stopped = false;
    let killTimer: NodeJS.Timeout | undefined;
    let spawnError: Error | undefined;
    const kill = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (process.platform === 'win32') {
          spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
        } else process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const onAbort = (): void => {
      stopped = true;
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), opts.killGraceMs ?? 5000);
      killTimer.unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    for (const stream of ['stdout', 'stderr'] as const) {
      const decoder = new StringDecoder('utf8');
      child[stream].on('data', (chunk: Buffer) => {
        const text = decoder.write(chunk);
        if (text) opts.onOutput(text, stream);
      });
      child[stream].on('end', () => {
        const rest = decoder.end();
        if (rest) opts.onOutput(rest, stream);
      });
    }
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode: code,
        signal,
        stopped,
        durationMs: Math.round(performance.now() - started),
        ...(spawnError ? { error: spawnError } : {}),
      });
    });
  });
}
