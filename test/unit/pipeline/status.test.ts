import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipelineStatus, checkStages } from '../../../src/engine/pipeline/status.ts';
import type { StageStatus } from '../../../src/engine/pipeline/status.ts';
import { runPipeline } from '../../../src/engine/pipeline/runner.ts';
import { loadPipeline } from '../../../src/engine/pipeline/dvcyaml.ts';
import { buildDag } from '../../../src/engine/pipeline/dag.ts';
import { project, writeTree } from './helpers.ts';

const YAML = `stages:
  copy:
    cmd: cat in.txt > out.txt && mkdir -p dir && cp in.txt dir/a.txt
    deps:
    - in.txt
    params:
    - lr
    outs:
    - out.txt
    - dir
`;

async function statusOf(dir: string, name = 'copy'): Promise<StageStatus> {
  return (await pipelineStatus(dir)).stages.find((s) => s.stage === name)!;
}
const kinds = (s: StageStatus): string[] => s.reasons.map((r) => `${r.kind}${r.path ? `:${r.path}` : ''}${r.key ? `:${r.key}` : ''}`);

async function ranProject(extra: Record<string, string> = {}): Promise<string> {
  const dir = project({ 'dvc.yaml': YAML, 'in.txt': 'hello\n', 'params.yaml': 'lr: 0.1\nother: 1\n', ...extra });
  const r = await runPipeline(dir, { trusted: true });
  assert.equal(r.status, 'succeeded', JSON.stringify(r.stages.map((s) => s.error?.message)));
  return dir;
}

test('never run, then up to date', async () => {
  const dir = project({ 'dvc.yaml': YAML, 'in.txt': 'hello\n', 'params.yaml': 'lr: 0.1\n' });
  const before = await statusOf(dir);
  assert.equal(before.state, 'stale');
  assert.deepEqual(kinds(before), ['not-in-lock']);
  await runPipeline(dir, { trusted: true });
  const after = await statusOf(dir);
  assert.equal(after.state, 'up-to-date', JSON.stringify(after.reasons));
});

test('cmd changed; dependency modified, added, removed', async () => {
  const dir = await ranProject({ 'extra.txt': 'x' });
  writeFileSync(path.join(dir, 'in.txt'), 'changed\n');
  assert.deepEqual(kinds(await statusOf(dir)), ['dep-modified:in.txt']);
  writeFileSync(path.join(dir, 'dvc.yaml'), YAML.replace('cat in.txt', 'cat  in.txt').replace('    - in.txt\n', '    - extra.txt\n'));
  const s = await statusOf(dir);
  assert.deepEqual(kinds(s), ['cmd-changed', 'dep-added:extra.txt', 'dep-removed:in.txt']);
  assert.match(s.reasons[1]!.message, /dependency extra\.txt added/);
});

test('params: which key, old → new; added and removed keys', async () => {
  const dir = await ranProject();
  writeFileSync(path.join(dir, 'params.yaml'), 'lr: 0.20\nother: 2\n');
  let s = await statusOf(dir);
  assert.deepEqual(kinds(s), ['param-modified:lr']);
  assert.equal(s.reasons[0]!.message, 'param lr changed: 0.1 → 0.2');
  assert.equal(s.reasons[0]!.old, 0.1);
  writeFileSync(path.join(dir, 'params.yaml'), 'lr: 0.10\nother: 2\n');
  assert.equal((await statusOf(dir)).state, 'up-to-date', '0.10 equals the recorded 0.1');
  writeFileSync(path.join(dir, 'dvc.yaml'), YAML.replace('    - lr\n', '    - other\n'));
  s = await statusOf(dir);
  assert.deepEqual(kinds(s), ['param-added:other', 'param-removed:lr']);
});

