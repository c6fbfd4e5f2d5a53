import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { lockStageData, parseLock, readLock, serializeLock, updateLockText, writeLockStage } from '../../../src/engine/pipeline/lock.ts';
import type { LockStage } from '../../../src/engine/pipeline/lock.ts';
import { PyFloat, pySorted } from '../../../src/engine/pipeline/values.ts';
import { loadPipeline } from '../../../src/engine/pipeline/dvcyaml.ts';
import { diffParams, lookupParam, readParamsFile } from '../../../src/engine/pipeline/params.ts';
import { FIXTURES, tempDir } from './helpers.ts';

// The prepare stage of fixtures/churn-dvc3/dvc.lock: the layout of the A.4 example in formats.md.
const PREPARE = `schema: '2.0'
stages:
  prepare:
    cmd: python3 src/prepare.py
    deps:
    - path: data/raw/customers.csv
      hash: md5
      md5: 1f0e1333b3e0436d34b4066e032f75a1
      size: 216800
    - path: src/common.py
      hash: md5
      md5: c63864c85bf89b7138885c288691b196
      size: 1724
    - path: src/miniyaml.py
      hash: md5
      md5: 96bedf4276d4780fc73723e4ff27b38e
      size: 4495
    - path: src/prepare.py
      hash: md5
      md5: 8559023eb611b2b45b1f6228b0186343
      size: 948
    params:
      params.yaml:
        prepare.seed: 42
        prepare.split: 0.2
    outs:
    - path: data/prepared
      hash: md5
      md5: 5fe9f730e7f4bad5c550d550e0a280ad.dir
      size: 216930
      nfiles: 2
`;

test('A.4 layout: the exact bytes DVC writes, whatever order the inputs come in', () => {
  const stage: LockStage = {
    cmd: 'python3 src/prepare.py',
    // deliberately unsorted, keys shuffled
    outs: [{ nfiles: 2, size: 216930, md5: '5fe9f730e7f4bad5c550d550e0a280ad.dir', hash: 'md5', path: 'data/prepared' }],
    params: { 'params.yaml': { 'prepare.split': 0.2, 'prepare.seed': 42 } },
    deps: [
      { size: 948, path: 'src/prepare.py', md5: '8559023eb611b2b45b1f6228b0186343', hash: 'md5' },
      { path: 'src/miniyaml.py', hash: 'md5', md5: '96bedf4276d4780fc73723e4ff27b38e', size: 4495 },
      { md5: '1f0e1333b3e0436d34b4066e032f75a1', size: 216800, hash: 'md5', path: 'data/raw/customers.csv' },
      { hash: 'md5', size: 1724, md5: 'c63864c85bf89b7138885c288691b196', path: 'src/common.py' },
    ],
  };
  assert.equal(serializeLock([['prepare', stage]]), PREPARE);
  assert.deepEqual(Object.keys(lockStageData(stage)), ['cmd', 'deps', 'params', 'outs']);
});

test('our DVC 3 and DVC 2 lock files read and re-serialize byte for byte', () => {
  for (const dir of ['churn-dvc3', 'churn-dvc2']) {
    const file = path.join(FIXTURES, dir, 'dvc.lock');
    const text = readFileSync(file, 'utf8');
    const lock = parseLock(text, file);
    assert.equal(lock.format, 'v2');
    assert.deepEqual([...lock.stages.keys()], ['prepare', 'featurize', 'train', 'evaluate'], dir);
    assert.equal(serializeLock(lock.stages), text, dir);
  }
  const dvc3 = parseLock(readFileSync(path.join(FIXTURES, 'churn-dvc3/dvc.lock'), 'utf8'), 'dvc.lock');
  assert.equal(dvc3.stages.get('prepare')!.deps[0]!.hash, 'md5');
  assert.deepEqual(dvc3.stages.get('evaluate')!.outs.map((o) => [o.path, o.md5, o.size, o.nfiles]), [
    ['metrics', '338f4807c3dcb59b05c1663bcc8f7dfc.dir', 115, 1],
    ['plots', '44d098e70a0de06fe927a74ab805bac0.dir', 51960, 2],
  ]);
  assert.deepEqual(dvc3.stages.get('featurize')!.params, { 'params.yaml': {
    'featurize.boolean': ['has_partner'],
    'featurize.categorical': ['contract', 'payment_method'],
    'featurize.impute': 'median',
    'featurize.numeric': ['age', 'tenure_months', 'monthly_charges', 'total_charges', 'support_calls'],
  } });
  const dvc2Text = readFileSync(path.join(FIXTURES, 'churn-dvc2/dvc.lock'), 'utf8');
  const dvc2 = parseLock(dvc2Text, 'dvc.lock');
  assert.equal(dvc2.stages.get('prepare')!.deps[0]!.hash, undefined, 'DVC 2 entries have no hash key');
  assert.ok(!/^ *hash:/m.test(dvc2Text));
  const evOuts = dvc2.stages.get('evaluate')!.outs;
  assert.deepEqual(evOuts.map((o) => o.path), ['metrics/eval.json', 'plots/confusion.json', 'plots/roc.json'], 'metrics and plots outs are under outs');
  // the committed metrics file (cache: false) is the one the lock recorded
  const committed = readFileSync(path.join(FIXTURES, 'churn-dvc2/metrics/eval.json'));
  assert.equal(evOuts[0]!.md5, createHash('md5').update(committed).digest('hex'));
  assert.equal(evOuts[0]!.size, committed.length);
});

