import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileFile } from '../../../src/engine/data/profile.ts';
import type { ColumnProfile, DatasetProfile } from '../../../src/engine/data/profile.ts';
import { fixture, mlopsErrorOf } from './helpers.ts';

const PEOPLE = [
  'id,age,income,city,active,joined,note',
  '1,30,1000.5,Paris,true,2024-01-01,x',
  '2,40,2000,Berlin,false,2024-03-15T10:00:00Z,hello',
  '3,,NA,Paris,yes,2023-12-31,',
  '4,50,1500,Rome,no,2024-02-29,"multi',
  'line"',
  '5,20,3000.25,Paris,true,,z',
  '6,30,,Berlin,false,2024-01-02,"a ""quoted"" note"',
].join('\n');

const col = (p: DatasetProfile, name: string): ColumnProfile => p.columns.find((c) => c.name === name)!;
const close = (actual: number | null | undefined, expected: number, what: string) => assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);

test('profile numbers match hand-computed values', async () => {
  const { profile } = await profileFile(fixture('people.csv', PEOPLE));
  assert.equal(profile.rows, 6);
  assert.equal(profile.columnCount, 7);

  // age: 30 40 · 50 20 30 → mean 34, Σd² = 520, population var 104, sample var 130
  const age = col(profile, 'age');
  assert.deepEqual([age.storageType, age.role, age.missing, age.nonNull], ['integer', 'categorical', 1, 5]);
  close(age.missingShare, 1 / 6, 'age missing share');
  assert.deepEqual([age.numeric!.min, age.numeric!.max, age.numeric!.mean, age.numeric!.sum, age.numeric!.count], [20, 50, 34, 170, 5]);
  close(age.numeric!.std, Math.sqrt(104), 'age std');
  close(age.numeric!.sampleStd, Math.sqrt(130), 'age sample std');
  assert.deepEqual(age.distinct, { count: 4, exact: true });
  assert.deepEqual(age.categories, { counts: [['30', 2], ['20', 1], ['40', 1], ['50', 1]], other: 0, truncated: false });

  // income: 1000.5 2000 · 1500 3000.25 · → mean 1875.1875, Σd² = 2187187.671875
  const income = col(profile, 'income');
  assert.deepEqual([income.storageType, income.role, income.missing], ['float', 'numerical', 2]);
  close(income.numeric!.mean, 1875.1875, 'income mean');
  close(income.numeric!.std, Math.sqrt(2187187.671875 / 4), 'income std');
  close(income.numeric!.sampleStd, Math.sqrt(2187187.671875 / 3), 'income sample std');

  // city: 3 distinct of 6 is not more than half → categorical
  const city = col(profile, 'city');
  assert.deepEqual([city.storageType, city.role], ['string', 'categorical']);
  assert.deepEqual(city.categories!.counts, [['Paris', 3], ['Berlin', 2], ['Rome', 1]]);
  assert.deepEqual(city.lengths, { min: 4, max: 6 });

  const active = col(profile, 'active');
  assert.deepEqual([active.storageType, active.role], ['boolean', 'categorical']);
  assert.deepEqual(active.boolean, { true: 3, false: 3, trueShare: 0.5 });

  const joined = col(profile, 'joined');
  assert.deepEqual([joined.storageType, joined.role, joined.missing], ['datetime', 'datetime', 1]);
  assert.deepEqual(joined.datetime, { min: '2023-12-31T00:00:00.000Z', max: '2024-03-15T10:00:00.000Z' });

  // note: 5 distinct of 5 → text; lengths in UTF-16 units; the quoted note is 15 long
  const note = col(profile, 'note');
  assert.deepEqual([note.storageType, note.role, note.missing], ['string', 'text', 1]);
  assert.deepEqual(note.lengths, { min: 1, max: 15 });

  assert.deepEqual([col(profile, 'id').role, col(profile, 'id').distinct], ['categorical', { count: 6, exact: true }]);
  assert.deepEqual(profile.issues, []);
  assert.deepEqual(JSON.parse(JSON.stringify(profile)), profile, 'the profile is plain JSON');
});

test('non-numeric values in a numeric column: counted, first row and line reported, no crash', async () => {
  const lines = ['v,w'];
  for (let i = 1; i <= 40; i++) lines.push(i === 25 ? 'oops,1' : i === 31 ? 'n/a?,1' : `${i},1`);
  const file = fixture('invalid.csv', lines.join('\n'));
  const { profile } = await profileFile(file);
  const v = col(profile, 'v');
  assert.equal(v.storageType, 'integer');
  assert.deepEqual(v.invalid, { count: 2, share: 2 / 40, firstRow: 25, firstLine: 26, examples: ['oops', 'n/a?'] });
  assert.equal(v.numeric!.count, 38);
  const issue = profile.issues.find((i) => i.code === 'invalid-values')!;
  assert.deepEqual([issue.column, issue.row, issue.line, issue.severity], ['v', 25, 26, 'warning']);
  assert.match(issue.message, /row 25 \(line 26\): "oops"/);
});

