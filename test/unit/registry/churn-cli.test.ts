// Issue #6 "done when", through the real `mlops` binary on a copy of examples/churn in a real git
// repository: register the trained model with lineage to its run, data and commit; promote it to
// staging; be refused production by a failing check (and by the policy for the wrong person);
// pass after retraining; see it all in the audit trail; detect hand-edited audit entries; and the
// bad inputs (names, unknown versions, a promotion race, a missing cache object).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, realpathSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadSqlite } from '../../../src/engine/store/native.ts';
import { NODE, REPO_ROOT } from '../helpers/tmp.ts';
import { git, tempDir } from './helpers.ts';

const CLI = path.join(REPO_ROOT, 'src/cli/index.ts');
const CHURN = path.join(REPO_ROOT, 'examples/churn');

interface Result { code: number; out: string; err: string; json: () => any }

function mlops(cwd: string, args: string[], env: Record<string, string> = {}): Result {
  const r = spawnSync(NODE, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, MLOPS_ACTOR: '', ...env }, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, json: () => JSON.parse(r.stdout) };
}

function mlopsAsync(cwd: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const p = spawn(NODE, [CLI, ...args], { cwd, env: { ...process.env, MLOPS_ACTOR: '' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err, json: () => JSON.parse(out) }));
  });
}

const ok = (r: Result, what: string): Result => {
  assert.equal(r.code, 0, `${what}: ${r.err}${r.out}`);
  return r;
};

