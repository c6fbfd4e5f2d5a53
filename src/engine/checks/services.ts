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
import { selectChecks } from './config.ts';
import type { ChecksConfig } from './types.ts';
import { expressionNames, parseExpression } from '../expr/index.ts';
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

/** Whether the selected checks read runs (tracking) at all: data-only runs do not open it. */
export function needsRuns(config: ChecksConfig, select: readonly string[] = []): boolean {
  const { suites } = selectChecks(config, select);
  return suites.some((s) => s.checks.some((c) => {
    if (c.rule?.kind !== 'metric') return false;
    const names = safeNames(c.rule.expression);
    const current = names.some((n) => !n.startsWith('baseline.') && !n.startsWith('production.'));
    const baseline = names.some((n) => n.startsWith('baseline.'));
    return (current && s.run.kind !== 'workspace') || (baseline && s.baseline !== null && s.baseline.kind !== 'file');
  }));
}

function safeNames(expression: string): string[] {
  try {
    return expressionNames(parseExpression(expression));
  } catch {
    return [];
  }
}

/**
 * Open what exists. `tracking` may be passed in when the caller already holds one (the extension);
 * otherwise it is opened only when `runs` is needed. The registry is opened on the first
 * `production.*` lookup, so data-only runs never touch it.
 */
export async function openCheckServices(root: string, config: WorkspaceConfig, options: { origin: string; tracking?: TrackingService; runs?: boolean }): Promise<OpenedServices> {
  const notes: string[] = [];
  if (!isInitialized(root)) return { notes: ['no .mlops store in this workspace: latest-run, production and monitor checks cannot be read'], close() {} };
  const store = Store.open(root, { origin: options.origin });
  let tracking = options.tracking;
  let ownTracking = false;
  if (!tracking && options.runs !== false) {
    try {
      tracking = openTracking(root, store, { config });
      ownTracking = true;
      await tracking.refresh();
    } catch (e) {
      notes.push(`experiment tracking could not be opened: ${describeError(e)}`);
    }
  }
  let registry: Promise<RegistryService> | undefined;
  const production: ProductionLookup = async (model) => {
    registry ??= openRegistry(root, store, { config, versioning: openVersioning(root, { store, config }), ...(tracking ? { tracking } : {}), origin: options.origin });
    let r: RegistryService;
    try {
      r = await registry;
    } catch (e) {
      throw new MlopsError('not-found', `the model registry could not be opened: ${describeError(e)}`, { cause: e });
    }
    return productionFrom(r)(model);
  };
  return {
    store,
    runs: tracking ?? null,
    production,
    notes,
    close() {
      void registry?.then((r) => r.close(), () => undefined);
      if (ownTracking) tracking?.close();
      store.close();
    },
  };
}
