import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { byName, csvText, run, withChecks, workspace } from './helpers.ts';

const HEADER = ['id', 'age', 'plan', 'email', 'income', 'joined'];
const ROWS: Array<Array<string | number>> = [
  [1, 34, 'basic', 'a@x.org', 52000, '2024-01-03'],
  [2, 51, 'pro', 'b@x.org', '', '2024-02-11'],
  [3, 17, 'basic', 'c@x.org', 61000, '2024-03-20'],
  [4, 45, 'gold', 'not-an-email', 43000, '2024-04-02'],
  [2, 29, 'basic', 'e@x.org', 39000, '2024-05-30'],
  [6, 'n/a', 'pro', 'f@x.org', '', '2024-06-01'],
];

const CHECKS = `suites:
  people:
    dataset: data/people.csv
    checks:
      - schema: { columns: { id: integer, age: integer, plan: string, email: string, income: number, joined: date } }
      - schema: { columns: { id: integer, age: number, plan: string }, allow_extra: false }
        name: narrow schema
      - rows: { min: 5, max: 10 }
      - rows: { min: 100 }
        name: enough rows
      - range: { column: age, min: 18, max: 99 }
      - range: { column: income, min: 0 }
      - categories: { column: plan, values: [basic, pro] }
      - missing: { column: income, max: 0.25 }
      - missing: { column: income, max: 0.5 }
        name: income half present
      - unique: id
      - unique: [id, email]
      - regex: { column: email, pattern: '^[^@]+@[^@]+$' }
      - freshness: { max_age: 1d }
      - freshness: { max_age: 400d, column: joined }
        name: recent signups`;

function people(): string {
  return workspace({ 'mlops.yaml': withChecks(CHECKS), 'data/people.csv': csvText(HEADER, ROWS) });
}

test('every data rule, measured on one CSV in one pass, with the value against the rule', async () => {
  const root = people();
  const now = Date.parse('2024-07-01T00:00:00Z');
  utimesSync(path.join(root, 'data/people.csv'), new Date(now - 3 * 86_400_000), new Date(now - 3 * 86_400_000));
  const r = await run(root, { now });
  const c = (n: string) => byName(r, n);

  const schema = c('people/schema');
  assert.equal(schema.status, 'failed', 'age holds "n/a", so it is not an integer column');
  assert.match(schema.message, /"age" is string, expected integer; 1 value\(s\) are not integer|"age" is string, expected integer/);
  assert.equal(c('narrow schema').status, 'failed');
  assert.match(c('narrow schema').message, /unexpected columns "email", "income", "joined"/);

  assert.equal(c('people/rows').status, 'passed');
  assert.equal(c('people/rows').actual, '6 rows');
  assert.equal(c('enough rows').status, 'failed');
  assert.equal(c('enough rows').expected, 'rows ≥ 100');
  assert.equal(c('enough rows').measured, 6);

  const age = c('people/range:age');
  assert.equal(age.status, 'failed');
  assert.match(age.message, /^2 of 6 values of age \(33\.3 %\) break the rule, first at row 3 \(line 4\): "17" \(1×\), "n\/a" \(1×\) \(1 not numbers\)$/);
  assert.deepEqual(age.links, [{ kind: 'file', path: path.join(root, 'data/people.csv'), line: 4, label: 'data/people.csv:4' }]);
  assert.equal(c('people/range:income').status, 'passed');
  assert.equal(c('people/range:income').actual, 'observed 39000 … 61000');

  const plan = c('people/categories:plan');
  assert.equal(plan.status, 'failed');
  assert.match(plan.message, /plan has value outside the allowed categories: "gold" \(1×\) — 1 of 6 rows \(16\.7 %\), first at row 4 \(line 5\)/);

  assert.equal(c('people/missing:income').status, 'failed');
  assert.equal(c('people/missing:income').actual, '33.3 % missing (2 of 6 rows)');
  assert.equal(c('people/missing:income').expected, '≤ 25.0 % missing');
  assert.equal(c('income half present').status, 'passed');

  const uid = c('people/unique:id');
  assert.equal(uid.status, 'failed');
  assert.match(uid.message, /1 row\(s\) repeat an earlier id, first at row 5 \(line 6\): "2" at row 5/);
  assert.equal(c('people/unique:id+email').status, 'passed', '(2, b@x.org) and (2, e@x.org) differ');

  const email = c('people/regex:email');
  assert.equal(email.status, 'failed');
  assert.match(email.message, /1 of 6 values of email .* first at row 4 \(line 5\): "not-an-email"/);

  assert.equal(c('people/freshness').status, 'failed');
  assert.equal(c('people/freshness').actual, 'age 3.0 d');
  assert.equal(c('recent signups').status, 'passed', 'newest joined 2024-06-01 is 30 days before now');
  assert.equal(r.status, 'failed');
});

