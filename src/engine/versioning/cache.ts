/**
 * The content-addressed object store (formats.md A.7), compatible with `.dvc/cache`:
 * DVC 3 objects (raw md5) under `files/md5/xx/rest`, legacy 2.x objects (md5-dos2unix)
 * under `xx/rest`. Objects are read-only (0444) and only ever appear complete: they are
 * written to a temp name inside the cache, re-hashed, then renamed into place.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { tempSibling } from '../fsutil.ts';
import { hashFile, md5Dos2unixFile, md5File, md5Hex, DOS2UNIX_CHUNK } from './hash.ts';
import type { Dos2unixRule, HashAlgorithm } from './hash.ts';
import { buildManifest, mapLimit, parseManifest } from './manifest.ts';
import type { BuildManifestOptions, DirInfo, FileHasher, ManifestEntry } from './manifest.ts';

const OID = /^[0-9a-f]{32}(\.dir)?$/;
const CACHE_MODE = 0o444;
/** Workspace copies are ordinary writable files, whatever the umask of the cache's creator was. */
const FILE_MODE = 0o644;
const EXEC_MODE = 0o755;

export type VerifyResult = 'ok' | 'missing' | 'corrupt';

export interface PutResult {
  oid: string;
  size: number;
  /** False when the object was already present. */
  added: boolean;
}

export interface PutOptions {
  algorithm?: HashAlgorithm;
  /** Expected hash (from a state cache or an earlier hash); the copy must match it. */
  oid?: string;
  dos2unixRule?: Dos2unixRule;
}

export interface CheckoutOptions {
  algorithm?: HashAlgorithm;
  /** Only for files: make the workspace copy executable. */
  isexec?: boolean;
  /** Re-hash each copy before it replaces the workspace path (slower, catches a corrupt cache). */
  verify?: boolean;
  concurrency?: number;
}

export interface PutDirOptions extends Omit<BuildManifestOptions, 'hashFile'> {
  /** Answers a file's hash without reading it (a state cache); the copy is still verified against it. */
  knownHash?: FileHasher;
}

export class ObjectCache {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Directory holding objects of one algorithm: DVC 3 and legacy objects never share a name. */
  layoutRoot(algorithm: HashAlgorithm = 'md5'): string {
    return algorithm === 'md5' ? path.join(this.root, 'files', 'md5') : this.root;
  }

  objectPath(oid: string, algorithm: HashAlgorithm = 'md5'): string {
    if (!OID.test(oid)) {
      throw new MlopsError('format', `not an md5 object id: ${JSON.stringify(oid)}`, {
        hint: 'expected 32 lowercase hex digits, optionally followed by .dir',
      });
    }
    return path.join(this.layoutRoot(algorithm), oid.slice(0, 2), oid.slice(2));
  }

  // One synchronous stat: a thread-pool round trip per object was most of checking a folder's objects.
  async has(oid: string, algorithm: HashAlgorithm = 'md5'): Promise<boolean> {
    try {
      return statSync(this.objectPath(oid, algorithm), { throwIfNoEntry: false })?.isFile() ?? false;
    } catch {
      return false;
    }
  }

  /** Re-hash an object and compare with its name. */
  async verify(oid: string, algorithm: HashAlgorithm = 'md5'): Promise<VerifyResult> {
    const file = this.objectPath(oid, algorithm);
    if (!(await this.has(oid, algorithm))) return 'missing';
    return (await contentMatches(file, oid, algorithm)) ? 'ok' : 'corrupt';
  }

