import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { CsvParser } from '../../../src/engine/data/csv.ts';
import { canonicalNumber } from '../../../src/engine/data/infer.ts';
import { openDataset } from '../../../src/engine/data/reader.ts';
import { fixture, mlopsErrorOf, rowsOf, TINY_CHUNKS } from './helpers.ts';

const TRICKY = [
  '\uFEFFid,name,note\r\n',
  '1,"Smith, John","said ""hi"""\r\n',
  '2,plain,"line one\r\nline two"\r\n',
  '3,"",\r\n',
  '4,"é ✓ 😀",NA\r\n',
  '5,a"b,"x,""y"",z"', // no newline at the end
].join('');

const TRICKY_ROWS = [
  [1, 'Smith, John', 'said "hi"'],
  [2, 'plain', 'line one\r\nline two'],
  [3, null, null],
  [4, 'é ✓ 😀', null],
  [5, 'a"b', 'x,"y",z'],
];

test('RFC 4180: quotes, escaped quotes, embedded delimiters and CRLF newlines, BOM, unicode', async () => {
  const file = fixture('tricky.csv', TRICKY);
  const { columns, rows } = await rowsOf(file);
  assert.deepEqual(columns, ['id', 'name', 'note']);
  assert.deepEqual(rows, TRICKY_ROWS);
});

test('every chunk boundary (fields, quotes, "" escapes, CRLF and UTF-8 sequences split) gives the same rows', async () => {
  const file = fixture('tricky.csv', TRICKY);
  for (const chunkSize of TINY_CHUNKS) {
    for (const batchSize of [1, 2, 100]) {
      const { columns, rows } = await rowsOf(file, { chunkSize, batchSize });
      assert.deepEqual(columns, ['id', 'name', 'note'], `chunkSize ${chunkSize}`);
      assert.deepEqual(rows, TRICKY_ROWS, `chunkSize ${chunkSize}, batchSize ${batchSize}`);
    }
  }
});

test('the parser gives the same rows however its text is cut', () => {
  const text = TRICKY.slice(1);
  const whole = parseAll([text]);
  for (let cut = 0; cut <= text.length; cut++) assert.deepEqual(parseAll([text.slice(0, cut), text.slice(cut)]), whole, `cut at ${cut}`);
});

function parseAll(pieces: string[]): unknown[][] {
  const p = new CsvParser('mem.csv', { batchSize: 2 });
  const rows: unknown[][] = [];
  const take = (b: { rowCount: number; data: unknown[][] }) => {
    for (let r = 0; r < b.rowCount; r++) rows.push(b.data.map((c) => c[r]));
  };
  for (const piece of pieces) {
    p.push(piece);
    for (let b = p.next(); b; b = p.next()) take(b);
  }
  for (const b of p.end()) take(b);
  return rows;
}

test('LF, CRLF and CR line ends; blank lines skipped but counted for line numbers', async () => {
  for (const nl of ['\n', '\r\n', '\r']) {
    const file = fixture('ends.csv', ['a,b', '1,x', '', '2,y', ''].join(nl));
    for (const chunkSize of TINY_CHUNKS) {
      const src = await openDataset(file, { chunkSize });
      const got: unknown[][] = [];
      for await (const b of src.batches()) for (let r = 0; r < b.rowCount; r++) got.push([b.lines![r], b.data[0]![r], b.data[1]![r]]);
      assert.deepEqual(got, [[2, 1, 'x'], [4, 2, 'y']], `${JSON.stringify(nl)}, chunkSize ${chunkSize}`);
    }
  }
});

