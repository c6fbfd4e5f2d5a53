/**
 * Column-type inference (§2.2), default test selection (§2.3, vector E26) and the drift
 * direction of each test (§2.4).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnDrift } from '../../../src/engine/drift/column-drift.ts';
import type { RawColumn } from '../../../src/engine/drift/columns.ts';
import { inferColumnType } from '../../../src/engine/drift/columns.ts';
import { STAT_TESTS, defaultStatTest, isDrifted } from '../../../src/engine/drift/selection.ts';
import { times } from './helpers.ts';

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('column type inference (§2.2)', () => {
  it('float is numerical, whatever its cardinality', () => {
    assert.equal(inferColumnType({ dtype: 'float', values: [1, 1, 1] }), 'numerical');
  });

  it('integer: ≤ 10 distinct values categorical, 11 numerical', () => {
    assert.equal(inferColumnType({ dtype: 'integer', values: times(range(0, 9), 2) }), 'categorical');
    assert.equal(inferColumnType({ dtype: 'integer', values: times(range(0, 10), 2) }), 'numerical');
    assert.equal(inferColumnType({ dtype: 'integer', values: [...range(0, 9), NaN, NaN] }), 'categorical'); // NaN not a value
  });

  it('string: text only when distinct > 50 % of non-missing values', () => {
    const half = times(
      range(0, 49).map((i) => `n${i}`),
      2,
    );
    assert.equal(inferColumnType({ dtype: 'string', values: half }), 'categorical'); // exactly 50 %
    const more = [...range(0, 50).map((i) => `n${i}`), ...range(0, 48).map((i) => `n${i}`)];
    assert.equal(inferColumnType({ dtype: 'string', values: more }), 'text'); // 51 of 100
    assert.equal(inferColumnType({ dtype: 'string', values: ['a', 'b', null, null, null] }), 'text'); // 2 > 1
  });

  it('bool and category are categorical; datetime is not tested; mixed objects are unknown', () => {
    assert.equal(inferColumnType({ dtype: 'bool', values: [true, false] }), 'categorical');
    assert.equal(inferColumnType({ dtype: 'category', values: ['x', 'y', 'z'] }), 'categorical');
    assert.equal(inferColumnType({ dtype: 'datetime', values: [0, 86_400_000] }), 'datetime');
    assert.equal(inferColumnType({ dtype: 'object', values: [1, 'a', 2, 'b'] }), 'unknown');
    assert.equal(inferColumnType({ dtype: 'object', values: [null, null] }), 'unknown');
    assert.equal(inferColumnType({ dtype: 'object', values: ['a', 'a', 'b', 'a'] }), 'categorical');
  });
});

describe('default test selection (§2.3)', () => {
  it('decision list on n_ref and n_unique', () => {
    const pick = (columnType: 'numerical' | 'categorical', nRef: number, nUnique: number) => defaultStatTest({ columnType, nRef, nUnique });
    assert.equal(pick('numerical', 1000, 6), 'ks');
    assert.equal(pick('numerical', 1000, 5), 'chisquare');
    assert.equal(pick('numerical', 1000, 3), 'chisquare');
    assert.equal(pick('numerical', 1000, 2), 'z');
    assert.equal(pick('numerical', 1001, 6), 'wasserstein');
    assert.equal(pick('numerical', 1001, 5), 'jensenshannon');
    assert.equal(pick('categorical', 1000, 100), 'chisquare');
    assert.equal(pick('categorical', 1000, 2), 'z');
    assert.equal(pick('categorical', 1001, 100), 'jensenshannon');
    assert.equal(defaultStatTest({ columnType: 'text', nRef: 10, nUnique: 10 }), null);
    assert.equal(defaultStatTest({ columnType: 'datetime', nRef: 10, nUnique: 10 }), null);
  });

  it('E26: Evidently tests/stattests/test_registry.py table, through the column pipeline', () => {
    const num = (values: number[]): RawColumn => ({ dtype: 'float', values });
    const cat = (values: string[]): RawColumn => ({ dtype: 'string', values });
    const rows: [RawColumn, 'numerical' | 'categorical', string][] = [
      [num(times([1.0], 10)), 'numerical', 'z'],
      [num(range(1, 11)), 'numerical', 'ks'],
      [num(times(range(1, 11), 1000)), 'numerical', 'wasserstein'],
      [num(times(range(1, 5), 1000)), 'numerical', 'jensenshannon'],
      [cat(times(['a', 'b', 'c'], 10)), 'categorical', 'chisquare'],
      [cat(times(['a', 'b'], 10)), 'categorical', 'z'],
      [cat(times(['a', 'b'], 10000)), 'categorical', 'jensenshannon'],
    ];
    for (const [column, columnType, expected] of rows) {
      const r = columnDrift('x', column, column, { columnType });
      assert.equal(r.test, expected, `${columnType} n=${column.values.length}`);
    }
  });

  it('n_ref counts values after missing-value removal', () => {
    const values = [...range(1, 1000), NaN, Infinity, -Infinity];
    const r = columnDrift('x', { dtype: 'float', values }, { dtype: 'float', values });
    assert.equal(r.nRef, 1000);
    assert.equal(r.test, 'ks'); // 1003 rows, but only 1000 values
  });

  it('n_unique counts reference and current together', () => {
    const ref: RawColumn = { dtype: 'float', values: [1, 2, 1, 2] };
    const cur: RawColumn = { dtype: 'float', values: [3, 4, 5, 6] };
    assert.equal(columnDrift('x', ref, cur).test, 'ks'); // 6 distinct over both
    assert.equal(columnDrift('x', ref, { dtype: 'float', values: [1, 3] }).test, 'chisquare');
  });
});

describe('drift direction (§2.4)', () => {
  it('ks drifts at p ≤ threshold; chisquare and z only at p < threshold', () => {
    assert.equal(isDrifted('ks', 0.05), true);
    assert.equal(isDrifted('chisquare', 0.05), false);
    assert.equal(isDrifted('z', 0.05), false);
    assert.equal(isDrifted('z', 0.0499), true);
    assert.equal(isDrifted('ks', 0.0501), false);
  });

  it('distances drift at score ≥ threshold', () => {
    for (const t of ['wasserstein', 'jensenshannon', 'psi', 'kl_div', 'hellinger'] as const) {
      assert.equal(isDrifted(t, 0.1), true, t);
      assert.equal(isDrifted(t, 0.0999), false, t);
      assert.equal(STAT_TESTS[t].kind, 'distance');
    }
  });

  it('NaN never counts as drift', () => {
    assert.equal(isDrifted('ks', NaN), false);
    assert.equal(isDrifted('psi', NaN), false);
  });

  it('default thresholds follow Evidently', () => {
    assert.equal(STAT_TESTS.ks.defaultThreshold, 0.05);
    assert.equal(STAT_TESTS.chisquare.defaultThreshold, 0.05);
    assert.equal(STAT_TESTS.z.defaultThreshold, 0.05);
    assert.equal(STAT_TESTS.wasserstein.defaultThreshold, 0.1);
    assert.equal(STAT_TESTS.jensenshannon.defaultThreshold, 0.1);
    assert.equal(STAT_TESTS.ks.displayName, 'K-S p_value');
  });
});
