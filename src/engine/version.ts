import { readFileSync } from 'node:fs';

declare const __MLOPS_VERSION__: string | undefined;

/** Injected by esbuild into bundles; read from package.json when the sources run directly. */
export const VERSION: string =
  typeof __MLOPS_VERSION__ === 'string'
    ? __MLOPS_VERSION__
    : (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
