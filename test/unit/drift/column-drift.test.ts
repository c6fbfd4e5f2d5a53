/**
 * The per-column pipeline and the dataset-level decision: Evidently vectors that go through the
 * report (drift.md §5.1 files M, D, DT: missing values removed first), and edge cases that
 * Evidently fails on (R4, R14).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { categoricalSample, columnDrift, columnDriftFromSamples, numericSample } from '../../../src/engine/drift/index.ts';
import type { RawColumn } from '../../../src/engine/drift/columns.ts';
import { driftReport, summarizeDrift } from '../../../src/engine/drift/dataset.ts';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { assertClose, gen, rep, times } from './helpers.ts';

const int = (values: ArrayLike<number>): RawColumn => ({ dtype: 'integer', values });
const flt = (values: ArrayLike<number>): RawColumn => ({ dtype: 'float', values });
const str = (values: (string | null)[]): RawColumn => ({ dtype: 'string', values });

describe('Evidently report vectors', () => {
  it('E19 (M): PSI, column inferred as categorical → 2.93415, drifted at 0.1', () => {
    const r = columnDrift('x', int([3, 2, 2]), int([1, 2, 3]), { test: 'psi' });
    assert.equal(r.columnType, 'categorical');
    assertClose(r.score, 2.9341472484810085, 1e-13);
    assert.equal(r.drifted, true);
    assert.deepEqual(r.details.binning, { method: 'categories', bins: 3, zeroFill: true });
    assert.deepEqual(r.unseenCategories, [1]);
  });

  it('E20 (M): [1, 2, 3] vs itself → chi-square, p = 1, not drifted', () => {
    const r = columnDrift('x', int([1, 2, 3]), int([1, 2, 3]));
    assert.equal(r.test, 'chisquare');
    assert.equal(r.score, 1);
    assert.equal(r.drifted, false);
  });

  it('E21 (M): [1, 2, 3] vs [5, 8, 3] → chi-square p = 0, drifted, new categories listed', () => {
    const r = columnDrift('x', int([1, 2, 3]), int([5, 8, 3]));
    assert.equal(r.test, 'chisquare');
    assert.equal(r.score, 0);
    assert.equal(r.drifted, true);
    assert.deepEqual(r.unseenCategories, [5, 8]);
  });

  it('E22 (D): target [1, 1, 0, 1] vs [0, 0, 0, 1] → Z-test p = 0.157299', () => {
    const r = columnDrift('target', int([1, 1, 0, 1]), int([0, 0, 0, 1]));
    assert.equal(r.test, 'z');
    assertClose(r.score, 0.157299207050285, 1e-13);
  });

  it('E23 (D): [1, 1, 2, 0] vs [0, 0, 0, 1] → chi-square p = 0.0639279', () => {
    const r = columnDrift('feature', int([1, 1, 2, 0]), int([0, 0, 0, 1]));
    assert.equal(r.test, 'chisquare');
    assertClose(r.score, Math.exp(-2.75), 1e-14);
    assertClose(r.details.chiSquare?.statistic ?? NaN, 5.5, 1e-15);
  });

  it('E24 (DT): ["a","a","b","b"] vs ["a","b","a",NaN], NaN removed → Z-test 0.659243', () => {
    const r = columnDrift('x', str(['a', 'a', 'b', 'b']), str(['a', 'b', 'a', null]));
    assert.equal(r.test, 'z');
    assertClose(r.score, 0.6592430036926307, 1e-12);
    assert.equal(r.nCur, 3);
  });

  it('E25 (DT): target [1, 4, 5] vs [1, 2, 3] → chi-square p = 0', () => {
    const r = columnDrift('target', int([1, 4, 5]), int([1, 2, 3]));
    assert.equal(r.test, 'chisquare');
    assert.equal(r.score, 0);
    assert.equal(r.drifted, true);
  });
});

describe('edge cases', () => {
  it('an all-NaN column is "insufficient data", not an exception', () => {
    const r = columnDrift('x', flt([1, 2, 3]), flt([NaN, NaN]));
    assert.equal(r.status, 'insufficient-data');
    assert.equal(r.drifted, false);
    assert.match(r.reason ?? '', /current data has no values left after removing missing ones/);
    assert.equal(r.missing.cur, 1);
    const empty = columnDrift('y', str([null, null]), str([]));
    assert.equal(empty.status, 'insufficient-data');
    assert.ok(Number.isNaN(empty.missing.cur)); // no rows at all
    const noRef = columnDrift('z', str([]), str(['a', null]));
    assert.equal(noRef.status, 'insufficient-data');
    assert.ok(Number.isNaN(noRef.missing.ref));
    assert.equal(noRef.missing.cur, 0.5);
  });

  it('±inf counts as missing', () => {
    const r = columnDrift('x', flt([1, 2, 3, Infinity]), flt([1, 2, -Infinity, 3]));
    assert.equal(r.nRef, 3);
    assert.equal(r.nCur, 3);
    assert.equal(r.missing.ref, 0.25);
  });

  it('KS through the pipeline: exact by default for small samples, asymptotic on request', () => {
    const ref = flt(Array.from(gen(60, 7919, 1000)));
    const cur = flt(Array.from(gen(45, 104729, 1009, 3)));
    const auto = columnDrift('x', ref, cur);
    assert.equal(auto.test, 'ks');
    assert.equal(auto.details.ks?.method, 'exact');
    assertClose(auto.score, 0.9617932487109241, 1e-12); // scipy, as in ks.test.ts
    const asymp = columnDrift('x', ref, cur, { ksMethod: 'asymp' });
    assertClose(asymp.score, 0.9575571735544909, 1e-12);
  });

  it('constant reference: Wasserstein divides by max(σ, 0.001)', () => {
    const r = columnDrift('x', flt(times([5], 50)), flt(times([5.5], 50)), { test: 'wasserstein' });
    assertClose(r.score, 500, 1e-12);
    assert.equal(r.drifted, true);
    assert.deepEqual(r.details.wasserstein, { w1: 0.5, stdRef: 0 });
  });

  it('constant and identical: Z-test short-circuit, p = 1', () => {
    const r = columnDrift('x', flt(times([7], 20)), flt(times([7], 5)));
    assert.equal(r.test, 'z');
    assert.equal(r.score, 1);
  });

  it('a single value in each sample is still scored', () => {
    const r = columnDrift('x', flt([1]), flt([2]));
    assert.equal(r.status, 'ok');
    assert.equal(r.test, 'z');
    assertClose(r.score, 0.157299207050285, 1e-13); // same table as E22: z = −√2 (n = 1 each)
  });

  it('minSamples (R14) turns small samples into "insufficient data"', () => {
    const r = columnDrift('x', flt(gen(50, 7, 13)), flt(gen(5, 7, 13)), { minSamples: 10 });
    assert.equal(r.status, 'insufficient-data');
    assert.equal(r.nCur, 5);
    assert.match(r.reason ?? '', /fewer than 10 non-missing values \(reference 50, current 5\)/);
  });

  it('text and datetime columns are reported as not tested, with a reason', () => {
    const text = str(Array.from({ length: 10 }, (_, i) => `sentence ${i}`));
    assert.equal(columnDrift('t', text, text).status, 'not-tested');
    const dt: RawColumn = { dtype: 'datetime', values: [0, 1, NaN] };
    const r = columnDrift('d', dt, dt);
    assert.equal(r.status, 'not-tested');
    assert.match(r.reason ?? '', /Datetime/);
    assertClose(r.missing.ref, 1 / 3, 1e-15);
  });

  it('type override (R15): integer codes tested as numbers', () => {
    const ref = int(times([1, 2, 3, 4, 5, 6, 7], 3));
    assert.equal(columnDrift('x', ref, ref).columnType, 'categorical');
    const r = columnDrift('x', ref, ref, { columnType: 'numerical' });
    assert.equal(r.test, 'ks');
    assert.equal(r.score, 1);
  });

  it('configuration mistakes are MlopsErrors', () => {
    const isConfig = (e: unknown): boolean => isMlopsError(e) && e.code === 'config';
    const letters = str(['a', 'a', 'b', 'b']);
    assert.throws(() => columnDrift('x', letters, letters, { test: 'ks' }), isConfig);
    assert.throws(() => columnDrift('x', letters, letters, { columnType: 'numerical' }), isConfig);
    assert.throws(() => columnDrift('x', flt([1]), letters), isConfig);
    assert.throws(() => summarizeDrift([], 1.5), isConfig);
  });

  it('Jensen-Shannon reports its log base and bins; log2 on request', () => {
    const ref = flt(gen(2000, 7919, 1000));
    const cur = flt(gen(2000, 104729, 1009, 3));
    const e = columnDrift('x', ref, cur, { test: 'jensenshannon' });
    const two = columnDrift('x', ref, cur, { test: 'jensenshannon', jsBase: 2 });
    assertClose(two.score, e.score / Math.sqrt(Math.LN2), 1e-14);
    assert.equal(e.details.jsBase, Math.E);
    assert.equal(e.details.binning?.method, 'sturges');
    const custom = columnDrift('x', ref, cur, { test: 'psi', binning: { strategy: 'quantile', bins: 10 } });
    assert.deepEqual(custom.details.binning, { method: 'quantile', bins: 10, zeroFill: true });
  });
});

describe('missing share as its own signal (R4)', () => {
  it('flags a missing-share change even when the values do not drift', () => {
    const values = Array.from(gen(2000, 7919, 1000));
    const cur = values.map((v, i) => (i % 4 === 0 ? NaN : v));
    const r = columnDrift('x', flt(values), flt(cur));
    assert.equal(r.missing.ref, 0);
    assert.equal(r.missing.cur, 0.25);
    assert.equal(r.missing.delta, 0.25);
    assert.ok(r.missing.pValue < 1e-10);
    assert.equal(r.missing.changed, true);
  });

  it('does not flag a visible change that small samples cannot support', () => {
    // 1 of 20 vs 2 of 20 missing: Δ = 0.05 but p ≈ 0.55
    const ref = Array.from({ length: 20 }, (_, i) => (i === 0 ? NaN : i));
    const cur = Array.from({ length: 20 }, (_, i) => (i < 2 ? NaN : i));
    const r = columnDrift('x', flt(ref), flt(cur));
    assertClose(r.missing.delta, 0.05, 1e-15);
    assert.ok(r.missing.pValue > 0.5);
    assert.equal(r.missing.changed, false);
  });

  it('does not flag a tiny change, however significant', () => {
    const ref = Array.from({ length: 200_000 }, (_, i) => (i % 200 === 0 ? NaN : i % 97));
    const cur = Array.from({ length: 200_000 }, (_, i) => (i % 125 === 0 ? NaN : i % 97));
    const r = columnDrift('x', flt(ref), flt(cur));
    assertClose(r.missing.delta, 0.008 - 0.005, 1e-12);
    assert.ok(r.missing.pValue < 0.05);
    assert.equal(r.missing.changed, false); // |Δ| < 0.01
  });
});

describe('columnDriftFromSamples with capped samples', () => {
  it('totals: the missing share is over the file rows, not over kept + missing values', () => {
    // 50 values kept out of 950 non-missing, 50 missing in a file of 1,000 rows on each side.
    const kept = numericSample(Array.from({ length: 50 }, (_, i) => i));
    const ref = { ...kept, missing: 50 };
    const cur = { ...kept, missing: 100 };
    const naive = columnDriftFromSamples('x', 'numerical', ref, cur);
    assertClose(naive.missing.ref, 0.5, 1e-15); // 50 / (50 + 50): wrong for a sample
    const r = columnDriftFromSamples('x', 'numerical', ref, cur, { totals: { ref: 1000, cur: 1000 } });
    assertClose(r.missing.ref, 0.05, 1e-15);
    assertClose(r.missing.cur, 0.1, 1e-15);
    assert.equal(r.missing.changed, true);
    assert.throws(() => columnDriftFromSamples('x', 'numerical', ref, cur, { totals: { ref: 10, cur: 1000 } }), /smaller than the missing counts/);
  });

  it('unseenCategories: homogeneity keeps chi-square finite and still lists the new category', () => {
    const ref = categoricalSample(rep(['a', 'b', 'c'], [40, 35, 25]));
    const cur = categoricalSample(rep(['a', 'b', 'c', 'd'], [38, 30, 27, 5]));
    const evidently = columnDriftFromSamples('plan', 'categorical', ref, cur, { test: 'chisquare' });
    assert.equal(evidently.score, 0);
    assert.equal(evidently.drifted, true);
    assert.equal(evidently.details.chiSquare?.mode, 'goodness-of-fit');
    const h = columnDriftFromSamples('plan', 'categorical', ref, cur, { test: 'chisquare', unseenCategories: 'homogeneity' });
    assertClose(h.score, 0.13787381646519323, 1e-12);
    assert.equal(h.drifted, false);
    assert.equal(h.details.chiSquare?.mode, 'homogeneity');
    assert.deepEqual(h.unseenCategories, ['d']);
  });
});

describe('dataset-level decision (§2.6)', () => {
  const same = flt(gen(100, 7919, 1000));
  const shifted = flt(gen(100, 7919, 1000, 40));
  it('drift when the drifted share reaches drift_share (≥, default 0.5)', () => {
    const report = driftReport([
      { name: 'a', reference: same, current: shifted },
      { name: 'b', reference: same, current: shifted },
      { name: 'c', reference: same, current: same },
      { name: 'd', reference: same, current: same },
    ]);
    assert.equal(report.summary.nDrifted, 2);
    assert.equal(report.summary.share, 0.5);
    assert.equal(report.summary.drifted, true);
    assert.equal(summarizeDrift(report.columns, 0.6).drifted, false);
  });

  it('unscored columns are listed and left out of the share', () => {
    const report = driftReport([
      { name: 'a', reference: same, current: shifted },
      { name: 'b', reference: same, current: same },
      { name: 'c', reference: same, current: same },
      { name: 'empty', reference: same, current: flt([NaN]) },
    ]);
    assert.equal(report.summary.nColumns, 3);
    assertClose(report.summary.share, 1 / 3, 1e-15);
    assert.equal(report.summary.drifted, false);
    assert.deepEqual(
      report.summary.skipped.map((s) => [s.column, s.status]),
      [['empty', 'insufficient-data']],
    );
    assert.deepEqual(report.summary.missingChanged, ['empty']);
  });

  it('per-column options override report-wide ones', () => {
    const report = driftReport([{ name: 'a', reference: same, current: shifted, options: { test: 'psi' } }], { test: 'wasserstein', threshold: 0.2 });
    assert.equal(report.columns[0].test, 'psi');
    assert.equal(report.columns[0].threshold, 0.2);
  });
});