test('a column that turns out mostly text after the sample is profiled as text, saying so', async () => {
  const lines = ['v'];
  for (let i = 0; i < 10; i++) lines.push(String(i % 3));
  for (let i = 0; i < 30; i++) lines.push(['red', 'green'][i % 2]!);
  const { profile } = await profileFile(fixture('mixed.csv', lines.join('\n')), { read: { batchSize: 10 } });
  const v = col(profile, 'v');
  assert.deepEqual([v.storageType, v.role], ['string', 'categorical']);
  assert.deepEqual(v.categories, { counts: [['green', 15], ['red', 15], ['0', 4], ['1', 3], ['2', 3]], other: 0, truncated: false });
  assert.deepEqual(v.distinct, { count: 5, exact: true });
  assert.equal(v.numeric, undefined);
  const issue = profile.issues.find((i) => i.code === 'mixed-types')!;
  assert.equal(issue.row, 11);
  assert.match(issue.hint!, /type: categorical/);
});

test('collected values: exact below maxValues, a seeded reservoir sample above it', async () => {
  const file = fixture('many.csv', ['x,y', ...Array.from({ length: 1000 }, (_, i) => `${i},${i % 2 === 0 ? i : 'NA'}`)].join('\n'));
  const all = await profileFile(file, { collectValues: ['x'] });
  assert.deepEqual([...all.values.get('x')!.values], Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(all.values.has('y'), false);
  assert.deepEqual(col(all.profile, 'x').values, { kept: 1000, seen: 1000, sampled: false });

  const a = await profileFile(file, { collectValues: true, maxValues: 100, seed: 7 });
  const b = await profileFile(file, { collectValues: true, maxValues: 100, seed: 7 });
  const c = await profileFile(file, { collectValues: true, maxValues: 100, seed: 8 });
  const sa = a.values.get('x')!;
  assert.deepEqual([sa.values.length, sa.seen, sa.sampled], [100, 1000, true]);
  assert.deepEqual([...sa.values], [...b.values.get('x')!.values], 'same seed, same sample');
  assert.notDeepEqual([...sa.values], [...c.values.get('x')!.values], 'other seed, other sample');
  assert.equal(new Set(sa.values).size, 100);
  assert.ok([...sa.values].every((v) => Number.isInteger(v) && v >= 0 && v < 1000));
  assert.ok([...sa.values].some((v) => v >= 500), 'the sample reaches the end of the file');
  assert.equal(a.values.get('y')!.seen, 500, 'missing values are not collected');
  assert.ok(a.profile.issues.some((i) => i.code === 'values-sampled' && i.column === 'x'));
});

test('distinct counts are exact up to the cap, then estimated; value counts say they are truncated', async () => {
  const rows = Array.from({ length: 3000 }, (_, i) => `v${i % 2000},c${i % 200},${i % 2000}`);
  const { profile } = await profileFile(fixture('distinct.csv', ['s,c,n', ...rows].join('\n')), { maxDistinct: 100 });
  const s = col(profile, 's');
  assert.equal(s.distinct!.exact, false);
  assert.ok(Math.abs(s.distinct!.count - 2000) < 100, `estimate ${s.distinct!.count}`);
  assert.equal(s.role, 'text', '~2000 distinct of 3000');
  assert.deepEqual([s.categories!.truncated, s.categories!.counts.length], [true, 20], 'text columns list only their top values');
  assert.equal(s.categories!.counts.reduce((t, [, k]) => t + k, 0) + s.categories!.other, 3000);
  const c = col(profile, 'c');
  assert.ok(!c.distinct!.exact && Math.abs(c.distinct!.count - 200) < 10, `estimate ${c.distinct!.count}`);
  assert.deepEqual([c.role, c.categories!.truncated, c.categories!.counts.length], ['categorical', true, 100]);
  assert.deepEqual(c.categories!.counts[0], ['c0', 15], 'values seen before the cap keep exact counts');
  assert.equal(c.categories!.other, 1500);
  const n = col(profile, 'n');
  assert.equal(n.distinct!.exact, false);
  assert.ok(Math.abs(n.distinct!.count - 2000) < 100, `estimate ${n.distinct!.count}`);
  assert.equal(n.categories, undefined);
  assert.equal(profile.issues.filter((i) => i.code === 'distinct-estimated').length, 3);
});

test('duplicate keys: counted, located, bounded by maxKeys', async () => {
  const file = fixture('dups.csv', ['id,k2,v', '1,a,x', '2,a,y', '1,b,z', '3,a,w', '1,a,q', '2,a,r'].join('\n'));
  const one = (await profileFile(file, { keyColumns: ['id'] })).profile;
  assert.deepEqual(
    [one.duplicates!.duplicateRows, one.duplicates!.distinctKeys, one.duplicates!.checkedRows, one.duplicates!.complete],
    [3, 3, 6, true],
  );
  assert.deepEqual(one.duplicates!.examples.map((e) => [e.row, e.line, e.key]), [[3, 4, [1]], [5, 6, [1]], [6, 7, [2]]]);
  assert.ok(one.issues.some((i) => i.code === 'duplicate-keys' && i.row === 3));
  const two = (await profileFile(file, { keyColumns: ['id', 'k2'] })).profile;
  assert.deepEqual(two.duplicates!.examples.map((e) => e.row), [5, 6]);
  const capped = (await profileFile(file, { keyColumns: ['v'], maxKeys: 3 })).profile;
  assert.deepEqual([capped.duplicates!.complete, capped.duplicates!.checkedRows], [false, 3]);
  assert.match(capped.duplicates!.note, /stopped after 3 distinct keys/);
  const err = await mlopsErrorOf(() => profileFile(file, { keyColumns: ['nope'] }));
  assert.equal(err.code, 'usage');
  assert.match(err.hint!, /"id", "k2", "v"/);
});

test('overrides, ignored columns and the timestamp column', async () => {
  const file = fixture('opts.csv', ['zip,secret,ts,n', '02134,a,2024-01-01T00:00:00Z,1', '10001,b,not a time,2', '02134,c,2024-01-03T00:00:00Z,3'].join('\n'));
  const { profile } = await profileFile(file, { overrides: { zip: { type: 'categorical' }, secret: { ignore: true } }, timestampColumn: 'ts' });
  const zip = col(profile, 'zip');
  assert.deepEqual([zip.role, zip.overridden, zip.categories!.counts], ['categorical', true, [['02134', 2], ['10001', 1]]]);
  assert.deepEqual([col(profile, 'secret').role, col(profile, 'secret').categories], ['ignored', undefined]);
  const ts = col(profile, 'ts');
  assert.deepEqual([ts.role, ts.storageType, ts.invalid!.count, ts.datetime!.max], ['timestamp', 'datetime', 1, '2024-01-03T00:00:00.000Z']);
  assert.equal(profile.timestampColumn, 'ts');
  assert.equal((await mlopsErrorOf(() => profileFile(file, { timestampColumn: 'when' }))).code, 'usage');
});

test('JSONL: a column appearing late and a column missing at first are planned when values arrive', async () => {
  const rows = [{ a: 1, b: null }, { a: 2, b: null }, { a: 3, b: 1.5, c: 'x' }, { a: 4, b: 2.5, c: 'y' }];
  const file = fixture('late.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'));
  const { profile } = await profileFile(file, { read: { batchSize: 2 }, keyColumns: ['c'] });
  assert.deepEqual([col(profile, 'b').storageType, col(profile, 'b').missing, col(profile, 'b').numeric!.mean], ['float', 2, 2]);
  assert.deepEqual([col(profile, 'c').storageType, col(profile, 'c').missing, col(profile, 'c').position], ['string', 2, 2]);
  assert.equal(profile.duplicates!.duplicateRows, 1, 'the two rows without c share the missing key');
});

