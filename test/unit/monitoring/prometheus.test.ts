import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { Store } from '../../../src/engine/store/store.ts';
import { DriftMetrics, Monitor, isLoopbackHost, serveMetrics } from '../../../src/engine/monitoring/index.ts';
import type { DriftReportDocument } from '../../../src/engine/monitoring/index.ts';
import { MlopsError } from '../../../src/engine/errors.ts';
import { churnWorkspace } from './helpers.ts';
import { parseExposition, sampleValue } from './exposition.ts';

const FAMILIES = [
  'mlops_drift_dataset_drift',
  'mlops_drift_share',
  'mlops_drift_drifted_columns',
  'mlops_drift_columns_total',
  'mlops_drift_column_score',
  'mlops_drift_column_drifted',
  'mlops_drift_last_report_timestamp_seconds',
];

test('the strict exposition parser accepts the format and rejects what a scraper would reject', () => {
  const ok = parseExposition('# HELP a_b help with \\\\ and \\n\n# TYPE a_b gauge\na_b{x="q\\"uote",y="new\\nline"} 1.5e3\na_b{x="2"} -Inf 1700000000000\n\n# TYPE c counter\nc NaN\n');
  assert.equal(ok.get('a_b')!.help, 'help with \\ and \n');
  assert.equal(ok.get('a_b')!.samples[0]!.labels.get('x'), 'q"uote');
  assert.equal(ok.get('a_b')!.samples[0]!.labels.get('y'), 'new\nline');
  assert.equal(ok.get('a_b')!.samples[0]!.value, 1500);
  assert.equal(ok.get('a_b')!.samples[1]!.value, -Infinity);
  assert.ok(Number.isNaN(ok.get('c')!.samples[0]!.value));
  const bad = [
    'a 1', // no trailing newline
    '# TYPE a gauge\n# TYPE a gauge\na 1\n', // two TYPE lines
    'a 1\n# TYPE a gauge\n', // TYPE after samples
    '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n', // duplicate series
    '# TYPE a gauge\na{x="1} 1\n', // unterminated label value
    '# TYPE a gauge\na{x=1} 1\n', // unquoted label value
    '# TYPE a gauge\na{x="\\t"} 1\n', // bad escape
    '# TYPE a gauge\na{1x="v"} 1\n', // bad label name
    '# TYPE 1a gauge\n', // bad metric name
    '# TYPE a gauge\na one\n', // value not a float
    '# TYPE a gauge\na{x="1"} 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n', // family not contiguous
    '# TYPE a gauge_ish\n', // unknown type
  ];
  for (const text of bad) assert.throws(() => parseExposition(text), Error, JSON.stringify(text));
});

