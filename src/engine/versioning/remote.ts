/**
 * Remotes: where cache objects are pushed to and pulled from, in DVC's remote layout
 * (formats.md A.7: `files/md5/xx/rest`, legacy objects at the root). Only directories (local
 * paths, mounted shares) are supported so far. Every copy lands under a temp name, is checked
 * against its object id, and only then renamed into place, on either side.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MlopsError } from '../errors.ts';
import type { WorkspaceConfig } from '../config/config.ts';
import { DOS2UNIX_CHUNK, md5Dos2unixFile } from './hash.ts';
import type { HashAlgorithm } from './hash.ts';
import { readDvcConfig } from './layout.ts';

export interface TransferOptions {
  signal?: AbortSignal;
  /** Bytes copied so far for this object. */
  onBytes?: (n: number) => void;
}

export interface Remote {
  readonly name: string;
  readonly url: string;
  /** Object ids the remote holds in one layout. */
  list(algorithm: HashAlgorithm, signal?: AbortSignal): Promise<Set<string>>;
  has(oid: string, algorithm: HashAlgorithm): Promise<boolean>;
  /** Upload a local file as object `oid`; rejects (and stores nothing) when the bytes do not hash to it. */
  put(oid: string, algorithm: HashAlgorithm, source: string, options?: TransferOptions): Promise<void>;
  /** Download object `oid` to `dest` (which must not exist), verified the same way. */
  get(oid: string, algorithm: HashAlgorithm, dest: string, options?: TransferOptions): Promise<void>;
}

const OID = /^[0-9a-f]{32}(\.dir)?$/;

export function objectRelPath(oid: string, algorithm: HashAlgorithm): string {
  if (!OID.test(oid)) throw new MlopsError('format', `not an md5 object id: ${JSON.stringify(oid)}`);
  const prefix = algorithm === 'md5' ? 'files/md5/' : '';
  return `${prefix}${oid.slice(0, 2)}/${oid.slice(2)}`;
}

function corrupt(oid: string, where: string): MlopsError {
  return new MlopsError('integrity', `object ${oid} is corrupt: its content does not hash to its name`, {
    location: { file: where },
    hint: 'the copy was discarded; delete the damaged object at its source and push or add the data again',
  });
}

/**
 * Copy `src` to a new file `dest`, hashing on the way, then check the hash against `oid`.
 * Legacy (md5-dos2unix) file objects are re-read, accepting either dos2unix rule (A.8).
 */
export async function copyVerified(src: string, dest: string, oid: string, algorithm: HashAlgorithm, options: TransferOptions = {}): Promise<number> {
  const hash = createHash('md5');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onBytes?.(bytes);
      done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(src, { highWaterMark: 1 << 20 }), tap, createWriteStream(dest, { flags: 'wx' }), { signal: options.signal });
    const handle = await fs.open(dest, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const bare = oid.endsWith('.dir') ? oid.slice(0, -4) : oid;
    let ok = hash.digest('hex') === bare;
    if (!ok && algorithm !== 'md5' && !oid.endsWith('.dir')) {
      ok = (await md5Dos2unixFile(dest, 'per-file')) === bare || (bytes > DOS2UNIX_CHUNK && (await md5Dos2unixFile(dest, 'per-chunk')) === bare);
    }
    if (!ok) throw corrupt(oid, src);
    return bytes;
  } catch (e) {
    await fs.rm(dest, { force: true });
    throw e;
  }
}

/** A remote that is a directory on this machine (or a mounted share). */
export class LocalRemote implements Remote {
  readonly name: string;
  readonly url: string;
  readonly dir: string;

  constructor(name: string, dir: string) {
    this.name = name;
    this.url = dir;
    this.dir = path.resolve(dir);
  }

  private objectFile(oid: string, algorithm: HashAlgorithm): string {
    return path.join(this.dir, ...objectRelPath(oid, algorithm).split('/'));
  }

