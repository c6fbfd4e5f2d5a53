// Numeric drift statistics for 1,000,000 reference vs 1,000,000 current rows × 20 columns: our KS
// (statistic + p-value), normed Wasserstein, PSI and Jensen-Shannon from one sort per sample, against
// scipy's ks_2samp + wasserstein_distance on the same doubles, measured in the same run.
// Goal: ≤ 0.33× scipy's time (drift.md §7.3: scipy spends ~1.5 s per 1M-row column on these two).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '../src/engine/data/hashing.ts';
import { numericDriftStatsFromSamples, numericSample } from '../src/engine/drift/index.ts';
import type { NumericDriftStats } from '../src/engine/drift/index.ts';
import { compare, measure, measureCommand, saveResults } from './harness.ts';

const ROWS = 1_000_000;
const COLUMNS = 20;

// Column c: reference N(0, 1); current N(0.01·c, 1 + 0.005·c), so the tests see shifts from none to small.
function generate(seed: number, current: boolean): Float64Array[] {
  const rand = seededRandom(seed);
  const cols: Float64Array[] = [];
  for (let c = 0; c < COLUMNS; c++) {
    const a = new Float64Array(ROWS);
    const mu = current ? 0.01 * c : 0;
    const sd = current ? 1 + 0.005 * c : 1;
    for (let i = 0; i < ROWS; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - rand()));
      const t = 2 * Math.PI * rand();
      a[i] = mu + sd * r * Math.cos(t);
      if (i + 1 < ROWS) a[i + 1] = mu + sd * r * Math.sin(t);
    }
    cols.push(a);
  }
  return cols;
}

/** Column-major raw float64, little-endian, as numpy.fromfile reads it back. */
function writeRaw(file: string, cols: Float64Array[]): void {
  const all = new Float64Array(ROWS * COLUMNS);
  cols.forEach((c, k) => all.set(c, k * ROWS));
  writeFileSync(file, new Uint8Array(all.buffer));
}

const PYTHON = `
import json, sys
import numpy as np
from scipy import stats
rows, cols = ${ROWS}, ${COLUMNS}
ref = np.fromfile(sys.argv[1], dtype='<f8').reshape(cols, rows)
cur = np.fromfile(sys.argv[2], dtype='<f8').reshape(cols, rows)
out = []
for c in range(cols):
    ks = stats.ks_2samp(ref[c], cur[c])
    w = stats.wasserstein_distance(ref[c], cur[c])
    out.append({"d": float(ks.statistic), "p": float(ks.pvalue), "w1": float(w)})
with open(sys.argv[3], "w") as f:
    json.dump(out, f)
`;

function ours(ref: Float64Array[], cur: Float64Array[]): NumericDriftStats[] {
  const out: NumericDriftStats[] = [];
  for (let c = 0; c < COLUMNS; c++) out.push(numericDriftStatsFromSamples(numericSample(ref[c]!), numericSample(cur[c]!), { ksMethod: 'auto' }));
  return out;
}

function pythonAvailable(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import numpy, scipy; print(numpy.__version__, scipy.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const versions = pythonAvailable();
if (!versions) {
  console.log('drift: baseline unavailable — python3 with numpy and scipy is not installed (apt-get install -y python3-numpy python3-scipy); nothing measured.');
  process.exit(0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-drift-'));
try {
  const t0 = performance.now();
  const ref = generate(20240101, false);
  const cur = generate(20240102, true);
  const refFile = path.join(dir, 'ref.f64');
  const curFile = path.join(dir, 'cur.f64');
  writeRaw(refFile, ref);
  writeRaw(curFile, cur);
  const scipyOut = path.join(dir, 'scipy.json');
  console.log(`generated ${COLUMNS} × 2 × ${ROWS.toLocaleString('en-US')} doubles in ${((performance.now() - t0) / 1000).toFixed(1)} s; numpy/scipy ${versions}`);

  let result: NumericDriftStats[] = [];
  const mine = await measure(() => { result = ours(ref, cur); }, { runs: 3, warmup: 1 });
  // Unset only for the baseline: these OpenBLAS overrides are set machine-wide for old builds and slow a current numpy.
  const script = path.join(dir, 'baseline.py');
  writeFileSync(script, PYTHON);
  const python = await measureCommand('env', ['-u', 'OPENBLAS_CORETYPE', '-u', 'OPENBLAS_L2_SIZE', 'python3', script, refFile, curFile, scipyOut], { runs: 3, warmup: 0 });

  // Same numbers, or the timing means nothing: D and W1 to 1e-9, p-values to 1e-6 relative where not tiny.
  const scipy = JSON.parse(readFileSync(scipyOut, 'utf8')) as Array<{ d: number; p: number; w1: number }>;
  let maxD = 0;
  let maxW = 0;
  let maxP = 0;
  for (let c = 0; c < COLUMNS; c++) {
    const r = result[c]!;
    maxD = Math.max(maxD, Math.abs(r.ks.statistic - scipy[c]!.d));
    maxW = Math.max(maxW, Math.abs(r.wasserstein.w1 - scipy[c]!.w1) / Math.max(1e-12, scipy[c]!.w1));
    if (scipy[c]!.p > 1e-300) maxP = Math.max(maxP, Math.abs(r.ks.pValue - scipy[c]!.p) / scipy[c]!.p);
  }
  if (maxD > 1e-9 || maxW > 1e-9 || maxP > 1e-6) throw new Error(`results differ from scipy: |ΔD| ${maxD}, rel ΔW1 ${maxW}, rel Δp ${maxP}`);

  compare(`drift: KS + Wasserstein + PSI + JS, ${COLUMNS} columns × 1M vs 1M rows`, mine, python, 'python3 scipy ks_2samp + wasserstein_distance', 0.33, {
    'per column, ours (ms)': mine.median / COLUMNS,
    'per column, scipy (ms)': python.median / COLUMNS,
    'max |D − scipy D|': maxD.toExponential(1),
    'max relative |W1 − scipy W1|': maxW.toExponential(1),
    'max relative |p − scipy p|': maxP.toExponential(1),
    'KS method': result[0]!.ks.method,
    'PSI binning': `${result[0]!.binning}, ${result[0]!.bins} bins`,
    'baseline includes': 'python start-up, numpy/scipy import and reading 320 MB (fromfile)',
  });
  saveResults('drift');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
