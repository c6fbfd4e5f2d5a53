import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { MlopsError } from '../../../src/engine/errors.ts';
import { selectChecks } from '../../../src/engine/checks/config.ts';
import { load, withChecks, workspace } from './helpers.ts';

const SUITES = `datasets:
  customers: data/customers.csv
  batch: { path: data/batch.csv, reference: customers }
suites:
  raw:
    description: raw data
    dataset: customers
    checks:
      - rows: { min: 10, max: 1000 }
      - range: { column: age, min: 18, max: 85 }
      - range: { column: age, min: 0 }
      - missing: { column: income, max: 5% }
        name: income mostly present
        severity: warn
  model:
    checks:
      - metric: accuracy >= 0.9
      - drift: drift.share < 0.3
        dataset: batch`;

test('suites and checks keep their YAML span, ids and names', () => {
  const root = workspace({ 'mlops.yaml': withChecks(SUITES) });
  const cfg = load(root);
  assert.equal(cfg.file, path.join(root, 'mlops.yaml'));
  assert.deepEqual(cfg.datasets.map((d) => [d.name, d.path, d.reference]), [['customers', 'data/customers.csv', null], ['batch', 'data/batch.csv', 'customers']]);
  assert.deepEqual(cfg.suites.map((s) => s.name), ['raw', 'model']);
  const raw = cfg.suites[0]!;
  assert.deepEqual(raw.target, { kind: 'dataset', ref: 'customers' });
  assert.equal(raw.range.start.line, 7, 'the suite starts at its key');
  assert.deepEqual(raw.checks.map((c) => c.id), ['raw/rows', 'raw/range:age', 'raw/range:age#2', 'raw/income mostly present']);
  assert.deepEqual(raw.checks.map((c) => c.name), ['rows between 10 and 1000', 'age in [18, 85]', 'age ≥ 0', 'income mostly present']);
  assert.deepEqual(raw.checks.map((c) => c.range.start.line), [11, 12, 13, 14]);
  assert.equal(raw.checks[3]!.range.end.line, 16, 'a check spans its extra keys');
  assert.equal(raw.checks[3]!.range.start.column, 11, 'after the dash');
  assert.equal(raw.checks[3]!.severity, 'warn');
  assert.deepEqual(raw.checks[3]!.rule, { kind: 'missing', column: 'income', max: 0.05 });
  const model = cfg.suites[1]!;
  assert.deepEqual(model.target, { kind: 'none' });
  assert.deepEqual(model.run, { kind: 'latest', experiment: null });
  assert.deepEqual(model.checks.map((c) => c.id), ['model/metric:accuracy >= 0.9', 'model/drift:batch:drift.share < 0.3']);
  assert.ok(cfg.suites.flatMap((s) => s.checks).every((c) => !c.error));
});

test('a mistake in one check errors that check with its line; the others stay runnable', () => {
  const root = workspace({
    'mlops.yaml': withChecks(`suites:
  raw:
    dataset: data/x.csv
    checks:
      - range: { column: age, min: abc }
      - missing: { column: income, max: 150% }
      - rows: { min: 1 }
      - rnage: { column: age }
      - metric: accuracy >=
      - regex: { column: code, pattern: '([a-z' }
      - categories: { column: c, values: [] }
      - freshness: { max_age: soon }
      - schema: { columns: { a: integr } }
      - range: { column: age, min: 1 }
        colour: red
      - rows: { min: 1 }
        range: { column: a, min: 0 }`),
  });
  const checks = load(root).suites[0]!.checks;
  const errs = checks.map((c) => c.error);
  assert.equal(errs[2], undefined, 'rows is fine');
  const e = (i: number): MlopsError => {
    assert.ok(errs[i] instanceof MlopsError, `check ${i} is errored`);
    assert.equal(errs[i]!.code, 'config');
    assert.equal(errs[i]!.location?.file, path.join(root, 'mlops.yaml'));
    return errs[i]!;
  };
  assert.match(e(0).message, /threshold 'min' of this range check must be a number, got "abc"/);
  assert.equal(e(0).location?.line, 7);
  assert.match(e(1).message, /between 0 and 1/);
  assert.match(e(3).message, /Unknown check 'rnage'/);
  assert.match(e(3).hint!, /did you mean 'range'/);
  assert.equal(checks[3]!.kind, 'unknown');
  assert.match(e(4).message, /metric expression: unexpected end of expression/);
  assert.equal(e(4).location?.line, 11);
  assert.ok(e(4).location?.column! > 10, 'the column points into the expression');
  assert.match(e(5).message, /not a valid regular expression/);
  assert.match(e(6).message, /needs 'values'/);
  assert.match(e(7).message, /duration such as 12h/);
  assert.match(e(8).message, /type "integr"/);
  assert.match(e(8).hint!, /did you mean 'integer'/);
  assert.match(e(9).message, /'colour' does not apply to a range check/);
  assert.match(e(10).message, /names 2 rules \(rows, range\)/);
  assert.equal(new Set(checks.map((c) => c.id)).size, checks.length, 'ids stay unique, also for errored checks');
});

