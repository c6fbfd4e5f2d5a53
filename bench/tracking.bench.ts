// Experiment tracking, measured in one run on one machine:
// 1. Ingest 1,000 runs × 20 metrics × 1,000 steps (20M points) through RunStore.appendPoints — the
//    path the JSONL tail and the pipeline hook use (series ids, points, latest values, change seq) —
//    against raw better-sqlite3 inserting the same points into a plain table, one transaction per
//    run in both. Goal: our throughput ≥ 0.5× the raw insert (time ratio ≤ 2).
// 2. Listing 10,000 runs × 50 columns (25 params + 25 metrics): a cold TrackingService load and a
//    warm listRuns (filter + sort), against raw SELECTs of the same rows.
// TRACKING_BENCH_RUNS / TRACKING_BENCH_STEPS shrink the ingest for a quick look.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../src/engine/store/store.ts';
import { loadSqlite } from '../src/engine/store/native.ts';
import { RunStore } from '../src/engine/tracking/runStore.ts';
import type { IncomingPoint } from '../src/engine/tracking/runStore.ts';
import { openTracking } from '../src/engine/tracking/tracking.ts';
import { compare, measure, saveResults } from './harness.ts';

const RUNS = Number(process.env['TRACKING_BENCH_RUNS'] ?? 1000);
const METRICS = 20;
const STEPS = Number(process.env['TRACKING_BENCH_STEPS'] ?? 1000);
const POINTS = RUNS * METRICS * STEPS;
const LIST_RUNS = 10_000;
const COLUMNS = 50;

// One run's points, reused for every run (the work per point is what is measured).
const points: IncomingPoint[] = [];
for (let m = 0; m < METRICS; m++) {
  for (let s = 0; s < STEPS; s++) points.push({ key: `metric_${m}`, step: s, value: Math.exp(-s / 300) + m * 0.01 + (s % 7) * 1e-4, timestamp: 1_700_000_000_000 + s * 1000 });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-tracking-'));
try {
  let k = 0;
  const ours = await measure(() => {
    const root = path.join(dir, `ours-${k++}`);
    const store = Store.open(root, { origin: 'bench' });
    const runs = new RunStore(store);
    for (let r = 0; r < RUNS; r++) {
      const rid = runs.createRun({ id: `run-${r}`, origin: 'api', experiment: 'bench', name: `run-${r}`, status: 'finished', startedAt: '2026-01-01T00:00:00.000Z' });
      runs.appendPoints(rid, points);
    }
    store.close();
    rmSync(root, { recursive: true, force: true });
  }, { runs: 1, warmup: 0 });

  const Database = loadSqlite();
  let j = 0;
  const raw = await measure(() => {
    const file = path.join(dir, `raw-${j++}.db`);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE points (run INTEGER, key TEXT, step INTEGER, value REAL, timestamp INTEGER)');
    const ins = db.prepare('INSERT INTO points(run, key, step, value, timestamp) VALUES (?, ?, ?, ?, ?)');
    for (let r = 0; r < RUNS; r++) {
      db.transaction(() => {
        for (const p of points) ins.run(r, p.key, p.step, p.value, p.timestamp);
      })();
    }
    db.close();
    rmSync(file, { force: true });
  }, { runs: 1, warmup: 0 });
  const oursRate = POINTS / (ours.median / 1000);
  const rawRate = POINTS / (raw.median / 1000);
  compare(`tracking ingest: ${RUNS.toLocaleString('en-US')} runs × ${METRICS} metrics × ${STEPS.toLocaleString('en-US')} steps (${POINTS.toLocaleString('en-US')} points)`,
    ours, raw, 'raw better-sqlite3 insert', 2, {
      'points/s (ours)': Math.round(oursRate),
      'points/s (raw)': Math.round(rawRate),
      'throughput ratio (goal ≥ 0.5)': oursRate / rawRate,
    });

  // Listing.
  const root = path.join(dir, 'list');
  const store = Store.open(root, { origin: 'bench' });
  const runs = new RunStore(store);
  const t0 = performance.now();
  for (let r = 0; r < LIST_RUNS; r++) {
    const rid = runs.createRun({ id: `run-${r}`, origin: 'api', experiment: `exp-${r % 5}`, name: `run-${r}`, status: 'finished', startedAt: new Date(1_700_000_000_000 + r * 60_000).toISOString() });
    const params: Record<string, number | string> = {};
    const metrics: Record<string, number> = {};
    for (let c = 0; c < COLUMNS / 2; c++) {
      params[`p${c}`] = c % 3 === 0 ? `value-${r % 17}` : (r * (c + 1)) % 1000 / 1000;
      metrics[`m${c}`] = Math.sin(r + c);
    }
    runs.setParams(rid, params);
    runs.setMetrics(rid, metrics);
  }
  console.log(`    (setup: ${LIST_RUNS.toLocaleString('en-US')} runs × ${COLUMNS} columns written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const cold = await measure(() => {
    const t = openTracking(root, store, { config: { version: 1, track: { paths: [], ignore: [] }, sections: {}, warnings: [] } });
    const all = t.listRuns();
    if (all.length !== LIST_RUNS) throw new Error(`listed ${all.length}`);
    t.close();
  }, { runs: 5 });
  const rawList = await measure(() => {
    const rows = store.db.prepare('SELECT * FROM runs').all();
    const p = store.db.prepare('SELECT rid, key, value FROM run_params').raw().all();
    const m = store.db.prepare('SELECT rid, key, value FROM run_metrics').raw().all();
    if (rows.length !== LIST_RUNS || p.length !== LIST_RUNS * COLUMNS / 2 || m.length !== LIST_RUNS * COLUMNS / 2) throw new Error('bad counts');
  }, { runs: 5 });
  compare(`tracking list: cold load of ${LIST_RUNS.toLocaleString('en-US')} runs × ${COLUMNS} columns`, cold, rawList, 'raw SELECT of the same rows');

  const t = openTracking(root, store, { config: { version: 1, track: { paths: [], ignore: [] }, sections: {}, warnings: [] } });
  t.listRuns();
  const warm = await measure(() => t.listRuns(), { runs: 9 });
  const query = await measure(() => t.listRuns({ filter: 'metrics.m3 > 0.5 and params.p1 < 0.5', sort: { key: 'metrics.m7', descending: true }, limit: 100 }), { runs: 9 });
  compare(`tracking list: warm listRuns() vs filter+sort+limit over ${LIST_RUNS.toLocaleString('en-US')} runs`, query, warm, 'warm listRuns() (all, by start time)', undefined, {
    'warm listRuns() ms': warm.median,
    'filter + sort + limit ms': query.median,
  });
  t.close();
  store.close();
  saveResults('tracking');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