test('hostile column names and values stay plain strings', async () => {
  const names = ['<script>alert(1)</script>', 'say "hi", ok', 'ünïcödé 名前 🙂', '__proto__', 'constructor'];
  const header = names.map((n) => (/[",]/.test(n) ? `"${n.replaceAll('"', '""')}"` : n)).join(',');
  const file = fixture('hostile.csv', [header, '<b>x</b>,"a,b",名,__proto__,1', '<b>x</b>,c,名,toString,2'].join('\n'));
  const overrides = JSON.parse('{"__proto__": {"type": "categorical"}}') as Record<string, { type: 'categorical' }>;
  const { profile } = await profileFile(file, { overrides, keyColumns: ['__proto__'] });
  assert.deepEqual(profile.columns.map((c) => c.name), names);
  assert.deepEqual(col(profile, '<script>alert(1)</script>').categories!.counts, [['<b>x</b>', 2]]);
  assert.deepEqual(col(profile, '__proto__').categories!.counts, [['__proto__', 1], ['toString', 1]]);
  assert.equal(col(profile, '__proto__').overridden, true);
  assert.equal(col(profile, 'constructor').storageType, 'integer');
  const json = JSON.stringify(profile);
  assert.deepEqual(JSON.parse(json), profile);
  assert.equal(Object.getPrototypeOf(JSON.parse(json).columns[3]), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('onBatch and onProgress see the pass; an abort signal stops it', async () => {
  const file = fixture('cb.csv', ['a', ...Array.from({ length: 100 }, (_, i) => String(i))].join('\n'));
  const progress: number[] = [];
  let seen = 0;
  await profileFile(file, { read: { batchSize: 30 }, onBatch: (b) => (seen += b.rowCount), onProgress: (r) => progress.push(r) });
  assert.deepEqual([seen, progress], [100, [30, 60, 90, 100]]);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(profileFile(file, { signal: ac.signal }), { name: 'AbortError' });
});
