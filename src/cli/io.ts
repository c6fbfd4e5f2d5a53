import { describeError, isMlopsError } from '../engine/errors.ts';

/** Where a command prints; tests pass buffers, the binary passes the process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (colour, tables). */
  isTTY: boolean;
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}

/** Errors as the user should read them; as JSON when --json was asked, so scripts can parse failures too. */
export function printError(io: CliIO, e: unknown, json: boolean): void {
  if (json) {
    const body = isMlopsError(e)
      ? { error: { code: e.code, message: e.message, file: e.location?.file, line: e.location?.line, hint: e.hint } }
      : { error: { code: 'internal', message: describeError(e) } };
    io.out(JSON.stringify(body, null, 2) + '\n');
    return;
  }
  io.err(`mlops: ${describeError(e)}\n`);
}

/** Fixed-width text table for terminal output. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