test('outputs: missing, modified, not in the cache', async () => {
  const dir = await ranProject();
  rmSync(path.join(dir, 'out.txt'));
  writeFileSync(path.join(dir, 'dir', 'a.txt'), 'tampered');
  assert.deepEqual(kinds(await statusOf(dir)), ['out-missing:out.txt', 'out-modified:dir']);
  await runPipeline(dir, { trusted: true });
  rmSync(path.join(dir, '.mlops', 'cache'), { recursive: true });
  assert.deepEqual(kinds(await statusOf(dir)), ['out-not-in-cache:out.txt', 'out-not-in-cache:dir']);
});

test('always_changed is always stale; frozen is never run', async () => {
  const dir = await ranProject();
  writeFileSync(path.join(dir, 'dvc.yaml'), `${YAML}    always_changed: true\n`);
  assert.deepEqual(kinds(await statusOf(dir)), ['always-changed']);
  writeFileSync(path.join(dir, 'dvc.yaml'), `${YAML}    frozen: true\n`);
  writeFileSync(path.join(dir, 'in.txt'), 'changed');
  const s = await statusOf(dir);
  assert.equal(s.state, 'frozen');
  const r = await runPipeline(dir, { trusted: true, force: true });
  assert.equal(r.stages[0]!.status, 'skipped');
});

test('legacy entries (no hash: md5) compare with md5-dos2unix; DVC 3 entries with raw md5', async () => {
  const lock = (hash: string) => `schema: '2.0'\nstages:\n  s:\n    cmd: echo\n    deps:\n    - path: crlf.txt\n${hash}      md5: %MD5%\n      size: 5\n`;
  const dir = project({ 'dvc.yaml': 'stages:\n  s:\n    cmd: echo\n    deps:\n    - crlf.txt\n', 'crlf.txt': 'a\r\nb\r\nc' });
  // formats.md C.4: a\r\nb\r\nc → c32b2057… under md5-dos2unix, 17800212… raw
  writeFileSync(path.join(dir, 'dvc.lock'), lock('').replace('%MD5%', 'c32b2057b9bd62caa835386346177935'));
  assert.equal((await statusOf(dir, 's')).state, 'up-to-date');
  writeFileSync(path.join(dir, 'dvc.lock'), lock('      hash: md5\n').replace('%MD5%', 'c32b2057b9bd62caa835386346177935'));
  assert.deepEqual(kinds(await statusOf(dir, 's')), ['dep-modified:crlf.txt']);
  writeFileSync(path.join(dir, 'dvc.lock'), lock('      hash: md5\n').replace('%MD5%', '17800212205a0baee12dcf34c0748370'));
  assert.equal((await statusOf(dir, 's')).state, 'up-to-date');
});

test('an unknown param key is an error naming dvc.yaml and the line', async () => {
  const dir = project({ 'dvc.yaml': 'stages:\n  s:\n    cmd: echo\n    params:\n    - train.lr\n    - train.epoch\n', 'params.yaml': 'train:\n  lr: 1\n  epochs: 2\n' });
  const s = await statusOf(dir, 's');
  assert.equal(s.state, 'error');
  assert.match(s.error!.message, /param 'train\.epoch' of stage 's' is not in params\.yaml/);
  assert.equal(s.error!.location?.line, 6);
  assert.ok(s.error!.location?.file.endsWith('dvc.yaml'));
  assert.equal(s.error!.hint, "did you mean 'epochs'?");
});

test('a missing dependency no stage produces is reported with its line', async () => {
  const dir = project({ 'dvc.yaml': 'stages:\n  a:\n    cmd: echo > made.txt\n    outs: [made.txt]\n  b:\n    cmd: echo\n    deps:\n    - made.txt\n    - nowhere.csv\n' });
  const p = await loadPipeline(dir);
  const errors = checkStages(p, buildDag(p), ['a', 'b']);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /dependency 'nowhere\.csv' of stage 'b' does not exist, and no stage produces it/);
  assert.equal(errors[0]!.location?.line, 9);
  await assert.rejects(runPipeline(dir, { trusted: true }), /nowhere\.csv/);
  writeTree(dir, { 'nowhere.csv': 'x' });
  assert.deepEqual(checkStages(p, buildDag(p), ['a', 'b']), []);
});
