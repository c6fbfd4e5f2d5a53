import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  compareCodePoints,
  DOS2UNIX_CHUNK,
  hashFile,
  isTextBlock,
  md5Dos2unixBytes,
  md5Dos2unixFile,
  md5File,
  md5Hex,
} from '../../../src/engine/versioning/hash.ts';
import { tempDir } from './helpers.ts';

/** Hard-coded, not DOS2UNIX_CHUNK: the chunk size is part of the legacy hash. */
const MiB = 1048576;
const md5 = (b: Uint8Array | string): string => createHash('md5').update(b).digest('hex');
const crlfToLf = (b: Buffer): Buffer => Buffer.from(b.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');

// formats.md C.1
const C1: [string, string][] = [
  ['foo', 'acbd18db4cc2f85cedef654fccc4a4d8'],
  ['bar', '37b51d194a7513e45b56f6524f2d51f2'],
  ['file', '8c7dd922ad47494fc02c388e12c00eac'],
  ['something', '437b930db84b8079c2dd804a71936b5f'],
  ['data', '8d777f385d3dfec8815d20f7496026dc'],
  ['text', '1cb251ec0d568de6a929b520c4aed8d1'],
  ['text1', 'cef7ccd89dacf1ced6f5ec91d759953f'],
  ['text2', 'fe6123a759017e4a2af4a2d19961ed71'],
  ['file_content', '7f0b6bb0b7e951b7fd2b2a4a326297e1'],
  ['new_file_content', '86d049de17c76ac44cdcac146042ec9b'],
  ['one', 'f97c5d29941bfb1b2fdab0874906ab82'],
  ['two', 'b8a9f715dbb64fd5c56e7783c6820a61'],
  ['subfile', '293b26bf46281c75310f75c336661a05'],
];

async function fileWith(content: string | Uint8Array): Promise<string> {
  const f = path.join(await tempDir(), 'f');
  await fs.writeFile(f, content);
  return f;
}

test('C.1: raw md5 of every vector, from a file and from bytes', async () => {
  for (const [content, want] of C1) {
    assert.equal(await md5File(await fileWith(content)), want, content);
    assert.equal(await hashFile(await fileWith(content), 'md5'), want, content);
    assert.equal(md5Hex(content), want, content);
  }
});

test('C.4: md5-dos2unix folds CRLF, raw md5 does not', async () => {
  const lf = await fileWith('a\nb\nc');
  const crlf = await fileWith('a\r\nb\r\nc');
  for (const rule of ['per-file', 'per-chunk'] as const) {
    assert.equal(await md5Dos2unixFile(lf, rule), 'c32b2057b9bd62caa835386346177935');
    assert.equal(await md5Dos2unixFile(crlf, rule), 'c32b2057b9bd62caa835386346177935');
  }
  assert.equal(await hashFile(crlf, 'md5-dos2unix'), 'c32b2057b9bd62caa835386346177935');
  assert.equal(await md5File(lf), 'c32b2057b9bd62caa835386346177935');
  assert.equal(await md5File(crlf), '17800212205a0baee12dcf34c0748370');
  assert.equal(md5Dos2unixBytes(Buffer.from('a\r\nb\r\nc')), 'c32b2057b9bd62caa835386346177935');
});

test('md5File is exact across read-buffer boundaries', async () => {
  const M = 4 << 20;
  for (const size of [0, 1, M - 1, M, M + 1, 2 * M + 3]) {
    const data = randomBytes(size);
    assert.equal(await md5File(await fileWith(data)), md5(data), `size ${size}`);
  }
});

test('isTextBlock: empty, NUL, and the 30 % threshold', () => {
  assert.equal(isTextBlock(new Uint8Array(0)), true);
  assert.equal(isTextBlock(Buffer.from('plain text\r\n\t\f\b')), true);
  assert.equal(isTextBlock(Buffer.from('text\0more')), false);
  const block = (nonText: number): Buffer => Buffer.concat([Buffer.alloc(nonText, 0xc3), Buffer.alloc(100 - nonText, 0x61)]);
  assert.equal(isTextBlock(block(30)), true, 'exactly 30 % is still text');
  assert.equal(isTextBlock(block(31)), false, 'over 30 % is binary');
  assert.equal(isTextBlock(Buffer.from([0x7f, 0x61, 0x61, 0x61])), true, 'DEL counts as non-text, 25 %');
  assert.equal(isTextBlock(Buffer.from([0x7f, 0x7f, 0x61])), false);
  assert.equal(isTextBlock(Buffer.from('\b\b\b\b\b\f\f\f\t\n')), true, 'backspace and form feed count as text');
  assert.equal(DOS2UNIX_CHUNK, MiB);
});

test('md5-dos2unix of binary files is the raw md5', async () => {
  const data = Buffer.from('\0\r\n\r\n');
  assert.equal(await md5Dos2unixFile(await fileWith(data)), md5(data));
});

test('only the first 512 bytes decide text-ness (binary later stays converted)', async () => {
  const data = Buffer.concat([Buffer.alloc(512, 'a'), Buffer.from('\0\r\n')]);
  assert.equal(await md5Dos2unixFile(await fileWith(data)), md5(crlfToLf(data)));
});

test('per-file vs per-chunk rules differ when 1 MiB chunks disagree', async () => {
  // Chunk 1 binary, chunk 2 text with CRLF.
  const binFirst = Buffer.concat([Buffer.alloc(MiB, 0), Buffer.from('x\r\ny\r\n')]);
  const f1 = await fileWith(binFirst);
  assert.equal(await md5Dos2unixFile(f1, 'per-file'), md5(binFirst));
  const perChunk1 = Buffer.concat([binFirst.subarray(0, MiB), Buffer.from('x\ny\n')]);
  assert.equal(await md5Dos2unixFile(f1, 'per-chunk'), md5(perChunk1));
  assert.notEqual(md5(binFirst), md5(perChunk1));

  // Chunk 1 text, chunk 2 binary containing CRLF bytes.
  const textFirst = Buffer.concat([Buffer.alloc(MiB - 2, 'a'), Buffer.from('\r\n'), Buffer.from('\0\0\r\n\0')]);
  const f2 = await fileWith(textFirst);
  assert.equal(await md5Dos2unixFile(f2, 'per-file'), md5(crlfToLf(textFirst)));
  const perChunk2 = Buffer.concat([crlfToLf(textFirst.subarray(0, MiB)), textFirst.subarray(MiB)]);
  assert.equal(await md5Dos2unixFile(f2, 'per-chunk'), md5(perChunk2));
  assert.equal(md5Dos2unixBytes(textFirst, 'per-chunk'), md5(perChunk2));
  assert.equal(md5Dos2unixBytes(textFirst, 'per-file'), md5(crlfToLf(textFirst)));
  assert.equal(await hashFile(f2, 'md5-dos2unix', { dos2unixRule: 'per-chunk' }), md5(perChunk2));
});

test('a CRLF split across the 1 MiB chunk boundary is not converted', async () => {
  const data = Buffer.concat([Buffer.alloc(MiB - 1, 'a'), Buffer.from('\r\nb\r\nc')]);
  const expected = Buffer.concat([Buffer.alloc(MiB - 1, 'a'), Buffer.from('\r\nb\nc')]);
  const f = await fileWith(data);
  assert.equal(await md5Dos2unixFile(f, 'per-file'), md5(expected));
  assert.equal(await md5Dos2unixFile(f, 'per-chunk'), md5(expected));
  assert.equal(md5Dos2unixBytes(data), md5(expected));
});

test('compareCodePoints orders like Python strings', () => {
  assert.ok(compareCodePoints('a-c', 'a/b') < 0);
  assert.ok(compareCodePoints('\uffff', '😀') < 0, 'U+FFFF before U+1F600');
  assert.ok(compareCodePoints('\ue000', '😀') < 0);
  assert.ok(compareCodePoints('😀', '\ud7ff') > 0);
  assert.ok(compareCodePoints('a', 'ab') < 0);
  assert.equal(compareCodePoints('é', 'é'), 0);
  const words = ['😀', 'z', '\uffff', 'é', 'a/b', 'a-c', 'A', '\ufb01', '𝒜', '\ue000'];
  const byCodePoints = (a: string, b: string): number => {
    const x = [...a].map((c) => c.codePointAt(0)!);
    const y = [...b].map((c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  };
  assert.deepEqual(words.slice().sort(compareCodePoints), words.slice().sort(byCodePoints));
});
