import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { openDataset } from '../../../src/engine/data/reader.ts';
import { fixture, mlopsErrorOf, rowsOf, TINY_CHUNKS } from './helpers.ts';

const LINES = [
  '{"id": 1, "name": "a", "score": 0.5}',
  '',
  '{"id": 2, "tags": ["x", "y"], "meta": {"k": null}}',
  '{"name": "é😀", "id": 3, "score": null, "ok": true}\r',
  '   ',
  '{"id": 4}',
];

test('keys are unioned in order of first appearance; nested values become JSON text; missing keys are null', async () => {
  const file = fixture('rows.jsonl', `${LINES.join('\n')}\n`);
  for (const chunkSize of TINY_CHUNKS) {
    const { columns, rows } = await rowsOf(file, { chunkSize });
    assert.deepEqual(columns, ['id', 'name', 'score', 'tags', 'meta', 'ok'], `chunkSize ${chunkSize}`);
    assert.deepEqual(rows, [
      [1, 'a', 0.5, null, null, null],
      [2, null, null, '["x","y"]', '{"k":null}', null],
      [3, 'é😀', null, null, null, true],
      [4, null, null, null, null, null],
    ]);
  }
});

test('a column first seen in a later batch is appended; earlier batches keep their own column list', async () => {
  const file = fixture('late.ndjson', '{"a":1}\n{"a":2}\n{"a":3,"b":"x"}\n');
  const src = await openDataset(file, { batchSize: 2 });
  const seen: { columns: readonly string[]; data: unknown[][]; lines: number[] }[] = [];
  for await (const b of src.batches()) seen.push({ columns: b.columns, data: b.data, lines: [...b.lines!] });
  assert.deepEqual(seen, [
    { columns: ['a'], data: [[1, 2]], lines: [1, 2] },
    { columns: ['a', 'b'], data: [[3], ['x']], lines: [3] },
  ]);
});

test('a malformed line is an error with file and line; onBadRow: skip counts it instead', async () => {
  const file = fixture('bad.jsonl', '{"a":1}\n\n{"a":2,}\n[1,2]\n{"a":3}\n');
  const err = await mlopsErrorOf(() => rowsOf(file, { chunkSize: 3 }));
  assert.equal(err.code, 'format');
  assert.deepEqual(err.location, { file, line: 3 });
  assert.match(err.message, /not valid JSON/);
  const src = await openDataset(file, { onBadRow: 'skip' });
  const values: unknown[] = [];
  for await (const b of src.batches()) values.push(...b.data[0]!);
  assert.deepEqual(values, [1, 3]);
  assert.equal(src.stats.skippedRows, 2);
  assert.deepEqual(src.stats.badRows.map((b) => [b.line, /array/.test(b.reason)]), [[3, false], [4, true]]);
});

test('a truncated last line fails by default and is ignored with tolerateTruncatedTail', async () => {
  const file = fixture('tail.jsonl', '{"a":1}\n{"a":2}\n{"a":3, "b": "unfini');
  const err = await mlopsErrorOf(() => rowsOf(file));
  assert.equal(err.location?.line, 3);
  assert.match(err.hint!, /tolerateTruncatedTail/);
  const src = await openDataset(file, { tolerateTruncatedTail: true, chunkSize: 5 });
  const values: unknown[] = [];
  for await (const b of src.batches()) values.push(...b.data[0]!);
  assert.deepEqual(values, [1, 2]);
  assert.equal(src.stats.truncatedTail, true);
  // A complete last line without a newline is a row, not a truncated tail.
  assert.deepEqual((await rowsOf(fixture('nonl.jsonl', '{"a":1}\n{"a":2}'), { tolerateTruncatedTail: true })).rows, [[1], [2]]);
  // Only the LAST line may be incomplete.
  const middle = await mlopsErrorOf(() => rowsOf(fixture('mid.jsonl', '{"a":1\n{"a":2}\n'), { tolerateTruncatedTail: true }));
  assert.equal(middle.location?.line, 1);
});

test('a long line spanning many chunks is joined once', async () => {
  const text = 'x'.repeat(2_000_000);
  const file = fixture('longline.jsonl', `{"a":1}\n${JSON.stringify({ a: 2, t: text })}\n{"a":3}\n`);
  const { rows } = await rowsOf(file, { chunkSize: 4096 });
  assert.deepEqual(rows.map((r) => r[0]), [1, 2, 3]);
  assert.equal(rows[1]![1], text);
});

test('gzip JSONL; a single JSON array is not mistaken for JSON Lines', async () => {
  const file = fixture('rows.jsonl.gz', gzipSync(`${LINES.join('\n')}\n`));
  assert.equal((await rowsOf(file, { chunkSize: 9 })).rows.length, 4);
  const array = fixture('array.jsonl', '[\n{"a": 1},\n{"a": 2}\n]\n');
  const err = await mlopsErrorOf(() => rowsOf(array));
  assert.equal(err.location?.line, 1);
  const long = fixture('long.jsonl', `[${'{"a":1},'.repeat(2000)}{"a":1}]`);
  const bounded = await mlopsErrorOf(() => rowsOf(long, { chunkSize: 1024, maxRecordBytes: 4096 }));
  assert.match(bounded.hint!, /one object per line/);
});
