/**
 * Evidently's `get_binned_data` and the alternative binning (R6).
 * numpy constants: numpy 1.24.2 `np.histogram_bin_edges(x, bins="sturges")` with x = [lo] + [hi]*(n−1).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customBins, evidentlyBins, fillZeroes, histogramSorted, quantileSorted, sturgesEdges } from '../../../src/engine/drift/binning.ts';
import { categoricalSample, numericSample } from '../../../src/engine/drift/sample.ts';
import { assertClose, gen } from './helpers.ts';

describe('Sturges edges (numpy semantics)', () => {
  it('bin count and edges match numpy, powers of two included', () => {
    // [lo, hi, size, bins, edges[1], edges[k−1]] from numpy
    const cases: [number, number, number, number, number, number][] = [
      [0, 1, 100, 8, 0.125, 0.875],
      [0, 1, 1024, 11, 0.09090909090909091, 0.9090909090909092],
      [0, 1, 2048, 12, 0.08333333333333333, 0.9166666666666666],
      [0, 0.1, 100, 8, 0.0125, 0.08750000000000001],
      [-1.5, 1.5, 1024, 11, -1.2272727272727273, 1.227272727272727],
      [0, 7.7, 1024, 11, 0.7000000000000001, 7.000000000000001],
      [2, 2.001, 4096, 13, 2.000076923076923, 2.000923076923077],
      [3.3, 12345.678, 2048, 12, 1031.8315, 11317.146499999999],
    ];
    for (const [lo, hi, n, bins, e1, eLast] of cases) {
      const e = sturgesEdges(lo, hi, n);
      assert.equal(e.length - 1, bins, `bins for [${lo}, ${hi}] n=${n}`);
      assert.equal(e[1], e1);
      assert.equal(e[bins - 1], eLast);
      assert.equal(e[0], lo);
      assert.equal(e[bins], hi);
    }
  });

  it('one bin of width 1 when min = max', () => {
    assert.deepEqual([...sturgesEdges(5, 5, 100)], [4.5, 5.5]);
  });
});

describe('histogram on sorted data', () => {
  it('bins are [eᵢ, eᵢ₊₁) with the last one closed; outside values are dropped', () => {
    const sorted = Float64Array.from([-1, 0, 0.5, 1, 1.5, 2, 2, 3]);
    const counts = histogramSorted(sorted, Float64Array.from([0, 1, 2]));
    assert.deepEqual([...counts], [2, 4]); // [0,1): 0, 0.5; [1,2]: 1, 1.5, 2, 2 — −1 and 3 dropped
  });
});

describe('Evidently get_binned_data', () => {
  it('numeric with > 20 reference values: Sturges bins over the combined data', () => {
    const b = evidentlyBins(numericSample(gen(60, 7919, 1000)), numericSample(gen(45, 104729, 1009, 3)));
    assert.equal(b.method, 'sturges');
    assert.equal(b.ref.length, 8); // numpy: ceil(log2(105) + 1)
    assertClose(b.ref.reduce((x, y) => x + y, 0), 1, 1e-15);
    assertClose(b.cur.reduce((x, y) => x + y, 0), 1, 1e-15);
  });

  it('exactly 20 reference values: one bin per value of ref ∪ cur, even for numbers', () => {
    const ref = Array.from({ length: 20 }, (_, i) => i);
    const b = evidentlyBins(numericSample(ref), numericSample([0, 0, 25, 30]));
    assert.equal(b.method, 'categories');
    assert.equal(b.ref.length, 22);
    assert.deepEqual(b.keys?.slice(-2), [25, 30]);
    assert.equal(b.ref[21], 0); // 30 never in the reference
    assert.equal(b.cur[0], 0.5);
    // 21 distinct reference values switches to Sturges
    assert.equal(evidentlyBins(numericSample([...ref, 20]), numericSample([0])).method, 'sturges');
  });

  it('categorical: one bin per category of the union, proportions of non-missing values', () => {
    const b = evidentlyBins(categoricalSample(['a', 'b', 'b', null]), categoricalSample(['c', 'b']));
    assert.deepEqual(b.keys, ['a', 'b', 'c']);
    assert.deepEqual([...b.ref], [1 / 3, 2 / 3, 0]);
    assert.deepEqual([...b.cur], [0, 0.5, 0.5]);
  });
});

describe('zero fill (feel_zeroes)', () => {
  it('zeros become 0.0001 when the smallest non-zero share is above 0.0001', () => {
    assert.deepEqual([...fillZeroes(Float64Array.from([0, 0.25, 0.75]))], [0.0001, 0.25, 0.75]);
  });

  it('zeros become m/10⁶ when the smallest non-zero share m is ≤ 0.0001 (boundary included)', () => {
    assert.deepEqual([...fillZeroes(Float64Array.from([0, 0.0001, 0.9999]))], [0.0001 / 1e6, 0.0001, 0.9999]);
    assert.deepEqual([...fillZeroes(Float64Array.from([0.00002, 0, 0.99998]))], [0.00002, 0.00002 / 1e6, 0.99998]);
  });

  it('is applied per vector and does not renormalise', () => {
    const r = fillZeroes(Float64Array.from([0.5, 0.5, 0]));
    assert.equal(r.reduce((x, y) => x + y, 0), 1.0001);
  });
});

describe('alternative binning (R6, opt-in)', () => {
  it('quantile strategy: reference quantile edges, open outer bins, duplicates merged', () => {
    const ref = numericSample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const cur = numericSample([-100, 0, 5.5, 100]);
    const b = customBins(ref, cur, { strategy: 'quantile', bins: 4 });
    assert.equal(b.method, 'quantile');
    // np.quantile([1..11], [.25, .5, .75]) = 3.5, 6, 8.5
    assert.deepEqual([...(b.edges ?? [])], [-Infinity, 3.5, 6, 8.5, Infinity]);
    assert.deepEqual([...b.cur], [0.5, 0.25, 0, 0.25]);
    const dup = customBins(numericSample([0, 0, 0, 0, 0, 0, 0, 1]), cur, { strategy: 'quantile', bins: 4 });
    assert.deepEqual([...(dup.edges ?? [])], [-Infinity, 0, Infinity]);
  });

  it('equal-width strategy honours the bin count over the combined range', () => {
    const b = customBins(numericSample([0, 1, 2, 3]), numericSample([4, 8]), { strategy: 'equal-width', bins: 4 });
    assert.deepEqual([...(b.edges ?? [])], [0, 2, 4, 6, 8]);
    assert.deepEqual([...b.ref], [0.5, 0.5, 0, 0]);
    assert.deepEqual([...b.cur], [0, 0, 0.5, 0.5]);
  });

  it('rejects a non-positive bin count', () => {
    assert.throws(() => customBins(numericSample([1]), numericSample([2]), { strategy: 'quantile', bins: 0 }), /bin count/);
  });

  it('quantileSorted interpolates linearly like numpy', () => {
    const s = Float64Array.from([1, 2, 4, 8]);
    assert.equal(quantileSorted(s, 0.5), 3);
    assert.equal(quantileSorted(s, 1), 8);
    assertClose(quantileSorted(s, 0.9), 6.8, 1e-15); // position 2.7 → 4 + 0.7·4
  });
});
