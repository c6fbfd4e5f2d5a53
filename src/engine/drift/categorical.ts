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

/**
 * What chi-square does with a category the reference never saw (R5):
 * - 'drift' — goodness of fit, Evidently's behaviour and our default for parity: the expected
 *   count is 0, so χ² = ∞ and p = 0; one new value anywhere marks the column drifted.
 * - 'homogeneity' — the chi-square test of homogeneity on the 2×k table of both samples (scipy's
 *   `chi2_contingency`, as alibi-detect does): the new category is one more column of the table
 *   and moves p as much as its counts say.
 * Either way the new categories are listed in `unseenCategories`.
 */
export type UnseenCategoryMode = 'drift' | 'homogeneity';

/**
 * Chi-square test of homogeneity of reference and current over the union of categories:
 * Eᵣⱼ = rowᵣ · colⱼ / N, χ² = Σ (O − E)²/E over both rows, df = k − 1. With df = 1 Yates'
 * continuity correction is applied as scipy's `chi2_contingency(correction=True)` does: each
 * |O − E| shrinks by at most 0.5.
 */
export function chiSquareHomogeneity(table: CategoryTable): ChiSquareResult {
  const k = table.keys.length;
  const n = table.nRef + table.nCur;
  const unseen: CategoryKey[] = [];
  for (let i = 0; i < k; i++) if (table.ref[i] === 0 && table.cur[i] > 0) unseen.push(table.keys[i]);
  const df = k - 1;
  if (df < 1 || table.nRef === 0 || table.nCur === 0) return { statistic: 0, df: Math.max(df, 0), pValue: 1, unseenCategories: unseen };
  const yates = df === 1;
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const col = table.ref[i] + table.cur[i];
    for (const [observed, row] of [[table.ref[i], table.nRef], [table.cur[i], table.nCur]] as const) {
      const expected = (row * col) / n;
      let d = Math.abs(observed - expected);
      if (yates) d = Math.max(0, d - 0.5);
      stat += (d * d) / expected;
    }
  }
  return { statistic: stat, df, pValue: chi2Sf(stat, df), unseenCategories: unseen };
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
