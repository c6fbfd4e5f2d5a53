import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDriftReport, parseDriftSection, severityOf, sortColumnsBySeverity } from '../../../src/engine/monitoring/index.ts';
import type { ColumnReport, DriftReportDocument, HistogramChart, CategoriesChart } from '../../../src/engine/monitoring/index.ts';
import { DRIFTED_IN_06, FEATURES, REFERENCE, batch, csv } from './helpers.ts';
import { seededRandom } from '../../../src/engine/data/hashing.ts';
import { tempDir } from '../helpers/tmp.ts';

const col = (doc: DriftReportDocument, name: string): ColumnReport => {
  const c = doc.columns.find((x) => x.name === name);
  assert.ok(c, `column ${name} is in the report`);
  return c;
};
const src = { file: '/ws/mlops.yaml', lineOf: () => 1 };

test('batch-01 (same distribution) shows no dataset drift and no drifted feature', async () => {
  const doc = await computeDriftReport(REFERENCE, batch(1));
  assert.equal(doc.summary.datasetDrift, false);
  for (const f of FEATURES) assert.equal(col(doc, f).drifted, false, `${f} does not drift in batch-01`);
  assert.equal(doc.summary.driftedColumns, 0);
  assert.match(doc.summary.headline, /^Drift detected in 0 of 9 columns \(0\.0 %\) — dataset drift: NO$/);
  // JSON-serialisable as it is: no NaN, no Infinity, no Map.
  assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc);
});

test('batch-06 drifts on exactly the documented columns, with Evidently defaults and the README numbers', async () => {
  const doc = await computeDriftReport(REFERENCE, batch(6));
  assert.equal(doc.summary.datasetDrift, true);
  for (const f of FEATURES) assert.equal(col(doc, f).drifted, DRIFTED_IN_06.includes(f), `${f} drifted?`);
  // examples/README.md: W for numeric columns, JS (natural log) for categorical ones, n_ref = 3,000 > 1,000.
  const expected: Record<string, [string, number]> = { age: ['wasserstein', 0.785], monthly_charges: ['wasserstein', 1.046], tenure_months: ['wasserstein', 0.212], total_charges: ['wasserstein', 0.113], contract: ['jensenshannon', 0.186], payment_method: ['jensenshannon', 0.27], support_calls: ['jensenshannon', 0.26], has_partner: ['jensenshannon', 0.01] };
  for (const [name, [t, score]] of Object.entries(expected)) {
    const c = col(doc, name);
    assert.equal(c.test, t, name);
    assert.ok(Math.abs(c.score! - score) < 0.0006, `${name} score ${c.score} ≈ ${score}`);
    assert.equal(c.threshold, 0.1);
    assert.equal(c.scoreKind, 'distance');
    assert.equal(c.direction, 'higher-is-drift');
  }
  assert.equal(col(doc, 'age').testName, 'Wasserstein distance (normed)');
  assert.equal(col(doc, 'contract').jsLogBase, 'e');
  assert.deepEqual(col(doc, 'contract').binning, { method: 'categories', bins: 3, zeroFill: false });
  // Not scored, with a reason, and left out of the share.
  assert.equal(col(doc, 'customer_id').status, 'not-tested');
  assert.equal(col(doc, 'customer_id').kind, 'identifier');
  assert.equal(col(doc, 'signup_date').status, 'not-tested');
  assert.match(col(doc, 'signup_date').message!, /not drift-tested/);
  assert.equal(doc.summary.scoredColumns, 9);
  assert.equal(doc.summary.driftedColumns, 8); // the seven features and the target `churned`
});

