import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { ObjectCache } from '../../../src/engine/versioning/cache.ts';
import type { Artifact } from '../../../src/engine/versioning/api.ts';
import { age, gitCommitAll, makeWorkspace, read, write } from './workspace.ts';

const FOO = 'acbd18db4cc2f85cedef654fccc4a4d8';
const DIR = 'b6dcab6ccd17ca0a8bf4a215a37d14cc.dir';

const byPath = (list: Artifact[], p: string): Artifact | undefined => list.find((a) => a.path === p);

test('add a file: pointer and .gitignore bytes exactly as DVC 3 writes them (C.1 foo)', async () => {
  const ws = await makeWorkspace({ files: { 'data/foo': 'foo' } });
  const r = await ws.v.add('data/foo', 'cli');
  assert.equal(r.changed, true);
  assert.equal(r.artifact.hash, FOO);
  assert.equal(await read(ws.root, 'data/foo.dvc'), `outs:\n- md5: ${FOO}\n  size: 3\n  hash: md5\n  path: foo\n`);
  assert.equal(await read(ws.root, 'data/.gitignore'), '/foo\n');
  assert.equal(ws.v.cacheDir, path.join(ws.root, '.mlops', 'cache'), 'not a DVC repo: our own cache');
  const obj = path.join(ws.v.cacheDir, 'files', 'md5', 'ac', FOO.slice(2));
  assert.equal(await fs.readFile(obj, 'utf8'), 'foo');
  assert.equal((await fs.stat(obj)).mode & 0o777, 0o444, 'cache objects are read-only');
  assert.equal(r.version.origin, 'cli');
  assert.equal(r.version.actor, 'tester@example.com');
});

test('add a folder: the b6dcab6c….dir vector, size 11, nfiles 2, manifest bytes in the cache', async () => {
  const ws = await makeWorkspace({ files: { 'data/dir/file': 'file', 'data/dir/subdir/subfile': 'subfile' } });
  const r = await ws.v.add('data/dir', 'command');
  assert.equal(r.artifact.kind, 'dir');
  assert.equal(await read(ws.root, 'data/dir.dvc'), `outs:\n- md5: ${DIR}\n  size: 11\n  nfiles: 2\n  hash: md5\n  path: dir\n`);
  assert.equal(
    await fs.readFile(new ObjectCache(ws.v.cacheDir).objectPath(DIR), 'utf8'),
    '[{"md5": "8c7dd922ad47494fc02c388e12c00eac", "relpath": "file"}, {"md5": "293b26bf46281c75310f75c336661a05", "relpath": "subdir/subfile"}]',
  );
  assert.equal(await read(ws.root, 'data/.gitignore'), '/dir\n');
});

test('.gitignore: appended after existing lines (missing final newline fixed), never duplicated', async () => {
  const ws = await makeWorkspace({ files: { 'data/a.csv': 'a', 'data/b.csv': 'b', 'data/.gitignore': '*.tmp' } });
  await ws.v.add('data/a.csv', 'cli');
  await ws.v.add('data/b.csv', 'cli');
  await write(ws.root, 'data/a.csv', 'a2');
  await ws.v.add('data/a.csv', 'cli');
  assert.equal(await read(ws.root, 'data/.gitignore'), '*.tmp\n/a.csv\n/b.csv\n');
});

test('re-adding keeps extra keys and comments of an existing pointer; unchanged content adds no version', async () => {
  const ws = await makeWorkspace({ files: { 'data/foo': 'foo' } });
  await write(ws.root, 'data/foo.dvc', `# our dataset\nouts:\n- md5: ${FOO}\n  size: 3\n  hash: md5\n  path: foo\n  desc: the foo data\n  remote: shared\nmeta:\n  owner: alice\n`);
  const first = await ws.v.add('data/foo', 'cli');
  assert.equal(first.changed, true, 'first version row');
  const again = await ws.v.add('data/foo', 'cli');
  assert.equal(again.changed, false);
  assert.equal(again.version.id, first.version.id);
  await write(ws.root, 'data/foo', 'bar');
  const third = await ws.v.add('data/foo', 'cli');
  assert.equal(third.changed, true);
  assert.equal(
    await read(ws.root, 'data/foo.dvc'),
    '# our dataset\nouts:\n- md5: 37b51d194a7513e45b56f6524f2d51f2\n  size: 3\n  hash: md5\n  path: foo\n  desc: the foo data\n  remote: shared\nmeta:\n  owner: alice\n',
  );
  assert.deepEqual(ws.v.history('data/foo').map((h) => h.hash), ['37b51d194a7513e45b56f6524f2d51f2', FOO]);
});

