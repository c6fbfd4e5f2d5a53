import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePointer, pointerStageMd5 } from '../../../src/engine/versioning/pointer.ts';
import { PyFloat, pyJsonDumps } from '../../../src/engine/versioning/pyjson.ts';
import { stageHashInput, stageMd5 } from '../../../src/engine/versioning/stageHash.ts';
import { DATA_XML_DVC_V2, DATA_XML_DVC_V3 } from './fixtures.ts';

const C3_V3_INPUT =
  '{"deps": [{"path": "get-started/data.xml", "repo": {"rev_lock": "f59388cd04276e75d70b2136597aaa27e7937cc3", "url": "https://github.com/iterative/dataset-registry"}}], "outs": [{"hash": "md5", "md5": "22a1a2931c8370d3aeedd7183606fd7f", "path": "data.xml"}]}';
const C3_V2_INPUT =
  '{"deps": [{"path": "get-started/data.xml", "repo": {"rev_lock": "ba014f40e29670421a67cb1c47543f402348aa13", "url": "https://github.com/iterative/dataset-registry"}}], "outs": [{"md5": "a304afb96060aad90176268345e10355", "path": "data.xml"}]}';

test('C.3: DVC 3 data.xml.dvc stage hash and its filtered input', () => {
  const parsed = parsePointer(DATA_XML_DVC_V3, 'data/data.xml.dvc');
  assert.equal(pyJsonDumps(stageHashInput(parsed.pointer)), C3_V3_INPUT);
  assert.equal(stageMd5(parsed.pointer), 'f5ea021eddd7b1df6de80b904cba1da6');
  assert.equal(pointerStageMd5(parsed), 'f5ea021eddd7b1df6de80b904cba1da6');
  assert.equal(parsed.pointer.md5, stageMd5(parsed.pointer));
});

test('C.3: DVC 2.x data.xml.dvc (desc in the out, no hash key)', () => {
  const parsed = parsePointer(DATA_XML_DVC_V2, 'data/data.xml.dvc');
  assert.equal(pyJsonDumps(stageHashInput(parsed.pointer)), C3_V2_INPUT);
  assert.equal(stageMd5(parsed.pointer), 'a7cd139231cc35ed63541ce3829b96db');
  assert.equal(pointerStageMd5(parsed), 'a7cd139231cc35ed63541ce3829b96db');
});

test('hash: md5 is part of the hashed dict', () => {
  const { pointer } = parsePointer(DATA_XML_DVC_V3, 'x.dvc');
  const without = { ...pointer, outs: pointer.outs.map(({ hash: _h, ...rest }) => rest) };
  assert.notEqual(stageMd5(without as typeof pointer), stageMd5(pointer));
});

test('filtering: top-level md5/meta/desc, wdir ".", nested annotation keys everywhere', () => {
  const input = stageHashInput({
    md5: 'x',
    desc: 'd',
    meta: { a: 1 },
    wdir: '.',
    frozen: true,
    always_changed: true,
    cmd: 'run',
    outs: [{ path: 'o', md5: 'm', size: 1, nfiles: 2, isexec: true, persist: true, desc: 'd', type: 't', labels: ['l'], meta: {}, metric: true, cache: false }],
    deps: [{ path: 'p', repo: { url: 'u', locked: true, desc: 'nested' } }],
  });
  assert.deepEqual(input, {
    always_changed: true,
    cmd: 'run',
    outs: [{ path: 'o', md5: 'm', cache: false }],
    deps: [{ path: 'p', repo: { url: 'u' } }],
  });
  assert.ok('wdir' in stageHashInput({ wdir: 'sub', outs: [] }), 'a non-default wdir is hashed');
});

test('float values in the YAML hash as Python floats (1.0, not 1)', () => {
  const text = 'md5: x\nweird: 1.0\ncount: 1\nouts:\n- path: a\n';
  const parsed = parsePointer(text, 'a.dvc');
  const expected = stageMd5({ weird: new PyFloat(1), count: 1, outs: [{ path: 'a' }] });
  assert.equal(pointerStageMd5(parsed), expected);
  assert.notEqual(stageMd5(parsed.pointer), expected, 'plain JS numbers lose the float');
});
