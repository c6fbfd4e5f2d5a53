import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMlopsError } from '../../../src/engine/errors.ts';
import { md5Hex } from '../../../src/engine/versioning/hash.ts';
import {
  buildManifest,
  dirInfo,
  parseManifest,
  serializeManifest,
  sortEntries,
} from '../../../src/engine/versioning/manifest.ts';
import { tempDir, writeTree } from './helpers.ts';

// formats.md C.2: directory contents → [hash, size, nfiles].
const C2: [Record<string, string>, string, number, number][] = [
  [{ file: 'file', 'subdir/subfile': 'subfile' }, 'b6dcab6ccd17ca0a8bf4a215a37d14cc.dir', 11, 2],
  [{ foo: 'foo', bar: 'bar', 'sub_dir/baz': 'sub_dir/baz' }, '55d05978954d1b2cd7b06aedda9b9e43.dir', 17, 3],
  [{ foo: 'foo', bar: 'bar', 'subdir/data': 'data' }, '8761c4e9acad696bee718615e23e22db.dir', 10, 3],
  [{ data: 'data' }, 'af314506f1622d107e0ed3f14ec1a3b5.dir', 4, 1],
  [{ foo: 'foo', bar: 'bar', baz: 'baz' }, 'ba75a2162ca9c29acecb7957105a0bc2.dir', 9, 3],
  [{ foo: 'foo', bar: 'bar' }, '5ea40360f5b4ec688df672a4db9c17d1.dir', 6, 2],
  [{ master: 'master', one: 'one', two: 'two' }, '839ef9371606817569c1ee0e5f4ed233.dir', 12, 3],
  [{ one: 'one', two: 'two' }, '6b18131dc289fd37006705affe961ef8.dir', 6, 2],
  [{ file: 'text' }, '0dab3fae569586d4c33272e5011605bf.dir', 4, 1],
  [{ 1: '1', 2: '2' }, '5fb6b29836c388e093ca0715c872fe2a.dir', 2, 2],
  [{ 1: '1', 2: 'two', 3: '3' }, '9b5faf37366b3370fd98e3e60ca439c1.dir', 5, 3],
  [{ 1: '1', 3: '3' }, '83ae82fb367ac9926455870773ff09e6.dir', 2, 2],
  [{ dir_file1: 'dir file content' }, '92daf39af116ca2fb245acaeb2ae65f7.dir', 16, 1],
  [{ dir_file1: 'dir file content', dir_file2: 'dir file 2 content' }, '38175ad60f0e58ac94e0e2b7688afd81.dir', 34, 2],
  [{ file: 'text1', 'subdir/file2': 'text2' }, 'cb58ee07cb01044db229e4d6121a0dfc.dir', 10, 2],
  [{ 'subdir/file2': 'text2', 'subdir/file3': 'text1' }, 'a4ac9c339aacc60b6a3152e362c319c8.dir', 10, 2],
  [{ foo: 'foo', 'subdir/foo': 'foo' }, 'c7684c8b3b0d28cf80d5305e2d856bfc.dir', 6, 2],
  [{ bar: 'foo', 'subdir/bar': 'foo' }, '31b36b3ea5f4485e27f10578c47183b0.dir', 6, 2],
];

async function built(files: Record<string, string>, options = {}) {
  const dir = await tempDir();
  await writeTree(dir, files);
  return buildManifest(dir, options);
}

test('C.2: every directory vector, walked from real files', async () => {
  for (const [files, oid, size, nfiles] of C2) {
    const info = await built(files);
    assert.deepEqual([info.oid, info.size, info.nfiles], [oid, size, nfiles], JSON.stringify(files));
  }
});

test('A.9: exact manifest bytes for the b6dcab6c example', async () => {
  const info = await built({ file: 'file', 'subdir/subfile': 'subfile' });
  assert.equal(
    info.bytes.toString('utf8'),
    '[{"md5": "8c7dd922ad47494fc02c388e12c00eac", "relpath": "file"}, {"md5": "293b26bf46281c75310f75c336661a05", "relpath": "subdir/subfile"}]',
  );
  assert.equal(`${md5Hex(info.bytes)}.dir`, info.oid);
});

