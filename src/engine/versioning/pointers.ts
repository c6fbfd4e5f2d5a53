/**
 * Finding and updating `.dvc` pointer files in a workspace. The walk skips tool folders, ignore
 * globs and everything inside tracked outputs (DVC forbids overlapping outputs, and a 20,000
 * file dataset must not be listed just to look for pointers in it).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import type { ArtifactSource } from './api.ts';
import type { HashAlgorithm } from './hash.ts';
import { SKIP_DIRS, isTempName } from './layout.ts';
import type { IgnoreMatcher } from './layout.ts';
import { entryAlgorithm, entryChecksum, parsePointer } from './pointer.ts';
import type { ParsedPointer, Pointer, PointerOut } from './pointer.ts';

/** One recorded output: from a pointer file or from dvc.lock. */
export interface TrackedEntry {
  path: string;
  source: ArtifactSource;
  recordFile: string;
  oid?: string;
  algorithm: HashAlgorithm;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  stage?: string;
  /** false for pipeline outputs kept in git (`cache: false`). */
  cached: boolean;
}

export interface PointerScan {
  entries: TrackedEntry[];
  problems: MlopsError[];
  /** Workspace-relative folders holding dvc.yaml or dvc.lock. */
  pipelineDirs: string[];
}

/** Entries of a parsed pointer file at workspace-relative `pointerRel`. */
export function pointerEntries(parsed: ParsedPointer, pointerRel: string): TrackedEntry[] {
  const { pointer } = parsed;
  const base = path.posix.dirname(pointerRel);
  const wdir = typeof pointer['wdir'] === 'string' ? pointer['wdir'] : '.';
  return pointer.outs.map((out) => {
    const checksum = entryChecksum(out);
    return {
      path: path.posix.normalize(path.posix.join(base, wdir, out.path)),
      source: 'pointer' as const,
      recordFile: pointerRel,
      ...(checksum ? { oid: checksum.value } : {}),
      algorithm: entryAlgorithm(out),
      ...(typeof out.size === 'number' ? { size: out.size } : {}),
      ...(typeof out.nfiles === 'number' ? { nfiles: out.nfiles } : {}),
      ...(out.isexec ? { isexec: true } : {}),
      cached: out['cache'] !== false,
    };
  });
}

/** Read and parse a pointer; an unreadable or malformed file is an MlopsError with its line. */
export async function readPointer(abs: string, shown: string): Promise<ParsedPointer | undefined> {
  let text: string;
  try {
    text = readFileSync(abs, 'utf8'); // a pointer is a few hundred bytes: one call, no thread-pool round trips
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MlopsError('io', `cannot read pointer file: ${(e as Error).message}`, { location: { file: shown }, cause: e });
  }
  return parsePointer(text, shown);
}

/**
 * Walk the workspace for pointer files. `skip(rel)` prunes extra folders (pipeline outputs).
 * Problems (malformed pointers) are collected; the walk goes on.
 */
export async function scanPointers(root: string, ignore: IgnoreMatcher, skip: (rel: string) => boolean, signal?: AbortSignal): Promise<PointerScan> {
  const entries: TrackedEntry[] = [];
  const problems: MlopsError[] = [];
  const pipelineDirs: string[] = [];
  const queue: string[] = [''];
  // Breadth first, listing synchronously (an asynchronous readdir is a thread-pool round trip per
  // folder, which was most of a status of a small workspace), yielding now and then.
  for (let next = 0; next < queue.length; next++) {
    if (next % 64 === 63) {
      signal?.throwIfAborted();
      await new Promise((r) => setImmediate(r));
    }
    const rel = queue[next]!;
    let dirents: Dirent[];
    try {
      dirents = readdirSync(rel === '' ? root : path.join(root, ...rel.split('/')), { withFileTypes: true });
    } catch {
      dirents = [];
    }
    const join = (name: string): string => (rel === '' ? name : `${rel}/${name}`);
    const outputs = new Set<string>();
    const pointerFiles = dirents.filter((d) => d.name.endsWith('.dvc') && !d.isDirectory());
    await Promise.all(pointerFiles.map(async (d) => {
      const pointerRel = join(d.name);
      try {
        const parsed = await readPointer(path.join(root, ...pointerRel.split('/')), pointerRel);
        if (!parsed) return;
        for (const e of pointerEntries(parsed, pointerRel)) {
          entries.push(e);
          outputs.add(e.path);
        }
      } catch (e) {
        if (e instanceof MlopsError) problems.push(e);
        else throw e;
      }
    }));
    if (dirents.some((d) => (d.name === 'dvc.yaml' || d.name === 'dvc.lock') && d.isFile())) pipelineDirs.push(rel);
    for (const d of dirents) {
      if (!d.isDirectory() || SKIP_DIRS.has(d.name) || isTempName(d.name)) continue;
      const child = join(d.name);
      if (outputs.has(child) || ignore.ignores(child) || skip(child)) continue;
      queue.push(child);
    }
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, problems, pipelineDirs };
}

export interface RecordedContent {
  oid: string;
  algorithm: HashAlgorithm;
  size: number;
  nfiles?: number;
  isexec?: boolean;
}

/**
 * The pointer after recording `content` for the output at `outPath` (relative to the pointer's
 * folder). Other outputs, top-level keys and an entry's extra keys (desc, meta, remote…) stay.
 */
export function updatedPointer(previous: Pointer | undefined, outPath: string, content: RecordedContent): Pointer {
  const fields = (out: PointerOut): PointerOut => {
    const next: PointerOut = { ...out };
    delete next.etag;
    delete next.checksum;
    next.md5 = content.oid;
    next.size = content.size;
    if (content.nfiles !== undefined) next.nfiles = content.nfiles;
    else delete next.nfiles;
    if (content.isexec) next.isexec = true;
    else delete next.isexec;
    if (content.algorithm === 'md5') next.hash = 'md5';
    else delete next.hash;
    return next;
  };
  if (!previous) return { outs: [fields({ path: outPath })] };
  const copy = structuredClone(previous);
  const i = copy.outs.findIndex((o) => path.posix.normalize(o.path) === outPath);
  if (i >= 0) copy.outs[i] = fields(copy.outs[i]!);
  else copy.outs.push(fields({ path: outPath }));
  return copy;
}
