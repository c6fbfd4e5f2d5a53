/**
 * What a pipeline's status depends on, for file watchers: an editor that recomputed every stage
 * on any change in the workspace would re-hash after each keystroke save in unrelated files.
 */
import path from 'node:path';
import { DEFAULT_PARAMS_FILE } from './params.ts';
import type { Pipeline } from './types.ts';

/**
 * Absolute paths whose change can change a stage's status or the pipeline's stages: dvc.yaml,
 * dvc.lock, the vars and params files, every dependency and output. A path may be a folder.
 */
export function pipelineWatchPaths(p: Pipeline): string[] {
  const abs = (rel: string): string => path.resolve(p.dir, ...rel.split('/'));
  const out = new Set<string>([p.file, p.lockFile, path.join(p.dir, DEFAULT_PARAMS_FILE), ...p.varsFiles]);
  for (const s of p.stages) {
    for (const d of s.deps) out.add(abs(d.rel));
    for (const o of s.outs) out.add(abs(o.rel));
    for (const prm of s.params) out.add(abs(prm.rel));
  }
  return [...out].sort();
}

/** Characters with a meaning in VS Code globs; a path segment holding one is not written literally. */
const GLOB_SPECIAL = /[*?[\]{},]/;

/**
 * One VS Code glob (relative to `base`) matching each path, everything below it (a folder
 * dependency) and the folders leading to it (removing a folder reports only the folder). Paths
 * outside `base` are left out; a segment with glob characters widens to its parent folder's
 * whole subtree. Undefined when nothing is left.
 */
export function watchGlob(base: string, paths: readonly string[]): string | undefined {
  const alternatives = new Set<string>();
  for (const p of paths) {
    const rel = path.relative(base, p).split(path.sep).join('/');
    if (rel === '' || rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) continue;
    const segments = rel.split('/');
    const clean: string[] = [];
    for (const seg of segments) {
      if (GLOB_SPECIAL.test(seg)) break;
      clean.push(seg);
    }
    for (let i = 1; i < clean.length; i++) alternatives.add(clean.slice(0, i).join('/'));
    if (clean.length === 0) return '**'; // a top-level name with glob characters: everything
    const prefix = clean.join('/');
    alternatives.add(prefix);
    alternatives.add(`${prefix}/**`);
  }
  if (alternatives.size === 0) return undefined;
  return `{${[...alternatives].sort().join(',')}}`;
}
