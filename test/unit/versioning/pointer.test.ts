import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import type { MlopsError } from '../../../src/engine/errors.ts';
import {
  canonicalPointer,
  entryAlgorithm,
  entryChecksum,
  isDirEntry,
  outputPath,
  parsePointer,
  readPointer,
  serializePointer,
  writePointer,
} from '../../../src/engine/versioning/pointer.ts';
import type { Pointer } from '../../../src/engine/versioning/pointer.ts';
import { stageMd5 } from '../../../src/engine/versioning/stageHash.ts';
import { DATA_XML_DVC_V2, DATA_XML_DVC_V3, dirImportText } from './fixtures.ts';
import { tempDir } from './helpers.ts';

function formatError(text: string, check: (e: MlopsError) => boolean): void {
  assert.throws(() => parsePointer(text, 'data.dvc'), (e: unknown) => {
    assert.ok(isMlopsError(e), `expected MlopsError, got ${String(e)}`);
    assert.equal(e.location?.file, 'data.dvc');
    assert.ok(e.hint, 'has a fix hint');
    return check(e);
  });
}

test('A.5: the DVC 3 import file round-trips byte for byte (fresh and as an update)', () => {
  const parsed = parsePointer(DATA_XML_DVC_V3, 'data/data.xml.dvc');
  assert.equal(serializePointer(parsed.pointer), DATA_XML_DVC_V3);
  assert.equal(serializePointer(parsed.pointer, parsed), DATA_XML_DVC_V3);
  assert.equal(Buffer.byteLength(serializePointer(parsed.pointer)), 296);
});

test('A.5: the directory import text round-trips and a fresh write produces it', () => {
  const depMd5 = 'b6dcab6ccd17ca0a8bf4a215a37d14cc.dir';
  const fresh: Pointer = {
    // Deliberately out of order: the writer must impose DVC's order.
    outs: [{ path: 'dir', hash: 'md5', nfiles: 2, size: 11, md5: 'b6dcab6ccd17ca0a8bf4a215a37d14cc.dir' }],
    deps: [{ path: 'remote://workspace/dir', hash: 'md5', md5: depMd5, nfiles: 2, size: 11 }],
    frozen: true,
  };
  fresh.md5 = stageMd5(fresh);
  const text = dirImportText(fresh.md5, depMd5);
  assert.equal(serializePointer(fresh), text);
  const parsed = parsePointer(text, 'dir.dvc');
  assert.equal(serializePointer(parsed.pointer), text);
  assert.equal(serializePointer(parsed.pointer, parsed), text);
  assert.equal(stageMd5(parsed.pointer), fresh.md5);
});

test('updating a 2.x file keeps its order and comments, appending new keys like DVC', () => {
  const text = `# tracked by hand\n${DATA_XML_DVC_V2}meta:\n  owner: ana # who to ask\n  version: 1.0\n`;
  const parsed = parsePointer(text, 'data.xml.dvc');
  const out = parsed.pointer.outs[0]!;
  out.md5 = '22a1a2931c8370d3aeedd7183606fd7f';
  out.hash = 'md5';
  const updated = serializePointer(parsed.pointer, parsed);
  assert.equal(
    updated,
    text
      .replace('a304afb96060aad90176268345e10355', '22a1a2931c8370d3aeedd7183606fd7f')
      .replace('  desc: Cats and dogs dataset\n', '  desc: Cats and dogs dataset\n  hash: md5\n'),
  );
  assert.match(updated, /version: 1\.0/);
  delete out['desc'];
  assert.doesNotMatch(serializePointer(parsed.pointer, parsed), /desc/);
});

test('an unchanged hand-formatted file is written back untouched', () => {
  const text = "outs: [{md5: acbd18db4cc2f85cedef654fccc4a4d8,   path: foo}]   # flow style\ndesc: a long description that\n  DVC's emitter folded onto a second line\n";
  const parsed = parsePointer(text, 'foo.dvc');
  assert.equal(parsed.pointer['desc'], "a long description that DVC's emitter folded onto a second line");
  assert.equal(serializePointer(parsed.pointer, parsed), text);
  parsed.pointer.outs[0]!.size = 3;
  assert.match(serializePointer(parsed.pointer, parsed), /size: 3/);
});

