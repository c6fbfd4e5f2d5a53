import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parsePipeline } from '../../../src/engine/pipeline/dvcyaml.ts';
import { buildDag, withDownstream, withUpstream } from '../../../src/engine/pipeline/dag.ts';
import { project } from './helpers.ts';

function dagOf(yaml: string) {
  const dir = project({ 'dvc.yaml': yaml });
  const p = parsePipeline(yaml, path.join(dir, 'dvc.yaml'));
  return { p, dag: () => buildDag(p) };
}

test('edges: exact paths, a file inside an output dir, a dir containing an output; order and closures', () => {
  const { dag } = dagOf(`stages:
  report:
    cmd: r
    deps: [data/clean, model/weights.bin]
    outs: [report.html]
  clean:
    cmd: c
    deps: [raw.csv]
    outs: [data/clean/part1.csv]
  train:
    cmd: t
    deps: [data/clean/part1.csv]
    outs: [model]
  alone:
    cmd: a
`);
  const d = dag();
  assert.deepEqual(d.order, ['clean', 'train', 'report', 'alone']);
  assert.deepEqual(d.edges.map((e) => `${e.from}->${e.to}:${e.paths.join(',')}`).sort(), [
    'clean->report:data/clean', 'clean->train:data/clean/part1.csv', 'train->report:model/weights.bin',
  ]);
  assert.deepEqual([...withUpstream(d, ['report'])].sort(), ['clean', 'report', 'train']);
  assert.deepEqual([...withDownstream(d, ['train'])].sort(), ['report', 'train']);
});

test('wdir: paths are matched relative to dvc.yaml', () => {
  const { dag } = dagOf('stages:\n  a:\n    wdir: sub\n    cmd: x\n    outs: [../out.txt]\n  b:\n    cmd: y\n    deps: [out.txt]\n');
  assert.deepEqual(dag().edges.map((e) => [e.from, e.to]), [['a', 'b']]);
});

test('cycle: error names the cycle and the line of a stage in it', () => {
  const { dag } = dagOf('stages:\n  a:\n    cmd: x\n    deps: [c.txt]\n    outs: [a.txt]\n  b:\n    cmd: y\n    deps: [a.txt]\n    outs: [b.txt]\n  c:\n    cmd: z\n    deps: [b.txt]\n    outs: [c.txt]\n');
  assert.throws(dag, (e: Error & { location?: { file: string; line?: number } }) => {
    assert.match(e.message, /cycle: a → b → c → a/);
    assert.ok(e.location!.file.endsWith('dvc.yaml'));
    assert.equal(e.location!.line, 2);
    return true;
  });
});

test('duplicate and overlapping outputs are errors with lines', () => {
  assert.throws(dagOf('stages:\n  a:\n    cmd: x\n    outs: [m.pkl]\n  b:\n    cmd: y\n    outs:\n    - m.pkl\n').dag,
    (e: Error & { location?: { line?: number } }) => /output 'm\.pkl' is produced by both 'a' \(line 4\) and 'b'/.test(e.message) && e.location?.line === 8);
  assert.throws(dagOf('stages:\n  a:\n    cmd: x\n    outs: [data]\n  b:\n    cmd: y\n    outs:\n    - data/sub/f.csv\n').dag,
    (e: Error & { location?: { line?: number } }) => /outputs 'data' and 'data\/sub\/f\.csv' overlap \(stages 'a' and 'b'\)/.test(e.message) && e.location?.line === 8);
});
