import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadPipeline, parsePipeline } from '../../../src/engine/pipeline/dvcyaml.ts';
import { FIXTURES, project } from './helpers.ts';

type Located = Error & { code?: string; location?: { file: string; line?: number }; hint?: string };

function fails(yaml: string, message: RegExp, line: number, hint?: RegExp, extra: Record<string, string> = {}): void {
  const dir = project({ 'dvc.yaml': yaml, ...extra });
  assert.throws(() => parsePipeline(yaml, path.join(dir, 'dvc.yaml')), (e: Located) => {
    assert.match(e.message, message);
    assert.equal(e.location?.file, path.join(dir, 'dvc.yaml'), 'names dvc.yaml');
    assert.equal(e.location?.line, line, `line of: ${e.message}`);
    if (hint) assert.match(e.hint ?? '', hint);
    return true;
  });
}

test('our DVC 3 and DVC 2 churn dvc.yaml fixtures load: stages, paths, params, top-level sections', async () => {
  const p = await loadPipeline(path.join(FIXTURES, 'churn-dvc3'));
  assert.deepEqual(p.stages.map((s) => s.name), ['prepare', 'featurize', 'train', 'evaluate']);
  const train = p.byName.get('train')!;
  assert.equal(train.cmd, 'python3 src/train.py');
  assert.deepEqual(train.deps.map((d) => [d.path, d.line]), [['data/features', 34], ['src/common.py', 35], ['src/miniyaml.py', 36], ['src/train.py', 37]]);
  assert.deepEqual(train.params, [{ file: 'params.yaml', rel: 'params.yaml', line: 39, keys: [{ key: 'train.batch_size', line: 39 }, { key: 'train.epochs', line: 40 }, { key: 'train.l2', line: 41 }, { key: 'train.lr', line: 42 }, { key: 'train.seed', line: 43 }] }]);
  assert.deepEqual(train.outs.map((o) => [o.path, o.kind, o.cache]), [['models/model.json', 'outs', true], ['dvclive', 'outs', true]]);
  assert.deepEqual(p.metrics, ['metrics/eval.json', 'dvclive/metrics.json']);
  assert.equal(p.plots.length, 4);
  assert.deepEqual(p.plots[0], { Training: { x: 'step', y: { 'dvclive/plots/metrics/loss.tsv': 'loss', 'dvclive/plots/metrics/train_accuracy.tsv': 'train_accuracy' } } });
  assert.equal(p.plots[3], 'dvclive/plots/metrics');
  assert.deepEqual(Object.keys(p.artifacts), ['customers', 'churn-model']);
  assert.deepEqual(Object.entries(p.artifacts).map(([, a]) => (a as Record<string, unknown>)['type']), ['dataset', 'model']);
  const dvc2 = await loadPipeline(path.join(FIXTURES, 'churn-dvc2'));
  assert.deepEqual(dvc2.artifacts, {});
  assert.deepEqual(dvc2.byName.get('train')!.outs.map((o) => [o.path, o.kind, o.cache]), [['models/model.json', 'outs', true], ['dvclive/params.yaml', 'outs', false], ['dvclive/metrics.json', 'metrics', false], ['dvclive/plots/metrics', 'plots', false]]);
  assert.equal(dvc2.byName.get('train')!.outs[3]!.flags['x'], 'step');
  const ev = dvc2.byName.get('evaluate')!;
  assert.deepEqual(ev.outs.map((o) => [o.path, o.kind, o.cache]), [['metrics/eval.json', 'metrics', false], ['plots/roc.json', 'plots', false], ['plots/confusion.json', 'plots', false]]);
  assert.equal(ev.outs[1]!.flags['x'], 'fpr');
  assert.equal(ev.outs[2]!.flags['template'], 'confusion');
});

test('YAML syntax error: file and line', () => {
  fails('stages:\n  a:\n    cmd: echo\n    deps: [a, b\n  b:\n    cmd: x\n', /dvc\.yaml is not valid YAML/, 5);
});

test('unknown keys: line of the key and a did-you-mean hint', () => {
  fails('stages:\n  train:\n    cmd: python train.py\n    dep:\n    - data\n', /unknown key 'dep' in stage 'train'/, 4, /did you mean 'deps'\?/);
  fails('stages:\n  a:\n    cmd: x\n    outs:\n    - model.pkl:\n        cahce: false\n', /unknown key 'cahce' in outs entry 'model\.pkl'/, 6, /did you mean 'cache'\?/);
  fails('stage:\n  a:\n    cmd: x\n', /unknown key 'stage' in dvc\.yaml/, 1, /did you mean 'stages'\?/);
  fails('stages:\n  a:\n    cmd: x\n    plots:\n    - p.json:\n        x_lable: step\n', /unknown key 'x_lable'/, 6, /x_label/);
  fails('artifacts:\n  m:\n    path: model.pkl\n    tpye: model\n', /unknown key 'tpye' in artifact 'm'/, 4, /type/);
});

test('missing or malformed parts', () => {
  fails('stages:\n  a:\n    deps: [x]\n', /stage 'a' has no "cmd"/, 2);
  fails('stages:\n  a:\n    foreach: [1, 2]\n    cmd: echo\n', /unknown key 'cmd' in foreach stage 'a'/, 4, /do/);
  fails('stages:\n  a:\n    cmd: [echo, 3]\n', /"cmd" of stage 'a' must be a command string or a list/, 3);
  fails('stages:\n  a:\n    cmd: echo\n    frozen: yes\n', /"frozen" of stage 'a' must be true or false/, 4);
  fails('stages:\n  a:\n    cmd: echo\n    outs:\n    - m.pkl:\n', /flags of outs entry 'm\.pkl'/, 5, /without a colon/);
  fails('stages:\n  a:\n    cmd: echo\n    outs:\n    - m.pkl\n    - m.pkl\n', /output 'm\.pkl' is listed twice/, 6);
});

test('unsupported constructs are reported, not ignored', () => {
  fails('stages:\n  a:\n    cmd: echo\n    params:\n    - config.py:\n      - lr\n', /'config\.py'.*Python file, which is not supported/, 5);
  fails('stages:\n  a:\n    cmd: echo\n    deps:\n    - s3://bucket/data.csv\n', /is a URL; external dependencies are not supported/, 5);
  fails('stages:\n  a:\n    cmd: echo\n    outs:\n    - m.pkl:\n        checkpoint: true\n', /checkpoint outputs .* are not supported/, 6);
  fails('stages:\n  a:\n    foreach: [1]\n    do:\n      matrix: {x: [1]}\n      cmd: echo\n', /'matrix' inside "do" is not supported/, 5);
  fails('vars:\n- conf.py\nstages: {}\n', /Python file, which is not supported/, 2, undefined, { 'conf.py': 'X = 1\n' });
});

test('params entries: default file, other files, whole-file tracking', () => {
  const yaml = 'stages:\n  a:\n    cmd: echo\n    params:\n    - lr\n    - cfg.json:\n      - opt.beta\n    - extra.toml:\n    - params.yaml:\n      - epochs\n';
  const dir = project({ 'dvc.yaml': yaml });
  const a = parsePipeline(yaml, path.join(dir, 'dvc.yaml')).byName.get('a')!;
  assert.deepEqual(a.params.map((p) => [p.file, p.keys?.map((k) => k.key) ?? null]), [['params.yaml', ['lr', 'epochs']], ['cfg.json', ['opt.beta']], ['extra.toml', null]]);
});

test('two stages with one generated name is an error', () => {
  fails('stages:\n  a:\n    foreach: [x, x]\n    do:\n      cmd: echo\n', /two stages are named 'a@x'/, 2);
});
