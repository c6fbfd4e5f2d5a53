import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import type { TransferProgress } from '../../../src/engine/versioning/api.ts';
import { LocalRemote, resolveRemote } from '../../../src/engine/versioning/remote.ts';
import { loadConfig } from '../../../src/engine/config/config.ts';
import { tempDir, readTree } from './helpers.ts';
import { makeWorkspace, read, verifyCacheObjects, write } from './workspace.ts';

const FOO = 'acbd18db4cc2f85cedef654fccc4a4d8';

async function pair() {
  const remoteDir = await tempDir('mlops-remote-');
  const config = `version: 1\nremotes:\n  default: shared\n  shared: { url: ${remoteDir} }\n`;
  const a = await makeWorkspace({ config, files: { 'data/foo': 'foo', 'data/set/one': 'one', 'data/set/two': 'two' } });
  const b = await makeWorkspace({ config });
  return { remoteDir, a, b };
}

test('push to a folder remote in DVC layout, status, then pull into a fresh clone', async () => {
  const { remoteDir, a, b } = await pair();
  await a.v.add('data/foo', 'cli');
  await a.v.add('data/set', 'cli');
  let st = await a.v.remoteStatus();
  assert.deepEqual(st, { remote: 'shared', url: remoteDir, missingOnRemote: 4, missingLocally: 0, inSync: 0 });
  const progress: TransferProgress[] = [];
  const pushed = await a.v.push(undefined, { onProgress: (p) => progress.push(p) });
  assert.deepEqual({ ...pushed, failed: pushed.failed }, { transferred: 4, skipped: 0, failed: [], bytes: 3 + 3 + 3 + 126 }, 'three files and a 126-byte manifest');
  assert.equal(progress.at(-1)!.done, 4);
  assert.equal(await fs.readFile(path.join(remoteDir, 'files', 'md5', 'ac', FOO.slice(2)), 'utf8'), 'foo', 'A.7 remote layout');
  assert.ok(await new LocalRemote('x', remoteDir).has('6b18131dc289fd37006705affe961ef8.dir', 'md5'));
  st = await a.v.remoteStatus();
  assert.equal(st.inSync, 4);
  assert.equal(st.missingOnRemote, 0);
  const again = await a.v.push();
  assert.equal(again.skipped, 4);
  assert.equal(again.transferred, 0);

  // Clone: pointers come through git; data through the remote.
  for (const f of ['data/foo.dvc', 'data/set.dvc']) await write(b.root, f, await read(a.root, f));
  let sb = await b.v.remoteStatus();
  assert.equal(sb.missingLocally, 4);
  assert.equal((await b.v.list()).artifacts.every((x) => x.status === 'missing-cache'), true);
  const pulled = await b.v.pull();
  assert.equal(pulled.transferred, 4);
  assert.deepEqual(pulled.failed, []);
  assert.equal(await read(b.root, 'data/foo'), 'foo');
  assert.deepEqual(await readTree(path.join(b.root, 'data/set')), { one: 'one', two: 'two' });
  assert.equal((await b.v.list()).artifacts.every((x) => x.status === 'up-to-date'), true);
  sb = await b.v.remoteStatus();
  assert.equal(sb.inSync, 4);
  assert.deepEqual((await verifyCacheObjects(b.v.cacheDir)).corrupt, []);
});

