import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { StateCacheHasher, DefaultHasher } from '../../../src/engine/pipeline/hasher.ts';
import { StateCache } from '../../../src/engine/versioning/stateCache.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { tempDir } from '../helpers/tmp.ts';

test('the state-cache hasher gives the same answers as reading every byte, and reads unchanged files only once', async () => {
  const root = tempDir();
  mkdirSync(path.join(root, 'd/subdir'), { recursive: true });
  writeFileSync(path.join(root, 'd/file'), 'file');
  writeFileSync(path.join(root, 'd/subdir/subfile'), 'subfile');
  writeFileSync(path.join(root, 'foo'), 'foo');
  // Files written this very moment are "racy" (a same-tick rewrite keeps their stat): age them.
  const past = new Date(Date.now() - 60_000);
  for (const f of ['d/file', 'd/subdir/subfile', 'foo']) utimesSync(path.join(root, f), past, past);
  const store = Store.open(root, { origin: 'test' });
  try {
    const state = new StateCache(store);
    let reads = 0;
    const counting = { hash: (abs: string, st?: import('node:fs').Stats, alg?: 'md5' | 'md5-dos2unix') => { if (!st || !state.get(abs, st, alg)) reads++; return state.hash(abs, st, alg); }, flush: () => state.flush() };
    const h = new StateCacheHasher(counting);
    const dflt = new DefaultHasher();
    for (const p of ['d', 'foo']) assert.deepEqual(await h.hashPath(path.join(root, p)), await dflt.hashPath(path.join(root, p)));
    assert.equal((await h.hashPath(path.join(root, 'd')))!.hash, 'b6dcab6ccd17ca0a8bf4a215a37d14cc.dir');
    assert.equal(reads, 3, 'each file read once');
    await h.hashPath(path.join(root, 'd'));
    await h.hashPath(path.join(root, 'foo'));
    assert.equal(reads, 3, 'unchanged files are not read again');
    assert.equal(await h.hashPath(path.join(root, 'missing')), null);
  } finally {
    store.close();
  }
});
