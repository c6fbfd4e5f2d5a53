import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { parseYamlFile, type LocatedYaml } from './yamlDoc.ts';

export const CONFIG_FILE = 'mlops.yaml';
export const CONFIG_VERSION = 1;

/** Sections later capabilities own; the foundation only checks they are mappings. */
const SECTIONS = ['version', 'track', 'remotes', 'pipeline', 'experiments', 'registry', 'policy', 'monitoring', 'drift', 'checks'] as const;
type Section = (typeof SECTIONS)[number];

export interface TrackConfig {
  /** Workspace-relative files or folders versioned automatically. */
  paths: string[];
  /** Extra ignore globs on top of .git, .mlops and node_modules. */
  ignore: string[];
}

export interface WorkspaceConfig {
  version: number;
  track: TrackConfig;
  /** Raw sections for the capabilities that validate their own part. */
  sections: Partial<Record<Section, unknown>>;
  /** Where each value came from, for messages that name a line. */
  source?: LocatedYaml;
  /** Non-fatal findings (unknown keys…), each with a line. */
  warnings: MlopsError[];
}

export const DEFAULT_CONFIG: Readonly<WorkspaceConfig> = Object.freeze({
  version: CONFIG_VERSION,
  track: { paths: ['data', 'models'], ignore: [] },
  sections: {},
  warnings: [],
});

export function configPath(root: string): string {
  return path.join(root, CONFIG_FILE);
}

export function loadConfig(root: string): WorkspaceConfig {
  const file = configPath(root);
  if (!existsSync(file)) return structuredClone({ ...DEFAULT_CONFIG, warnings: [] });
  return parseConfig(file, readFileSync(file, 'utf8'));
}

export function parseConfig(file: string, text: string): WorkspaceConfig {
  const src = parseYamlFile(file, text);
  const raw: unknown = src.doc.toJS({ maxAliasCount: 100 });
  const err = (keyPath: Array<string | number>, message: string, hint: string) =>
    new MlopsError('config', message, { location: { file, line: src.lineOf(keyPath) }, hint });

  if (raw === null || raw === undefined) return { ...structuredClone({ ...DEFAULT_CONFIG, warnings: [] }), source: src };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw err([], `${path.basename(file)} must be a mapping of sections (version, track, …).`, 'Start the file with "version: 1".');
  }
  const obj = raw as Record<string, unknown>;
  const warnings: MlopsError[] = [];
  for (const key of Object.keys(obj)) {
    if (!(SECTIONS as readonly string[]).includes(key)) {
      warnings.push(err([key], `Unknown section '${key}' in ${path.basename(file)}.`, `Known sections: ${SECTIONS.join(', ')}.`));
    }
  }

  const version = obj.version ?? CONFIG_VERSION;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw err(['version'], `'version' must be an integer, got ${JSON.stringify(version)}.`, `Write "version: ${CONFIG_VERSION}".`);
  }
  if (version > CONFIG_VERSION) {
    throw err(['version'], `${path.basename(file)} is version ${version}; this MLOps Workbench reads up to ${CONFIG_VERSION}.`, 'Update the extension or the mlops CLI.');
  }

  const track = readTrack(obj.track, err);
  const sections: Partial<Record<Section, unknown>> = {};
  for (const s of SECTIONS) {
    if (s === 'version' || s === 'track' || obj[s] === undefined || obj[s] === null) continue;
    if (typeof obj[s] !== 'object') {
      throw err([s], `'${s}' must be a mapping or a list, got ${typeof obj[s]}.`, `See the commented template written by 'mlops init'.`);
    }
    sections[s] = obj[s];
  }
  return { version, track, sections, source: src, warnings };
}

function readTrack(
  value: unknown,
  err: (keyPath: Array<string | number>, message: string, hint: string) => MlopsError,
): TrackConfig {
  const track: TrackConfig = { paths: [...DEFAULT_CONFIG.track.paths], ignore: [] };
  if (value === undefined || value === null) return track;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw err(['track'], "'track' must be a mapping with 'paths' and 'ignore'.", 'Example:\ntrack:\n  paths: [data, models]');
  }
  const t = value as Record<string, unknown>;
  for (const key of ['paths', 'ignore'] as const) {
    const v = t[key];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.trim() === '')) {
      throw err(['track', key], `'track.${key}' must be a list of non-empty strings.`, `Example: ${key}: [${key === 'paths' ? 'data, models' : "'**/*.tmp'"}]`);
    }
    for (const [i, p] of (v as string[]).entries()) {
      if (key === 'paths' && (path.isAbsolute(p) || p.split(/[\\/]/).includes('..'))) {
        throw err(['track', key, i], `'track.paths' entry '${p}' leaves the workspace.`, 'Use a path relative to the workspace root, without "..".');
      }
    }
    track[key] = [...(v as string[])];
  }
  return track;
}

/** The commented config `init` writes. Every capability documents its section here. */
export const CONFIG_TEMPLATE = `# MLOps Workbench configuration (see the README, section "Configuration").
# Read by the VS Code extension and by the \`mlops\` CLI. Paths are relative to this file.
version: ${CONFIG_VERSION}

# Data and model files versioned automatically (DVC-compatible .dvc pointers and cache).
track:
  paths:
    - data
    - models
  # Extra ignore globs (.git, .mlops and node_modules are always ignored).
  ignore: []

# Remotes for pushing and pulling cached data, e.g.
# remotes:
#   default: shared
#   shared: { url: /mnt/team-share/mlops-cache }

# Drift settings and monitored datasets, e.g.
# drift:
#   share: 0.5                          # dataset drift when >= this share of columns drift
#   columns:
#     customer_id: { ignore: true }
# monitoring:
#   datasets:
#     customers:
#       reference: data/raw/customers.csv   # omit: training data of the Production model
#       batches: data/production            # every new file here gets a drift report
#       retrain: { stages: [train], auto: false }

# Experiments: MLflow stores and DVCLive folders read in place (mlruns/, mlflow.db found by themselves), e.g.
# experiments:
#   name: churn
#   mlflow: [../shared/mlflow.db]

# Model registry: checks a version must pass before it takes a stage or alias, e.g.
# registry:
#   gates:
#     production:
#       - metrics.accuracy >= 0.85
#       - drift.share < 0.3
#       - newer-than-current

# Registry policy: who may do what (omit: everyone may do everything), e.g.
# policy:
#   roles:
#     maintainer: [register, promote:staging, promote:production, archive]
#   people:
#     alice@example.com: maintainer

# Quality gates (mlops check, the Testing view): suites of data, feature and model checks, e.g.
# checks:
#   file: checks.yaml
`;
