import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { gitCommitAll, makeWorkspace, read, write } from './workspace.ts';
import { readTree } from './helpers.ts';

test('restore round trip: older version back, pointer rewritten, restore row recorded', async () => {
  const ws = await makeWorkspace({ files: { 'data/a.csv': 'v1\n' } });
  const v1 = await ws.v.add('data/a.csv', 'cli');
  await write(ws.root, 'data/a.csv', 'v2 longer\n');
  const v2 = await ws.v.add('data/a.csv', 'cli');
  const r = await ws.v.restore('data/a.csv', v1.version.hash);
  assert.deepEqual(r, { path: 'data/a.csv', hash: v1.version.hash, written: 1 });
  assert.equal(await read(ws.root, 'data/a.csv'), 'v1\n');
  assert.match(await read(ws.root, 'data/a.csv.dvc'), new RegExp(`md5: ${v1.version.hash}\\n  size: 3\\n`));
  assert.equal((await fs.stat(path.join(ws.root, 'data/a.csv'))).mode & 0o200, 0o200, 'the workspace copy is writable');
  const h = ws.v.history('data/a.csv');
  assert.deepEqual(h.map((x) => [x.hash, x.origin]), [[v1.version.hash, 'restore'], [v2.version.hash, 'cli'], [v1.version.hash, 'cli']]);
  assert.equal((await ws.v.list()).artifacts[0]!.status, 'up-to-date');
  // A unique prefix of a recorded hash is enough.
  await ws.v.restore('data/a.csv', v2.version.hash.slice(0, 7));
  assert.equal(await read(ws.root, 'data/a.csv'), 'v2 longer\n');
});

test('restore refuses to overwrite content that is not in the cache, unless forced', async () => {
  const ws = await makeWorkspace({ files: { 'data/a.csv': 'v1\n', 'data/set/x': 'x1', 'data/set/y': 'y1' } });
  const v1 = await ws.v.add('data/a.csv', 'cli');
  const d1 = await ws.v.add('data/set', 'cli');
  await write(ws.root, 'data/a.csv', 'unsaved edits\n');
  await assert.rejects(ws.v.restore('data/a.csv', v1.version.hash), (e) => {
    assert.ok(isMlopsError(e));
    assert.equal(e.code, 'refused');
    assert.match(e.message, /data\/a\.csv/);
    assert.match(e.message, /14 bytes/);
    assert.match(e.hint!, /mlops add/);
    assert.match(e.hint!, /--force/);
    return true;
  });
  assert.equal(await read(ws.root, 'data/a.csv'), 'unsaved edits\n', 'nothing was touched');
  await ws.v.restore('data/a.csv', v1.version.hash, { force: true });
  assert.equal(await read(ws.root, 'data/a.csv'), 'v1\n');

  // Folders: refused when one file is unsaved; an added file whose content is cached is fine.
  await write(ws.root, 'data/set/x', 'x2 unsaved');
  await assert.rejects(ws.v.restore('data/set', d1.version.hash), (e) => isMlopsError(e) && e.code === 'refused' && /data\/set\/x/.test(e.message));
  await write(ws.root, 'data/set/x', 'x1');
  await write(ws.root, 'data/set/copy-of-y', 'y1');
  const r = await ws.v.restore('data/set', d1.version.hash);
  assert.equal(r.written, 2);
  assert.deepEqual(await readTree(path.join(ws.root, 'data/set')), { x: 'x1', y: 'y1' });
  const siblings = await fs.readdir(path.join(ws.root, 'data'));
  assert.deepEqual(siblings.filter((n) => n.startsWith('.set')), [], 'no staging folders left');
});

test('restore a folder version: tree swapped in whole, extra files gone', async () => {
  const ws = await makeWorkspace({ files: { 'data/set/a': 'a1', 'data/set/sub/b': 'b1' } });
  const d1 = await ws.v.add('data/set', 'cli');
  await fs.rm(path.join(ws.root, 'data/set/sub'), { recursive: true });
  await write(ws.root, 'data/set/c', 'c2');
  await write(ws.root, 'data/set/a', 'a2');
  const d2 = await ws.v.add('data/set', 'cli');
  await ws.v.restore('data/set', d1.version.hash);
  assert.deepEqual(await readTree(path.join(ws.root, 'data/set')), { a: 'a1', 'sub/b': 'b1' });
  await ws.v.restore('data/set', d2.version.hash);
  assert.deepEqual(await readTree(path.join(ws.root, 'data/set')), { a: 'a2', c: 'c2' });
});

test('a checkout killed between the two renames is rolled back by the next one', async () => {
  const ws = await makeWorkspace({ files: { 'data/set/a': 'a1' } });
  const d1 = await ws.v.add('data/set', 'cli');
  await write(ws.root, 'data/set/a', 'a2');
  await ws.v.add('data/set', 'cli');
  // State after `rename(target → .set.mlops-old)` and before `rename(.set.mlops-new → target)`.
  await fs.rename(path.join(ws.root, 'data/set'), path.join(ws.root, 'data/.set.mlops-old'));
  await fs.mkdir(path.join(ws.root, 'data/.set.mlops-new'));
  await write(ws.root, 'data/.set.mlops-new/a', 'a1');
  await ws.v.restore('data/set', d1.version.hash);
  assert.deepEqual(await readTree(path.join(ws.root, 'data/set')), { a: 'a1' });
  assert.deepEqual((await fs.readdir(path.join(ws.root, 'data'))).sort(), ['.gitignore', 'set', 'set.dvc']);
});

