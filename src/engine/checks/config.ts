/**
 * The `checks:` section of mlops.yaml, or the file it names (`checks: { file: checks.yaml }`):
 *
 *   checks:
 *     datasets:
 *       customers: data/raw/customers.csv
 *       batch: { path: data/production/batch-01.csv, reference: customers }
 *     suites:
 *       raw-data:
 *         dataset: customers
 *         checks:
 *           - rows: { min: 1000 }
 *           - range: { column: age, min: 18, max: 85 }
 *       model:
 *         checks:
 *           - metric: accuracy >= 0.8
 *           - drift: drift.share < 0.3
 *             dataset: batch
 *
 * A mistake inside one check makes that check errored (with its file and line) and leaves the rest
 * runnable; only a file that cannot be read as a whole (YAML syntax, wrong top-level shape) throws.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { loadConfig, type WorkspaceConfig } from '../config/config.ts';
import { parseYamlFile } from '../config/yamlDoc.ts';
import { suggest } from '../pipeline/suggest.ts';
import { Located } from './located.ts';
import { parseRule, ruleName, ruleKey, RULE_EXTRA_KEYS } from './rules.ts';
import type { BaselineSource, CheckDef, ChecksConfig, DatasetDef, RuleKind, RunSelector, Severity, SuiteDef, SuiteTarget } from './types.ts';
import { DATA_RULES, MODEL_RULES } from './types.ts';

const TOP_KEYS = ['datasets', 'suites'] as const;
const SUITE_KEYS = ['description', 'dataset', 'stage', 'files', 'pipeline', 'run', 'experiment', 'baseline', 'model', 'checks'] as const;
const COMMON_CHECK_KEYS = ['name', 'description', 'severity'] as const;
const ALL_RULES: readonly RuleKind[] = [...DATA_RULES, ...MODEL_RULES];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const EXAMPLE = `checks:
  suites:
    raw-data:
      dataset: data/raw/customers.csv
      checks:
        - rows: { min: 1000 }
        - missing: { column: total_charges, max: 0.05 }`;

/** Read the checks of the workspace at `root` (its mlops.yaml is read unless given). */
export function loadChecks(root: string, config: WorkspaceConfig = loadConfig(root)): ChecksConfig {
  const configFile = config.source?.file ?? path.join(root, 'mlops.yaml');
  const empty: ChecksConfig = { file: configFile, configFile, datasets: [], suites: [], warnings: [] };
  const src = config.source;
  if (!src || config.sections.checks === undefined) return empty;
  const top = new Located(src.file, src.doc, src.lines, src.doc.contents as never, []);
  let section = top.get('checks');
  if (!section) return empty;
  let file = src.file;

  const pointer = section.isMap() ? section.get('file') : undefined;
  if (pointer) {
    const extra = section.entries().filter(([k]) => k !== 'file');
    if (extra.length) throw extra[0]![1].fail(`'checks' names a file, so '${extra[0]![0]}' cannot be set here too.`, 'Move the other keys into the checks file.');
    const rel = pointer.value();
    if (typeof rel !== 'string' || rel.trim() === '') throw pointer.fail(`'checks.file' must be the path of a YAML file, got ${JSON.stringify(rel)}.`, 'e.g. checks: { file: checks.yaml }');
    file = path.resolve(root, rel);
    if (!existsSync(file)) throw pointer.fail(`The checks file ${rel} does not exist.`, `Create it (see the README, "Quality gates"), or fix the path; it is relative to ${path.basename(configFile)}.`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new MlopsError('io', `Cannot read the checks file ${rel}: ${(e as Error).message}`, { location: { file }, cause: e });
    }
    const parsed = parseYamlFile(file, text);
    section = new Located(file, parsed.doc, parsed.lines, parsed.doc.contents as never, []);
    if (section.node === null) return { ...empty, file };
  }
  return parseSection(section, file, configFile);
}

function parseSection(section: Located, file: string, configFile: string): ChecksConfig {
  if (!section.isMap()) throw section.fail(`The checks ${section.path.length ? "section" : 'file'} must be a mapping with 'suites' (and optionally 'datasets').`, `Example:\n${EXAMPLE}`);
  for (const [key, node] of section.entries()) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      throw node.fail(`Unknown key '${key}' in the checks ${section.path.length ? 'section' : 'file'}.`, suggest(key, TOP_KEYS) ?? `Known keys: ${TOP_KEYS.join(', ')}.`);
    }
  }
  const datasets = readDatasets(section.get('datasets'));
  const suitesNode = section.get('suites');
  const suites: SuiteDef[] = [];
  const warnings: MlopsError[] = [];
  if (!suitesNode || suitesNode.node === null) {
    warnings.push(section.fail('No check suites are declared.', `Add suites, e.g.\n${EXAMPLE}`));
  } else if (!suitesNode.isMap()) {
    throw suitesNode.fail("'suites' must be a mapping of suite names to suites.", `Example:\n${EXAMPLE}`);
  } else {
    for (const [name, node] of suitesNode.entries()) suites.push(readSuite(name, node, datasets));
  }
  return { file, configFile, datasets, suites, warnings };
}