test('status transitions: up-to-date → modified → missing-workspace → missing-cache', async () => {
  const ws = await makeWorkspace({ files: { 'data/a.csv': 'x,y\n1,2\n', 'data/set/one': 'one', 'data/set/two': 'two' } });
  await ws.v.add('data/a.csv', 'cli');
  await ws.v.add('data/set', 'cli');
  let l = await ws.v.list();
  assert.deepEqual(l.artifacts.map((a) => [a.path, a.status]), [['data/a.csv', 'up-to-date'], ['data/set', 'up-to-date']]);
  assert.equal(byPath(l.artifacts, 'data/set')!.hash, '6b18131dc289fd37006705affe961ef8.dir', 'C.2 {one, two}');

  await write(ws.root, 'data/a.csv', 'x,y\n1,3\n');
  await write(ws.root, 'data/set/three', '3');
  l = await ws.v.list();
  assert.equal(byPath(l.artifacts, 'data/a.csv')!.status, 'modified');
  assert.equal(byPath(l.artifacts, 'data/set')!.status, 'modified');

  await fs.rm(path.join(ws.root, 'data/set/three'));
  await fs.rm(path.join(ws.root, 'data/a.csv'));
  l = await ws.v.list();
  assert.equal(byPath(l.artifacts, 'data/set')!.status, 'up-to-date', 'back to the recorded content');
  assert.equal(byPath(l.artifacts, 'data/a.csv')!.status, 'missing-workspace');

  await fs.rm(ws.v.cacheDir, { recursive: true });
  l = await ws.v.list();
  assert.equal(byPath(l.artifacts, 'data/a.csv')!.status, 'missing-cache');
  assert.equal(byPath(l.artifacts, 'data/set')!.status, 'missing-cache');
  assert.equal(byPath(l.artifacts, 'data/set')!.versionCount, 1);
});

test('warm status reads no file contents: every file answered by the state cache', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 200; i++) files[`data/many/f${i}.txt`] = `row ${i}\n`;
  const ws = await makeWorkspace({ files });
  await age(ws.root, 'data/many');
  await ws.v.add('data/many', 'cli');
  // A fresh engine (as after a restart): the folder is answered by its stat fingerprint alone.
  let fresh = ws.reopen();
  let l = await fresh.list();
  assert.equal(l.artifacts[0]!.status, 'up-to-date');
  assert.deepEqual([fresh.state.hits, fresh.state.misses], [0, 0], 'no per-file lookup, no read');
  // Without the folder fingerprint, every file is still answered by its own stat identity.
  ws.store.db.prepare("DELETE FROM meta WHERE key LIKE 'versioning.tree:%'").run();
  fresh = ws.reopen();
  l = await fresh.list();
  assert.equal(l.artifacts[0]!.status, 'up-to-date');
  assert.equal(fresh.state.misses, 0, 'no file needed hashing');
  assert.equal(fresh.state.hits, 200);
  // Same size, new content: mtime moves, so the file is hashed again and the change is seen.
  await write(ws.root, 'data/many/f7.txt', 'row X\n');
  await age(ws.root, 'data/many/f7.txt', 30);
  assert.equal((await fresh.list()).artifacts[0]!.status, 'modified');
});

test('an existing DVC repo: .dvc/cache is the shared cache; [cache] dir in config.local is honoured', async () => {
  const ws = await makeWorkspace({ dvc: true, files: { 'data/foo': 'foo' } });
  assert.equal(ws.v.cacheDir, path.join(ws.root, '.dvc', 'cache'));
  // An object DVC already has is not copied again, and status sees it.
  const dvcObj = path.join(ws.root, '.dvc', 'cache', 'files', 'md5', 'ac', FOO.slice(2));
  await fs.mkdir(path.dirname(dvcObj), { recursive: true });
  await fs.writeFile(dvcObj, 'foo', { mode: 0o444 });
  const r = await ws.v.add('data/foo', 'cli');
  assert.equal(r.artifact.status, 'up-to-date');
  assert.equal((await ws.v.list()).artifacts[0]!.status, 'up-to-date');

  await write(ws.root, '.dvc/config.local', '[cache]\n    dir = ../shared-cache\n');
  const v2 = ws.reopen();
  assert.equal(v2.cacheDir, path.join(ws.root, 'shared-cache'));
  assert.equal((await v2.list()).artifacts[0]!.status, 'missing-cache');
});