test('optional top-level keys survive a round trip', () => {
  const text = 'desc: raw images\nmd5: 0123456789abcdef0123456789abcdef\ncmd: python get.py\nwdir: .\nfrozen: true\nouts:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\nalways_changed: true\nmeta:\n  owner: ana\n  tags:\n  - a\n  - b\n';
  const parsed = parsePointer(text, 'foo.dvc');
  assert.equal(serializePointer(parsed.pointer), text);
  assert.equal(serializePointer(parsed.pointer, parsed), text);
  assert.deepEqual(Object.keys(canonicalPointer(parsed.pointer)), ['desc', 'md5', 'cmd', 'wdir', 'frozen', 'outs', 'always_changed', 'meta']);
});

test('a fresh import pointer orders repo keys url, rev, rev_lock', () => {
  const p: Pointer = {
    outs: [{ path: 'data.xml', md5: '22a1a2931c8370d3aeedd7183606fd7f', size: 1, hash: 'md5' }],
    deps: [{ repo: { rev_lock: 'abc', rev: 'v1', url: 'https://example.com/r' }, path: 'data.xml' }],
    frozen: true,
  };
  assert.match(serializePointer(p), /deps:\n- path: data\.xml\n  repo:\n    url: https:\/\/example\.com\/r\n    rev: v1\n    rev_lock: abc\n/);
});

test('strings that look like other types are quoted on write', () => {
  const p: Pointer = { outs: [{ md5: '12345678901234567890123456789012', size: 3, hash: 'md5', path: 'true' }], desc: '2.0' };
  const text = serializePointer(p);
  assert.equal(text, "desc: '2.0'\nouts:\n- md5: '12345678901234567890123456789012'\n  size: 3\n  hash: md5\n  path: 'true'\n");
  assert.deepEqual(parsePointer(text, 'x.dvc').pointer, canonicalPointer(p));
});

test('entry algorithm: hash: md5 is DVC 3, no hash key is md5-dos2unix', () => {
  const v3 = parsePointer(DATA_XML_DVC_V3, 'a.dvc').pointer;
  const v2 = parsePointer(DATA_XML_DVC_V2, 'a.dvc').pointer;
  assert.equal(entryAlgorithm(v3.outs[0]!), 'md5');
  assert.equal(entryAlgorithm(v2.outs[0]!), 'md5-dos2unix');
  assert.equal(entryAlgorithm(v3.deps![0]!), 'md5-dos2unix', 'repo deps carry no hash marker');
  assert.deepEqual(entryChecksum(v3.outs[0]!), { name: 'md5', value: '22a1a2931c8370d3aeedd7183606fd7f' });
  assert.deepEqual(entryChecksum({ path: 'x', etag: 'E' }), { name: 'etag', value: 'E' });
  assert.equal(entryChecksum({ path: 'x' }), undefined);
  assert.equal(isDirEntry({ path: 'd', md5: 'b6dcab6ccd17ca0a8bf4a215a37d14cc.dir' }), true);
  assert.equal(isDirEntry(v3.outs[0]!), false);
  assert.throws(() => entryAlgorithm({ hash: 'sha256' }), (e) => isMlopsError(e) && e.code === 'format');
});

test('output paths resolve against the pointer directory and wdir', () => {
  const p = parsePointer('wdir: sub\nouts:\n- path: x/y\n', '/repo/data/a.dvc').pointer;
  assert.equal(outputPath('/repo/data/a.dvc', p, p.outs[0]!), path.resolve('/repo/data/sub/x/y'));
});

