/**
 * Fingerprints of large trees computed on worker threads. Proving that 20,000 files did not
 * change takes 20,000 stat calls, and Node spends several µs in each (binding, path conversion,
 * Stats object), far more than git's C loop; spreading them over cores is what brings a status
 * near `git status`.
 *
 * Workers get whole folders (a few dozen names cross threads, not 20,000 paths) and walk them
 * themselves: readdir, stat, digest. Only one short record per folder comes back. The same
 * function (`scanDirs`) runs on this thread and, by its source text, in the workers, so both
 * give the same records by construction.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Files per record of one folder; fixed, so a fingerprint does not depend on who computed it. */
export const CHUNK = 1024;
/** Below this many files (as last recorded) a worker round trip costs more than it saves. */
export const MIN_FOR_WORKERS = 8192;
/** Bumped when the record format changes, so an old stored fingerprint can never match. */
const FORMAT = 'v2';
/** Folders known before the rest of the walk is handed to the workers. */
const FRONTIER = 32;
const YIELD_EVERY = 2000;

export interface WalkEntry {
  relpath: string;
  link: boolean;
}

/** Absolute path of a walked entry (relpaths use `/`). */
export function absOf(root: string, relpath: string): string {
  return path.sep === '/' ? `${root}/${relpath}` : path.join(root, ...relpath.split('/'));
}

/**
 * Digest of some files of one folder: their names, then (inode, size, mtimeMs) of each as raw
 * doubles: mtimeMs exactly as stat gave it (no rounding), and no number-to-text conversion,
 * an eighth of the cost of the loop. Names cannot contain '/', so the join is unambiguous.
 * Self-contained: workers run it by its source text.
 */
export function partDigest(hash: typeof createHash, names: readonly string[], ids: Float64Array): string {
  return hash('md5').update(names.join('/')).update(new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength)).digest('hex');
}

/** The record of files `part * CHUNK …` of folder `dir` ('' for the tree's root). Self-contained. */
export function recordOf(dir: string, part: number, digest: string): string {
  return `${dir}\0${part}\0${digest}`;
}

/** The tree's fingerprint from its folder records (any order). */
export function combineRecords(records: readonly string[]): string {
  return createHash('md5').update(`${FORMAT}\n${[...records].sort().join('\n')}`).digest('hex');
}

/** What scanDirs needs from Node, passed in so its source text runs unchanged in a worker. */
export interface ScanDeps {
  readdirSync: typeof readdirSync;
  statSync: typeof statSync;
  createHash: typeof createHash;
  join: (...parts: string[]) => string;
  partDigest: typeof partDigest;
  recordOf: typeof recordOf;
  sep: string;
  chunk: number;
}

/** A whole subtree (a folder's relpath), or some files of one folder: [folder, part, names]. */
export type ScanItem = string | [string, number, string[]];

export interface ScanResult {
  records: string[];
  /** Sub-folders not walked (recurse = false). */
  subdirs: string[];
  /** Parts of large folders left for others (split = true). */
  parts: Array<[string, number, string[]]>;
  files: number;
}

/**
 * Records of the given items, or null when the tree cannot be fingerprinted as walked by
 * dirScan.walkTree (an entry vanished, a link leads to a folder or nowhere, a nested
 * .dvcignore): the caller then takes the full path, which reports those properly.
 * Self-contained (no outer names, no imports): its source is what the workers run.
 */
export function scanDirs(d: ScanDeps, root: string, items: readonly ScanItem[], recurse: boolean, split: boolean): ScanResult | null {
  try {
    return scan();
  } catch {
    return null; // EACCES, ENOTDIR (a folder replaced meanwhile)…: the full path reports it
  }
  function scan(): ScanResult | null {
    const out: ScanResult = { records: [], subdirs: [], parts: [], files: 0 };
    const absOfRel = (rel: string): string => (rel === '' ? root : d.sep === '/' ? `${root}/${rel}` : d.join(root, ...rel.split('/')));
    const digest = (dir: string, part: number, names: readonly string[]): boolean => {
      const ids = new Float64Array(names.length * 3);
      for (let i = 0, k = 0; i < names.length; i++) {
        const s = d.statSync(absOfRel(dir === '' ? names[i]! : `${dir}/${names[i]!}`), { throwIfNoEntry: false });
        if (!s || !s.isFile()) return false;
        ids[k++] = s.ino;
        ids[k++] = s.size;
        ids[k++] = s.mtimeMs;
      }
      out.records.push(d.recordOf(dir, part, d.partDigest(d.createHash, names, ids)));
      out.files += names.length;
      return true;
    };
    const stack: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string') {
        if (!digest(item[0], item[1], item[2])) return null;
        continue;
      }
      stack.push(item);
      while (stack.length > 0) {
        const rel = stack.pop()!;
        const dirents = d.readdirSync(absOfRel(rel), { withFileTypes: true });
        const names: string[] = [];
        for (const e of dirents) {
          if (e.name === '.dvcignore' && !e.isDirectory()) return null;
          if (e.isDirectory()) {
            const child = rel === '' ? e.name : `${rel}/${e.name}`;
            if (recurse) stack.push(child);
            else out.subdirs.push(child);
          } else if (e.isFile() || e.isSymbolicLink()) {
            names.push(e.name);
          }
        }
        for (let i = 0, part = 0; i < names.length; i += d.chunk, part++) {
          const slice = names.slice(i, i + d.chunk);
          if (split && names.length > d.chunk) out.parts.push([rel, part, slice]);
          else if (!digest(rel, part, slice)) return null;
        }
      }
    }
    return out;
  }
}