test('examples/churn through the CLI: register with lineage, staging, gated production, retrain, audit trail, tamper detection', { timeout: 600_000 }, async () => {
  const dir = realpathSync(tempDir('mlops-registry-churn-'));
  cpSync(CHURN, dir, { recursive: true });
  git(dir, 'init', '-q');
  git(dir, 'config', 'user.email', 'alice@example.com');
  git(dir, 'config', 'user.name', 'Alice');
  ok(mlops(dir, ['init']), 'init');
  appendFileSync(path.join(dir, 'mlops.yaml'), `
policy:
  roles:
    scientist: [register, promote:staging, alias:*]
    lead: ["*"]
  people:
    alice@example.com: lead
    bob@example.com: scientist
`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'churn project');
  ok(mlops(dir, ['repro']), 'repro');
  const trainedAt = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'trained');

  // Register: lineage to the run, the data (back to the raw CSV) and the commit.
  const reg = ok(mlops(dir, ['models', 'register', 'churn-model', 'models/model.json', '--json']), 'register').json();
  const v1 = reg.version;
  assert.deepEqual([v1.model, v1.version, v1.artifactPath, v1.kind, v1.stage], ['churn-model', 1, 'models/model.json', 'file', 'None']);
  assert.match(v1.hash, /^[0-9a-f]{32}$/);
  assert.match(v1.lineage.runId, /^mlops:/);
  assert.equal(v1.lineage.gitCommit, trainedAt, 'the commit the pipeline ran at');
  assert.equal(v1.lineage.gitDirty, false);
  assert.deepEqual(v1.lineage.data.map((d: any) => d.path), ['data/features', 'data/prepared', 'data/raw/customers.csv']);
  const rawHash = spawnSync('md5sum', [path.join(dir, 'data/raw/customers.csv')], { encoding: 'utf8' }).stdout.split(' ')[0];
  assert.equal(v1.lineage.data[2].hash, rawHash);
  assert.equal(v1.lineage.metrics.accuracy, 0.8433);
  assert.equal(v1.lineage.params['train.lr'], 0.05);
  assert.equal(v1.description, 'Logistic regression that predicts customer churn', 'from dvc.yaml artifacts:');
  const shown = ok(mlops(dir, ['models', 'show', 'churn-model', '1']), 'show').out;
  assert.match(shown, /^ {2}data +data\/raw\/customers\.csv +[0-9a-f]{32}$/m);
  assert.match(shown, /accuracy=0\.8433/);

  // Staging is free; production is gated.
  assert.match(ok(mlops(dir, ['models', 'promote', 'churn-model', '1', 'staging']), 'staging').out, /done {2}churn-model v1 moved None → Staging/);
  const blocked = mlops(dir, ['models', 'promote', 'churn-model', '1', 'production']);
  assert.equal(blocked.code, 1);
  assert.match(blocked.out, /BLOCKED {2}churn-model v1 may not take stage Production: check 'accuracy floor' \(mlops\.yaml:\d+\) failed: metrics\.accuracy = 0\.8433, needs >= 0\.85/);
  assert.match(blocked.out, /✓ newer-than-current/);
  // The wrong person is refused by the policy before any check runs.
  const refused = mlops(dir, ['models', 'promote', 'churn-model', '1', 'production'], { MLOPS_ACTOR: 'bob@example.com' });
  assert.equal(refused.code, 1);
  assert.match(refused.err, /Refused by policy: bob@example\.com may not promote:production \(churn-model v1 → Production\): role scientist does not allow promote:production/);

  // Retrain with a better learning rate; the new version passes.
  writeFileSync(path.join(dir, 'params.yaml'), readFileSync(path.join(dir, 'params.yaml'), 'utf8').replace('lr: 0.05', 'lr: 0.2'));
  git(dir, 'commit', '-q', '-am', 'lr 0.2');
  ok(mlops(dir, ['repro']), 'retrain');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'retrained');
  const v2 = ok(mlops(dir, ['models', 'register', 'churn-model', 'models/model.json', '--json']), 'register v2').json().version;
  assert.equal(v2.version, 2);
  assert.equal(v2.lineage.metrics.accuracy, 0.8517);
  assert.notEqual(v2.hash, v1.hash);
  assert.notEqual(v2.lineage.runId, v1.lineage.runId);
  ok(mlops(dir, ['models', 'promote', 'churn-model', '2', 'staging']), 'v2 staging');
  const prod = ok(mlops(dir, ['models', 'promote', 'churn-model', '2', 'production', '--json']), 'v2 production').json();
  assert.deepEqual([prod.ok, prod.from, prod.to, prod.checks.map((c: any) => c.passed)], [true, { stage: 'Staging' }, { stage: 'Production' }, [true, true]]);
  ok(mlops(dir, ['models', 'alias', 'churn-model', 'champion', '2']), 'alias');
  const list = ok(mlops(dir, ['models', 'list']), 'list').out;
  assert.match(list, /^churn-model +registry +2 +v2 +Production: v2; Staging: v1 +@champion=v2/m);

  // The audit trail tells the story, blocked and refused attempts included.
  const log = ok(mlops(dir, ['audit', 'log', '--json']), 'audit log').json();
  assert.deepEqual(log.map((e: any) => [e.seq, e.action, e.outcome, e.version]).reverse(), [
    [1, 'register', 'applied', 1], [2, 'promote', 'applied', 1], [3, 'promote', 'blocked', 1], [4, 'promote', 'refused', 1],
    [5, 'register', 'applied', 2], [6, 'promote', 'applied', 2], [7, 'promote', 'applied', 2], [8, 'alias', 'applied', 2],
  ]);
  const third = log.find((e: any) => e.seq === 3);
  assert.deepEqual(third.checks[0].values, { 'metrics.accuracy': 0.8433 });
  assert.equal(log.find((e: any) => e.seq === 4).actor, 'bob@example.com');
  assert.match(ok(mlops(dir, ['audit', 'log']), 'audit log text').out, /^3 +\S+ \S+ +alice@example\.com +cli +churn-model v1 +promote +blocked +Staging → Production$/m);
  assert.match(ok(mlops(dir, ['audit', 'verify']), 'verify').out, /^ok {2}8 entries, chain intact .*mirror 8 entries, consistent/);

  // A hand edit of the committed JSONL mirror: turn the blocked attempt into an applied one.
  const mirror = path.join(dir, '.mlops', 'audit.jsonl');
  const original = readFileSync(mirror, 'utf8');
  writeFileSync(mirror, original.replace(/("outcome":)"blocked"/, '$1"applied"'));
  const badMirror = mlops(dir, ['audit', 'verify']);
  assert.equal(badMirror.code, 1);
  assert.match(badMirror.out, /^TAMPERED {2}first bad entry: #3 in the mirror \(.*audit\.jsonl:3\)\n {2}entry 3 was modified after it was written/);
  writeFileSync(mirror, original);
  // A hand edit of the store (sqlite3): change the recorded accuracy of the blocked attempt.
  const db = new (loadSqlite())(path.join(dir, '.mlops', 'mlops.db'));
  db.prepare("UPDATE registry_audit SET checks = replace(checks, '0.8433', '0.8533') WHERE seq = 3").run();
  db.close();
  const badStore = mlops(dir, ['audit', 'verify', '--json']);
  assert.equal(badStore.code, 1);
  assert.deepEqual([badStore.json().firstBad.where, badStore.json().firstBad.seq, badStore.json().firstBad.reason], ['store', 3, 'hash-mismatch']);
  assert.match(mlops(dir, ['audit', 'verify']).out, /first bad entry: #3 in the store/);

  // Bad input: names with path separators or markup, unknown models and versions.
  const badName = mlops(dir, ['models', 'register', '../evil', 'models/model.json']);
  assert.equal(badName.code, 1);
  assert.match(badName.err, /"\.\.\/evil" is not a valid model name: it contains a path separator/);
  assert.match(mlops(dir, ['models', 'register', '<b>x</b>', 'models/model.json']).err, /contains markup characters/);
  assert.match(mlops(dir, ['models', 'show', 'nope']).err, /no registered model 'nope' — registered models: churn-model/);
  assert.match(mlops(dir, ['models', 'promote', 'churn-model', '9', 'staging']).err, /churn-model has no version 9 — versions: 1, 2/);
  assert.equal(mlops(dir, ['models', 'promote', 'churn-model', 'x', 'staging']).code, 2, 'usage error');
  assert.match(mlops(dir, ['models', 'promote', 'churn-model', '1', 'prod']).err, /unknown stage 'prod'/);

  // A race: four processes claim the same alias, all having seen it unassigned. Exactly one wins.
  const racers = await Promise.all([1, 2, 1, 2].map((v) => mlopsAsync(dir, ['models', 'alias', 'churn-model', 'candidate', String(v), '--expect-holder', 'none'])));
  assert.equal(racers.filter((r) => r.code === 0).length, 1, racers.map((r) => r.err + r.out).join('\n'));
  for (const r of racers.filter((x) => x.code !== 0)) assert.match(r.err, /alias 'candidate' of churn-model changed while you were deciding: it is now on v[12], you expected nobody \(last set by alice@example\.com via cli/);

  // The cache lost v1's object: the error offers the pull.
  rmSync(path.join(dir, '.mlops', 'cache', 'files', 'md5', v1.hash.slice(0, 2), v1.hash.slice(2)), { force: true });
  rmSync(path.join(dir, '.dvc', 'cache', 'files', 'md5', v1.hash.slice(0, 2), v1.hash.slice(2)), { force: true });
  const missing = mlops(dir, ['models', 'restore', 'churn-model', '1', '--to', 'deploy/model.json']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /the content of churn-model v1 \(models\/model\.json, [0-9a-f]{32}\) is not in the local cache — pull it from a remote: 'mlops models restore churn-model 1 --pull'/);
  const restored = ok(mlops(dir, ['models', 'restore', 'churn-model', 'champion', '--to', 'deploy/model.json']), 'restore champion');
  assert.match(restored.out, /^restored deploy\/model\.json {2}[0-9a-f]{8} {2}1 file\(s\) written$/m);
  assert.equal(readFileSync(path.join(dir, 'deploy/model.json'), 'utf8'), readFileSync(path.join(dir, 'models/model.json'), 'utf8'));
});