test('C.2: cloud-versioned manifest uses the checksum name (etag) as key; md5 key is the negative control', () => {
  const foo = 'acbd18db4cc2f85cedef654fccc4a4d8';
  const entries = [
    { relpath: 'foo', oid: foo, size: 3 },
    { relpath: 'bar', oid: foo, size: 3 },
  ];
  const etag = dirInfo(entries, 'etag');
  assert.deepEqual([etag.oid, etag.size, etag.nfiles], ['77e8000f532886eef8ee1feba82e9bad.dir', 6, 2]);
  assert.equal(dirInfo(entries, 'md5').oid, 'ed7214b961855526e699126940c4fbe8.dir');
  assert.equal(
    serializeManifest(entries, 'etag').toString(),
    `[{"etag": "${foo}", "relpath": "bar"}, {"etag": "${foo}", "relpath": "foo"}]`,
  );
});

// Expected hashes and bytes below come from CPython: sorted(..., key=relpath) + json.dumps(sort_keys=True).
test('sorting: "a-c" < "a.b" < "a/b" < "a0" (whole path, code points)', async () => {
  const info = await built({ 'a/b': '2', a0: '3', 'a-c': '1', 'a.b': '4' });
  assert.deepEqual(info.entries.map((e) => e.relpath), ['a-c', 'a.b', 'a/b', 'a0']);
  assert.equal(info.oid, '172902ec93246197f1fc1330bba87d70.dir');
});

test('sorting and escaping of non-ASCII and astral names', async () => {
  const info = await built({ 'é': 'e', z: 'z', '😀': 'smile', '\ufb01': 'fi', '日本/語': 'jp' });
  assert.deepEqual(info.entries.map((e) => e.relpath), ['z', 'é', '日本/語', '\ufb01', '😀']);
  assert.equal(
    info.bytes.toString(),
    '[{"md5": "fbade9e36a3f36d3d676c1b808451dd7", "relpath": "z"}, {"md5": "e1671797c52e15f763380b45e841ec32", "relpath": "\\u00e9"}, {"md5": "55add3d845bfcd87a9b0949b0da49c0a", "relpath": "\\u65e5\\u672c/\\u8a9e"}, {"md5": "75778bf8fde7266d416b0089e7b8b793", "relpath": "\\ufb01"}, {"md5": "3ddaeb82fbba964fb3461d4e4f1342eb", "relpath": "\\ud83d\\ude00"}]',
  );
  assert.equal(info.oid, 'c176725c9bf208c7182c4e2dd32959f0.dir');
});

test('names with quotes, backslashes, newlines, tabs and spaces', { skip: process.platform === 'win32' }, async () => {
  const info = await built({ 'q"uote': 'q', 'back\\slash': 'b', 'new\nline': 'n', 'tab\tx': 't', 'sp ace': 's' });
  assert.equal(
    info.bytes.toString(),
    '[{"md5": "92eb5ffee6ae2fec3ad71c777531578f", "relpath": "back\\\\slash"}, {"md5": "7b8b965ad4bca0e41ab51de7b31363a1", "relpath": "new\\nline"}, {"md5": "7694f4a66316e53c8cdd9d9954bd611d", "relpath": "q\\"uote"}, {"md5": "03c7c0ace395d80182db07ae2c30f034", "relpath": "sp ace"}, {"md5": "e358efa489f58062f10dd7316b65649e", "relpath": "tab\\tx"}]',
  );
  assert.equal(info.oid, '4cb51db30c6792ea0310f9a047c35b60.dir');
  assert.deepEqual(parseManifest(info.bytes, 'x').map((e) => e.relpath), info.entries.map((e) => e.relpath));
});

test('sortEntries is code-point order, not UTF-16 order', () => {
  const sorted = sortEntries([{ relpath: '😀' }, { relpath: '\uffff' }, { relpath: 'a' }]);
  assert.deepEqual(sorted.map((e) => e.relpath), ['a', '\uffff', '😀']);
});

