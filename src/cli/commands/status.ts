import path from 'node:path';
import type { CliCommand } from '../command.ts';
import { findWorkspaceRoot, inspectWorkspace } from '../../engine/workspace/workspace.ts';
import { EXIT, printJson, printError } from '../io.ts';

export const workspaceCommand: CliCommand = {
  name: ['workspace'],
  summary: 'Show the workspace: store schema, config, tracked paths',
  usage: '[folder] [--json]',
  positionals: [0, 1],
  run({ io, positionals, json }) {
    const start = path.resolve(io.cwd, positionals[0] ?? '.');
    const root = findWorkspaceRoot(start) ?? start;
    const state = inspectWorkspace(root);
    if (state.kind === 'error') {
      printError(io, state.error, json);
      return EXIT.failure;
    }
    if (json) {
      printJson(io, state.kind === 'ready'
        ? { state: state.kind, root, schemaVersion: state.schemaVersion, dvcRepo: state.dvcRepo, track: state.config.track, warnings: state.config.warnings.map((w) => w.describe()) }
        : { state: state.kind, root });
      return state.kind === 'ready' ? EXIT.ok : EXIT.failure;
    }
    if (state.kind === 'uninitialized') {
      io.err(`mlops: ${root} is not an MLOps workspace — run 'mlops init' there.\n`);
      return EXIT.failure;
    }
    io.out(`MLOps workspace ${root}\n`);
    io.out(`  store schema  ${state.schemaVersion}\n`);
    io.out(`  DVC repo      ${state.dvcRepo ? 'yes (.dvc/ found; the DVC cache is shared)' : 'no'}\n`);
    io.out(`  tracked       ${state.config.track.paths.join(', ')}\n`);
    for (const w of state.config.warnings) io.err(`warning: ${w.describe()}\n`);
    return EXIT.ok;
  },
};
