import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CliCommand } from '../command.ts';
import { initWorkspace } from '../../engine/workspace/workspace.ts';
import { EXIT, printJson } from '../io.ts';

export const initCommand: CliCommand = {
  name: ['init'],
  summary: 'Create .mlops/ (store and cache) and a commented mlops.yaml',
  usage: '[folder] [--json]',
  details: 'Idempotent: an existing mlops.yaml is kept, an existing store is migrated to the current schema.',
  positionals: [0, 1],
  run({ io, positionals, json }) {
    const root = path.resolve(io.cwd, positionals[0] ?? '.');
    mkdirSync(root, { recursive: true });
    const r = initWorkspace(root, 'cli');
    if (json) printJson(io, r);
    else {
      io.out(`${r.createdStore ? 'Initialized' : 'Already initialized'} MLOps workspace in ${r.root}\n`);
      io.out(`  store   ${shown(io.cwd, r.storeFile)} (schema ${r.schemaVersion})\n`);
      io.out(`  config  ${shown(io.cwd, r.configFile)}${r.createdConfig ? ' (created)' : ' (kept)'}\n`);
    }
    return EXIT.ok;
  },
};

function shown(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}