test('bad input: a missing column, an empty dataset, a missing file, a malformed row are errored with a reason', async () => {
  const root = workspace({
    'mlops.yaml': withChecks(`suites:
  a:
    dataset: data/a.csv
    checks:
      - range: { column: agee, min: 0 }
      - rows: { min: 1 }
  empty:
    dataset: data/empty.csv
    checks:
      - rows: { min: 1 }
      - range: { column: age, min: 0 }
      - schema: { columns: { age: integer } }
  gone:
    dataset: data/nope.csv
    checks:
      - rows: { min: 1 }
  ragged:
    dataset: data/ragged.csv
    checks:
      - rows: { min: 1 }
  unknown-format:
    dataset: data/a.xlsx
    checks:
      - rows: { min: 1 }`),
    'data/a.csv': csvText(['age'], [[1], [2]]),
    'data/empty.csv': 'age\n',
    'data/ragged.csv': 'a,b\n1,2\n3\n',
    'data/a.xlsx': 'x',
  });
  const r = await run(root);
  const agee = byName(r, 'a/range:agee');
  assert.equal(agee.status, 'errored');
  assert.equal(agee.errorKind, 'runtime');
  assert.equal(agee.message, 'column "agee" is not in data/a.csv');
  assert.match(agee.hint!, /did you mean 'age'/);
  assert.equal(byName(r, 'a/rows').status, 'passed', 'the other check of the suite still ran');

  assert.equal(byName(r, 'empty/rows').status, 'failed');
  assert.equal(byName(r, 'empty/rows').actual, '0 rows');
  const emptyRange = byName(r, 'empty/range:age');
  assert.equal(emptyRange.status, 'errored');
  assert.match(emptyRange.message, /data\/empty\.csv has no rows: there are no values to check/);
  assert.equal(byName(r, 'empty/schema').status, 'passed', 'the header still gives the columns');

  const gone = byName(r, 'gone/rows');
  assert.equal(gone.status, 'errored');
  assert.match(gone.message, /nope\.csv does not exist/);
  const ragged = byName(r, 'ragged/rows');
  assert.equal(ragged.status, 'errored');
  assert.match(ragged.message, /ragged\.csv:3/, 'the reader names the line');
  assert.match(byName(r, 'unknown-format/rows').message, /cannot tell the format/);
  assert.deepEqual(r.totals, { checks: 8, passed: 2, failed: 1, errored: 5, warned: 0 });
});

test('TSV, JSONL and Parquet datasets are checked the same way', async () => {
  const checks = (file: string) => `suites:
  s:
    dataset: ${file}
    checks:
      - rows: { min: 3, max: 3 }
      - range: { column: x, min: 0, max: 10 }
      - categories: { column: c, values: [a, b] }
      - missing: { column: c, max: 0 }
      - unique: x`;
  const parquet = parquetWriteBuffer({ columnData: [
    { name: 'x', data: [1, 2, 30], type: 'INT32' },
    { name: 'c', data: ['a', null, 'z'], type: 'STRING' },
  ] });
  for (const [file, content] of [
    ['d.tsv', 'x\tc\n1\ta\n2\t\n30\tz\n'],
    ['d.jsonl', '{"x": 1, "c": "a"}\n{"x": 2, "c": null}\n{"x": 30, "c": "z"}\n'],
    ['d.parquet', new Uint8Array(parquet)],
  ] as const) {
    const root = workspace({ 'mlops.yaml': withChecks(checks(file)) });
    writeFileSync(path.join(root, file), content);
    const r = await run(root);
    const statuses = r.suites[0]!.checks.map((c) => `${c.kind}:${c.status}`);
    assert.deepEqual(statuses, ['rows:passed', 'range:failed', 'categories:failed', 'missing:failed', 'unique:passed'], file);
    assert.match(byName(r, 's/range:x').message, /"30" \(1×\)/, file);
    assert.match(byName(r, 's/categories:c').message, /"z" \(1×\)/, file);
  }
});

