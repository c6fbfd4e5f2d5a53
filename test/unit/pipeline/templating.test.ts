import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parsePipeline } from '../../../src/engine/pipeline/dvcyaml.ts';
import type { Pipeline } from '../../../src/engine/pipeline/types.ts';
import type { ParsingConfig } from '../../../src/engine/pipeline/templating.ts';
import { escapeArg } from '../../../src/engine/pipeline/templating.ts';
import { PyFloat } from '../../../src/engine/pipeline/values.ts';
import { project } from './helpers.ts';

function load(files: Record<string, string>, parsing: ParsingConfig = {}): Pipeline {
  const dir = project(files);
  return parsePipeline(files['dvc.yaml']!, path.join(dir, 'dvc.yaml'), { parsing });
}

const cmds = (p: Pipeline): Record<string, unknown> => Object.fromEntries(p.stages.map((s) => [s.name, s.cmd]));

const MATRIX_PARAMS = `os: [win, linux]
pyv: [3.7, 3.8]
dict: [{arg1: 1}, {arg2: 2}]
list: [[out1, out11], [out2, out22]]
`;

for (const [label, matrix] of [
  ['literal', '{os: [win, linux], pyv: [3.7, 3.8], dict: [{arg1: 1}, {arg2: 2}], list: [[out1, out11], [out2, out22]]}'],
  ['interpolated', '{os: "${os}", pyv: "${pyv}", dict: "${dict}", list: "${list}"}'],
]) {
  test(`matrix (${label}): cartesian product, names <frag>-<frag>, <axis><pos> for composites (A.3)`, () => {
    const p = load({
      'params.yaml': MATRIX_PARAMS,
      'dvc.yaml': `stages:\n  build:\n    matrix: ${matrix}\n    cmd: echo \${item.os} \${item.pyv} \${item.dict} -- \${item.list.0} \${item.list[1]}\n  key:\n    matrix: ${matrix}\n    cmd: echo \${key}\n`,
    });
    const c = cmds(p);
    const names = p.stages.filter((s) => s.group === 'build').map((s) => s.name);
    assert.deepEqual(names, [
      'build@win-3.7-dict0-list0', 'build@win-3.7-dict0-list1', 'build@win-3.7-dict1-list0', 'build@win-3.7-dict1-list1',
      'build@win-3.8-dict0-list0', 'build@win-3.8-dict0-list1', 'build@win-3.8-dict1-list0', 'build@win-3.8-dict1-list1',
      'build@linux-3.7-dict0-list0', 'build@linux-3.7-dict0-list1', 'build@linux-3.7-dict1-list0', 'build@linux-3.7-dict1-list1',
      'build@linux-3.8-dict0-list0', 'build@linux-3.8-dict0-list1', 'build@linux-3.8-dict1-list0', 'build@linux-3.8-dict1-list1',
    ]);
    assert.equal(c['build@win-3.7-dict0-list0'], 'echo win 3.7 --arg1 1 -- out1 out11');
    assert.equal(c['build@linux-3.8-dict1-list1'], 'echo linux 3.8 --arg2 2 -- out2 out22');
    assert.equal(c['key@win-3.8-dict1-list0'], 'echo win-3.8-dict1-list0');
  });
}

test('foreach: list of scalars, dict (with ${key}), composite list (index keys), ${ref}', () => {
  const p = load({
    'params.yaml': 'models: {m1: {thresh: foo}, m2: {thresh: bar}}\nflags: [true, 1.0]\n',
    'dvc.yaml': `stages:
  simple:
    foreach: [foo, bar]
    do:
      cmd: echo \${item}
  dict:
    foreach: {model1: foo, model2: bar}
    do:
      cmd: echo \${key} \${item}
  composite:
    foreach: [{thresh: foo}, bar]
    do:
      cmd: echo \${item}
  ref:
    foreach: \${models}
    do:
      cmd: echo \${key} \${item.thresh} \${item[thresh]}
  scalars:
    foreach: \${flags}
    do:
      cmd: echo \${item}
`,
  });
  assert.deepEqual(cmds(p), {
    'simple@foo': 'echo foo', 'simple@bar': 'echo bar',
    'dict@model1': 'echo model1 foo', 'dict@model2': 'echo model2 bar',
    'composite@0': 'echo --thresh foo', 'composite@1': 'echo bar',
    'ref@m1': 'echo m1 foo foo', 'ref@m2': 'echo m2 bar bar',
    'scalars@true': 'echo true', 'scalars@1.0': 'echo 1.0',
  });
  assert.equal(p.byName.get('ref@m1')!.group, 'ref');
});

test('interpolation: whole value keeps its type, embedded becomes text, \\${ escapes', () => {
  const p = load({
    'params.yaml': 'flag: true\nlr: 0.001\nratio: 1.0\nepochs: 10\nname: model\nout: out.txt\n',
    'dvc.yaml': `stages:
  s:
    cmd: train --lr \${lr} --r \${ratio} --on \${flag} --n \${epochs} \\\${not} \${name}
    always_changed: \${flag}
    outs:
    - \${out}
    - \${name}.bin:
        cache: \${flag}
`,
  });
  const s = p.byName.get('s')!;
  assert.equal(s.cmd, 'train --lr 0.001 --r 1.0 --on true --n 10 ${not} model');
  assert.equal(s.alwaysChanged, true);
  assert.deepEqual(s.outs.map((o) => [o.path, o.cache]), [['out.txt', true], ['model.bin', true]]);
});

