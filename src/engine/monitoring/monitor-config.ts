/**
 * The `monitoring:` section of mlops.yaml: which reference each monitored dataset is compared with,
 * where its production batches land, and what to do when it drifts. Two spellings:
 *
 *   monitoring:                          monitoring:
 *     reference: data/raw/customers.csv    datasets:
 *     batches: data/production               customers:
 *                                              reference: data/raw/customers.csv
 *                                              batches: data/production
 *                                              pattern: '*.csv'
 *                                              retrain: { stages: [train], auto: false }
 *
 * The short form is one dataset called `default`. Without `reference`, the reference is the
 * training data of the current production model (`model:` names it when the registry holds
 * several), found by the ReferenceResolver the caller gives the Monitor.
 */
import path from 'node:path';
import type { WorkspaceConfig } from '../config/config.ts';
import { driftSettingsFromConfig, failer, isMapping, parseDriftSection, sectionSource } from './settings.ts';
import type { DriftSettings, Fail, SectionSource } from './settings.ts';

export interface RetrainPolicy {
  /** Pipeline stages to run (dvc.yaml); empty = retraining is not configured. */
  stages: string[];
  /** Run them without asking (the CLI monitor runs `mlops repro <stages>`). */
  auto: boolean;
  /** 'dataset-drift' (default): when the dataset drifts; 'any-column': when any column drifts. */
  when: 'dataset-drift' | 'any-column';
}

export interface MetricsPolicy {
  /** Export this dataset on /metrics. */
  enabled: boolean;
  /** Also export per-column series (one per column and test; turn off for very wide tables). */
  columns: boolean;
}

export interface MonitoredDataset {
  name: string;
  /** As written in mlops.yaml, and resolved against the workspace root; null: ask the registry. */
  reference: string | null;
  referencePath: string | null;
  /** Registered model whose production version's training data is the reference (when `reference` is absent). */
  model: string | null;
  batches: string;
  batchesPath: string;
  /** Glob over paths relative to the batch folder; default: every data file directly in it. */
  pattern: string | null;
  retrain: RetrainPolicy;
  metrics: MetricsPolicy;
  /** The workspace's `drift:` section with this dataset's own `drift:` laid over it. */
  drift: DriftSettings;
}

export interface MonitoringConfig {
  datasets: MonitoredDataset[];
}

const DATASET_KEYS = ['reference', 'model', 'batches', 'pattern', 'retrain', 'metrics', 'drift'] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function readPath(v: unknown, at: ReadonlyArray<string | number>, fail: Fail, what: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw fail(at, `'${at.join('.')}' must be the path of ${what}, got ${JSON.stringify(v)}.`, 'Use a path relative to the workspace root, e.g. data/production.');
  return v;
}

function readRetrain(v: unknown, at: ReadonlyArray<string | number>, fail: Fail): RetrainPolicy {
  const out: RetrainPolicy = { stages: [], auto: false, when: 'dataset-drift' };
  if (v === undefined || v === null) return out;
  if (!isMapping(v)) throw fail(at, `'${at.join('.')}' must be a mapping, e.g. { stages: [train], auto: false }.`, 'stages: the dvc.yaml stages that retrain the model.');
  for (const k of Object.keys(v)) if (!['stages', 'auto', 'when'].includes(k)) throw fail([...at, k], `Unknown key '${[...at, k].join('.')}'.`, 'Known keys: stages, auto, when.');
  if (v.stages !== undefined && v.stages !== null) {
    if (!Array.isArray(v.stages) || v.stages.some((s) => typeof s !== 'string' || s.trim() === '')) throw fail([...at, 'stages'], `'${at.join('.')}.stages' must be a list of stage names.`, 'Example: stages: [train]');
    out.stages = [...(v.stages as string[])];
  }
  if (v.auto !== undefined && v.auto !== null) {
    if (typeof v.auto !== 'boolean') throw fail([...at, 'auto'], `'${at.join('.')}.auto' must be true or false.`, 'auto: true runs the stages as soon as drift is found.');
    out.auto = v.auto;
  }
  if (v.when !== undefined && v.when !== null) {
    if (v.when !== 'dataset-drift' && v.when !== 'any-column') throw fail([...at, 'when'], `'${at.join('.')}.when' must be dataset-drift or any-column.`, 'dataset-drift: the share of drifted columns reaches drift.share.');
    out.when = v.when;
  }
  return out;
}