test('serveMetrics on an ephemeral port: /metrics parses strictly and matches the stored reports; /healthz answers', async () => {
  const root = churnWorkspace();
  const store = Store.open(root, { origin: 'test' });
  const monitor = Monitor.open(root, store);
  const metrics = new DriftMetrics();
  let scrapes = 0;
  const server = await serveMetrics({ port: 0, registry: metrics.registry, beforeScrape: () => { scrapes++; metrics.update(monitor.metricsSnapshot()); } });
  try {
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.port > 0);
    const empty = await fetch(server.url);
    assert.equal(empty.status, 200);
    const none = parseExposition(await empty.text());
    assert.equal(none.get('mlops_drift_share')?.samples.length ?? 0, 0, 'no report yet, no series');

    await monitor.processNewBatches();
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), new Registry().contentType);
    assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const families = parseExposition(await res.text());
    for (const f of FAMILIES) assert.equal(families.get(f)?.type, 'gauge', `${f} is one gauge family`);
    const stored = monitor.latest('customers')!;
    const doc: DriftReportDocument = stored.report;
    assert.equal(stored.summary.currentPath, 'data/production/batch-06.csv');
    const ds = { dataset: 'customers' };
    assert.equal(sampleValue(families, 'mlops_drift_dataset_drift', ds), 1);
    assert.equal(sampleValue(families, 'mlops_drift_share', ds), doc.summary.share);
    assert.equal(sampleValue(families, 'mlops_drift_share', ds), 7 / 8);
    assert.equal(sampleValue(families, 'mlops_drift_drifted_columns', ds), 7);
    assert.equal(sampleValue(families, 'mlops_drift_columns_total', ds), 8);
    assert.equal(sampleValue(families, 'mlops_drift_last_report_timestamp_seconds', ds), Date.parse(doc.createdAt) / 1000);
    const scored = doc.columns.filter((c) => c.status === 'ok');
    assert.equal(families.get('mlops_drift_column_score')!.samples.length, scored.length);
    for (const c of scored) {
      assert.equal(sampleValue(families, 'mlops_drift_column_score', { dataset: 'customers', column: c.name, test: c.test! }), c.score, c.name);
      assert.equal(sampleValue(families, 'mlops_drift_column_drifted', { dataset: 'customers', column: c.name }), c.drifted ? 1 : 0, c.name);
    }
    assert.equal(sampleValue(families, 'mlops_drift_column_drifted', { dataset: 'customers', column: 'has_partner' }), 0);
    assert.equal(sampleValue(families, 'mlops_drift_column_drifted', { dataset: 'customers', column: 'payment_method' }), 1);
    assert.equal(sampleValue(families, 'mlops_drift_column_score', { dataset: 'customers', column: 'customer_id' }), undefined, 'unscored columns have no score series');

    const health = await fetch(server.url.replace('/metrics', '/healthz'));
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok\n');
    assert.equal((await fetch(server.url.replace('/metrics', '/other'))).status, 404);
    assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
    assert.equal(scrapes, 2, "beforeScrape runs once per /metrics request");
  } finally {
    await server.close();
    store.close();
  }
});

test('label values that need escaping survive the round trip; series of dropped columns disappear', async () => {
  const metrics = new DriftMetrics();
  const base = { summary: { datasetDrift: false, share: 0, driftedColumns: 0, scoredColumns: 1 }, createdAt: '2024-07-01T00:00:00.000Z' };
  const column = (name: string) => ({ name, status: 'ok', test: 'ks', score: 0.5, drifted: false });
  metrics.update([{ dataset: 'd', report: { ...base, columns: [column('we"ird\\name\nx')] } as unknown as DriftReportDocument }]);
  const f1 = parseExposition(await metrics.metrics());
  assert.equal(sampleValue(f1, 'mlops_drift_column_score', { column: 'we"ird\\name\nx' }), 0.5);
  assert.equal(sampleValue(f1, 'mlops_drift_last_report_timestamp_seconds', { dataset: 'd' }), 1719792000);
  metrics.update([{ dataset: 'd', report: { ...base, columns: [column('other')] } as unknown as DriftReportDocument, columns: true }]);
  const f2 = parseExposition(await metrics.metrics());
  assert.deepEqual(f2.get('mlops_drift_column_score')!.samples.map((s) => s.labels.get('column')), ['other']);
  metrics.update([{ dataset: 'd', report: { ...base, columns: [column('other')] } as unknown as DriftReportDocument, columns: false }]);
  const f3 = parseExposition(await metrics.metrics());
  assert.equal(f3.get('mlops_drift_column_score')!.samples.length, 0);
  assert.equal(sampleValue(f3, 'mlops_drift_share', { dataset: 'd' }), 0);
});

test('non-loopback hosts are refused unless explicitly allowed; a busy port is a clear error', async () => {
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('localhost') && isLoopbackHost('::1') && isLoopbackHost('127.1.2.3'));
  assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('192.168.1.10') && !isLoopbackHost('::') && !isLoopbackHost('example.com'));
  const registry = new Registry();
  const refused = await serveMetrics({ port: 0, host: '0.0.0.0', registry }).then(
    async (s) => {
      await s.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.ok(refused instanceof MlopsError && refused.code === 'refused' && /only loopback/.test(refused.message), String(refused));
  const one = await serveMetrics({ port: 0, registry });
  try {
    await assert.rejects(serveMetrics({ port: one.port, registry }), (e: unknown) => e instanceof MlopsError && /already in use/.test(e.message));
  } finally {
    await one.close();
  }
});
