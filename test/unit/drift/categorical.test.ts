/**
 * Chi-square GOF and Z-test against the Evidently vectors of drift.md §5.1 (tests that call the
 * stat-test function directly, without the report's NaN removal). "Full precision" values are
 * the drift.md column; extra digits come from scipy 1.10.1 where stated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chiSquareGof, chiSquareHomogeneity, twoProportionZ, zTest } from '../../../src/engine/drift/index.ts';
import { categoricalSample, categoryTable, numericSample } from '../../../src/engine/drift/index.ts';
import { assertClose, rep, times } from './helpers.ts';

const cat = categoricalSample;

describe('chi-square goodness of fit (§3.6)', () => {
  const e1Ref = rep([1, 2, 3, 4, 5, 6], [16, 18, 16, 14, 12, 12]);
  const e1Cur = rep([1, 2, 3, 4, 5, 6], [16, 16, 16, 16, 16, 8]);

  it('E1: p = 0.673088, not drifted at 0.5', () => {
    const r = chiSquareGof(categoryTable(cat(e1Ref), cat(e1Cur)));
    // hand: χ² = 4/18 + 4/14 + 16/12 + 16/12 = 3.1746…, df = 5
    assertClose(r.statistic, 4 / 18 + 4 / 14 + 16 / 12 + 16 / 12, 1e-15);
    assert.equal(r.df, 5);
    assertClose(r.pValue, 0.6730876006966301, 1e-12); // scipy chisquare(f_obs=cur, f_exp=ref)
    assert.ok(!(r.pValue < 0.5));
    assert.deepEqual(r.unseenCategories, []);
  });

  it('E1 on numeric samples gives the same table and p-value', () => {
    const r = chiSquareGof(categoryTable(numericSample(e1Ref), numericSample(e1Cur)));
    assertClose(r.pValue, 0.6730876006966301, 1e-12);
  });

  it('E3: reference twice as large (expected counts rescaled by n_cur/n_ref) → same p', () => {
    const ref = rep([1, 2, 3, 4, 5, 6], [32, 36, 32, 28, 24, 24]);
    assertClose(chiSquareGof(categoryTable(cat(ref), cat(e1Cur))).pValue, 0.6730876006966301, 1e-12);
  });

  it('E4: identical samples with NaN → p = 1', () => {
    const s = rep<string | null>(['a', 'b', null], [10, 10, 10]);
    assert.equal(chiSquareGof(categoryTable(cat(s), cat(s))).pValue, 1);
  });

  it('E20: [1, 2, 3] vs itself → p = 1', () => {
    assert.equal(chiSquareGof(categoryTable(cat([1, 2, 3]), cat([1, 2, 3]))).pValue, 1);
  });

  it('E21/E25: current-only categories → χ² = ∞, p = 0, and they are listed', () => {
    const e21 = chiSquareGof(categoryTable(cat([1, 2, 3]), cat([5, 8, 3])));
    assert.equal(e21.statistic, Infinity);
    assert.equal(e21.pValue, 0);
    assert.deepEqual(e21.unseenCategories, [5, 8]);
    const e25 = chiSquareGof(categoryTable(cat([1, 4, 5]), cat([1, 2, 3])));
    assert.equal(e25.pValue, 0);
    assert.deepEqual(e25.unseenCategories, [2, 3]);
  });

  it('a category only in the reference does not make p = 0', () => {
    const r = chiSquareGof(categoryTable(cat(['a', 'b', 'c', 'c']), cat(['a', 'b', 'a', 'b'])));
    assert.ok(r.pValue > 0 && Number.isFinite(r.statistic));
    assert.deepEqual(r.unseenCategories, []);
  });

  it('E23: [1, 1, 2, 0] vs [0, 0, 0, 1] → χ² = 5.5, df = 2, p = e^{-2.75} = 0.0639279', () => {
    const r = chiSquareGof(categoryTable(cat([1, 1, 2, 0]), cat([0, 0, 0, 1])));
    assert.equal(r.statistic, 5.5);
    assertClose(r.pValue, Math.exp(-2.75), 1e-14);
  });

  it('a single category gives p = 1 (scipy would give NaN for df = 0)', () => {
    assert.equal(chiSquareGof(categoryTable(cat(['x', 'x']), cat(['x']))).pValue, 1);
  });
});

describe('chi-square test of homogeneity (R5: unseenCategories: homogeneity)', () => {
  it('a small new category is weighed by its counts instead of forcing p = 0 (scipy chi2_contingency)', () => {
    const ref = rep(['a', 'b', 'c'], [40, 35, 25]);
    const cur = rep(['a', 'b', 'c', 'd'], [38, 30, 27, 5]);
    const gof = chiSquareGof(categoryTable(cat(ref), cat(cur)));
    assert.equal(gof.pValue, 0);
    const r = chiSquareHomogeneity(categoryTable(cat(ref), cat(cur)));
    assertClose(r.statistic, 5.512820512820513, 1e-13); // chi2_contingency([[40,35,25,0],[38,30,27,5]])
    assertClose(r.pValue, 0.13787381646519323, 1e-12);
    assert.equal(r.df, 3);
    assert.deepEqual(r.unseenCategories, ['d']);
  });

  it('df = 1 applies Yates correction as scipy does by default', () => {
    const r = chiSquareHomogeneity(categoryTable(cat(rep(['x', 'y'], [30, 70])), cat(rep(['x', 'y'], [45, 55]))));
    assertClose(r.statistic, 4.181333333333333, 1e-13); // 4.8 without the correction
    assertClose(r.pValue, 0.04087153408900628, 1e-12);
  });

  it('E1 table: χ² = 1.62241, p = 0.898526; one category or an empty side gives p = 1', () => {
    const r = chiSquareHomogeneity(categoryTable(cat(rep([1, 2, 3, 4, 5, 6], [16, 18, 16, 14, 12, 12])), cat(rep([1, 2, 3, 4, 5, 6], [16, 16, 16, 16, 16, 8]))));
    assertClose(r.statistic, 1.6224089635854342, 1e-13);
    assertClose(r.pValue, 0.8985262394026607, 1e-12);
    assert.equal(chiSquareHomogeneity(categoryTable(cat(['x', 'x']), cat(['x']))).pValue, 1);
  });
});

describe('two-proportion Z-test (§3.7)', () => {
  it('E5: ["a","b"]*10 vs itself → 1.0', () => {
    const s = times(['a', 'b'], 10);
    assertClose(zTest(cat(s), cat(s)).pValue, 1, 1e-15);
  });

  it('E6: NaN in the reference counts as "not the first key" when kept → 1.0', () => {
    const ref = times<string | null>(['a', null], 10);
    const cur = times(['a', 'b'], 10);
    const raw = zTest(cat(ref), cat(cur), { missingAsOther: true });
    assertClose(raw.pValue, 1, 1e-12);
    assert.equal(raw.baseline, 'a');
    // With NaN removed (the report's default) the reference is all "a": p1 = 0, p2 = ½,
    // P = ⅓, z = −½ / √(2/9 · (1/10 + 1/20)) → p = 0.0061698993205441255 (scipy norm)
    const z = -0.5 / Math.sqrt((2 / 9) * (1 / 10 + 1 / 20));
    const dropped = zTest(cat(ref), cat(cur));
    assertClose(dropped.statistic, z, 1e-14);
    assertClose(dropped.pValue, 0.0061698993205441255, 1e-12);
  });

  it('E22: [1, 1, 0, 1] vs [0, 0, 0, 1] → 0.157299', () => {
    // hand: p1 = ¾, p2 = ¼, P = ½, z = ½ / √(¼·½) = √2
    const r = zTest(numericSample([1, 1, 0, 1]), numericSample([0, 0, 0, 1]));
    assertClose(r.statistic, Math.SQRT2, 1e-15);
    assertClose(r.pValue, 0.157299207050285, 1e-13); // scipy 2·(1 − Φ(√2))
    assert.equal(r.baseline, 0);
  });

  it('E24: ["a","a","b","b"] vs ["a","b","a",NaN] with NaN removed → 0.659243', () => {
    const r = zTest(cat(['a', 'a', 'b', 'b']), cat(['a', 'b', 'a', null]));
    assertClose(r.pValue, 0.6592430036926307, 1e-12); // scipy, z = 0.44095855184409843
    assertClose(r.statistic, 0.44095855184409843, 1e-14);
  });

  it('constant and equal samples short-circuit to p = 1; constant but different → tiny p', () => {
    assert.equal(zTest(cat(['a', 'a']), cat(['a'])).pValue, 1);
    // Evidently's rule looks at non-missing values only, so it also applies when NaN is kept
    assert.equal(zTest(cat(['a', 'a', null]), cat(['a']), { missingAsOther: true }).pValue, 1);
    const diff = zTest(cat(times(['a'], 30)), cat(times(['b'], 30)));
    assert.ok(diff.pValue < 1e-10);
  });

  it('the baseline is the smallest key of both samples, even if only current has it', () => {
    // baseline "a": p1 = 3/3, p2 = 1/2, P = 4/5, z = ½ / √(4/25 · (1/3 + 1/2)) (hand)
    const r = zTest(cat(['b', 'b', 'c']), cat(['a', 'b']));
    assert.equal(r.baseline, 'a');
    assertClose(r.statistic, 0.5 / Math.sqrt((4 / 25) * (1 / 3 + 1 / 2)), 1e-14);
  });

  it('booleans sort false before true', () => {
    assert.equal(zTest(cat([true, false, true]), cat([true, true])).baseline, false);
  });

  it('twoProportionZ: zero variance → p = 1', () => {
    assert.deepEqual(twoProportionZ(0, 10, 0, 20), { z: 0, pValue: 1 });
  });
});
