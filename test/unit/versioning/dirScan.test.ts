import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { fastDirInfo, hashPath, statEntries, treeFingerprint, walkTree } from '../../../src/engine/versioning/dirScan.ts';
import { buildManifest, dirInfo } from '../../../src/engine/versioning/manifest.ts';
import { Fingerprinter } from '../../../src/engine/versioning/statPool.ts';
import { StateCache } from '../../../src/engine/versioning/stateCache.ts';
import { tempDir, writeTree } from './helpers.ts';
import { makeWorkspace } from './workspace.ts';

test('fastDirInfo gives the same bytes and hash as dirInfo, and falls back when escaping is needed', () => {
  const names = ['a-c', 'a/b', 'a b', 'A', '~x', '#1', "it's", '$HOME', 'z.csv', 'a/b-c', 'a-/b', 'sub/dir/f', '0', '!', '{}', '[x]'];
  const entries = names.map((relpath, i) => ({ relpath, oid: `${String(i).padStart(2, '0')}${'f'.repeat(30)}`, size: i }));
  const fast = fastDirInfo(entries);
  const ref = dirInfo(entries);
  assert.equal(fast.oid, ref.oid);
  assert.deepEqual(fast.bytes, ref.bytes);
  assert.deepEqual(fast.entries.map((e) => e.relpath), ref.entries.map((e) => e.relpath));
  assert.equal(fast.size, ref.size);
  for (const tricky of ['quo"te', 'back\\slash', 'tab\there', 'café', 'emoji😀', 'del\x7f']) {
    const withIt = [...entries, { relpath: tricky, oid: 'e'.repeat(32), size: 1 }];
    assert.equal(fastDirInfo(withIt).oid, dirInfo(withIt).oid, tricky);
  }
  // C.2 vector through the fast path.
  assert.equal(fastDirInfo([
    { relpath: 'subdir/subfile', oid: '293b26bf46281c75310f75c336661a05', size: 7 },
    { relpath: 'file', oid: '8c7dd922ad47494fc02c388e12c00eac', size: 4 },
  ]).oid, 'b6dcab6ccd17ca0a8bf4a215a37d14cc.dir');
});

test('worker fingerprint equals the main-thread one, and changes with any stat identity', async () => {
  const root = await tempDir();
  const files: Record<string, string> = {};
  for (let i = 0; i < 9000; i++) files[`p${i % 30}/f${i}`] = `${i}`;
  await writeTree(root, files);
  const fingerprint = async (): Promise<string | undefined> => {
    const fp = new Fingerprinter(root);
    await walkTree(root, undefined, (e) => fp.add(e));
    return fp.finish();
  };
  const viaWorkers = await fingerprint();
  const { files: scanned, complete } = await statEntries(root, await walkTree(root));
  assert.equal(complete, true);
  assert.equal(viaWorkers, treeFingerprint(scanned), '9,000 entries go through the worker pool');
  assert.equal(await fingerprint(), viaWorkers, 'stable');
  const t = new Date(Date.now() - 5000);
  await fs.utimes(path.join(root, 'p7/f4507'), t, t);
  assert.notEqual(await fingerprint(), viaWorkers);
  // A link to a folder is skipped by the walk rules: the fingerprint gives up rather than guess.
  await fs.symlink(path.join(root, 'p1'), path.join(root, 'p2', 'link'));
  assert.equal(await fingerprint(), undefined);
});

test('hashPath matches buildManifest (links to files followed); broken links and nested .dvcignore refused', async () => {
  const ws = await makeWorkspace({ files: { 'data/d/a': 'a', 'data/d/sub/b': 'bb', 'data/target': 'tt' } });
  await fs.symlink(path.join(ws.root, 'data/target'), path.join(ws.root, 'data/d/link'));
  await fs.symlink(path.join(ws.root, 'data/d/sub'), path.join(ws.root, 'data/d/dirlink'));
  const d = path.join(ws.root, 'data/d');
  const state = new StateCache(ws.store);
  const h = await hashPath(d, state);
  const ref = await buildManifest(d);
  assert.equal(h?.oid, ref.oid);
  assert.equal(h?.kind === 'dir' && h.nfiles, 3);
  await fs.symlink(path.join(ws.root, 'nowhere'), path.join(ws.root, 'data/d/broken'));
  await assert.rejects(hashPath(d, new StateCache(ws.store)), (e) => isMlopsError(e) && /broken symbolic link/.test(e.message));
  await fs.rm(path.join(ws.root, 'data/d/broken'));
  await fs.writeFile(path.join(ws.root, 'data/d/sub/.dvcignore'), '*.tmp\n');
  await assert.rejects(hashPath(d, new StateCache(ws.store)), (e) => isMlopsError(e) && e.code === 'refused');
  assert.equal(await hashPath(path.join(ws.root, 'data/none'), state), undefined);
});
