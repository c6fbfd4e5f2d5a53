import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { ObjectCache } from '../../../src/engine/versioning/cache.ts';
import { md5Hex } from '../../../src/engine/versioning/hash.ts';
import { readTree, tempDir, writeTree } from './helpers.ts';

const FOO = 'acbd18db4cc2f85cedef654fccc4a4d8';
const posix = process.platform !== 'win32';

async function setup() {
  const root = await tempDir();
  const cache = new ObjectCache(path.join(root, '.dvc', 'cache'));
  const ws = path.join(root, 'ws');
  await fs.mkdir(ws);
  return { root, cache, ws };
}

async function modeOf(p: string): Promise<number> {
  return (await fs.stat(p)).mode & 0o777;
}

test('A.7: object paths for the DVC 3 and the legacy layouts', () => {
  const cache = new ObjectCache('/c');
  assert.equal(cache.objectPath(FOO), path.resolve('/c/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8'));
  assert.equal(cache.objectPath(`${FOO}.dir`), path.resolve('/c/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8.dir'));
  assert.equal(cache.objectPath(FOO, 'md5-dos2unix'), path.resolve('/c/ac/bd18db4cc2f85cedef654fccc4a4d8'));
  for (const bad of ['ACBD18DB4CC2F85CEDEF654FCCC4A4D8', '../../etc/passwd', 'acbd', `${FOO}.tar`]) {
    assert.throws(() => cache.objectPath(bad), (e) => isMlopsError(e) && e.code === 'format', bad);
  }
});

test('put copies in, names by md5, makes the object read-only, leaves no temp files', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { foo: 'foo' });
  const r = await cache.put(path.join(ws, 'foo'));
  assert.deepEqual(r, { oid: FOO, size: 3, added: true });
  const obj = cache.objectPath(FOO);
  assert.equal(await fs.readFile(obj, 'utf8'), 'foo');
  if (posix) assert.equal(await modeOf(obj), 0o444);
  assert.equal(await cache.has(FOO), true);
  assert.equal(await cache.verify(FOO), 'ok');
  const again = await cache.put(path.join(ws, 'foo'));
  assert.equal(again.added, false);
  const rootEntries = await fs.readdir(cache.layoutRoot());
  assert.deepEqual(rootEntries, ['ac']);
  assert.equal(await fs.readFile(path.join(ws, 'foo'), 'utf8'), 'foo', 'the workspace file is untouched');
});

test('put with a known oid skips present objects and rejects content that does not match', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { foo: 'foo', bar: 'bar' });
  await assert.rejects(
    cache.put(path.join(ws, 'bar'), { oid: FOO }),
    (e) => isMlopsError(e) && e.code === 'integrity',
  );
  assert.equal(await cache.has(FOO), false, 'nothing published under a wrong name');
  assert.deepEqual((await fs.readdir(cache.layoutRoot())).filter((n) => n.startsWith('.')), []);
  assert.equal((await cache.put(path.join(ws, 'foo'), { oid: FOO })).added, true);
  assert.equal((await cache.put(path.join(ws, 'bar'), { oid: FOO })).added, false, 'present: trusted without reading');
  await assert.rejects(cache.put(path.join(ws, 'missing')), (e) => isMlopsError(e) && e.code === 'not-found');
});

test('legacy layout: md5-dos2unix names, raw bytes stored', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { t: 'a\r\nb\r\nc' });
  const r = await cache.put(path.join(ws, 't'), { algorithm: 'md5-dos2unix' });
  assert.equal(r.oid, 'c32b2057b9bd62caa835386346177935');
  const obj = cache.objectPath(r.oid, 'md5-dos2unix');
  assert.equal(obj, path.join(cache.root, 'c3', '2b2057b9bd62caa835386346177935'));
  assert.equal(await fs.readFile(obj, 'utf8'), 'a\r\nb\r\nc');
  assert.equal(await cache.verify(r.oid, 'md5-dos2unix'), 'ok');
  assert.equal(await cache.verify(r.oid, 'md5'), 'missing', 'layouts do not mix');
});

