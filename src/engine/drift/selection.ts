/**
 * The statistical tests we implement, their Evidently defaults and drift direction (§2.4),
 * and Evidently's default test choice per column (§2.3).
 */
import type { ColumnType } from './columns.ts';

export type StatTestName = 'ks' | 'wasserstein' | 'chisquare' | 'z' | 'jensenshannon' | 'psi' | 'kl_div' | 'hellinger';

/**
 * How a score turns into "drift". p-values: small means drift, and Evidently's KS uses ≤ while
 * chi-square and Z use <. Distances: large means drift, ≥ the threshold.
 */
export type DriftRule = 'p<=threshold' | 'p<threshold' | 'score>=threshold';

export interface StatTestInfo {
  readonly name: StatTestName;
  /** Evidently's display name, for tables. */
  readonly displayName: string;
  readonly kind: 'p-value' | 'distance';
  readonly defaultThreshold: number;
  readonly rule: DriftRule;
  readonly columnTypes: readonly ('numerical' | 'categorical')[];
}

export const STAT_TESTS: Readonly<Record<StatTestName, StatTestInfo>> = {
  ks: { name: 'ks', displayName: 'K-S p_value', kind: 'p-value', defaultThreshold: 0.05, rule: 'p<=threshold', columnTypes: ['numerical'] },
  chisquare: {
    name: 'chisquare',
    displayName: 'chi-square p_value',
    kind: 'p-value',
    defaultThreshold: 0.05,
    rule: 'p<threshold',
    // Evidently registers it for categorical columns but also picks it by default for numeric
    // columns with 3–5 values, treating each value as a category; we allow both.
    columnTypes: ['categorical', 'numerical'],
  },
  z: { name: 'z', displayName: 'Z-test p_value', kind: 'p-value', defaultThreshold: 0.05, rule: 'p<threshold', columnTypes: ['categorical', 'numerical'] },
  wasserstein: {
    name: 'wasserstein',
    displayName: 'Wasserstein distance (normed)',
    kind: 'distance',
    defaultThreshold: 0.1,
    rule: 'score>=threshold',
    columnTypes: ['numerical'],
  },
  jensenshannon: {
    name: 'jensenshannon',
    displayName: 'Jensen-Shannon distance',
    kind: 'distance',
    defaultThreshold: 0.1,
    rule: 'score>=threshold',
    columnTypes: ['categorical', 'numerical'],
  },
  psi: { name: 'psi', displayName: 'PSI', kind: 'distance', defaultThreshold: 0.1, rule: 'score>=threshold', columnTypes: ['categorical', 'numerical'] },
  kl_div: {
    name: 'kl_div',
    displayName: 'Kullback-Leibler divergence',
    kind: 'distance',
    defaultThreshold: 0.1,
    rule: 'score>=threshold',
    columnTypes: ['categorical', 'numerical'],
  },
  hellinger: {
    name: 'hellinger',
    displayName: 'Hellinger distance',
    kind: 'distance',
    defaultThreshold: 0.1,
    rule: 'score>=threshold',
    columnTypes: ['categorical', 'numerical'],
  },
};

export function isStatTestName(name: string): name is StatTestName {
  return Object.hasOwn(STAT_TESTS, name);
}

/** Apply a test's drift rule. NaN scores never count as drift. */
export function isDrifted(test: StatTestName, score: number, threshold: number = STAT_TESTS[test].defaultThreshold): boolean {
  switch (STAT_TESTS[test].rule) {
    case 'p<=threshold':
      return score <= threshold;
    case 'p<threshold':
      return score < threshold;
    case 'score>=threshold':
      return score >= threshold;
  }
}

/** Evidently's reference-size cut-over from p-value tests to distances. */
export const SMALL_SAMPLE_LIMIT = 1000;

export interface SelectionInput {
  columnType: ColumnType;
  /** Reference values after missing-value removal. */
  nRef: number;
  /** Distinct non-missing values of reference and current concatenated. */
  nUnique: number;
}

/**
 * Evidently `_get_default_stattest` for non-text columns:
 * n_ref ≤ 1000: numerical with > 5 values → ks; else > 2 values → chisquare; else z.
 * n_ref > 1000: numerical with > 5 values → wasserstein; else jensenshannon.
 * Returns null for column types Evidently does not test this way (text uses a domain
 * classifier we do not implement; datetime and unknown are not drift-tested).
 */
export function defaultStatTest({ columnType, nRef, nUnique }: SelectionInput): StatTestName | null {
  if (columnType !== 'numerical' && columnType !== 'categorical') return null;
  if (nRef <= SMALL_SAMPLE_LIMIT) {
    if (columnType === 'numerical' && nUnique > 5) return 'ks';
    return nUnique > 2 ? 'chisquare' : 'z';
  }
  if (columnType === 'numerical' && nUnique > 5) return 'wasserstein';
  return 'jensenshannon';
}
