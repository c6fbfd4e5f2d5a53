import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/io.ts';
import { project } from './helpers.ts';

function run(argv: string[], cwd: string) {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), cwd, env: {}, isTTY: false };
  return main(argv, io).then((code) => ({ code, out, err }));
}

const YAML = 'stages:\n  a:\n    cmd: echo a-output && echo a > a.txt\n    outs: [a.txt]\n  b:\n    cmd: cat a.txt > b.txt\n    deps: [a.txt]\n    params: [lr]\n    outs: [b.txt]\n';

test('mlops repro / stage status / dag, text and --json', async () => {
  const dir = project({ 'dvc.yaml': YAML, 'params.yaml': 'lr: 1\n' });
  const st = await run(['stage', 'status', '--json'], dir);
  assert.equal(st.code, 0);
  assert.deepEqual(JSON.parse(st.out).map((s: { stage: string; state: string }) => [s.stage, s.state]), [['a', 'stale'], ['b', 'stale']]);

  const dry = await run(['repro', '--dry-run'], dir);
  assert.equal(dry.code, 0);
  assert.match(dry.out, /would run 'a': never run/);

  const r = await run(['repro'], path.join(dir));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Running stage 'a'[^]*> echo a-output && echo a > a\.txt\na-output\n[^]*Pipeline done \(2 stages ran, dvc\.lock updated\)/);

  writeFileSync(path.join(dir, 'params.yaml'), 'lr: 2\n');
  const text = await run(['stage', 'status'], dir);
  assert.match(text.out, /b\s+stale\s+param lr changed: 1 → 2/);
  const j = await run(['repro', '--json', 'b'], dir);
  const res = JSON.parse(j.out);
  assert.equal(res.status, 'succeeded');
  assert.deepEqual(res.stages.map((s: { stage: string; status: string }) => [s.stage, s.status]), [['a', 'skipped'], ['b', 'succeeded']]);
  assert.deepEqual(res.stages[1].reasons[0], { kind: 'param-modified', message: 'param lr changed: 1 → 2', file: 'params.yaml', key: 'lr', old: 1, new: 2 });

  const dag = await run(['dag', '--json'], dir);
  assert.deepEqual(JSON.parse(dag.out).edges, [{ from: 'a', to: 'b', paths: ['a.txt'] }]);
  const mermaid = await run(['dag', '--mermaid'], dir);
  assert.equal(mermaid.out, 'flowchart TD\n\tnode1["a"]\n\tnode2["b"]\n\tnode1-->node2\n');
});

test('mlops repro exits 1 on a failed stage; usage errors exit 2; dvc.yaml errors name file and line', async () => {
  const dir = project({ 'dvc.yaml': 'stages:\n  boom:\n    cmd: exit 7\n' });
  const r = await run(['repro'], dir);
  assert.equal(r.code, 1);
  assert.match(r.err, /dvc\.yaml:2: stage 'boom' failed: `exit 7` exited with code 7/);
  assert.equal((await run(['repro', '--jobs', 'x'], dir)).code, 2);
  writeFileSync(path.join(dir, 'dvc.yaml'), 'stages:\n  a:\n    cmd: echo\n    outz: [x]\n');
  const bad = await run(['stage', 'status', '--json'], dir);
  assert.equal(bad.code, 1);
  const e = JSON.parse(bad.out).error;
  assert.equal(e.line, 4);
  assert.equal(e.hint, "did you mean 'outs'?");
});

test('parallel output is prefixed line by line; unknown stage names are suggested', async () => {
  const dir = project({ 'dvc.yaml': 'stages:\n  one:\n    cmd: printf "x1\\ny1\\n"\n  two:\n    cmd: printf "x2\\ny2"\n' });
  const r = await run(['repro', '--jobs', '2'], dir);
  assert.equal(r.code, 0, r.err);
  for (const line of ['[one] x1\n', '[one] y1\n', '[two] x2\n', '[two] y2\n']) assert.ok(r.out.includes(line), `${JSON.stringify(line)} in ${r.out}`);
  const st = await run(['stage', 'status', 'tow'], dir);
  assert.equal(st.code, 1);
  assert.match(st.err, /no stage named 'tow'.*did you mean 'two'\?/);
});

test('mlops repro records the run where mlops.yaml is committed but .mlops/ is not (a fresh clone, CI); a plain DVC repo gets no .mlops/', async () => {
  const plain = project({ 'dvc.yaml': YAML, 'params.yaml': 'lr: 1\n' });
  assert.equal((await run(['repro'], plain)).code, 0);
  assert.equal(existsSync(path.join(plain, '.mlops', 'mlops.db')), false, 'nothing of ours is written into a DVC-only repository');

  const clone = project({ 'dvc.yaml': YAML, 'params.yaml': 'lr: 1\n', 'mlops.yaml': 'version: 1\n' });
  assert.equal((await run(['repro'], clone)).code, 0);
  assert.ok(existsSync(path.join(clone, '.mlops', '.gitignore')), 'the per-machine store is ignored by git');
  const runs = await run(['runs', 'list', '--json'], clone);
  assert.equal(runs.code, 0, runs.err);
  const list = (JSON.parse(runs.out) as { runs: { source: string; params: Record<string, unknown> }[] }).runs;
  assert.deepEqual(list.filter((r) => r.source === 'mlops').map((r) => r.params['lr']), [1]);
});
