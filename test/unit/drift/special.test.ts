/**
 * Special functions. "scipy" constants below were computed with scipy 1.10.1 / Python 3.11
 * (Debian python3-scipy), e.g. `python3 -c "from scipy import stats; print(repr(stats.kstwo.sf(0.15, 100)))"`;
 * "hand" values follow from closed forms stated next to them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chi2Sf,
  erf,
  erfc,
  gammaP,
  gammaQ,
  kolmogorovCdf,
  kolmogorovSf,
  kstwoCdf,
  kstwoSf,
  lgamma,
  logFactorial,
  normalCdf,
  normalSf,
  normalTwoSided,
  smirnovSf,
} from '../../../src/engine/drift/special.ts';
import { assertClose } from './helpers.ts';

describe('gamma family', () => {
  it('lgamma matches exact factorials and Γ(½) = √π', () => {
    assertClose(lgamma(1), 0, 0, 1e-15);
    assertClose(lgamma(2), 0, 0, 1e-15);
    assertClose(lgamma(5), Math.log(24), 1e-15);
    assertClose(lgamma(0.5), 0.5 * Math.log(Math.PI), 1e-15);
    assertClose(lgamma(1.5), Math.log(Math.sqrt(Math.PI) / 2), 1e-14);
    // ln 100! = 363.73937555556347 (hand: Σ ln k, k ≤ 100, summed in Python with math.fsum)
    assertClose(logFactorial(100), 363.73937555556347, 1e-15);
    assert.equal(logFactorial(0), 0);
  });

  it('incomplete gamma: P + Q = 1 and Q(1, x) = e^-x', () => {
    for (const [a, x] of [
      [0.5, 0.2],
      [3, 2],
      [10, 15],
      [40, 35],
    ]) {
      assertClose(gammaP(a, x) + gammaQ(a, x), 1, 1e-14);
    }
    assertClose(gammaQ(1, 2.5), Math.exp(-2.5), 1e-15); // hand: Γ(1, x) = e^-x
  });

  it('chi2Sf matches scipy.stats.chi2.sf', () => {
    assertClose(chi2Sf(3.5, 5), 0.6233876277495822, 1e-13); // scipy
    assertClose(chi2Sf(12, 10), 0.2850565003166312, 1e-13); // scipy
    assertClose(chi2Sf(0.3, 1), 0.583882420770365, 1e-13); // scipy
    assertClose(chi2Sf(100, 80), 0.064570368921133, 1e-12); // scipy
    assertClose(chi2Sf(1e-3, 3), 0.9999915920809419, 1e-14); // scipy
    assertClose(chi2Sf(5.5, 2), Math.exp(-2.75), 1e-15); // hand: df = 2 ⇒ sf = e^{-x/2}
    assert.equal(chi2Sf(Infinity, 3), 0);
    assert.equal(chi2Sf(0, 3), 1);
  });

  it('erfc keeps full relative precision in the tail', () => {
    assertClose(erfc(0.3), 0.6713732405408726, 1e-15); // Python math.erfc
    assertClose(erfc(2.5), 0.0004069520174449589, 1e-14); // Python math.erfc
    assertClose(erfc(10), 2.088487583762545e-45, 1e-13); // Python math.erfc
    assertClose(erfc(-1), 2 - erfc(1), 1e-15);
    assertClose(erf(0.3) + erfc(0.3), 1, 1e-15);
    assert.equal(erfc(0), 1);
  });

  it('normal distribution matches scipy.stats.norm', () => {
    assertClose(normalSf(0.5), 0.3085375387259869, 1e-15); // scipy
    assertClose(normalSf(1.959963984540054), 0.025, 1e-14); // scipy
    assertClose(normalSf(3), 0.0013498980316300933, 1e-14); // scipy
    assertClose(normalSf(8), 6.22096057427174e-16, 1e-13); // scipy
    assertClose(normalCdf(-3), 0.0013498980316300933, 1e-14);
    assertClose(normalTwoSided(-1.959963984540054), 0.05, 1e-14);
    assert.equal(normalCdf(0), 0.5);
  });
});

describe('Kolmogorov distributions', () => {
  it('limit Q(λ) matches scipy.special.kolmogorov on both series', () => {
    assertClose(kolmogorovSf(0.5), 0.9639452436648751, 1e-14); // scipy (small-λ theta series)
    assertClose(kolmogorovSf(1), 0.26999967167735456, 1e-14); // scipy (alternating series)
    assertClose(kolmogorovSf(2), 0.0006709252557796953, 1e-13); // scipy
    assertClose(kolmogorovSf(1) + kolmogorovCdf(1), 1, 1e-15);
    // hand: below the cut-over the CDF comes from the theta series, whose first term is all that
    // survives at λ = 0.25 — 1 − Q(λ) from the alternating series would keep only ~8 digits here
    assertClose(kolmogorovCdf(0.25), (Math.sqrt(2 * Math.PI) / 0.25) * Math.exp(-(Math.PI ** 2) / (8 * 0.0625)), 1e-13);
    // hand: at λ = 0.1 the CDF is tiny but representable, √(2π)/λ · e^{−π²/(8λ²)}
    assertClose(kolmogorovCdf(0.1), (Math.sqrt(2 * Math.PI) / 0.1) * Math.exp(-(Math.PI ** 2) / 0.08), 1e-12);
    assert.equal(kolmogorovSf(0), 1);
    assert.equal(kolmogorovSf(0.01), 1);
  });

  it('one-sided smirnov matches closed forms and scipy.special.smirnov', () => {
    assertClose(smirnovSf(1, 0.3), 0.7, 1e-15); // hand: n = 1 ⇒ 1 − x
    assertClose(smirnovSf(2, 0.6), 0.16, 1e-14); // hand: only v = 0 ⇒ (1 − x)²
    assertClose(smirnovSf(10, 0.05), 1 - 0.05 * 1.05 ** 9, 1e-14); // hand: n·x ≤ 1 ⇒ 1 − x(1 + x)^{n−1}
    assertClose(smirnovSf(10, 0.3), 0.1354635556, 1e-12); // scipy
    assertClose(smirnovSf(1000, 0.05), 0.006506037390545166, 1e-12); // scipy
    assertClose(smirnovSf(1_000_000, 0.001), 0.1352450897649141, 1e-12); // scipy
  });

  it('kstwo.sf takes every branch of Simard & L’Ecuyer like scipy', () => {
    // hand, Ruben-Gambino t = nd ≤ 1: cdf = n!/nⁿ (2t − 1)ⁿ = 6/27 · 0.8³
    assertClose(kstwoSf(0.3, 3), 1 - (6 / 27) * 0.512, 1e-14);
    assertClose(kstwoSf(0.3, 3), 0.8862222222222222, 1e-14); // scipy
    // hand, Ruben-Gambino t ≥ n − 1: sf = 2(1 − d)ⁿ
    assertClose(kstwoSf(0.7, 3), 2 * 0.3 ** 3, 1e-13);
    const scipy: [number, number, number][] = [
      [10, 0.6, 0.0005681672000000003], // d ≥ 0.5: 2·smirnov
      [10, 0.2, 0.7487190399999999], // n ≤ 140, nd² ≤ 0.754693: Durbin matrix
      [100, 0.05, 0.9532159710635725], // n ≤ 140, nd² ≤ 0.75: Durbin
      [100, 0.15, 0.019839242125641813], // n ≤ 140, 0.75 < nd² ≤ 4 (scipy: Pomeranz)
      [100, 0.25, 5.408871776434847e-6], // n ≤ 140, nd² > 4: 2·smirnov
      [1000, 0.02, 0.8108971656895577], // n > 140, nd² < 2.2: Durbin
      [1000, 0.06, 0.001428597887952891], // nd² ≥ 2.2: 2·smirnov
      [50000, 0.003, 0.7579000443487147], // Pelz-Good
      [200000, 0.001, 0.9881500208855729], // n > 100000: Pelz-Good
      [500000, 0.0025, 0.0038544560212235442], // 2·smirnov with n = 5·10⁵ terms
      [500000, 0.02, 3.6481966551764204e-174], // deep tail
      [2_000_000, 0.002, 2.247704493692889e-7], // n > 10⁶: scipy's exp(−(6nx+1)²/18n)
    ];
    for (const [n, d, expected] of scipy) assertClose(kstwoSf(d, n), expected, 1e-9, 0, `kstwo.sf(${d}, ${n})`);
    assert.equal(kstwoSf(0.7, 1000), 0); // nd² ≥ 370
    assert.equal(kstwoSf(0, 10), 1);
    assert.equal(kstwoSf(1, 10), 0);
    assertClose(kstwoSf(0.15, 100) + kstwoCdf(0.15, 100), 1, 1e-14);
    // n > 140, n·d^1.5 ≤ 1.4: the exact Durbin matrix, not Pelz-Good (visible in the small CDF)
    assertClose(kstwoCdf(0.012, 1000), 0.0015535331379903396, 1e-10); // scipy
  });
});
