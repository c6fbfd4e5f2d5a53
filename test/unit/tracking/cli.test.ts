import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/io.ts';
import { COMMANDS } from '../../../src/cli/registry.ts';
import { NODE, REPO_ROOT } from '../helpers/tmp.ts';
import { tempDir, writeDvcLive, writeFileStore, writeMlflowDb } from './fixtures.ts';

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), cwd, env: {}, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

function workspace(): string {
  const root = tempDir('mlops-runs-cli-');
  writeFileStore(path.join(root, 'mlruns'), [{
    id: '1', name: 'churn',
    runs: [
      { id: A, name: 'fast', params: { lr: '0.1', optimizer: 'sgd', config: 'c'.repeat(400) }, metrics: { accuracy: ['1 0.81 0'], loss: ['1 0.9 0', '2 nan 1'] }, start: 1700000000000 },
      { id: B, name: 'slow <b>', params: { lr: '0.001', optimizer: 'sgd' }, metrics: { accuracy: ['1 0.86 0'], loss: ['1 inf 0'] }, start: 1700000200000 },
    ],
  }]);
  writeDvcLive(path.join(root, 'dvclive'), { params: 'lr: 0.05\n', metrics: '{"accuracy": 0.84}\n', tsv: { accuracy: 'step\taccuracy\n0\t0.8\n1\t0.84\n' } });
  writeFileSync(path.join(root, 'mlops.yaml'), '# team config\nversion: 1\nexperiments:\n  name: churn   # pipeline runs go here\n');
  return root;
}

test('runs commands are registered', () => {
  for (const n of ['runs list', 'runs show', 'runs compare', 'runs delete', 'runs import']) assert.ok(COMMANDS.some((c) => c.name.join(' ') === n), n);
});

test('runs list: table with common metric and param columns, filter, sort, limit, JSON with NaN/inf as strings', async () => {
  const root = workspace();
  const all = await cli(['runs', 'list'], root);
  assert.equal(all.code, 0, all.err);
  const lines = all.out.trimEnd().split('\n');
  assert.match(lines[0]!, /^ID\s+NAME\s+EXPERIMENT\s+STATUS\s+STARTED\s+SOURCE\s+accuracy\s+loss\s+lr\s+optimizer\s+config$/);
  assert.equal(lines.at(-1), '3 runs');
  assert.match(all.out, /mlflow:aaaaaaaa\s+fast\s+churn\s+finished\s+2023-11-14 22:13:20\s+mlruns\/\s+0\.81\s+NaN\s+0\.1\s+sgd\s+c{23}… \(400 chars\)/);
  assert.match(all.out, /mlflow:bbbbbbbb\s+slow <b>\s+churn\s+finished\s+.*\s+0\.86\s+\+∞/);

  const filtered = await cli(['runs', 'list', '--filter', 'metrics.accuracy > 0.82 and params.lr < 0.5', '--sort', 'metrics.accuracy', '--desc'], root);
  assert.equal(filtered.code, 0, filtered.err);
  assert.deepEqual(filtered.out.split('\n').slice(1, -2).map((l) => l.split(/\s{2,}/)[0]), ['mlflow:bbbbbbbb', 'dvclive:dvclive']);
  const limited = await cli(['runs', 'list', '--limit', '1', '--columns', 'metrics.accuracy,tags.none'], root);
  assert.match(limited.out, /^ID\s+NAME\s+EXPERIMENT\s+STATUS\s+STARTED\s+SOURCE\s+accuracy\s+none\n/);
  assert.match(limited.out, /\n1 run\n$/);

  const json = await cli(['runs', 'list', '--json', '--experiment', 'churn', '--sort', 'name'], root);
  const doc = JSON.parse(json.out);
  assert.deepEqual(doc.runs.map((r: { name: string }) => r.name), ['dvclive', 'fast', 'slow <b>']);
  assert.equal(doc.runs[1].metrics.loss, 'NaN');
  assert.equal(doc.runs[2].metrics.loss, 'Infinity');
  assert.equal(doc.runs[1].params.config.length, 400, 'JSON keeps full values');
  assert.deepEqual(doc.problems, []);

  const none = await cli(['runs', 'list', '--filter', 'metrics.accuracy > 2'], root);
  assert.equal(none.out, 'No runs match the filter.\n');
});

