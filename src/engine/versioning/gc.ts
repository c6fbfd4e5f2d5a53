/**
 * Garbage collection of the object cache. Kept: every object a version row, a pointer file or
 * dvc.lock names (in the workspace or in any git commit), plus the entries of those folder
 * manifests (in either layout: a name vouches for content whichever algorithm made it). Removed: everything else, and temp files of copies
 * that were killed more than an hour ago. Manifests go before files, so a manifest left by an
 * interrupted gc still has its entries.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import type { GcResult } from './api.ts';
import type { HashAlgorithm } from './hash.ts';
import type { Versioning } from './versioning.ts';
import { parseLock } from '../pipeline/lock.ts';
import { entryChecksum, parsePointer } from './pointer.ts';

const OID = /^[0-9a-f]{32}(\.dir)?$/;
const TEMP = /^\.tmp-\d+-[0-9a-f]+$/;
const STALE_TEMP_MS = 60 * 60 * 1000;

interface Found {
  oid: string;
  file: string;
  size: number;
  temp: boolean;
}

async function listLayout(root: string, now: number): Promise<Found[]> {
  const out: Found[] = [];
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const visit = async (dir: string, name: string, prefix: string): Promise<void> => {
    const file = path.join(dir, name);
    const st = await fs.lstat(file).catch(() => undefined);
    if (!st?.isFile()) return;
    if (OID.test(prefix + name)) out.push({ oid: prefix + name, file, size: st.size, temp: false });
    else if (TEMP.test(name) && now - st.mtimeMs > STALE_TEMP_MS) out.push({ oid: name, file, size: st.size, temp: true });
  };
  for (const n of names) {
    if (/^[0-9a-f]{2}$/.test(n)) {
      const sub = path.join(root, n);
      for (const m of await fs.readdir(sub).catch(() => [] as string[])) await visit(sub, m, n);
    } else if (TEMP.test(n)) {
      await visit(root, n, '');
    }
  }
  return out;
}

async function manifestEntries(v: Versioning, oid: string): Promise<string[]> {
  for (const algorithm of ['md5', 'md5-dos2unix'] as HashAlgorithm[]) {
    if (await v.cache.has(oid, algorithm)) return (await v.cache.readManifest(oid, algorithm)).map((e) => e.oid);
  }
  return [];
}

/** Object ids a pointer or lock file text names; unreadable old files name nothing. */
function recordedOids(file: string, text: string): string[] {
  try {
    if (path.posix.basename(file) === 'dvc.lock') {
      return [...parseLock(text, file).stages.values()].flatMap((s) => [...s.outs, ...s.deps]).map((e) => e.md5 ?? e.etag ?? e.checksum).filter((x): x is string => !!x);
    }
    return parsePointer(text, file).pointer.outs.map((o) => entryChecksum(o)?.value).filter((x): x is string => !!x);
  } catch {
    return [];
  }
}

export async function gc(v: Versioning, options: { dryRun: boolean }): Promise<GcResult> {
  const { entries, problems } = await v.recordedEntries();
  if (problems.length > 0) {
    throw new MlopsError('refused', `gc stopped: ${problems.length} pointer or lock file(s) could not be read, so what they reference is unknown`, {
      location: problems[0]!.location,
      hint: `fix ${problems.map((p) => p.location?.file).filter(Boolean).join(', ')} first (${problems[0]!.describe()})`,
    });
  }
  const keep = v.records.allHashes();
  for (const e of entries) if (e.oid) keep.add(e.oid);
  // The cache may be DVC's, shared with every branch: what any commit records stays restorable.
  for (const r of await v.git.historicRecords()) for (const oid of recordedOids(r.path, r.text)) keep.add(oid);
  for (const oid of [...keep]) {
    if (oid.endsWith('.dir')) for (const x of await manifestEntries(v, oid)) keep.add(x);
  }
  const now = Date.now();
  const found = [
    ...(await listLayout(v.cache.layoutRoot('md5'), now)),
    ...(await listLayout(v.cache.layoutRoot('md5-dos2unix'), now)),
  ];
  const doomed = found.filter((f) => f.temp || !keep.has(f.oid));
  doomed.sort((a, b) => Number(b.oid.endsWith('.dir')) - Number(a.oid.endsWith('.dir')));
  const result: GcResult = { dryRun: options.dryRun, removed: [], kept: found.filter((f) => !f.temp).length - doomed.filter((f) => !f.temp).length, bytes: 0 };
  for (const f of doomed) {
    if (!options.dryRun) await fs.rm(f.file, { force: true });
    result.removed.push({ oid: f.oid, size: f.size });
    result.bytes += f.size;
  }
  if (!options.dryRun) {
    for (const root of new Set(doomed.map((f) => path.dirname(f.file)))) {
      // Only empty two-hex prefix folders go; rmdir refuses anything else.
      if (/^[0-9a-f]{2}$/.test(path.basename(root))) await fs.rmdir(root).catch(() => undefined);
    }
    await v.state.prune();
  }
  return result;
}
