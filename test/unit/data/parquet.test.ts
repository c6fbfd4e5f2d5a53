import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { openDataset } from '../../../src/engine/data/reader.ts';
import { profileFile } from '../../../src/engine/data/profile.ts';
import { fixture, mlopsErrorOf, rowsOf } from './helpers.ts';

const N = 2500;
const ids = Array.from({ length: N }, (_, i) => i);
const columnData: ColumnSource[] = [
  { name: 'id', data: ids, type: 'INT32' },
  { name: 'big', data: ids.map((i) => BigInt(i) * 1_000_000n), type: 'INT64' },
  { name: 'x', data: ids.map((i) => (i % 10 === 0 ? null : i / 4)), type: 'DOUBLE' },
  { name: 'label', data: ids.map((i) => (i % 7 === 0 ? null : ['cat', 'dog', 'émeu'][i % 3]!)), type: 'STRING' },
  { name: 'flag', data: ids.map((i) => (i % 11 === 0 ? null : i % 2 === 0)), type: 'BOOLEAN' },
  { name: 'at', data: ids.map((i) => new Date(Date.UTC(2024, 0, 1) + i * 3_600_000)), type: 'TIMESTAMP' },
  { name: 'payload', data: ids.map((i) => ({ n: i })), type: 'JSON' },
];

function expectedRow(i: number): unknown[] {
  return [
    i,
    i * 1_000_000,
    i % 10 === 0 ? null : i / 4,
    i % 7 === 0 ? null : ['cat', 'dog', 'émeu'][i % 3],
    i % 11 === 0 ? null : i % 2 === 0,
    new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
    JSON.stringify({ n: i }),
  ];
}

test('Parquet round trip: ints, bigints, doubles, strings, booleans, timestamps, JSON, with nulls, over several row groups', async () => {
  const file = fixture('t.parquet', new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 1000 })));
  const src = await openDataset(file, { batchSize: 600 });
  assert.deepEqual(Object.fromEntries(src.declaredTypes), { id: 'integer', big: 'integer', x: 'float', label: 'string', flag: 'boolean', at: 'datetime', payload: 'string' });
  const offsets: number[] = [];
  const rows: unknown[][] = [];
  for await (const b of src.batches()) {
    offsets.push(b.rowOffset);
    assert.equal(b.lines, undefined);
    for (let r = 0; r < b.rowCount; r++) rows.push(b.data.map((c) => c[r]));
  }
  // Batches never straddle a row group: 1000-row groups are cut at 600.
  assert.deepEqual(offsets, [0, 600, 1000, 1600, 2000]);
  assert.equal(rows.length, N);
  for (const i of [0, 1, 7, 10, 11, 999, 1000, 2499]) assert.deepEqual(rows[i], expectedRow(i), `row ${i}`);
  assert.equal(src.stats.rows, N);
});

test('compressed Parquet pages are decompressed (gzip via hyparquet-compressors)', async () => {
  const buf = parquetWriteBuffer({ columnData: columnData.slice(0, 4), codec: 'GZIP', compressors: { GZIP: (input: Uint8Array) => gzipSync(input) } });
  const { columns, rows } = await rowsOf(fixture('gz.parquet', new Uint8Array(buf)));
  assert.deepEqual(columns, ['id', 'big', 'x', 'label']);
  assert.deepEqual(rows[21], expectedRow(21).slice(0, 4));
});

test('profile of a Parquet file uses the declared types', async () => {
  const file = fixture('p.parquet', new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 1000 })));
  const { profile } = await profileFile(file);
  const col = (name: string) => profile.columns.find((c) => c.name === name)!;
  assert.equal(profile.rows, N);
  assert.equal(col('x').storageType, 'float');
  assert.equal(col('x').missing, N / 10);
  assert.equal(col('flag').storageType, 'boolean');
  assert.equal(col('at').storageType, 'datetime');
  assert.deepEqual(col('at').datetime, { min: '2024-01-01T00:00:00.000Z', max: new Date(Date.UTC(2024, 0, 1) + (N - 1) * 3_600_000).toISOString() });
  assert.equal(col('label').role, 'categorical');
  assert.equal(col('id').numeric!.max, N - 1);
});

test('a corrupt or truncated Parquet file is a format error naming the file', async () => {
  const good = new Uint8Array(parquetWriteBuffer({ columnData: columnData.slice(0, 3) }));
  const notParquet = fixture('text.parquet', 'id,x\n1,2\n');
  const e1 = await mlopsErrorOf(() => openDataset(notParquet));
  assert.equal(e1.code, 'format');
  assert.equal(e1.location?.file, notParquet);
  assert.match(e1.message, /not a readable Parquet file/);
  assert.ok(e1.message.includes(notParquet));

  const truncated = fixture('trunc.parquet', good.subarray(0, good.length - 10));
  assert.equal((await mlopsErrorOf(() => openDataset(truncated))).code, 'format');

  // Valid footer, garbage pages: the error comes while reading rows and still names the file.
  const damaged = good.slice();
  damaged.fill(0xff, 4, Math.min(200, damaged.length - 100));
  const file = fixture('damaged.parquet', damaged);
  const e3 = await mlopsErrorOf(() => rowsOf(file));
  assert.equal(e3.code, 'format');
  assert.equal(e3.location?.file, file);
  assert.match(e3.message, /row group 1/);

  assert.equal((await mlopsErrorOf(() => openDataset(fixture('empty.parquet', '')))).code, 'format');
});