function readDatasets(node: Located | undefined): DatasetDef[] {
  if (!node || node.node === null) return [];
  if (!node.isMap()) throw node.fail("'datasets' must map names to paths.", 'e.g.\n  datasets:\n    customers: data/raw/customers.csv\n    batch: { path: data/production/batch-06.csv, reference: customers }');
  const out: DatasetDef[] = [];
  for (const [name, v] of node.entries()) {
    if (!NAME.test(name)) throw v.fail(`Dataset name ${JSON.stringify(name)} is not usable.`, 'Use letters, digits, "_", "." and "-", starting with a letter or digit.');
    const value = v.value();
    if (typeof value === 'string' && value.trim() !== '') {
      out.push({ name, path: value, reference: null, line: v.line });
      continue;
    }
    if (!v.isMap()) throw v.fail(`Dataset '${name}' must be a path or { path, reference }.`, 'e.g. batch: { path: data/production/batch-06.csv, reference: customers }');
    for (const [k, kv] of v.entries()) {
      if (k !== 'path' && k !== 'reference') throw kv.fail(`Unknown key '${k}' in dataset '${name}'.`, suggest(k, ['path', 'reference']) ?? 'Known keys: path, reference.');
    }
    const p = v.get('path')?.value();
    if (typeof p !== 'string' || p.trim() === '') throw (v.get('path') ?? v).fail(`Dataset '${name}' needs a 'path'.`, 'e.g. path: data/production/batch-06.csv');
    const ref = v.get('reference')?.value();
    if (ref !== undefined && ref !== null && (typeof ref !== 'string' || ref.trim() === '')) throw v.get('reference')!.fail(`'reference' of dataset '${name}' must be a dataset name or a path.`, 'e.g. reference: customers');
    out.push({ name, path: p, reference: typeof ref === 'string' ? ref : null, line: v.line });
  }
  return out;
}

function readSuite(name: string, node: Located, datasets: DatasetDef[]): SuiteDef {
  const suite: SuiteDef = { name, target: { kind: 'none' }, run: { kind: 'latest', experiment: null }, baseline: null, model: null, checks: [], range: node.range() };
  const fail = (at: Located, message: string, hint?: string): SuiteDef => ({ ...suite, error: at.fail(message, hint) });
  if (!NAME.test(name)) return fail(node, `Suite name ${JSON.stringify(name)} is not usable.`, 'Use letters, digits, "_", "." and "-", starting with a letter or digit (it is also the CLI argument).');
  if (!node.isMap()) return fail(node, `Suite '${name}' must be a mapping with 'checks'.`, `Example:\n${EXAMPLE}`);
  // The checks are read first, so that a suite-level mistake still lists every check (errored).
  const checksNode = node.get('checks');
  if (checksNode?.isSeq()) suite.checks = readChecks(name, checksNode);
  try {
    for (const [k, v] of node.entries()) {
      if (!(SUITE_KEYS as readonly string[]).includes(k)) throw v.fail(`Unknown key '${k}' in suite '${name}'.`, suggest(k, SUITE_KEYS) ?? `Known keys: ${SUITE_KEYS.join(', ')}.`);
    }
    if (!checksNode || !checksNode.isSeq()) throw (checksNode ?? node).fail(`Suite '${name}' needs 'checks': a list of checks.`, `Example:\n${EXAMPLE}`);
    if (checksNode.items().length === 0) throw checksNode.fail(`Suite '${name}' has no checks.`, 'Add at least one check, or remove the suite.');
    const description = node.get('description')?.value();
    if (description !== undefined && description !== null) suite.description = String(description);
    suite.target = readTarget(name, node, datasets);
    suite.run = readRun(node);
    suite.baseline = readBaseline(node.get('baseline'));
    const model = node.get('model');
    if (model && model.value() !== null) {
      if (typeof model.value() !== 'string') throw model.fail(`'model' of suite '${name}' must be a registered model name.`, 'e.g. model: churn-model');
      suite.model = model.value() as string;
    }
  } catch (e) {
    if (e instanceof MlopsError) return { ...suite, error: e };
    throw e;
  }
  return suite;
}

function str(node: Located | undefined, what: string, hint: string): string | null {
  if (!node || node.node === null) return null;
  const v = node.value();
  if (typeof v !== 'string' || v.trim() === '') throw node.fail(`'${node.label}' must be ${what}, got ${JSON.stringify(v)}.`, hint);
  return v;
}

