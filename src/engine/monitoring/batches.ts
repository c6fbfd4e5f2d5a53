/**
 * Production batch files of a monitored dataset: which files in the batch folder count, found by a
 * folder scan (processNewBatches) or by the watcher, with one rule for both.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import { detectFormat } from '../data/reader.ts';

export interface BatchTarget {
  dataset: string;
  /** Absolute batch folder. */
  dir: string;
  pattern: string | null;
  /** Absolute files never taken as batches (the reference, when it lives in the folder). */
  exclude?: readonly string[];
}

export interface BatchFile {
  dataset: string;
  /** Absolute path. */
  file: string;
  /** POSIX path relative to the batch folder. */
  relative: string;
}

/** Hidden and temp files are writers' work in progress, never batches. */
function hidden(rel: string): boolean {
  return rel.split('/').some((part) => part.startsWith('.') || part.endsWith('~') || part.endsWith('.tmp') || part.endsWith('.part'));
}

/** Whether a path relative to the batch folder is a batch: the glob if set, else a data file directly in the folder. */
export function isBatchPath(relative: string, pattern: string | null): boolean {
  if (relative === '' || relative.startsWith('../') || hidden(relative)) return false;
  if (pattern !== null) return path.posix.matchesGlob(relative, pattern);
  return !relative.includes('/') && detectFormat(relative) !== undefined;
}

/** Batch files of a target, in natural name order (batch-2 before batch-10). */
export async function listBatches(target: BatchTarget, maxDepth = 8): Promise<BatchFile[]> {
  const out: BatchFile[] = [];
  const excluded = new Set((target.exclude ?? []).map((f) => path.resolve(f)));
  const deep = target.pattern !== null && (target.pattern.includes('/') || target.pattern.includes('**'));
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name.startsWith('.')) continue;
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (deep && depth < maxDepth) await walk(abs, r, depth + 1);
      } else if (e.isFile() && isBatchPath(r, target.pattern) && !excluded.has(abs)) {
        out.push({ dataset: target.dataset, file: abs, relative: r });
      }
    }
  };
  await walk(target.dir, '', 0);
  return out.sort((a, b) => a.relative.localeCompare(b.relative, 'en', { numeric: true }));
}

export interface BatchWatcherOptions {
  /** How long a file's size must stay put before it counts as written (ms, default 500). */
  stabilityMs?: number;
  /** Files arriving within this window are reported together (ms, default 200). */
  debounceMs?: number;
  onError?: (e: unknown) => void;
}

/**
 * Calls back with batch files that were added or rewritten, once each has stopped growing
 * (chokidar awaitWriteFinish), so a batch copied in over several seconds is read whole.
 */
export class BatchWatcher {
  private readonly watchers: FSWatcher[] = [];
  private readonly pending = new Map<string, BatchFile>();
  private timer: NodeJS.Timeout | undefined;
  private readonly readyPromise: Promise<void>;
  private closed = false;

  constructor(targets: readonly BatchTarget[], onBatches: (files: BatchFile[]) => void, options: BatchWatcherOptions = {}) {
    const stability = options.stabilityMs ?? 500;
    const debounce = options.debounceMs ?? 200;
    const flush = (): void => {
      this.timer = undefined;
      const files = [...this.pending.values()].sort((a, b) => a.relative.localeCompare(b.relative, 'en', { numeric: true }));
      this.pending.clear();
      if (files.length && !this.closed) onBatches(files);
    };
    const ready: Promise<void>[] = [];
    for (const t of targets) {
      const excluded = new Set((t.exclude ?? []).map((f) => path.resolve(f)));
      const deep = t.pattern !== null && (t.pattern.includes('/') || t.pattern.includes('**'));
      const w = watch(t.dir, {
        ignoreInitial: true,
        depth: deep ? 8 : 0,
        awaitWriteFinish: { stabilityThreshold: stability, pollInterval: Math.max(20, Math.floor(stability / 5)) },
        ignored: (p: string) => path.basename(p).startsWith('.') && path.resolve(p) !== path.resolve(t.dir),
      });
      const seen = (file: string): void => {
        const abs = path.resolve(file);
        const rel = path.relative(t.dir, abs).split(path.sep).join('/');
        if (excluded.has(abs) || !isBatchPath(rel, t.pattern)) return;
        this.pending.set(`${t.dataset}\0${abs}`, { dataset: t.dataset, file: abs, relative: rel });
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(flush, debounce);
      };
      w.on('add', seen);
      w.on('change', seen);
      w.on('error', (e) => options.onError?.(e));
      ready.push(new Promise((resolve) => w.once('ready', () => resolve())));
      this.watchers.push(w);
    }
    this.readyPromise = Promise.all(ready).then(() => undefined);
  }

  /** Resolves once the initial scan is done (events before that are not reported). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.watchers.map((w) => w.close()));
  }
}
