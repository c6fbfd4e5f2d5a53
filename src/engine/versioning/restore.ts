/**
 * Checking versions out of the cache into the workspace. A file is replaced by one rename. A
 * folder is materialized beside its target (`.<name>.mlops-new`) and swapped in through
 * `.<name>.mlops-old`; those fixed names let the next run finish or undo a swap that a killed
 * process left half done. Content that exists only in the workspace is never overwritten
 * without `force`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import type { RestoreOptions, RestoreResult } from './api.ts';
import { hashPath } from './dirScan.ts';
import type { HashAlgorithm } from './hash.ts';
import { mapLimit } from './manifest.ts';
import { parsePointer } from './pointer.ts';
import { pointerEntries, readPointer } from './pointers.ts';
import type { TrackedEntry } from './pointers.ts';
import { parseLock } from '../pipeline/lock.ts';
import { entryAlgorithm } from './pointer.ts';
import type { Versioning } from './versioning.ts';

const OID = /^[0-9a-f]{32}(\.dir)?$/;

export interface CheckoutTarget {
  path: string;
  oid: string;
  algorithm: HashAlgorithm;
  isexec?: boolean;
  /** Pointer-tracked (or untracked) paths get their pointer rewritten; lock outputs do not. */
  source: 'pointer' | 'lock';
}

