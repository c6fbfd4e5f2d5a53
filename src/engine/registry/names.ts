/**
 * Names people type: model names, aliases, tag keys. Model names become folder-like labels in the
 * tree, CLI arguments and audit entries, so path separators, markup and control characters are
 * refused up front with a message that says what is allowed.
 */
import { MlopsError } from '../errors.ts';
import type { Stage } from './api.ts';
import { STAGES } from './api.ts';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ALIAS_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const TAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,249}$/;
/** MLflow reserves `latest` and `v<digits>` as version references; so do we. */
const RESERVED_ALIAS = /^(latest|v\d+)$/i;

function why(name: string): string {
  if (name === '') return 'it is empty';
  if (/[<>&"'`]/.test(name)) return 'it contains markup characters';
  if (/[\\/]/.test(name)) return 'it contains a path separator';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character';
  if (/\s/.test(name)) return 'it contains whitespace';
  if (name.includes('..')) return 'it contains ".."';
  if (name.length > 128) return 'it is longer than 128 characters';
  return 'it has a character other than letters, digits, ".", "_" and "-", or does not start with a letter or digit';
}

export function validateModelName(name: unknown): string {
  if (typeof name !== 'string' || !MODEL_NAME.test(name) || name.includes('..')) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : String(name);
    throw new MlopsError('usage', `${shown} is not a valid model name: ${typeof name === 'string' ? why(name) : 'it is not text'}.`, {
      hint: 'Use letters, digits, ".", "_" and "-" (up to 128, starting with a letter or digit), e.g. churn-model.',
    });
  }
  return name;
}

export function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || !ALIAS_NAME.test(alias)) {
    const shown = typeof alias === 'string' ? JSON.stringify(alias.slice(0, 80)) : String(alias);
    throw new MlopsError('usage', `${shown} is not a valid alias.`, {
      hint: 'An alias starts with a letter or "_" and has letters, digits, "_" and "-" (up to 64), e.g. champion.',
    });
  }
  if (RESERVED_ALIAS.test(alias)) {
    throw new MlopsError('usage', `'${alias}' cannot be an alias: it reads as a version reference.`, { hint: "'latest' and 'v<number>' are reserved (as in MLflow)." });
  }
  return alias;
}

export function validateTagKey(key: string): string {
  if (!TAG_KEY.test(key)) {
    throw new MlopsError('usage', `${JSON.stringify(key.slice(0, 80))} is not a valid tag key.`, { hint: 'Use letters, digits and _ . : / - (up to 250).' });
  }
  return key;
}

/** `production`, `Production`, `PRODUCTION` → `Production`; anything else is a usage error. */
export function parseStage(text: string): Stage {
  const found = STAGES.find((s) => s.toLowerCase() === text.trim().toLowerCase());
  if (!found) throw new MlopsError('usage', `unknown stage '${text}'`, { hint: `Stages: ${STAGES.join(', ')}.` });
  return found;
}

/** Version numbers as people type them: `3`, `v3`. */
export function parseVersionNumber(text: string): number | undefined {
  const m = /^v?(\d{1,9})$/i.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}