test('TSV by extension; delimiter option; missing-value tokens are configurable', async () => {
  const tsv = fixture('t.tsv', 'a\tb\n1,5\tNA\n');
  assert.deepEqual((await rowsOf(tsv)).rows, [['1,5', null]]);
  const semi = fixture('s.csv', 'a;b\n-;x\n');
  assert.deepEqual((await rowsOf(semi, { delimiter: ';', missingValues: ['-'] })).rows, [[null, 'x']]);
  const keep = fixture('k.csv', 'a,b\n,NA\n');
  assert.deepEqual((await rowsOf(keep, { missingValues: [] })).rows, [['', 'NA']]);
  for (const token of ['', 'NA', 'N/A', 'null', 'NaN', 'nan']) {
    assert.deepEqual((await rowsOf(fixture('m.csv', `a,b\n${token},1\n`))).rows, [[null, 1]], JSON.stringify(token));
  }
  const numeric = fixture('n.csv', 'a\n-999\n5\n');
  assert.deepEqual((await rowsOf(numeric, { missingValues: ['-999'] })).rows, [[null], [5]]);
});

test('numbers are recognised only in canonical form, so String(value) gives the field back', async () => {
  const cases: [string, number | undefined][] = [
    ['0', 0], ['12', 12], ['-7', -7], ['0.5', 0.5], ['-0.25', -0.25], ['123456789012345', 123456789012345], ['0.000001', 0.000001],
    ['007', undefined], ['1.0', undefined], ['1.', undefined], ['.5', undefined], ['+1', undefined], ['-0', undefined], ['1e3', undefined],
    ['1234567890123456', undefined], ['0.0000001', undefined], [' 1', undefined], ['0x10', undefined], ['', undefined], ['-', undefined],
  ];
  for (const [text, want] of cases) assert.equal(canonicalNumber(text), want, text);
  const file = fixture('nums.csv', `v\n${cases.map(([t]) => (t === '' ? '""' : t)).join('\n')}\n`);
  const { rows } = await rowsOf(file, { missingValues: [] });
  assert.deepEqual(rows.map((r) => r[0]), cases.map(([t, n]) => n ?? t));
  for (const [text] of cases) if (text !== '') assert.equal(String(rows[cases.findIndex(([t]) => t === text)]![0]), text);
  assert.deepEqual((await rowsOf(fixture('q.csv', 'v\n"12"\n'))).rows, [['12']], 'quoted numbers stay text');
  assert.deepEqual((await rowsOf(file, { parseNumbers: false, missingValues: [] })).rows.map((r) => r[0]), cases.map(([t]) => t));
});

