import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  collectEvidence,
  driftRoleOf,
  NUM_FLOAT,
  NUM_INF,
  NUM_INT,
  NUM_INVALID,
  numberKind,
  overrideFor,
  parseBooleanWord,
  parseDatetime,
  parseNumber,
  planColumn,
  storageTypeOf,
} from '../../../src/engine/data/infer.ts';
import type { Value } from '../../../src/engine/data/reader.ts';

test('parseNumber: decimal literals only, exact where the engine is exact', () => {
  const cases: [string, number, number][] = [
    ['0', 0, NUM_INT], ['-12', -12, NUM_INT], ['+7', 7, NUM_INT], ['007', 7, NUM_INT], [' 42 ', 42, NUM_INT],
    ['1.5', 1.5, NUM_FLOAT], ['.5', 0.5, NUM_FLOAT], ['5.', 5, NUM_FLOAT], ['1.0', 1, NUM_FLOAT], ['-0.1', -0.1, NUM_FLOAT],
    ['1e3', 1000, NUM_FLOAT], ['2.5E-3', 0.0025, NUM_FLOAT], ['0.1234567890123456789', 0.1234567890123456789, NUM_FLOAT],
    ['123456789012345678901234', 123456789012345678901234, NUM_INT],
    ['inf', Infinity, NUM_INF], ['-Infinity', -Infinity, NUM_INF], ['1e999', Infinity, NUM_INF],
    ['', NaN, NUM_INVALID], ['abc', NaN, NUM_INVALID], ['0x1F', NaN, NUM_INVALID], ['1,5', NaN, NUM_INVALID], ['1e', NaN, NUM_INVALID],
    ['-', NaN, NUM_INVALID], ['.', NaN, NUM_INVALID], ['1 2', NaN, NUM_INVALID], ['12abc', NaN, NUM_INVALID], ['NaN', NaN, NUM_INVALID],
  ];
  for (const [text, value, kind] of cases) {
    assert.equal(parseNumber(text), value, text);
    assert.equal(numberKind, kind, `kind of ${text}`);
  }
  // The fast path agrees with the engine's parser on everyday decimals.
  for (let i = 0; i < 2000; i++) {
    const text = (Math.random() * 10 ** ((i % 12) - 4)).toFixed(i % 9);
    assert.equal(parseNumber(text), Number(text), text);
  }
});

test('parseDatetime: ISO 8601 dates and timestamps, read as UTC when no offset is given', () => {
  const ok: [string, string][] = [
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2024-05-01T12:30', '2024-05-01T12:30:00.000Z'],
    ['2024-05-01 12:30:45', '2024-05-01T12:30:45.000Z'],
    ['2024-05-01T12:30:45.123456Z', '2024-05-01T12:30:45.123Z'],
    ['2024-05-01T12:30:45+02:00', '2024-05-01T10:30:45.000Z'],
    ['2024-05-01T12:30:45-0130', '2024-05-01T14:00:45.000Z'],
    ['1969-12-31T23:59:59Z', '1969-12-31T23:59:59.000Z'],
    ['0001-01-01', '0001-01-01T00:00:00.000Z'],
  ];
  for (const [text, iso] of ok) assert.equal(new Date(parseDatetime(text)).toISOString(), iso, text);
  for (const bad of ['2023-02-29', '2024-13-01', '2024-04-31', '2024-1-01', '20240101', '2024-05-01T25:00', '2024-05-01T12', '2024-05-01T12:30:61', '2024-05-01X', 'yesterday', '2024-05-01T12:30Zjunk']) {
    assert.ok(Number.isNaN(parseDatetime(bad)), bad);
  }
});

test('parseBooleanWord: true/false/yes/no in any case', () => {
  assert.deepEqual(['true', 'FALSE', 'Yes', 'no', 'y', '1', 'truth'].map(parseBooleanWord), [1, 0, 1, 0, -1, -1, -1]);
});

