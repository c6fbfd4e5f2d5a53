import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runPipeline } from '../../../src/engine/pipeline/runner.ts';
import type { RunEvent } from '../../../src/engine/pipeline/runner.ts';
import { readLock } from '../../../src/engine/pipeline/lock.ts';
import { nodeCmd, project, read } from './helpers.ts';

const DIAMOND = `stages:
  a:
    cmd: echo a > a.txt
    outs: [a.txt]
  b:
    cmd: sleep 0.4 && cat a.txt > b.txt
    deps: [a.txt]
    outs: [b.txt]
  c:
    cmd: sleep 0.4 && cat a.txt > c.txt
    deps: [a.txt]
    outs: [c.txt]
  d:
    cmd: cat b.txt c.txt > d.txt
    deps: [b.txt, c.txt]
    outs: [d.txt]
`;

/** Processes of a group that are not zombies (containers without an init leave zombies behind). */
function liveInGroup(pgid: number): string[] {
  return execFileSync('ps', ['-eo', 'pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => Number(f[0]) === pgid && !f[1]!.startsWith('Z')).map((f) => f.slice(2).join(' '));
}

function timeline() {
  const t: Record<string, { start?: number; end?: number; status?: string }> = {};
  const onEvent = (e: RunEvent): void => {
    if (e.type === 'stage-started') (t[e.stage] ??= {}).start = performance.now();
    if (e.type === 'stage-finished') Object.assign((t[e.stage] ??= {}), { end: performance.now(), status: e.result.status });
  };
  return { t, onEvent };
}

test('dependency order; independent stages run in parallel up to --jobs', async () => {
  const dir = project({ 'dvc.yaml': DIAMOND });
  const { t, onEvent } = timeline();
  const r = await runPipeline(dir, { trusted: true, jobs: 2, onEvent });
  assert.equal(r.status, 'succeeded');
  assert.deepEqual(r.stages.map((s) => s.stage), ['a', 'b', 'c', 'd']);
  assert.ok(t['b']!.start! >= t['a']!.end! && t['c']!.start! >= t['a']!.end!, 'b and c wait for a');
  assert.ok(t['b']!.start! < t['c']!.end! && t['c']!.start! < t['b']!.end!, 'b and c overlap with 2 jobs');
  assert.ok(t['d']!.start! >= Math.max(t['b']!.end!, t['c']!.end!), 'd waits for both');
  assert.equal(read(dir, 'd.txt'), 'a\na\n');

  const serial = timeline();
  await runPipeline(dir, { trusted: true, force: true, jobs: 1, onEvent: serial.onEvent });
  const [b, c] = [serial.t['b']!, serial.t['c']!];
  assert.ok(b.end! <= c.start! || c.end! <= b.start!, 'no overlap with 1 job');
});

test('up-to-date stages are skipped; --force reruns; targets select upstream, downstream or one stage', async () => {
  const dir = project({ 'dvc.yaml': DIAMOND });
  await runPipeline(dir, { trusted: true, jobs: 4 });
  const again = await runPipeline(dir, { trusted: true });
  assert.deepEqual(again.stages.map((s) => s.status), ['skipped', 'skipped', 'skipped', 'skipped']);
  const forced = await runPipeline(dir, { trusted: true, targets: ['b'], force: true });
  assert.deepEqual(forced.stages.map((s) => [s.stage, s.status]), [['a', 'succeeded'], ['b', 'succeeded']]);
  const down = await runPipeline(dir, { trusted: true, targets: ['b'], downstream: true, force: true });
  assert.deepEqual(down.stages.map((s) => s.stage), ['b', 'd']);
  const single = await runPipeline(dir, { trusted: true, targets: ['d'], single: true, force: true });
  assert.deepEqual(single.stages.map((s) => s.stage), ['d']);
  await assert.rejects(runPipeline(dir, { trusted: true, targets: ['bb'] }), (e: Error & { hint?: string }) => /no stage named 'bb'/.test(e.message) && e.hint === "did you mean 'b'?");
  writeFileSync(path.join(dir, 'a.txt'), 'changed by hand\n');
  const plan = await runPipeline(dir, { trusted: true, dryRun: true });
  assert.deepEqual(plan.stages.map((s) => [s.stage, s.willRun]), [['a', true], ['b', true], ['c', true], ['d', true]]);
  assert.equal(plan.runId, null);
  assert.equal(read(dir, 'a.txt'), 'changed by hand\n', 'a dry run executes nothing');
});

test('stages see MLOPS_* and DVC_* variables; output is streamed and captured in output.log', async () => {
  const dir = project({
    'dvc.yaml': `stages:\n  env:\n    cmd:\n    - echo "$MLOPS_RUN_ID|$MLOPS_STAGE|$DVC_STAGE|$DVC_ROOT" > env.txt\n    - test -d "$MLOPS_RUN_DIR" && echo to-stdout && echo to-stderr 1>&2\n    outs: [env.txt]\n`,
  });
  const chunks: string[] = [];
  const r = await runPipeline(dir, { trusted: true, onOutput: (stage, text) => chunks.push(`${stage}:${text}`) });
  assert.equal(r.status, 'succeeded', r.stages[0]!.error?.message);
  const [runId, stage, dvcStage, root] = read(dir, 'env.txt').trim().split('|');
  assert.equal(runId, r.runId);
  assert.equal(stage, 'env');
  assert.equal(dvcStage, 'env');
  assert.equal(root, dir);
  assert.match(chunks.join(''), /env:to-stdout/);
  assert.match(chunks.join(''), /env:to-stderr/);
  const log = r.stages[0]!.logPath!;
  assert.equal(log, path.join(dir, '.mlops', 'runs', r.runId!, 'env', 'output.log'));
  assert.match(readFileSync(log, 'utf8'), /to-stdout\n[^]*to-stderr/);
  assert.equal(readFileSync(path.join(dir, '.mlops', 'runs', '.gitignore'), 'utf8'), '*\n');
});

test('a failed stage: exit code captured, downstream not run, their dvc.lock entries untouched', async () => {
  const dir = project({ 'dvc.yaml': DIAMOND });
  await runPipeline(dir, { trusted: true });
  const before = readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
  writeFileSync(path.join(dir, 'dvc.yaml'), DIAMOND.replace('sleep 0.4 && cat a.txt > b.txt', 'echo boom >&2; exit 3'));
  const r = await runPipeline(dir, { trusted: true });
  assert.equal(r.status, 'failed');
  const by = Object.fromEntries(r.stages.map((s) => [s.stage, s]));
  assert.equal(by['a']!.status, 'skipped');
  assert.equal(by['b']!.status, 'failed');
  assert.equal(by['b']!.exitCode, 3);
  assert.match(by['b']!.error!.message, /exited with code 3/);
  assert.equal(by['d']!.status, 'not-run');
  assert.match(by['d']!.reasons[0]!.message, /upstream stage 'b' failed/);
  assert.equal(by['c']!.status, 'not-run', 'no new stage starts after a failure');
  assert.equal(readFileSync(path.join(dir, 'dvc.lock'), 'utf8'), before);
  const keep = await runPipeline(dir, { trusted: true, keepGoing: true, force: true });
  assert.deepEqual(keep.stages.map((s) => s.status), ['succeeded', 'failed', 'succeeded', 'not-run']);
});

test('outputs: persist:false removed before the run, persist:true kept; cache:false hashed but not cached', async () => {
  const dir = project({
    'dvc.yaml': `stages:
  s:
    cmd: test ! -e fresh.txt && echo new > fresh.txt && echo line >> kept.txt && echo m > metric.json
    outs:
    - fresh.txt
    - kept.txt:
        persist: true
    metrics:
    - metric.json:
        cache: false
`,
  });
  await runPipeline(dir, { trusted: true });
  const r = await runPipeline(dir, { trusted: true, force: true });
  assert.equal(r.status, 'succeeded', r.stages[0]!.error?.message);
  assert.equal(read(dir, 'kept.txt'), 'line\nline\n');
  const lock = await readLock(path.join(dir, 'dvc.lock'));
  const outs = Object.fromEntries(lock.stages.get('s')!.outs.map((o) => [o.path, o]));
  const obj = (md5: string): string => path.join(dir, '.mlops', 'cache', 'files', 'md5', md5.slice(0, 2), md5.slice(2));
  assert.ok(existsSync(obj(outs['fresh.txt']!.md5!)));
  assert.ok(!existsSync(obj(outs['metric.json']!.md5!)), 'cache: false is not cached');
  assert.equal(outs['metric.json']!.hash, 'md5');
});

test('AbortSignal stops a hanging stage: SIGTERM to the group, SIGKILL after the grace period', async () => {
  const dir = project({
    'dvc.yaml': `stages:\n  hang:\n    cmd: echo $$ > pid.txt; trap "" TERM; sleep 30\n    outs: [never.txt]\n  after:\n    cmd: echo > after.txt\n    deps: [never.txt]\n    outs: [after.txt]\n`,
  });
  const ac = new AbortController();
  const t0 = performance.now();
  const r = await runPipeline(dir, {
    trusted: true,
    signal: ac.signal,
    killGraceMs: 300,
    onEvent: (e) => { if (e.type === 'stage-started') setTimeout(() => ac.abort(), 300); },
  });
  const elapsed = performance.now() - t0;
  assert.equal(r.status, 'stopped');
  assert.deepEqual(r.stages.map((s) => s.status), ['stopped', 'not-run']);
  assert.ok(elapsed < 5000, `stopped quickly (${elapsed} ms)`);
  const pid = Number(read(dir, 'pid.txt'));
  assert.deepEqual(liveInGroup(pid), [], 'the whole process group is gone');
  assert.ok(!existsSync(path.join(dir, 'dvc.lock')), 'no lock for a stopped stage');
});

test('untrusted workspaces are refused before anything runs', async () => {
  const dir = project({ 'dvc.yaml': 'stages:\n  s:\n    cmd: echo ran > ran.txt\n' });
  await assert.rejects(runPipeline(dir, { trusted: false }), (e: Error & { code?: string }) => e.code === 'refused');
  assert.ok(!existsSync(path.join(dir, 'ran.txt')));
  assert.ok(!existsSync(path.join(dir, '.mlops')));
});

test('cmd lists and multi-line strings run line by line and stop at the first failure', async () => {
  const dir = project({
    'dvc.yaml': `stages:\n  s:\n    cmd: |\n      echo one > log.txt\n      ${nodeCmd('require("fs").appendFileSync("log.txt", "two\\n")')}\n      false\n      echo never >> log.txt\n`,
  });
  const r = await runPipeline(dir, { trusted: true });
  assert.equal(r.status, 'failed');
  assert.equal(read(dir, 'log.txt'), 'one\ntwo\n');
  assert.deepEqual(readdirSync(path.join(dir, '.mlops', 'runs', r.runId!)), ['s']);
});
