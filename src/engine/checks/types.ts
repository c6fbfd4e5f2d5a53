/**
 * Quality gates: the model of declared checks (what mlops.yaml says) and of their results (what a
 * run measured). Plain JSON both ways, so the CLI, the Test Explorer and the reports read the same
 * thing. Data-controlled text (column names, values) stays in strings and arrays, never object keys.
 */
import type { MlopsError } from '../errors.ts';

/** 1-based line and column, as editors and the YAML library count them. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Where a suite or check is written: the file and the span of its YAML node. */
export interface SourceRange {
  file: string;
  start: SourcePosition;
  end: SourcePosition;
}

export const DATA_RULES = ['schema', 'rows', 'range', 'categories', 'missing', 'unique', 'regex', 'freshness'] as const;
export const MODEL_RULES = ['metric', 'drift'] as const;
export type DataRuleKind = (typeof DATA_RULES)[number];
export type ModelRuleKind = (typeof MODEL_RULES)[number];
export type RuleKind = DataRuleKind | ModelRuleKind;

export type ExpectedType = 'integer' | 'float' | 'number' | 'string' | 'boolean' | 'datetime' | 'any';
export const EXPECTED_TYPES: readonly ExpectedType[] = ['integer', 'float', 'number', 'string', 'boolean', 'datetime', 'any'];

export type DataRule =
  | { kind: 'schema'; columns: Array<{ name: string; type: ExpectedType }>; allowExtra: boolean }
  | { kind: 'rows'; min: number | null; max: number | null }
  | { kind: 'range'; column: string; min: number | null; max: number | null; exclusive: boolean }
  | { kind: 'categories'; column: string; allowed: string[] }
  | { kind: 'missing'; column: string; max: number }
  | { kind: 'unique'; columns: string[] }
  | { kind: 'regex'; column: string; pattern: string; regex: RegExp }
  /** File age, or the newest value of a timestamp column, at most `maxAgeMs` old. */
  | { kind: 'freshness'; maxAgeMs: number; maxAge: string; column: string | null };

export type ModelRule =
  | { kind: 'metric'; expression: string }
  | {
      kind: 'drift';
      expression: string;
      /** A checks dataset name or a path: the current data. */
      dataset: string | null;
      /** A checks dataset name or a path; default the dataset's own `reference`. */
      reference: string | null;
      /** A monitored dataset (mlops.yaml monitoring:): use its latest stored report. */
      monitor: string | null;
    };

export type Rule = DataRule | ModelRule;

export type Severity = 'error' | 'warn';

export interface CheckDef {
  /** `<suite>/<check>`, stable while the YAML keeps the check's name or rule and column. */
  id: string;
  /** The check's part of the id. */
  key: string;
  suite: string;
  /** Shown in the Test Explorer and the reports: `name:` or one made from the rule. */
  name: string;
  description?: string;
  severity: Severity;
  /** Undefined when the definition itself is wrong; then `error` says why. */
  rule?: Rule;
  /** The rule key as written (`range`, `metric`…), also when it could not be read. */
  kind: RuleKind | 'unknown';
  /** A mistake in this check's definition (file and line); the check is reported as errored. */
  error?: MlopsError;
  range: SourceRange;
}

/** What a data suite reads: a dataset file, or the data outputs of a pipeline stage. */
export type SuiteTarget =
  | { kind: 'dataset'; /** As written: a dataset name or a path. */ ref: string }
  | { kind: 'stage'; stage: string; /** Glob over paths inside the stage's outputs. */ files: string | null; pipeline: string | null }
  | { kind: 'none' };

/** Which run model checks read. */
export type RunSelector =
  | { kind: 'latest'; experiment: string | null }
  /** The metrics files dvc.yaml declares, as they are in the workspace now (`dvc metrics show`). */
  | { kind: 'workspace' }
  | { kind: 'run'; id: string };

export type BaselineSource =
  | { kind: 'run'; id: string }
  | { kind: 'latest'; experiment: string | null }
  | { kind: 'file'; path: string };

export interface SuiteDef {
  name: string;
  description?: string;
  target: SuiteTarget;
  run: RunSelector;
  baseline: BaselineSource | null;
  /** Registry model whose Production version `production.*` names (default: the only model). */
  model: string | null;
  checks: CheckDef[];
  /** A mistake in the suite's own keys: every check of the suite is errored with it. */
  error?: MlopsError;
  range: SourceRange;
}

export interface DatasetDef {
  name: string;
  path: string;
  /** Reference data for drift checks: another dataset name or a path. */
  reference: string | null;
  line?: number;
}

export interface ChecksConfig {
  /** The file the checks are written in (mlops.yaml or the file its `checks:` names). */
  file: string;
  /** mlops.yaml, when the checks live in a separate file. */
  configFile: string;
  datasets: DatasetDef[];
  suites: SuiteDef[];
  /** Non-fatal notes (e.g. no checks declared). */
  warnings: MlopsError[];
}

// ---------------------------------------------------------------------------------------------
// Results

export type CheckStatus = 'passed' | 'failed' | 'errored';

/** Where to look: a data file (line of the first offending row) or a run. */
export type CheckLink =
  | { kind: 'file'; path: string; line?: number; label: string }
  | { kind: 'run'; runId: string; label: string; gitCommit?: string | null }
  | { kind: 'drift-report'; reportId: number | null; label: string; path?: string; /** The monitored dataset a stored report belongs to. */ dataset?: string }
  | { kind: 'model'; model: string; version: number; runId: string | null; label: string };

/** A value that took part in a model check, for the metric-delta summary. */
export interface MetricValue {
  name: string;
  value: number | string | boolean | null;
}

export interface CheckResult {
  id: string;
  suite: string;
  name: string;
  kind: RuleKind | 'unknown';
  severity: Severity;
  status: CheckStatus;
  /**
   * errored only: `config` = the check (or the checks file) is written wrongly; `runtime` = it could
   * not be measured (file missing, empty dataset, no finished run).
   */
  errorKind?: 'config' | 'runtime';
  /** One sentence a person can act on. */
  message: string;
  /** The rule, e.g. `≤ 5 % missing`, `accuracy >= 0.9`. */
  expected?: string;
  /** What was measured, e.g. `19.1 % missing (153 of 800 rows)`. */
  actual?: string;
  /** The main measured number (for sorting and deltas); null when not numeric. */
  measured?: number | null;
  /** Offending values, per-file lines, hints. */
  details: string[];
  links: CheckLink[];
  /** Model checks: each name the expression read and its value. */
  values?: MetricValue[];
  /** Hint from an MlopsError. */
  hint?: string;
  range: SourceRange;
  durationMs: number;
}

export interface SuiteResult {
  name: string;
  description?: string;
  /** What was checked: dataset paths with row counts, or the run. */
  subject: string;
  status: CheckStatus;
  checks: CheckResult[];
  /** Model suites: the run that was read, for links and the delta table. */
  run?: { id: string; name: string; experiment: string; gitCommit: string | null; source: string };
  /** Model suites: metric → current, baseline and production values. */
  deltas?: MetricDelta[];
  durationMs: number;
}

export interface MetricDelta {
  metric: string;
  current: number | null;
  baseline: number | null;
  production: number | null;
}

export interface ChecksReport {
  version: 1;
  createdAt: string;
  root: string;
  /** The checks file, workspace-relative. */
  file: string;
  status: CheckStatus;
  /** Counts over every check that ran. */
  totals: { checks: number; passed: number; failed: number; errored: number; warned: number };
  suites: SuiteResult[];
  durationMs: number;
}
