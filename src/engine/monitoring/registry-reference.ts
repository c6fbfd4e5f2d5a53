/**
 * The default reference of a monitored dataset: the training data of the model now in
 * Production, as the registry's lineage records it (the data its source run consumed, with
 * content hashes). When the workspace copy has changed since, the recorded version is taken from
 * the content-addressed cache, so the batches are compared with what the model actually saw.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../errors.ts';
import { detectFormat } from '../data/reader.ts';
import { ObjectCache } from '../versioning/cache.ts';
import { resolveCacheDir } from '../versioning/layout.ts';
import { md5File } from '../versioning/hash.ts';
import type { ModelSummary, RegistryService } from '../registry/api.ts';
import type { MonitoredDataset } from './monitor-config.ts';
import type { ReferenceResolver, ResolvedReference } from './monitor.ts';

type Outcome = ResolvedReference | { problem: string; hint?: string };

const SET_REFERENCE = 'or set reference: <training data file> under the dataset in mlops.yaml';

function productionVersion(m: ModelSummary): number | undefined {
  const v = m.stages.Production ?? [];
  return v.length ? Math.max(...v) : undefined;
}

function pickModel(registry: RegistryService, d: MonitoredDataset): ModelSummary | { problem: string; hint?: string } {
  const models = registry.list();
  if (d.model !== null) {
    const m = models.find((x) => x.name === d.model || x.id === d.model);
    if (!m) return { problem: `model ${d.model} (monitoring … model) is not in the registry`, hint: `registered models: ${models.map((x) => x.id).join(', ') || '(none)'}` };
    if (productionVersion(m) === undefined) return { problem: `model ${m.id} has no version in Production, so it has no training data to compare with`, hint: `promote a version to Production, ${SET_REFERENCE}` };
    return m;
  }
  const live = models.filter((m) => productionVersion(m) !== undefined);
  if (live.length === 1) return live[0]!;
  if (live.length === 0) return { problem: `no reference for ${d.name}: mlops.yaml names none and no registered model is in Production`, hint: `promote the model to Production, ${SET_REFERENCE}` };
  return { problem: `no reference for ${d.name}: ${live.length} models are in Production (${live.map((m) => m.id).join(', ')})`, hint: `name one under the dataset: model: ${live[0]!.id}` };
}

/** Resolve `d`'s reference through `registry` (undefined: no registry in this workspace). */
export async function referenceFromRegistry(root: string, registry: RegistryService | undefined, d: MonitoredDataset): Promise<Outcome> {
  if (!registry) return { problem: `no reference for ${d.name}: mlops.yaml names none and this workspace has no model registry`, hint: `register and promote the model, ${SET_REFERENCE}` };
  const m = pickModel(registry, d);
  if ('problem' in m) return m;
  const n = productionVersion(m)!;
  const v = registry.getVersion(m.id, n);
  const what = `${m.id} v${n} (Production)`;
  const tabular = v.lineage.data.filter((r) => detectFormat(r.path) !== undefined);
  if (tabular.length === 0) {
    const seen = v.lineage.data.map((r) => r.path);
    return { problem: `${what} records no tabular training data${seen.length ? ` (its run read ${seen.join(', ')})` : ' (no source run with inputs)'}`, hint: SET_REFERENCE };
  }
  const ref = tabular[0]!;
  const more = tabular.length > 1 ? `; the first of ${tabular.map((r) => r.path).join(', ')}` : '';
  const file = path.resolve(root, ref.path);
  if (!ref.hash) {
    if (existsSync(file)) return { path: file, description: `training data of ${what}${more}` };
    return { problem: `the training data of ${what}, ${ref.path}, is not in the workspace`, hint: SET_REFERENCE };
  }
  if (existsSync(file) && (await md5File(file)) === ref.hash) return { path: file, description: `training data of ${what}${more}` };
  // Changed or gone since training: the cache still holds the version the model saw.
  const cached = new ObjectCache(resolveCacheDir(root)).objectPath(ref.hash);
  if (existsSync(cached)) {
    return {
      path: cached,
      description: `training data of ${what}: ${ref.path} as of md5 ${ref.hash.slice(0, 8)} (from the cache; the workspace copy has changed since)${more}`,
      format: detectFormat(ref.path)!,
    };
  }
  return {
    problem: `the training data of ${what}, ${ref.path} at md5 ${ref.hash.slice(0, 8)}, is neither in the workspace nor in the cache`,
    hint: `pull it (mlops pull), ${SET_REFERENCE}`,
  };
}

/**
 * A ReferenceResolver for the Monitor; `registry` is asked each time, so a registry opened later
 * is used. If opening it fails, the dataset's problem says why (not just "no registry").
 */
export function registryReferenceResolver(root: string, registry: () => RegistryService | undefined | Promise<RegistryService | undefined>): ReferenceResolver {
  return async (d) => {
    let r: RegistryService | undefined;
    try {
      r = await registry();
    } catch (e) {
      return { problem: `no reference for ${d.name}: mlops.yaml names none and the model registry could not be opened (${describeError(e)})`, hint: `set reference: <training data file> under the dataset in mlops.yaml` };
    }
    return referenceFromRegistry(root, r, d);
  };
}
