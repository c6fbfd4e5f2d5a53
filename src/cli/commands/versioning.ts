import path from 'node:path';
import type { CliCommand, CommandContext } from '../command.ts';
import type { CliIO } from '../io.ts';
import { EXIT, UsageError, printJson, table } from '../io.ts';
import { MlopsError } from '../../engine/errors.ts';
import { loadConfig } from '../../engine/config/config.ts';
import { Store } from '../../engine/store/store.ts';
import { findWorkspaceRoot } from '../../engine/workspace/workspace.ts';
import type { TransferProgress, TransferResult, VersionRecord } from '../../engine/versioning/api.ts';
import { openVersioning } from '../../engine/versioning/versioning.ts';
import type { Versioning } from '../../engine/versioning/versioning.ts';

/** Open the workspace around cwd, run `fn`, always close the store. */
async function withVersioning<T>(io: CliIO, fn: (v: Versioning) => Promise<T>): Promise<T> {
  const root = findWorkspaceRoot(io.cwd);
  if (!root) {
    throw new MlopsError('not-initialized', `${io.cwd} is not inside an MLOps workspace`, { hint: "run 'mlops init' in the project folder first" });
  }
  const store = Store.open(root, { origin: 'cli' });
  try {
    return await fn(openVersioning(root, { store, config: loadConfig(root) }));
  } finally {
    store.close();
  }
}

/** Ctrl-C stops a long transfer or add cleanly (temp files are removed, nothing half-published). */
function interruptible(): { signal: AbortSignal; done(): void } {
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  return { signal: ac.signal, done: () => process.off('SIGINT', onSigint) };
}

const short = (h: string | undefined): string => (h ? (h.endsWith('.dir') ? `${h.slice(0, 8)}….dir` : h.slice(0, 8)) : '-');
const abs = (io: CliIO, p: string): string => path.resolve(io.cwd, p);

export const addCommand: CliCommand = {
  name: ['add'],
  summary: 'Version files or folders (DVC-compatible .dvc pointer, cache, .gitignore, history)',
  usage: '<path…> [--json]',
  details: 'Commit the .dvc and .gitignore files it writes with git; the data itself stays out of git.',
  positionals: [1, 1000],
  async run({ io, positionals, json }) {
    const stop = interruptible();
    try {
      const results = await withVersioning(io, async (v) => {
        const out = [];
        for (const p of positionals) out.push(await v.add(abs(io, p), 'cli', { signal: stop.signal }));
        return out;
      });
      if (json) printJson(io, results);
      else {
        for (const r of results) {
          const a = r.artifact;
          io.out(`${r.changed ? 'versioned' : 'unchanged'}  ${a.path}  ${short(a.hash)}  ${a.size ?? 0} bytes${a.nfiles !== undefined ? `, ${a.nfiles} files` : ''}  → ${a.recordFile}\n`);
        }
      }
      return EXIT.ok;
    } finally {
      stop.done();
    }
  },
};

export const dataStatusCommand: CliCommand = {
  name: ['status'],
  summary: 'Tracked data and models and whether the workspace matches what is recorded',
  usage: '[--json]',
  details: 'Statuses: up-to-date, modified, missing-workspace (run mlops checkout), missing-cache (run mlops pull).\nExit code 1 when a pointer or lock file cannot be read.',
  async run({ io, json }) {
    const r = await withVersioning(io, (v) => v.list());
    const problems = r.problems.map((p) => ({ code: p.code, message: p.message, file: p.location?.file, line: p.location?.line, hint: p.hint }));
    if (json) printJson(io, { artifacts: r.artifacts, problems });
    else {
      if (r.artifacts.length === 0) io.out('Nothing is tracked yet — version data with `mlops add <path>`.\n');
      else {
        io.out(table([
          ['PATH', 'STATUS', 'HASH', 'SIZE', 'VERSIONS', 'RECORDED IN'],
          ...r.artifacts.map((a) => [a.path, a.status, short(a.hash), String(a.size ?? '-'), String(a.versionCount), a.stage ? `${a.recordFile} (${a.stage})` : a.recordFile]),
        ]));
      }
      for (const p of r.problems) io.err(`problem: ${p.describe()}\n`);
    }
    return r.problems.length > 0 ? EXIT.failure : EXIT.ok;
  },
};

export const logCommand: CliCommand = {
  name: ['log'],
  summary: 'Recorded versions of a file or folder, newest first',
  usage: '<path> [--json]',
  positionals: [1, 1],
  async run({ io, positionals, json }) {
    const rows: VersionRecord[] = await withVersioning(io, async (v) => v.history(abs(io, positionals[0]!)));
    if (json) printJson(io, rows);
    else if (rows.length === 0) io.out(`No versions recorded for ${positionals[0]}.\n`);
    else {
      io.out(table([
        ['HASH', 'RECORDED', 'ORIGIN', 'SIZE', 'GIT', 'BY'],
        ...rows.map((r) => [short(r.hash), r.recordedAt, r.origin, String(r.size), r.gitCommit ? `${r.gitCommit.slice(0, 8)}${r.gitDirty ? '+' : ''}` : '-', r.actor ?? '-']),
      ]));
    }
    return EXIT.ok;
  },
};