test('runs show and compare: short ids, series summaries, differing params marked first', async () => {
  const root = workspace();
  const show = await cli(['runs', 'show', 'mlflow:aaaa'], root);
  assert.equal(show.code, 0, show.err);
  assert.match(show.out, /^Run mlflow:1\/a{32}\n/);
  assert.match(show.out, /\n {2}status\s+finished\n/);
  assert.match(show.out, /\n {2}source\s+mlruns\/ \(read-only\)\n/);
  assert.match(show.out, /\nMetrics\n {2}accuracy\s+0\.81\s+1 step \(0…0\), min 0\.81, max 0\.81\n {2}loss\s+NaN\s+2 steps \(0…1\), min 0\.9, max 0\.9\n/);
  const json = JSON.parse((await cli(['runs', 'show', A, '--json'], root)).out);
  assert.deepEqual(json.series.loss.map((p: { value: unknown }) => p.value), [0.9, 'NaN']);
  assert.equal(json.extra.experimentId, '1');

  const cmp = await cli(['runs', 'compare', 'mlflow:aaaa', 'mlflow:bbbb', 'dvclive'], root);
  assert.equal(cmp.code, 0, cmp.err);
  assert.match(cmp.out, /^Comparing mlflow:aaaaaaaa, mlflow:bbbbbbbb, dvclive:dvclive\n/);
  // dvclive/ has no optimizer: absent counts as different.
  assert.match(cmp.out, /Params \(3 of 3 differ\)\n\s+KEY\s+fast\s+slow <b>\s+dvclive\n\*\s+config\s+c+… \(400 chars\)\s+—\s+—\n/);
  assert.match(cmp.out, /\*\s+lr\s+0\.1\s+0\.001\s+0\.05\n/);
  assert.match(cmp.out, /Metrics \(2 of 2 differ\)/);
  const cj = JSON.parse((await cli(['runs', 'compare', A, B, '--json'], root)).out);
  assert.deepEqual(cj.params.map((p: { key: string; differs: boolean }) => [p.key, p.differs]), [['config', true], ['lr', true], ['optimizer', false]]);
  assert.deepEqual(cj.params[0].values, ['c'.repeat(400), null], 'absent values are null in JSON');

  const ambiguous = await cli(['runs', 'show', 'mlflow:'], root);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.err, /matches 2 runs/);
  const missing = await cli(['runs', 'show', 'nope'], root);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no run matches 'nope'/);
  const bad = await cli(['runs', 'list', '--filter', 'metrics.accuracy >'], root);
  assert.equal(bad.code, 2, 'a bad filter is a usage error');
  assert.match(bad.err, /unexpected end of expression at column 19/);
  const refused = await cli(['runs', 'delete', 'mlflow:aaaa'], root);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /MLOps Workbench reads but never changes — delete it with MLflow/);
});

test('runs import mlflow: adds the store to experiments.mlflow (comments kept), reads it in place, refuses non-stores', async () => {
  const root = workspace();
  const shared = tempDir('mlops-shared-');
  writeMlflowDb(path.join(shared, 'team.db'), 'current', [{ id: 4, name: 'team' }], [{ uuid: 'e'.repeat(32), experimentId: 4, name: 'teammate', metrics: { accuracy: [[0, 0.7, 1]] } }]);
  const r = await cli(['runs', 'import', 'mlflow', path.join(shared, 'team.db')], root);
  assert.equal(r.code, 0, r.err);
  const entry = path.relative(root, path.join(shared, 'team.db'));
  assert.equal(r.out, `Added ${entry} to experiments.mlflow in mlops.yaml: 1 run read in place (nothing copied).\n`);
  const yaml = readFileSync(path.join(root, 'mlops.yaml'), 'utf8');
  assert.equal(yaml, `# team config\nversion: 1\nexperiments:\n  name: churn # pipeline runs go here\n  mlflow:\n    - ${entry}\n`);
  const again = await cli(['runs', 'import', 'mlflow', `sqlite:///${path.join(shared, 'team.db')}`, '--json'], root);
  assert.deepEqual(JSON.parse(again.out), { entry, kind: 'sqlite', added: false, discovered: false, runs: 1 });
  const listed = await cli(['runs', 'list', '--experiment', 'team'], root);
  assert.match(listed.out, /teammate/);

  const own = await cli(['runs', 'import', 'mlflow', 'mlruns'], root);
  assert.match(own.out, /found even without this entry/);
  const notStore = await cli(['runs', 'import', 'mlflow', 'dvclive'], root);
  assert.equal(notStore.code, 1);
  assert.match(notStore.err, /is not an MLflow file store/);
  const wrongKind = await cli(['runs', 'import', 'wandb', 'x'], root);
  assert.equal(wrongKind.code, 2);
});

test('the mlops binary: runs list --json in a folder that was never initialized still reads MLflow', () => {
  const root = workspace();
  const p = spawnSync(NODE, [path.join(REPO_ROOT, 'src/cli/index.ts'), 'runs', 'list', '--json'], { cwd: root, encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  assert.equal(JSON.parse(p.stdout).runs.length, 3);
});
