/**
 * push / pull / remote status of every object the workspace refers to: each recorded file,
 * each folder's `.dir` manifest and the files it lists. Folder contents travel before their
 * manifest, so a manifest present on either side implies its entries are too.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import type { RemoteStatus, TransferProgress, TransferResult } from './api.ts';
import type { HashAlgorithm } from './hash.ts';
import { mapLimit, parseManifest } from './manifest.ts';
import { resolveRemote } from './remote.ts';
import type { Remote } from './remote.ts';
import type { Versioning } from './versioning.ts';

const CONCURRENCY = 4;

interface ObjectRef {
  oid: string;
  algorithm: HashAlgorithm;
}

type Options = { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void };

const key = (o: ObjectRef): string => `${o.algorithm}:${o.oid}`;

/**
 * Objects referenced by the workspace's pointers and dvc.lock. `manifest(o)` supplies a folder's
 * entries (from the local cache, or fetched first when pulling); undefined when unavailable.
 */
async function referenced(v: Versioning, manifest: (o: ObjectRef) => Promise<ObjectRef[] | undefined>, signal?: AbortSignal): Promise<{ files: ObjectRef[]; dirs: ObjectRef[]; unavailable: ObjectRef[] }> {
  const { entries } = await v.recordedEntries(signal);
  const files = new Map<string, ObjectRef>();
  const dirs = new Map<string, ObjectRef>();
  const unavailable: ObjectRef[] = [];
  for (const e of entries) {
    if (!e.oid || !e.cached) continue;
    const ref = { oid: e.oid, algorithm: e.algorithm };
    if (!e.oid.endsWith('.dir')) {
      files.set(key(ref), ref);
      continue;
    }
    if (dirs.has(key(ref))) continue;
    dirs.set(key(ref), ref);
    const list = await manifest(ref);
    if (!list) unavailable.push(ref);
    else for (const x of list) files.set(key(x), x);
  }
  return { files: [...files.values()], dirs: [...dirs.values()], unavailable };
}

async function localManifest(v: Versioning, o: ObjectRef): Promise<ObjectRef[] | undefined> {
  if (!(await v.cache.has(o.oid, o.algorithm))) return undefined;
  return (await v.cache.readManifest(o.oid, o.algorithm)).map((e) => ({ oid: e.oid, algorithm: o.algorithm }));
}

function describe(e: unknown): string {
  return e instanceof MlopsError ? e.message : (e as Error)?.message ?? String(e);
}

/** Run `move` over objects (files first, manifests last), counting and reporting progress. */
async function run(objects: ObjectRef[][], options: Options, move: (o: ObjectRef, onBytes: (n: number) => void) => Promise<'done' | 'skipped'>): Promise<TransferResult> {
  const result: TransferResult = { transferred: 0, skipped: 0, failed: [], bytes: 0 };
  const total = objects.reduce((n, g) => n + g.length, 0);
  let done = 0;
  for (const group of objects) {
    await mapLimit(group, CONCURRENCY, async (o) => {
      options.signal?.throwIfAborted();
      let moved = 0;
      try {
        const r = await move(o, (n) => {
          moved = n;
        });
        if (r === 'done') {
          result.transferred++;
          result.bytes += moved;
        } else result.skipped++;
      } catch (e) {
        if (options.signal?.aborted) throw e;
        result.failed.push({ oid: o.oid, error: describe(e) });
      }
      done++;
      options.onProgress?.({ done, total, bytes: result.bytes, current: o.oid });
    });
  }
  return result;
}

export async function push(v: Versioning, name: string | undefined, options: Options): Promise<TransferResult> {
  const remote = resolveRemote(v.root, v.config, name);
  const refs = await referenced(v, (o) => localManifest(v, o), options.signal);
  const result = await run([refs.files, refs.dirs], options, async (o, onBytes) => {
    if (await remote.has(o.oid, o.algorithm)) return 'skipped';
    if (!(await v.cache.has(o.oid, o.algorithm))) throw new MlopsError('not-found', `object ${o.oid} is not in the local cache`, { hint: 'add the data again, or pull it from where it was pushed' });
    await remote.put(o.oid, o.algorithm, v.cache.objectPath(o.oid, o.algorithm), { signal: options.signal, onBytes });
    return 'done';
  });
  for (const u of refs.unavailable) result.failed.push({ oid: u.oid, error: 'folder manifest is not in the local cache' });
  return result;
}