test('storage type inference table', () => {
  const table: [string, Value[], string][] = [
    ['integers', ['1', '2', '-3', null], 'integer'],
    ['native integers', [1, 2, 3], 'integer'],
    ['floats', ['1.5', '2', null], 'float'],
    ['1.0 is float text', ['1.0', '2.0'], 'float'],
    ['0/1 alone are integers', ['0', '1', '1', '0'], 'integer'],
    ['0/1 next to words are booleans', ['0', '1', 'true', 'false'], 'boolean'],
    ['yes/no', ['yes', 'no', 'YES', null], 'boolean'],
    ['native booleans', [true, false], 'boolean'],
    ['dates', ['2024-01-01', '2024-01-02T10:00:00Z'], 'datetime'],
    ['strings', ['a', 'b', 'a'], 'string'],
    ['all missing', [null, null], 'empty'],
    ['mostly numeric (≥ 95 %) stays numeric', [...Array.from({ length: 99 }, (_, i) => String(i)), 'oops'], 'integer'],
    ['half numeric is text', ['1', '2', 'x', 'y'], 'string'],
    ['numbers and dates mixed are text', ['1', '2024-01-01'], 'string'],
  ];
  for (const [what, values, want] of table) assert.equal(storageTypeOf(collectEvidence(values)), want, what);
  assert.equal(storageTypeOf(collectEvidence(['1', '2']), 'float'), 'float', 'a declared type wins');
});

test('drift roles follow Evidently: integer ≤ 10 distinct → categorical, string distinct > 50 % → text', () => {
  const plan = { override: undefined, timestamp: false };
  const exact = (count: number) => ({ count, exact: true });
  assert.equal(driftRoleOf('float', exact(3), 100, plan), 'numerical');
  assert.equal(driftRoleOf('integer', exact(10), 100, plan), 'categorical');
  assert.equal(driftRoleOf('integer', exact(11), 100, plan), 'numerical');
  assert.equal(driftRoleOf('integer', { count: 5, exact: false }, 100, plan), 'numerical');
  assert.equal(driftRoleOf('boolean', exact(2), 100, plan), 'categorical');
  assert.equal(driftRoleOf('string', exact(50), 100, plan), 'categorical');
  assert.equal(driftRoleOf('string', exact(51), 100, plan), 'text');
  assert.equal(driftRoleOf('datetime', exact(51), 100, plan), 'datetime');
  assert.equal(driftRoleOf('empty', exact(0), 0, plan), 'ignored');
  assert.equal(driftRoleOf('float', exact(3), 100, { override: undefined, timestamp: true }), 'timestamp');
  assert.equal(driftRoleOf('integer', exact(500), 100, { override: { type: 'categorical' }, timestamp: false }), 'categorical');
  assert.equal(driftRoleOf('string', exact(99), 100, { override: { ignore: true }, timestamp: false }), 'ignored');
  assert.equal(driftRoleOf('integer', exact(12), 100, plan, { integerCategoricalLimit: 12 }), 'categorical');
});

test('overrides and the timestamp option decide how a column is parsed', () => {
  const overrides = { zip: { type: 'categorical' as const }, notes: { ignore: true } };
  assert.equal(planColumn('zip', ['02134', '10001'], undefined, { overrides }).kind, 'string');
  assert.equal(planColumn('notes', ['x'], undefined, { overrides }).kind, 'ignored');
  assert.equal(planColumn('n', ['1', '2'], undefined, { overrides }).kind, 'numeric');
  assert.equal(planColumn('ts', ['2024-01-01', 'garbage'], undefined, { timestampColumn: 'ts' }).kind, 'datetime');
  assert.equal(planColumn('later', [null, null], undefined, {}).kind, 'pending');
  assert.equal(planColumn('m', ['1'], undefined, { overrides: new Map([['m', { type: 'text' as const }]]) }).kind, 'string');
});

test('override lookup uses own keys only: hostile column names do not reach Object.prototype', () => {
  const overrides = JSON.parse('{"__proto__": {"ignore": true}, "a": {"type": "numeric"}}') as Record<string, { ignore?: boolean }>;
  for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) assert.equal(overrideFor(overrides, name), undefined, name);
  assert.deepEqual(overrideFor(overrides, '__proto__'), { ignore: true });
  assert.equal(overrideFor({}, '__proto__'), undefined);
});