test('legacy DVC 2.x pointers (no hash key) use md5-dos2unix and the legacy cache path', async () => {
  const ws = await makeWorkspace({ dvc: true, files: { 'data/t.txt': 'a\r\nb\r\nc' } });
  await write(ws.root, 'data/t.txt.dvc', 'outs:\n- md5: c32b2057b9bd62caa835386346177935\n  size: 7\n  path: t.txt\n');
  let l = await ws.v.list();
  assert.equal(l.artifacts[0]!.algorithm, 'md5-dos2unix');
  assert.equal(l.artifacts[0]!.status, 'missing-cache');
  const legacy = path.join(ws.root, '.dvc', 'cache', 'c3', '2b2057b9bd62caa835386346177935');
  await fs.mkdir(path.dirname(legacy), { recursive: true });
  await fs.writeFile(legacy, 'a\r\nb\r\nc');
  l = await ws.v.list();
  assert.equal(l.artifacts[0]!.status, 'up-to-date');
});

test('malformed pointer: reported with file and line, the other artifacts still listed', async () => {
  const ws = await makeWorkspace({ files: { 'data/good': 'foo' } });
  await ws.v.add('data/good', 'cli');
  await write(ws.root, 'models/bad.dvc', 'outs:\n- md5: 123\n  path: bad\n  size: [\n');
  await write(ws.root, 'models/worse.dvc', 'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: -3\n  path: worse\n');
  const l = await ws.v.list();
  assert.deepEqual(l.artifacts.map((a) => a.path), ['data/good']);
  assert.equal(l.problems.length, 2);
  const worse = l.problems.find((p) => p.location?.file === 'models/worse.dvc')!;
  assert.equal(worse.location?.line, 3);
  assert.ok(worse.hint);
  const bad = l.problems.find((p) => p.location?.file === 'models/bad.dvc')!;
  assert.ok(bad.location?.line && bad.location.line >= 2, `line of the YAML error: ${bad.describe()}`);
});

test('refusals: outside the workspace, tool folders, metafiles, pipeline outputs, overlaps', async () => {
  const ws = await makeWorkspace({
    files: {
      'data/raw/x.csv': 'x', 'data/y.csv': 'y', 'prep/out.csv': 'o', 'prep/stage/a': 'a', '.mlops/junk': 'j',
      'dvc.yaml': 'stages:\n  prep:\n    cmd: cp data/y.csv prep/out.csv\n    deps: [data/y.csv]\n    outs: [prep/out.csv]\n',
      'dvc.lock': `schema: '2.0'\nstages:\n  other:\n    cmd: x\n    outs:\n    - path: prep/stage\n      hash: md5\n      md5: ${DIR}\n      size: 11\n      nfiles: 2\n`,
    },
  });
  const refused = async (p: string, re: RegExp): Promise<void> => {
    await assert.rejects(ws.v.add(p, 'cli'), (e) => isMlopsError(e) && e.code === 'refused' && re.test(e.message) && Boolean(e.hint), p);
  };
  await refused('../outside.csv', /outside the workspace/);
  await refused(path.join(ws.root, '..', 'x'), /outside the workspace/);
  await refused('.mlops/junk', /\.mlops/);
  await refused('.git/config', /\.git/);
  await refused('data/y.csv.dvc', /metafile/);
  await refused('dvc.yaml', /metafile/);
  await refused('prep/out.csv', /output of pipeline stage 'prep'/);
  await refused('prep/stage', /output of pipeline stage 'other'/);
  await refused('prep/stage/a', /inside the output prep\/stage/);
  await refused('prep', /containing the output/);
  await ws.v.add('data/raw', 'cli');
  await refused('data/raw/x.csv', /overlaps data\/raw/);
  await refused('data', /overlaps data\/raw/);
  await assert.rejects(ws.v.add('data/nothing', 'cli'), (e) => isMlopsError(e) && e.code === 'not-found');
  assert.equal(await fs.stat(path.join(ws.root, 'prep', 'out.csv.dvc')).catch(() => undefined), undefined, 'no pointer written');
});

test('lock-tracked outputs are listed with their stage, status from dvc.lock', async () => {
  const ws = await makeWorkspace({
    files: {
      'prep/stage/file': 'file', 'prep/stage/subdir/subfile': 'subfile',
      'dvc.lock': `schema: '2.0'\nstages:\n  other:\n    cmd: x\n    outs:\n    - path: prep/stage\n      hash: md5\n      md5: ${DIR}\n      size: 11\n      nfiles: 2\n`,
    },
  });
  const l = await ws.v.list();
  const a = byPath(l.artifacts, 'prep/stage')!;
  assert.equal(a.source, 'lock');
  assert.equal(a.stage, 'other');
  assert.equal(a.recordFile, 'dvc.lock');
  assert.equal(a.status, 'missing-cache', 'the workspace matches but the cache lacks the objects');
  await write(ws.root, 'prep/stage/file', 'changed');
  assert.equal(byPath((await ws.v.list()).artifacts, 'prep/stage')!.status, 'modified');
});

