/**
 * One column of the report: decide what the column is (from the reference, as Evidently does),
 * build samples from the two profiles, run the configured or default test, and say plainly why
 * when a column cannot be scored. Nothing here throws for bad data: a column that cannot be
 * compared gets a status and a message, and the rest of the report goes on.
 */
import { describeError, isMlopsError } from '../errors.ts';
import type { ColumnProfile } from '../data/profile.ts';
import { STAT_TESTS, columnDriftFromSamples, twoProportionZ } from '../drift/index.ts';
import type { CategoricalSample, CategoryKey, ColumnDriftOptions, ColumnDriftResult, Sample } from '../drift/index.ts';
import { categoriesChart, histogramChart, keyText, severityOf } from './charts.ts';
import type { DriftSettings } from './settings.ts';
import type { SideColumn } from './side.ts';
import type { ColumnKind, ColumnReport, ColumnReportStatus, InvalidValuesInfo, MissingSignal } from './types.ts';

/** Stands for the rows past the data layer's distinct-value cap, on both sides alike. */
const OTHER_KEY = '\u0000(other values)';
const fmt = (n: number): string => n.toLocaleString('en-US');
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function missingCount(c: ColumnProfile): number {
  return c.missing + (c.numeric?.infinite ?? 0);
}

export function missingSignal(ref: ColumnProfile | undefined, cur: ColumnProfile | undefined): MissingSignal {
  const r = ref && ref.rows > 0 ? missingCount(ref) / ref.rows : null;
  const c = cur && cur.rows > 0 ? missingCount(cur) / cur.rows : null;
  if (r === null || c === null) return { reference: r, current: c, delta: null, pValue: null, changed: false };
  const p = twoProportionZ(missingCount(ref!), ref!.rows, missingCount(cur!), cur!.rows).pValue;
  return { reference: r, current: c, delta: c - r, pValue: finite(p), changed: p < 0.05 && Math.abs(c - r) >= 0.01 };
}

function kindOf(p: ColumnProfile): ColumnKind {
  switch (p.role) {
    case 'numerical':
    case 'categorical':
    case 'text':
    case 'datetime':
    case 'timestamp':
      return p.role;
    case 'ignored':
      return p.storageType === 'empty' ? 'unknown' : 'ignored';
  }
}

/**
 * An auto-increment key: unique integers densely filling their range. Testing it always "drifts"
 * (new ids are larger) and means nothing, so it is reported as not tested unless a type is set.
 */
function looksLikeIdentifier(p: ColumnProfile): boolean {
  const d = p.distinct;
  const n = p.numeric;
  if (p.overridden || p.storageType !== 'integer' || !d?.exact || !n || p.nonNull < 20) return false;
  return d.count === p.nonNull && n.max - n.min + 1 <= 2 * p.nonNull;
}

function categoricalFromProfile(p: ColumnProfile): CategoricalSample | undefined {
  const cats = p.categories;
  if (!cats) return undefined;
  const counts = new Map<CategoryKey, number>();
  for (const [value, n] of cats.counts) counts.set(value, n);
  if (cats.other > 0) counts.set(OTHER_KEY, cats.other);
  return { kind: 'categorical', counts, n: p.nonNull, missing: missingCount(p) };
}

function invalidOf(p: ColumnProfile | undefined): InvalidValuesInfo | undefined {
  return p?.invalid ? { ...p.invalid } : undefined;
}

function describeValues(p: ColumnProfile): string {
  if (p.storageType === 'empty') return 'no values';
  const example = p.categories?.counts[0]?.[0];
  return `${p.storageType} values${example !== undefined ? ` (e.g. ${JSON.stringify(example)})` : ''}`;
}

export interface ColumnContext {
  name: string;
  ref: SideColumn | undefined;
  cur: SideColumn | undefined;
  settings: DriftSettings;
}

export interface ComparedColumn {
  report: ColumnReport;
  /** The drift engine's result when a test ran (feeds the dataset decision). */
  result?: ColumnDriftResult;
}

