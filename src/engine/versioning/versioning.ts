/**
 * The versioning engine behind the extension and the CLI (contract: api.ts). Content goes to a
 * DVC 3 object cache (`.dvc/cache` in a DVC repository, so both tools share it), state goes to
 * `.dvc` pointers and `.gitignore` lines git can version, and history goes to the store.
 */
import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import type { WorkspaceConfig } from '../config/config.ts';
import type { Store } from '../store/store.ts';
import type {
  AddResult, Artifact, CompareResult, GcResult, ListResult, RemoteStatus, RestoreOptions, RestoreResult, Revision,
  TransferProgress, TransferResult, VersionOrigin, VersionRecord, VersioningApi,
} from './api.ts';
import { ObjectCache } from './cache.ts';
import { hashPath } from './dirScan.ts';
import { GitInfo } from './gitInfo.ts';
import { addIgnore, removeIgnore } from './gitignore.ts';
import type { HashAlgorithm } from './hash.ts';
import { ingestDir, ingestFile } from './ingest.ts';
import { IgnoreMatcher, META_FILES, SKIP_DIRS, isTempName, isWithin, relOf, resolveCacheDir, resolveTarget } from './layout.ts';
import { mapLimit } from './manifest.ts';
import { PipelineOuts } from './pipelineOuts.ts';
import type { LockOut } from './pipelineOuts.ts';
import { serializePointer } from './pointer.ts';
import { readPointer, scanPointers, updatedPointer } from './pointers.ts';
import type { RecordedContent, TrackedEntry } from './pointers.ts';
import { Records } from './records.ts';
import { checkoutRecorded, checkoutRevision, recoverSwap, removeStaleTemps, restorePath } from './restore.ts';
import { compareVersions } from './compareVersions.ts';
import { gc } from './gc.ts';
import { pull, push, remoteStatus } from './transfer.ts';
import { StateCache } from './stateCache.ts';
import { writeFileAtomic } from '../fsutil.ts';

export interface VersioningDeps {
  store: Store;
  config: WorkspaceConfig;
  /** Who records versions; defaults to git's user.email. */
  actor?: string;
}

const STATUS_CONCURRENCY = 4;
/** A burst of adds (the watcher reporting several units) shares one walk for pointer files. */
const RESCAN_MS = 2000;

export function lockEntry(o: LockOut): TrackedEntry {
  return {
    path: o.path, source: 'lock', recordFile: o.lockFile, algorithm: o.algorithm, stage: o.stage, cached: o.cached,
    ...(o.oid ? { oid: o.oid } : {}), ...(o.size !== undefined ? { size: o.size } : {}),
    ...(o.nfiles !== undefined ? { nfiles: o.nfiles } : {}), ...(o.isexec ? { isexec: true } : {}),
  };
}

export class Versioning implements VersioningApi {
  readonly root: string;
  readonly cacheDir: string;
  readonly cache: ObjectCache;
  readonly state: StateCache;
  readonly records: Records;
  readonly git: GitInfo;
  readonly pipeline: PipelineOuts;
  readonly ignore: IgnoreMatcher;
  readonly config: WorkspaceConfig;
  private readonly actorOverride: string | undefined;
  /** Pointer-tracked paths → their pointer file, known synchronously for unitFor. */
  private readonly tracked = new Map<string, string>();
  private scannedAt = 0;

  constructor(root: string, deps: VersioningDeps) {
    this.root = path.resolve(root);
    this.cacheDir = resolveCacheDir(this.root);
    this.cache = new ObjectCache(this.cacheDir);
    this.state = new StateCache(deps.store);
    this.records = new Records(deps.store);
    this.git = new GitInfo(this.root);
    this.pipeline = new PipelineOuts(this.root);
    this.ignore = new IgnoreMatcher(deps.config.track.ignore);
    this.config = deps.config;
    this.actorOverride = deps.actor;
    for (const a of this.records.artifacts()) if (a.untrackedAt === null && a.pointer) this.tracked.set(a.path, a.pointer);
  }

  abs(rel: string): string {
    return path.join(this.root, ...rel.split('/'));
  }