test('lockfile v1 is read and migrated to schema 2.0 on write, stage order kept', () => {
  const file = path.join(FIXTURES, 'churn-v1/dvc.lock');
  const v1 = parseLock(readFileSync(file, 'utf8'), file);
  assert.equal(v1.format, 'v1');
  assert.deepEqual([...v1.stages.keys()], ['evaluate', 'featurize', 'prepare', 'train']);
  assert.equal(v1.stages.get('evaluate')!.deps[0]!.md5, 'b3c898d2ca72d60a04bd46f4fad577e2.dir');
  assert.deepEqual(Object.keys(v1.stages.get('evaluate')!.deps[0]!), ['path', 'md5'], 'v1 entries hold only path and md5');
  const next = updateLockText(readFileSync(file, 'utf8'), file, 'new', { cmd: 'echo', deps: [], params: {}, outs: [] });
  assert.ok(next.startsWith("schema: '2.0'\nstages:\n  evaluate:\n    cmd: python3 src/evaluate.py\n    deps:\n    - path: data/features\n      md5: b3c898d2ca72d60a04bd46f4fad577e2.dir\n"));
  assert.ok(next.includes('\n  featurize:\n    cmd: python3 src/featurize.py\n'));
  assert.ok(next.endsWith('  train:\n    cmd: python3 src/train.py\n    deps:\n    - path: data/features\n      md5: b3c898d2ca72d60a04bd46f4fad577e2.dir\n    - path: src/common.py\n      md5: c63864c85bf89b7138885c288691b196\n    - path: src/miniyaml.py\n      md5: 96bedf4276d4780fc73723e4ff27b38e\n    - path: src/train.py\n      md5: 0f707014056ef2b4459ac8e4f1428bc3\n    params:\n      params.yaml:\n        train.batch_size: 32\n        train.epochs: 10\n        train.l2: 0.001\n        train.lr: 0.1\n        train.seed: 7\n    outs:\n    - path: models/model.json\n      md5: f67c39129d9b81ca0700ab1beae73ed7\n  new:\n    cmd: echo\n'));
});

test('the churn fixtures are consistent: one hash per path, lock agrees with dvc.yaml and params.yaml', async () => {
  for (const dir of ['churn-dvc3', 'churn-dvc2', 'churn-v1']) {
    const file = path.join(FIXTURES, dir, 'dvc.lock');
    const lock = parseLock(readFileSync(file, 'utf8'), file);
    const seen = new Map<string, string>();
    for (const [name, stage] of lock.stages) {
      for (const e of [...stage.deps, ...stage.outs]) {
        const id = JSON.stringify([e.md5, e.size, e.nfiles]);
        assert.equal(seen.get(e.path) ?? id, id, `${dir} ${name}: ${e.path} recorded twice with different hashes`);
        seen.set(e.path, id);
      }
    }
    if (dir === 'churn-v1') continue; // a lock alone, like the v1 files found in old repositories
    const pipeline = await loadPipeline(path.join(FIXTURES, dir));
    const params = readParamsFile(path.join(FIXTURES, dir, 'params.yaml'));
    for (const s of pipeline.stages) {
      const l = lock.stages.get(s.name)!;
      assert.deepEqual(l.deps.map((e) => e.path), pySorted(s.deps.map((d) => d.path)), `${dir} ${s.name} deps`);
      assert.deepEqual(l.outs.map((e) => e.path), pySorted(s.outs.map((o) => o.path)), `${dir} ${s.name} outs`);
      const keys = s.params[0]!.keys!.map((k) => k.key);
      const current = Object.fromEntries(keys.map((k) => {
        const found = lookupParam(params, k);
        assert.ok(found.found, `${dir} params.yaml has ${k}`);
        return [k, found.value];
      }));
      assert.deepEqual(diffParams(keys, l.params['params.yaml']!, current), [], `${dir} ${s.name} params`);
    }
  }
});