test('a corrupted remote object is detected on pull and never enters the cache', async () => {
  const { remoteDir, a, b } = await pair();
  await a.v.add('data/set', 'cli');
  await a.v.push();
  const one = path.join(remoteDir, 'files', 'md5', 'f9', '7c5d29941bfb1b2fdab0874906ab82');
  await fs.chmod(one, 0o644);
  await fs.writeFile(one, 'bit rot');
  await write(b.root, 'data/set.dvc', await read(a.root, 'data/set.dvc'));
  const r = await b.v.pull();
  assert.equal(r.failed.length, 1);
  assert.equal(r.failed[0]!.oid, 'f97c5d29941bfb1b2fdab0874906ab82');
  assert.match(r.failed[0]!.error, /corrupt/);
  assert.equal(await b.v.cache.has('f97c5d29941bfb1b2fdab0874906ab82'), false);
  assert.equal(await fs.stat(path.join(b.root, 'data/set')).catch(() => undefined), undefined, 'an incomplete folder is not checked out');
  const leftovers = (await fs.readdir(b.v.cache.layoutRoot())).filter((n) => n.startsWith('.tmp-'));
  assert.deepEqual(leftovers, []);
  assert.deepEqual((await verifyCacheObjects(b.v.cacheDir)).corrupt, []);
  // The same check guards pushes: a damaged local object is not uploaded.
  const c = await makeWorkspace({ config: `remotes:\n  r: { url: ${await tempDir('mlops-remote-')} }\n`, files: { 'data/x': 'foo' } });
  await c.v.add('data/x', 'cli');
  const obj = c.v.cache.objectPath(FOO);
  await fs.chmod(obj, 0o644);
  await fs.writeFile(obj, 'fox');
  const p = await c.v.push('r');
  assert.equal(p.failed.length, 1);
  assert.match(p.failed[0]!.error, /corrupt/);
});

test('transfers are cancellable mid-way and leave no partial objects behind', async () => {
  const { remoteDir, a } = await pair();
  for (let i = 0; i < 40; i++) await write(a.root, `data/many/f${i}`, `content ${i}`);
  await a.v.add('data/many', 'cli');
  const ac = new AbortController();
  await assert.rejects(
    a.v.push(undefined, { signal: ac.signal, onProgress: (p) => { if (p.done >= 3) ac.abort(); } }),
    (e) => (e as Error).name === 'AbortError',
  );
  const remote = new LocalRemote('shared', remoteDir);
  const there = await remote.list('md5');
  assert.ok(there.size >= 3 && there.size < 41, `stopped part-way (${there.size} objects)`);
  assert.equal(there.has((await a.v.list()).artifacts[0]!.hash!), false, 'the manifest travels last');
  const temps = Object.keys(await readTree(remoteDir)).filter((p) => path.basename(p).startsWith('.tmp-'));
  assert.deepEqual(temps, []);
  const done = await a.v.push();
  assert.equal(done.transferred + done.skipped, 41);
  assert.deepEqual(done.failed, []);
});

test('remote configuration: mlops.yaml, .dvc/config fallback, unsupported schemes, none', async () => {
  const root = await tempDir();
  await fs.mkdir(path.join(root, '.dvc'));
  await fs.writeFile(path.join(root, '.dvc', 'config'), `[core]\n    remote = store\n['remote "store"']\n    url = ../dvc-store\n['remote "s3"']\n    url = s3://bucket/path\n`);
  const cfg = loadConfig(root);
  const r = resolveRemote(root, cfg);
  assert.equal(r.name, 'store');
  assert.equal((r as LocalRemote).dir, path.join(root, 'dvc-store'), 'relative to .dvc/, as DVC resolves it');
  assert.throws(() => resolveRemote(root, cfg, 's3'), (e) => isMlopsError(e) && e.code === 'config' && /s3:\/\/, which is not supported yet/.test(e.message));
  assert.throws(() => resolveRemote(root, cfg, 'nope'), (e) => isMlopsError(e) && /unknown remote 'nope'/.test(e.message) && /store/.test(e.hint!));
  const bare = await tempDir();
  assert.throws(() => resolveRemote(bare, loadConfig(bare)), (e) => isMlopsError(e) && /no remote is configured/.test(e.message) && /remotes:/.test(e.hint!));
  await fs.writeFile(path.join(root, 'mlops.yaml'), 'remotes:\n  default: mine\n  mine: { url: "file:///srv/cache" }\n');
  const m = resolveRemote(root, loadConfig(root));
  assert.equal(m.name, 'mine');
  assert.equal((m as LocalRemote).dir, '/srv/cache');
});
