import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadPipeline } from '../../../src/engine/pipeline/dvcyaml.ts';
import { readLock } from '../../../src/engine/pipeline/lock.ts';
import { readParamsFile } from '../../../src/engine/pipeline/params.ts';
import { project } from './helpers.ts';

// The parse caches answer by text: every change of a file the result depends on must show,
// even when size and timestamps could not tell (same length, written within the same tick).
test('a loaded pipeline follows dvc.yaml, its vars files and the default params.yaml appearing', async () => {
  const dir = project({
    'dvc.yaml': 'vars: [conf.yaml]\nstages:\n  s:\n    cmd: echo ${a} ${b}\n',
    'conf.yaml': 'a: 1\n',
  });
  const cmd = async (): Promise<unknown> => (await loadPipeline(dir)).stages[0]!.cmd;
  await assert.rejects(loadPipeline(dir), /undefined variable 'b'/);
  writeFileSync(path.join(dir, 'params.yaml'), 'b: 2\n');
  assert.equal(await cmd(), 'echo 1 2', 'params.yaml created after a failed load');
  const again = await loadPipeline(dir);
  assert.equal(again, await loadPipeline(dir), 'unchanged inputs: the same pipeline, not parsed again');
  writeFileSync(path.join(dir, 'conf.yaml'), 'a: 7\n'); // same size
  assert.equal(await cmd(), 'echo 7 2', 'a vars file changed');
  writeFileSync(path.join(dir, 'params.yaml'), 'b: 9\n');
  assert.equal(await cmd(), 'echo 7 9', 'the default params.yaml changed');
  writeFileSync(path.join(dir, 'dvc.yaml'), 'vars: [conf.yaml]\nstages:\n  s:\n    cmd: echo ${b} ${a}\n');
  assert.equal(await cmd(), 'echo 9 7', 'dvc.yaml changed');
  rmSync(path.join(dir, 'params.yaml'));
  await assert.rejects(loadPipeline(dir), /undefined variable 'b'/, 'params.yaml removed');
});

test('params and lock reads follow their files; a caller changing its lock copy does not change the next read', async () => {
  const dir = project({
    'params.yaml': 'lr: 0.1\n',
    'dvc.lock': "schema: '2.0'\nstages:\n  s:\n    cmd: echo\n",
  });
  assert.deepEqual(readParamsFile(path.join(dir, 'params.yaml')), { lr: 0.1 });
  writeFileSync(path.join(dir, 'params.yaml'), 'lr: 0.2\n');
  assert.deepEqual(readParamsFile(path.join(dir, 'params.yaml')), { lr: 0.2 });
  writeFileSync(path.join(dir, 'params.yaml'), '- not a mapping\n');
  assert.throws(() => readParamsFile(path.join(dir, 'params.yaml')), /must hold a mapping/);
  assert.throws(() => readParamsFile(path.join(dir, 'params.yaml')), /must hold a mapping/, 'errors are not remembered as values');

  const file = path.join(dir, 'dvc.lock');
  const first = await readLock(file);
  first.stages.set('ran', { cmd: 'x', deps: [], outs: [], params: {} });
  const second = await readLock(file);
  assert.deepEqual([...second.stages.keys()], ['s']);
  writeFileSync(file, "schema: '2.0'\nstages:\n  t:\n    cmd: echo\n");
  assert.deepEqual([...(await readLock(file)).stages.keys()], ['t']);
});
