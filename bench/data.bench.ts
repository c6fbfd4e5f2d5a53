// Profiling a 1,000,000-row × 10-column CSV (~70 MB) vs Python's C csv module only tokenizing it, same
// file, same run. Goal: a full profile (parse + types + statistics + value counts) in no more time
// than Python takes to split the file into fields.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeBenchCsv } from './csvFixture.ts';
import { profileFile } from '../src/engine/data/profile.ts';
import { compare, measure, measureCommand, saveResults } from './harness.ts';

const ROWS = 1_000_000;
const PYTHON_CSV = 'import csv,sys; sum(1 for _ in csv.reader(open(sys.argv[1], newline="")))';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-data-'));
try {
  const file = path.join(dir, 'data.csv');
  await writeBenchCsv(file, ROWS);
  const mb = statSync(file).size / 1e6;
  let rows = 0;
  let peakRss = 0;
  // A user profiles a file once, in a fresh process: report that cold pass too (the ratio uses warm runs).
  const t0 = performance.now();
  await profileFile(file);
  const cold = performance.now() - t0;
  const ours = await measure(async () => {
    const { profile } = await profileFile(file);
    rows = profile.rows;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, { warmup: 0 });
  if (rows !== ROWS) throw new Error(`profiled ${rows} rows, expected ${ROWS}`);
  const python = await measureCommand('python3', ['-c', PYTHON_CSV, file]);
  compare(`data: profile ${ROWS.toLocaleString('en-US')} rows × 10 columns CSV (${mb.toFixed(0)} MB)`, ours, python, 'python3 csv.reader (tokenize only)', 1.0, {
    'rows/s (ours)': Math.round(ROWS / (ours.median / 1000)),
    'rows/s (python csv)': Math.round(ROWS / (python.median / 1000)),
    'MB/s (ours)': mb / (ours.median / 1000),
    'first (cold) pass, ms': Math.round(cold),
    'peak RSS MB (ours, whole process)': Math.round(peakRss / 1e6),
  });
  saveResults('data');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