test('missing objects: restore fails with missing-cache, lists them, suggests mlops pull', async () => {
  const ws = await makeWorkspace({ files: { 'data/set/a': 'a1', 'data/set/b': 'b1' } });
  const d1 = await ws.v.add('data/set', 'cli');
  await fs.rm(path.join(ws.v.cacheDir, 'files', 'md5', '8a'), { recursive: true }); // md5('a1') = 8a8bb7cd…
  await fs.rm(path.join(ws.root, 'data/set'), { recursive: true });
  await assert.rejects(ws.v.restore('data/set', d1.version.hash), (e) => {
    assert.ok(isMlopsError(e));
    assert.match(e.message, /^missing-cache: 1 object/);
    assert.match(e.message, /data\/set\/a: 8a8bb7cd/);
    assert.match(e.hint!, /mlops pull/);
    return true;
  });
  await assert.rejects(ws.v.restore('data/set', 'ffff'), (e) => isMlopsError(e) && e.code === 'not-found' && /mlops log/.test(e.hint!));
});

test('checkoutRevision: every pointer as recorded at each of two commits', async () => {
  const ws = await makeWorkspace({ files: { 'data/a.csv': 'a1', 'data/set/x': 'x1', 'models/m.bin': Buffer.from([0, 1, 2]) } });
  await ws.v.add('data/a.csv', 'cli');
  await ws.v.add('data/set', 'cli');
  await ws.v.add('models/m.bin', 'cli');
  const c1 = gitCommitAll(ws.root, 'v1');
  await write(ws.root, 'data/a.csv', 'a2');
  await write(ws.root, 'data/set/y', 'y2');
  await fs.rm(path.join(ws.root, 'models/m.bin'));
  await ws.v.add('data/a.csv', 'cli');
  await ws.v.add('data/set', 'cli');
  const c2 = gitCommitAll(ws.root, 'v2');

  const back = await ws.v.checkoutRevision(c1);
  assert.deepEqual(back.map((r) => r.path).sort(), ['data/a.csv', 'data/set', 'models/m.bin']);
  assert.equal(await read(ws.root, 'data/a.csv'), 'a1');
  assert.deepEqual(await readTree(path.join(ws.root, 'data/set')), { x: 'x1' });
  assert.deepEqual([...(await fs.readFile(path.join(ws.root, 'models/m.bin')))], [0, 1, 2]);
  assert.equal((await ws.v.list()).artifacts.every((a) => a.status === 'up-to-date'), true, 'pointers follow the data');

  const fwd = await ws.v.checkoutRevision('HEAD');
  assert.equal(fwd.find((r) => r.path === 'models/m.bin')!.written, 0);
  assert.equal(await read(ws.root, 'data/a.csv'), 'a2');
  assert.deepEqual(await readTree(path.join(ws.root, 'data/set')), { x: 'x1', y: 'y2' });
  assert.equal(c2, (await ws.v.revisions(1))[0]!.hash);

  // Only some paths, and refusal before anything is written.
  await write(ws.root, 'data/a.csv', 'unsaved');
  await assert.rejects(ws.v.checkoutRevision(c1), (e) => isMlopsError(e) && e.code === 'refused');
  assert.deepEqual(await readTree(path.join(ws.root, 'data/set')), { x: 'x1', y: 'y2' }, 'all-or-nothing refusal');
  await ws.v.checkoutRevision(c1, { paths: ['data/set'] });
  assert.deepEqual(await readTree(path.join(ws.root, 'data/set')), { x: 'x1' });
  assert.equal(await read(ws.root, 'data/a.csv'), 'unsaved');
  await assert.rejects(ws.v.checkoutRevision('no-such-branch'), (e) => isMlopsError(e) && e.code === 'not-found');
});

test('checkoutRevision with objects missing lists them and suggests mlops pull', async () => {
  const ws = await makeWorkspace({ files: { 'data/a.csv': 'a1' } });
  await ws.v.add('data/a.csv', 'cli');
  const c1 = gitCommitAll(ws.root, 'v1');
  await fs.rm(ws.v.cacheDir, { recursive: true });
  await write(ws.root, 'data/a.csv', 'a2');
  await ws.v.add('data/a.csv', 'cli');
  await assert.rejects(ws.v.checkoutRevision(c1), (e) => isMlopsError(e) && /^missing-cache: 1 object/.test(e.message) && /data\/a\.csv/.test(e.message) && /mlops pull/.test(e.hint!));
  assert.equal(await read(ws.root, 'data/a.csv'), 'a2');
});

test('checkout of a lock-tracked output restores it without touching dvc.lock', async () => {
  const ws = await makeWorkspace({ files: { 'out/model.bin': 'weights-1' } });
  // Put the object in the cache as a pipeline run would, then record it in dvc.lock.
  const tmp = await makeWorkspace({ files: { 'w': 'weights-1' } });
  const r = await tmp.v.add('w', 'cli');
  await fs.cp(tmp.v.cacheDir, ws.v.cacheDir, { recursive: true });
  const lock = `schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    outs:\n    - path: out/model.bin\n      hash: md5\n      md5: ${r.version.hash}\n      size: 9\n`;
  await write(ws.root, 'dvc.lock', lock);
  await write(ws.root, 'out/model.bin', 'weights-2');
  await assert.rejects(ws.v.checkout(), (e) => isMlopsError(e) && e.code === 'refused');
  const res = await ws.v.checkout(['out/model.bin'], { force: true });
  assert.equal(res[0]!.written, 1);
  assert.equal(await read(ws.root, 'out/model.bin'), 'weights-1');
  assert.equal(await read(ws.root, 'dvc.lock'), lock);
  assert.equal(await fs.stat(path.join(ws.root, 'out/model.bin.dvc')).catch(() => undefined), undefined);
});
