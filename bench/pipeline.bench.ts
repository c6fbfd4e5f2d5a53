// No-op pipeline status/repro (everything up to date) vs `git status`, same repo, same run.
// A 50-stage pipeline (a 25-stage chain plus 25 stages fanning out of it) over small files,
// in a git repository, after one full repro filled dvc.lock.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipelineStatus } from '../src/engine/pipeline/status.ts';
import { runPipeline } from '../src/engine/pipeline/runner.ts';
import { DefaultHasher, StateCacheHasher } from '../src/engine/pipeline/hasher.ts';
import { StateCache } from '../src/engine/versioning/stateCache.ts';
import { Store } from '../src/engine/store/store.ts';
import type { Hasher } from '../src/engine/pipeline/hasher.ts';
import { compare, saveResults } from './harness.ts';
import { bundleCli, command, measureInterleaved, ratioOfMins } from './interleave.ts';

const CHAIN = 25;
const FAN = 25;

function makeRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-pipeline-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  mkdirSync(path.join(dir, 'src'));
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'data', 'input.csv'), 'id,value\n' + Array.from({ length: 200 }, (_, i) => `${i},${i * 7 % 13}`).join('\n') + '\n');
  writeFileSync(path.join(dir, 'src', 'step.sh'), '#!/bin/sh\n# copy input to output with a marker\ncat "$1" > "$2" && echo "$3" >> "$2"\n');
  const params: string[] = [];
  let yaml = 'stages:\n';
  const ignore: string[] = ['/.mlops/'];
  for (let i = 0; i < CHAIN; i++) {
    const input = i === 0 ? 'data/input.csv' : `out/chain${i - 1}.csv`;
    yaml += `  chain${i}:\n    cmd: sh src/step.sh ${input} out/chain${i}.csv \${chain.p${i}}\n    deps:\n    - ${input}\n    - src/step.sh\n    params:\n    - chain.p${i}\n    outs:\n    - out/chain${i}.csv\n`;
    params.push(`  p${i}: ${i}`);
  }
  for (let j = 0; j < FAN; j++) {
    const input = `out/chain${j % CHAIN}.csv`;
    yaml += `  fan${j}:\n    cmd: mkdir -p fan/${j} && sh src/step.sh ${input} fan/${j}/result.csv ${j} && cp ${input} fan/${j}/copy.csv\n    deps:\n    - ${input}\n    - src/step.sh\n    outs:\n    - fan/${j}\n`;
  }
  ignore.push('/out/', '/fan/');
  writeFileSync(path.join(dir, 'dvc.yaml'), yaml);
  writeFileSync(path.join(dir, 'params.yaml'), `chain:\n${params.join('\n')}\n`);
  writeFileSync(path.join(dir, '.gitignore'), ignore.join('\n') + '\n');
  mkdirSync(path.join(dir, 'out'));
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.email=bench@example.com', '-c', 'user.name=bench', 'commit', '-q', '-m', 'pipeline');
  return dir;
}

const dir = makeRepo();
try {
  const first = await runPipeline(dir, { trusted: true, jobs: 2 });
  if (first.status !== 'succeeded') throw new Error(`setup repro failed: ${first.stages.find((s) => s.error)?.error?.describe()}`);
  execFileSync('git', ['add', 'dvc.lock'], { cwd: dir });
  execFileSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', 'commit', '-q', '-m', 'lock'], { cwd: dir });

  const assertNoop = async (hasher: Hasher): Promise<void> => {
    const st = await pipelineStatus(dir, { hasher });
    const stale = st.stages.filter((s) => s.state !== 'up-to-date');
    if (stale.length) throw new Error(`expected everything up to date, got ${stale.map((s) => s.stage).join(', ')}`);
  };
  await assertNoop(new DefaultHasher());
  // The real versioning state cache ((inode, size, mtime) → md5 in the store), as the extension uses it.
  const store = Store.openFile(path.join(dir, '.mlops', 'mlops.db'), { origin: 'bench' });
  const cached = new StateCacheHasher(new StateCache(store));
  await assertNoop(cached);
  const noopRepro = (hasher?: Hasher) => async (): Promise<void> => {
    const r = await runPipeline(dir, { trusted: true, ...(hasher ? { hasher } : {}) });
    if (r.stages.some((s) => s.status !== 'skipped')) throw new Error('no-op repro ran a stage');
  };
  // The whole `mlops stage status` process as shipped (bundle + compile-cache launcher), startup included.
  const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8')) as { version: string };
  const cli = await bundleCli(path.join(import.meta.dirname, 'results', 'pipeline-cli'), pkg.version);
  // Everything in turns with `git status`, so all see the same load on a shared machine.
  const m = await measureInterleaved({
    git: command('git', ['status'], dir),
    status: () => pipelineStatus(dir),
    repro: noopRepro(),
    statusCached: () => pipelineStatus(dir, { hasher: cached }),
    reproCached: noopRepro(cached),
    process: command(process.execPath, [cli, 'stage', 'status'], dir),
    version: command(process.execPath, [cli, '--version']),
    node: command(process.execPath, ['-e', '0']),
  }, { runs: 11, warmup: 2 });
  store.close();

  const mins = (x: keyof typeof m) => ({ 'ratio of minimums (same stretch of time)': ratioOfMins(m[x], m.git) });
  compare('pipeline: no-op `stage status`, 50 stages, default hasher (reads every file)', m.status, m.git, 'git status', 3, { stages: CHAIN + FAN, 'git status (ms)': m.git.median, ...mins('status') });
  compare('pipeline: no-op `repro`, 50 stages, default hasher', m.repro, m.git, 'git status', 3, mins('repro'));
  compare('pipeline: no-op `stage status`, 50 stages, state cache (as in the editor)', m.statusCached, m.git, 'git status', 3, mins('statusCached'));
  compare('pipeline: no-op `repro`, 50 stages, state cache (as in the editor)', m.reproCached, m.git, 'git status', 3, mins('reproCached'));
  compare('pipeline: `mlops stage status` process (bundled CLI, node startup included)', m.process, m.git, 'git status', undefined, {
    ...mins('process'),
    '`mlops --version` process (ms)': m.version.median,
    '`node -e 0` (ms)': m.node.median,
    '`mlops --version` / `node -e 0`': m.version.median / m.node.median,
  });
  saveResults('pipeline');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
