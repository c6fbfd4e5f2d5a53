import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../fsutil.ts';
import { MlopsError, describeError } from '../errors.ts';
import { Store, STORE_DIR, storePath, LATEST_SCHEMA_VERSION } from '../store/store.ts';
import { CONFIG_TEMPLATE, configPath, loadConfig, type WorkspaceConfig } from '../config/config.ts';

/** What the status bar, the welcome view and `mlops status` show. */
export type WorkspaceState =
  | { kind: 'uninitialized'; root: string }
  | { kind: 'ready'; root: string; schemaVersion: number; config: WorkspaceConfig; dvcRepo: boolean }
  | { kind: 'error'; root: string; error: MlopsError };

export interface InitResult {
  root: string;
  createdStore: boolean;
  createdConfig: boolean;
  schemaVersion: number;
  storeFile: string;
  configFile: string;
}

const STORE_GITIGNORE = `# MLOps Workbench local state: the store and the cache are per-machine.
/mlops.db
/mlops.db-wal
/mlops.db-shm
/cache/
/tmp/
/runs/
`;

/**
 * Create `.mlops/`, the store at the latest schema and a commented `mlops.yaml`.
 * Idempotent: an existing config is never overwritten; an existing store is migrated forward.
 */
export function initWorkspace(root: string, origin: string): InitResult {
  if (!existsSync(root)) throw new MlopsError('not-found', `Folder ${root} does not exist.`, { hint: 'Open or create the project folder first.' });
  const dir = path.join(root, STORE_DIR);
  mkdirSync(dir, { recursive: true });
  const gi = path.join(dir, '.gitignore');
  if (!existsSync(gi)) writeFileAtomicSync(gi, STORE_GITIGNORE);

  const storeFile = storePath(root);
  const createdStore = !existsSync(storeFile);
  const store = Store.open(root, { origin });
  try {
    if (createdStore) store.setMeta('created_at', new Date().toISOString());
    const cfg = configPath(root);
    const createdConfig = !existsSync(cfg);
    if (createdConfig) writeFileAtomicSync(cfg, CONFIG_TEMPLATE);
    store.recordActivity('workspace.init', { createdStore, createdConfig });
    return { root, createdStore, createdConfig, schemaVersion: store.schemaVersion, storeFile, configFile: cfg };
  } finally {
    store.close();
  }
}

export function isInitialized(root: string): boolean {
  return existsSync(storePath(root));
}

/**
 * The store a run is recorded in: the workspace's own, created first when `mlops.yaml` is there
 * but the per-machine `.mlops/` is not (a fresh clone, a CI job), as MLflow creates `mlruns/` on
 * first use. A folder with neither (a plain DVC repository) gets none: nothing is written there.
 */
export function openRecordingStore(root: string | undefined, origin: string): Store | undefined {
  if (!root) return undefined;
  if (!isInitialized(root)) {
    if (!existsSync(configPath(root))) return undefined;
    initWorkspace(root, origin);
  }
  return Store.open(root, { origin });
}

export function isDvcRepo(root: string): boolean {
  return existsSync(path.join(root, '.dvc', 'config')) || existsSync(path.join(root, '.dvc'));
}

/** Inspect without creating anything: never migrates, never writes. */
export function inspectWorkspace(root: string): WorkspaceState {
  if (!isInitialized(root)) return { kind: 'uninitialized', root };
  try {
    const store = Store.open(root, { origin: 'inspect', readonly: true });
    try {
      const schemaVersion = store.schemaVersion;
      const config = loadConfig(root);
      if (schemaVersion < LATEST_SCHEMA_VERSION) {
        // Older schema: fine, it is migrated on the next write-open. Report as ready.
      }
      return { kind: 'ready', root, schemaVersion, config, dvcRepo: isDvcRepo(root) };
    } finally {
      store.close();
    }
  } catch (e) {
    const error = e instanceof MlopsError ? e : new MlopsError('io', describeError(e), { cause: e });
    return { kind: 'error', root, error };
  }
}

/** Walk up from `start` to the folder holding `.mlops/` or `mlops.yaml` (like git finds `.git`). */
export function findWorkspaceRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, STORE_DIR)) || existsSync(configPath(dir))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
