import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareProfiles, numberDelta } from '../../../src/engine/data/compare.ts';
import { profileFile } from '../../../src/engine/data/profile.ts';
import { fixture } from './helpers.ts';

const V1 = ['id,age,city,score,legacy', '1,30,Paris,1.5,a', '2,40,Berlin,2.5,b', '3,50,Paris,3.5,c', '4,20,Rome,4.5,d'].join('\n');
// v2: legacy removed, signup added, score became text, one more row, Rome gone and Oslo new, age shifted.
const V2 = ['id,city,age,score,signup', '1,Paris,35,high,2024-01-01', '2,Paris,45,low,2024-01-02', '3,Oslo,,high,2024-01-03', '4,Paris,55,mid,2024-01-04', '5,Berlin,65,low,2024-01-05'].join('\n');

test('numberDelta: absolute and relative change, nulls when a side is missing or zero', () => {
  assert.deepEqual(numberDelta(10, 15), { before: 10, after: 15, delta: 5, relative: 0.5 });
  assert.deepEqual(numberDelta(-4, -2), { before: -4, after: -2, delta: 2, relative: 0.5 });
  assert.deepEqual(numberDelta(0, 3), { before: 0, after: 3, delta: 3, relative: null });
  assert.deepEqual(numberDelta(undefined, 3), { before: null, after: 3, delta: null, relative: null });
});

test('compare two versions: counts, schema changes, per-column deltas, category shifts', async () => {
  const before = (await profileFile(fixture('v1.csv', V1))).profile;
  const after = (await profileFile(fixture('v2.csv', V2))).profile;
  const cmp = compareProfiles(before, after, { topCategories: 3 });

  assert.deepEqual(cmp.rows, { before: 4, after: 5, delta: 1, relative: 0.25 });
  assert.deepEqual(cmp.columnCount, { before: 5, after: 5, delta: 0, relative: 0 });
  assert.deepEqual(cmp.schema.added, [{ name: 'signup', position: 4, storageType: 'datetime' }]);
  assert.deepEqual(cmp.schema.removed, [{ name: 'legacy', position: 4, storageType: 'string' }]);
  assert.deepEqual(cmp.schema.typeChanged, [{ name: 'score', before: 'float', after: 'string', roleBefore: 'numerical', roleAfter: 'text' }]);
  assert.equal(cmp.schema.reordered, true);
  assert.deepEqual(cmp.columns.map((c) => c.name), ['id', 'city', 'age', 'score']);

  const age = cmp.columns.find((c) => c.name === 'age')!;
  // before 30 40 50 20: mean 35; after 35 45 · 55 65: mean 50, one missing of 5
  assert.deepEqual(age.mean, { before: 35, after: 50, delta: 15, relative: 15 / 35 });
  assert.deepEqual(age.min, { before: 20, after: 35, delta: 15, relative: 0.75 });
  assert.deepEqual(age.missingShare, { before: 0, after: 0.2, delta: 0.2, relative: null });
  assert.equal(age.std!.before, Math.sqrt(125));
  assert.equal(age.std!.after, Math.sqrt(125));

  const city = cmp.columns.find((c) => c.name === 'city')!;
  // Paris 2/4 → 3/5, Berlin 1/4 → 1/5, Rome 1/4 → 0, Oslo 0 → 1/5
  assert.deepEqual(city.categories, {
    shifts: [
      { value: 'Rome', before: 0.25, after: 0, delta: -0.25 },
      { value: 'Oslo', before: 0, after: 0.2, delta: 0.2 },
      { value: 'Paris', before: 0.5, after: 0.6, delta: 0.6 - 0.5 },
    ],
    added: ['Oslo'],
    removed: ['Rome'],
    approximate: false,
  });
  assert.equal(cmp.columns.find((c) => c.name === 'score')!.mean, undefined, 'no numeric deltas across a type change');
  assert.deepEqual(JSON.parse(JSON.stringify(cmp)), cmp);
});

test('comparing a profile with itself shows no change', async () => {
  const p = (await profileFile(fixture('same.csv', V1))).profile;
  const cmp = compareProfiles(p, p);
  assert.deepEqual([cmp.schema.added, cmp.schema.removed, cmp.schema.typeChanged, cmp.schema.reordered], [[], [], [], false]);
  for (const c of cmp.columns) {
    assert.equal(c.missingShare.delta, 0);
    if (c.mean) assert.equal(c.mean.delta, 0);
    for (const s of c.categories?.shifts ?? []) assert.equal(s.delta, 0);
  }
});
