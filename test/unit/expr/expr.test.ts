import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExpressionError, evaluateExpression, explainExpression, expressionNames, formatExpression, parseExpression, testExpression,
} from '../../../src/engine/expr/index.ts';
import type { Value } from '../../../src/engine/expr/index.ts';
import { MlopsError } from '../../../src/engine/errors.ts';

const ENV: Record<string, Value> = {
  'metrics.accuracy': 0.87,
  'metrics.val/loss': 0.31,
  'metrics.val-loss': 2,
  'metrics.nan': NaN,
  'metrics.inf': Infinity,
  'params.train.lr': 0.01,
  'params.model': 'gbm',
  'params.flag': true,
  'tags.note': null,
  'tags.empty': '',
  status: 'finished',
  name: 'run <b>1</b>',
  in: 'keyword-named',
};
const resolve = (n: string): Value | undefined => (Object.hasOwn(ENV, n) ? ENV[n] : undefined);
const ev = (s: string): Value => evaluateExpression(parseExpression(s), resolve);

function syntaxError(src: string, column: number, pattern: RegExp): void {
  assert.throws(() => parseExpression(src), (e: unknown) => {
    assert.ok(e instanceof ExpressionError, `${src}: ${String(e)}`);
    assert.ok(e instanceof MlopsError);
    assert.equal(e.code, 'usage');
    assert.equal(e.column, column, `${src}: ${e.message}`);
    assert.match(e.message, new RegExp(`column ${column}\\b`));
    assert.match(e.message, pattern);
    assert.ok(e.hint && e.hint.length > 0);
    return true;
  });
}

test('literals: numbers (exponents, leading dot, negative), strings with escapes, booleans, null', () => {
  assert.equal(ev('1e-3'), 0.001);
  assert.equal(ev('2.5E+2'), 250);
  assert.equal(ev('.5'), 0.5);
  assert.equal(ev('-3'), -3);
  assert.equal(ev('- -3'), 3);
  assert.equal(ev('"a\\"b"'), 'a"b');
  assert.equal(ev("'it\\'s'"), "it's");
  assert.equal(ev("'tab\\tnew\\nline\\u00e9'"), 'tab\tnew\nline\u00e9');
  assert.equal(ev("'\\d+'"), '\\d+', 'unknown escapes are kept for regexes');
  assert.equal(ev('true'), true);
  assert.equal(ev('FALSE'), false);
  assert.equal(ev('null'), null);
});

test('names: dotted, dashes inside later segments, brackets and backticks join with dots', () => {
  assert.equal(ev('metrics.accuracy'), 0.87);
  assert.equal(ev('metrics.val-loss'), 2);
  assert.equal(ev('metrics.val-loss - 1'), 1, 'spaced minus subtracts');
  assert.equal(ev("metrics['val/loss']"), 0.31);
  assert.equal(ev('metrics[ "val/loss" ]'), 0.31);
  assert.equal(ev('params["train.lr"]'), 0.01);
  assert.equal(ev('params.train.lr'), 0.01);
  assert.equal(ev('params.`train.lr`'), 0.01);
  assert.equal(ev('`in`'), 'keyword-named');
  assert.deepEqual(expressionNames(parseExpression('params["train.lr"] < 1 and metrics.val-loss > params.train.lr or status == "x"')),
    ['params.train.lr', 'metrics.val-loss', 'status']);
});