  /** Every pointer entry and lock output currently recorded in the workspace. */
  async recordedEntries(signal?: AbortSignal): Promise<{ entries: TrackedEntry[]; problems: MlopsError[] }> {
    const scan = await scanPointers(this.root, this.ignore, (rel) => this.pipeline.isOutputOrInside(rel), signal);
    for (const d of scan.pipelineDirs) this.pipeline.addDir(d);
    const lock = this.pipeline.lockOuts();
    this.tracked.clear();
    for (const e of scan.entries) this.tracked.set(e.path, e.recordFile);
    this.scannedAt = Date.now();
    return { entries: [...scan.entries, ...lock.outs.map(lockEntry)], problems: [...scan.problems, ...lock.problems] };
  }

  async list(options: { signal?: AbortSignal } = {}): Promise<ListResult> {
    const { entries, problems } = await this.recordedEntries(options.signal);
    const summaries = this.records.summaries();
    const artifacts = await mapLimit(entries, STATUS_CONCURRENCY, async (e) => {
      try {
        return await this.artifactOf(e, summaries.get(e.path), options.signal);
      } catch (err) {
        if (!(err instanceof MlopsError)) throw err;
        problems.push(err);
        return this.artifactFrom(e, 'modified', e.oid?.endsWith('.dir') ? 'dir' : 'file', summaries.get(e.path));
      }
    });
    this.state.flush();
    return { artifacts, problems };
  }

  private artifactFrom(e: TrackedEntry, status: Artifact['status'], kind: 'file' | 'dir', summary?: { count: number; last: VersionRecord }): Artifact {
    return {
      path: e.path, kind, source: e.source, recordFile: e.recordFile, algorithm: e.algorithm, status,
      ...(e.oid ? { hash: e.oid } : {}), ...(e.size !== undefined ? { size: e.size } : {}),
      ...(e.nfiles !== undefined ? { nfiles: e.nfiles } : {}), ...(e.stage ? { stage: e.stage } : {}),
      ...(summary ? { lastVersion: summary.last } : {}), versionCount: summary?.count ?? 0,
    };
  }

  /** Status: compare the workspace (stat-only when the state cache knows the files) with the record. */
  async artifactOf(e: TrackedEntry, summary?: { count: number; last: VersionRecord }, signal?: AbortSignal): Promise<Artifact> {
    const cur = await hashPath(this.abs(e.path), this.state, e.algorithm, signal);
    const kind = cur?.kind ?? (e.oid?.endsWith('.dir') ? 'dir' : 'file');
    let status: Artifact['status'];
    if (!e.oid) status = cur ? 'modified' : 'missing-workspace';
    else if (!cur) status = e.cached && !(await this.hasComplete(e.oid, e.algorithm)) ? 'missing-cache' : 'missing-workspace';
    else if (cur.oid !== e.oid) status = 'modified';
    else status = e.cached && !(await this.cache.has(e.oid, e.algorithm)) ? 'missing-cache' : 'up-to-date';
    return this.artifactFrom(e, status, kind, summary);
  }

  /** The object and, for a folder, every entry it lists. */
  async hasComplete(oid: string, algorithm: HashAlgorithm): Promise<boolean> {
    if (!(await this.cache.has(oid, algorithm))) return false;
    if (!oid.endsWith('.dir')) return true;
    const entries = await this.cache.readManifest(oid, algorithm);
    const present = await mapLimit(entries, 32, (x) => this.cache.has(x.oid, algorithm));
    return present.every(Boolean);
  }

  revisions(limit = 50): Promise<Revision[]> {
    return this.git.log(limit);
  }

  /** Pointer file recording `rel`: a known one, else `<rel>.dvc`. */
  pointerFor(rel: string): string {
    return this.tracked.get(rel) ?? `${rel}.dvc`;
  }

  private refuseOverlaps(rel: string): void {
    const owner = this.pipeline.ownerOf(rel);
    if (owner) {
      throw new MlopsError('refused', `${rel} is ${owner.out === rel ? 'an output' : owner.out.startsWith(`${rel}/`) ? 'a folder containing the output ' + owner.out : 'inside the output ' + owner.out} of pipeline stage '${owner.stage}'`, {
        location: { file: this.abs(rel) },
        hint: 'pipeline outputs are versioned in dvc.lock when the stage runs (mlops repro); DVC forbids tracking them with a .dvc file too',
      });
    }
    for (const other of this.tracked.keys()) {
      if (other !== rel && (isWithin(other, rel) || isWithin(rel, other))) {
        throw new MlopsError('refused', `${rel} overlaps ${other}, which is already tracked by ${this.tracked.get(other)}`, {
          location: { file: this.abs(rel) },
          hint: `version ${other} as a whole, or stop tracking it first (mlops untrack ${other})`,
        });
      }
    }
  }

