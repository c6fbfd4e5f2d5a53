import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PyFloat, pyFloatRepr, pyJsonDumps, pyJsonString } from '../../../src/engine/versioning/pyjson.ts';

// Expected strings were produced by CPython 3 `repr(float)` / `json.dumps(..., sort_keys=True)`.
test('floats print like Python repr', () => {
  const cases: [number, string][] = [
    [1e-5, '1e-05'],
    [1, '1.0'],
    [0.1, '0.1'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123456789012345.6, '123456789012345.6'],
    [1e-4, '0.0001'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-0, '-0.0'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [0.00012345, '0.00012345'],
    [1234567890123456, '1234567890123456.0'],
    [12345678901234567, '1.2345678901234568e+16'],
    [2.5, '2.5'],
    [-3.75e-7, '-3.75e-07'],
    [100, '100.0'],
    [1e22, '1e+22'],
  ];
  for (const [x, want] of cases) assert.equal(pyFloatRepr(x), want, `repr(${x})`);
});

test('numbers: integral JS numbers are ints unless wrapped or in float mode', () => {
  assert.equal(pyJsonDumps([1, 2.5, new PyFloat(1), 2n ** 64n]), '[1, 2.5, 1.0, 18446744073709551616]');
  assert.equal(pyJsonDumps([1, 2n], { numbers: 'float' }), '[1.0, 2]');
  assert.equal(pyJsonDumps(2 ** 60), '1152921504606846976');
});

test('dumps matches CPython json.dumps(sort_keys=True) on escapes and key order', () => {
  const value = {
    b: [1, true, false, null],
    a: { z: '"\\\n\r\t\b\f\u0000\u001f\u007f/é😀\u2028\uffff', '😀': 1, '\uffff': 2, A: 3 },
  };
  assert.equal(
    pyJsonDumps(value),
    '{"a": {"A": 3, "z": "\\"\\\\\\n\\r\\t\\b\\f\\u0000\\u001f\\u007f/\\u00e9\\ud83d\\ude00\\u2028\\uffff", "\\uffff": 2, "\\ud83d\\ude00": 1}, "b": [1, true, false, null]}',
  );
});

test('astral keys sort after U+FFFF (code points, not UTF-16 units)', () => {
  assert.equal(pyJsonDumps({ '😀': 1, '\uffff': 2 }), '{"\\uffff": 2, "\\ud83d\\ude00": 1}');
});

test('Map keys become strings as Python does', () => {
  assert.equal(pyJsonDumps(new Map<unknown, unknown>([['b', new PyFloat(2)], [1, 'x']])), '{"1": "x", "b": 2.0}');
});

test('empty containers and plain ASCII strings', () => {
  assert.equal(pyJsonDumps([]), '[]');
  assert.equal(pyJsonDumps({}), '{}');
  assert.equal(pyJsonString('plain/ascii ~'), '"plain/ascii ~"');
});

test('unsupported values are refused', () => {
  assert.throws(() => pyJsonDumps({ f: () => 1 }), TypeError);
  const loop: Record<string, unknown> = {};
  loop['self'] = loop;
  assert.throws(() => pyJsonDumps(loop), /circular/);
});
