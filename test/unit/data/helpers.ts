import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { readAllRows } from '../../../src/engine/data/reader.ts';
import type { ReadOptions, Value } from '../../../src/engine/data/reader.ts';
import { isMlopsError } from '../../../src/engine/errors.ts';
import type { MlopsError } from '../../../src/engine/errors.ts';

// Created at load time: called inside a test, tempDir's cleanup would run when that test ends.
const dir = tempDir('mlops-data-');
let n = 0;

/** Write `content` to a fresh file in this test file's temp dir; returns its path. */
export function fixture(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, `${n++}-${name}`);
  writeFileSync(file, content);
  return file;
}

/** Rows of a file, read with `options`. */
export async function rowsOf(file: string, options: ReadOptions = {}): Promise<{ columns: string[]; rows: Value[][] }> {
  const { columns, rows } = await readAllRows(file, options);
  return { columns, rows };
}

/** The MlopsError `fn` rejects with (fails the test when it resolves or throws something else). */
export async function mlopsErrorOf(fn: () => Promise<unknown>): Promise<MlopsError> {
  try {
    await fn();
  } catch (e) {
    if (isMlopsError(e)) return e;
    throw new Error(`expected an MlopsError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an MlopsError, but nothing was thrown');
}

/** Chunk sizes that put a chunk boundary everywhere in small inputs. */
export const TINY_CHUNKS = [1, 2, 3, 5, 7, 64];