test('the payment_method category that appears only in batch-06 is flagged in the column and its chart', async () => {
  const doc = await computeDriftReport(REFERENCE, batch(6));
  const c = col(doc, 'payment_method');
  assert.deepEqual(c.newCategories, ['digital-wallet']);
  const chart = c.chart as CategoriesChart;
  assert.equal(chart.kind, 'categories');
  const wallet = chart.categories.find((b) => b.value === 'digital-wallet')!;
  assert.equal(wallet.onlyInCurrent, true);
  assert.equal(wallet.reference, 0);
  assert.ok(wallet.current > 100);
  assert.equal(chart.categories.filter((b) => b.onlyInCurrent).length, 1);
  assert.equal(chart.categories.reduce((s, b) => s + b.reference, 0), 3000);
  assert.equal(chart.categories.reduce((s, b) => s + b.current, 0), 800);
  assert.match(c.message!, /digital-wallet/);
  const before = await computeDriftReport(REFERENCE, batch(5));
  assert.equal(col(before, 'payment_method').newCategories, undefined);
});

test('numeric charts share bin edges over the combined data and count every value of each side', async () => {
  const doc = await computeDriftReport(REFERENCE, batch(6));
  const c = col(doc, 'monthly_charges');
  const h = c.chart as HistogramChart;
  assert.equal(h.kind, 'histogram');
  assert.equal(h.edges.length, h.reference.length + 1);
  assert.equal(h.reference.length, h.current.length);
  for (let i = 1; i < h.edges.length; i++) assert.ok(h.edges[i]! > h.edges[i - 1]!);
  assert.equal(h.reference.reduce((a, b) => a + b, 0), 3000);
  assert.equal(h.current.reduce((a, b) => a + b, 0), 800);
  assert.equal(h.edges[0], 18.25);
  assert.equal(h.edges[h.edges.length - 1], 118.75);
  // Sturges on 3,800 values: ceil(log2(3800) + 1) = 13 bins.
  assert.equal(h.reference.length, 13);
});

test('missing-share change is its own signal per column', async () => {
  const doc = await computeDriftReport(REFERENCE, batch(6));
  const m = col(doc, 'total_charges').missing;
  assert.equal(m.changed, true);
  assert.ok(m.reference! < 0.03 && m.current! > 0.15, JSON.stringify(m));
  assert.ok(m.pValue! < 1e-6);
  assert.ok(doc.summary.missingChanged.includes('total_charges'));
  assert.equal(col(doc, 'age').missing.changed, false);
  const calm = await computeDriftReport(REFERENCE, batch(1));
  assert.deepEqual(calm.summary.missingChanged, []);
});

test('per-column tests, thresholds and ignore from the drift section are applied and marked as configured', async () => {
  const settings = parseDriftSection({ share: 0.9, catTest: 'psi', columns: { age: { test: 'psi', threshold: 0.2 }, customer_id: { ignore: true }, monthly_charges: { test: 'ks' } } }, ['drift'], src);
  const doc = await computeDriftReport(REFERENCE, batch(6), { settings });
  const age = col(doc, 'age');
  assert.equal(age.test, 'psi');
  assert.equal(age.threshold, 0.2);
  assert.deepEqual(age.configured, { test: true, threshold: true, type: false });
  assert.equal(age.binning?.zeroFill, true);
  assert.equal(age.binning?.method, 'sturges');
  assert.equal(col(doc, 'customer_id').status, 'ignored');
  assert.equal(col(doc, 'contract').test, 'psi');
  const mc = col(doc, 'monthly_charges');
  assert.equal(mc.test, 'ks');
  assert.equal(mc.scoreKind, 'p-value');
  assert.equal(mc.direction, 'lower-is-drift');
  assert.equal(mc.statistic?.name, 'KS D');
  assert.equal(doc.summary.threshold, 0.9);
  // 8 of 9 scored columns drift: 0.889 < 0.9.
  assert.equal(doc.summary.datasetDrift, false);
  const share = await computeDriftReport(REFERENCE, batch(6), { settings, share: 0.5 });
  assert.equal(share.summary.datasetDrift, true);
});

