// Data checks over a 1,000,000-row × 10-column CSV (~70 MB): the suite a team would gate a dataset
// with (schema, rows, ranges, allowed categories, missing share, key uniqueness, regex, freshness)
// through `runChecks`, against the same checks written in Python with the C csv module (one pass,
// plain loops), measured in the same run. `wc -l` is printed as the floor of reading the file.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeBenchCsv } from './csvFixture.ts';
import { loadChecks } from '../src/engine/checks/config.ts';
import { runChecks } from '../src/engine/checks/runner.ts';
import { compare, fmt, measure, measureCommand, saveResults } from './harness.ts';

const ROWS = 1_000_000;

const CHECKS = `version: 1
checks:
  suites:
    data:
      dataset: data.csv
      checks:
        - schema: { columns: { id: integer, x1: float, x2: float, x3: float, x4: integer, cat: string, flag: boolean, small: integer, day: datetime, score: float } }
        - rows: { min: 1000, max: 2000000 }
        - range: { column: x1, min: -6, max: 6 }
        - range: { column: x2, min: 0, max: 100 }
        - range: { column: x4, min: -500, max: 500 }
        - categories: { column: cat, values: [alpha, beta, gamma, delta, epsilon] }
        - missing: { column: x3, max: 5% }
        - unique: id
        - regex: { column: day, pattern: '^2024-\\d{2}-\\d{2}$' }
        - freshness: { max_age: 1d }
`;

// The same checks, as directly as Python's standard library allows (the baseline a data team would write).
const PYTHON_CHECKS = String.raw`
import csv, os, re, sys, time
f = sys.argv[1]
expected = ["id","x1","x2","x3","x4","cat","flag","small","day","score"]
cats = {"alpha","beta","gamma","delta","epsilon"}
day = re.compile(r"^2024-\d{2}-\d{2}$")
rows = bad_x1 = bad_x2 = bad_x4 = bad_cat = miss_x3 = dup = bad_day = 0
seen = set()
with open(f, newline="") as fh:
    r = csv.reader(fh)
    header = next(r)
    assert header == expected
    for row in r:
        rows += 1
        x1 = float(row[1]); x2 = float(row[2]); x4 = int(row[4])
        if not (-6 <= x1 <= 6): bad_x1 += 1
        if not (0 <= x2 <= 100): bad_x2 += 1
        if not (-500 <= x4 <= 500): bad_x4 += 1
        if row[5] not in cats: bad_cat += 1
        if row[3] == "": miss_x3 += 1
        if row[0] in seen: dup += 1
        else: seen.add(row[0])
        if not day.match(row[8]): bad_day += 1
fresh = time.time() - os.stat(f).st_mtime < 86400
print(rows, bad_x1, bad_x2, bad_x4, bad_cat, miss_x3, dup, bad_day, fresh)
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-checks-'));
try {
  const file = path.join(dir, 'data.csv');
  await writeBenchCsv(file, ROWS, { missingX3: 0.02 });
  writeFileSync(path.join(dir, 'mlops.yaml'), CHECKS);
  const mb = statSync(file).size / 1e6;
  const config = loadChecks(dir);
  let summary = '';
  const t0 = performance.now();
  await runChecks(dir, config);
  const cold = performance.now() - t0;
  const ours = await measure(async () => {
    const report = await runChecks(dir, config);
    const t = report.totals;
    summary = `${t.checks} checks: ${t.passed} passed, ${t.failed} failed, ${t.errored} errored`;
    if (t.checks !== 10 || t.errored) throw new Error(`unexpected report: ${JSON.stringify(report.suites[0]!.checks.map((c) => [c.id, c.status, c.message]))}`);
  }, { warmup: 0 });
  const python = await measureCommand('python3', ['-c', PYTHON_CHECKS, file]);
  const wc = await measureCommand('wc', ['-l', file]);
  compare(`checks: 10 data checks over ${ROWS.toLocaleString('en-US')} rows × 10 columns CSV (${mb.toFixed(0)} MB)`, ours, python, 'python3 csv module doing the same checks', 0.5, {
    result: summary,
    'rows/s (ours)': Math.round(ROWS / (ours.median / 1000)),
    'rows/s (python)': Math.round(ROWS / (python.median / 1000)),
    'wc -l (reading floor)': fmt(wc.median),
    'ratio to wc -l': ours.median / wc.median,
    'first (cold) run, ms': Math.round(cold),
  });
  saveResults('checks');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
