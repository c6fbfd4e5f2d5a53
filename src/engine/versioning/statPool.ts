/**
 * Fingerprints of large trees computed on worker threads. Proving that 20,000 files did not
 * change takes 20,000 stat calls, and Node spends ~6 µs in each (binding, path conversion,
 * Stats object), far more than git's C loop; spreading them over cores is what brings a
 * status near `git status`. The workers only return one digest per chunk, so no per-file data
 * crosses threads. Plain JS source (no imports) so it runs the same from .ts and from a bundle.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Files per digest; fixed, so a fingerprint does not depend on how many workers computed it. */
export const CHUNK = 1024;
/** Below this many files a worker round trip costs more than it saves. */
const MIN_FOR_WORKERS = 8192;

export interface WalkEntry {
  relpath: string;
  link: boolean;
}

/** Absolute path of a walked entry (relpaths use `/`). */
export function absOf(root: string, relpath: string): string {
  return path.sep === '/' ? `${root}/${relpath}` : path.join(root, ...relpath.split('/'));
}

/** One line per file; shared by workers and the main thread so both give the same digest. */
export function fingerprintLine(relpath: string, ino: number, size: number, mtimeMs: number): string {
  return `${relpath}\0${ino}:${size}:${Math.round(mtimeMs * 1e6)}\n`;
}

export function combineChunks(digests: readonly string[]): string {
  return createHash('md5').update(digests.join('')).digest('hex');
}

// Mirrors fingerprintLine and the walk rules of dirScan: a link counts only when it leads to a
// file; anything skipped (deleted meanwhile, link to a folder, broken link) voids the digest.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { statSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { join } = require('node:path');
parentPort.on('message', ({ root, sep, items }) => {
  const parts = [];
  const list = items.split('\\u0000');
  for (let i = 0; i < list.length; i += 1) {
    const item = list[i];
    const link = item.charCodeAt(0) === 76;
    const rel = item.slice(1);
    const s = statSync(sep === '/' ? root + '/' + rel : join(root, ...rel.split('/')), { throwIfNoEntry: false });
    if (!s || (link && !s.isFile())) { parentPort.postMessage({ digest: null }); return; }
    parts.push(rel + '\\u0000' + s.ino + ':' + s.size + ':' + Math.round(s.mtimeMs * 1e6) + '\\n');
  }
  parentPort.postMessage({ digest: createHash('md5').update(parts.join('')).digest('hex') });
});
`;

interface Job {
  root: string;
  chunk: readonly WalkEntry[];
  resolve: (d: string | null) => void;
  reject: (e: Error) => void;
}

/** Workers pull one chunk at a time, so the main thread can take the rest once its walk is done. */
class Pool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly busy = new Map<Worker, Job>();

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.on('message', (m: { digest: string | null }) => {
        this.busy.get(w)?.resolve(m.digest);
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

  submit(root: string, chunk: readonly WalkEntry[]): Promise<string | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ root, chunk, resolve, reject });
      this.pump();
    });
  }

  /** A queued chunk no worker has started, for the caller's own thread. */
  take(): Job | undefined {
    return this.queue.shift();
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.busy.set(w, job);
      w.ref();
      w.postMessage({ root: job.root, sep: path.sep, items: job.chunk.map((e) => `${e.link ? 'L' : 'F'}${e.relpath}`).join('\0') });
    }
    for (const w of this.idle) w.unref();
  }
}

let pool: Pool | undefined;

function digestHere(root: string, chunk: readonly WalkEntry[]): string | null {
  const parts: string[] = [];
  for (const e of chunk) {
    const s = statSync(absOf(root, e.relpath), { throwIfNoEntry: false });
    if (!s || (e.link && !s.isFile())) return null;
    parts.push(fingerprintLine(e.relpath, s.ino, s.size, s.mtimeMs));
  }
  return createHash('md5').update(parts.join('')).digest('hex');
}

/**
 * Fingerprint of the stat identities of walked entries (walk order), fed while the walk is still
 * going: full chunks go to the workers at once, so their stats overlap the remaining readdirs.
 * Small trees never start the pool. `finish()` is undefined when an entry could not be taken
 * into account (the caller then does the full scan).
 */
export class Fingerprinter {
  private readonly root: string;
  private buffered: WalkEntry[] = [];
  private readonly digests: Array<Promise<string | null>> = [];
  private usePool = false;

  constructor(root: string) {
    this.root = root;
  }

  add(entry: WalkEntry): void {
    this.buffered.push(entry);
    if (this.buffered.length < (this.usePool ? CHUNK : MIN_FOR_WORKERS)) return;
    this.usePool = true;
    pool ??= new Pool(Math.max(1, Math.min(4, availableParallelism())));
    while (this.buffered.length >= CHUNK) this.dispatch(this.buffered.splice(0, CHUNK));
  }

  private dispatch(chunk: WalkEntry[]): void {
    const root = this.root;
    const p = pool;
    this.digests.push(p ? p.submit(root, chunk).catch(() => digestHere(root, chunk)) : Promise.resolve(digestHere(root, chunk)));
  }

  async finish(): Promise<string | undefined> {
    for (let i = 0; i < this.buffered.length; i += CHUNK) {
      const chunk = this.buffered.slice(i, i + CHUNK);
      if (this.usePool) this.dispatch(chunk);
      else this.digests.push(Promise.resolve(digestHere(this.root, chunk)));
    }
    this.buffered = [];
    // The walk is over: this thread helps with chunks no worker has started yet, one at a time,
    // yielding in between so finished workers get their next chunk meanwhile.
    for (let job = pool?.take(); job; job = pool?.take()) {
      job.resolve(digestHere(job.root, job.chunk));
      await new Promise((r) => setImmediate(r));
    }
    const digests = await Promise.all(this.digests);
    return digests.some((d) => d === null) ? undefined : combineChunks(digests as string[]);
  }
}