test('a type override turns integer codes into categories (R15) and a test that does not fit is a column error', async () => {
  const settings = parseDriftSection({ columns: { age: { type: 'categorical' }, contract: { test: 'wasserstein' } } }, ['drift'], src);
  const doc = await computeDriftReport(REFERENCE, batch(6), { settings });
  assert.equal(col(doc, 'age').kind, 'categorical');
  assert.equal(col(doc, 'age').test, 'jensenshannon');
  assert.equal(col(doc, 'contract').status, 'error');
  assert.match(col(doc, 'contract').message!, /wasserstein test does not apply to categorical/);
  assert.equal(col(doc, 'age').configured.type, true);
  assert.equal(doc.summary.scoredColumns, 8);
});

test('severity puts p-values and distances on one scale with 0.5 at the threshold (R16)', () => {
  assert.equal(severityOf('score>=threshold', 0.1, 0.1), 0.5);
  assert.ok(Math.abs(severityOf('p<=threshold', 0.05, 0.05) - 0.5) < 1e-12);
  assert.ok(severityOf('p<=threshold', 1e-10, 0.05) > severityOf('p<=threshold', 0.01, 0.05));
  assert.ok(severityOf('p<=threshold', 0.5, 0.05) < 0.5);
  assert.ok(severityOf('score>=threshold', 0.05, 0.1) < 0.5);
  assert.equal(severityOf('p<threshold', 0, 0.05), 1);
  assert.equal(severityOf('p<threshold', 1, 0.05), 0);
  assert.equal(severityOf(null, NaN, NaN), 0);
  for (const x of [0, 1e-300, 1e-5, 0.01, 0.3, 1, 10, 1e9]) {
    const s1 = severityOf('score>=threshold', x, 0.1);
    const s2 = severityOf('p<=threshold', Math.min(1, x), 0.05);
    assert.ok(s1 >= 0 && s1 <= 1 && s2 >= 0 && s2 <= 1, `${x}`);
  }
});

test('columns sort drifted first, then by normalised severity, never by raw score', async () => {
  const dir = tempDir();
  const r = seededRandom(7);
  const n = 400;
  // p: a mean shift tested by KS (tiny p-value); d: a small shift with a distance test; s: unchanged.
  const rows = (shift: number) => Array.from({ length: n }, () => [(r() + shift).toFixed(4), (r() * 10 + shift * 3).toFixed(4), r().toFixed(4)]);
  const ref = csv(dir, 'ref.csv', ['p', 'd', 's'], rows(0));
  const cur = csv(dir, 'cur.csv', ['p', 'd', 's'], rows(0.5));
  const settings = parseDriftSection({ columns: { d: { test: 'wasserstein' } } }, ['drift'], src);
  const doc = await computeDriftReport(ref, cur, { settings });
  const sorted = sortColumnsBySeverity(doc.columns).map((c) => c.name);
  assert.equal(col(doc, 'p').scoreKind, 'p-value');
  assert.equal(col(doc, 'd').scoreKind, 'distance');
  assert.equal(sorted[sorted.length - 1], 's');
  // Raw scores would put the tiny p-value last among drifted columns; severity puts it first.
  const drifted = sortColumnsBySeverity(doc.columns).filter((c) => c.drifted);
  for (let i = 1; i < drifted.length; i++) assert.ok(drifted[i - 1]!.severity >= drifted[i]!.severity);
  assert.ok(col(doc, 'p').score! < 1e-6);
  assert.equal(sorted[0], 'p');
});

test('histogram edges span both sides, so values outside the reference range are still counted (R7)', async () => {
  const dir = tempDir();
  const r = seededRandom(3);
  const ref = csv(dir, 'ref.csv', ['v'], Array.from({ length: 200 }, () => [(5 + r() * 5).toFixed(3)]));
  const cur = csv(dir, 'cur.csv', ['v'], Array.from({ length: 100 }, (_, i) => [i === 0 ? '0.1' : i === 1 ? '14.9' : (r() * 15).toFixed(3)]));
  const doc = await computeDriftReport(ref, cur);
  const h = col(doc, 'v').chart as HistogramChart;
  assert.ok(h.edges[0]! < 0.2 && h.edges[h.edges.length - 1]! > 14.5, `${h.edges[0]} … ${h.edges.at(-1)}`);
  assert.equal(h.reference.reduce((a, b) => a + b, 0), 200);
  assert.equal(h.current.reduce((a, b) => a + b, 0), 100);
  assert.equal(h.reference[0], 0, 'no reference value below 5');
  assert.equal(h.reference[h.reference.length - 1], 0, 'no reference value above 10');
  assert.ok(h.current[0]! > 0 && h.current[h.current.length - 1]! > 0);
  // ceil(log2(300) + 1) = 10 bins, as numpy's "sturges".
  assert.equal(h.reference.length, 10);
});

