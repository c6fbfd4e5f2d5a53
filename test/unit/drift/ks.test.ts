/**
 * Two-sample KS and the shared merge walk (D and W1).
 * scipy constants: scipy 1.10.1 `stats.ks_2samp(a, b)` (and `method='asymp'`) and
 * `stats.wasserstein_distance(a, b)` on the `gen(...)` data (formula in helpers.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareSorted } from '../../../src/engine/drift/ecdf.ts';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { ks2samp, ks2sampSorted, probOutsideBand, probOutsideSquare } from '../../../src/engine/drift/ks.ts';
import { sortedFinite } from '../../../src/engine/drift/stats.ts';
import { assertClose, gen } from './helpers.ts';

describe('KS statistic', () => {
  it('processes ties in both samples together', () => {
    // hand: pooled values 1, 2, 3, 4 → F_ref = .25 .75 1 1, F_cur = 0 .75 .75 1 → D = .25.
    // Comparing element by element (ref's first 2 before cur's 2s) would report .5.
    const r = ks2samp([1, 2, 2, 3], [2, 2, 2, 4]);
    assert.equal(r.statistic, 0.25);
    assert.equal(r.pValue, 1); // hand: D ≥ 1/4 holds for every path when n₁ = n₂ = 4
  });

  it('reports sign and location like scipy', () => {
    const r = compareSorted(Float64Array.from([1, 2, 3]), Float64Array.from([4, 5, 6]));
    assert.equal(r.d, 1);
    assert.equal(r.sign, 1); // reference CDF above the current one
    assert.equal(r.location, 3);
    assert.equal(compareSorted(Float64Array.from([4, 5, 6]), Float64Array.from([1, 2, 3])).sign, -1);
  });

  it('identical samples give D = 0, p = 1', () => {
    const r = ks2samp([3, 1, 2, 2], [2, 3, 2, 1]);
    assert.equal(r.statistic, 0);
    assert.equal(r.pValue, 1);
  });

  it('drops NaN and ±inf before testing', () => {
    const r = ks2samp([1, NaN, 2, Infinity, 3], [-Infinity, 4, 5, 6]);
    assert.equal(r.statistic, 1);
    assertClose(r.pValue, 0.1, 1e-15);
  });

  it('refuses empty samples with an MlopsError', () => {
    assert.throws(
      () => ks2samp([NaN], [1, 2]),
      (e: unknown) => isMlopsError(e) && e.code === 'usage',
    );
  });
});

describe('KS exact p-value (lattice paths)', () => {
  it('matches path counting by hand', () => {
    // Fully separated samples: only the 2 extreme paths of C(n₁+n₂, n₁) reach D = 1.
    assertClose(ks2samp([1, 2, 3], [4, 5, 6]).pValue, 2 / 20, 1e-15);
    assertClose(ks2samp([0], [1, 2, 3, 4, 5]).pValue, 2 / 6, 1e-15);
    assertClose(probOutsideSquare(3, 3), 0.1, 1e-15);
    assertClose(probOutsideBand(1, 5, 1, 5), 1 / 3, 1e-15);
  });

  it('equal sizes: closed form agrees with the lattice recursion', () => {
    for (const [n, h] of [
      [10, 3],
      [40, 7],
      [200, 16],
    ]) {
      // With m = n and g = n the band recursion counts the same paths.
      assertClose(probOutsideSquare(n, h), probOutsideBand(n, n, n, h), 1e-12, 0, `n=${n} h=${h}`);
    }
  });

  it('matches scipy ks_2samp, unequal sizes (60 vs 45)', () => {
    const a = gen(60, 7919, 1000);
    const b = gen(45, 104729, 1009, 3);
    const r = ks2samp(a, b);
    assert.equal(r.method, 'exact');
    assertClose(r.statistic, 0.09444444444444444, 1e-15);
    assertClose(r.pValue, 0.9617932487109241, 1e-12);
    assertClose(ks2samp(a, b, { method: 'asymp' }).pValue, 0.9575571735544909, 1e-12);
  });

  it('matches scipy ks_2samp, equal sizes (200 vs 200) and ties (300 vs 500)', () => {
    const r = ks2samp(gen(200, 7919, 1000), gen(200, 104729, 1009, 5));
    assertClose(r.statistic, 0.08, 1e-15);
    assertClose(r.pValue, 0.5452713464323318, 1e-12);
    // 97 and 101 distinct values: heavy ties in both samples
    const t = ks2samp(gen(300, 37, 97), gen(500, 53, 101));
    assertClose(t.statistic, 0.04, 1e-15);
    assertClose(t.pValue, 0.9143464041379267, 1e-12);
    assertClose(ks2samp(gen(300, 37, 97), gen(500, 53, 101), { method: 'asymp' }).pValue, 0.9124213890728615, 1e-12);
  });
});

describe('KS method selection', () => {
  it("'auto' is asymptotic above 10 000 values (12 000 vs 8 000)", () => {
    const r = ks2samp(gen(12000, 7919, 1000), gen(8000, 104729, 1009, 1));
    assert.equal(r.method, 'asymp');
    assertClose(r.statistic, 0.019000000000000017, 1e-14);
    assertClose(r.pValue, 0.06171257854490275, 1e-10); // scipy: kstwo.sf(D, round(4800))
  });

  it('matches scipy on larger samples through each kstwo branch', () => {
    // exact, unequal sizes, 3000 vs 2000
    const e = ks2samp(gen(3000, 7919, 1000), gen(2000, 104729, 1009, 0.5));
    assert.equal(e.method, 'exact');
    assertClose(e.pValue, 0.9709595581645905, 1e-11);
    // asymptotic, en = 10 000, n·D² ≈ 8.3 → 2·smirnov
    const s = ks2samp(gen(20000, 7919, 1000), gen(20000, 104729, 1009, 2));
    assertClose(s.statistic, 0.028800000000000048, 1e-15);
    assertClose(s.pValue, 1.222071956931572e-7, 1e-9);
    // asymptotic, en = 12 000, n·D² ≈ 0.97 → Pelz-Good
    const pg = ks2samp(gen(20000, 7919, 1000), gen(30000, 104729, 1009));
    assertClose(pg.pValue, 0.28372928001759934, 1e-9);
  });

  it('recovers the lattice step when D·lcm lands just below an integer', () => {
    // D from the walk is 0.46666666666666656 (7/15 − ε); scipy rounds D·15 to 7 and reports 7/15.
    const r = ks2samp([0, 91.9, 83.8, 75.7, 67.6], [0, 80.2, 59.5]);
    assert.equal(r.statistic, 7 / 15);
    assertClose(r.pValue, 0.6785714285714286, 1e-14); // scipy (= 38/56)
  });

  it('rounds n₁n₂/(n₁+n₂) half-to-even for the asymptotic sample size', () => {
    // en = 12000.16 → 12000 (scipy); 12001 would give 0.2837202242130351
    const r = ks2samp(gen(20000, 7919, 1000), gen(30001, 104729, 1009));
    assertClose(r.pValue, 0.283765790203405, 1e-9); // scipy
  });

  it("'exact' on request, and D is rounded to the lattice as scipy does", () => {
    const a = sortedFinite(gen(300, 37, 97));
    const b = sortedFinite(gen(500, 53, 101));
    const exact = ks2sampSorted(a, b, { method: 'exact' });
    assert.equal(exact.method, 'exact');
    assert.equal(exact.statistic, 60 / 1500); // h / lcm(300, 500)
    assert.equal(ks2sampSorted(a, b, { method: 'asymp' }).method, 'asymp');
  });

  it("'exact' falls back to asymptotic when lcm(n₁, n₂) overflows int32, and says why", () => {
    const a = sortedFinite(gen(46349, 7919, 1000));
    const b = sortedFinite(gen(46351, 104729, 1009));
    const r = ks2sampSorted(a, b, { method: 'exact' });
    assert.equal(r.method, 'asymp');
    assert.match(r.fallback ?? '', /lcm/);
  });
});

describe('Wasserstein-1 from the merge walk', () => {
  const w1 = (a: number[], b: number[]): number => compareSorted(sortedFinite(a), sortedFinite(b)).w1;

  it('equals the shift for a shifted sample (hand)', () => {
    assertClose(w1([0, 1, 3], [5, 6, 8]), 5, 1e-15);
    assertClose(w1([5, 6, 8], [0, 1, 3]), 5, 1e-15);
  });

  it('handles unequal sizes, ties and tails (hand)', () => {
    // F_ref = ½ on [0, 1), F_cur = 1 there: area ½
    assertClose(w1([0, 1], [0]), 0.5, 1e-15);
    // |F_a − F_b| = ⅔ on [0,1), ⅓ on [1,2), ⅔ on [2,4) → ⅔ + ⅓ + 4/3 = 7/3 (scipy agrees)
    assertClose(w1([0, 0, 2], [1, 4, 4]), 7 / 3, 1e-15);
    assert.equal(w1([2, 2, 2], [2, 2]), 0);
    // One sample used up first, the other's CDF still climbing: 1·1 + ⅔·1 + ⅓·2 = 7/3, either order
    assertClose(w1([0], [1, 2, 4]), 7 / 3, 1e-15);
    assertClose(w1([1, 2, 4], [0]), 7 / 3, 1e-15);
  });

  it('matches scipy wasserstein_distance', () => {
    assertClose(compareSorted(sortedFinite(gen(60, 7919, 1000)), sortedFinite(gen(45, 104729, 1009, 3))).w1, 4.958888888888888, 1e-13);
    assertClose(compareSorted(sortedFinite(gen(12000, 7919, 1000)), sortedFinite(gen(8000, 104729, 1009, 1))).w1, 1.46035, 1e-12);
    assertClose(compareSorted(sortedFinite(gen(300, 37, 97)), sortedFinite(gen(500, 53, 101))).w1, 0.21013333333333334, 1e-13);
  });
});
