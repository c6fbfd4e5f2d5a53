// Status of an unchanged tracked folder of 20,000 small files with a warm state cache, vs
// `git status` on the same tree (committed to git, so git also has to check all 20,000).
// Goal ≤ 1.0×: knowing nothing changed must not cost more than it costs git.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/engine/config/config.ts';
import { Store } from '../src/engine/store/store.ts';
import { initWorkspace } from '../src/engine/workspace/workspace.ts';
import { openVersioning } from '../src/engine/versioning/versioning.ts';
import { compare, measure, measureCommand, saveResults } from './harness.ts';
import { bundleCli, command, measureInterleaved, ratioOfMins } from './interleave.ts';

const FILES = 20_000;
const PER_DIR = 100;

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-status-'));
try {
  const root = path.join(dir, 'ws');
  const set = path.join(root, 'data', 'set');
  for (let d = 0; d < FILES / PER_DIR; d++) {
    const sub = path.join(set, `part-${String(d).padStart(3, '0')}`);
    await fs.mkdir(sub, { recursive: true });
    await Promise.all(Array.from({ length: PER_DIR }, (_, i) => fs.writeFile(path.join(sub, `row-${i}.json`), `{"part": ${d}, "row": ${i}}\n`)));
  }
  // Old enough that the state cache may remember them (fresh files are re-hashed on purpose).
  const old = new Date(Date.now() - 3600_000);
  execFileSync('find', [set, '-exec', 'touch', '-h', '-d', old.toISOString(), '{}', '+']);
  initWorkspace(root, 'bench');
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  git('init', '-q');
  git('-c', 'user.email=b@example.com', '-c', 'user.name=b', 'add', '-A');
  git('-c', 'user.email=b@example.com', '-c', 'user.name=b', 'commit', '-q', '-m', 'tree');

  const store = Store.open(root, { origin: 'bench' });
  const config = loadConfig(root);
  const v = openVersioning(root, { store, config, actor: 'bench' });
  const t0 = performance.now();
  await v.add('data/set', 'cli');
  const addMs = performance.now() - t0;
  git('status', '--porcelain'); // let git refresh its index once too

  let fresh = openVersioning(root, { store, config, actor: 'bench' });
  const check = (status: string): void => {
    if (status !== 'up-to-date') throw new Error(`status ${status}, expected up-to-date`);
  };
  // A new engine each run: the state comes from SQLite (what a fresh extension host or CLI sees).
  // Taken in turns with `git status`, so both see the same load on a shared machine.
  const { ours, gitStatus } = await measureInterleaved({
    ours: async () => {
      fresh = openVersioning(root, { store, config, actor: 'bench' });
      check((await fresh.list()).artifacts[0]!.status);
    },
    gitStatus: command('git', ['status', '--porcelain'], root),
  }, { runs: 11, warmup: 2 });
  if (fresh.state.misses !== 0) throw new Error(`${fresh.state.misses} files were re-hashed`);
  // The same engine again and again (the extension keeps one per workspace): memory is warm too.
  const kept = await measure(async () => check((await v.list()).artifacts[0]!.status), { runs: 7, warmup: 2 });
  // The CLI as shipped (bundle + compile-cache launcher), in bench/results/ so it finds node_modules.
  const cliFile = await bundleCli(path.join(import.meta.dirname, 'results', 'status-cli'));
  const cli = await measureCommand(process.execPath, [cliFile, 'status', '--json'], { cwd: root, runs: 5, warmup: 1 });
  const nodeStart = await measureCommand(process.execPath, ['-e', '0'], { runs: 5, warmup: 1 });
  compare(`versioning: status of ${FILES.toLocaleString('en-US')} unchanged tracked files (warm state cache)`, ours, gitStatus, 'git status', 1.0, {
    'ratio of minimums (same stretch of time)': ratioOfMins(ours, gitStatus),
    'ours, engine kept open (ms)': kept.median,
    'mlops status --json, bundled CLI process (ms)': cli.median,
    'of which node startup alone (ms)': nodeStart.median,
    'first add of the tree (ms)': Math.round(addMs),
  });
  store.close();
  saveResults('versioning-status');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