function readTarget(name: string, node: Located, datasets: DatasetDef[]): SuiteTarget {
  const dataset = str(node.get('dataset'), 'a dataset name or a path', 'e.g. dataset: data/raw/customers.csv');
  const stage = str(node.get('stage'), 'a stage name from dvc.yaml', 'e.g. stage: featurize');
  const files = str(node.get('files'), 'a glob', "e.g. files: 'data/features/*.csv'");
  const pipeline = str(node.get('pipeline'), 'the path of a dvc.yaml', 'e.g. pipeline: dvc.yaml');
  if (dataset !== null && stage !== null) throw node.get('stage')!.fail(`Suite '${name}' names both a dataset and a stage.`, 'A suite checks one thing: split it into two suites.');
  if (files !== null && stage === null) throw node.get('files')!.fail(`'files' of suite '${name}' selects among a stage's outputs, but the suite names no stage.`, 'Add stage: <name>, or use dataset: <path>.');
  if (dataset !== null) {
    if (!datasets.some((d) => d.name === dataset) && !/[./\\]/.test(dataset)) {
      const hint = suggest(dataset, datasets.map((d) => d.name));
      throw node.get('dataset')!.fail(`Suite '${name}' names dataset '${dataset}', which is not in 'datasets' and does not look like a path.`, hint ?? `Declare it under checks.datasets, or write its path (e.g. data/${dataset}.csv).`);
    }
    return { kind: 'dataset', ref: dataset };
  }
  if (stage !== null) return { kind: 'stage', stage, files, pipeline };
  return { kind: 'none' };
}

function readRun(node: Located): RunSelector {
  const run = node.get('run');
  const experiment = str(node.get('experiment'), 'an experiment name', 'e.g. experiment: churn');
  const v = run?.value();
  if (run === undefined || v === null || v === 'latest') return { kind: 'latest', experiment };
  if (typeof v !== 'string' || v.trim() === '') throw run.fail(`'run' must be latest, workspace or a run id, got ${JSON.stringify(v)}.`, 'latest: the newest finished run; workspace: the metrics files dvc.yaml declares.');
  if (experiment !== null) throw node.get('experiment')!.fail("'experiment' only applies to run: latest.", 'Remove it, or set run: latest.');
  return v === 'workspace' ? { kind: 'workspace' } : { kind: 'run', id: v };
}

function readBaseline(node: Located | undefined): BaselineSource | null {
  if (!node || node.node === null) return null;
  const v = node.value();
  if (typeof v === 'string') {
    if (v === 'latest') return { kind: 'latest', experiment: null };
    return /\.(json|ya?ml)$/i.test(v) ? { kind: 'file', path: v } : { kind: 'run', id: v };
  }
  if (!node.isMap()) throw node.fail("'baseline' must be a run id, a metrics file, or { run | file | experiment }.", 'e.g. baseline: { file: metrics/baseline.json }');
  const keys = node.entries().map(([k]) => k);
  for (const [k, kv] of node.entries()) if (!['run', 'file', 'experiment'].includes(k)) throw kv.fail(`Unknown key '${k}' in 'baseline'.`, suggest(k, ['run', 'file', 'experiment']) ?? 'Known keys: run, file, experiment.');
  if (keys.length !== 1) throw node.fail("'baseline' takes exactly one of run, file, experiment.", 'e.g. baseline: { run: mlops:9f1c… }');
  const k = keys[0]!;
  const value = str(node.get(k), k === 'file' ? 'a metrics file (JSON or YAML)' : k === 'run' ? 'a run id' : 'an experiment name', 'e.g. baseline: { file: metrics/baseline.json }')!;
  return k === 'file' ? { kind: 'file', path: value } : k === 'run' ? { kind: 'run', id: value } : { kind: 'latest', experiment: value };
}

function readChecks(suite: string, list: Located): CheckDef[] {
  const out: CheckDef[] = [];
  const used = new Map<string, number>();
  for (const item of list.items()) {
    const def = readCheck(suite, item);
    // Repeated keys get #2, #3… so ids stay unique and stable while the order is kept.
    const n = (used.get(def.key) ?? 0) + 1;
    used.set(def.key, n);
    if (n > 1) {
      def.key = `${def.key}#${n}`;
      def.id = `${suite}/${def.key}`;
    }
    out.push(def);
  }
  return out;
}

