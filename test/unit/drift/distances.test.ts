/**
 * Histogram distances and normed Wasserstein.
 * "numpy/scipy" constants: Evidently's get_binned_data re-evaluated with numpy 1.24.2 /
 * scipy 1.10.1 on the `gen` data (bins = histogram_bin_edges(concat, "sturges"), then
 * `scipy.spatial.distance.jensenshannon`, `scipy.stats.entropy`, Σ(r−c)ln(r/c) after zero fill).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evidentlyBins, fillZeroes } from '../../../src/engine/drift/binning.ts';
import {
  hellingerFromProportions,
  hellingerNumeric,
  jensenShannonDistance,
  klDivergence,
  lInfinity,
  psi,
  totalVariation,
  wassersteinNormed,
} from '../../../src/engine/drift/distances.ts';
import { numericDriftStats } from '../../../src/engine/drift/numeric.ts';
import { categoricalSample, numericSample } from '../../../src/engine/drift/sample.ts';
import { sortedFinite } from '../../../src/engine/drift/stats.ts';
import { assertClose, gen, rep } from './helpers.ts';

const f = (xs: number[]): Float64Array => Float64Array.from(xs);

describe('PSI, KL and Jensen-Shannon on Evidently bins', () => {
  const cases = [
    { a: gen(60, 7919, 1000), b: gen(45, 104729, 1009, 3), js: 0.10147608579362623, js2: 0.12188520060266078, psi: 0.08327185340494198, kl: 0.040217060152695154 },
    { a: gen(200, 7919, 1000), b: gen(200, 104729, 1009, 5), js: 0.11341266317358117, js2: 0.1362224911779381, psi: 0.10595313352658817, kl: 0.05010836731702393 },
    { a: gen(12000, 7919, 1000), b: gen(8000, 104729, 1009, 1), js: 0.032443045759836205, js2: 0.03896806927142348, psi: 0.00845510326649205, kl: 0.004070970575529081 },
    { a: gen(300, 37, 97), b: gen(500, 53, 101), js: 0.048368454237259426, js2: 0.058096434262734205, psi: 0.01887041766388316, kl: 0.008784706818257559 },
  ];
  it('match numpy/scipy to 1e-12', () => {
    for (const c of cases) {
      const bins = evidentlyBins(numericSample(c.a), numericSample(c.b));
      assertClose(jensenShannonDistance(bins.ref, bins.cur), c.js, 1e-12, 0, 'JS');
      assertClose(jensenShannonDistance(bins.ref, bins.cur, 2), c.js2, 1e-12, 0, 'JS base 2');
      assertClose(psi(fillZeroes(bins.ref), fillZeroes(bins.cur)), c.psi, 1e-12, 0, 'PSI');
      assertClose(klDivergence(fillZeroes(bins.ref), fillZeroes(bins.cur)), c.kl, 1e-12, 0, 'KL');
    }
  });

  it('E19: PSI of [3, 2, 2] vs [1, 2, 3] as categories = 2.93415', () => {
    // Evidently tests/multitest asserts 2.93 ± 0.01; full precision by hand:
    // r = [1e-4 (zero fill), ⅔, ⅓], c = [⅓, ⅓, ⅓] → Σ (r−c)·ln(r/c)
    const b = evidentlyBins(categoricalSample([3, 2, 2]), categoricalSample([1, 2, 3]));
    const value = psi(fillZeroes(b.ref), fillZeroes(b.cur));
    const hand = (1e-4 - 1 / 3) * Math.log(1e-4 / (1 / 3)) + (1 / 3) * Math.log(2);
    assertClose(value, hand, 1e-14);
    assertClose(value, 2.9341472484810085, 1e-13); // numpy
  });

  it('PSI is symmetric and equals KL(r‖c) + KL(c‖r) for normalised vectors (hand)', () => {
    const r = f([0.2, 0.3, 0.5]);
    const c = f([0.4, 0.4, 0.2]);
    assertClose(psi(r, c), psi(c, r), 1e-15);
    assertClose(psi(r, c), klDivergence(r, c) + klDivergence(c, r), 1e-14);
  });

  it('KL renormalises its inputs like scipy.stats.entropy', () => {
    assertClose(klDivergence(f([2, 3, 5]), f([4, 4, 2])), klDivergence(f([0.2, 0.3, 0.5]), f([0.4, 0.4, 0.2])), 1e-15);
    assert.equal(klDivergence(f([0.5, 0.5]), f([1, 0])), Infinity);
  });

  it('Jensen-Shannon: 0 for equal, √ln2 (nats) or 1 (bits) for disjoint supports, no zero fill needed', () => {
    assert.equal(jensenShannonDistance(f([0.3, 0.7]), f([0.3, 0.7])), 0);
    assertClose(jensenShannonDistance(f([1, 0]), f([0, 1])), Math.sqrt(Math.LN2), 1e-15);
    assertClose(jensenShannonDistance(f([1, 0]), f([0, 1]), 2), 1, 1e-15);
  });

  it('TFDV JS divergence vectors (drift.md §5.3) as squared log2 distances', () => {
    // point masses {0: 1, 1: 1} vs {0: 1, 2: 1} → 0.5
    assertClose(jensenShannonDistance(f([1, 1, 0]), f([1, 0, 1]), 2) ** 2, 0.5, 1e-14);
    // rank histograms {b: 2, a: 2, c: 1} vs {a: 2, Z: 1, Y: 1, X: 1} → 0.6 (keys a b c X Y Z)
    assertClose(jensenShannonDistance(f([2, 2, 1, 0, 0, 0]), f([2, 0, 0, 1, 1, 1]), 2) ** 2, 0.6, 1e-14);
  });
});

describe('Hellinger', () => {
  it('E2/E3: categorical Hellinger of rep([1..6], …) = 0.0681277', () => {
    // Evidently tests/stattests asserts 0.06812 ± 1e-5; numpy: sqrt(1 − Σ√(rc)) = 0.06812774370983345
    const ref = categoricalSample(rep([1, 2, 3, 4, 5, 6], [16, 18, 16, 14, 12, 12]));
    const cur = categoricalSample(rep([1, 2, 3, 4, 5, 6], [16, 16, 16, 16, 16, 8]));
    const b = evidentlyBins(ref, cur);
    assertClose(hellingerFromProportions(b.ref, b.cur), 0.06812774370983345, 1e-12);
    const ref2 = categoricalSample(rep([1, 2, 3, 4, 5, 6], [32, 36, 32, 28, 24, 24]));
    const b2 = evidentlyBins(ref2, cur);
    assertClose(hellingerFromProportions(b2.ref, b2.cur), 0.06812774370983345, 1e-12);
  });

  it('E4: identical samples with missing values → 0', () => {
    const s = categoricalSample(rep(['a', 'b', null], [10, 10, 10]));
    const b = evidentlyBins(s, s);
    assert.equal(hellingerFromProportions(b.ref, b.cur), 0);
  });

  it('whylogs vectors (drift.md §5.5): [0] vs [5] = 1, [5] vs [5] = 0', () => {
    const h = (a: number[], b: number[]): number => hellingerNumeric(sortedFinite(a), sortedFinite(b));
    assert.equal(h([0], [5]), 1);
    assert.equal(h([5], [5]), 0);
    assert.equal(h([0], [0]), 0);
  });

  it('numeric: Sturges bins over the distinct values, density-weighted (hand)', () => {
    // distinct {0, 1, 3}: ceil(log2 3 + 1) = 3 bins [0,1) [1,2) [2,3]; ref → [½, ½, 0], cur → [0, ½, ½]
    // BC = √(½·½) = ½ → H = √½
    assertClose(hellingerNumeric(sortedFinite([0, 1]), sortedFinite([1, 3])), Math.SQRT1_2, 1e-15);
    // Bin count from the 4 distinct values, not the 16 rows: 3 bins of width 4/3 over [0, 4];
    // ref → [¾, 0, ¼], cur → [½, 0, ½]; BC = √(3/8) + √(1/8) → H = 0.18459191128251476 (numpy agrees;
    // Sturges on all 16 rows would give 5 bins and H = 1)
    const h = hellingerNumeric(sortedFinite([0, 0, 0, 0, 0, 0, 4, 4]), sortedFinite([1, 1, 1, 1, 3, 3, 3, 3]));
    assertClose(h, Math.sqrt(1 - Math.sqrt(3 / 8) - Math.sqrt(1 / 8)), 1e-14);
    assertClose(h, 0.18459191128251476, 1e-13);
  });
});

describe('L∞ and total variation', () => {
  it('NannyML vectors (drift.md §5.2)', () => {
    const linf = (a: string[], b: string[]): number => {
      const bins = evidentlyBins(categoricalSample(a), categoricalSample(b));
      return lInfinity(bins.ref, bins.cur);
    };
    const ref = ['a', 'a', 'b', 'b', 'c', 'c'];
    assertClose(linf(ref, [...ref, 'd']), 1 / 7, 1e-15);
    assert.equal(linf(ref, [...ref]), 0);
    assertClose(linf(ref, ['b', 'b', 'b', 'b', 'b']), 2 / 3, 1e-15);
  });

  it('TFDV L∞ vectors (drift.md §5.3)', () => {
    assertClose(lInfinity(f([0.1, 0.9]), f([0.3, 0.7])), 0.2, 1e-15);
    assertClose(lInfinity(f([0, 0.9, 0.1]), f([0.3, 0.7, 0])), 0.3, 1e-15); // keys a, b, c
    assertClose(totalVariation(f([0.1, 0.9]), f([0.3, 0.7])), 0.2, 1e-15);
  });
});

describe('normed Wasserstein', () => {
  it('W1 / population std of the reference (hand)', () => {
    const w = wassersteinNormed(sortedFinite([0, 1, 3]), sortedFinite([5, 6, 8]));
    assert.equal(w.w1, 5);
    assertClose(w.stdRef, Math.sqrt(42 / 27), 1e-15); // deviations −4/3, −1/3, 5/3
    assertClose(w.score, 5 / Math.sqrt(42 / 27), 1e-15);
  });

  it('constant reference: σ floored at 0.001', () => {
    const w = wassersteinNormed(sortedFinite([2, 2, 2]), sortedFinite([3, 3]));
    assert.equal(w.stdRef, 0);
    assertClose(w.score, 1000, 1e-12);
  });

  it('matches scipy: wasserstein_distance / np.std for the 60 vs 45 sample', () => {
    const w = wassersteinNormed(sortedFinite(gen(60, 7919, 1000)), sortedFinite(gen(45, 104729, 1009, 3)));
    assertClose(w.stdRef, 28.54098904305097, 1e-14);
    assertClose(w.score, 4.958888888888888 / 28.54098904305097, 1e-13);
  });

  it('one-walk numeric summary agrees with the separate functions', () => {
    const s = numericDriftStats(gen(300, 37, 97), gen(500, 53, 101));
    assertClose(s.ks.pValue, 0.9143464041379267, 1e-12);
    assertClose(s.wasserstein.w1, 0.21013333333333334, 1e-13);
    assertClose(s.psi, 0.01887041766388316, 1e-12);
    assertClose(s.jensenShannon, 0.048368454237259426, 1e-12);
    assert.equal(s.binning, 'sturges');
    assert.equal(s.bins, 11);
  });

  it('one-walk summary zero-fills both vectors for PSI (disjoint ranges)', () => {
    // ref 0…29, cur 100…129: 7 Sturges bins, 5 empty in each vector; numpy/Evidently: 17.102973096911164
    const s = numericDriftStats(
      Array.from({ length: 30 }, (_, i) => i),
      Array.from({ length: 30 }, (_, i) => 100 + i),
    );
    assert.equal(s.bins, 7);
    assertClose(s.psi, 17.102973096911164, 1e-12);
  });
});