test('dict into cmd: CLI arguments, with the [parsing] bool/list options', () => {
  const files = {
    'params.yaml': "train: {lr: 0.1, verbose: true, quiet: false, name: 'my model', layers: [1, 'a b'], opt: {beta: 0.9}, none: null}\n",
    'dvc.yaml': 'stages:\n  s:\n    cmd: python train.py ${train}\n  whole:\n    cmd: ${train}\n',
  };
  assert.equal(load(files).byName.get('s')!.cmd, "python train.py --lr 0.1 --verbose --name 'my model' --layers 1 'a b' --opt.beta 0.9 --none None");
  assert.equal(load(files, { bool: 'boolean_optional', list: 'append' }).byName.get('s')!.cmd,
    "python train.py --lr 0.1 --verbose --no-quiet --name 'my model' --layers 1 --layers 'a b' --opt.beta 0.9 --none None");
  assert.equal(load(files).byName.get('whole')!.cmd, "--lr 0.1 --verbose --name 'my model' --layers 1 'a b' --opt.beta 0.9 --none None");
});

test('shell quoting follows shlex.quote (POSIX) and list2cmdline (Windows)', () => {
  assert.equal(escapeArg('plain-path/x.y', 'linux'), 'plain-path/x.y');
  assert.equal(escapeArg('', 'linux'), "''");
  assert.equal(escapeArg("it's", 'linux'), `'it'"'"'s'`);
  assert.equal(escapeArg('a b', 'win32'), '"a b"');
  assert.equal(escapeArg('say "hi"', 'win32'), '"say \\"hi\\""');
});

test('vars: params.yaml by default, path:keys, inline dicts, stage-local vars relative to wdir', () => {
  const p = load({
    'params.yaml': 'seed: 1\n',
    'conf/extra.yaml': 'a: {b: [10, 20]}\nunused: 3\n',
    'sub/local.json': '{"x": 1.0, "n": 2}',
    'dvc.yaml': `vars:
- conf/extra.yaml:a
- {inline: hi}
stages:
  s:
    wdir: sub
    vars:
    - local.json
    - {mine: here}
    cmd: run \${seed} \${a.b[1]} \${inline} \${x} \${n} \${mine}
`,
  });
  const s = p.byName.get('s')!;
  assert.equal(s.cmd, 'run 1 20 hi 1.0 2 here');
  assert.equal(s.wdir, 'sub');
});

test('vars: redefining a name is an error naming both sources', () => {
  assert.throws(() => load({ 'params.yaml': 'lr: 1\n', 'dvc.yaml': 'vars:\n- {lr: 2}\nstages: {}\n' }),
    (e: Error & { location?: { line?: number } }) => /cannot redefine 'lr' from 'vars\[0\]' as it already exists in 'params.yaml'/.test(e.message) && e.location?.line === 2);
  assert.throws(() => load({ 'dvc.yaml': 'stages:\n  s:\n    foreach: [a]\n    do:\n      vars: [{item: x}]\n      cmd: echo\n' }), /reserved name 'item'/);
});

test('undefined variable: error names dvc.yaml, the line, and suggests a name', () => {
  const files = {
    'params.yaml': 'train:\n  lr: 0.1\n',
    'dvc.yaml': 'stages:\n  a:\n    cmd: echo ok\n  b:\n    cmd: >-\n      python train.py\n      --lr ${train.lrr}\n',
  };
  assert.throws(() => load(files), (e: Error & { location?: { file: string; line?: number }; hint?: string }) => {
    assert.match(e.message, /undefined variable 'train\.lrr'/);
    assert.ok(e.location!.file.endsWith('dvc.yaml'));
    assert.equal(e.location!.line, 5);
    assert.equal(e.hint, "did you mean 'lr'?");
    return true;
  });
  assert.throws(() => load({ 'dvc.yaml': 'stages:\n  a:\n    cmd: echo\n    deps:\n    - ok\n    - ${missing}\n' }),
    (e: Error & { location?: { line?: number } }) => e.location?.line === 6);
});

test('lists cannot be interpolated into stage fields; whole params values keep Python floats', () => {
  assert.throws(() => load({ 'params.yaml': 'files: [a, b]\n', 'dvc.yaml': 'stages:\n  s:\n    cmd: echo\n    deps: ${files}\n' }), /cannot interpolate data of type 'list' into "deps"/);
  const p = load({ 'params.yaml': 'v: 2.0\n', 'dvc.yaml': 'stages:\n  s:\n    cmd: echo\n    meta: ${v}\n' });
  assert.ok(p.byName.get('s')!.meta instanceof PyFloat);
});