test('empty directories contribute nothing; an empty tree hashes "[]"', async () => {
  const dir = await tempDir();
  await writeTree(dir, { 'x/a': 'data' });
  await fs.mkdir(path.join(dir, 'empty/deeper'), { recursive: true });
  const info = await buildManifest(dir);
  assert.deepEqual(info.entries.map((e) => e.relpath), ['x/a']);
  const none = await buildManifest(await tempDir());
  assert.equal(none.bytes.toString(), '[]');
  assert.equal(none.oid, `${md5Hex('[]')}.dir`);
  assert.deepEqual([none.size, none.nfiles], [0, 0]);
});

test('a .dvcignore inside the tracked directory is an error', async () => {
  const dir = await tempDir();
  await writeTree(dir, { a: 'a', 'sub/.dvcignore': '*.tmp' });
  await assert.rejects(buildManifest(dir), (e) => isMlopsError(e) && e.code === 'refused' && /\.dvcignore/.test(e.message) && e.location!.file.endsWith('.dvcignore'));
});

test('ignore predicate prunes files and whole directories', async () => {
  const seen: string[] = [];
  const info = await built({ keep: 'k', 'skip.tmp': 's', 'cache/x': 'x', 'sub/y': 'y' }, {
    ignore: (rel: string, isDir: boolean) => {
      seen.push(`${rel}${isDir ? '/' : ''}`);
      return rel.endsWith('.tmp') || (isDir && rel === 'cache');
    },
  });
  assert.deepEqual(info.entries.map((e) => e.relpath), ['keep', 'sub/y']);
  assert.ok(!seen.includes('cache/x'), 'pruned directories are not descended');
});

test('symlinks: file links hash their target, directory links are not followed, broken links fail', { skip: process.platform === 'win32' }, async () => {
  const dir = await tempDir();
  const outside = await tempDir();
  await writeTree(dir, { real: 'foo' });
  await writeTree(outside, { secret: 'x' });
  await fs.symlink(path.join(dir, 'real'), path.join(dir, 'link'));
  await fs.symlink(outside, path.join(dir, 'dirlink'));
  const info = await buildManifest(dir);
  assert.deepEqual(info.entries.map((e) => [e.relpath, e.oid]), [
    ['link', 'acbd18db4cc2f85cedef654fccc4a4d8'],
    ['real', 'acbd18db4cc2f85cedef654fccc4a4d8'],
  ]);
  const skipped = await buildManifest(dir, { symlinks: 'skip' });
  assert.deepEqual(skipped.entries.map((e) => e.relpath), ['real']);
  await fs.symlink(path.join(dir, 'missing'), path.join(dir, 'broken'));
  await assert.rejects(buildManifest(dir), (e) => isMlopsError(e) && e.code === 'not-found');
});

test('pluggable hasher is used for every file, with bounded concurrency', async () => {
  let active = 0;
  let peak = 0;
  const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, String(i)]));
  const info = await built(files, {
    concurrency: 3,
    hashFile: async (_abs: string, rel: string) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 2));
      active--;
      return md5Hex(rel);
    },
  });
  assert.equal(peak, 3);
  assert.equal(info.nfiles, 20);
  assert.equal(info.entries.find((e) => e.relpath === 'f7')!.oid, md5Hex('f7'));
});

test('legacy md5-dos2unix manifests use the md5 key and dos2unix file hashes', async () => {
  const info = await built({ a: 'a\r\nb\r\nc' }, { algorithm: 'md5-dos2unix' });
  assert.equal(info.bytes.toString(), '[{"md5": "c32b2057b9bd62caa835386346177935", "relpath": "a"}]');
});

test('parseManifest refuses relpaths that could escape on checkout', () => {
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', '', 'a/']) {
    const bytes = JSON.stringify([{ md5: 'acbd18db4cc2f85cedef654fccc4a4d8', relpath: bad }]);
    assert.throws(() => parseManifest(bytes, 'obj'), (e) => isMlopsError(e) && e.code === 'refused', bad);
  }
  assert.throws(() => parseManifest('{not json', 'obj'), (e) => isMlopsError(e) && e.code === 'store-corrupt');
  assert.throws(() => parseManifest('[{"relpath": "a"}]', 'obj'), (e) => isMlopsError(e) && e.code === 'store-corrupt');
});
