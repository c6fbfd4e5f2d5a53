import { mkdirSync, writeFileSync, readFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.ts';

export { tempDir };
export const FIXTURES = path.join(import.meta.dirname, 'fixtures');
export const NODE = process.execPath;

/** Write `{ 'a.txt': 'x', 'd/b': 'y' }` under `root`. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split('/'));
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}

export function read(root: string, rel: string): string {
  return readFileSync(path.join(root, ...rel.split('/')), 'utf8');
}

/** A temp project holding `files`, returned as its path. */
export function project(files: Record<string, string>, prefix = 'mlops-pipeline-'): string {
  const dir = tempDir(prefix);
  writeTree(dir, files);
  return dir;
}

export function copyFixture(name: string): string {
  const dir = tempDir('mlops-fixture-');
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** A shell-safe `node -e` command line (single quotes around the script). */
export function nodeCmd(script: string): string {
  if (script.includes("'")) throw new Error('nodeCmd scripts must not contain single quotes');
  return `"${NODE}" -e '${script}'`;
}
