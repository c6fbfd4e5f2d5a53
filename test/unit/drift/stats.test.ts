/** Sorting, searching and summary helpers that every numeric test builds on. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { categoricalSample, compareKeys } from '../../../src/engine/drift/sample.ts';
import {
  countDistinctSorted,
  countDistinctUnion,
  finiteValues,
  gcd,
  lowerBound,
  runLengths,
  sortFinite,
  sortedFinite,
  stdPopulation,
  upperBound,
} from '../../../src/engine/drift/stats.ts';
import { assertClose } from './helpers.ts';

/** Small deterministic generator (xorshift32) so the radix path sees varied bit patterns. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

describe('sorting', () => {
  it('radix sort agrees with the comparison sort on mixed signs, magnitudes and ties', () => {
    const rnd = xorshift(42);
    const n = 50_000; // above the radix cut-over
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const u = rnd();
      if (i % 7 === 0) a[i] = Math.round(u * 20) - 10; // many ties, negatives, zeros
      else if (i % 11 === 0) a[i] = (u - 0.5) * 1e-310; // subnormals
      else a[i] = (u - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
    }
    a[3] = -0;
    a[5] = 0;
    a[8] = Number.MAX_VALUE;
    a[9] = -Number.MAX_VALUE;
    const expected = a.slice().sort();
    const actual = sortFinite(a.slice());
    assert.equal(actual.length, n);
    for (let i = 0; i < n; i++) assert.ok(Object.is(actual[i], expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`);
  });

  it('a constant array skips every radix pass and stays intact', () => {
    const a = new Float64Array(10_000).fill(3.25);
    assert.ok(sortFinite(a).every((v) => v === 3.25));
  });

  it('integer-valued data (odd number of radix passes) sorts correctly', () => {
    const rnd = xorshift(7);
    // Integers below 2²⁰ vary only in the high 32 bits, 3 of the 6 digits (checked by hand).
    const a = Float64Array.from({ length: 20_000 }, () => Math.floor(rnd() * 1_000_000));
    const s = sortFinite(a.slice());
    for (let i = 1; i < s.length; i++) assert.ok(s[i - 1] <= s[i]);
    assert.deepEqual([...s], [...a.slice().sort()]);
  });

  it('sortedFinite drops NaN and ±inf and leaves the input untouched', () => {
    const input = [3, NaN, -Infinity, 1, Infinity, 2];
    assert.deepEqual([...sortedFinite(input)], [1, 2, 3]);
    assert.equal(input.length, 6);
    assert.deepEqual([...finiteValues(Float64Array.from([1, 2]))], [1, 2]);
  });
});

describe('searching and counting', () => {
  const s = Float64Array.from([1, 2, 2, 2, 5]);
  it('lowerBound / upperBound follow numpy searchsorted left / right', () => {
    assert.equal(lowerBound(s, 2), 1);
    assert.equal(upperBound(s, 2), 4);
    assert.equal(lowerBound(s, 0), 0);
    assert.equal(upperBound(s, 9), 5);
  });

  it('distinct counts, with an early stop', () => {
    assert.equal(countDistinctSorted(s), 3);
    assert.equal(countDistinctSorted(Float64Array.from([1, 2, 3, 4, 5]), 2), 3);
    assert.equal(countDistinctUnion(s, Float64Array.from([0, 2, 6])), 5);
    assert.deepEqual(runLengths(s), { values: Float64Array.from([1, 2, 5]), counts: Float64Array.from([1, 3, 1]) });
  });
});

describe('summaries', () => {
  it('population standard deviation (ddof = 0)', () => {
    assertClose(stdPopulation([2, 4, 4, 4, 5, 5, 7, 9]), 2, 1e-15);
    assert.equal(stdPopulation([3, 3, 3]), 0);
    // large offset: the two-pass form keeps the tiny spread
    assertClose(stdPopulation([1e9 + 1, 1e9 + 2, 1e9 + 3]), Math.sqrt(2 / 3), 1e-9);
  });

  it('gcd', () => {
    assert.equal(gcd(12, 18), 6);
    assert.equal(gcd(7, 13), 1);
  });
});

describe('categorical samples', () => {
  it('null, undefined, NaN and ±inf are missing; everything else is a category', () => {
    const s = categoricalSample([1, Infinity, -Infinity, NaN, null, undefined, 'a', 1]);
    assert.equal(s.n, 3);
    assert.equal(s.missing, 5);
    assert.deepEqual([...s.counts.entries()], [
      [1, 2],
      ['a', 1],
    ]);
  });
});

describe('category order', () => {
  it('booleans, then numbers, then strings by code point (Python sorted order per type)', () => {
    const keys = ['ba', 10, 'B', true, 2, false, 'é', '😀', 'z', 'b', 'a']; // 'ba' before its prefix 'b'
    assert.deepEqual([...keys].sort(compareKeys), [false, true, 2, 10, 'B', 'a', 'b', 'ba', 'z', 'é', '😀']);
    // code point order puts U+1F600 after U+FF5E, where UTF-16 units would not
    assert.ok(compareKeys('😀', '～') > 0);
  });
});