export const checkoutCommand: CliCommand = {
  name: ['checkout'],
  summary: 'Restore data from the cache: as recorded, a --version of a path, or everything at a git --rev',
  usage: '[path] [--version <hash>] [--rev <commit>] [--force] [--json]',
  details: `Without options, paths whose content differs from their pointer or dvc.lock are brought back.
Workspace content that is not stored in the cache is never overwritten unless --force.
Missing objects are listed; fetch them with 'mlops pull'.`,
  options: {
    version: { type: 'string' },
    rev: { type: 'string' },
    force: { type: 'boolean', short: 'f', default: false },
  },
  positionals: [0, 1],
  async run({ io, positionals, values, json }: CommandContext) {
    const version = values['version'] as string | undefined;
    const rev = values['rev'] as string | undefined;
    const force = Boolean(values['force']);
    const target = positionals[0] === undefined ? undefined : abs(io, positionals[0]);
    if (version && rev) throw new UsageError('give either --version or --rev, not both');
    if (version && !target) throw new UsageError('--version needs the path whose version to restore');
    const stop = interruptible();
    try {
      const results = await withVersioning(io, async (v) => {
        if (version) return [await v.restore(target!, version, { force, signal: stop.signal })];
        if (rev) return v.checkoutRevision(rev, { force, signal: stop.signal, ...(target ? { paths: [target] } : {}) });
        return v.checkout(target ? [target] : undefined, { force, signal: stop.signal });
      });
      if (json) printJson(io, results);
      else if (results.every((r) => r.written === 0)) io.out('Workspace already matches.\n');
      else for (const r of results) if (r.written > 0) io.out(`restored  ${r.path}  ${short(r.hash)}  (${r.written} file${r.written === 1 ? '' : 's'})\n`);
      return EXIT.ok;
    } finally {
      stop.done();
    }
  },
};

function transferCommand(kind: 'push' | 'pull'): CliCommand {
  return {
    name: [kind],
    summary: kind === 'push' ? 'Upload cached objects the workspace refers to to a remote' : 'Download missing objects from a remote and check out missing data',
    usage: '[remote] [--json]',
    details: 'Remotes come from mlops.yaml (`remotes: { default: name, name: { url: /path } }`) or .dvc/config. Only folder remotes are supported so far.\nExit code 1 when an object could not be transferred.',
    positionals: [0, 1],
    async run({ io, positionals, json }) {
      const stop = interruptible();
      let last = 0;
      const onProgress = (p: TransferProgress): void => {
        if (json || !io.isTTY || Date.now() - last < 200) return;
        last = Date.now();
        io.err(`\r${kind} ${p.done}/${p.total} objects, ${p.bytes} bytes`);
      };
      try {
        const r: TransferResult = await withVersioning(io, (v) => v[kind](positionals[0], { signal: stop.signal, onProgress }));
        if (!json && io.isTTY) io.err('\n');
        if (json) printJson(io, r);
        else {
          io.out(`${kind === 'push' ? 'pushed' : 'pulled'} ${r.transferred} object(s) (${r.bytes} bytes), ${r.skipped} already there, ${r.failed.length} failed\n`);
          for (const f of r.failed) io.err(`failed: ${f.oid}: ${f.error}\n`);
        }
        return r.failed.length > 0 ? EXIT.failure : EXIT.ok;
      } finally {
        stop.done();
      }
    },
  };
}

export const pushCommand = transferCommand('push');
export const pullCommand = transferCommand('pull');

export const gcCommand: CliCommand = {
  name: ['gc'],
  summary: 'Remove cache objects no version, pointer or dvc.lock refers to',
  usage: '[--dry-run] [--json]',
  details: 'Objects named by any recorded version stay, so history can still be restored. Use --dry-run to list first.',
  options: { 'dry-run': { type: 'boolean', default: false } },
  async run({ io, values, json }) {
    const r = await withVersioning(io, (v) => v.gc({ dryRun: Boolean(values['dry-run']) }));
    if (json) printJson(io, r);
    else {
      for (const x of r.removed) io.out(`${r.dryRun ? 'would remove' : 'removed'}  ${x.oid}  ${x.size} bytes\n`);
      io.out(`${r.dryRun ? 'Would free' : 'Freed'} ${r.bytes} bytes (${r.removed.length} objects); ${r.kept} kept.\n`);
    }
    return EXIT.ok;
  },
};

export const untrackCommand: CliCommand = {
  name: ['untrack'],
  summary: 'Stop versioning a path: remove its .dvc pointer and .gitignore line (data and history stay)',
  usage: '<path> [--json]',
  positionals: [1, 1],
  async run({ io, positionals, json }) {
    await withVersioning(io, (v) => v.untrack(abs(io, positionals[0]!)));
    if (json) printJson(io, { untracked: positionals[0] });
    else io.out(`untracked ${positionals[0]} (the data and its history are kept)\n`);
    return EXIT.ok;
  },
};

export const VERSIONING_COMMANDS: readonly CliCommand[] = [
  addCommand, dataStatusCommand, logCommand, checkoutCommand, pushCommand, pullCommand, gcCommand, untrackCommand,
];
