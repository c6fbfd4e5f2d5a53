/**
 * The collaborators model checks read, opened for a workspace the way the CLI needs them: the
 * store (stored drift reports), experiment tracking (the latest run) and the registry (the
 * Production version). Each is optional: a workspace without a store, or a service that fails to
 * open, leaves that source out, and only the checks that need it say so.
 */
import { MlopsError, describeError } from '../errors.ts';
import type { WorkspaceConfig } from '../config/config.ts';
import { Store } from '../store/store.ts';
import { isInitialized } from '../workspace/workspace.ts';
import type { RegistryService } from '../registry/api.ts';
import { openRegistry } from '../registry/registry.ts';
import { openVersioning } from '../versioning/versioning.ts';
import type { TrackingService } from '../tracking/api.ts';
import { openTracking } from '../tracking/tracking.ts';
import type { ProductionLookup, ProductionModel } from './metrics.ts';
import type { CheckServices } from './runner.ts';

/** `production.*`: the newest version in the Production stage (or holding the `production` alias). */
export function productionFrom(registry: RegistryService): ProductionLookup {
  return async (model: string | null): Promise<ProductionModel> => {
    let name = model;
    if (name === null) {
      const serving = registry.list().filter((m) => (m.stages.Production?.length ?? 0) > 0 || 'production' in m.aliases);
      if (serving.length === 0) throw new MlopsError('not-found', 'no registered model has a Production version', { hint: 'promote a version first (mlops models promote <model> <version> --stage Production), or compare with baseline.* instead' });
      if (serving.length > 1) throw new MlopsError('config', `several models have a Production version (${serving.map((m) => m.id).join(', ')})`, { hint: 'name one in the suite: model: <name>' });
      name = serving[0]!.id;
    }
    const detail = registry.show(name);
    const version = detail.versions.find((v) => v.stage === 'Production') ?? detail.versions.find((v) => v.aliases.includes('production'));
    if (!version) throw new MlopsError('not-found', `model ${name} has no Production version`, { hint: `promote one first: mlops models promote ${name} <version> --stage Production` });
    return { model: detail.name, version: version.version, metrics: version.lineage.metrics, runId: version.lineage.runId };
  };
}

export interface OpenedServices extends CheckServices {
  /** Problems opening a service; shown as notes, the checks that need it error on their own. */
  notes: string[];
  close(): void;
}

/** Open what exists; `tracking` may be passed in when the caller already holds one (the extension). */
export async function openCheckServices(root: string, config: WorkspaceConfig, options: { origin: string; tracking?: TrackingService }): Promise<OpenedServices> {
  const notes: string[] = [];
  if (!isInitialized(root)) return { notes: ['no .mlops store in this workspace: latest-run, production and monitor checks cannot be read'], close() {} };
  const store = Store.open(root, { origin: options.origin });
  let tracking = options.tracking;
  let ownTracking = false;
  if (!tracking) {
    try {
      tracking = openTracking(root, store, { config });
      ownTracking = true;
      await tracking.refresh();
    } catch (e) {
      notes.push(`experiment tracking could not be opened: ${describeError(e)}`);
    }
  }
  let registry: RegistryService | undefined;
  try {
    registry = await openRegistry(root, store, { config, versioning: openVersioning(root, { store, config }), ...(tracking ? { tracking } : {}), origin: options.origin });
  } catch (e) {
    notes.push(`the model registry could not be opened: ${describeError(e)}`);
  }
  return {
    store,
    runs: tracking ?? null,
    production: registry ? productionFrom(registry) : null,
    notes,
    close() {
      registry?.close();
      if (ownTracking) tracking?.close();
      store.close();
    },
  };
}
