import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellValue, discoverColumns, formatValue, naturalKey, sortOrder, delta, formatDelta } from '../../../webview/experiments/model.ts';
import { moveColumn, setHidden, setPinned, visibleColumns } from '../../../webview/experiments/columns.ts';
import { toCsv } from '../../../webview/experiments/csv.ts';
import { decodeNumber, defaultUiState, encodeNumber, formatNumber } from '../../../src/shared/experiments.ts';
import { pageRuns, summary } from './helpers.ts';

test('non-finite metrics survive the JSON trip and read as text', () => {
  const runs = pageRuns([summary(1, { metrics: { acc: Number.NaN, loss: Number.POSITIVE_INFINITY, gain: Number.NEGATIVE_INFINITY, ok: 0.5 }, params: { lr: Number.NaN } })]);
  const r = runs[0]!;
  assert.ok(Number.isNaN(r.metrics.acc));
  assert.equal(r.metrics.loss, Infinity);
  assert.equal(r.metrics.gain, -Infinity);
  assert.equal(r.metrics.ok, 0.5);
  assert.ok(Number.isNaN(r.params.lr as number));
  assert.deepEqual([r.metrics.acc, r.metrics.loss, r.metrics.gain].map((v) => formatNumber(v!)), ['NaN', 'inf', '-inf']);
  assert.deepEqual(encodeNumber(Number.NaN), { nf: 'nan' });
  assert.equal(decodeNumber({ nf: '-inf' }), -Infinity);
});

test('MLflow params that are numbers in text compare as numbers; other sources keep their types', () => {
  const runs = pageRuns([
    summary(1, { source: 'mlflow', params: { lr: '0.01', opt: 'adam', padded: ' 1' } }),
    summary(2, { params: { lr: '0.01' } }),
  ]);
  assert.equal(runs[0]!.params.lr, 0.01);
  assert.equal(runs[0]!.params.opt, 'adam');
  assert.equal(runs[0]!.params.padded, ' 1');
  assert.equal(runs[1]!.params.lr, '0.01');
});

test('columns: attributes, then metrics and params by key; a param with numbers and text is mixed; tags hidden by default', () => {
  const runs = pageRuns([
    summary(1, { metrics: { b: 1, a: 2 }, params: { 'train.lr': 0.1, mode: 'x', seed: 1 }, tags: { note: 'hi' } }),
    summary(2, { params: { seed: 'auto' } }),
  ]);
  const cols = discoverColumns(runs);
  assert.deepEqual(cols.filter((c) => c.group !== 'attr').map((c) => `${c.id}:${c.kind}`), [
    'metrics.a:number', 'metrics.b:number', 'params.mode:string', 'params.seed:mixed', 'params.train.lr:number', 'tags.note:string',
  ]);
  const { columns, pinned } = visibleColumns(cols, defaultUiState().columns);
  assert.ok(!columns.some((c) => c.id === 'tags.note'));
  assert.deepEqual([...pinned], ['attr.name']);
  assert.equal(columns[0]!.id, 'attr.name', 'pinned columns come first');
});

test('sorting: numbers, then NaN, then missing, in both directions; ties keep newest-first', () => {
  const runs = pageRuns([
    summary(6, { metrics: { acc: 0.5 } }),
    summary(5, { metrics: { acc: Number.NaN } }),
    summary(4, {}),
    summary(3, { metrics: { acc: 0.9 } }),
    summary(2, { metrics: { acc: Infinity } }),
    summary(1, { metrics: { acc: 0.5 } }),
  ]);
  const idx = runs.map((_, i) => i);
  const names = (o: number[]) => o.map((i) => runs[i]!.name);
  assert.deepEqual(names(sortOrder(runs, idx, 'metrics.acc', false)), ['run-6', 'run-1', 'run-3', 'run-2', 'run-5', 'run-4']);
  assert.deepEqual(names(sortOrder(runs, idx, 'metrics.acc', true)), ['run-2', 'run-3', 'run-6', 'run-1', 'run-5', 'run-4']);
  // A filtered subset sorts only itself.
  assert.deepEqual(names(sortOrder(runs, [0, 3], 'metrics.acc', true)), ['run-3', 'run-6']);
});

