/**
 * Every numeric drift statistic from one sort per sample and one merge walk: KS (statistic and
 * p-value), Wasserstein (raw and normed) and the Evidently-binned PSI / Jensen-Shannon, whose
 * histograms come from binary searches in the same sorted arrays. This is the path for large
 * columns (drift.md §7: sorting dominates, so never sort twice).
 */
import type { Binned } from './binning.ts';
import { evidentlyBins, fillZeroes } from './binning.ts';
import { jensenShannonDistance, psi, wassersteinNormed } from './distances.ts';
import type { WassersteinResult } from './distances.ts';
import { compareSorted } from './ecdf.ts';
import type { KsMethod, KsResult } from './ks.ts';
import { ks2sampSorted } from './ks.ts';
import type { NumericSample } from './sample.ts';
import { numericSample } from './sample.ts';

export interface NumericDriftStats {
  ks: KsResult;
  wasserstein: WassersteinResult;
  /** Evidently PSI (Evidently bins, zero fill). */
  psi: number;
  /** Jensen-Shannon distance, natural log, Evidently bins without zero fill. */
  jensenShannon: number;
  binning: Binned['method'];
  bins: number;
}

export function numericDriftStatsFromSamples(ref: NumericSample, cur: NumericSample, options: { ksMethod?: KsMethod } = {}): NumericDriftStats {
  const a = ref.sorted;
  const b = cur.sorted;
  const cmp = compareSorted(a, b);
  const ks = ks2sampSorted(a, b, { method: options.ksMethod ?? 'auto' }, cmp);
  const wasserstein = wassersteinNormed(a, b, cmp.w1);
  const bins = evidentlyBins(ref, cur);
  return {
    ks,
    wasserstein,
    psi: psi(fillZeroes(bins.ref), fillZeroes(bins.cur)),
    jensenShannon: jensenShannonDistance(bins.ref, bins.cur),
    binning: bins.method,
    bins: bins.ref.length,
  };
}

/** Same from raw values (NaN and ±inf dropped). Throws MlopsError if a sample is empty. */
export function numericDriftStats(ref: ArrayLike<number>, cur: ArrayLike<number>, options: { ksMethod?: KsMethod } = {}): NumericDriftStats {
  return numericDriftStatsFromSamples(numericSample(ref), numericSample(cur), options);
}
