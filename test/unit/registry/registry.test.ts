// The registry engine: registration with lineage, versions by reference, gates, policy, races,
// archive/delete/edit, model cards — against real SQLite stores and real git repositories.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MlopsError } from '../../../src/engine/errors.ts';
import type { RunSummary, TrackingService } from '../../../src/engine/tracking/api.ts';
import { open, workspace, write } from './helpers.ts';

function stubTracking(runs: RunSummary[]): TrackingService {
  return {
    refresh: async () => ({ runs: runs.length, problems: [] }),
    listRuns: () => runs,
    getRun: (id) => { const r = runs.find((x) => x.id === id); return r ? { ...r, series: {}, extra: {} } : undefined; },
    series: () => new Map(),
    experiments: () => [...new Set(runs.map((r) => r.experiment))],
    deleteRun: () => undefined,
    latestRun: () => runs[0],
    problems: () => [],
    onDidChange: () => () => undefined,
    close: () => undefined,
  };
}

function run(id: string, outputs: Array<{ path: string; hash: string }>, metrics: Record<string, number>): RunSummary {
  return {
    id, source: 'mlops', sourceLabel: 'pipeline', experiment: 'churn', name: `run ${id}`, status: 'finished', startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:01:00Z',
    gitCommit: 'a'.repeat(40), gitDirty: false, params: { 'train.lr': 0.05 }, metrics, tags: {},
    inputs: [{ path: 'data/features', hash: 'f'.repeat(32) + '.dir' }, { path: 'src/train.py', hash: 'c'.repeat(32) }], outputs, readOnly: false, warnings: [],
  };
}

test('register: content into the cache and the versioning history, lineage from the tracking run, upstream data from the pipeline history', async () => {
  const root = workspace({ 'models/model.json': '{"w":[1,2]}\n', 'models/bundle/MLmodel': 'artifact_path: model\nflavors:\n  python_function: {loader_module: mlflow.sklearn, python_version: 3.11.4}\n  sklearn: {pickled_model: model.pkl, sklearn_version: 1.3.0}\nmlflow_version: 2.12.1\nmodel_uuid: 3f0b\nsignature:\n  inputs: \'[{"type": "double", "name": "age", "required": true}]\'\n  outputs: \'[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 1]}}]\'\nutc_time_created: \'2024-05-01 10:00:00.000000\'\n', 'models/bundle/model.pkl': 'pickle' });
  const probe = await open(root);
  const hash = (await probe.registry.register({ model: 'probe', path: 'models/model.json', runId: null })).version.hash;
  probe.close();

  // The pipeline history says which stage produced data/features from which raw data.
  const { registry, store } = await open(root, { tracking: stubTracking([run('mlops:r1', [{ path: 'models/model.json', hash }], { accuracy: 0.91, loss: NaN })]) });
  store.db.prepare("INSERT INTO pipeline_runs(id, started_at, status, targets, origin) VALUES ('p1', '2026-01-01T00:00:00Z', 'succeeded', '{}', 'cli')").run();
  store.db.prepare("INSERT INTO stage_runs(run_id, stage, status, deps, outs) VALUES ('p1', 'featurize', 'succeeded', ?, ?)").run(
    JSON.stringify([{ path: 'data/raw/customers.csv', hash: 'md5', md5: 'b'.repeat(32) }, { path: 'src/featurize.py', hash: 'md5', md5: 'd'.repeat(32) }]),
    JSON.stringify([{ path: 'data/features', hash: 'md5', md5: 'f'.repeat(32) + '.dir' }]),
  );
  const r = await registry.register({ model: 'churn', path: path.join(root, 'models/model.json'), description: 'first', tags: { team: 'risk' } });
  assert.equal(r.version.version, 1);
  assert.equal(r.createdModel, true);
  assert.equal(r.version.lineage.runId, 'mlops:r1');
  assert.equal(r.version.lineage.gitCommit, 'a'.repeat(40));
  assert.deepEqual(r.version.lineage.data.map((d) => [d.path, d.hash]), [['data/features', 'f'.repeat(32) + '.dir'], ['data/raw/customers.csv', 'b'.repeat(32)]], 'code deps are left to the git commit');
  assert.equal(r.version.lineage.metrics.accuracy, 0.91);
  assert.ok(Number.isNaN(r.version.lineage.metrics.loss), 'NaN survives the round trip through the store');
  assert.deepEqual(r.version.lineage.params, { 'train.lr': 0.05 });
  assert.deepEqual(r.version.tags, { team: 'risk' });
  // In the cache (restorable) and in the versioning history (kept by gc).
  assert.ok(existsSync(path.join(root, '.dvc', 'cache', 'files', 'md5', hash.slice(0, 2), hash.slice(2))) || existsSync(path.join(root, '.mlops', 'cache', 'files', 'md5', hash.slice(0, 2), hash.slice(2))));
  assert.ok((store.db.prepare('SELECT COUNT(*) FROM versions WHERE hash = ?').pluck().get(hash) as number) >= 1);
  assert.equal(await registry.availability('churn', 1), 'cached');

  // A folder with an MLmodel: flavors and signature.
  const b = await registry.register({ model: 'churn', path: 'models/bundle', runId: null });
  assert.equal(b.version.version, 2);
  assert.equal(b.version.kind, 'dir');
  assert.match(b.version.hash, /\.dir$/);
  assert.equal(b.version.nfiles, 2);
  assert.deepEqual(b.version.mlmodel?.flavors.map((f) => f.name), ['python_function', 'sklearn']);
  assert.equal(b.version.mlmodel?.flavors[1]!.details.sklearn_version, '1.3.0');
  assert.deepEqual(b.version.mlmodel?.signature?.inputs, [{ name: 'age', type: 'double', required: true }]);
  assert.deepEqual(b.version.mlmodel?.signature?.outputs, [{ name: null, type: 'tensor<float32>', shape: [-1, 1] }]);
  assert.equal(b.version.lineage.runId, null);

  // An unknown run is an error, not a silent lineage gap.
  await assert.rejects(registry.register({ model: 'churn', path: 'models/model.json', runId: 'mlops:nope' }), /no run mlops:nope/);
  await assert.rejects(registry.register({ model: 'a/b', path: 'models/model.json' }), /path separator/);
  await assert.rejects(registry.register({ model: 'churn', path: 'models/missing.bin' }), (e: unknown) => e instanceof MlopsError && e.code === 'not-found' && /nothing to register/.test(e.message));
  await assert.rejects(registry.register({ model: 'churn', path: '../outside' }), /outside the workspace/);
});