function stagingNames(abs: string): { neu: string; old: string } {
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  return { neu: path.join(dir, `.${base}.mlops-new`), old: path.join(dir, `.${base}.mlops-old`) };
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(() => true, () => false);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finish what a killed checkout left: a missing target with its old copy beside it is rolled
 * back (the pointer still names the old version); leftovers next to a present target go, and
 * so do temp copies of processes that no longer run.
 */
export async function recoverSwap(abs: string): Promise<void> {
  const { neu, old } = stagingNames(abs);
  if (!(await exists(abs)) && (await exists(old))) await fs.rename(old, abs);
  await fs.rm(neu, { recursive: true, force: true });
  await fs.rm(old, { recursive: true, force: true });
  // Temp copies of the target itself (file checkout) and of the staging folder (its build).
  await removeStaleTemps(abs, [path.basename(neu)]);
}

/** Remove `fsutil.tempSibling` leftovers of `abs` (and of `alsoFor` names beside it) whose writer is dead. */
export async function removeStaleTemps(abs: string, alsoFor: readonly string[] = []): Promise<void> {
  const names = new Set([path.basename(abs), ...alsoFor]);
  const siblings = await fs.readdir(path.dirname(abs)).catch(() => [] as string[]);
  for (const name of siblings) {
    const m = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
    if (m && names.has(m[1]!) && !alive(Number(m[2]))) await fs.rm(path.join(path.dirname(abs), name), { recursive: true, force: true });
  }
}

/** Objects a checkout needs that the cache lacks, as `path: oid` lines. */
export async function missingObjects(v: Versioning, targets: readonly CheckoutTarget[]): Promise<string[]> {
  const missing: string[] = [];
  for (const t of targets) {
    if (!(await v.cache.has(t.oid, t.algorithm))) {
      missing.push(`${t.path}: ${t.oid}`);
      continue;
    }
    if (!t.oid.endsWith('.dir')) continue;
    const entries = await v.cache.readManifest(t.oid, t.algorithm);
    const present = await mapLimit(entries, 32, (e) => v.cache.has(e.oid, t.algorithm));
    entries.forEach((e, i) => {
      if (!present[i]) missing.push(`${t.path}/${e.relpath}: ${e.oid}`);
    });
  }
  return missing;
}

function missingError(missing: string[]): MlopsError {
  const shown = missing.slice(0, 10).join('\n  ');
  return new MlopsError('not-found', `missing-cache: ${missing.length} object(s) are not in the cache:\n  ${shown}${missing.length > 10 ? `\n  … and ${missing.length - 10} more` : ''}`, {
    hint: 'fetch them with `mlops pull` (or `dvc pull`), then check out again',
  });
}

/** What overwriting `t.path` would destroy: workspace content that is not in the cache. */
export async function wouldLose(v: Versioning, t: CheckoutTarget): Promise<{ files: string[]; bytes: number } | undefined> {
  const cur = await hashPath(v.abs(t.path), v.state, 'md5', undefined, { entries: true });
  if (!cur) return undefined;
  const inCache = async (oid: string): Promise<boolean> => (await v.cache.has(oid, 'md5')) || (await v.cache.has(oid, 'md5-dos2unix'));
  if (cur.kind === 'file') return (await inCache(cur.oid)) ? undefined : { files: [t.path], bytes: cur.size };
  const entries = cur.info!.entries;
  const flags = await mapLimit(entries, 32, (e) => inCache(e.oid));
  const lost = entries.filter((_, i) => !flags[i]);
  if (lost.length === 0) return undefined;
  return { files: lost.map((e) => `${t.path}/${e.relpath}`), bytes: lost.reduce((n, e) => n + (e.size ?? 0), 0) };
}

function refusal(losses: Array<{ files: string[]; bytes: number }>): MlopsError {
  const files = losses.flatMap((l) => l.files);
  const bytes = losses.reduce((n, l) => n + l.bytes, 0);
  return new MlopsError('refused', `checking out would overwrite ${files.length} file(s) (${bytes} bytes) whose current content is not stored in the cache: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}`, {
    hint: 'version the current content first (`mlops add <path>`) so it can be restored later, or pass --force to discard it',
  });
}

/** Write one object to its workspace path; returns the number of files written. */
async function materialize(v: Versioning, t: CheckoutTarget): Promise<number> {
  const abs = v.abs(t.path);
  await recoverSwap(abs);
  const cur = await hashPath(abs, v.state, t.algorithm);
  if (cur && cur.oid === t.oid) return 0;
  if (!t.oid.endsWith('.dir')) {
    await v.cache.checkout(t.oid, abs, { algorithm: t.algorithm, isexec: t.isexec ?? false });
    v.state.forget(abs);
    return 1;
  }
  const { neu, old } = stagingNames(abs);
  await v.cache.checkout(t.oid, neu, { algorithm: t.algorithm });
  if (await exists(abs)) await fs.rename(abs, old);
  await fs.rename(neu, abs);
  await fs.rm(old, { recursive: true, force: true });
  v.state.forget(abs);
  return (await v.cache.readManifest(t.oid, t.algorithm)).length;
}

/** Size and file count of an object as a pointer records them. */
async function describe(v: Versioning, t: CheckoutTarget): Promise<{ size: number; nfiles?: number }> {
  if (!t.oid.endsWith('.dir')) return { size: (await fs.stat(v.cache.objectPath(t.oid, t.algorithm))).size };
  const entries = await v.cache.readManifest(t.oid, t.algorithm);
  const sizes = await mapLimit(entries, 32, async (e) => (await fs.stat(v.cache.objectPath(e.oid, t.algorithm))).size);
  return { size: sizes.reduce((a, b) => a + b, 0), nfiles: entries.length };
}

async function checkoutAll(v: Versioning, targets: CheckoutTarget[], options: RestoreOptions): Promise<RestoreResult[]> {
  const missing = await missingObjects(v, targets);
  if (missing.length > 0) throw missingError(missing);
  if (!options.force) {
    const losses = [];
    for (const t of targets) {
      options.signal?.throwIfAborted();
      const l = await wouldLose(v, t);
      if (l) losses.push(l);
    }
    if (losses.length > 0) throw refusal(losses);
  }
  const results: RestoreResult[] = [];
  for (const t of targets) {
    options.signal?.throwIfAborted();
    const written = await materialize(v, t);
    const meta = await describe(v, t);
    const content = { oid: t.oid, algorithm: t.algorithm, ...meta, ...(t.isexec ? { isexec: true } : {}) };
    if (t.source === 'pointer') {
      const pointerRel = v.pointerFor(t.path);
      await v.writeRecord(t.path, pointerRel, content, await readPointer(v.abs(pointerRel), pointerRel));
    }
    await v.recordVersion(t.path, content, 'restore');
    results.push({ path: t.path, hash: t.oid, written });
  }
  v.state.flush();
  return results;
}

/** Full object id for `hash` (a full id, or a unique prefix of one in the path's history). */
function resolveHash(v: Versioning, rel: string, hash: string): string {
  if (OID.test(hash)) return hash;
  const matches = [...new Set(v.records.history(rel).map((r) => r.hash).filter((h) => h.startsWith(hash)))];
  if (matches.length === 1) return matches[0]!;
  throw new MlopsError('not-found', matches.length === 0 ? `no version of ${rel} has a hash starting with ${JSON.stringify(hash)}` : `${JSON.stringify(hash)} matches ${matches.length} versions of ${rel}`, {
    hint: `list the versions with \`mlops log ${rel}\` and give more of the hash`,
  });
}

export async function restorePath(v: Versioning, rel: string, hash: string, options: RestoreOptions): Promise<RestoreResult> {
  const oid = resolveHash(v, rel, hash);
  const { entries } = await v.recordedEntries(options.signal);
  const recorded = entries.find((e) => e.path === rel);
  let algorithm: HashAlgorithm = recorded?.oid === oid ? recorded.algorithm : 'md5';
  if (!(await v.cache.has(oid, algorithm)) && (await v.cache.has(oid, algorithm === 'md5' ? 'md5-dos2unix' : 'md5'))) {
    algorithm = algorithm === 'md5' ? 'md5-dos2unix' : 'md5';
  }
  const target: CheckoutTarget = { path: rel, oid, algorithm, source: recorded?.source ?? 'pointer', ...(recorded?.oid === oid && recorded.isexec ? { isexec: true } : {}) };
  const [result] = await checkoutAll(v, [target], options);
  return result!;
}

/** Every pointer entry and dvc.lock output as recorded at git revision `rev`, checked out. */
export async function checkoutRevision(v: Versioning, rev: string, options: RestoreOptions & { paths?: readonly string[] }): Promise<RestoreResult[]> {
  const commit = await v.git.resolve(rev);
  const files = await v.git.files(commit);
  const entries: TrackedEntry[] = [];
  for (const f of files) {
    const base = path.posix.basename(f);
    if (f.endsWith('.dvc') && !f.split('/').includes('.dvc')) {
      entries.push(...pointerEntries(parsePointer(await v.git.show(commit, f), `${f}@${commit.slice(0, 8)}`), f));
    } else if (base === 'dvc.lock') {
      const lock = parseLock(await v.git.show(commit, f), `${f}@${commit.slice(0, 8)}`);
      const dir = path.posix.dirname(f);
      for (const [stage, s] of lock.stages) {
        for (const e of s.outs) {
          const oid = e.md5 ?? e.etag ?? e.checksum;
          if (!oid) continue;
          const p = path.posix.normalize(path.posix.join(dir, e.path));
          // Outputs kept in git (metrics) came back with the git checkout itself.
          if (files.includes(p)) continue;
          entries.push({ path: p, source: 'lock', recordFile: f, oid, algorithm: entryAlgorithm(e), stage, cached: true, ...(e.isexec ? { isexec: true } : {}) });
        }
      }
    }
  }
  const wanted = (p: string): boolean => !options.paths || options.paths.some((q) => p === q || p.startsWith(`${q}/`));
  const targets: CheckoutTarget[] = entries
    .filter((e) => e.oid && e.cached && wanted(e.path))
    .map((e) => ({ path: e.path, oid: e.oid!, algorithm: e.algorithm, source: e.source, ...(e.isexec ? { isexec: true } : {}) }));
  if (options.paths && targets.length === 0) {
    throw new MlopsError('not-found', `${options.paths.join(', ')} is not tracked at ${rev}`, { hint: `see \`git ls-tree -r ${rev}\` for the .dvc files of that revision` });
  }
  return checkoutAll(v, targets, options);
}

/** Check out recorded artifacts (all, or those at/under `paths`) as their pointer or dvc.lock says. */
export async function checkoutRecorded(v: Versioning, paths: readonly string[] | undefined, options: RestoreOptions): Promise<RestoreResult[]> {
  const { entries, problems } = await v.recordedEntries(options.signal);
  const wanted = (p: string): boolean => !paths || paths.some((q) => p === q || p.startsWith(`${q}/`));
  const targets: CheckoutTarget[] = entries
    .filter((e) => e.oid && e.cached && wanted(e.path))
    .map((e) => ({ path: e.path, oid: e.oid!, algorithm: e.algorithm, source: e.source, ...(e.isexec ? { isexec: true } : {}) }));
  if (paths && targets.length === 0) {
    const p = problems.find((x) => paths.some((q) => x.location?.file.startsWith(q)));
    throw p ?? new MlopsError('not-found', `${paths.join(', ')} is not tracked`, { hint: 'run `mlops status` to see what is tracked' });
  }
  return checkoutAll(v, targets, options);
}