  /** Copy a workspace file into the cache (reflink when the filesystem can, otherwise a copy). */
  async put(file: string, options: PutOptions = {}): Promise<PutResult> {
    const algorithm = options.algorithm ?? 'md5';
    if (options.oid !== undefined && (await this.has(options.oid, algorithm))) {
      return { oid: options.oid, size: (await fs.stat(file)).size, added: false };
    }
    const tmp = await this.tempName(algorithm);
    try {
      try {
        await fs.copyFile(file, tmp, constants.COPYFILE_FICLONE);
      } catch (e) {
        const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
        throw new MlopsError(missing ? 'not-found' : 'io', `cannot copy into the cache: ${(e as Error).message}`, {
          location: { file },
          hint: missing ? 'the file was moved or deleted; check the path' : 'check permissions and free space of the cache',
          cause: e,
        });
      }
      // Hash what landed in the cache, not what we meant to write.
      const { size } = await fs.stat(tmp);
      let oid: string;
      if (options.oid === undefined) {
        oid = await hashFile(tmp, algorithm, { dos2unixRule: options.dos2unixRule ?? 'per-file' });
      } else {
        if (!(await contentMatches(tmp, options.oid, algorithm))) {
          throw new MlopsError('integrity', `content does not match its recorded hash ${options.oid}`, {
            location: { file },
            hint: 'the file changed while it was being added; add it again',
          });
        }
        oid = options.oid;
      }
      const added = await this.publish(tmp, oid, algorithm);
      return { oid, size, added };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** Store a `.dir` manifest object from its exact bytes. */
  async putManifest(bytes: Uint8Array, algorithm: HashAlgorithm = 'md5'): Promise<{ oid: string; added: boolean }> {
    const oid = `${md5Hex(bytes)}.dir`;
    if (await this.has(oid, algorithm)) return { oid, added: false };
    const tmp = await this.tempName(algorithm);
    try {
      await fs.writeFile(tmp, bytes, { flag: 'wx' });
      if (!(await contentMatches(tmp, oid, algorithm))) {
        throw new MlopsError('integrity', 'manifest bytes changed while being written to the cache', {
          location: { file: tmp },
          hint: 'check the disk holding the cache for errors',
        });
      }
      return { oid, added: await this.publish(tmp, oid, algorithm) };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** Add every file of a directory and its manifest; the result is what the pointer records. */
  async putDir(dir: string, options: PutDirOptions = {}): Promise<DirInfo & { added: number }> {
    const algorithm = options.algorithm ?? 'md5';
    let added = 0;
    // One pass per file: the copy is hashed once, in the cache, and that hash is the manifest entry.
    const info = await buildManifest(dir, {
      ...options,
      hashFile: async (abs, relpath, stats) => {
        const oid = options.knownHash ? await options.knownHash(abs, relpath, stats) : undefined;
        const r = await this.put(abs, { algorithm, oid, dos2unixRule: options.dos2unixRule });
        if (r.size !== stats.size) {
          // The manifest records the walk's size; it must describe the bytes that were stored.
          throw new MlopsError('integrity', 'file changed while the directory was being added', {
            location: { file: abs },
            hint: 'wait for whatever writes to it to finish, then add the directory again',
          });
        }
        if (r.added) added++;
        return r.oid;
      },
    });
    const m = await this.putManifest(info.bytes, algorithm);
    if (m.oid !== info.oid) throw new Error(`manifest hash mismatch ${m.oid} != ${info.oid}`);
    return { ...info, added: added + (m.added ? 1 : 0) };
  }

  async readManifest(oid: string, algorithm: HashAlgorithm = 'md5'): Promise<ManifestEntry[]> {
    const file = this.objectPath(oid, algorithm);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (e) {
      throw missingObject(oid, file, e);
    }
    return parseManifest(bytes, file);
  }

  /**
   * Materialize an object at `target`, replacing what is there. Files appear by rename, so a
   * reader sees the old or the new file; a directory is built beside the target and swapped in.
   */
  async checkout(oid: string, target: string, options: CheckoutOptions = {}): Promise<void> {
    const algorithm = options.algorithm ?? 'md5';
    await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
    if (oid.endsWith('.dir')) await this.checkoutDir(oid, path.resolve(target), algorithm, options);
    else await this.checkoutFile(oid, path.resolve(target), algorithm, options);
  }

  private async checkoutFile(oid: string, target: string, algorithm: HashAlgorithm, options: CheckoutOptions): Promise<void> {
    const tmp = tempSibling(target);
    try {
      await this.copyOut(oid, tmp, algorithm, options.isexec ? EXEC_MODE : FILE_MODE, options.verify ?? false);
      await replacePath(tmp, target);
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  private async checkoutDir(oid: string, target: string, algorithm: HashAlgorithm, options: CheckoutOptions): Promise<void> {
    const entries = await this.readManifest(oid, algorithm);
    const tmpDir = tempSibling(target);
    await fs.mkdir(tmpDir);
    try {
      const made = new Set<string>();
      for (const e of entries) {
        const parent = path.posix.dirname(e.relpath);
        if (parent === '.' || made.has(parent)) continue;
        try {
          await fs.mkdir(path.join(tmpDir, ...parent.split('/')), { recursive: true });
        } catch (err) {
          throw new MlopsError('store-corrupt', `directory manifest has both a file and a folder at ${parent}`, {
            location: { file: this.objectPath(oid, algorithm) },
            hint: 'the manifest is damaged; fetch it again or re-add the directory',
            cause: err,
          });
        }
        made.add(parent);
      }
      const verify = options.verify ?? false;
      await mapLimit(entries, options.concurrency ?? 8, (e) =>
        this.copyOut(e.oid, path.join(tmpDir, ...e.relpath.split('/')), algorithm, FILE_MODE, verify),
      );
      await replacePath(tmpDir, target);
    } finally {
      await fs.rm(tmpDir, { recursive: true, force: true });
    }
  }

  private async copyOut(oid: string, dest: string, algorithm: HashAlgorithm, mode: number, verify: boolean): Promise<void> {
    const src = this.objectPath(oid, algorithm);
    try {
      await fs.copyFile(src, dest, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !(await this.has(oid, algorithm))) throw missingObject(oid, src, e);
      throw new MlopsError('io', `cannot copy cache object to the workspace: ${(e as Error).message}`, { location: { file: dest }, cause: e });
    }
    // The copy inherits the object's 0444; a workspace file must be editable.
    await fs.chmod(dest, mode);
    if (verify && !(await contentMatches(dest, oid, algorithm))) {
      throw new MlopsError('integrity', `cache object ${oid} is corrupt`, {
        location: { file: src },
        hint: 'delete the object and fetch it again from the remote (or re-add the data)',
      });
    }
  }

  private async tempName(algorithm: HashAlgorithm): Promise<string> {
    const dir = this.layoutRoot(algorithm);
    await fs.mkdir(dir, { recursive: true });
    return path.join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Rename a verified temp into place; false when another writer got there first. */
  private async publish(tmp: string, oid: string, algorithm: HashAlgorithm): Promise<boolean> {
    await fs.chmod(tmp, CACHE_MODE);
    // An object's name vouches for its content, so the bytes must be on disk before the name is.
    const handle = await fs.open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const final = this.objectPath(oid, algorithm);
    if (await this.has(oid, algorithm)) return false;
    await fs.mkdir(path.dirname(final), { recursive: true });
    try {
      await fs.rename(tmp, final);
    } catch (e) {
      // Windows refuses to rename over a read-only file; the object is there, which is all we need.
      if (await this.has(oid, algorithm)) return false;
      throw e;
    }
    return true;
  }
}

/**
 * Does `file` hash to `oid`? `.dir` objects are JSON text without CRLF, so raw md5 is right for
 * both layouts. Legacy files accept either dos2unix rule: DVC 2.x and dvc-data >= 1.0 wrote
 * objects under different rules and both are genuine.
 */
async function contentMatches(file: string, oid: string, algorithm: HashAlgorithm): Promise<boolean> {
  const bare = oid.endsWith('.dir') ? oid.slice(0, -4) : oid;
  if (algorithm === 'md5' || oid.endsWith('.dir')) return (await md5File(file)) === bare;
  if ((await md5Dos2unixFile(file, 'per-file')) === bare) return true;
  const { size } = await fs.stat(file);
  return size > DOS2UNIX_CHUNK && (await md5Dos2unixFile(file, 'per-chunk')) === bare;
}

function missingObject(oid: string, file: string, cause: unknown): MlopsError {
  return new MlopsError('not-found', `object ${oid} is not in the cache`, {
    location: { file },
    hint: 'fetch it from the remote (`mlops pull` / `dvc pull`), or re-add the data if you still have it',
    cause,
  });
}

/** Put `tmp` where `target` is. Files and links are replaced by one rename; a directory is swapped. */
async function replacePath(tmp: string, target: string): Promise<void> {
  try {
    await fs.rename(tmp, target);
    return;
  } catch (e) {
    // The kernel refuses to rename over a non-empty directory or across file/directory kinds.
    if (!['EISDIR', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  }
  // Two renames (no portable atomic exchange in Node): the window without `target` is tiny,
  // and the old tree is only deleted once the new one is in place.
  const old = tempSibling(target);
  await fs.rename(target, old);
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rename(old, target).catch(() => undefined);
    throw e;
  }
  await fs.rm(old, { recursive: true, force: true });
}
