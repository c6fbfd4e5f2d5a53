/**
 * The `.gitignore` lines DVC writes for tracked outputs (formats.md A.1): `/<basename>` in the
 * output's parent folder, one per line, newline-terminated, never duplicated. Rewritten
 * atomically so a crash leaves the old or the new file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fsutil.ts';

/** gitignore pattern for exactly this name: wildcard and comment characters escaped. */
export function ignoreEntry(basename: string): string {
  return `/${basename.replace(/[[\]!*#?\\]/g, (c) => `\\${c}`)}`;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Add `/<basename of abs>` to the `.gitignore` beside it; false when it was already there. */
export async function addIgnore(abs: string): Promise<boolean> {
  const file = path.join(path.dirname(abs), '.gitignore');
  const entry = ignoreEntry(path.basename(abs));
  const text = await readText(file);
  if (text !== undefined && text.split(/\r?\n/).includes(entry)) return false;
  const prefix = text === undefined || text === '' || text.endsWith('\n') ? '' : '\n';
  await writeFileAtomic(file, `${text ?? ''}${prefix}${entry}\n`);
  return true;
}

/** Remove that line; the file goes when nothing else is left in it (as DVC does). */
export async function removeIgnore(abs: string): Promise<boolean> {
  const file = path.join(path.dirname(abs), '.gitignore');
  const entry = ignoreEntry(path.basename(abs));
  const text = await readText(file);
  if (text === undefined) return false;
  const lines = text.split('\n');
  const kept = lines.filter((l) => l.replace(/\r$/, '') !== entry);
  if (kept.length === lines.length) return false;
  const rest = kept.join('\n');
  if (rest.trim() === '') await fs.rm(file, { force: true });
  else await writeFileAtomic(file, rest);
  return true;
}
