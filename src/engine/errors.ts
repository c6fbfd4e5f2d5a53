/**
 * Errors a person can act on: what happened, where (file and line when known) and what to do.
 * Everything the engine throws on bad input is an MlopsError; anything else is a bug.
 */
export type ErrorCode =
  | 'usage'
  | 'config'
  | 'store-corrupt'
  | 'store-newer'
  | 'store-busy'
  | 'native-module'
  | 'not-initialized'
  | 'io'
  | 'format'
  | 'integrity'
  | 'not-found'
  | 'refused';

export interface ErrorLocation {
  file: string;
  /** 1-based line, when known. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
}

export class MlopsError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { location?: ErrorLocation; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlopsError';
    this.code = code;
    this.location = options.location;
    this.hint = options.hint;
  }

  /** One line for logs and CLI output: `file:line: message (hint)`. */
  describe(): string {
    const loc = this.location;
    let where = '';
    if (loc?.line) where = `${loc.file}:${loc.line}${loc.column ? `:${loc.column}` : ''}: `;
    else if (loc && !this.message.includes(loc.file)) where = `${loc.file}: `;
    return `${where}${this.message}${this.hint ? ` — ${this.hint}` : ''}`;
  }
}

export function isMlopsError(e: unknown): e is MlopsError {
  return e instanceof MlopsError;
}

/** Message for any thrown value, preferring our own description. */
export function describeError(e: unknown): string {
  if (isMlopsError(e)) return e.describe();
  if (e instanceof Error) return e.message;
  return String(e);
}
