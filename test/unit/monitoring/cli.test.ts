import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../../src/cli/registry.ts';
import { CHURN, MONITORING_YAML, REFERENCE, batch, churnWorkspace, runCli } from './helpers.ts';
import { parseExposition, sampleValue } from './exposition.ts';
import { NODE, REPO_ROOT, tempDir } from '../helpers/tmp.ts';

const rel = (f: string): string => path.relative(CHURN, f);

test('drift and monitor are registered commands', () => {
  assert.ok(COMMANDS.some((c) => c.name.join(' ') === 'drift'));
  assert.ok(COMMANDS.some((c) => c.name.join(' ') === 'monitor'));
});

test('the CI gate: --fail-on-drift exits 0 on batch-01 and 1 on batch-06', async () => {
  const calm = await runCli(['drift', rel(REFERENCE), rel(batch(1)), '--fail-on-drift'], CHURN);
  assert.equal(calm.code, 0, calm.err);
  assert.match(calm.out, /^Drift detected in 0 of 9 columns \(0\.0 %\) — dataset drift: NO/m);
  const drifted = await runCli(['drift', rel(REFERENCE), rel(batch(6)), '--fail-on-drift'], CHURN);
  assert.equal(drifted.code, 1);
  assert.match(drifted.out, /^Drift detected in 8 of 9 columns \(88\.9 %\) — dataset drift: YES/m);
  // Without the flag, drift is a finding, not a failure.
  assert.equal((await runCli(['drift', rel(REFERENCE), rel(batch(6))], CHURN)).code, 0);
});

test('the human table lists drifted columns first by severity, with test, score, threshold and direction', async () => {
  const r = await runCli(['drift', rel(REFERENCE), rel(batch(6))], CHURN);
  const lines = r.out.split('\n');
  const header = lines.findIndex((l) => l.startsWith('COLUMN'));
  assert.match(lines[header]!, /^COLUMN\s+TYPE\s+TEST\s+SCORE\s+THRESHOLD\s+DRIFTED$/);
  const rows = lines.slice(header + 1, header + 12).map((l) => l.split(/\s{2,}/));
  assert.deepEqual(rows.map((c) => c[0]), ['monthly_charges', 'age', 'payment_method', 'support_calls', 'tenure_months', 'contract', 'churned', 'total_charges', 'has_partner', 'customer_id', 'signup_date']);
  assert.deepEqual(rows[0], ['monthly_charges', 'numerical', 'Wasserstein distance (normed)', '1.0459', '≥ 0.1', 'YES']);
  assert.deepEqual(rows[2], ['payment_method', 'categorical', 'Jensen-Shannon distance (ln, 5 values)', '0.2697', '≥ 0.1', 'YES']);
  assert.deepEqual(rows[8]!.slice(-1), ['no']);
  assert.deepEqual(rows[9]!.slice(-1), ['— not-tested']);
  assert.match(r.out, /payment_method: new in the current data: "digital-wallet"/);
  assert.match(r.out, /total_charges: missing values 1\.9 % → 19\.1 %/);
});

test('--json prints the report document; --columns and --share are applied; a p-value test shows p ≤', async () => {
  const ws = tempDir();
  writeFileSync(path.join(ws, 'mlops.yaml'), 'version: 1\ndrift:\n  columns:\n    age: { test: ks }\n');
  const r = await runCli(['drift', REFERENCE, batch(2), '--json', '--columns', 'age,monthly_charges', '--share', '0.5'], ws);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out);
  assert.equal(doc.version, 1);
  assert.deepEqual(doc.columns.map((c: { name: string }) => c.name), ['age', 'monthly_charges']);
  assert.equal(doc.columns[0].test, 'ks', 'mlops.yaml of the workspace around cwd is used');
  assert.equal(doc.summary.threshold, 0.5);
  assert.equal(doc.summary.datasetDrift, true, 'monthly_charges drifts: 1 of 2 columns = 0.5 ≥ 0.5');
  const human = await runCli(['drift', REFERENCE, batch(2), '--columns', 'age'], ws);
  assert.match(human.out, /K-S p_value\s+\S+\s+p ≤ 0\.05/);
});

test('errors: a bad --share is a usage error (2); an unreadable file exits 1 with its message; a bad mlops.yaml names the line', async () => {
  const bad = await runCli(['drift', rel(REFERENCE), rel(batch(1)), '--share', '2'], CHURN);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--share must be a number between 0 and 1/);
  const dir = tempDir();
  const parquet = path.join(dir, 'b.parquet');
  writeFileSync(parquet, 'PAR1 this is not parquet PAR1');
  const broken = await runCli(['drift', REFERENCE, parquet], dir);
  assert.equal(broken.code, 1);
  assert.match(broken.err, /b\.parquet: .*not a readable Parquet file/);
  assert.match(broken.out, /— error/);
  const missing = await runCli(['drift', 'nope.csv', REFERENCE, '--json'], dir);
  assert.equal(missing.code, 1);
  assert.equal(JSON.parse(missing.out).reference.error.code, 'not-found');
  writeFileSync(path.join(dir, 'mlops.yaml'), 'version: 1\ndrift:\n  share: 7\n');
  const cfg = await runCli(['drift', REFERENCE, batch(1)], dir);
  assert.equal(cfg.code, 1);
  assert.match(cfg.err, /mlops\.yaml:3: 'drift\.share' must be a number between 0 and 1/);
});