function base(ctx: ColumnContext, status: ColumnReportStatus, kind: ColumnKind, message?: string): ColumnReport {
  const r = ctx.ref?.profile;
  const c = ctx.cur?.profile;
  const s = ctx.settings.columns.get(ctx.name);
  const report: ColumnReport = {
    name: ctx.name,
    status,
    kind,
    storage: { reference: r?.storageType ?? null, current: c?.storageType ?? null },
    test: null,
    testName: null,
    scoreKind: null,
    score: null,
    threshold: null,
    direction: null,
    rule: null,
    drifted: false,
    severity: 0,
    configured: { test: s?.test !== undefined, threshold: s?.threshold !== undefined, type: s?.type !== undefined },
    nReference: r?.nonNull ?? 0,
    nCurrent: c?.nonNull ?? 0,
    missing: missingSignal(r, c),
  };
  if (message !== undefined) report.message = message;
  const invalid = { reference: invalidOf(r), current: invalidOf(c) };
  if (invalid.reference || invalid.current) report.invalid = JSON.parse(JSON.stringify(invalid));
  return report;
}

function driftOptions(ctx: ColumnContext, kind: 'numerical' | 'categorical'): ColumnDriftOptions {
  const s = ctx.settings;
  const col = s.columns.get(ctx.name);
  const typeTest = kind === 'numerical' ? s.numTest : s.catTest;
  const typeThreshold = kind === 'numerical' ? s.numThreshold : s.catThreshold;
  const o: ColumnDriftOptions = { columnType: kind, minSamples: s.minSamples };
  const test = col?.test ?? typeTest;
  if (test !== undefined) o.test = test;
  const threshold = col?.threshold ?? (col?.test === undefined && typeTest !== undefined ? typeThreshold : undefined);
  if (threshold !== undefined) o.threshold = threshold;
  if (col?.bins !== undefined) o.binning = { strategy: col.binning ?? 'quantile', bins: col.bins };
  if (s.jsBase !== undefined) o.jsBase = s.jsBase;
  const unseen = col?.unseenCategories ?? s.unseenCategories;
  if (unseen !== undefined) o.unseenCategories = unseen;
  // Numeric samples may be capped (seeded reservoir): the missing share is over the file's rows.
  const rows = { ref: ctx.ref?.profile.rows, cur: ctx.cur?.profile.rows };
  if (rows.ref !== undefined && rows.cur !== undefined) o.totals = { ref: rows.ref, cur: rows.cur };
  return o;
}

/** Numbers on both sides keep numeric order (codes 1 < 2 < 10); otherwise categories as text. */
function samplesFor(kind: 'numerical' | 'categorical', ref: SideColumn, cur: SideColumn): { ref: Sample; cur: Sample } | string {
  if (ref.numeric && cur.numeric) return { ref: ref.numeric, cur: cur.numeric };
  const rp = ref.profile;
  const cp = cur.profile;
  if (kind === 'numerical') {
    const side = ref.numeric ? 'current' : 'reference';
    const bad = ref.numeric ? cp : rp;
    return `the ${side} data holds ${describeValues(bad)} where the other side holds numbers; fix the values, or set drift.columns.${yamlKey(rp.name)}.type: categorical to compare them as categories`;
  }
  const r = categoricalFromProfile(rp);
  const c = categoricalFromProfile(cp);
  if (r && c) return { ref: r, cur: c };
  return `the reference holds ${describeValues(rp)} and the current data ${describeValues(cp)}; they cannot be compared as categories`;
}

function yamlKey(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name);
}

function notTested(kind: ColumnKind, p: ColumnProfile): string {
  switch (kind) {
    case 'text':
      return `text column (${fmt(p.distinct?.count ?? 0)} distinct of ${fmt(p.nonNull)} values): text drift needs a domain-classifier test, which is not implemented; set drift.columns.${yamlKey(p.name)}.type: categorical to compare value counts`;
    case 'datetime':
    case 'timestamp':
      return 'dates and times are not drift-tested';
    case 'identifier':
      return `every value is a different integer filling its range, like a key; set drift.columns.${yamlKey(p.name)}.type: numeric to test it anyway, or ignore: true to hide it`;
    default:
      return 'the column type could not be determined';
  }
}