test('updating one stage keeps every other byte (comments, odd formatting) and appends new stages', () => {
  const text = `schema: '2.0'\n# kept comment\nstages:\n  a:\n    cmd:   echo a    # odd spacing kept\n    outs:\n    - path: a.txt\n      md5: abc\n  # about b\n  b:\n    cmd: echo b\n  c:\n    cmd: [x, y]\n`;
  const next = updateLockText(text, 'dvc.lock', 'b', { cmd: 'echo B', deps: [], params: {}, outs: [{ path: 'b.txt', hash: 'md5', md5: 'ab', size: 1 }] });
  assert.equal(next, text.replace('  b:\n    cmd: echo b\n', '  b:\n    cmd: echo B\n    outs:\n    - path: b.txt\n      hash: md5\n      md5: ab\n      size: 1\n'));
  const appended = updateLockText(text, 'dvc.lock', 'd', { cmd: ['one', 'two'], deps: [], params: {}, outs: [] });
  assert.equal(appended, `${text}  d:\n    cmd:\n    - one\n    - two\n`);
});

test('params: params.yaml first, other files alphabetically, keys sorted; floats keep Python form', () => {
  const data = serializeLock([['s', {
    cmd: 'run',
    deps: [],
    params: { 'z.yaml': { b: 1, a: 2 }, 'cfg/a.json': { lr: new PyFloat(1) }, 'params.yaml': { 'train.lr': 1e-5, 'train.epochs': 3, section: { y: [1, 2], x: 'v' } } },
    outs: [],
  }]]);
  assert.equal(data, `schema: '2.0'\nstages:\n  s:\n    cmd: run\n    params:\n      params.yaml:\n        section:\n          y:\n          - 1\n          - 2\n          x: v\n        train.epochs: 3\n        train.lr: 1e-05\n      cfg/a.json:\n        lr: 1.0\n      z.yaml:\n        a: 2\n        b: 1\n`);
});

test('a corrupt lock is an error with a line, and is never overwritten', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'dvc.lock');
  const bad = "schema: '2.0'\nstages:\n  a:\n    cmd: echo\n    deps: {not: a list}\n";
  writeFileSync(file, bad);
  await assert.rejects(readLock(file), (e: Error & { location?: { line?: number }; hint?: string }) => {
    assert.match(e.message, /dvc\.lock is corrupt: "deps" of stage 'a' must be a list/);
    assert.equal(e.location?.line, 5);
    assert.match(e.hint!, /left as it is/);
    return true;
  });
  await assert.rejects(writeLockStage(file, 'b', { cmd: 'x', deps: [], params: {}, outs: [] }));
  assert.equal(readFileSync(file, 'utf8'), bad);
  writeFileSync(file, "schema: '2.0'\nstages:\n  a: [unclosed\n");
  await assert.rejects(readLock(file), (e: Error & { location?: { line?: number } }) => /not valid YAML/.test(e.message) && e.location?.line !== undefined);
  writeFileSync(file, "schema: '3.0'\nstages: {}\n");
  await assert.rejects(readLock(file), /unknown schema/);
});

test('writeLockStage creates the file, serializes concurrent writers, skips no-op rewrites', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'dvc.lock');
  assert.equal((await readLock(file)).format, 'absent');
  await Promise.all(['a', 'b', 'c'].map((n) => writeLockStage(file, n, { cmd: `echo ${n}`, deps: [], params: {}, outs: [] })));
  const lock = await readLock(file);
  assert.deepEqual([...lock.stages.keys()].sort(), ['a', 'b', 'c']);
  assert.ok(existsSync(file));
  const before = readFileSync(file, 'utf8');
  await writeLockStage(file, 'b', { cmd: 'echo b', deps: [], params: {}, outs: [] });
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('a lock we cannot splice (4-space indent) is rewritten whole, keeping datasets', () => {
  const text = "schema: '2.0'\nstages:\n    a:\n        cmd: echo a\ndatasets:\n- name: d\n  type: dc\n";
  const next = updateLockText(text, 'dvc.lock', 'b', { cmd: 'echo b', deps: [], params: {}, outs: [] });
  assert.equal(next, "schema: '2.0'\nstages:\n  a:\n    cmd: echo a\n  b:\n    cmd: echo b\ndatasets:\n- name: d\n  type: dc\n");
  assert.equal(updateLockText("schema: '2.0'\n", 'dvc.lock', 'x', { cmd: 'y', deps: [], params: {}, outs: [] }), "schema: '2.0'\nstages:\n  x:\n    cmd: y\n");
});