test('legacy objects written under the per-chunk dos2unix rule (dvc-data >= 1.0) also verify', async () => {
  const { cache, ws } = await setup();
  // 1 MiB of binary, then text with CRLF: only the per-chunk rule converts the second chunk.
  const data = Buffer.concat([Buffer.alloc(1048576, 0), Buffer.from('x\r\ny\r\n')]);
  await writeTree(ws, { big: data });
  const perChunk = md5Hex(Buffer.concat([data.subarray(0, 1048576), Buffer.from('x\ny\n')]));
  assert.notEqual(perChunk, md5Hex(data));
  const r = await cache.put(path.join(ws, 'big'), { algorithm: 'md5-dos2unix', oid: perChunk });
  assert.equal(r.added, true);
  assert.equal(await cache.verify(perChunk, 'md5-dos2unix'), 'ok');
  assert.equal((await cache.put(path.join(ws, 'big'), { algorithm: 'md5-dos2unix' })).oid, md5Hex(data), 'new hashes use the 2.x per-file rule');
});

test('verify detects a corrupted object and a missing one', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { foo: 'foo' });
  await cache.put(path.join(ws, 'foo'));
  const obj = cache.objectPath(FOO);
  await fs.chmod(obj, 0o644);
  await fs.writeFile(obj, 'fo0');
  assert.equal(await cache.verify(FOO), 'corrupt');
  await fs.rm(obj);
  assert.equal(await cache.verify(FOO), 'missing');
});

test('putDir stores every file and the manifest (C.2 b6dcab6c), all read-only', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { 'dir/file': 'file', 'dir/subdir/subfile': 'subfile' });
  const info = await cache.putDir(path.join(ws, 'dir'));
  assert.deepEqual([info.oid, info.size, info.nfiles, info.added], ['b6dcab6ccd17ca0a8bf4a215a37d14cc.dir', 11, 2, 3]);
  const manifest = cache.objectPath(info.oid);
  assert.equal(
    await fs.readFile(manifest, 'utf8'),
    '[{"md5": "8c7dd922ad47494fc02c388e12c00eac", "relpath": "file"}, {"md5": "293b26bf46281c75310f75c336661a05", "relpath": "subdir/subfile"}]',
  );
  for (const oid of [info.oid, '8c7dd922ad47494fc02c388e12c00eac', '293b26bf46281c75310f75c336661a05']) {
    assert.equal(await cache.verify(oid), 'ok', oid);
    if (posix) assert.equal(await modeOf(cache.objectPath(oid)), 0o444);
  }
  assert.equal((await cache.putDir(path.join(ws, 'dir'))).added, 0);
  assert.deepEqual(await cache.readManifest(info.oid), [
    { relpath: 'file', oid: '8c7dd922ad47494fc02c388e12c00eac' },
    { relpath: 'subdir/subfile', oid: '293b26bf46281c75310f75c336661a05' },
  ]);
});

test('putDir with a state-cache hasher still verifies what was copied', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { 'd/foo': 'foo' });
  const info = await cache.putDir(path.join(ws, 'd'), { knownHash: async () => FOO });
  assert.equal(info.entries[0]!.oid, FOO);
  await assert.rejects(
    cache.putDir(path.join(ws, 'd'), { knownHash: async () => '37b51d194a7513e45b56f6524f2d51f2' }),
    (e) => isMlopsError(e) && e.code === 'integrity',
  );
});

test('putDir refuses a file that changed between the walk and the copy', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { 'd/grows': 'foo' });
  const knownHash = async (abs: string): Promise<string> => {
    await fs.appendFile(abs, 'more');
    return md5Hex('foomore');
  };
  await assert.rejects(cache.putDir(path.join(ws, 'd'), { knownHash }), (e) => isMlopsError(e) && e.code === 'integrity' && /changed/.test(e.message));
});

