import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadPipeline } from '../../../src/engine/pipeline/dvcyaml.ts';
import { pipelineWatchPaths, watchGlob } from '../../../src/engine/pipeline/watchSet.ts';
import { project } from './helpers.ts';

test('watch set: dvc.yaml, dvc.lock, vars and params files, deps and outs; nothing else', async () => {
  const dir = project({
    'dvc.yaml': [
      'vars:',
      '  - conf/vars.yaml',
      'stages:',
      '  prepare:',
      '    cmd: python prep.py',
      '    deps: [data/raw, prep.py]',
      '    outs: [data/prepared]',
      '  train:',
      '    vars: [conf/train-vars.yaml]',
      '    cmd: python train.py ${epochs}',
      '    deps: [data/prepared, ../shared/lib.py]',
      '    params: [lr, {conf/train.json: [batch]}]',
      '    outs: [model.pkl]',
      '    metrics: [{metrics.json: {cache: false}}]',
      '',
    ].join('\n'),
    'params.yaml': 'lr: 0.1\n',
    'conf/vars.yaml': 'x: 1\n',
    'conf/train-vars.yaml': 'epochs: 3\n',
    'conf/train.json': '{"batch": 8}\n',
    'data/raw/a.csv': 'a\n',
    'prep.py': '',
  });
  const p = await loadPipeline(dir);
  const rel = pipelineWatchPaths(p).map((a) => path.relative(dir, a).split(path.sep).join('/'));
  assert.deepEqual(new Set(rel), new Set([
    '../shared/lib.py', 'conf/train-vars.yaml', 'conf/train.json', 'conf/vars.yaml', 'data/prepared', 'data/raw',
    'dvc.lock', 'dvc.yaml', 'metrics.json', 'model.pkl', 'params.yaml', 'prep.py',
  ]));

  const glob = watchGlob(dir, pipelineWatchPaths(p))!;
  assert.ok(!glob.includes('shared'), 'paths outside the folder are left out');
  const matches = (rel: string): boolean => path.matchesGlob(rel, glob);
  for (const hit of ['dvc.yaml', 'dvc.lock', 'params.yaml', 'conf/vars.yaml', 'conf/train-vars.yaml', 'conf/train.json', 'data/raw/a.csv', 'data/raw/new/b.csv', 'data/raw', 'data', 'prep.py', 'model.pkl', 'metrics.json', 'data/prepared/x']) {
    assert.ok(matches(hit), `${hit} is watched (${glob})`);
  }
  for (const miss of ['README.md', 'src/other.py', 'conf/unrelated.yaml', 'data/other.csv', 'prep.py.bak', 'notes/dvc.yaml.txt']) {
    assert.ok(!matches(miss), `${miss} is not watched`);
  }
});

test('watch glob: glob characters in a name widen to the parent folder, never match literally', () => {
  const base = path.resolve('/ws');
  assert.equal(watchGlob(base, [path.join(base, 'a', 'b,c.csv'), path.join(base, 'x.txt')]), '{a,a/**,x.txt,x.txt/**}');
  assert.equal(watchGlob(base, [path.join(base, '[weird]', 'f')]), '**');
  assert.equal(watchGlob(base, [path.resolve('/elsewhere/f')]), undefined);
});
