/**
 * Decoded text of a file, chunk by chunk, optionally through gunzip. UTF-8 sequences split across
 * reads are stitched together, so parsers only ever see whole characters; a leading BOM is dropped.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { MlopsError } from '../errors.ts';
import { ioError } from './common.ts';

/**
 * 64 KiB, Node's own default: 1 MiB chunks become 1 MiB strings in V8's large-object space, fresh
 * memory for every chunk, and made a warm profile pass about 30 % slower.
 */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;

/** Length of the prefix of `buf` that ends on a UTF-8 character boundary. */
export function completeUtf8Length(buf: Uint8Array): number {
  const n = buf.length;
  let k = n - 1;
  while (k >= 0 && n - k < 4 && (buf[k]! & 0xc0) === 0x80) k--;
  if (k < 0) return n;
  const lead = buf[k]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return n - k < need ? k : n;
}

export async function* textChunks(file: string, options: { chunkSize?: number; gzip?: boolean } = {}): AsyncGenerator<string> {
  const raw = createReadStream(file, { highWaterMark: options.chunkSize ?? DEFAULT_CHUNK_SIZE });
  let input: NodeJS.ReadableStream & AsyncIterable<Buffer> = raw;
  if (options.gzip) {
    const gunzip = createGunzip({ chunkSize: Math.max(64, options.chunkSize ?? 64 * 1024) });
    raw.on('error', (e) => gunzip.destroy(e));
    raw.pipe(gunzip);
    input = gunzip;
  }
  // A UTF-8 sequence cut by the chunk boundary is carried over to the next chunk. Invalid bytes
  // become U+FFFD rather than errors: one bad byte should not make a 10 GB file unreadable.
  let carry: Buffer | undefined;
  let first = true;
  try {
    for await (const chunk of input) {
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      const end = completeUtf8Length(buf);
      carry = end < buf.length ? Buffer.from(buf.subarray(end)) : undefined;
      let s = buf.toString('utf8', 0, end);
      if (first && s.length > 0) {
        first = false;
        if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      }
      if (s.length > 0) yield s;
    }
    if (carry) yield carry.toString('utf8');
  } catch (e) {
    if (e instanceof MlopsError) throw e;
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (options.gzip && typeof code === 'string' && code.startsWith('Z_')) {
      throw new MlopsError('format', `${file} is not valid gzip data (${(e as Error).message})`, {
        location: { file },
        hint: 'the file may be truncated or not compressed; rename it without .gz if it is plain text',
        cause: e,
      });
    }
    throw ioError(file, e);
  } finally {
    raw.destroy();
  }
}

/** Occurrences of `"` in s[from, to). */
export function countQuotes(s: string, from: number, to: number): number {
  let k = 0;
  for (let p = s.indexOf('"', from); p >= 0 && p < to; p = s.indexOf('"', p + 1)) k++;
  return k;
}

/** Line feeds in s[from, to). */
export function countLf(s: string, from: number, to: number): number {
  let k = 0;
  for (let p = s.indexOf('\n', from); p >= 0 && p < to; p = s.indexOf('\n', p + 1)) k++;
  return k;
}