test('feature checks resolve a stage’s outputs from dvc.yaml and check every data file in them', async () => {
  const root = workspace({
    'mlops.yaml': withChecks(`suites:
  features:
    stage: featurize
    checks:
      - range: { column: f, min: -3, max: 3 }
      - missing: { column: f, max: 0 }
  only-train:
    stage: featurize
    files: 'out/features/train*'
    checks:
      - range: { column: f, min: -3, max: 3 }
  typo:
    stage: featurise
    checks:
      - rows: { min: 1 }
  not-run:
    stage: train
    checks:
      - rows: { min: 1 }`),
    'dvc.yaml': 'stages:\n  featurize:\n    cmd: echo\n    outs:\n    - out/features\n  train:\n    cmd: echo\n    deps:\n    - out/features\n    outs:\n    - out/model\n',
    'out/features/train.csv': csvText(['f'], [[0.5], [-1.2], [2.9]]),
    'out/features/test.csv': csvText(['f', 'g'], [[0.1, 1], [7.5, 1], ['', 1]]),
    'out/features/scaler.json': '{}',
  });
  const r = await run(root);
  const range = byName(r, 'features/range:f');
  assert.equal(range.status, 'failed');
  assert.match(range.message, /^1 of 2 files: out\/features\/test\.csv: 1 of 2 values of f/);
  assert.equal(r.suites[0]!.subject, 'out/features/test.csv (3 rows), out/features/train.csv (3 rows)');
  assert.equal(byName(r, 'features/missing:f').status, 'failed');
  assert.equal(byName(r, 'only-train/range:f').status, 'passed');
  assert.equal(r.suites[1]!.subject, 'out/features/train.csv (3 rows)');
  const typo = byName(r, 'typo/rows');
  assert.equal(typo.status, 'errored');
  assert.equal(typo.errorKind, 'config');
  assert.match(typo.message, /names stage 'featurise', which is not in dvc\.yaml/);
  assert.match(typo.hint!, /did you mean 'featurize'/);
  const notRun = byName(r, 'not-run/rows');
  assert.match(notRun.message, /stage train has not produced its outputs yet \(out\/model missing\)/);
  assert.match(notRun.hint!, /mlops repro train/);
});

test('--dataset overrides a named dataset; an unknown name or selector is a usage error', async () => {
  const root = workspace({
    'mlops.yaml': withChecks(`datasets:
  batch: data/good.csv
suites:
  batch:
    dataset: batch
    checks:
      - range: { column: x, max: 10 }`),
    'data/good.csv': csvText(['x'], [[1]]),
    'data/bad.csv': csvText(['x'], [[11]]),
  });
  assert.equal((await run(root)).status, 'passed');
  assert.equal((await run(root, { datasets: { batch: 'data/bad.csv' } })).status, 'failed');
  await assert.rejects(run(root, { datasets: { btach: 'data/bad.csv' } }), /--dataset btach=… names no dataset/);
  await assert.rejects(run(root, { select: ['btach'] }), (e: Error & { hint?: string }) => /no suite or check named "btach"/.test(e.message) && /did you mean 'batch'/.test(e.hint ?? ''));
});

test('a severity: warn check reports without failing the gate', async () => {
  const root = workspace({
    'mlops.yaml': withChecks(`suites:
  s:
    dataset: d.csv
    checks:
      - rows: { min: 100 }
        severity: warn
      - rows: { min: 1 }`),
    'd.csv': csvText(['x'], [[1]]),
  });
  const r = await run(root);
  assert.equal(r.status, 'passed');
  assert.deepEqual(r.totals, { checks: 2, passed: 1, failed: 0, errored: 0, warned: 1 });
  assert.equal(r.suites[0]!.checks[0]!.status, 'failed');
});
