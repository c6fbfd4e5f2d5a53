// Expected texts were produced by a ruamel/PyYAML-style dumper (block style, width 80,
// allow_unicode) and checked by hand; they pin the quoting and folding rules DVC's writer uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emitMappingEntry, emitYaml } from '../../../src/engine/pipeline/yamlEmit.ts';
import { PyFloat } from '../../../src/engine/pipeline/values.ts';

test('scalars: ints, floats as Python repr, bools, null as empty', () => {
  const text = emitYaml({ i: 20170428, f: 0.2, one: new PyFloat(1), small: 1e-5, big: new PyFloat(1e16), t: true, n: null, inf: Infinity, big2: 12345678901234567890n });
  assert.equal(text, 'i: 20170428\nf: 0.2\none: 1.0\nsmall: 1e-05\nbig: 1e+16\nt: true\nn:\ninf: .inf\nbig2: 12345678901234567890\n');
});

test('strings that would read back as another type are single-quoted', () => {
  const text = emitYaml({ a: '2.0', b: 'true', c: '', d: '123', e: 'null', f: '1e-3', g: '0x1F', h: 'yes', i: '2024-01-01', j: '~' });
  assert.equal(text, "a: '2.0'\nb: 'true'\nc: ''\nd: '123'\ne: 'null'\nf: '1e-3'\ng: '0x1F'\nh: yes\ni: '2024-01-01'\nj: '~'\n");
});

test('indicators, quotes, spaces and control characters choose the style', () => {
  const text = emitYaml({ c: 'a: b', d: '- x', h: '#x', mid: 'a #b', q: "it's", lead: ' x', trail: 'x ', colon: 'a:b', tab: 'a\tb', u: 'café ☃' });
  assert.equal(text, `c: 'a: b'\nd: '- x'\nh: '#x'\nmid: 'a #b'\nq: it's\nlead: ' x'\ntrail: 'x '\ncolon: a:b\ntab: "a\\tb"\nu: café ☃\n`);
});

test('long plain scalars fold past column 80 at a single space, continuation two deeper', () => {
  const cmd = 'python src/train.py --this-is-a-very-long-argument value --another-long-argument value2 --third-one x y z';
  assert.equal(
    emitYaml({ a: cmd, b: [cmd, 'short'] }),
    'a: python src/train.py --this-is-a-very-long-argument value --another-long-argument\n' +
      '  value2 --third-one x y z\n' +
      'b:\n' +
      '- python src/train.py --this-is-a-very-long-argument value --another-long-argument\n' +
      '  value2 --third-one x y z\n' +
      '- short\n',
  );
});

test('multi-line strings are single-quoted with blank-line breaks; quotes doubled', () => {
  assert.equal(emitYaml({ m: 'a\nb\n', n: 'line one\nline two' }), "m: 'a\n\n  b\n\n  '\nn: 'line one\n\n  line two'\n");
  const long = "'quoted' value that is long enough to need folding because it goes on and on and on and on and on forever";
  assert.equal(emitYaml({ sq: long }), "sq: '''quoted'' value that is long enough to need folding because it goes on and on\n  and on and on and on forever'\n");
});

test('nested collections: indentless lists under keys, [] and {} when empty', () => {
  assert.equal(
    emitYaml({ stages: { x: { l: [[1, 2], [], {}, { a: null }], deep: { y: 'z' } } } }),
    'stages:\n  x:\n    l:\n    - - 1\n      - 2\n    - []\n    - {}\n    - a:\n    deep:\n      y: z\n',
  );
});

test('emitMappingEntry gives the same bytes as the entry inside a whole document', () => {
  const value = { cmd: ['a', 'b'], deps: [{ path: 'x', md5: 'abc' }] };
  const whole = emitYaml({ stages: { s: value } });
  assert.equal(emitMappingEntry('s', value, 2), whole.slice('stages:\n'.length));
});