  async add(p: string, origin: VersionOrigin, options: { signal?: AbortSignal } = {}): Promise<AddResult> {
    const { abs, rel } = resolveTarget(this.root, p);
    // A checkout killed mid-swap must be undone before its leftovers could be taken for data.
    await recoverSwap(abs);
    const st = await fs.stat(abs).catch(() => undefined);
    if (!st || !(st.isFile() || st.isDirectory())) {
      throw new MlopsError('not-found', `nothing to version at ${rel}`, { location: { file: abs }, hint: 'check the path; only files and folders can be versioned' });
    }
    // Pointers written by git or another process since the last walk must count for overlaps.
    if (Date.now() - this.scannedAt > RESCAN_MS) await this.recordedEntries(options.signal);
    this.refuseOverlaps(rel);
    const pointerRel = this.pointerFor(rel);
    const pointerAbs = this.abs(pointerRel);
    const previous = await readPointer(pointerAbs, pointerRel);
    if (previous?.pointer.deps?.length) {
      throw new MlopsError('refused', `${rel} was imported (${pointerRel} has deps)`, { location: { file: pointerRel }, hint: 'update imports with `dvc update`' });
    }
    let content: RecordedContent;
    if (st.isDirectory()) {
      const info = await ingestDir(this.cache, abs, this.state, options.signal);
      content = { oid: info.oid, algorithm: 'md5', size: info.size, nfiles: info.nfiles };
    } else {
      const known = this.state.get(abs, st);
      const r = await ingestFile(this.cache, abs, { knownOid: known, signal: options.signal });
      if (known === undefined && r.stats) this.state.set(abs, r.stats, r.oid);
      this.state.flush();
      content = { oid: r.oid, algorithm: 'md5', size: r.size, ...(process.platform !== 'win32' && st.mode & 0o111 ? { isexec: true } : {}) };
    }
    await this.writeRecord(rel, pointerRel, content, previous);
    const version = await this.recordVersion(rel, content, origin);
    const summary = { count: this.records.history(rel).length, last: version.record };
    const entry: TrackedEntry = { path: rel, source: 'pointer', recordFile: pointerRel, cached: true, ...content };
    return { artifact: this.artifactFrom(entry, 'up-to-date', st.isDirectory() ? 'dir' : 'file', summary), version: version.record, changed: version.changed };
  }

  /** Pointer, .gitignore line and artifact row for content now in the cache. */
  async writeRecord(rel: string, pointerRel: string, content: RecordedContent, previous?: Awaited<ReturnType<typeof readPointer>>): Promise<void> {
    const pointerAbs = this.abs(pointerRel);
    const outPath = path.posix.relative(path.posix.dirname(pointerRel), rel);
    const next = updatedPointer(previous?.pointer, outPath, content);
    const text = serializePointer(next, previous);
    // Temps of a write that was killed would show up in `git status`.
    await removeStaleTemps(pointerAbs);
    await removeStaleTemps(path.join(path.dirname(this.abs(rel)), '.gitignore'));
    if (text !== previous?.text) await writeFileAtomic(pointerAbs, text);
    await addIgnore(this.abs(rel));
    this.records.upsertArtifact(rel, content.oid.endsWith('.dir') ? 'dir' : 'file', pointerRel);
    this.tracked.set(rel, pointerRel);
  }

  /** A version row, unless the content equals the latest one already recorded. */
  async recordVersion(rel: string, content: RecordedContent, origin: VersionOrigin): Promise<{ record: VersionRecord; changed: boolean }> {
    const last = this.records.lastVersion(rel);
    if (last && last.hash === content.oid) return { record: last, changed: false };
    const head = await this.git.head();
    const actor = this.actorOverride ?? (await this.git.actor());
    const record = this.records.insertVersion({
      path: rel, hash: content.oid, size: content.size, nfiles: content.nfiles ?? null, origin,
      gitCommit: head.commit, gitDirty: head.dirty, actor,
    });
    return { record, changed: true };
  }