test('versions by number, v<n>, latest, alias and stage; unknown model or version says what exists', async () => {
  const root = workspace({ 'm/a.bin': 'a', 'm/b.bin': 'b' });
  const { registry } = await open(root);
  await registry.register({ model: 'm', path: 'm/a.bin' });
  await registry.register({ model: 'm', path: 'm/b.bin' });
  await registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Production' } });
  await registry.setAlias('m', 'champion', 2);
  assert.equal(registry.getVersion('m', 1).artifactPath, 'm/a.bin');
  assert.equal(registry.getVersion('m', 'v2').artifactPath, 'm/b.bin');
  assert.equal(registry.getVersion('m', 'latest').version, 2);
  assert.equal(registry.getVersion('m', 'champion').version, 2);
  assert.equal(registry.getVersion('m', '@champion').version, 2);
  assert.equal(registry.getVersion('m', 'production').version, 1);
  assert.throws(() => registry.getVersion('m', 7), (e: unknown) => e instanceof MlopsError && e.code === 'not-found' && /m has no version 7/.test(e.message) && /versions: 1, 2/.test(e.hint ?? ''));
  assert.throws(() => registry.getVersion('m', 'nightly'), /no version "nightly".*/);
  assert.throws(() => registry.show('nope'), (e: unknown) => e instanceof MlopsError && /no registered model 'nope'/.test(e.message) && /registered models: m/.test(e.hint ?? ''));
  await assert.rejects(registry.promote({ model: 'm', version: 9, target: { kind: 'stage', stage: 'Staging' } }), /m has no version 9/);
  await assert.rejects(registry.promote({ model: 'x', version: 1, target: { kind: 'stage', stage: 'Staging' } }), /no registered model 'x'/);
  const list = registry.list();
  assert.deepEqual(list.map((m) => [m.id, m.versionCount, m.latestVersion, m.aliases, m.stages]), [['m', 2, 2, { champion: 2 }, { Production: [1], None: [2] }]]);
});

