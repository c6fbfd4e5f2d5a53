import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { computeDriftReport, parseDriftSection } from '../../../src/engine/monitoring/index.ts';
import type { ColumnReport, DriftReportDocument } from '../../../src/engine/monitoring/index.ts';
import { MlopsError } from '../../../src/engine/errors.ts';
import { REFERENCE, csv } from './helpers.ts';
import { seededRandom } from '../../../src/engine/data/hashing.ts';
import { tempDir } from '../helpers/tmp.ts';

const col = (doc: DriftReportDocument, name: string): ColumnReport => {
  const c = doc.columns.find((x) => x.name === name);
  assert.ok(c, `column ${name} is in the report`);
  return c;
};

/** 300 rows: x numeric, g categorical, k a well-behaved control column. */
function dataset(dir: string, name: string, seed: number, edit: (row: Array<string | number>, i: number) => void = () => {}, header = ['x', 'g', 'k']): string {
  const r = seededRandom(seed);
  const rows = Array.from({ length: 300 }, (_, i) => {
    const row: Array<string | number> = [(r() * 100).toFixed(3), ['a', 'b', 'c'][Math.floor(r() * 3)]!, (r() * 5).toFixed(2)];
    edit(row, i);
    return row;
  });
  return csv(dir, name, header, rows);
}

test('columns present on one side only are reported as added / removed, the rest is compared', async () => {
  const dir = tempDir();
  const ref = dataset(dir, 'ref.csv', 1);
  const cur = dataset(dir, 'cur.csv', 2, () => {}, ['x', 'h', 'k']);
  const doc = await computeDriftReport(ref, cur);
  assert.equal(col(doc, 'g').status, 'removed');
  assert.match(col(doc, 'g').message!, /missing from the current data/);
  assert.equal(col(doc, 'h').status, 'added');
  assert.deepEqual(doc.summary.removedColumns, ['g']);
  assert.deepEqual(doc.summary.addedColumns, ['h']);
  assert.deepEqual(doc.columns.map((c) => c.name), ['x', 'g', 'k', 'h']);
  assert.equal(col(doc, 'x').status, 'ok');
  assert.equal(col(doc, 'k').status, 'ok');
  assert.equal(doc.summary.scoredColumns, 2);
});

test('an empty current file (zero bytes) gives a clear report-level note and a status per reference column', async () => {
  const dir = tempDir();
  const ref = dataset(dir, 'ref.csv', 1);
  const empty = path.join(dir, 'empty.csv');
  writeFileSync(empty, '');
  const doc = await computeDriftReport(ref, empty);
  assert.ok(doc.notes.some((n) => /current file is empty/.test(n)), doc.notes.join('\n'));
  assert.deepEqual(doc.columns.map((c) => [c.name, c.status]), [['x', 'insufficient-data'], ['g', 'insufficient-data'], ['k', 'insufficient-data']]);
  assert.equal(doc.summary.datasetDrift, false);
  assert.equal(doc.summary.headline, 'No column could be tested — dataset drift: NO');
  const both = await computeDriftReport(empty, empty);
  assert.equal(both.columns.length, 0);
  assert.equal(both.notes.length, 2);
});

test('a header-only file says "no rows" per column', async () => {
  const dir = tempDir();
  const ref = dataset(dir, 'ref.csv', 1);
  const cur = csv(dir, 'header.csv', ['x', 'g', 'k'], []);
  const doc = await computeDriftReport(ref, cur);
  for (const c of doc.columns) {
    assert.equal(c.status, 'insufficient-data');
    assert.match(c.message!, /current data has no rows/);
  }
});

test('an all-missing column is insufficient data with a missing-share signal; the other columns are scored', async () => {
  const dir = tempDir();
  const ref = dataset(dir, 'ref.csv', 1);
  const cur = dataset(dir, 'cur.csv', 2, (row) => (row[0] = ''));
  const doc = await computeDriftReport(ref, cur);
  const x = col(doc, 'x');
  assert.equal(x.status, 'insufficient-data');
  assert.match(x.message!, /all 300 values missing/);
  assert.equal(x.missing.reference, 0);
  assert.equal(x.missing.current, 1);
  assert.equal(x.missing.changed, true);
  assert.deepEqual(doc.summary.missingChanged, ['x']);
  assert.equal(col(doc, 'g').status, 'ok');
  assert.equal(col(doc, 'k').status, 'ok');
  assert.ok(doc.summary.notScored.some((n) => n.column === 'x'));
});