test('mlops monitor prints one line per new batch, then nothing new; --json lists the reports', async () => {
  const root = churnWorkspace();
  const first = await runCli(['monitor'], root);
  assert.equal(first.code, 0, first.err);
  const lines = first.out.trim().split('\n').filter((l) => !l.startsWith('    →'));
  assert.equal(lines.length, 6);
  assert.match(lines[0]!, /^customers {2}data\/production\/batch-01\.csv {2}Drift detected in 0 of 8 columns \(0\.0 %\) — dataset drift: NO$/);
  assert.match(lines[5]!, /batch-06\.csv {2}Drift detected in 7 of 8 columns \(87\.5 %\) — dataset drift: YES {2}\[age, tenure_months/);
  assert.match(first.out, /→ retrain: run mlops repro train/);
  const second = await runCli(['monitor', '--once'], root);
  assert.equal(second.code, 0);
  assert.match(second.out, /^No new batches/);
  copyFileSync(batch(6), path.join(root, 'data/production/batch-07.csv'));
  const json = await runCli(['monitor', '--json'], root);
  const body = JSON.parse(json.out);
  assert.deepEqual(body.reports.map((r: { path: string; datasetDrift: boolean }) => [r.path, r.datasetDrift]), [['data/production/batch-07.csv', true]]);
  assert.equal(body.reports[0].retrain.retrain, true);
});

test('retrain.auto: true runs the retrain stages once after a drifted run; auto: false only says what to run', async () => {
  // A one-stage pipeline that appends a line per run, so the test can count the retrainings.
  const dvc = "stages:\n  train:\n    cmd: echo retrained >> retrained.log\n    deps:\n    - data/production\n    outs:\n    - retrained.log:\n        cache: false\n";
  const auto = churnWorkspace(MONITORING_YAML.replace('auto: false', 'auto: true'));
  writeFileSync(path.join(auto, 'dvc.yaml'), dvc);
  const r = await runCli(['monitor'], auto);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /customers drifted — running mlops repro train/);
  // Batches 05 and 06 both call for retraining: one run for the dataset, not one per batch.
  assert.equal(readFileSync(path.join(auto, 'retrained.log'), 'utf8'), 'retrained\n');
  assert.match(readFileSync(path.join(auto, 'dvc.lock'), 'utf8'), /train:/);
  // Nothing new, nothing retrained.
  await runCli(['monitor'], auto);
  assert.equal(readFileSync(path.join(auto, 'retrained.log'), 'utf8'), 'retrained\n');

  const manual = churnWorkspace();
  writeFileSync(path.join(manual, 'dvc.yaml'), dvc);
  const m = await runCli(['monitor'], manual);
  assert.equal(m.code, 0, m.err);
  assert.match(m.out, /→ retrain: run mlops repro train/);
  assert.doesNotMatch(m.err, /running mlops repro/);
  assert.equal(existsSync(path.join(manual, 'retrained.log')), false, 'auto: false never runs a stage');
});

test('mlops monitor without a monitoring section, or outside a workspace, exits 1 with what to do', async () => {
  const root = churnWorkspace('version: 1\n');
  const r = await runCli(['monitor'], root);
  assert.equal(r.code, 1);
  assert.match(r.err, /no monitoring section — add e\.g\./);
  const nowhere = await runCli(['monitor'], tempDir());
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.err, /not inside an MLOps workspace/);
  const bad = churnWorkspace(MONITORING_YAML.replace('batches: data/production', 'batches: data/missing'));
  const b = await runCli(['monitor'], bad);
  assert.equal(b.code, 1);
  assert.match(b.err, /customers: the batch folder data\/missing does not exist/);
});

test('mlops monitor --serve: serves /metrics, picks up a new batch, stops cleanly on SIGTERM', async () => {
  const root = churnWorkspace();
  const child = spawn(NODE, [path.join(REPO_ROOT, 'src/cli/index.ts'), 'monitor', '--serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (!cond()) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`timed out waiting for ${what}\nstdout: ${out}\nstderr: ${err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  try {
    const batchLines = (): number => out.split('\n').filter((l) => l.startsWith('customers')).length;
    await until(() => /serving drift metrics on (\S+)/.test(err) && batchLines() === 6, 'the first six batches and the server');
    const url = /serving drift metrics on (\S+)/.exec(err)![1]!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const families = parseExposition(await (await fetch(url)).text());
    assert.equal(sampleValue(families, 'mlops_drift_dataset_drift', { dataset: 'customers' }), 1);
    copyFileSync(batch(1), path.join(root, 'data/production/batch-07.csv'));
    await until(() => out.includes('batch-07.csv'), 'the new batch');
    const after = parseExposition(await (await fetch(url)).text());
    assert.equal(sampleValue(after, 'mlops_drift_dataset_drift', { dataset: 'customers' }), 0, 'the latest report is batch-07, a calm one');
    assert.equal(sampleValue(after, 'mlops_drift_drifted_columns', { dataset: 'customers' }), 0);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, err);
    assert.match(err, /stopped \(SIGTERM\)/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