function readMetrics(v: unknown, at: ReadonlyArray<string | number>, fail: Fail): MetricsPolicy {
  if (v === undefined || v === null) return { enabled: true, columns: true };
  if (typeof v === 'boolean') return { enabled: v, columns: v };
  if (!isMapping(v)) throw fail(at, `'${at.join('.')}' must be true, false or { enabled, columns }.`, 'metrics: { columns: false } keeps only the dataset-level series.');
  const out: MetricsPolicy = { enabled: true, columns: true };
  for (const k of Object.keys(v)) {
    if (k !== 'enabled' && k !== 'columns') throw fail([...at, k], `Unknown key '${[...at, k].join('.')}'.`, 'Known keys: enabled, columns.');
    if (typeof v[k] !== 'boolean') throw fail([...at, k], `'${[...at, k].join('.')}' must be true or false.`, 'e.g. columns: false');
    out[k] = v[k] as boolean;
  }
  return out;
}

function readDataset(name: string, v: unknown, at: ReadonlyArray<string | number>, root: string, src: SectionSource, drift: DriftSettings): MonitoredDataset {
  const fail = failer(src);
  if (!NAME.test(name)) throw fail(at, `Monitored dataset name ${JSON.stringify(name)} is not usable.`, 'Use letters, digits, "_", "." and "-", starting with a letter or digit.');
  if (!isMapping(v)) throw fail(at, `'${at.join('.')}' must be a mapping with reference and batches.`, 'Example:\n    customers:\n      reference: data/raw/customers.csv\n      batches: data/production');
  for (const k of Object.keys(v)) {
    if (!(DATASET_KEYS as readonly string[]).includes(k)) throw fail([...at, k], `Unknown key '${[...at, k].join('.')}' in mlops.yaml.`, `Known keys here: ${DATASET_KEYS.join(', ')}.`);
  }
  if (v.batches === undefined) throw fail(at, `'${at.join('.')}' needs 'batches' (the folder where production batches arrive).`, 'e.g. batches: data/production');
  const reference = v.reference === undefined || v.reference === null ? null : readPath(v.reference, [...at, 'reference'], fail, 'the reference data file');
  let model: string | null = null;
  if (v.model !== undefined && v.model !== null) {
    if (typeof v.model !== 'string' || v.model.trim() === '') throw fail([...at, 'model'], `'${at.join('.')}.model' must be the name of a registered model, got ${JSON.stringify(v.model)}.`, 'e.g. model: churn-model');
    if (reference !== null) throw fail([...at, 'model'], `'${at.join('.')}' has both 'reference' and 'model'.`, "Keep 'reference' to compare with a fixed file, or 'model' to compare with the training data of that model's production version.");
    model = v.model;
  }
  const batches = readPath(v.batches, [...at, 'batches'], fail, 'the folder of production batches');
  let pattern: string | null = null;
  if (v.pattern !== undefined && v.pattern !== null) {
    if (typeof v.pattern !== 'string' || v.pattern.trim() === '') throw fail([...at, 'pattern'], `'${at.join('.')}.pattern' must be a glob, e.g. '*.csv'.`, 'Quote it in YAML: pattern: "*.csv"');
    pattern = v.pattern;
  }
  return {
    name,
    reference,
    referencePath: reference === null ? null : path.resolve(root, reference),
    model,
    batches,
    batchesPath: path.resolve(root, batches),
    pattern,
    retrain: readRetrain(v.retrain, [...at, 'retrain'], fail),
    metrics: readMetrics(v.metrics, [...at, 'metrics'], fail),
    drift: parseDriftSection(v.drift, [...at, 'drift'], src, drift),
  };
}

/** Validated `monitoring:`; no datasets when the section is absent. */
export function monitoringFromConfig(config: WorkspaceConfig, root: string): MonitoringConfig {
  const raw = config.sections.monitoring;
  if (raw === undefined || raw === null) return { datasets: [] };
  const src = sectionSource(config, root);
  const fail = failer(src);
  const drift = driftSettingsFromConfig(config, root);
  if (!isMapping(raw)) throw fail(['monitoring'], "'monitoring' must be a mapping.", 'Example:\nmonitoring:\n  reference: data/raw/customers.csv\n  batches: data/production');
  if (raw.datasets !== undefined) {
    const others = Object.keys(raw).filter((k) => k !== 'datasets');
    if (others.length) throw fail(['monitoring', others[0]!], `'monitoring.${others[0]}' cannot stand next to 'monitoring.datasets'.`, 'Move it under the dataset it belongs to.');
    if (!isMapping(raw.datasets)) throw fail(['monitoring', 'datasets'], "'monitoring.datasets' must map dataset names to { reference, batches }.", 'Example:\n  datasets:\n    customers:\n      reference: data/raw/customers.csv\n      batches: data/production');
    return { datasets: Object.entries(raw.datasets).map(([name, v]) => readDataset(name, v, ['monitoring', 'datasets', name], root, src, drift)) };
  }
  return { datasets: [readDataset('default', raw, ['monitoring'], root, src, drift)] };
}