test('a constant column is scored: unchanged → no drift, a different constant → drift', async () => {
  const dir = tempDir();
  const ref = dataset(dir, 'ref.csv', 1, (row) => (row[2] = '2.5'));
  const same = dataset(dir, 'same.csv', 2, (row) => (row[2] = '2.5'));
  const other = dataset(dir, 'other.csv', 3, (row) => (row[2] = '3.5'));
  const a = col(await computeDriftReport(ref, same), 'k');
  assert.equal(a.status, 'ok');
  assert.equal(a.drifted, false);
  assert.equal(a.test, 'z');
  assert.equal(a.score, 1);
  const b = col(await computeDriftReport(ref, other), 'k');
  assert.equal(b.status, 'ok');
  assert.equal(b.drifted, true);
});

test('a few non-numeric values in a numeric column are left out and located; many are a type mismatch', async () => {
  const dir = tempDir();
  const ref = dataset(dir, 'ref.csv', 1);
  const few = dataset(dir, 'few.csv', 2, (row, i) => {
    if (i === 10 || i === 20) row[0] = 'oops';
  });
  const a = col(await computeDriftReport(ref, few), 'x');
  assert.equal(a.status, 'ok');
  assert.equal(a.invalid?.current?.count, 2);
  assert.equal(a.invalid?.current?.firstLine, 12); // header + 11 rows
  assert.equal(a.nCurrent, 298);
  assert.match(a.message!, /2 current value\(s\) are not numbers \(first at line 12: "oops"\)/);
  const many = dataset(dir, 'many.csv', 3, (row, i) => {
    if (i % 3 === 0) row[0] = `n/a-${i % 7}`;
  });
  const doc = await computeDriftReport(ref, many);
  const b = col(doc, 'x');
  assert.equal(b.status, 'type-mismatch');
  assert.match(b.message!, /current data holds string values .* where the other side holds numbers/);
  assert.match(b.message!, /type: categorical/);
  assert.equal(col(doc, 'g').status, 'ok');
  // Compared as categories when asked to.
  const settings = parseDriftSection({ columns: { x: { type: 'categorical' } } }, ['drift'], { file: 'mlops.yaml', lineOf: () => 1 });
  const c = col(await computeDriftReport(ref, many, { settings }), 'x');
  assert.equal(c.kind, 'categorical');
  assert.equal(c.status, 'ok');
  assert.equal(c.drifted, true);
});

test('a malformed Parquet file is a file-level error with the reader\'s message; the other file\'s columns are still listed', async () => {
  const dir = tempDir();
  const bad = path.join(dir, 'batch.parquet');
  writeFileSync(bad, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from('PAR1')]));
  const doc = await computeDriftReport(REFERENCE, bad, { currentLabel: 'batch.parquet' });
  assert.equal(doc.current.error?.code, 'format');
  assert.match(doc.current.error!.message, /not a readable Parquet file/);
  assert.equal(doc.reference.rows, 3000);
  assert.equal(doc.columns.length, 11);
  for (const c of doc.columns) {
    assert.equal(c.status, 'error');
    assert.match(c.message!, /current file could not be read/);
  }
  assert.equal(doc.summary.datasetDrift, false);
  const missing = await computeDriftReport(path.join(dir, 'nope.csv'), REFERENCE);
  assert.equal(missing.reference.error?.code, 'not-found');
  assert.equal(missing.columns.length, 11);
});

test('sampling is stated: with a value cap, columns say they were tested on a sample', async () => {
  const dir = tempDir();
  const ref = dataset(dir, 'ref.csv', 1);
  const cur = dataset(dir, 'cur.csv', 2);
  const settings = parseDriftSection({ maxValues: 100 }, ['drift'], { file: 'mlops.yaml', lineOf: () => 1 });
  const doc = await computeDriftReport(ref, cur, { settings });
  const x = col(doc, 'x');
  assert.deepEqual(x.sampled, { reference: { kept: 100, seen: 300, sampled: true }, current: { kept: 100, seen: 300, sampled: true } });
  assert.equal(x.nReference, 100);
  assert.equal(doc.summary.sampled, true);
  assert.ok(doc.notes.some((n) => /seeded uniform sample of 100/.test(n)));
  assert.equal((x.chart as { sampled: boolean }).sampled, true);
  // Missing share still uses every row, not the sample.
  assert.equal(x.missing.reference, 0);
  const full = await computeDriftReport(ref, cur);
  assert.equal(col(full, 'x').sampled, undefined);
  assert.equal(full.summary.sampled, false);
});

test('--columns restricts the report; a name in neither file is a usage error listing the columns', async () => {
  const doc = await computeDriftReport(REFERENCE, REFERENCE, { columns: ['age', 'contract'] });
  assert.deepEqual(doc.columns.map((c) => c.name), ['age', 'contract']);
  await assert.rejects(computeDriftReport(REFERENCE, REFERENCE, { columns: ['agee'] }), (e: unknown) => e instanceof MlopsError && e.code === 'usage' && /"agee"/.test(e.message) && /"age"/.test(e.hint ?? ''));
});
