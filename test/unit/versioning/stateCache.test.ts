import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StateCache } from '../../../src/engine/versioning/stateCache.ts';
import { hashPath } from '../../../src/engine/versioning/dirScan.ts';
import { md5Hex } from '../../../src/engine/versioning/hash.ts';
import { age, makeWorkspace, write } from './workspace.ts';

test('state cache: remembered across instances, keyed by inode/size/mtime, batched in one transaction', async () => {
  const ws = await makeWorkspace({ files: { 'data/a': 'aaa', 'data/b': 'bbb' } });
  await age(ws.root, 'data');
  const s1 = new StateCache(ws.store);
  const a = path.join(ws.root, 'data/a');
  assert.equal(await s1.hash(a), md5Hex('aaa'));
  assert.equal(s1.misses, 1);
  const rows = () => (ws.store.db.prepare('SELECT COUNT(*) AS n FROM file_state').get() as { n: number }).n;
  assert.equal(rows(), 0, 'not written until flushed');
  await s1.hash(path.join(ws.root, 'data/b'));
  let commits = 0;
  const realWrite = ws.store.write.bind(ws.store);
  ws.store.write = ((fn: Parameters<typeof realWrite>[0]) => { commits++; return realWrite(fn); }) as typeof ws.store.write;
  s1.flush();
  ws.store.write = realWrite;
  assert.equal(commits, 1, 'both rows in one transaction');
  assert.equal(rows(), 2);
  const stored = ws.store.db.prepare('SELECT mtime_ns FROM file_state WHERE path = ?').safeIntegers(true).get(a) as { mtime_ns: bigint };
  assert.equal(stored.mtime_ns, BigInt(Math.round((await fs.stat(a)).mtimeMs * 1e6)), 'mtime in integer nanoseconds, exact');

  const s2 = new StateCache(ws.store);
  assert.equal(await s2.hash(a), md5Hex('aaa'));
  assert.deepEqual([s2.hits, s2.misses], [1, 0], 'answered without reading');
  // Same size, different bytes, older mtime than "now" but not the remembered one: re-read.
  await write(ws.root, 'data/a', 'zzz');
  await age(ws.root, 'data/a', 30);
  assert.equal(await s2.hash(a), md5Hex('zzz'));
  // md5-dos2unix values never answer md5 questions (the table has no algorithm column).
  await write(ws.root, 'data/crlf', 'a\r\nb');
  await age(ws.root, 'data/crlf');
  const crlf = path.join(ws.root, 'data/crlf');
  assert.equal(await s2.hash(crlf, undefined, 'md5-dos2unix'), md5Hex('a\nb'));
  assert.equal(await s2.hash(crlf, undefined, 'md5'), md5Hex('a\r\nb'));
  s2.flush();
  assert.equal(await new StateCache(ws.store).hash(crlf, undefined, 'md5-dos2unix'), md5Hex('a\nb'));
});

test('freshly written files are not remembered (mtime granularity), and prune drops rows of deleted files', async () => {
  const ws = await makeWorkspace({ files: { 'data/new': 'n', 'data/old': 'o' } });
  await age(ws.root, 'data/old');
  const s = new StateCache(ws.store);
  const info = await hashPath(path.join(ws.root, 'data'), s);
  assert.equal(info?.kind, 'dir');
  const paths = (ws.store.db.prepare('SELECT path FROM file_state').all() as Array<{ path: string }>).map((r) => path.basename(r.path));
  assert.deepEqual(paths, ['old']);
  await fs.rm(path.join(ws.root, 'data/old'));
  assert.equal(await s.prune(), 1);
  assert.equal((ws.store.db.prepare('SELECT COUNT(*) AS n FROM file_state').get() as { n: number }).n, 0);
});
