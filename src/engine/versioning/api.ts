import type { MlopsError } from '../errors.ts';

/**
 * The contract between the versioning engine and its front doors (extension, CLI). The engine's
 * `Versioning` class implements `VersioningApi`; the extension and the CLI only use these types.
 */

/** Where a tracked artifact's recorded state lives. */
export type ArtifactSource = 'pointer' | 'lock';

export type ArtifactStatus =
  | 'up-to-date'
  | 'modified'            // workspace content differs from the recorded version
  | 'missing-workspace'   // recorded, but the file/folder is gone from the workspace
  | 'missing-cache'       // recorded, but the cache lacks the object (pull it from a remote)
  | 'untracked-changes';  // never recorded yet (new path under a tracked folder)

export interface Artifact {
  /** Workspace-relative POSIX path of the file or folder. */
  path: string;
  kind: 'file' | 'dir';
  source: ArtifactSource;
  /** Workspace-relative pointer file (`data/raw.dvc`) or `dvc.lock`. */
  recordFile: string;
  /** Recorded hash (DVC 3 md5; `.dir` suffix for folders) and its algorithm. */
  hash?: string;
  algorithm: 'md5' | 'md5-dos2unix';
  size?: number;
  nfiles?: number;
  status: ArtifactStatus;
  /** Stage that produces it (lock-tracked outputs). */
  stage?: string;
  /** Latest version row, if any. */
  lastVersion?: VersionRecord;
  versionCount: number;
}

export type VersionOrigin = 'watcher' | 'command' | 'cli' | 'pipeline' | 'restore';

export interface VersionRecord {
  id: number;
  path: string;
  hash: string;
  size: number;
  nfiles: number | null;
  recordedAt: string;
  origin: VersionOrigin;
  gitCommit: string | null;
  gitDirty: boolean | null;
  actor: string | null;
}

export interface AddResult {
  artifact: Artifact;
  /** The version row written, or the existing one when the content did not change. */
  version: VersionRecord;
  changed: boolean;
}

export interface RestoreOptions {
  /** Overwrite workspace content that is not stored in the cache (it would be lost). */
  force?: boolean;
  signal?: AbortSignal;
}

export interface RestoreResult {
  path: string;
  hash: string;
  /** Paths written (files inside a folder count one by one). */
  written: number;
}

/** Comparison of two versions (or a version and the workspace) of one artifact. */
export type CompareResult =
  | { kind: 'table'; format: 'csv' | 'tsv' | 'jsonl' | 'parquet'; left: TableSide; right: TableSide; columns: ColumnDelta[]; schemaChanges: string[] }
  | { kind: 'dir'; left: string; right: string; added: DirEntryDelta[]; removed: DirEntryDelta[]; changed: DirEntryDelta[]; unchanged: number }
  | { kind: 'file'; left: FileSide; right: FileSide };

export interface TableSide { label: string; hash: string; rows: number; columns: number }
export interface FileSide { label: string; hash: string; size: number }
export interface DirEntryDelta { relpath: string; leftHash?: string; rightHash?: string; leftSize?: number; rightSize?: number }
export interface ColumnDelta {
  name: string;
  change: 'added' | 'removed' | 'type-changed' | 'same';
  leftType?: string;
  rightType?: string;
  /** Summary statistic → [left, right]. */
  stats: Record<string, [number | string | null, number | string | null]>;
}

export interface TransferProgress {
  done: number;
  total: number;
  bytes: number;
  current?: string;
}

export interface TransferResult {
  transferred: number;
  skipped: number;
  failed: Array<{ oid: string; error: string }>;
  bytes: number;
}

export interface RemoteStatus {
  remote: string;
  url: string;
  /** Objects referenced by the workspace that the remote lacks / the local cache lacks. */
  missingOnRemote: number;
  missingLocally: number;
  inSync: number;
}

export interface GcResult {
  dryRun: boolean;
  removed: Array<{ oid: string; size: number }>;
  kept: number;
  bytes: number;
}

export interface ListResult {
  artifacts: Artifact[];
  /** Malformed pointer or lock files (file + line + hint); the other artifacts are still listed. */
  problems: MlopsError[];
}

export interface Revision {
  hash: string;
  date: string;
  author: string;
  message: string;
}

export interface VersioningApi {
  readonly root: string;
  readonly cacheDir: string;
  /** Every tracked artifact with its current status. */
  list(options?: { signal?: AbortSignal }): Promise<ListResult>;
  /** Recent git commits (newest first) that touched pointer files or dvc.lock; [] outside git. */
  revisions(limit?: number): Promise<Revision[]>;
  /** Version (hash, cache, pointer, .gitignore, history row) a file or folder. */
  add(path: string, origin: VersionOrigin, options?: { signal?: AbortSignal }): Promise<AddResult>;
  /** Remove the pointer and the .gitignore line; keep the data and the history. */
  untrack(path: string): Promise<void>;
  /** Newest first. */
  history(path: string): VersionRecord[];
  restore(path: string, hash: string, options?: RestoreOptions): Promise<RestoreResult>;
  /** Check out every tracked artifact as recorded at git revision `rev`. */
  checkoutRevision(rev: string, options?: RestoreOptions): Promise<RestoreResult[]>;
  compare(path: string, left: string | 'workspace', right: string | 'workspace'): Promise<CompareResult>;
  /** Which artifact a changed path belongs to under `track.paths` (undefined: not auto-versioned). */
  unitFor(absPath: string): string | undefined;
  push(remote?: string, options?: { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void }): Promise<TransferResult>;
  pull(remote?: string, options?: { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void }): Promise<TransferResult>;
  remoteStatus(remote?: string): Promise<RemoteStatus>;
  gc(options: { dryRun: boolean }): Promise<GcResult>;
}

/** Engine-level watcher contract (chokidar inside; no vscode). */
export interface DataWatcherOptions {
  /** Called with workspace-relative artifact paths (`unitFor`) whose content changed, debounced. */
  onChange(units: string[]): void;
  onError?(error: Error): void;
  /** Extra ignore globs (mlops.yaml track.ignore). */
  ignore?: string[];
  /** ms a file must stay unchanged before it counts as written (large files). */
  stabilityMs?: number;
}
