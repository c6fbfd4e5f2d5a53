/** What evaluating one check produced, before it becomes a CheckResult with ids and timing. */
import { MlopsError, describeError, isMlopsError } from '../errors.ts';
import type { CheckResult, CheckStatus } from './types.ts';

/** A CheckResult without what the runner adds (ids, rule kind, severity, source range, timing). */
export type Outcome = Omit<CheckResult, 'id' | 'suite' | 'name' | 'kind' | 'severity' | 'range' | 'durationMs'>;

export function passed(message: string, o: Partial<Outcome> = {}): Outcome {
  return { status: 'passed', message, details: [], links: [], ...o };
}

export function failed(message: string, o: Partial<Outcome> = {}): Outcome {
  return { status: 'failed', message, details: [], links: [], ...o };
}

/** The check could not be measured; `config` when its definition is wrong. */
export function errored(e: unknown, o: Partial<Outcome> = {}): Outcome {
  const kind = isMlopsError(e) && e.code === 'config' ? 'config' : 'runtime';
  const where = isMlopsError(e) && e.location?.line ? `${e.location.file}:${e.location.line}: ` : '';
  const message = isMlopsError(e) ? `${where}${e.message}` : describeError(e);
  return {
    status: 'errored',
    errorKind: kind,
    message,
    details: [],
    links: [],
    ...(isMlopsError(e) && e.hint ? { hint: e.hint } : {}),
    ...o,
  };
}

export function runtimeError(message: string, hint?: string, o: Partial<Outcome> = {}): Outcome {
  return errored(new MlopsError('not-found', message, hint ? { hint } : {}), o);
}

const RANK: Record<CheckStatus, number> = { passed: 0, failed: 1, errored: 2 };

export function worst(a: CheckStatus, b: CheckStatus): CheckStatus {
  return RANK[a] >= RANK[b] ? a : b;
}