test('checkout of a file: writable copy, atomic replace, isexec, and a missing object', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { foo: 'foo' });
  await cache.put(path.join(ws, 'foo'));
  const target = path.join(ws, 'out', 'foo');
  await cache.checkout(FOO, target);
  assert.equal(await fs.readFile(target, 'utf8'), 'foo');
  if (posix) assert.equal(await modeOf(target), 0o644);
  await fs.writeFile(target, 'edited');
  await cache.checkout(FOO, target, { isexec: true, verify: true });
  assert.equal(await fs.readFile(target, 'utf8'), 'foo');
  if (posix) assert.equal(await modeOf(target), 0o755);
  assert.deepEqual(await fs.readdir(path.dirname(target)), ['foo'], 'no temp files left');
  await assert.rejects(
    cache.checkout('37b51d194a7513e45b56f6524f2d51f2', path.join(ws, 'bar')),
    (e) => isMlopsError(e) && e.code === 'not-found' && /pull/.test(e.hint ?? ''),
  );
  await fs.access(path.join(ws, 'bar')).then(() => assert.fail('nothing created'), () => undefined);
});

test('checkout with verify refuses a corrupted object and keeps the workspace file', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { foo: 'foo', keep: 'mine' });
  await cache.put(path.join(ws, 'foo'));
  const obj = cache.objectPath(FOO);
  await fs.chmod(obj, 0o644);
  await fs.writeFile(obj, 'bad');
  await assert.rejects(cache.checkout(FOO, path.join(ws, 'keep'), { verify: true }), (e) => isMlopsError(e) && e.code === 'integrity');
  assert.equal(await fs.readFile(path.join(ws, 'keep'), 'utf8'), 'mine');
});

test('checkout of a directory round-trips and replaces the old tree entirely', async () => {
  const { cache, ws } = await setup();
  const files = { 'a-c': '1', 'a/b': '2', 'é/😀': 'smile', 'deep/er/x': randomBytes(3 << 20).toString('base64') };
  await writeTree(ws, Object.fromEntries(Object.entries(files).map(([k, v]) => [`src/${k}`, v])));
  const info = await cache.putDir(path.join(ws, 'src'));
  const target = path.join(ws, 'restored');
  await writeTree(target, { stale: 'old', 'a/b': 'old' });
  await cache.checkout(info.oid, target, { verify: true });
  assert.deepEqual(await readTree(target), files);
  if (posix) assert.equal(await modeOf(path.join(target, 'a', 'b')), 0o644);
  assert.deepEqual((await fs.readdir(ws)).sort(), ['restored', 'src'], 'no temp siblings left');
  // The restored tree hashes to the same manifest.
  assert.equal((await cache.putDir(target)).oid, info.oid);
  // A file in the way of a directory checkout is replaced too.
  const fileInWay = path.join(ws, 'was-a-file');
  await fs.writeFile(fileInWay, 'x');
  await cache.checkout(info.oid, fileInWay);
  assert.deepEqual(await readTree(fileInWay), files);
});

test('a directory checkout with a missing file object fails without touching the target', async () => {
  const { cache, ws } = await setup();
  await writeTree(ws, { 'src/a': 'a', 'src/b': 'b' });
  const info = await cache.putDir(path.join(ws, 'src'));
  await fs.rm(cache.objectPath(md5Hex('b')), { force: true });
  const target = path.join(ws, 'target');
  await writeTree(target, { mine: 'keep' });
  await assert.rejects(cache.checkout(info.oid, target), (e) => isMlopsError(e) && e.code === 'not-found');
  assert.deepEqual(await readTree(target), { mine: 'keep' });
  assert.deepEqual((await fs.readdir(ws)).sort(), ['src', 'target']);
});

test('a crafted manifest with an escaping relpath is refused before anything is written', async () => {
  const { cache, ws } = await setup();
  const bytes = Buffer.from(JSON.stringify([{ md5: FOO, relpath: '../escape' }]));
  const { oid } = await cache.putManifest(bytes);
  await assert.rejects(cache.checkout(oid, path.join(ws, 'd')), (e) => isMlopsError(e) && e.code === 'refused');
  assert.deepEqual(await fs.readdir(ws), []);
});
