// The CI gate end to end on examples/churn: the real `mlops` process, its exit codes and the
// JUnit and Markdown files it writes, before and after the pipeline ran, on clean and drifted data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../../src/cli/registry.ts';
import { NODE, REPO_ROOT } from '../helpers/tmp.ts';
import { churnCopy } from './helpers.ts';

const BIN = path.join(REPO_ROOT, 'src/cli/index.ts');

async function mlops(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(NODE, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const [code] = (await once(child, 'close')) as [number];
  return { code, out, err };
}

function junit(file: string): { tests: number; failures: number; errors: number; failed: string[] } {
  const py = `import sys, json, xml.etree.ElementTree as E
t = E.parse(sys.argv[1]).getroot()
print(json.dumps({"tests": int(t.get("tests")), "failures": int(t.get("failures")), "errors": int(t.get("errors")),
  "failed": [s.get("name") + "/" + c.get("name") for s in t.findall("testsuite") for c in s.findall("testcase") if c.find("failure") is not None or c.find("error") is not None]}))`;
  const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `JUnit XML parses: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('check is a registered command', () => {
  assert.ok(COMMANDS.some((c) => c.name.join(' ') === 'check'));
});

test('examples/churn: the gate before the pipeline ran, after it, and on the drifted batch', { timeout: 240_000 }, async () => {
  const root = churnCopy();
  assert.equal((await mlops(['init'], root)).code, 0);

  // Before any run: model and feature checks cannot be measured — errored with what to do, exit 1.
  const early = await mlops(['check', 'model', 'features'], root);
  assert.equal(early.code, 1, early.out + early.err);
  assert.match(early.out, /ERROR accuracy >= 0\.8\n\s+no finished run found\n\s+hint: run the pipeline \(mlops repro\)/);
  assert.match(early.out, /stage featurize has not produced its outputs yet \(data\/features missing\)/);
  assert.match(early.out, /defined at checks\.yaml:\d+/);

  const repro = await mlops(['repro'], root);
  assert.equal(repro.code, 0, repro.err);

  // Clean data: every check passes, exit 0, and both reports are written.
  const clean = await mlops(['check', '--junit', 'reports/checks.xml', '--markdown', 'reports/checks.md'], root);
  assert.equal(clean.code, 0, clean.out + clean.err);
  assert.match(clean.out, /^29 checks: 29 passed — PASSED/m);
  assert.match(clean.out, /reports: reports\/checks\.xml, reports\/checks\.md/);
  const cleanXml = junit(path.join(root, 'reports/checks.xml'));
  assert.deepEqual(cleanXml, { tests: 29, failures: 0, errors: 0, failed: [] });
  const cleanMd = readFileSync(path.join(root, 'reports/checks.md'), 'utf8');
  assert.match(cleanMd, /^### ✅ Quality gates passed: 29 of 29 checks/);
  assert.match(cleanMd, /\| ✅ model \| run mlops:/);
  assert.match(cleanMd, /\| f1 \| 0\.7062 \| 0\.7062 \| ±0 \|/);

  // The drifted batch: new category, missing values and drift fail the production-batch suite.
  const env = { GITHUB_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/churn', GITHUB_SHA: 'c0ffee', GITHUB_RUN_ID: '9' };
  const drifted = await mlops(['check', '--dataset', 'batch=data/production/batch-06.csv', '--junit', 'r6.xml', '--markdown', 'r6.md'], root, env);
  assert.equal(drifted.code, 1, drifted.out + drifted.err);
  assert.match(drifted.out, /^29 checks: 26 passed, 3 failed — FAILED/m);
  assert.match(drifted.out, /FAIL  payment_method in \{electronic-check, mailed-check, bank-transfer, credit-card\}\n\s+payment_method has value outside the allowed categories: "digital-wallet" \(155×\)/);
  assert.match(drifted.out, /→ data\/production\/batch-06\.csv:11/);
  const x6 = junit(path.join(root, 'r6.xml'));
  assert.equal(x6.failures, 3);
  assert.deepEqual(x6.failed, [
    'production-batch/payment_method in {electronic-check, mailed-check, bank-transfer, credit-card}',
    'production-batch/total_charges ≤ 5.0 % missing',
    'production-batch/input drift below 30 % of the columns',
  ]);
  const md6 = readFileSync(path.join(root, 'r6.md'), 'utf8');
  assert.match(md6, /^### ❌ Quality gates failed: 3 failed of 29 checks/);
  assert.match(md6, /\| ❌ \| total\\_charges ≤ 5\.0 % missing \| ≤ 5\.0 % missing \| 19\.1 % missing \(153 of 800 rows\) \|/);
  assert.ok(md6.includes('(https://github.com/'), 'links point at the commit in GitHub Actions');
  assert.match(md6, /\[data\/production\/batch-06\.csv:11\]\(https:\/\/github\.com\/acme\/churn\/blob\/c0ffee\/data\/production\/batch-06\.csv#L11\)/);

  // One suite, as JSON.
  const json = await mlops(['check', 'production-batch', '--json', '--dataset', 'batch=data/production/batch-06.csv'], root);
  assert.equal(json.code, 1);
  const doc = JSON.parse(json.out);
  assert.deepEqual(doc.suites.map((s: { name: string }) => s.name), ['production-batch']);
  assert.deepEqual(doc.totals, { checks: 9, passed: 6, failed: 3, errored: 0, warned: 0 });

  // production.*: the registry's Production version, registered and promoted with the CLI
  // (without the example's Production gates: v1 is what production.* should read here).
  const cfg = path.join(root, 'mlops.yaml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/\n(# Model registry[^\n]*\n(#[^\n]*\n)*)?registry:\n(  [^\n]*\n)*/, '\n'));
  assert.doesNotMatch(readFileSync(cfg, 'utf8'), /registry:/);
  assert.equal((await mlops(['models', 'register', 'churn-model', 'models/model.json'], root)).code, 0);
  assert.equal((await mlops(['models', 'promote', 'churn-model', '1', 'Production'], root)).code, 0);
  appendFileSync(path.join(root, 'checks.yaml'), '  vs-production:\n    checks:\n      - metric: f1 >= production.f1 - 0.01\n');
  const prod = await mlops(['check', 'vs-production'], root);
  assert.equal(prod.code, 0, prod.out + prod.err);
  assert.match(prod.out, /PASS  f1 >= production\.f1 - 0\.01  \(f1 = 0\.7062, production\.f1 = 0\.7062\)/);
  assert.match(prod.out, /METRIC\s+CURRENT\s+PRODUCTION\s+Δ\n\s+f1\s+0\.7062\s+0\.7062\s+\+0/);

  // --list shows ids to select single checks.
  const list = await mlops(['check', '--list'], root);
  assert.equal(list.code, 0);
  assert.match(list.out, /^model \(latest run\)\n  model\/metric:accuracy >= 0\.8  — accuracy >= 0\.8$/m);
  const single = await mlops(['check', 'model/metric:accuracy >= 0.8'], root);
  assert.match(single.out, /^1 check: 1 passed — PASSED/m);
});

test('usage and configuration errors exit 2 with file and line; the reports say so too', { timeout: 60_000 }, async () => {
  const root = churnCopy();
  const checks = path.join(root, 'checks.yaml');
  const original = readFileSync(checks, 'utf8');

  const unknown = await mlops(['check', 'modle'], root);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /no suite or check named "modle" — did you mean 'model'\?/);
  assert.equal((await mlops(['check', '--dataset', 'batch'], root)).code, 2);
  assert.match((await mlops(['check', '--dataset', 'btach=x.csv'], root)).err, /names no dataset of the checks/);

  writeFileSync(checks, original.replace('  training-data:\n', '  training-data:\n   - broken: [\n'));
  const broken = await mlops(['check', '--junit', 'r.xml', '--markdown', 'r.md'], root);
  assert.equal(broken.code, 2);
  assert.match(broken.err, /^mlops: .*checks\.yaml:\d+(:\d+)?: Not valid YAML/);
  const x = junit(path.join(root, 'r.xml'));
  assert.deepEqual([x.tests, x.errors], [1, 1]);
  assert.match(readFileSync(path.join(root, 'r.md'), 'utf8'), /Quality gates could not run[\s\S]*checks\.yaml:\d+/);
  const asJson = await mlops(['check', '--json'], root);
  assert.equal(asJson.code, 2);
  assert.equal(JSON.parse(asJson.out).error.code, 'config');

  // A threshold that is not a number errors that check (exit 2) but the others still run.
  writeFileSync(checks, original.replace('- rows: { min: 1000 }', '- rows: { min: lots }'));
  const bad = await mlops(['check', 'training-data'], root);
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.out, /ERROR rows \(line \d+\)\n\s+.*checks\.yaml:\d+: The threshold 'min' of this rows check must be a number, got "lots"/);
  assert.match(bad.out, /^10 checks: 9 passed, 1 errored — FAILED/m);

  writeFileSync(checks, 'suites: {}\n');
  const none = await mlops(['check'], root);
  assert.equal(none.code, 2);
  assert.match(none.err, /no checks are declared/);
});