test('operators: precedence of or/and/not, arithmetic, comparisons, in, contains, regex', () => {
  assert.equal(ev('1 + 2 * 3'), 7);
  assert.equal(ev('(1 + 2) * 3'), 9);
  assert.equal(ev('10 / 4 - 1'), 1.5);
  assert.equal(ev("'ab' + 'cd'"), 'abcd');
  assert.equal(ev('true or false and false'), true, 'and binds tighter than or');
  assert.equal(ev('not true or true'), true, 'not binds tighter than or');
  assert.equal(ev('not metrics.accuracy > 0.9'), true, 'not applies to the whole comparison');
  assert.equal(ev('!(metrics.accuracy > 0.5) || params.flag && true'), true);
  assert.equal(ev('metrics.accuracy >= 0.87 AND metrics.accuracy <= 0.87'), true);
  assert.equal(ev('metrics.accuracy = 0.87'), true, 'single = is equality');
  assert.equal(ev('metrics.accuracy != 0.87'), false);
  assert.equal(ev("status in ['finished', 'failed']"), true);
  assert.equal(ev("status not in ['finished']"), false);
  assert.equal(ev('metrics.accuracy in [0.5, 0.87,]'), true, 'trailing comma');
  assert.equal(ev('status in []'), false);
  assert.equal(ev("params.model contains 'gb'"), true);
  assert.equal(ev("name ~= '^run <b>\\d'"), true);
  assert.equal(ev("params.model ~= 'GBM'"), false, 'regexes are case-sensitive');
  assert.equal(ev("params.model ~= '(?i)GBM'"), true, 'a leading (?i) makes the match case-insensitive');
  assert.equal(ev("'b' > 'a'"), true, 'strings order by code unit');
});

test('NaN, infinity and null semantics', () => {
  for (const op of ['<', '<=', '>', '>=', '==']) assert.equal(ev(`metrics.nan ${op} 1`), false, op);
  assert.equal(ev('metrics.nan != 1'), true);
  assert.equal(ev('metrics.nan == metrics.nan'), false);
  assert.equal(ev('metrics.inf > 1e308'), true);
  assert.equal(ev('tags.note == null'), true);
  assert.equal(ev('tags.note != null'), false);
  assert.equal(ev('tags.note > 1'), false, 'ordering against null is false, not an error');
  assert.equal(ev("tags.note contains 'x'"), false);
  assert.equal(ev("tags.note ~= 'x'"), false);
  assert.equal(ev('tags.note + 1'), null, 'arithmetic with null is null');
  assert.equal(ev('tags.note == 0'), false);
  assert.equal(ev("tags.empty or tags.note or metrics.nan or 0"), false, 'falsy values');
  assert.equal(ev('params.flag == 1'), false, 'booleans are never equal to numbers');
});

