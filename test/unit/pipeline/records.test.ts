import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Store } from '../../../src/engine/store/store.ts';
import { runPipeline } from '../../../src/engine/pipeline/runner.ts';
import { project } from './helpers.ts';

const YAML = 'stages:\n  ok:\n    cmd: echo hi > ok.txt\n    outs: [ok.txt]\n  bad:\n    cmd: exit 4\n    deps: [ok.txt]\n  after:\n    cmd: echo\n    deps: [ok.txt]\n    params: [p]\n';

test('pipeline_runs and stage_runs record each transition, with git commit and dirty flag', async () => {
  const dir = project({ 'dvc.yaml': YAML, 'params.yaml': 'p: 1.5\n' });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'init');
  git('add', 'dvc.yaml');
  const head = git('rev-parse', 'HEAD');
  const store = Store.open(dir, { origin: 'test' });
  try {
    const r = await runPipeline(dir, { trusted: true, store, origin: 'cli', keepGoing: true });
    assert.equal(r.status, 'failed');
    const run = store.db.prepare('SELECT * FROM pipeline_runs WHERE id = ?').get(r.runId) as Record<string, unknown>;
    assert.equal(run['status'], 'failed');
    assert.equal(run['git_commit'], head);
    assert.equal(run['git_dirty'], 1, 'dvc.yaml is staged: tracked changes');
    assert.equal(run['origin'], 'cli');
    assert.ok(run['ended_at']);
    const rows = store.db.prepare('SELECT stage, status, exit_code, reason, cmd, log_path, outs, params FROM stage_runs WHERE run_id = ? ORDER BY id').all(r.runId) as Array<Record<string, unknown>>;
    const by = Object.fromEntries(rows.map((x) => [x['stage'], x]));
    assert.equal(by['ok']!['status'], 'succeeded');
    assert.equal(by['ok']!['cmd'], 'echo hi > ok.txt');
    assert.match(String(by['ok']!['log_path']), /^\.mlops\/runs\/.+\/ok\/output\.log$/);
    assert.equal(JSON.parse(String(by['ok']!['outs']))[0].path, 'ok.txt');
    assert.equal(by['bad']!['status'], 'failed');
    assert.equal(by['bad']!['exit_code'], 4);
    assert.equal(by['after']!['status'], 'succeeded');
    assert.deepEqual(JSON.parse(String(by['after']!['params'])), { 'params.yaml': { p: 1.5 } });

    const again = await runPipeline(dir, { trusted: true, store, targets: ['ok'] });
    const skipped = store.db.prepare('SELECT status FROM stage_runs WHERE run_id = ?').all(again.runId) as Array<{ status: string }>;
    assert.deepEqual(skipped.map((s) => s.status), ['skipped']);
    const noop = store.db.prepare('SELECT status, git_commit, git_dirty FROM pipeline_runs WHERE id = ?').get(again.runId) as Record<string, unknown>;
    assert.deepEqual({ ...noop }, { status: 'succeeded', git_commit: null, git_dirty: null }, 'a run that executes nothing asks git nothing');
  } finally {
    store.close();
  }
});
