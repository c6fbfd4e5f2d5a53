/** Opening the registry for a CLI command, shared by `mlops models` and `mlops audit`. */
import { loadConfig } from '../../engine/config/config.ts';
import { MlopsError } from '../../engine/errors.ts';
import type { RegistryService } from '../../engine/registry/api.ts';
import { openRegistry } from '../../engine/registry/registry.ts';
import { Store } from '../../engine/store/store.ts';
import { openVersioning } from '../../engine/versioning/versioning.ts';
import { findWorkspaceRoot } from '../../engine/workspace/workspace.ts';
import type { CliIO } from '../io.ts';
import type { TrackingService } from '../../engine/tracking/api.ts';
import { openTracking } from '../../engine/tracking/tracking.ts';
import type { WorkspaceConfig } from '../../engine/config/config.ts';

/** The tracking service for run lineage; without it the registry reads the pipeline history itself. */
function openTrackingForCli(root: string, store: Store, config: WorkspaceConfig, env: NodeJS.ProcessEnv): TrackingService | undefined {
  try {
    return openTracking(root, store, { config, env });
  } catch {
    return undefined;
  }
}

/** Open the workspace around cwd, run `fn` with the registry, always close. */
export async function withRegistry<T>(io: CliIO, fn: (r: RegistryService) => Promise<T>): Promise<T> {
  const root = findWorkspaceRoot(io.cwd);
  if (!root) {
    throw new MlopsError('not-initialized', `${io.cwd} is not inside an MLOps workspace`, { hint: "run 'mlops init' in the project folder first" });
  }
  const store = Store.open(root, { origin: 'cli' });
  let tracking: TrackingService | undefined;
  try {
    const config = loadConfig(root);
    tracking = openTrackingForCli(root, store, config, io.env);
    const versioning = openVersioning(root, { store, config });
    const registry = await openRegistry(root, store, {
      config, versioning, origin: 'cli', ...(tracking ? { tracking } : {}),
      ...(io.env.MLOPS_ACTOR?.trim() ? { actor: io.env.MLOPS_ACTOR.trim() } : {}),
    });
    try {
      return await fn(registry);
    } finally {
      registry.close();
    }
  } finally {
    tracking?.close();
    store.close();
  }
}

export const shortHash = (h: string): string => (!h ? '-' : h.endsWith('.dir') ? `${h.slice(0, 8)}….dir` : h.slice(0, 8));

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
