import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { diffParams, lookupParam, readParamsFile } from '../../../src/engine/pipeline/params.ts';
import { PyFloat, pyEqual, pyStr } from '../../../src/engine/pipeline/values.ts';
import { project } from './helpers.ts';

test('YAML, JSON and TOML params keep int vs float; YAML 1.2 numbers', () => {
  const dir = project({
    'params.yaml': 'split: 0.20\nlr: 1e-3\none: 1.0\nn: 7\nbig: 123456789012345678901\nname: x\noct: 0o17\nyes: yes\n',
    'p.json': '{"a": 1.0, "b": 2, "c": {"d": [1, 2.5]}, "e": 1e3}',
    'p.toml': 'a = 1.0\nb = 2\n[sec]\nc = "x"\n',
  });
  const y = readParamsFile(path.join(dir, 'params.yaml'));
  assert.equal(y['split'], 0.2);
  assert.equal(y['lr'], 0.001);
  assert.ok(y['one'] instanceof PyFloat);
  assert.equal(pyStr(y['one']), '1.0');
  assert.equal(y['n'], 7);
  assert.equal(y['big'], 123456789012345678901n);
  assert.equal(y['oct'], 15);
  assert.equal(y['yes'], 'yes', 'YAML 1.2: yes is a string');
  const j = readParamsFile(path.join(dir, 'p.json'));
  assert.ok(j['a'] instanceof PyFloat);
  assert.equal(j['b'], 2);
  assert.ok(j['e'] instanceof PyFloat);
  const t = readParamsFile(path.join(dir, 'p.toml'));
  assert.ok(t['a'] instanceof PyFloat);
  assert.equal(t['b'], 2);
  assert.deepEqual(t['sec'], { c: 'x' });
});

test('semantic comparison: 0.20 == 0.2, 1 == 1.0, dict order ignored, bool is not 1', () => {
  assert.ok(pyEqual(0.2, 0.2));
  assert.ok(pyEqual(new PyFloat(1), 1));
  assert.ok(pyEqual(1n, 1));
  assert.ok(pyEqual({ a: 1, b: [1, 2] }, { b: [1, new PyFloat(2)], a: 1 }));
  assert.ok(!pyEqual(true, 1));
  assert.ok(!pyEqual('1', 1));
  assert.ok(!pyEqual([1, 2], [2, 1]));
});

test('dotted lookup, whole sections, list indexes, literal dotted keys', () => {
  const data = { train: { lr: 0.1, layers: [8, 16], opt: { beta: 0.9 } }, 'a.b': 'literal' };
  assert.deepEqual(lookupParam(data, 'train.opt.beta'), { found: true, value: 0.9 });
  assert.deepEqual(lookupParam(data, 'train.opt'), { found: true, value: { beta: 0.9 } });
  assert.deepEqual(lookupParam(data, 'train.layers.1'), { found: true, value: 16 });
  assert.deepEqual(lookupParam(data, 'a.b'), { found: true, value: 'literal' });
  assert.deepEqual(lookupParam(data, 'train.lrr'), { found: false, missing: 'train.lrr' });
  assert.deepEqual(lookupParam(data, 'model.x'), { found: false, missing: 'model' });
});

test('diff reports added, removed and modified keys with values', () => {
  assert.deepEqual(diffParams(['lr', 'epochs', 'seed', 'same'], { lr: 0.1, seed: 1, same: 0.2 }, { lr: 0.2, epochs: 3, same: 0.2 }), [
    { key: 'lr', change: 'modified', old: 0.1, new: 0.2 },
    { key: 'epochs', change: 'added', new: 3 },
    { key: 'seed', change: 'removed', old: 1 },
  ]);
});

test('errors: Python params, missing file, syntax errors with lines, non-mapping', () => {
  const dir = project({ 'cfg.py': 'LR = 1\n', 'bad.json': '{\n  "a": 1,\n}\n', 'bad.yaml': 'a: [1\n', 'list.yaml': '- 1\n', 'bad.toml': 'a = \n' });
  assert.throws(() => readParamsFile(path.join(dir, 'cfg.py'), 'cfg.py'), /Python file, which is not supported/);
  assert.throws(() => readParamsFile(path.join(dir, 'nope.yaml'), 'nope.yaml', { file: 'dvc.yaml', line: 9 }),
    (e: Error & { location?: { line?: number } }) => /does not exist/.test(e.message) && e.location?.line === 9);
  assert.throws(() => readParamsFile(path.join(dir, 'bad.json')), (e: Error & { location?: { line?: number } }) => /not valid JSON/.test(e.message) && e.location?.line === 3);
  assert.throws(() => readParamsFile(path.join(dir, 'bad.yaml')), /not valid YAML/);
  assert.throws(() => readParamsFile(path.join(dir, 'bad.toml')), /not valid TOML/);
  assert.throws(() => readParamsFile(path.join(dir, 'list.yaml')), /must hold a mapping/);
});
