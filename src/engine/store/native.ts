import { createRequire } from 'node:module';
import { MlopsError } from '../errors.ts';
import type BetterSqlite3 from 'better-sqlite3';

/** better-sqlite3 13 ships Node-API 10 prebuilds: they load in Node >= 22.14 and any Electron built on it. */
export const REQUIRED_NAPI = 10;

export type DatabaseConstructor = typeof BetterSqlite3;

let cached: DatabaseConstructor | undefined;

export function runtimeDescription(versions: Record<string, string | undefined> = process.versions): string {
  const v = versions;
  const parts = [`node ${v.node}`, `napi ${v.napi ?? '?'}`, `modules ${v.modules ?? '?'}`];
  if (v.electron) parts.push(`electron ${v.electron}`);
  return parts.join(', ');
}

/**
 * Load better-sqlite3 only after checking the runtime can host it: on an older runtime the
 * native module does not fail politely, it crashes the whole process.
 */
export function checkRuntime(versions: Record<string, string | undefined> = process.versions): void {
  const napi = Number(versions.napi ?? 0);
  if (!(napi >= REQUIRED_NAPI)) {
    throw new MlopsError(
      'native-module',
      `The SQLite module (better-sqlite3 13) needs Node-API ${REQUIRED_NAPI} (Node.js 22.14 or newer), but this runtime is ${runtimeDescription(versions)}.`,
      { hint: 'Run the CLI with Node.js 24 (npm scripts use node_modules/.bin/node), or use VS Code 1.101 or newer.' },
    );
  }
}

export function loadSqlite(): DatabaseConstructor {
  if (cached) return cached;
  checkRuntime();
  try {
    const req = createRequire(import.meta.url);
    cached = req('better-sqlite3') as DatabaseConstructor;
    return cached;
  } catch (e) {
    throw new MlopsError(
      'native-module',
      `Could not load the SQLite native module (better-sqlite3) on ${runtimeDescription()}: ${(e as Error).message}`,
      { hint: `Reinstall dependencies with 'npm ci'; the module's prebuilt binary needs ${process.platform}-${process.arch} with glibc 2.34 or newer.`, cause: e },
    );
  }
}