/**
 * Scan items of a shared list until none is left: each thread takes the next index with one
 * atomic add, so no thread waits for another to hand it work and none is left idle while
 * items remain. `budget` (files) lets this thread stop for a moment to keep its event loop
 * responsive; `done` says the list is exhausted. A tree that cannot be fingerprinted stops
 * every thread (the index jumps past the end). Self-contained: the workers run its source.
 */
export function claimItems(scan: typeof scanDirs, d: ScanDeps, root: string, items: readonly ScanItem[], next: Int32Array, budget: number): { records: string[]; files: number; done: boolean } | null {
  const records: string[] = [];
  let files = 0;
  while (files < budget) {
    const i = Atomics.add(next, 0, 1);
    if (i >= items.length) return { records, files, done: true };
    const r = scan(d, root, [items[i]!], true, false);
    if (!r) {
      Atomics.store(next, 0, 0x3fffffff);
      return null;
    }
    for (const rec of r.records) records.push(rec);
    files += r.files + 1;
  }
  return { records, files, done: false };
}

const DEPS: ScanDeps = { readdirSync, statSync, createHash, join: path.join, partDigest, recordOf, sep: path.sep, chunk: CHUNK };

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { readdirSync, statSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { join, sep } = require('node:path');
const partDigest = (${partDigest.toString()});
const recordOf = (${recordOf.toString()});
const scanDirs = (${scanDirs.toString()});
const claimItems = (${claimItems.toString()});
parentPort.on('message', ({ root, items, chunk, next }) => {
  let r = null;
  try {
    r = claimItems(scanDirs, { readdirSync, statSync, createHash, join, partDigest, recordOf, sep, chunk }, root, items, new Int32Array(next), Infinity);
  } catch {
    r = null;
  }
  parentPort.postMessage(r && { records: r.records, files: r.files });
});
`;

/** One fingerprint's shared list of items and the index of the next one to take. */
interface Job {
  root: string;
  items: ScanItem[];
  next: Int32Array;
  resolve: (r: { records: string[]; files: number } | null) => void;
  reject: (e: Error) => void;
}

/**
 * Worker threads kept for the life of the process. A fingerprint hands every worker the same
 * shared list (one message each way per worker); a worker busy with another fingerprint takes
 * it up when free, and finds nothing left if this thread already took it all.
 */
class Pool {
  readonly size: number;
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly busy = new Map<Worker, Job>();

  constructor(size: number) {
    this.size = size;
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.on('message', (m: { records: string[]; files: number } | null) => {
        this.busy.get(w)?.resolve(m);
        this.busy.delete(w);
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (e) => {
        this.busy.get(w)?.reject(e);
        this.busy.delete(w);
        for (const j of this.queue.splice(0)) j.reject(e);
        pool = undefined;
      });
      // Idle workers must not keep a CLI process alive; they are ref'd only while working.
      w.unref();
      this.idle.push(w);
    }
  }

  submit(root: string, items: ScanItem[], next: Int32Array): Promise<{ records: string[]; files: number } | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ root, items, next, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      // The list is already taken (by this thread or other workers): nothing to send.
      if (Atomics.load(job.next, 0) >= job.items.length) {
        this.idle.push(w);
        job.resolve({ records: [], files: 0 });
        continue;
      }
      this.busy.set(w, job);
      w.ref();
      w.postMessage({ root: job.root, items: job.items, chunk: CHUNK, next: job.next.buffer });
    }
    for (const w of this.idle) w.unref();
  }
}

let pool: Pool | undefined;

/** Worker count: this thread works too, so one core is left to it. */
function poolSize(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

const pause = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Fingerprint of the stat identities of every file under `root`, walked as dirScan.walkTree
 * walks it; undefined when something in the tree makes that impossible (see scanDirs).
 * `parallel` (a tree known to be large): this thread lists the first folders itself, breadth
 * first, then it and the workers take the remaining folders (and parts of large folders) from
 * one shared list until it is empty.
 */
export async function fingerprintTree(root: string, options: { parallel?: boolean; signal?: AbortSignal } = {}): Promise<string | undefined> {
  const records: string[] = [];
  const parallel = options.parallel === true;
  const items: ScanItem[] = [];
  const frontier: string[] = [''];
  let head = 0;
  let done = 0;
  // Breadth first on this thread until there are enough folders to share out.
  while (head < frontier.length && (!parallel || frontier.length - head + items.length < FRONTIER)) {
    const r = scanDirs(DEPS, root, [frontier[head++]!], false, parallel);
    if (!r) return undefined;
    for (const rec of r.records) records.push(rec);
    frontier.push(...r.subdirs);
    items.push(...r.parts);
    done += r.files + 1;
    if (done >= YIELD_EVERY) {
      done = 0;
      options.signal?.throwIfAborted();
      await pause();
    }
  }
  items.push(...frontier.slice(head));
  if (items.length === 0) return combineRecords(records);
  const next = new Int32Array(new SharedArrayBuffer(4));
  const p = parallel ? (pool ??= new Pool(poolSize())) : undefined;
  const helpers = p ? Array.from({ length: p.size }, () => p.submit(root, items, next).catch(() => null)) : [];
  let failed = false;
  for (;;) {
    const r = claimItems(scanDirs, DEPS, root, items, next, YIELD_EVERY);
    if (!r) {
      failed = true;
      break;
    }
    for (const rec of r.records) records.push(rec);
    if (r.done) break;
    if (options.signal?.aborted) Atomics.store(next, 0, 0x3fffffff);
    await pause();
  }
  // A worker that failed (or died) leaves its items unscanned: the fingerprint is then unknown.
  const theirs = await Promise.all(helpers);
  options.signal?.throwIfAborted();
  if (failed || theirs.some((t) => t === null)) return undefined;
  for (const t of theirs) for (const rec of t!.records) records.push(rec);
  return combineRecords(records);
}
