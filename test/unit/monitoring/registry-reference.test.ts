// The default reference: the training data of the model in Production, from the registry's
// lineage. The registry is the contract of src/engine/registry/api.ts, stubbed with the few
// reads the resolver makes, so this runs whatever state the implementation is in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Store } from '../../../src/engine/store/store.ts';
import { Monitor, referenceFromRegistry, registryReferenceResolver } from '../../../src/engine/monitoring/index.ts';
import type { MonitoredDataset } from '../../../src/engine/monitoring/index.ts';
import type { ModelSummary, ModelVersion, RegistryService, Stage } from '../../../src/engine/registry/api.ts';
import type { ArtifactRef } from '../../../src/engine/tracking/api.ts';
import { ObjectCache } from '../../../src/engine/versioning/cache.ts';
import { md5File } from '../../../src/engine/versioning/hash.ts';
import { MONITORING_YAML, REFERENCE, churnWorkspace } from './helpers.ts';

interface FakeModel { name: string; stages: Partial<Record<Stage, number[]>>; data: ArtifactRef[] }

function fakeRegistry(models: FakeModel[]): RegistryService {
  const summary = (m: FakeModel): ModelSummary => ({
    id: m.name, name: m.name, source: 'mlops', sourceLabel: 'registry', description: '', tags: {}, createdAt: '', updatedAt: '',
    latestVersion: 3, versionCount: 3, aliases: {}, stages: m.stages, readOnly: false,
  });
  const registry: Partial<RegistryService> = {
    list: () => models.map(summary),
    getVersion: (name: string, ref: number | string) => {
      const m = models.find((x) => x.name === name)!;
      return { model: name, version: Number(ref), lineage: { runId: 'mlops:1', run: null, gitCommit: null, gitDirty: null, data: m.data, metrics: {}, params: {} } } as unknown as ModelVersion;
    },
  };
  return registry as RegistryService;
}

const dataset = (model: string | null = null): MonitoredDataset =>
  ({ name: 'customers', reference: null, referencePath: null, model, batches: 'data/production', batchesPath: '', pattern: null }) as unknown as MonitoredDataset;

test('the Production version of the only model in Production gives its tabular training data', async () => {
  const root = churnWorkspace();
  const hash = await md5File(path.join(root, 'data/raw/customers.csv'));
  const registry = fakeRegistry([
    { name: 'churn-model', stages: { Staging: [3], Production: [1, 2] }, data: [{ path: 'data/features', hash: 'f'.repeat(32) + '.dir' }, { path: 'data/raw/customers.csv', hash }] },
    { name: 'old-model', stages: { Archived: [1] }, data: [] },
  ]);
  const r = await referenceFromRegistry(root, registry, dataset());
  assert.ok(!('problem' in r), JSON.stringify(r));
  assert.equal(r.path, path.join(root, 'data/raw/customers.csv'));
  assert.equal(r.description, 'training data of churn-model v2 (Production)');
  assert.equal(r.format, undefined);
});

test('what the resolver says when it cannot choose, and how to fix it', async () => {
  const root = churnWorkspace();
  const two = fakeRegistry([
    { name: 'a', stages: { Production: [1] }, data: [] },
    { name: 'b', stages: { Production: [4] }, data: [] },
  ]);
  const problem = async (reg: RegistryService | undefined, model: string | null = null) => {
    const r = await referenceFromRegistry(root, reg, dataset(model));
    assert.ok('problem' in r, JSON.stringify(r));
    return `${r.problem} | ${r.hint}`;
  };
  assert.match(await problem(undefined), /no model registry \| register and promote the model, or set reference:/);
  const broken = await registryReferenceResolver(root, async () => { throw new Error('The model registry is not implemented yet.'); })(dataset());
  assert.ok('problem' in broken);
  assert.match(broken.problem, /the model registry could not be opened \(The model registry is not implemented yet\.\)/);
  assert.match(await problem(two), /2 models are in Production \(a, b\) \| name one under the dataset: model: a/);
  assert.match(await problem(two, 'c'), /model c \(monitoring … model\) is not in the registry \| registered models: a, b/);
  assert.match(await problem(fakeRegistry([{ name: 'a', stages: { Staging: [1] }, data: [] }])), /no registered model is in Production/);
  assert.match(await problem(fakeRegistry([{ name: 'a', stages: { Staging: [1] }, data: [] }]), 'a'), /model a has no version in Production/);
  assert.match(await problem(fakeRegistry([{ name: 'a', stages: { Production: [1] }, data: [{ path: 'models/model.json', hash: null }] }])), /a v1 \(Production\) records no tabular training data \(its run read models\/model\.json\)/);
  assert.match(await problem(fakeRegistry([{ name: 'a', stages: { Production: [1] }, data: [{ path: 'data/raw/gone.csv', hash: 'a'.repeat(32) }] }])), /data\/raw\/gone\.csv at md5 aaaaaaaa, is neither in the workspace nor in the cache \| pull it/);
});

test('training data changed since: the recorded version is read from the cache, and the Monitor compares batches with it', async () => {
  const yaml = MONITORING_YAML.replace('      reference: data/raw/customers.csv\n', '');
  const root = churnWorkspace(yaml);
  const trained = path.join(root, 'data/raw/customers.csv');
  const hash = await md5File(trained);
  // The cache holds the trained version; then the workspace copy moves on.
  const cached = new ObjectCache(path.join(root, '.mlops', 'cache')).objectPath(hash);
  mkdirSync(path.dirname(cached), { recursive: true });
  copyFileSync(REFERENCE, cached);
  appendFileSync(trained, '99999,2024-01-01,40,12,70.50,846.00,month-to-month,credit-card,1,true,0\n');
  const registry = fakeRegistry([{ name: 'churn-model', stages: { Production: [1] }, data: [{ path: 'data/raw/customers.csv', hash }] }]);
  const r = await referenceFromRegistry(root, registry, dataset());
  assert.ok(!('problem' in r), JSON.stringify(r));
  assert.equal(r.path, cached);
  assert.deepEqual(r.format, { format: 'csv', gzip: false });
  assert.match(r.description, /as of md5 [0-9a-f]{8} \(from the cache; the workspace copy has changed since\)/);

  const store = Store.open(root, { origin: 'test' });
  try {
    const monitor = Monitor.open(root, store, { resolveReference: registryReferenceResolver(root, () => registry) });
    const out = await monitor.processNewBatches();
    assert.deepEqual(out.problems, []);
    assert.equal(out.reports.length, 6);
    const b6 = out.reports[5]!.report;
    assert.equal(b6.reference.rows, 3000, 'the cached 3,000-row version, not the edited 3,001-row file');
    assert.match(b6.reference.path, /training data of churn-model v1 \(Production\)/);
    assert.equal(b6.summary.driftedColumns, 7);
  } finally {
    store.close();
  }
});