test('a ragged row is an error naming the file and the physical line it starts on', async () => {
  // Line 3 holds a quoted field with two embedded newlines, so the bad row starts on line 6.
  const file = fixture('ragged.csv', 'a,b,c\n1,2,3\n4,"x\ny\nz",6\n7,8\n9,10,11\n');
  for (const chunkSize of [2, 1024]) {
    const err = await mlopsErrorOf(() => rowsOf(file, { chunkSize }));
    assert.equal(err.code, 'format');
    assert.deepEqual(err.location, { file, line: 6 });
    assert.match(err.message, /2 fields but the header has 3/);
    assert.match(err.hint!, /onBadRow: skip/);
    assert.match(err.describe(), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6: `));
  }
  const tooMany = await mlopsErrorOf(() => rowsOf(fixture('many.csv', 'a,b\n1,2\n3,4,5\n')));
  assert.equal(tooMany.location?.line, 3);
  assert.match(tooMany.message, /3 fields/);
});

test('onBadRow: skip counts and reports ragged rows instead of failing', async () => {
  const file = fixture('skip.csv', 'a,b\n1,2\n3\n4,5\n6,7,8\n9,10\n');
  const src = await openDataset(file, { onBadRow: 'skip', batchSize: 2 });
  const rows: unknown[][] = [];
  const offsets: number[] = [];
  for await (const b of src.batches()) {
    offsets.push(b.rowOffset);
    for (let r = 0; r < b.rowCount; r++) rows.push([b.data[0]![r], b.data[1]![r]]);
  }
  assert.deepEqual(rows, [[1, 2], [4, 5], [9, 10]]);
  assert.deepEqual(offsets, [0, 2]);
  assert.equal(src.stats.rows, 3);
  assert.equal(src.stats.skippedRows, 2);
  assert.deepEqual(src.stats.badRows.map((b) => b.line), [3, 5]);
});

test('an unclosed quote is reported at the line it opens, and a runaway record is bounded', async () => {
  const file = fixture('open.csv', 'a,b\n1,2\n3,"never closed\n4,5\n');
  const err = await mlopsErrorOf(() => rowsOf(file, { chunkSize: 4 }));
  assert.equal(err.location?.line, 3);
  assert.match(err.message, /never closed/);
  const big = fixture('runaway.csv', `a\n"${'x\n'.repeat(5000)}`);
  const bounded = await mlopsErrorOf(() => rowsOf(big, { chunkSize: 512, maxRecordBytes: 1000 }));
  assert.equal(bounded.location?.line, 2);
});

test('a long quoted field (beyond the re-parse threshold) spanning many chunks is read whole, in linear time', async () => {
  const big = 'word, "quoted"\n'.repeat(100_000); // 1.6 MB with 100,000 embedded newlines
  const file = fixture('long.csv', `a,b\n1,"${big.replaceAll('"', '""')}"\n2,x\n3,y,z\n`);
  const err = await mlopsErrorOf(() => rowsOf(file, { chunkSize: 4096 }));
  assert.equal(err.location?.line, 100_004, 'line numbers count the embedded newlines');
  const { rows } = await rowsOf(file, { chunkSize: 4096, onBadRow: 'skip' });
  assert.deepEqual(rows.map((r) => r[0]), [1, 2]);
  assert.equal(rows[0]![1], big);
  assert.equal(rows[1]![1], 'x');
});

test('header edge cases: empty file, header only, duplicate and empty names, no header', async () => {
  assert.deepEqual(await rowsOf(fixture('empty.csv', '')), { columns: [], rows: [] });
  assert.deepEqual(await rowsOf(fixture('h.csv', 'a,b\n')), { columns: ['a', 'b'], rows: [] });
  const src = await openDataset(fixture('dup.csv', 'a,a,,a\n1,2,3,4\n'));
  for await (const b of src.batches()) assert.deepEqual(b.columns, ['a', 'a.1', 'Unnamed: 2', 'a.2']);
  assert.equal(src.stats.warnings.length, 3);
  assert.deepEqual(await rowsOf(fixture('nh.csv', 'NA,x\n2,y\n'), { header: false }), { columns: ['column_1', 'column_2'], rows: [[null, 'x'], [2, 'y']] });
  assert.deepEqual((await rowsOf(fixture('nh1.csv', '7,x\n'), { header: false })).rows, [[7, 'x']], 'numbers in the first row too');
});

test('gzip-compressed CSV streams through zlib; corrupt gzip is a clear error', async () => {
  const file = fixture('data.csv.gz', gzipSync(TRICKY));
  assert.deepEqual((await rowsOf(file, { chunkSize: 7 })).rows, TRICKY_ROWS);
  const bad = fixture('bad.csv.gz', Buffer.concat([gzipSync(TRICKY).subarray(0, 20)]));
  const err = await mlopsErrorOf(() => rowsOf(bad));
  assert.equal(err.code, 'format');
  assert.equal(err.location?.file, bad);
});

test('opening: unknown extension, missing file and directory are usage errors', async () => {
  assert.equal((await mlopsErrorOf(() => openDataset(fixture('x.xlsx', '')))).code, 'usage');
  const missing = await mlopsErrorOf(() => openDataset('/nonexistent/dir/data.csv'));
  assert.equal(missing.code, 'not-found');
  assert.match(missing.message, /data\.csv/);
  assert.equal((await mlopsErrorOf(() => openDataset('/tmp', { format: 'csv' }))).code, 'usage');
});
