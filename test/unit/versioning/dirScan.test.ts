import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { fastDirInfo, hashPath, statEntries, treeFingerprint, walkTree } from '../../../src/engine/versioning/dirScan.ts';
import { buildManifest, dirInfo } from '../../../src/engine/versioning/manifest.ts';
import { fingerprintTree } from '../../../src/engine/versioning/statPool.ts';
import { StateCache } from '../../../src/engine/versioning/stateCache.ts';
import { tempDir, writeTree } from './helpers.ts';
import { age, makeWorkspace } from './workspace.ts';

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

test('worker fingerprint equals the main-thread one and the full scan\'s, and changes with any stat identity', async () => {
  const root = await tempDir();
  const files: Record<string, string> = {};
  for (let i = 0; i < 3000; i++) files[`p${i % 30}/q${i % 3}/f${i}`] = `${i}`;
  // One flat folder over two chunks, so its parts are shared out as well; and files at the top.
  for (let i = 0; i < 2100; i++) files[`flat/g${i}`] = `${i}`;
  files['top.txt'] = 'top';
  await writeTree(root, files);
  const viaWorkers = await fingerprintTree(root, { parallel: true });
  const here = await fingerprintTree(root);
  const { files: scanned, complete } = await statEntries(root, await walkTree(root));
  assert.equal(complete, true);
  assert.ok(viaWorkers);
  assert.equal(viaWorkers, here, 'the worker pool and this thread give the same fingerprint');
  assert.equal(viaWorkers, treeFingerprint(scanned), 'and so does the full scan');
  assert.equal(await fingerprintTree(root, { parallel: true }), viaWorkers, 'stable');
  // Several at once (status checks artifacts concurrently): each worker takes up the next shared
  // list when free, and a list this thread finished alone is answered without it.
  const together = await Promise.all([root, path.join(root, 'flat'), path.join(root, 'p5'), root].map((r) => fingerprintTree(r, { parallel: true })));
  const oneByOne = [];
  for (const r of [root, path.join(root, 'flat'), path.join(root, 'p5'), root]) oneByOne.push(await fingerprintTree(r));
  assert.deepEqual(together, oneByOne);
  assert.equal(new Set(together).size, 3);
  for (const parallel of [true, false]) {
    const changed = async (what: string, change: () => Promise<void>): Promise<void> => {
      const before = await fingerprintTree(root, { parallel });
      await change();
      const after = await fingerprintTree(root, { parallel });
      assert.ok(after, what);
      assert.notEqual(after, before, `${what} (parallel: ${parallel})`);
      assert.equal(after, treeFingerprint((await statEntries(root, await walkTree(root))).files), what);
    };
    const t = new Date(Date.now() - 5000);
    await changed('mtime', () => fs.utimes(path.join(root, 'p7/q1/f2707'), t, t));
    await changed('a file in a big folder', () => fs.utimes(path.join(root, 'flat/g2090'), t, t));
    await changed('a new file', () => fs.writeFile(path.join(root, `p3/new-${parallel}`), 'x'));
    await changed('a removed file', () => fs.rm(path.join(root, `p3/new-${parallel}`)));
    await changed('a top-level file', () => fs.writeFile(path.join(root, 'top.txt'), 'TOP!'));
  }
  // A link to a folder is skipped by the walk rules: the fingerprint gives up rather than guess.
  await fs.symlink(path.join(root, 'p1'), path.join(root, 'p2', 'link'));
  assert.equal(await fingerprintTree(root, { parallel: true }), undefined);
  assert.equal(await fingerprintTree(root), undefined);
  await fs.rm(path.join(root, 'p2', 'link'));
  await fs.writeFile(path.join(root, 'p4', '.dvcignore'), '*.tmp\n');
  assert.equal(await fingerprintTree(root, { parallel: true }), undefined, 'nested .dvcignore: the full path reports it');
});

test('the folder shortcut sees a rewrite with the same size whose mtime differs only in nanoseconds', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 50; i++) files[`data/d/s${i % 5}/f${i}.txt`] = `row ${i}\n`;
  const ws = await makeWorkspace({ files });
  await age(ws.root, 'data/d');
  const d = path.join(ws.root, 'data/d');
  const f = path.join(d, 's3/f13.txt');
  // Same second, different nanoseconds: a second-granular comparison would call this unchanged.
  execFileSync('touch', ['-d', '2020-01-02 03:04:05.100000000', f]);
  const state = new StateCache(ws.store);
  const first = await hashPath(d, state);
  assert.ok(first && first.kind === 'dir');
  assert.ok(state.treeGet(d, 'md5'), 'the folder fingerprint was stored');
  const before = await fs.stat(f);
  await fs.writeFile(f, 'row XY\n');
  execFileSync('touch', ['-d', '2020-01-02 03:04:05.600000000', f]);
  const after = await fs.stat(f);
  assert.equal(after.size, before.size);
  assert.equal(after.ino, before.ino);
  assert.equal(Math.floor(after.mtimeMs / 1000), Math.floor(before.mtimeMs / 1000), 'same mtime second');
  const fresh = new StateCache(ws.store); // as a new process sees it: fingerprint from the store
  const second = await hashPath(d, fresh);
  assert.notEqual(second?.oid, first.oid, 'the changed file is seen');
  assert.equal(second?.oid, (await buildManifest(d)).oid);
  assert.equal(fresh.hits, 49, 'every other file answered by its stat identity, only the changed one read');
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