test('type errors name both values and the column of the operator', () => {
  const cases: Array<[string, number, RegExp]> = [
    ["metrics.accuracy < 'high'", 18, /cannot order number 0\.87 and string 'high'/],
    ["metrics.accuracy == 'x'", 18, /cannot compare number 0\.87 with string 'x'/],
    ['status + 1', 8, /'\+' needs numbers, got string 'finished' and number 1/],
    ['true < false', 6, /cannot order boolean true and boolean false/],
    ["metrics.accuracy contains 'x'", 18, /'contains' needs strings/],
    ['-status', 1, /cannot negate string/],
    ["status in [1]", 8, /cannot compare string 'finished' with number 1/],
  ];
  for (const [src, col, pattern] of cases) {
    assert.throws(() => ev(src), (e: unknown) => {
      assert.ok(e instanceof ExpressionError, `${src}: ${String(e)}`);
      assert.equal(e.code, 'usage');
      assert.equal(e.column, col, `${src}: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    }, src);
  }
});

test('unknown names throw not-found naming the name', () => {
  assert.throws(() => ev('metrics.acc > 0.9'), (e: unknown) => e instanceof MlopsError && e.code === 'not-found' && e.message === "unknown name 'metrics.acc'");
  // Short-circuit: the right side is never looked up.
  assert.equal(ev('false and metrics.acc > 1'), false);
});

test('syntax errors give the column of the offending token', () => {
  syntaxError('metrics.acc > )', 15, /unexpected '\)'/);
  syntaxError('(metrics.acc > 1', 17, /unexpected end of expression.*'\)' to close the '\(' at column 1/);
  syntaxError('a == "abc', 6, /unterminated string/);
  syntaxError('a < b < c', 7, /cannot be chained/);
  syntaxError('a in 3', 6, /expected '\[' to start the list/);
  syntaxError('a in [1, 2', 11, /expected '\]'/);
  syntaxError('a ~= "("', 6, /invalid regular expression/);
  syntaxError('a ~= 3', 6, /needs a regular expression string/);
  syntaxError('1abc', 1, /malformed number/);
  syntaxError('a # b', 3, /unexpected character '#'/);
  syntaxError('a b', 3, /unexpected name 'b'.*expected an operator/);
  syntaxError('params["x" ', 12, /expected '\]'/);
  syntaxError('  ', 1, /empty expression/);
  syntaxError('a and', 6, /unexpected end of expression/);
  syntaxError('`abc', 1, /unterminated `name`/);
});

test('formatExpression is canonical and parses back to the same meaning', () => {
  const cases: Array<[string, string]> = [
    ['metrics.acc>=0.9 AND params["train.lr"]<1e-3', "metrics.acc >= 0.9 and params['train.lr'] < 0.001"],
    ['(a or b) and c', '(a or b) and c'],
    ['a or (b and c)', 'a or b and c'],
    ['a - (b - c)', 'a - (b - c)'],
    ['(a - b) - c', 'a - b - c'],
    ['not (a == 1)', 'not a == 1'],
    ['-(a + 1) * 2', '-(a + 1) * 2'],
    ["x in [1, 'a', true, null]", "x in [1, 'a', true, null]"],
    ["metrics['val/loss'] ~= 'a\\'b'", "metrics['val/loss'] ~= 'a\\'b'"],
    ['`in` == 1', '`in` == 1'],
    ['(a == 1) == true', '(a == 1) == true'],
  ];
  for (const [src, want] of cases) {
    const text = formatExpression(parseExpression(src));
    assert.equal(text, want, src);
    assert.equal(formatExpression(parseExpression(text)), want, `round trip of ${want}`);
  }
  // Same value before and after formatting.
  const env: Record<string, Value> = { a: 5, b: 2, c: 1 };
  for (const src of ['a - (b - c)', 'a / (b * c)', '-(a + b) * c', 'not (a > 1 and b > 3)']) {
    const r = (n: string): Value | undefined => env[n];
    assert.equal(evaluateExpression(parseExpression(formatExpression(parseExpression(src))), r), evaluateExpression(parseExpression(src), r), src);
  }
});

test('explainExpression says what failed, with values, for gates', () => {
  const explain = (s: string): string => explainExpression(parseExpression(s), resolve);
  assert.equal(explain('metrics.accuracy >= 0.9'), 'metrics.accuracy = 0.87, needs >= 0.9');
  assert.equal(explain('metrics.accuracy >= 0.8 and metrics.val-loss < 1 and params.model == "lgbm"'),
    "metrics.val-loss = 2, needs < 1; params.model = 'gbm', needs == 'lgbm'");
  assert.equal(explain('metrics.accuracy > 0.9 or status == "failed"'),
    "none holds: metrics.accuracy = 0.87, needs > 0.9; or status = 'finished', needs == 'failed'");
  assert.equal(explain('metrics.accuracy * 100 >= 90'), 'metrics.accuracy * 100 = 87, needs >= 90');
  assert.equal(explain('metrics.accuracy >= params.train.lr * 100'), 'metrics.accuracy = 0.87, needs >= params.train.lr * 100 (1)');
  assert.equal(explain('tags.note > 1'), 'tags.note has no value, needs > 1');
  assert.equal(explain('metrics.nan < 1'), 'metrics.nan = NaN, needs < 1');
  assert.equal(explain("status in ['failed', 'killed']"), "status = 'finished', needs in ['failed', 'killed']");
  assert.equal(explain('not params.flag'), 'params.flag holds (params.flag = true), needs it not to');
  assert.equal(explain('metrics.missing > 1'), "unknown name 'metrics.missing'");
  assert.equal(explain('metrics.accuracy > 0.5'), 'holds: metrics.accuracy = 0.87');
});

test('HTML and odd text in values stay raw (escaping is the view\'s job)', () => {
  assert.equal(ev("name == 'run <b>1</b>'"), true);
  assert.equal(explainExpression(parseExpression("name == 'x'"), resolve), "name = 'run <b>1</b>', needs == 'x'");
});
