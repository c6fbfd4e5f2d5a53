import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { makeWorkspace, write } from './workspace.ts';

test('compare a CSV: rows, columns, schema changes and per-column statistics', async () => {
  const ws = await makeWorkspace({ files: { 'data/t.csv': 'id,price,city\n1,10,oslo\n2,20,rome\n3,30,oslo\n' } });
  const v1 = await ws.v.add('data/t.csv', 'cli');
  await write(ws.root, 'data/t.csv', 'id,price,country\n1,10.5,no\n2,20.5,it\n3,30.5,no\n4,40.5,fr\n');
  const v2 = await ws.v.add('data/t.csv', 'cli');
  const c = await ws.v.compare('data/t.csv', v1.version.hash, v2.version.hash);
  assert.equal(c.kind, 'table');
  if (c.kind !== 'table') return;
  assert.equal(c.format, 'csv');
  assert.deepEqual([c.left.rows, c.left.columns, c.right.rows, c.right.columns], [3, 3, 4, 3]);
  assert.equal(c.left.hash, v1.version.hash);
  const col = (n: string) => c.columns.find((x) => x.name === n)!;
  assert.equal(col('city').change, 'removed');
  assert.equal(col('country').change, 'added');
  assert.equal(col('price').change, 'type-changed');
  assert.deepEqual([col('price').leftType, col('price').rightType], ['integer', 'float']);
  assert.deepEqual(col('price').stats['mean'], [20, 25.5]);
  assert.deepEqual(col('id').stats['max'], [3, 4]);
  assert.equal(col('id').change, 'same');
  assert.ok(c.schemaChanges.includes('added column country (string)'), c.schemaChanges.join('; '));
  assert.ok(c.schemaChanges.some((s) => /price changed type integer → float/.test(s)));

  // The workspace as one side; short hashes work too.
  await write(ws.root, 'data/t.csv', 'id,price,country\n1,10.5,no\n');
  const w = await ws.v.compare('data/t.csv', v2.version.hash.slice(0, 8), 'workspace');
  assert.ok(w.kind === 'table' && w.right.label === 'workspace' && w.right.rows === 1 && w.left.rows === 4);
});

test('compare folders through their manifests: added, removed, changed with sizes', async () => {
  const ws = await makeWorkspace({ files: { 'data/d/same': 'same', 'data/d/gone': 'bye', 'data/d/sub/edit': 'old' } });
  const v1 = await ws.v.add('data/d', 'cli');
  await fs.rm(path.join(ws.root, 'data/d/gone'));
  await write(ws.root, 'data/d/sub/edit', 'newer');
  await write(ws.root, 'data/d/added', 'hello!');
  const v2 = await ws.v.add('data/d', 'cli');
  const c = await ws.v.compare('data/d', v1.version.hash, v2.version.hash);
  assert.equal(c.kind, 'dir');
  if (c.kind !== 'dir') return;
  assert.deepEqual(c.added, [{ relpath: 'added', rightHash: '5a8dd3ad0756a93ded72b823b19dd877', rightSize: 6 }]);
  assert.deepEqual(c.removed.map((d) => [d.relpath, d.leftSize]), [['gone', 3]]);
  assert.deepEqual(c.changed.map((d) => [d.relpath, d.leftSize, d.rightSize]), [['sub/edit', 3, 5]]);
  assert.equal(c.unchanged, 1);
  const back = await ws.v.compare('data/d', 'workspace', v1.version.hash);
  assert.ok(back.kind === 'dir' && back.added.length === 1 && back.removed.length === 1);
});

test('compare other files by size and hash; errors name what is missing', async () => {
  const ws = await makeWorkspace({ files: { 'models/m.bin': Buffer.from([1, 2, 3]) } });
  const v1 = await ws.v.add('models/m.bin', 'cli');
  await write(ws.root, 'models/m.bin', Buffer.from([1, 2, 3, 4, 5]));
  const c = await ws.v.compare('models/m.bin', v1.version.hash, 'workspace');
  assert.deepEqual(c, {
    kind: 'file',
    left: { label: v1.version.hash.slice(0, 8), hash: v1.version.hash, size: 3 },
    right: { label: 'workspace', hash: '7cfdd07889b3295d6a550914ab35e068', size: 5 },
  });
  await assert.rejects(ws.v.compare('models/m.bin', 'f'.repeat(32), 'workspace'), (e) => isMlopsError(e) && e.code === 'not-found' && /mlops pull/.test(e.hint!));
  await fs.rm(path.join(ws.root, 'models/m.bin'));
  await assert.rejects(ws.v.compare('models/m.bin', v1.version.hash, 'workspace'), (e) => isMlopsError(e) && /does not exist/.test(e.message));
});