test('paths escaping the pointer directory are refused, with the line of the path', () => {
  const cases: [string, RegExp][] = [
    ['../secret', /escapes/],
    ['a/../../secret', /escapes/],
    ['/etc/passwd', /absolute/],
    ['C:\\\\Windows', /absolute/],
    ['..\\\\secret', /escapes/],
    ['s3://bucket/x', /URL/],
    ['.', /itself/],
  ];
  for (const [p, why] of cases) {
    const text = `outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  path: "${p}"\n`;
    assert.throws(() => parsePointer(text, 'data.dvc'), (e: unknown) => {
      assert.ok(isMlopsError(e));
      assert.equal(e.code, 'refused', p);
      assert.match(e.message, why, p);
      assert.equal(e.location?.line, 3, p);
      return true;
    });
  }
  assert.throws(() => parsePointer('wdir: ..\nouts:\n- path: x\n', 'a.dvc'), (e: unknown) => isMlopsError(e) && e.code === 'refused');
  assert.doesNotThrow(() => parsePointer('wdir: sub\nouts:\n- path: ../x\n', 'a.dvc'), 'back up to the pointer dir is fine');
  assert.doesNotThrow(() => parsePointer('outs:\n- path: a..b/..c\n', 'a.dvc'));
});

test('malformed YAML reports file, line and a hint', () => {
  formatError("outs:\n- md5: abc\n  path: 'data.xml\n", (e) => e.code === 'format' && e.location?.line === 3 && /quote/.test(e.message));
  formatError('outs:\n- path: a\n  size: 3\n size: 4\n', (e) => e.code === 'format' && e.location?.line === 4);
  formatError('md5: a\nmd5: b\nouts: []\n', (e) => e.code === 'format' && e.location?.line === 2 && /unique/.test(e.message));
  formatError('outs: [a\n', (e) => e.code === 'format' && e.location?.line !== undefined);
  assert.match(
    (() => { try { parsePointer('outs:\n- path: a\n  size: 3\n size: 4\n', 'd/x.dvc'); } catch (e) { return (e as MlopsError).describe(); } return ''; })(),
    /^d\/x\.dvc:4:\d+: pointer file is not valid YAML: .+ — fix/,
  );
});

test('valid YAML with the wrong shape reports the line of the problem', () => {
  formatError('', (e) => /mapping/.test(e.message));
  formatError('- a\n- b\n', (e) => /mapping/.test(e.message));
  formatError('md5: abc\nfrozen: true\n', (e) => /outs/.test(e.message));
  formatError('outs:\n- md5: abc\n  size: 3\n', (e) => /path/.test(e.message) && e.location?.line === 2);
  formatError('outs:\n- path: a\n  size: -3\n', (e) => /size/.test(e.message) && e.location?.line === 3);
  formatError('outs:\n- path: a\n  md5: 12345\n', (e) => /md5/.test(e.message) && e.location?.line === 3);
  formatError('outs:\n- path: a\n  hash: sha256\n', (e) => /hash/.test(e.message) && e.location?.line === 3);
  formatError('frozen: yes please\nouts: []\n', (e) => /frozen/.test(e.message) && e.location?.line === 1);
  formatError('outs:\n- a\n', (e) => /mapping/.test(e.message) && e.location?.line === 2);
  formatError('deps:\n- path: x\n  repo: {rev: main}\nouts: []\n', (e) => /repo/.test(e.message) && e.location?.line === 3);
});

test('writePointer writes atomically and the file parses back', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'data.xml.dvc');
  const parsed = parsePointer(DATA_XML_DVC_V3, file);
  await writePointer(file, parsed.pointer);
  assert.equal(await fs.readFile(file, 'utf8'), DATA_XML_DVC_V3);
  assert.deepEqual(await fs.readdir(dir), ['data.xml.dvc'], 'no temp files left behind');
  assert.equal((await readPointer(file)).pointer.outs[0]!.path, 'data.xml');
  await assert.rejects(readPointer(path.join(dir, 'nope.dvc')), (e) => isMlopsError(e) && e.code === 'not-found');
});
