/**
 * Evidently's p-value tests for categories: chi-square goodness of fit (§3.6) and the pooled
 * two-proportion Z-test (§3.7).
 */
import { chi2Sf, normalTwoSided } from './gamma.ts';
import type { CategoryKey, CategoryTable, Sample } from './sample.ts';
import { asCategorical, compareKeys } from './sample.ts';

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
  /**
   * Categories present in the current sample but absent from the reference. Each makes an
   * expected count 0, χ² = ∞ and p = 0 — Evidently's behaviour (evidently#96), kept for parity;
   * the list lets a report say *why* (R5).
   */
  unseenCategories: CategoryKey[];
}

/**
 * Chi-square goodness of fit of the current counts against the reference shape:
 * Eᵢ = refᵢ · n_cur/n_ref, Oᵢ = curᵢ, χ² = Σ (Oᵢ − Eᵢ)²/Eᵢ, df = k − 1.
 * With a single category both samples are the same distribution; scipy would give NaN
 * (df = 0), we give p = 1.
 */
export function chiSquareGof(table: CategoryTable): ChiSquareResult {
  const k = table.keys.length;
  const scale = table.nCur / table.nRef;
  const unseen: CategoryKey[] = [];
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const expected = table.ref[i] * scale;
    const observed = table.cur[i];
    if (expected === 0) {
      if (observed > 0) {
        unseen.push(table.keys[i]);
        stat = Infinity;
      }
      continue;
    }
    const d = observed - expected;
    stat += (d * d) / expected;
  }
  const df = k - 1;
  const pValue = df < 1 ? 1 : chi2Sf(stat, df);
  return { statistic: stat, df, pValue, unseenCategories: unseen };
}

export interface ZTestResult {
  /** z statistic; 0 when both samples are the same single value. */
  statistic: number;
  pValue: number;
  /** The category encoded as 0 (first in sorted order); every other value is 1. */
  baseline: CategoryKey | undefined;
}

export interface ZTestOptions {
  /**
   * Keep missing values and encode them as "not the first key" (1). This is what Evidently's
   * function does when called without the report's NaN removal (drift.md §3.7, vector E6);
   * the drift report itself removes missing values first, which is the default here.
   */
  missingAsOther?: boolean;
}

/**
 * Two-proportion Z-test, pooled variance, two-sided: p₁, p₂ are the shares of "not the first
 * sorted key" in reference and current; z = (p₁ − p₂)/√(P(1−P)(1/n₁ + 1/n₂)).
 * If each sample holds one and the same value, p = 1 without computing z.
 */
export function zTest(refSample: Sample, curSample: Sample, options: ZTestOptions = {}): ZTestResult {
  const ref = asCategorical(refSample);
  const cur = asCategorical(curSample);
  if (ref.counts.size === 1 && cur.counts.size === 1) {
    const [a] = ref.counts.keys();
    const [b] = cur.counts.keys();
    if (a === b) return { statistic: 0, pValue: 1, baseline: a };
  }
  let baseline: CategoryKey | undefined;
  for (const k of ref.counts.keys()) if (baseline === undefined || compareKeys(k, baseline) < 0) baseline = k;
  for (const k of cur.counts.keys()) if (baseline === undefined || compareKeys(k, baseline) < 0) baseline = k;
  const keepMissing = options.missingAsOther === true;
  const n1 = ref.n + (keepMissing ? ref.missing : 0);
  const n2 = cur.n + (keepMissing ? cur.missing : 0);
  const base1 = baseline === undefined ? 0 : (ref.counts.get(baseline) ?? 0);
  const base2 = baseline === undefined ? 0 : (cur.counts.get(baseline) ?? 0);
  const { z, pValue } = twoProportionZ(n1 - base1, n1, n2 - base2, n2);
  return { statistic: z, pValue, baseline };
}

/**
 * Pooled two-proportion Z for x₁ of n₁ vs x₂ of n₂, two-sided. When both shares are 0 or both
 * are 1 the variance is 0 and there is nothing to detect: z = 0, p = 1.
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): { z: number; pValue: number } {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  if (pooled === 0 || pooled === 1) return { z: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { z, pValue: normalTwoSided(z) };
}