test('sorting text is natural and case-insensitive; dates sort by time; -0 and 0 are one value', () => {
  const runs = pageRuns([summary(3, { name: 'run-10' }), summary(2, { name: 'Run-9' }), summary(1, { name: 'run-100' })]);
  const idx = runs.map((_, i) => i);
  assert.deepEqual(sortOrder(runs, idx, 'attr.name', false).map((i) => runs[i]!.name), ['Run-9', 'run-10', 'run-100']);
  assert.deepEqual(sortOrder(runs, idx, 'attr.startedAt', false).map((i) => runs[i]!.name), ['run-100', 'Run-9', 'run-10']);
  assert.deepEqual(sortOrder(runs, idx, 'attr.startedAt', true).map((i) => runs[i]!.name), ['run-10', 'Run-9', 'run-100']);
  const shuffled = pageRuns([summary(1, { name: 'old' }), summary(3, { name: 'new' }), summary(2, { name: 'mid' }), summary(0, { name: 'none', startedAt: null })]);
  assert.deepEqual(sortOrder(shuffled, [0, 1, 2, 3], 'attr.startedAt', true).map((i) => shuffled[i]!.name), ['new', 'mid', 'old', 'none']);
  assert.ok(naturalKey('a9') < naturalKey('a10'));
  const zeros = pageRuns([summary(2, { metrics: { m: -0 } }), summary(1, { metrics: { m: 0 } })]);
  assert.deepEqual(sortOrder(zeros, [0, 1], 'metrics.m', false), [0, 1]);
});

test('10,000 runs × 50 columns sort in well under the 100 ms budget (plain Node, no DOM)', () => {
  const wide = Array.from({ length: 10_000 }, (_, i) => summary(i, {
    metrics: Object.fromEntries(Array.from({ length: 25 }, (_, m) => [`m${m}`, Math.sin(i * (m + 1))])),
    params: Object.fromEntries(Array.from({ length: 18 }, (_, p) => [`p${p}`, p % 3 ? (i * 7919) % (p + 13) : `v${i % 11}`])),
  }));
  const runs = pageRuns(wide);
  const idx = runs.map((_, i) => i);
  const t0 = performance.now();
  const out = sortOrder(runs, idx, 'metrics.m3', true);
  const ms = performance.now() - t0;
  assert.equal(out.length, 10_000);
  for (let k = 1; k < out.length; k++) assert.ok(runs[out[k - 1]!]!.metrics.m3! >= runs[out[k]!]!.metrics.m3!);
  // Generous: this is a regression alarm, not the benchmark (bench/experiments-table.bench.ts is).
  assert.ok(ms < 400, `sorting took ${ms.toFixed(1)} ms`);
});

test('cell values and formatting: durations, commits, booleans, deltas', () => {
  const [r] = pageRuns([summary(1, { gitCommit: 'abcdef1234567890', params: { flag: true } })]);
  assert.equal(formatValue(cellValue(r!, { group: 'attr', key: 'duration' }), { group: 'attr', key: 'duration', kind: 'number' }), '30 s');
  assert.equal(formatValue(cellValue(r!, { group: 'attr', key: 'gitCommit' }), { group: 'attr', key: 'gitCommit', kind: 'string' }), 'abcdef1');
  assert.equal(formatValue(true), 'true');
  assert.equal(formatDelta(delta(0.9, 0.85)!), '+0.05');
  assert.equal(formatDelta(delta(0.8, 0.85)!), '−0.05');
  assert.equal(delta(Number.NaN, 1), undefined);
  assert.equal(formatNumber(1e-7), '1e-7');
  assert.equal(formatNumber(0.123456789), '0.123457');
});