test('unitFor: tracked artifact, top-level entry under track.paths, exclusions', async () => {
  const ws = await makeWorkspace({
    config: 'version: 1\ntrack:\n  paths: [data, models]\n  ignore: ["*.tmp", "data/scratch"]\n',
    files: {
      'data/raw/x.csv': 'x', 'data/new.csv': 'n', 'data/scratch/a': 'a', 'models/m.pkl': 'm', 'other/tracked/f': 'f', 'prep/out.csv': 'o',
      'dvc.yaml': 'stages:\n  s:\n    cmd: c\n    outs: [data/pipe]\n',
    },
  });
  await ws.v.add('other/tracked', 'cli');
  const u = (p: string): string | undefined => ws.v.unitFor(path.join(ws.root, p));
  assert.equal(u('data/raw/x.csv'), 'data/raw');
  assert.equal(u('data/raw/deep/er/y.csv'), 'data/raw');
  assert.equal(u('data/new.csv'), 'data/new.csv');
  assert.equal(u('models/m.pkl'), 'models/m.pkl');
  assert.equal(u('other/tracked/f'), 'other/tracked', 'explicitly tracked outside track.paths');
  assert.equal(u('other/untracked'), undefined);
  assert.equal(u('data'), undefined, 'the track folder itself is not a unit');
  assert.equal(u('data/x.tmp'), undefined, 'ignore glob by name');
  assert.equal(u('data/scratch/a'), undefined, 'ignore glob by path');
  assert.equal(u('data/pipe/o.csv'), undefined, 'pipeline output (declared in dvc.yaml)');
  assert.equal(u('data/raw.dvc'), undefined);
  assert.equal(u('data/.gitignore'), undefined);
  assert.equal(u('data/.raw.1234.0a1b2c3d.tmp'), undefined, 'our temp copies');
  assert.equal(u('data/.raw.mlops-new/x.csv'), undefined, 'our swap staging');
  assert.equal(u('.mlops/mlops.db'), undefined);
  assert.equal(u('../elsewhere/data/x'), undefined);
});

test('untrack removes the pointer and the .gitignore line, keeps data and history; revisions lists commits', async () => {
  const ws = await makeWorkspace({ files: { 'data/foo': 'foo', 'data/bar': 'bar', 'README.md': 'hi' } });
  gitCommitAll(ws.root, 'initial');
  await ws.v.add('data/foo', 'cli');
  await ws.v.add('data/bar', 'cli');
  const c1 = gitCommitAll(ws.root, 'track foo and bar');
  await write(ws.root, 'README.md', 'changed');
  gitCommitAll(ws.root, 'docs only');
  const revs = await ws.v.revisions(10);
  assert.deepEqual(revs.map((r) => r.hash), [c1], 'only commits touching pointers');
  assert.equal(revs[0]!.message, 'track foo and bar');

  await ws.v.untrack('data/foo');
  assert.equal(await fs.stat(path.join(ws.root, 'data/foo.dvc')).catch(() => undefined), undefined);
  assert.equal(await read(ws.root, 'data/.gitignore'), '/bar\n');
  assert.equal(await read(ws.root, 'data/foo'), 'foo');
  assert.equal(ws.v.history('data/foo').length, 1);
  const rows = ws.store.db.prepare('SELECT path, untracked_at FROM artifacts ORDER BY path').all() as Array<{ path: string; untracked_at: string | null }>;
  assert.ok(rows.find((r) => r.path === 'data/foo')!.untracked_at);
  assert.equal(rows.find((r) => r.path === 'data/bar')!.untracked_at, null);
  assert.deepEqual((await ws.v.list()).artifacts.map((a) => a.path), ['data/bar']);
  await ws.v.untrack('data/bar');
  assert.equal(await fs.stat(path.join(ws.root, 'data/.gitignore')).catch(() => undefined), undefined, 'an emptied .gitignore goes');
  await assert.rejects(ws.v.untrack('data/bar'), (e) => isMlopsError(e) && e.code === 'not-found');
});

test('a version row records the git commit and whether tracked files were dirty', async () => {
  const ws = await makeWorkspace({ files: { 'data/foo': 'foo', 'README.md': 'x' } });
  const c = gitCommitAll(ws.root, 'initial');
  const r1 = await ws.v.add('data/foo', 'cli');
  assert.equal(r1.version.gitCommit, c);
  assert.equal(r1.version.gitDirty, false);
  await write(ws.root, 'README.md', 'edited');
  await write(ws.root, 'data/foo', 'foo2');
  const r2 = await ws.v.add('data/foo', 'cli');
  assert.equal(r2.version.gitDirty, true);
  const outside = await makeWorkspace({ git: false, files: { 'data/foo': 'foo' } });
  const r3 = await outside.v.add('data/foo', 'cli');
  assert.equal(r3.version.gitCommit, null);
  assert.equal(r3.version.gitDirty, null);
  assert.deepEqual(await outside.v.revisions(), []);
});