test('gates: metrics, drift from the latest stored report, current.*, newer-than-current; blocked promotions are audited, dry runs are not', async () => {
  const root = workspace({
    'm/v1.bin': '1', 'm/v2.bin': '2',
    'mlops.yaml': `version: 1
registry:
  gates:
    production:
      - metrics.accuracy >= 0.9
      - { name: low drift, check: drift.share < 0.3 }
      - newer-than-current
    alias:champion:
      - metrics.accuracy > current.metrics.accuracy or current.version == null
`,
  });
  const hashes: string[] = [];
  const probe = await open(root);
  for (const f of ['m/v1.bin', 'm/v2.bin']) hashes.push((await probe.registry.register({ model: 'probe', path: f, runId: null })).version.hash);
  probe.close();
  const tracking = stubTracking([
    run('mlops:b', [{ path: 'm/v2.bin', hash: hashes[1]! }], { accuracy: 0.95 }),
    run('mlops:a', [{ path: 'm/v1.bin', hash: hashes[0]! }], { accuracy: 0.92 }),
  ]);
  const { registry, store } = await open(root, { tracking });
  await registry.register({ model: 'm', path: 'm/v1.bin' });
  await registry.register({ model: 'm', path: 'm/v2.bin' });

  // No drift report yet: the drift check fails and says why.
  const noDrift = await registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Production' } });
  assert.equal(noDrift.ok, false);
  assert.deepEqual(noDrift.checks.map((c) => c.passed), [true, false, true]);
  assert.match(noDrift.checks[1]!.detail, /no drift report is stored yet/);
  assert.match(noDrift.message, /check 'low drift' \(mlops\.yaml:6\) failed/);
  assert.equal(registry.auditLog({ limit: 1 })[0]!.outcome, 'blocked');
  assert.equal(registry.getVersion('m', 1).stage, 'None', 'nothing moved');

  const insertDrift = (share: number): void => {
    store.db.prepare(`INSERT INTO drift_reports(created_at, monitor, reference_path, current_path, dataset_drift, drift_share, threshold, drifted_columns, total_columns, report)
      VALUES (?, 'churn', 'ref.csv', ?, ?, ?, 0.5, ?, 10, '{}')`).run(new Date().toISOString(), `cur-${share}.csv`, share >= 0.5 ? 1 : 0, share, Math.round(share * 10));
  };
  insertDrift(0.4);
  const drifted = await registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Production' }, dryRun: true });
  assert.equal(drifted.ok, false);
  assert.deepEqual(drifted.checks[1]!.values, { 'drift.share': 0.4 });
  assert.match(drifted.checks[1]!.detail, /drift\.share = 0\.4, needs < 0\.3/);
  const auditBefore = registry.auditLog().length;
  insertDrift(0.1);
  const dry = await registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Production' }, dryRun: true });
  assert.equal(dry.ok, true);
  assert.equal(registry.auditLog().length, auditBefore, 'dry runs leave no trace');
  assert.equal(registry.getVersion('m', 1).stage, 'None');

  const ok = await registry.promote({ model: 'm', version: 2, target: { kind: 'stage', stage: 'Production' } });
  assert.equal(ok.ok, true, ok.message);
  // v1 is older than the current Production (v2): blocked by newer-than-current.
  const older = await registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Production' } });
  assert.equal(older.ok, false);
  assert.match(older.message, /v1 is not newer than v2, which holds Production/);

  // Alias gate compares with the current holder.
  assert.equal((await registry.setAlias('m', 'champion', 1)).ok, true, 'nobody holds it yet');
  const better = await registry.setAlias('m', 'champion', 2);
  assert.equal(better.ok, true, better.message);
  assert.deepEqual(better.from, { aliasHolder: 1 });
  const worse = await registry.setAlias('m', 'champion', 1);
  assert.equal(worse.ok, false);
  assert.deepEqual(worse.checks[0]!.values, { 'metrics.accuracy': 0.92, 'current.metrics.accuracy': 0.95, 'current.version': 2 });
  const again = await registry.setAlias('m', 'champion', 2);
  assert.match(again.message, /already holds/);
});

