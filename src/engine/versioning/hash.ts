/**
 * File hashes as DVC computes them (formats.md A.8): raw md5 for DVC 3 (`hash: md5`) and the
 * legacy md5-dos2unix for entries written by DVC 2.x.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** `md5`: DVC 3 raw bytes. `md5-dos2unix`: DVC 2.x, CRLF folded to LF in text files. */
export type HashAlgorithm = 'md5' | 'md5-dos2unix';

/**
 * Where md5-dos2unix decides "text or binary". DVC 2.x decided once per file from the first
 * 512 bytes; dvc-data >= 1.0 decides per 1 MiB chunk. They differ only for files over 1 MiB
 * whose chunks disagree, so verifying 2.x data must use `per-file`.
 */
export type Dos2unixRule = 'per-file' | 'per-chunk';

export interface FileHashOptions {
  /** Only for `md5-dos2unix`; defaults to `per-file` (what 2.x lock and pointer files hold). */
  dos2unixRule?: Dos2unixRule;
  /** The size a stat just gave, when the caller has one: small files are then read in one call. */
  size?: number;
}

/**
 * Files up to this size are read with one synchronous call (open, read, close inside it): an
 * asynchronous read costs five thread-pool round trips, which is most of the time for the small
 * files a pipeline status hashes. Larger files stream.
 */
export const SMALL_FILE = 1 << 20;

/** Both producers read and convert in chunks of exactly this size (A.8). */
export const DOS2UNIX_CHUNK = 1 << 20;
const TEXT_PROBE = 512;

/**
 * 4 MiB reads: fewer syscalls and promise round trips than 64 KiB streams, still small enough
 * to stay in L2/L3-friendly territory. Two buffers let the next read run on the libuv pool
 * while the current one is hashed on the main thread.
 */
const RAW_READ_SIZE = 4 << 20;

export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** The hash DVC records for a file under `algorithm`. */
export function hashFile(file: string, algorithm: HashAlgorithm, options: FileHashOptions = {}): Promise<string> {
  if (options.size !== undefined && options.size <= SMALL_FILE) {
    try {
      const data = readFileSync(file);
      return Promise.resolve(algorithm === 'md5' ? md5Hex(data) : md5Dos2unixBytes(data, options.dos2unixRule ?? 'per-file'));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return algorithm === 'md5' ? md5File(file) : md5Dos2unixFile(file, options.dos2unixRule ?? 'per-file');
}

/** Raw md5 of a file (DVC 3), streamed through two reused buffers so reading overlaps hashing. */
export async function md5File(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const hash = createHash('md5');
    // Size the buffers to the file so hashing thousands of small files does not churn 8 MiB each;
    // +1 lets the first read see end of file without a second round trip for most small files.
    const { size } = await handle.stat();
    const bufSize = Math.min(RAW_READ_SIZE, size + 1);
    const buffers = [Buffer.allocUnsafe(bufSize), Buffer.allocUnsafe(bufSize)] as const;
    let which = 0;
    let pending = handle.read(buffers[0], 0, bufSize, null);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const filled = buffers[which]!;
      which ^= 1;
      pending = handle.read(buffers[which]!, 0, bufSize, null);
      // update() is synchronous and copies nothing it keeps, so the buffer is free afterwards.
      hash.update(filled.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/**
 * DVC's `istextblock`: empty is text, any NUL is binary, otherwise binary when more than 30 %
 * of the bytes fall outside printable ASCII plus \n \r \t \f \b.
 */
export function isTextBlock(block: Uint8Array): boolean {
  if (block.length === 0) return true;
  let nonText = 0;
  for (let i = 0; i < block.length; i++) {
    const b = block[i]!;
    if (b === 0) return false;
    if ((b >= 0x20 && b <= 0x7e) || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0x08) continue;
    nonText++;
  }
  return nonText / block.length <= 0.3;
}

/** md5-dos2unix of a file (legacy DVC 2.x hashes). */
export async function md5Dos2unixFile(file: string, rule: Dos2unixRule = 'per-file'): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const hash = createHash('md5');
    const chunk = Buffer.allocUnsafe(DOS2UNIX_CHUNK);
    let fileIsText: boolean | undefined;
    for (;;) {
      const n = await readFull(handle, chunk);
      if (fileIsText === undefined) fileIsText = isTextBlock(chunk.subarray(0, Math.min(n, TEXT_PROBE)));
      if (n === 0) break;
      const data = chunk.subarray(0, n);
      const text = rule === 'per-file' ? fileIsText : isTextBlock(data.subarray(0, TEXT_PROBE));
      if (text) updateDos2unix(hash, data);
      else hash.update(data);
      if (n < chunk.length) break;
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/** md5-dos2unix of bytes already in memory (small inputs, tests). */
export function md5Dos2unixBytes(data: Uint8Array, rule: Dos2unixRule = 'per-file'): string {
  const hash = createHash('md5');
  const fileIsText = isTextBlock(data.subarray(0, TEXT_PROBE));
  for (let off = 0; off < data.length; off += DOS2UNIX_CHUNK) {
    const part = data.subarray(off, off + DOS2UNIX_CHUNK);
    const text = rule === 'per-file' ? fileIsText : isTextBlock(part.subarray(0, TEXT_PROBE));
    if (text) updateDos2unix(hash, part);
    else hash.update(part);
  }
  return hash.digest('hex');
}

/** Feed `data` with every CRLF inside it replaced by LF; a CRLF split across chunks stays. */
function updateDos2unix(hash: Hash, data: Uint8Array): void {
  let start = 0;
  for (;;) {
    const cr = indexOfCrlf(data, start);
    if (cr < 0) break;
    hash.update(data.subarray(start, cr));
    start = cr + 1; // keep the LF, drop the CR
  }
  hash.update(data.subarray(start));
}

function indexOfCrlf(data: Uint8Array, from: number): number {
  for (let i = data.indexOf(0x0d, from); i >= 0 && i < data.length - 1; i = data.indexOf(0x0d, i + 1)) {
    if (data[i + 1] === 0x0a) return i;
  }
  return -1;
}

/** Fill `buf` like Python's `f.read(n)`: short only at end of file, because chunking is part of the hash. */
async function readFull(handle: FileHandle, buf: Buffer): Promise<number> {
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/**
 * Python string order (Unicode code points). JS `<` compares UTF-16 code units, which puts
 * astral characters (surrogates D800–DFFF) before U+E000–U+FFFF; fix that at the first
 * differing unit. Never use localeCompare for anything DVC hashes.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