export function compareColumn(c: ColumnContext): ComparedColumn {
  const { ref, cur } = c;
  const setting = c.settings.columns.get(c.name);
  if (setting?.ignore) return { report: base(c, 'ignored', 'ignored', 'ignored in mlops.yaml (ignore: true)') };
  if (!ref) return { report: base(c, 'added', cur ? kindOf(cur.profile) : 'unknown', 'only in the current data: not in the reference') };
  if (!cur) return { report: base(c, 'removed', kindOf(ref.profile), 'only in the reference: missing from the current data') };
  const rp = ref.profile;
  const cp = cur.profile;
  // The reference decides the column's kind; if it has no values at all, the current data does.
  const decider = rp.storageType === 'empty' ? cp : rp;
  let kind = kindOf(decider);
  if (kind === 'numerical' && looksLikeIdentifier(decider)) kind = 'identifier';
  if (rp.storageType === 'empty' || cp.storageType === 'empty') {
    const which = rp.storageType === 'empty' ? (cp.storageType === 'empty' ? 'both files' : 'the reference') : 'the current data';
    const rows = (p: ColumnProfile): string => (p.rows === 0 ? 'has no rows' : `has all ${fmt(p.rows)} values missing`);
    const detail = rp.storageType === 'empty' && cp.storageType === 'empty' ? `reference ${rows(rp)}, current ${rows(cp)}` : rp.storageType === 'empty' ? `the reference ${rows(rp)}` : `the current data ${rows(cp)}`;
    return { report: base(c, 'insufficient-data', kind, `no values to compare in ${which}: ${detail}`) };
  }
  if (kind !== 'numerical' && kind !== 'categorical') return { report: base(c, 'not-tested', kind, notTested(kind, decider)) };

  const samples = samplesFor(kind, ref, cur);
  if (typeof samples === 'string') return { report: base(c, 'type-mismatch', kind, samples) };
  let result: ColumnDriftResult;
  try {
    result = columnDriftFromSamples(c.name, kind, samples.ref, samples.cur, driftOptions(c, kind));
  } catch (e) {
    if (!isMlopsError(e)) throw e;
    return { report: base(c, 'error', kind, `${describeError(e)}`) };
  }
  const report = base(c, result.status === 'ok' ? 'ok' : 'insufficient-data', kind, result.reason);
  report.nReference = result.nRef;
  report.nCurrent = result.nCur;
  const sampled = ref.sample?.sampled || cur.sample?.sampled;
  if (ref.sample && cur.sample && sampled) report.sampled = { reference: ref.sample, current: cur.sample };
  if (result.status === 'ok' && result.test) {
    const info = STAT_TESTS[result.test];
    Object.assign(report, {
      test: result.test,
      testName: info.displayName,
      scoreKind: info.kind,
      score: finite(result.score),
      threshold: result.threshold,
      direction: info.kind === 'p-value' ? 'lower-is-drift' : 'higher-is-drift',
      rule: info.rule,
      drifted: result.drifted,
      severity: severityOf(info.rule, result.score, result.threshold),
    });
    addDetails(report, result);
  }
  const notes: string[] = [];
  if (report.message) notes.push(report.message);
  for (const [side, inv] of [['reference', report.invalid?.reference], ['current', report.invalid?.current]] as const) {
    if (inv) notes.push(`${fmt(inv.count)} ${side} value(s) are not numbers (first at ${inv.firstLine !== undefined ? `line ${inv.firstLine}` : `row ${inv.firstRow}`}: ${JSON.stringify(inv.examples[0])}); left out of the test`);
  }
  if (result.unseenCategories?.length) {
    report.newCategories = result.unseenCategories.map(keyText).filter((k) => k !== OTHER_KEY);
    if (report.newCategories.length) notes.push(`new in the current data: ${report.newCategories.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  if (notes.length) report.message = notes.join('; ');
  if (samples.ref.kind === 'numeric' && samples.cur.kind === 'numeric' && kind === 'numerical') {
    const chart = histogramChart(samples.ref, samples.cur, Boolean(sampled));
    if (chart) report.chart = chart;
  } else {
    const truncated = Boolean(rp.categories?.truncated || cp.categories?.truncated);
    const chart = categoriesChart(samples.ref, samples.cur, { ref: 0, cur: 0, truncated });
    for (const bar of chart.categories) if (bar.value === OTHER_KEY) bar.value = '(other values)';
    report.chart = chart;
  }
  return { report, result };
}

function addDetails(report: ColumnReport, r: ColumnDriftResult): void {
  const d = r.details;
  if (d.ks) report.statistic = { name: 'KS D', value: finite(d.ks.statistic), method: d.ks.method };
  else if (d.chiSquare) report.statistic = { name: d.chiSquare.mode === 'homogeneity' ? 'chi-square (homogeneity)' : 'chi-square', value: finite(d.chiSquare.statistic), df: d.chiSquare.df, mode: d.chiSquare.mode };
  else if (d.z) report.statistic = { name: 'z', value: finite(d.z.statistic) };
  else if (d.wasserstein) report.statistic = { name: 'Wasserstein-1', value: finite(d.wasserstein.w1), referenceStd: finite(d.wasserstein.stdRef) };
  if (d.binning) report.binning = { ...d.binning };
  if (d.jsBase !== undefined) report.jsLogBase = d.jsBase === Math.E ? 'e' : d.jsBase;
}