test('policy is enforced in the engine: refusals are audited and say who, what and which rule', async () => {
  const root = workspace({
    'm/a.bin': 'a',
    'mlops.yaml': 'version: 1\npolicy:\n  roles:\n    scientist: [register, promote:staging]\n    lead: ["*"]\n  people:\n    bob@example.com: scientist\n    lead@example.com: lead\n',
  }, 'bob@example.com');
  const bob = await open(root);
  assert.equal(bob.registry.actor, 'bob@example.com', 'git config user.email');
  await bob.registry.register({ model: 'm', path: 'm/a.bin' });
  assert.equal((await bob.registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Staging' } })).ok, true);
  await assert.rejects(bob.registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Production' } }), (e: unknown) => {
    assert.ok(e instanceof MlopsError);
    assert.equal(e.code, 'refused');
    assert.match(e.message, /bob@example\.com may not promote:production \(m v1 → Production\): role scientist does not allow promote:production .*mlops\.yaml:4/);
    return true;
  });
  assert.deepEqual(bob.registry.can('archive').allowed, false);
  const last = bob.registry.auditLog({ limit: 1 })[0]!;
  assert.deepEqual([last.outcome, last.action, last.actor, last.to], ['refused', 'promote', 'bob@example.com', null]);
  assert.match(String(last.detail.rule), /role scientist does not allow/);
  await assert.rejects(bob.registry.delete('m', 1), /may not delete/);
  assert.equal(bob.registry.getVersion('m', 1).stage, 'Staging');

  // MLOPS_ACTOR (CI) overrides git; the lead may.
  const lead = await open(root, { actor: 'lead@example.com' });
  assert.equal((await lead.registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Production' } })).ok, true);
  const stranger = await open(root, { actor: 'eve@elsewhere.org' });
  await assert.rejects(stranger.registry.register({ model: 'm', path: 'm/a.bin' }), /eve@elsewhere\.org may not register .* not listed under policy\.people/);
});

test('a promotion race between two processes: exactly one wins, the other is told who moved it first and nothing changes', async () => {
  const root = workspace({ 'm/a.bin': 'a', 'm/b.bin': 'b' });
  const editor = await open(root, { actor: 'alice@example.com', origin: 'extension' });
  const cli = await open(root, { actor: 'bob@example.com', origin: 'cli' });
  await editor.registry.register({ model: 'm', path: 'm/a.bin' });
  await editor.registry.register({ model: 'm', path: 'm/b.bin' });

  // Both saw "champion is unassigned" and v1 in None; the CLI acts first.
  const sawHolder = editor.registry.show('m').aliases.champion ?? null;
  const sawStage = editor.registry.getVersion('m', 1).stage;
  let fired = 0;
  editor.registry.onDidChange(() => fired++);
  assert.equal(editor.registry.checkForChanges(), false);
  assert.equal((await cli.registry.setAlias('m', 'champion', 2, { expected: { aliasHolder: null } })).ok, true);
  assert.equal(editor.registry.checkForChanges(), true, 'the other process\'s change is noticed');
  assert.equal(fired, 1);
  assert.equal(editor.registry.checkForChanges(), false);
  await assert.rejects(editor.registry.setAlias('m', 'champion', 1, { expected: { aliasHolder: sawHolder } }), (e: unknown) => {
    assert.ok(e instanceof MlopsError);
    assert.match(e.message, /alias 'champion' of m changed while you were deciding: it is now on v2, you expected nobody \(last set by bob@example\.com via cli at .*, audit #3\)/);
    assert.match(e.hint!, /nothing was changed/);
    return true;
  });
  assert.equal(cli.registry.show('m').aliases.champion, 2);

  assert.equal((await cli.registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Staging' }, expected: { stage: 'None' } })).ok, true);
  await assert.rejects(editor.registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Production' }, expected: { stage: sawStage } }), /now in Staging, you expected None \(moved by bob@example\.com via cli/);
  assert.equal(editor.registry.getVersion('m', 1).stage, 'Staging');
  const entries = editor.registry.auditLog();
  assert.equal(entries.filter((e) => e.outcome === 'applied' && e.action !== 'register').length, 2, 'only the winners are recorded as changes');
  assert.equal((await editor.registry.verifyAudit()).ok, true, 'interleaved writers keep one chain and one mirror');
});

test('archive removes aliases, archiveExisting moves the old Production away, delete keeps numbers and refuses Production, edits and model cards are audited', async () => {
  const root = workspace({ 'm/a.bin': 'a', 'm/b.bin': 'b', 'm/c.bin': 'c' });
  const { registry } = await open(root);
  for (const f of ['a', 'b', 'c']) await registry.register({ model: 'm', path: `m/${f}.bin` });
  await registry.promote({ model: 'm', version: 1, target: { kind: 'stage', stage: 'Production' } });
  await registry.setAlias('m', 'champion', 1);
  const p2 = await registry.promote({ model: 'm', version: 2, target: { kind: 'stage', stage: 'Production' }, archiveExisting: true });
  assert.deepEqual(p2.archived, [1]);
  assert.equal(registry.getVersion('m', 1).stage, 'Archived');
  assert.deepEqual(registry.show('m').aliases, {}, "the archived version's alias went with it");
  assert.deepEqual(registry.auditLog({ limit: 1 })[0]!.detail, { archived: [1], removedAliases: ['champion@v1'] });
  await assert.rejects(registry.setAlias('m', 'champion', 1), /archived version cannot take alias/);

  await assert.rejects(registry.delete('m', 2), /in Production; it cannot be deleted/);
  const del = await registry.delete('m', 3, { comment: 'bad build' });
  assert.deepEqual([del.action, del.version, del.detail.comment], ['delete', 3, 'bad build']);
  assert.equal((await registry.register({ model: 'm', path: 'm/c.bin' })).version.version, 4, 'numbers are never reused');
  await assert.rejects(registry.delete('m', 3), /m has no version 3/);

  const edit = await registry.update('m', 2, { description: 'winner', tags: { owner: 'risk', temp: 'x' } });
  assert.deepEqual(edit.to, { description: 'winner', tags: { owner: 'risk', temp: 'x' } });
  await registry.update('m', 2, { tags: { temp: null } });
  assert.deepEqual(registry.getVersion('m', 2).tags, { owner: 'risk' });
  await registry.update('m', null, { description: 'the churn model' });
  assert.equal(registry.show('m').description, 'the churn model');

  const generated = registry.getModelCard('m');
  assert.equal(generated.generated, true);
  assert.match(generated.markdown, /^# m\n\nthe churn model\n/);
  assert.match(generated.markdown, /## Version 2\n\n- Stage: Production/);
  await registry.setModelCard('m', '# Churn\n\nUse with care | really.');
  const card = registry.getModelCard('m');
  assert.deepEqual([card.generated, card.markdown, card.updatedBy], [false, '# Churn\n\nUse with care | really.', 'alice@example.com']);
  const cardEntry = registry.auditLog({ limit: 1 })[0]!;
  assert.deepEqual(cardEntry.detail.card, { sha256: createHash('sha256').update('# Churn\n\nUse with care | really.').digest('hex'), length: 32 }, 'the trail keeps the digest, not the text');
  const v = await registry.verifyAudit();
  assert.equal(v.ok, true);
  assert.equal(v.entries, registry.auditLog({ limit: 1000 }).length);
  assert.equal(readFileSync(path.join(root, '.mlops', 'audit.jsonl'), 'utf8').trim().split('\n').length, v.entries);
});

test('restoreArtifact: a missing cache object is an error that offers a pull; --pull fetches just that version from the remote', async () => {
  const remote = workspace();
  const root = workspace({ 'models/model.json': '{"v":1}', 'mlops.yaml': `version: 1\nremotes:\n  default: shared\n  shared: { url: ${remote}/store }\n` });
  const { registry } = await open(root);
  const v1 = (await registry.register({ model: 'm', path: 'models/model.json' })).version;
  write(root, 'models/model.json', '{"v":2}');
  await registry.register({ model: 'm', path: 'models/model.json' });

  // Restore v1 over the workspace copy (v2 is cached, so nothing is lost).
  const r = await registry.restoreArtifact('m', 1);
  assert.deepEqual([r.path, r.hash, r.written, r.pulled], ['models/model.json', v1.hash, 1, 0]);
  assert.equal(readFileSync(path.join(root, 'models/model.json'), 'utf8'), '{"v":1}');
  // Restore to another place: no pointer file is created for it.
  await registry.restoreArtifact('m', 1, { target: 'deploy/model.json' });
  assert.equal(readFileSync(path.join(root, 'deploy/model.json'), 'utf8'), '{"v":1}');
  assert.equal(existsSync(path.join(root, 'deploy/model.json.dvc')), false);

  const pushed = await registry.pushArtifacts();
  assert.deepEqual([pushed.transferred, pushed.failed], [2, []]);
  // This machine loses the object (a fresh clone, a gc elsewhere…).
  const { rmSync, readdirSync } = await import('node:fs');
  const cacheRoot = [path.join(root, '.mlops', 'cache'), path.join(root, '.dvc', 'cache')].find((d) => existsSync(d))!;
  const obj = path.join(cacheRoot, 'files', 'md5', v1.hash.slice(0, 2), v1.hash.slice(2));
  rmSync(obj, { force: true });
  assert.equal(await registry.availability('m', 1), 'missing');
  await assert.rejects(registry.restoreArtifact('m', 1, { target: 'deploy/again.json' }), (e: unknown) => {
    assert.ok(e instanceof MlopsError);
    assert.equal(e.code, 'not-found');
    assert.match(e.message, /content of m v1 .* is not in the local cache/);
    assert.match(e.hint!, /mlops models restore m 1 --pull/);
    return true;
  });
  const pulled = await registry.restoreArtifact('m', 1, { target: 'deploy/again.json', pull: true });
  assert.equal(pulled.pulled, 1);
  assert.equal(readFileSync(path.join(root, 'deploy/again.json'), 'utf8'), '{"v":1}');
  assert.ok(readdirSync(path.dirname(obj)).includes(v1.hash.slice(2)));
  assert.equal(registry.auditLog({ action: 'restore' }).length, 3);
});