test('unique integers densely filling their range are identifiers: not tested, with the reason and how to test them anyway', async () => {
  const dir = tempDir();
  const r = seededRandom(11);
  // id: auto-increment keys (ref 1..300, cur 301..400); sparse: unique but spread over 10× the range; v: a feature.
  const ref = csv(dir, 'ref.csv', ['id', 'sparse', 'v'], Array.from({ length: 300 }, (_, i) => [i + 1, i * 10 + 1, (r() * 10).toFixed(3)]));
  const cur = csv(dir, 'cur.csv', ['id', 'sparse', 'v'], Array.from({ length: 100 }, (_, i) => [i + 301, i * 10 + 1, (r() * 10).toFixed(3)]));
  const doc = await computeDriftReport(ref, cur);
  const id = col(doc, 'id');
  assert.equal(id.kind, 'identifier');
  assert.equal(id.status, 'not-tested');
  assert.equal(id.drifted, false);
  assert.match(id.message!, /every value is a different integer filling its range, like a key; set drift\.columns\.id\.type: numeric/);
  assert.deepEqual(doc.summary.notScored.map((n) => [n.column, n.status]), [['id', 'not-tested']]);
  assert.equal(doc.summary.scoredColumns, 2, 'the identifier is left out of the share');
  assert.equal(col(doc, 'sparse').kind, 'numerical', 'unique but not dense: a feature, not a key');
  // Asking for it by type tests it — and the shifted ids drift, which is why they are left out by default.
  const typed = await computeDriftReport(ref, cur, { settings: parseDriftSection({ columns: { id: { type: 'numeric' } } }, ['drift'], src) });
  assert.equal(col(typed, 'id').status, 'ok');
  assert.equal(col(typed, 'id').drifted, true);
  // Too few values to call it a key: below 20 values (and above Evidently's 10 for integer categories) it stays numeric.
  const small = await computeDriftReport(csv(dir, 's1.csv', ['id'], Array.from({ length: 15 }, (_, i) => [i + 1])), csv(dir, 's2.csv', ['id'], Array.from({ length: 15 }, (_, i) => [i + 1])));
  assert.equal(col(small, 'id').kind, 'numerical');
});

test('unseenCategories: chi-square on batch-06 says p = 0 by default, and weighs digital-wallet with homogeneity', async () => {
  const evidently = await computeDriftReport(REFERENCE, batch(6), { settings: parseDriftSection({ catTest: 'chisquare' }, ['drift'], src) });
  const gof = col(evidently, 'payment_method');
  assert.equal(gof.test, 'chisquare');
  assert.equal(gof.score, 0);
  assert.equal(gof.statistic?.value, null, 'χ² = ∞ is not a JSON number');
  assert.equal(gof.statistic?.mode, 'goodness-of-fit');
  const homog = await computeDriftReport(REFERENCE, batch(6), { settings: parseDriftSection({ catTest: 'chisquare', columns: { payment_method: { unseenCategories: 'homogeneity' } } }, ['drift'], src) });
  const h = col(homog, 'payment_method');
  assert.equal(h.statistic?.name, 'chi-square (homogeneity)');
  assert.ok(Number.isFinite(h.statistic?.value as number) && (h.statistic?.value as number) > 100, `χ² ${h.statistic?.value}`);
  assert.equal(h.drifted, true, '20 % of the batch in a new category is drift either way');
  assert.deepEqual(h.newCategories, ['digital-wallet']);
  assert.equal(col(homog, 'contract').statistic?.mode, 'goodness-of-fit', 'the option is per column');
});
