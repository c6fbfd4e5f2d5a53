// Profiling a 1,000,000-row × 10-column CSV (~70 MB) vs Python's C csv module only tokenizing it, same
// file, same run. Goal: a full profile (parse + types + statistics + value counts) in no more time
// than Python takes to split the file into fields.
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '../src/engine/data/hashing.ts';
import { profileFile } from '../src/engine/data/profile.ts';
import { compare, measure, measureCommand, saveResults } from './harness.ts';

const ROWS = 1_000_000;
const PYTHON_CSV = 'import csv,sys; sum(1 for _ in csv.reader(open(sys.argv[1], newline="")))';

async function generate(file: string): Promise<void> {
  const rand = seededRandom(2024);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
  const cats = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
  const out = createWriteStream(file);
  out.write('id,x1,x2,x3,x4,cat,flag,small,day,score\n');
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    const month = String(1 + Math.floor(rand() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(rand() * 28)).padStart(2, '0');
    buf += `${i},${gauss().toFixed(4)},${(rand() * 100).toFixed(3)},${(-Math.log(rand())).toFixed(4)},${Math.floor(rand() * 1001) - 500},${cats[Math.floor(rand() * 5)]},${rand() < 0.5 ? 'true' : 'false'},${Math.floor(rand() * 10)},2024-${month}-${day},${rand().toFixed(5)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-data-'));
try {
  const file = path.join(dir, 'data.csv');
  await generate(file);
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
