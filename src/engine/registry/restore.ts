/**
 * Putting a registered version's artifact back into the workspace. The content is in the cache
 * (registration put it there); when this machine's cache lacks it, the objects are pulled from a
 * versioning remote first (only this version's objects, each verified against its id). A target
 * that a pointer or dvc.lock records goes through the versioning engine, so its record and
 * history stay consistent; any other target is written directly and gets no pointer.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { resolveRemote } from '../versioning/remote.ts';
import type { Remote } from '../versioning/remote.ts';
import { resolveTarget } from '../versioning/layout.ts';
import { recoverSwap, wouldLose } from '../versioning/restore.ts';
import type { Versioning } from '../versioning/versioning.ts';
import type { TransferResult } from '../versioning/api.ts';
import type { ModelVersion, RestoreArtifactOptions, RestoreArtifactResult } from './api.ts';

const ALGORITHM = 'md5' as const;

async function fetchObject(v: Versioning, remote: Remote, oid: string, signal?: AbortSignal): Promise<boolean> {
  if (await v.cache.has(oid, ALGORITHM)) return false;
  if (!(await remote.has(oid, ALGORITHM))) {
    throw new MlopsError('not-found', `remote '${remote.name}' (${remote.url}) does not have object ${oid} either`, {
      hint: 'push it from a machine that has it (mlops push), or register the model again from its files',
    });
  }
  const root = v.cache.layoutRoot(ALGORITHM);
  await fs.mkdir(root, { recursive: true });
  const tmp = path.join(root, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await remote.get(oid, ALGORITHM, tmp, signal ? { signal } : {});
    await fs.chmod(tmp, 0o444);
    const final = v.cache.objectPath(oid, ALGORITHM);
    await fs.mkdir(path.dirname(final), { recursive: true });
    if (!(await v.cache.has(oid, ALGORITHM))) await fs.rename(tmp, final);
    return true;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Fetch a version's objects (a folder's manifest first, then its files). Returns objects fetched. */
export async function pullVersion(v: Versioning, hash: string, remoteName: string | undefined, signal?: AbortSignal): Promise<number> {
  const remote = resolveRemote(v.root, v.config, remoteName);
  let pulled = Number(await fetchObject(v, remote, hash, signal));
  if (hash.endsWith('.dir')) {
    for (const e of await v.cache.readManifest(hash, ALGORITHM)) {
      signal?.throwIfAborted();
      if (await fetchObject(v, remote, e.oid, signal)) pulled++;
    }
  }
  return pulled;
}

export function missingContent(version: ModelVersion): MlopsError {
  return new MlopsError('not-found', `the content of ${version.model} v${version.version} (${version.artifactPath}, ${version.hash}) is not in the local cache`, {
    hint: `pull it from a remote: 'mlops models restore ${version.model} ${version.version} --pull' (or 'mlops pull' for everything the workspace records)`,
  });
}

export async function restoreArtifact(v: Versioning, version: ModelVersion, options: RestoreArtifactOptions): Promise<RestoreArtifactResult> {
  const { abs, rel } = resolveTarget(v.root, options.target ?? version.artifactPath);
  let pulled = 0;
  if (!(await v.hasComplete(version.hash, ALGORITHM))) {
    if (!options.pull) throw missingContent(version);
    pulled = await pullVersion(v, version.hash, typeof options.pull === 'string' ? options.pull : undefined, options.signal);
    if (!(await v.hasComplete(version.hash, ALGORITHM))) throw missingContent(version);
  }
  const { entries } = await v.recordedEntries(options.signal);
  if (entries.some((e) => e.path === rel)) {
    const r = await v.restore(rel, version.hash, { ...(options.force ? { force: true } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    return { ...r, pulled };
  }
  // Not recorded anywhere: write it without creating a pointer, never destroying uncached content.
  await recoverSwap(abs);
  if (!options.force) {
    const loss = await wouldLose(v, { path: rel, oid: version.hash, algorithm: ALGORITHM, source: 'pointer' });
    if (loss) {
      throw new MlopsError('refused', `restoring would overwrite ${loss.files.length} file(s) at ${rel} whose content is not in the cache`, {
        hint: 'version them first (mlops add), restore to another place (--to), or pass --force to discard them',
      });
    }
  }
  await fs.mkdir(path.dirname(abs), { recursive: true });
  if (!version.hash.endsWith('.dir')) {
    await v.cache.checkout(version.hash, abs, { algorithm: ALGORITHM });
    v.state.forget(abs);
    return { path: rel, hash: version.hash, written: 1, pulled };
  }
  const neu = path.join(path.dirname(abs), `.${path.basename(abs)}.mlops-new`);
  const old = path.join(path.dirname(abs), `.${path.basename(abs)}.mlops-old`);
  await fs.rm(neu, { recursive: true, force: true });
  await v.cache.checkout(version.hash, neu, { algorithm: ALGORITHM });
  if (await fs.lstat(abs).then(() => true, () => false)) await fs.rename(abs, old);
  await fs.rename(neu, abs);
  await fs.rm(old, { recursive: true, force: true });
  v.state.forget(abs);
  return { path: rel, hash: version.hash, written: (await v.cache.readManifest(version.hash, ALGORITHM)).length, pulled };
}

/**
 * Upload registered versions' objects to a remote. `mlops push` sends what the workspace records
 * now; older registered versions are only referenced by the registry, so they travel here.
 */
export async function pushVersions(v: Versioning, hashes: readonly string[], remoteName: string | undefined, signal?: AbortSignal): Promise<TransferResult> {
  const remote = resolveRemote(v.root, v.config, remoteName);
  const result: TransferResult = { transferred: 0, skipped: 0, failed: [], bytes: 0 };
  const put = async (oid: string): Promise<void> => {
    signal?.throwIfAborted();
    try {
      if (await remote.has(oid, ALGORITHM)) {
        result.skipped++;
        return;
      }
      if (!(await v.cache.has(oid, ALGORITHM))) throw new MlopsError('not-found', `object ${oid} is not in the local cache`);
      const file = v.cache.objectPath(oid, ALGORITHM);
      await remote.put(oid, ALGORITHM, file, signal ? { signal } : {});
      result.transferred++;
      result.bytes += (await fs.stat(file)).size;
    } catch (e) {
      if (signal?.aborted) throw e;
      result.failed.push({ oid, error: (e as Error).message });
    }
  };
  for (const hash of new Set(hashes)) {
    // Folder contents first, the manifest last: a manifest on the remote implies its files are there.
    if (hash.endsWith('.dir') && (await v.cache.has(hash, ALGORITHM))) {
      for (const e of await v.cache.readManifest(hash, ALGORITHM)) await put(e.oid);
    }
    await put(hash);
  }
  return result;
}