test('suite-level mistakes keep the suite listed with every check errored', () => {
  const root = workspace({
    'mlops.yaml': withChecks(`datasets:
  customers: data/c.csv
suites:
  a:
    dataset: custmers
    checks:
      - rows: { min: 1 }
  b:
    stage: featurize
    dataset: customers
    checks:
      - rows: { min: 1 }
  c:
    datset: customers
    checks:
      - rows: { min: 1 }
  d:
    checks: []`),
  });
  const suites = load(root).suites;
  assert.match(suites[0]!.error!.message, /dataset 'custmers', which is not in 'datasets'/);
  assert.match(suites[0]!.error!.hint!, /did you mean 'customers'/);
  assert.equal(suites[0]!.checks.length, 1, 'the checks are still listed');
  assert.match(suites[1]!.error!.message, /both a dataset and a stage/);
  assert.match(suites[2]!.error!.message, /Unknown key 'datset'/);
  assert.equal(suites[2]!.error!.location?.line, 16);
  assert.match(suites[3]!.error!.message, /has no checks/);
});

test('checks: { file } reads a separate file; its YAML errors name that file and line', () => {
  const root = workspace({
    'mlops.yaml': 'version: 1\nchecks:\n  file: quality/checks.yaml\n',
    'quality/checks.yaml': 'suites:\n  raw:\n    dataset: data/x.csv\n    checks:\n      - rows: { min: 1 }\n',
  });
  const cfg = load(root);
  assert.equal(cfg.file, path.join(root, 'quality/checks.yaml'));
  assert.equal(cfg.configFile, path.join(root, 'mlops.yaml'));
  assert.equal(cfg.suites[0]!.checks[0]!.range.file, path.join(root, 'quality/checks.yaml'));
  assert.equal(cfg.suites[0]!.checks[0]!.range.start.line, 5);

  const broken = workspace({ 'mlops.yaml': 'checks:\n  file: checks.yaml\n', 'checks.yaml': 'suites:\n  raw:\n    checks:\n      - rows: { min: 1\n' });
  assert.throws(() => load(broken), (e: unknown) => e instanceof MlopsError && e.code === 'config' && e.location?.file === path.join(broken, 'checks.yaml') && /Not valid YAML/.test(e.message) && typeof e.location.line === 'number');

  const missing = workspace({ 'mlops.yaml': 'checks:\n  file: nope.yaml\n' });
  assert.throws(() => load(missing), /The checks file nope.yaml does not exist/);
  const mixed = workspace({ 'mlops.yaml': 'checks:\n  file: c.yaml\n  suites: {}\n', 'c.yaml': '' });
  assert.throws(() => load(mixed), (e: unknown) => e instanceof MlopsError && e.location?.line === 3);
});

test('the top level of the section must be right: a typo there would otherwise silently check nothing', () => {
  const typo = workspace({ 'mlops.yaml': withChecks('suite:\n  raw: {}') });
  assert.throws(() => load(typo), (e: unknown) => e instanceof MlopsError && /Unknown key 'suite'/.test(e.message) && /did you mean 'suites'/.test(e.hint ?? '') && e.location?.line === 3);
  const list = workspace({ 'mlops.yaml': 'checks:\n  - rows: 1\n' });
  assert.throws(() => load(list), /must be a mapping with 'suites'/);
  const none = workspace({ 'mlops.yaml': 'version: 1\n' });
  assert.deepEqual(load(none).suites, []);
  const empty = workspace({ 'mlops.yaml': withChecks('datasets: {}') });
  assert.equal(load(empty).warnings.length, 1);
});

test('YAML anchors and aliases work (one schema for two suites)', () => {
  const root = workspace({
    'mlops.yaml': withChecks(`suites:
  a:
    dataset: a.csv
    checks:
      - schema: { columns: &cols { id: integer, name: text } }
  b:
    dataset: b.csv
    checks:
      - schema: { columns: *cols, allow_extra: true }`),
  });
  const [a, b] = load(root).suites;
  assert.deepEqual(a!.checks[0]!.rule, { kind: 'schema', columns: [{ name: 'id', type: 'integer' }, { name: 'name', type: 'string' }], allowExtra: false });
  assert.deepEqual(b!.checks[0]!.rule, { kind: 'schema', columns: [{ name: 'id', type: 'integer' }, { name: 'name', type: 'string' }], allowExtra: true });
});

test('selectChecks picks suites and single checks, and reports unknown selectors', () => {
  const root = workspace({ 'mlops.yaml': withChecks(SUITES) });
  const cfg = load(root);
  assert.deepEqual(selectChecks(cfg, []).suites.map((s) => s.name), ['raw', 'model']);
  assert.deepEqual(selectChecks(cfg, ['model']).suites.map((s) => s.name), ['model']);
  const one = selectChecks(cfg, ['raw/range:age#2', 'model/metric:accuracy >= 0.9']);
  assert.deepEqual(one.suites.map((s) => [s.name, s.checks.map((c) => c.key)]), [['raw', ['range:age#2']], ['model', ['metric:accuracy >= 0.9']]]);
  assert.deepEqual(selectChecks(cfg, ['raw', 'nope']).unknown, ['nope']);
});