/** Fetch one object into the local cache: temp name inside the cache, verified, then renamed. */
async function fetchObject(v: Versioning, remote: Remote, o: ObjectRef, options: { signal?: AbortSignal; onBytes?: (n: number) => void }): Promise<'done' | 'skipped'> {
  if (await v.cache.has(o.oid, o.algorithm)) return 'skipped';
  const root = v.cache.layoutRoot(o.algorithm);
  await fs.mkdir(root, { recursive: true });
  const tmp = path.join(root, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await remote.get(o.oid, o.algorithm, tmp, options);
    await fs.chmod(tmp, 0o444);
    const final = v.cache.objectPath(o.oid, o.algorithm);
    await fs.mkdir(path.dirname(final), { recursive: true });
    if (!(await v.cache.has(o.oid, o.algorithm))) await fs.rename(tmp, final);
    return 'done';
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

export async function pull(v: Versioning, name: string | undefined, options: Options): Promise<TransferResult> {
  const remote = resolveRemote(v.root, v.config, name);
  const manifestFailures: Array<{ oid: string; error: string }> = [];
  let manifestsFetched = 0;
  const refs = await referenced(v, async (o) => {
    try {
      if ((await fetchObject(v, remote, o, { signal: options.signal })) === 'done') manifestsFetched++;
    } catch (e) {
      if (options.signal?.aborted) throw e;
      manifestFailures.push({ oid: o.oid, error: describe(e) });
      return undefined;
    }
    return localManifest(v, o);
  }, options.signal);
  const result = await run([refs.files], options, (o, onBytes) => fetchObject(v, remote, o, { signal: options.signal, onBytes }));
  result.transferred += manifestsFetched;
  result.failed.push(...manifestFailures);
  await checkoutMissing(v, options.signal);
  return result;
}

/** Like `dvc pull`: recorded paths absent from the workspace are checked out once complete. */
async function checkoutMissing(v: Versioning, signal?: AbortSignal): Promise<void> {
  const { entries } = await v.recordedEntries(signal);
  for (const e of entries) {
    if (!e.oid || !e.cached) continue;
    if (await fs.lstat(v.abs(e.path)).then(() => true, () => false)) continue;
    if (!(await v.hasComplete(e.oid, e.algorithm))) continue;
    await v.cache.checkout(e.oid, v.abs(e.path), { algorithm: e.algorithm, isexec: e.isexec ?? false });
  }
}

export async function remoteStatus(v: Versioning, name: string | undefined): Promise<RemoteStatus> {
  const remote = resolveRemote(v.root, v.config, name);
  const [remoteMd5, remoteLegacy] = await Promise.all([remote.list('md5'), remote.list('md5-dos2unix')]);
  const onRemote = (o: ObjectRef): boolean => (o.algorithm === 'md5' ? remoteMd5 : remoteLegacy).has(o.oid);
  const refs = await referenced(v, async (o) => (await localManifest(v, o)) ?? (onRemote(o) ? await remoteManifest(remote, o) : undefined));
  let missingOnRemote = 0;
  let missingLocally = 0;
  let inSync = 0;
  for (const o of [...refs.files, ...refs.dirs]) {
    const local = await v.cache.has(o.oid, o.algorithm);
    const there = onRemote(o);
    if (!there) missingOnRemote++;
    if (!local) missingLocally++;
    if (local && there) inSync++;
  }
  return { remote: remote.name, url: remote.url, missingOnRemote, missingLocally, inSync };
}

/** A manifest read straight from the remote (status only; nothing is written locally). */
async function remoteManifest(remote: Remote, o: ObjectRef): Promise<ObjectRef[] | undefined> {
  const tmp = path.join(os.tmpdir(), `mlops-manifest-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await remote.get(o.oid, o.algorithm, tmp);
    return parseManifest(await fs.readFile(tmp), tmp).map((e) => ({ oid: e.oid, algorithm: o.algorithm }));
  } catch {
    return undefined;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