function readCheck(suite: string, item: Located): CheckDef {
  const range = item.range();
  const base = (key: string, name: string, kind: RuleKind | 'unknown', error?: MlopsError): CheckDef => ({
    id: `${suite}/${key}`, key, suite, name, kind, severity: 'error', range, ...(error ? { error } : {}),
  });
  if (typeof item.value() === 'string') {
    // `- unique` style, as dbt writes tests without arguments: name the rule's missing part.
    const word = item.value() as string;
    const kind = (ALL_RULES as readonly string[]).includes(word) ? (word as RuleKind) : 'unknown';
    return base(`line-${range.start.line}`, word, kind, item.fail(`Check '${word}' needs its settings, e.g. - ${kind === 'unknown' ? 'rows' : kind}: ${kind === 'metric' || kind === 'drift' ? 'accuracy >= 0.9' : '{ … }'}.`, kind === 'unknown' ? `Known checks: ${ALL_RULES.join(', ')}.` : undefined));
  }
  if (!item.isMap()) return base(`line-${range.start.line}`, `check at line ${range.start.line}`, 'unknown', item.fail('A check must be a mapping such as - range: { column: age, min: 0 }.', `Known checks: ${ALL_RULES.join(', ')}.`));
  const entries = item.entries();
  const ruleKeys = entries.filter(([k]) => (ALL_RULES as readonly string[]).includes(k));
  const nameNode = item.get('name');
  const explicitName = typeof nameNode?.value() === 'string' && (nameNode.value() as string).trim() !== '' ? (nameNode.value() as string) : undefined;
  if (ruleKeys.length !== 1) {
    const unknown = entries.find(([k]) => !(ALL_RULES as readonly string[]).includes(k) && !(COMMON_CHECK_KEYS as readonly string[]).includes(k) && !RULE_EXTRA_KEYS.drift.includes(k));
    const label = explicitName ?? `check at line ${range.start.line}`;
    const msg = ruleKeys.length === 0
      ? unknown
        ? `Unknown check '${unknown[0]}'.`
        : 'This check names no rule.'
      : `This check names ${ruleKeys.length} rules (${ruleKeys.map(([k]) => k).join(', ')}); one check has one rule.`;
    const hint = ruleKeys.length === 0 && unknown ? (suggest(unknown[0], ALL_RULES) ?? `Known checks: ${ALL_RULES.join(', ')}.`) : 'Split it into one list item per rule.';
    return base(explicitName ?? `line-${range.start.line}`, label, ruleKeys[0]?.[0] as RuleKind ?? 'unknown', (unknown?.[1] ?? item).fail(msg, hint));
  }
  const [kindText, ruleNode] = ruleKeys[0]!;
  const kind = kindText as RuleKind;
  const fallbackKey = `${kind}@${range.start.line}`;
  try {
    const allowed = [...COMMON_CHECK_KEYS, kind, ...(RULE_EXTRA_KEYS[kind] ?? [])];
    for (const [k, v] of entries) {
      if (!allowed.includes(k)) throw v.fail(`'${k}' does not apply to a ${kind} check.`, suggest(k, allowed) ?? `Keys here: ${allowed.join(', ')}.`);
    }
    if (nameNode && explicitName === undefined && nameNode.value() !== null) throw nameNode.fail("'name' must be text.", "e.g. name: 'age is plausible'");
    const rule = parseRule(kind, ruleNode, item);
    const severity = readSeverity(item.get('severity'));
    const key = explicitName ?? ruleKey(rule);
    const description = item.get('description')?.value();
    return { ...base(key, explicitName ?? ruleName(rule), kind), rule, severity, ...(description ? { description: String(description) } : {}) };
  } catch (e) {
    if (!(e instanceof MlopsError)) throw e;
    return base(explicitName ?? fallbackKey, explicitName ?? `${kind} (line ${range.start.line})`, kind, e);
  }
}

function readSeverity(node: Located | undefined): Severity {
  const v = node?.value();
  if (v === undefined || v === null || v === 'error') return 'error';
  if (v === 'warn' || v === 'warning') return 'warn';
  throw node!.fail(`'severity' must be error or warn, got ${JSON.stringify(v)}.`, 'warn: reported, but does not fail the gate.');
}

/** The suites a CLI argument or a Test Explorer item selects: `suite` or `suite/check-key`. */
export function selectChecks(config: ChecksConfig, selectors: readonly string[]): { suites: SuiteDef[]; unknown: string[] } {
  if (selectors.length === 0) return { suites: config.suites, unknown: [] };
  const picked = new Map<string, Set<string> | 'all'>();
  const unknown: string[] = [];
  for (const sel of selectors) {
    const suite = config.suites.find((s) => s.name === sel);
    if (suite) {
      picked.set(suite.name, 'all');
      continue;
    }
    const check = config.suites.flatMap((s) => s.checks).find((c) => c.id === sel);
    if (!check) {
      unknown.push(sel);
      continue;
    }
    const have = picked.get(check.suite);
    if (have === 'all') continue;
    picked.set(check.suite, (have ?? new Set()).add(check.id));
  }
  const suites = config.suites
    .filter((s) => picked.has(s.name))
    .map((s) => {
      const p = picked.get(s.name)!;
      return p === 'all' ? s : { ...s, checks: s.checks.filter((c) => p.has(c.id)) };
    });
  return { suites, unknown };
}