  async untrack(p: string): Promise<void> {
    const rel = relOf(this.root, p);
    if (Date.now() - this.scannedAt > RESCAN_MS) await this.recordedEntries();
    const pointerRel = this.pointerFor(rel);
    const previous = await readPointer(this.abs(pointerRel), pointerRel);
    const outPath = path.posix.relative(path.posix.dirname(pointerRel), rel);
    const remaining = previous?.pointer.outs.filter((o) => path.posix.normalize(o.path) !== outPath);
    if (!previous || remaining!.length === previous.pointer.outs.length) {
      throw new MlopsError('not-found', `${rel} is not tracked by a .dvc file`, { hint: 'run `mlops status` to see what is tracked' });
    }
    if (remaining!.length === 0) await fs.rm(this.abs(pointerRel), { force: true });
    else await writeFileAtomic(this.abs(pointerRel), serializePointer({ ...previous.pointer, outs: remaining! }, previous));
    await removeIgnore(this.abs(rel));
    this.records.markUntracked(rel);
    this.tracked.delete(rel);
  }

  history(p: string): VersionRecord[] {
    return this.records.history(relOf(this.root, p));
  }

  restore(p: string, hash: string, options: RestoreOptions = {}): Promise<RestoreResult> {
    return restorePath(this, relOf(this.root, p), hash, options);
  }

  /** `paths` (workspace-relative) limits the checkout to those artifacts. */
  checkoutRevision(rev: string, options: RestoreOptions & { paths?: readonly string[] } = {}): Promise<RestoreResult[]> {
    return checkoutRevision(this, rev, { ...options, ...(options.paths ? { paths: options.paths.map((p) => relOf(this.root, p)) } : {}) });
  }

  /** Bring the workspace back to what pointers and dvc.lock record (all, or `paths`), like `dvc checkout`. */
  checkout(paths?: readonly string[], options: RestoreOptions = {}): Promise<RestoreResult[]> {
    return checkoutRecorded(this, paths?.map((p) => relOf(this.root, p)), options);
  }

  compare(p: string, left: string, right: string): Promise<CompareResult> {
    return compareVersions(this, relOf(this.root, p), left, right);
  }

  /**
   * The unit a changed path is versioned as: the tracked artifact holding it, else the entry
   * directly under a `track.paths` folder. Pipeline outputs, ignored paths, metafiles and our
   * own temp files are never units.
   */
  unitFor(absPath: string): string | undefined {
    const rel = path.relative(this.root, path.resolve(absPath)).split(path.sep).join('/');
    if (rel === '' || rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) return undefined;
    const parts = rel.split('/');
    const base = parts[parts.length - 1]!;
    if (parts.some((s) => SKIP_DIRS.has(s) || isTempName(s))) return undefined;
    if (base.endsWith('.dvc') || META_FILES.has(base)) return undefined;
    if (this.ignore.ignores(rel) || this.pipeline.isOutputOrInside(rel)) return undefined;
    let best: string | undefined;
    for (const t of this.tracked.keys()) if (isWithin(t, rel) && (!best || t.length > best.length)) best = t;
    if (best) return best;
    for (const raw of this.config.track.paths) {
      const t = path.posix.normalize(raw.replace(/\\/g, '/')).replace(/\/$/, '');
      if (rel === t) return isDirSync(this.abs(t)) ? undefined : t;
      if (rel.startsWith(`${t}/`)) {
        const unit = `${t}/${rel.slice(t.length + 1).split('/')[0]}`;
        return this.pipeline.isOutputOrInside(unit) || unit.endsWith('.dvc') || META_FILES.has(path.posix.basename(unit)) ? undefined : unit;
      }
    }
    return undefined;
  }

  /** Pointer-tracked paths (workspace-relative) known right now. */
  trackedPaths(): string[] {
    return [...this.tracked.keys()];
  }

  push(remote?: string, options: { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void } = {}): Promise<TransferResult> {
    return push(this, remote, options);
  }

  pull(remote?: string, options: { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void } = {}): Promise<TransferResult> {
    return pull(this, remote, options);
  }

  remoteStatus(remote?: string): Promise<RemoteStatus> {
    return remoteStatus(this, remote);
  }

  gc(options: { dryRun: boolean }): Promise<GcResult> {
    return gc(this, options);
  }
}

function isDirSync(abs: string): boolean {
  try {
    return statSync(abs).isDirectory();
  } catch {
    return false;
  }
}

export function openVersioning(root: string, deps: VersioningDeps): Versioning {
  return new Versioning(root, deps);
}
