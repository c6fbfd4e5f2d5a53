// A runner killed with SIGKILL in the middle of a stage must leave dvc.lock exactly as it was:
// the lock is only written after a stage succeeded, by atomic rename.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { NODE, project, read } from './helpers.ts';

const RUNNER = path.resolve(import.meta.dirname, '../../../src/engine/pipeline/runner.ts');

async function waitFor(file: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('kill -9 of the runner mid-stage leaves dvc.lock unchanged', async () => {
  const dir = project({
    'dvc.yaml': 'stages:\n  first:\n    cmd: echo one > one.txt\n    outs: [one.txt]\n  slow:\n    cmd: echo $$ > pid.txt; echo started > started.flag; sleep 30; echo done > two.txt\n    deps: [one.txt]\n    outs: [two.txt]\n',
    'run.ts': `import { runPipeline } from ${JSON.stringify(RUNNER)};\nconst r = await runPipeline(process.argv[2], { trusted: true });\nconsole.log(r.status);\n`,
  });
  // A first complete run of 'first' gives the lock real content to protect.
  const pre = spawn(NODE, [path.join(dir, 'run.ts'), dir], { stdio: 'ignore' });
  await waitFor(path.join(dir, 'started.flag'), 20_000);
  const lockAfterFirst = readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
  assert.match(lockAfterFirst, /first:/);
  assert.doesNotMatch(lockAfterFirst, /slow:/);
  pre.kill('SIGKILL');
  await new Promise((r) => pre.once('exit', r));
  const orphan = Number(read(dir, 'pid.txt'));
  try {
    process.kill(-orphan, 'SIGKILL');
  } catch {
    // already gone
  }
  assert.equal(readFileSync(path.join(dir, 'dvc.lock'), 'utf8'), lockAfterFirst, 'lock unchanged after kill -9');
  assert.ok(!existsSync(path.join(dir, 'two.txt')));

  // Second time, with 'first' up to date: the killed run must not touch the lock at all.
  rmSync(path.join(dir, 'started.flag'));
  const child = spawn(NODE, [path.join(dir, 'run.ts'), dir], { stdio: 'ignore' });
  await waitFor(path.join(dir, 'started.flag'), 20_000);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  try {
    process.kill(-Number(read(dir, 'pid.txt')), 'SIGKILL');
  } catch {
    // already gone
  }
  assert.equal(readFileSync(path.join(dir, 'dvc.lock'), 'utf8'), lockAfterFirst);
  const leftovers = readdirSync(dir).filter((f) => f.includes('dvc.lock') && f !== 'dvc.lock');
  assert.deepEqual(leftovers, [], 'no temp lock files left behind');
});