  async list(algorithm: HashAlgorithm, signal?: AbortSignal): Promise<Set<string>> {
    const root = algorithm === 'md5' ? path.join(this.dir, 'files', 'md5') : this.dir;
    const out = new Set<string>();
    const prefixes = await fs.readdir(root).catch(() => [] as string[]);
    for (const p of prefixes) {
      signal?.throwIfAborted();
      if (!/^[0-9a-f]{2}$/.test(p)) continue;
      for (const rest of await fs.readdir(path.join(root, p)).catch(() => [] as string[])) {
        if (OID.test(p + rest)) out.add(p + rest);
      }
    }
    return out;
  }

  async has(oid: string, algorithm: HashAlgorithm): Promise<boolean> {
    return fs.stat(this.objectFile(oid, algorithm)).then((s) => s.isFile(), () => false);
  }

  async put(oid: string, algorithm: HashAlgorithm, source: string, options: TransferOptions = {}): Promise<void> {
    const final = this.objectFile(oid, algorithm);
    await fs.mkdir(path.dirname(final), { recursive: true });
    const tmp = path.join(path.dirname(final), `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    await copyVerified(source, tmp, oid, algorithm, options);
    try {
      await fs.chmod(tmp, 0o444);
      if (!(await this.has(oid, algorithm))) await fs.rename(tmp, final);
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async get(oid: string, algorithm: HashAlgorithm, dest: string, options: TransferOptions = {}): Promise<void> {
    const src = this.objectFile(oid, algorithm);
    if (!(await this.has(oid, algorithm))) {
      throw new MlopsError('not-found', `object ${oid} is not on remote '${this.name}'`, { location: { file: src }, hint: 'push it from a machine that has it' });
    }
    await copyVerified(src, dest, oid, algorithm, options);
  }
}

/**
 * The remote called `name` (or the default): mlops.yaml `remotes:` first
 * (`{ default: shared, shared: { url: /mnt/share } }`), then DVC's `.dvc/config`.
 */
export function resolveRemote(root: string, config: WorkspaceConfig, name?: string): Remote {
  const known = new Map<string, { url: string; base: string; where: string }>();
  const dvc = readDvcConfig(root);
  for (const [section, values] of Object.entries(dvc)) {
    const m = /^remote\s+"(.+)"$/.exec(section);
    if (m && values['url']) known.set(m[1]!, { url: values['url'], base: path.join(root, '.dvc'), where: '.dvc/config' });
  }
  const fallbackDefault = dvc['core']?.['remote'];
  let defaultName: string | undefined;
  const section = config.sections.remotes;
  if (section && typeof section === 'object' && !Array.isArray(section)) {
    for (const [k, v] of Object.entries(section as Record<string, unknown>)) {
      if (k === 'default') {
        if (typeof v === 'string') defaultName = v;
        continue;
      }
      const url = typeof v === 'string' ? v : (v as { url?: unknown } | null)?.url;
      if (typeof url === 'string') known.set(k, { url, base: root, where: 'mlops.yaml' });
    }
  }
  const chosen = name ?? defaultName ?? fallbackDefault ?? (known.size === 1 ? [...known.keys()][0] : undefined);
  if (!chosen) {
    throw new MlopsError('config', known.size === 0 ? 'no remote is configured' : `several remotes are configured (${[...known.keys()].join(', ')}) and none is the default`, {
      location: { file: path.join(root, 'mlops.yaml') },
      hint: 'add to mlops.yaml:\nremotes:\n  default: shared\n  shared: { url: /path/to/shared/cache }',
    });
  }
  const r = known.get(chosen);
  if (!r) {
    throw new MlopsError('config', `unknown remote '${chosen}'`, { hint: known.size ? `known remotes: ${[...known.keys()].join(', ')}` : 'configure one under `remotes:` in mlops.yaml' });
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(r.url)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'file') {
    throw new MlopsError('config', `remote '${chosen}' uses ${scheme}://, which is not supported yet`, {
      location: { file: r.where },
      hint: 'use a local or mounted folder as the remote for now, or run `dvc push`/`dvc pull` for this one',
    });
  }
  const dir = scheme === 'file' ? decodeURIComponent(new URL(r.url).pathname) : path.resolve(r.base, r.url);
  return new LocalRemote(chosen, dir);
}
