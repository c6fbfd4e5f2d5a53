import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { md5Hex } from '../../../src/engine/versioning/hash.ts';
import { gitCommitAll, makeWorkspace, write } from './workspace.ts';

async function objectNames(cacheDir: string): Promise<string[]> {
  const root = path.join(cacheDir, 'files', 'md5');
  const out: string[] = [];
  for (const p of await fs.readdir(root).catch(() => [] as string[])) {
    for (const r of await fs.readdir(path.join(root, p)).catch(() => [] as string[])) out.push(p + r);
  }
  return out.sort();
}

test('gc: a dry run lists, the real run removes only what nothing refers to', async () => {
  const ws = await makeWorkspace({ files: { 'data/keep.csv': 'keep', 'data/set/a': 'a', 'data/set/b': 'b', 'data/old': 'old-1' } });
  await ws.v.add('data/keep.csv', 'cli');
  await ws.v.add('data/set', 'cli');
  await ws.v.add('data/old', 'cli');
  await write(ws.root, 'data/old', 'old-2');
  await ws.v.add('data/old', 'cli');
  // Orphans: an object nobody recorded, and a stale temp of a killed copy.
  const orphan = md5Hex('orphan');
  const orphanFile = ws.v.cache.objectPath(orphan);
  await fs.mkdir(path.dirname(orphanFile), { recursive: true });
  await fs.writeFile(orphanFile, 'orphan', { mode: 0o444 });
  const staleTmp = path.join(ws.v.cache.layoutRoot(), '.tmp-99999-0123456789ab');
  await fs.writeFile(staleTmp, 'half');
  const old = new Date(Date.now() - 2 * 3600_000);
  await fs.utimes(staleTmp, old, old);
  const freshTmp = path.join(ws.v.cache.layoutRoot(), '.tmp-99998-0123456789ab');
  await fs.writeFile(freshTmp, 'in progress');
  const before = await objectNames(ws.v.cacheDir);

  const dry = await ws.v.gc({ dryRun: true });
  assert.equal(dry.dryRun, true);
  assert.deepEqual(dry.removed.map((r) => r.oid).sort(), ['.tmp-99999-0123456789ab', orphan].sort());
  assert.equal(dry.bytes, 6 + 4);
  assert.deepEqual(await objectNames(ws.v.cacheDir), before, 'a dry run removes nothing');

  const real = await ws.v.gc({ dryRun: false });
  assert.deepEqual(real.removed.map((r) => r.oid).sort(), dry.removed.map((r) => r.oid).sort());
  const after = await objectNames(ws.v.cacheDir);
  assert.equal(after.includes(orphan), false);
  assert.ok(after.includes(md5Hex('old-1')), 'an older version stays: its history row refers to it');
  assert.ok(after.includes(md5Hex('a')) && after.includes(md5Hex('b')), 'entries of a kept folder stay');
  assert.equal(real.kept, after.length);
  assert.equal(await fs.stat(freshTmp).then(() => true), true, 'a temp of a running copy stays');
  assert.equal(await fs.stat(staleTmp).catch(() => undefined), undefined);

  // Once no row, pointer or lock names a version, it goes.
  ws.store.db.prepare("DELETE FROM versions WHERE path = 'data/old'").run();
  const second = await ws.v.gc({ dryRun: false });
  assert.deepEqual(second.removed.map((r) => r.oid), [md5Hex('old-1')], 'the pointer still names old-2');
  assert.equal((await ws.v.list()).artifacts.every((a) => a.status === 'up-to-date'), true);
});

test('gc keeps objects named only by dvc.lock, and refuses to run while a pointer is unreadable', async () => {
  const ws = await makeWorkspace({ files: { 'w': 'weights' } });
  const r = await ws.v.add('w', 'cli');
  await ws.v.untrack('w');
  ws.store.db.prepare('DELETE FROM versions').run();
  await write(ws.root, 'dvc.lock', `schema: '2.0'\nstages:\n  t:\n    cmd: c\n    outs:\n    - path: w\n      hash: md5\n      md5: ${r.version.hash}\n      size: 7\n`);
  assert.deepEqual((await ws.v.gc({ dryRun: true })).removed, []);
  await write(ws.root, 'data/broken.dvc', 'outs: [\n');
  await assert.rejects(ws.v.gc({ dryRun: false }), (e) => isMlopsError(e) && e.code === 'refused' && /data\/broken\.dvc/.test(e.hint!));
  await fs.rm(path.join(ws.root, 'dvc.lock'));
  await fs.rm(path.join(ws.root, 'data/broken.dvc'));
  assert.deepEqual((await ws.v.gc({ dryRun: false })).removed.map((x) => x.oid), [r.version.hash]);
});

test('gc keeps what any git commit records (the cache may be DVC\'s, shared by every branch)', async () => {
  const ws = await makeWorkspace({ files: { 'data/a.csv': 'v1', 'data/set/x': 'x1' } });
  await ws.v.add('data/a.csv', 'cli');
  await ws.v.add('data/set', 'cli');
  gitCommitAll(ws.root, 'v1');
  await write(ws.root, 'data/a.csv', 'v2');
  await write(ws.root, 'data/set/x', 'x2');
  await ws.v.add('data/a.csv', 'cli');
  await ws.v.add('data/set', 'cli');
  ws.store.db.prepare('DELETE FROM versions').run();
  assert.deepEqual((await ws.v.gc({ dryRun: false })).removed, [], 'v1 objects are named by the committed pointers');
  assert.ok(await ws.v.hasComplete(md5Hex('v1'), 'md5'));
  await ws.v.checkoutRevision('HEAD');
  assert.equal(await fs.readFile(path.join(ws.root, 'data/a.csv'), 'utf8'), 'v1');
});