test('column layout: hide, pin, move (a drag across the pinned edge pins), new columns appear', () => {
  const runs = pageRuns([summary(1, { metrics: { acc: 1, loss: 2 }, params: { lr: 0.1 } })]);
  const cols = discoverColumns(runs);
  let layout = defaultUiState().columns;
  layout = setHidden(cols, layout, 'attr.source', true);
  assert.ok(!visibleColumns(cols, layout).columns.some((c) => c.id === 'attr.source'));
  layout = setPinned(cols, layout, 'metrics.acc', true);
  assert.deepEqual(visibleColumns(cols, layout).columns.slice(0, 2).map((c) => c.id), ['attr.name', 'metrics.acc']);
  layout = moveColumn(cols, layout, 'params.lr', 0);
  const v = visibleColumns(cols, layout);
  assert.equal(v.columns[0]!.id, 'params.lr');
  assert.ok(v.pinned.has('params.lr'));
  layout = moveColumn(cols, layout, 'params.lr', 5);
  assert.ok(!visibleColumns(cols, layout).pinned.has('params.lr'));
  // A metric that appears later shows up without touching the saved layout.
  const more = discoverColumns(pageRuns([summary(1, { metrics: { acc: 1, loss: 2, f1: 3 }, params: { lr: 0.1 } })]));
  assert.ok(visibleColumns(more, layout).columns.some((c) => c.id === 'metrics.f1'));
  assert.ok(!visibleColumns(more, layout).columns.some((c) => c.id === 'attr.source'), 'hidden stays hidden');
});

test('CSV: shown rows and columns, RFC 4180 quoting, NaN/inf as text, formulas neutralised', () => {
  const runs = pageRuns([
    summary(2, { name: '=HYPERLINK("http://x")', metrics: { acc: Number.NaN }, params: { note: 'a,b "c"\nd' } }),
    summary(1, { name: '-3 run', metrics: { acc: 0.1 + 0.2 } }),
  ]);
  const cols = discoverColumns(runs).filter((c) => ['attr.name', 'metrics.acc', 'params.note'].includes(c.id));
  const csv = toCsv(runs, [1, 0], cols);
  assert.equal(csv, [
    'id,name,metrics.acc,params.note',
    "mlops:r1,'-3 run,0.30000000000000004,",
    `mlops:r2,"'=HYPERLINK(""http://x"")",NaN,"a,b ""c""\nd"`,
    '',
  ].join('\r\n'));
});

test('sorting agrees with a plain comparator sort on random data with ties, NaN, missing and text', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const pool: Array<number | string | undefined> = [0, -0, 1, 1, 2.5, -3, Number.NaN, Infinity, -Infinity, undefined, 'b', 'a10', 'a9', 'A9'];
  for (let round = 0; round < 20; round++) {
    const runs = pageRuns(Array.from({ length: 60 }, (_, i) => {
      const v = pool[Math.floor(rand() * pool.length)];
      return summary(1000 - i, { params: v === undefined ? {} : { x: v } });
    }));
    const idx = runs.map((_, i) => i);
    for (const desc of [false, true]) {
      const rank = (v: unknown) => (v === undefined ? 4 : typeof v === 'number' ? (Number.isNaN(v) ? 3 : 0) : 1);
      const expected = idx.slice().sort((a, b) => {
        const va = runs[a]!.params.x as number | string | undefined;
        const vb = runs[b]!.params.x as number | string | undefined;
        const ra = rank(va);
        const rb = rank(vb);
        if (ra !== rb) return ra - rb;
        let c = 0;
        if (ra === 0) c = (va as number) - (vb as number);
        if (ra === 1) c = (va as string).toLowerCase().localeCompare((vb as string).toLowerCase(), 'en', { numeric: true });
        return (desc ? -c : c) || a - b;
      });
      assert.deepEqual(sortOrder(runs, idx, 'params.x', desc), expected, `round ${round} ${desc ? 'desc' : 'asc'}`);
    }
  }
});
