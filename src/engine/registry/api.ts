/**
 * The contract of the model registry: what the extension (Models tree, registry panel) and the CLI
 * (`mlops models …`, `mlops audit …`) may ask. The implementation lives beside this file; consumers
 * import only these types and `openRegistry` (from `./registry.ts`).
 *
 * Vocabulary follows MLflow: a registered *model* has numbered *versions*; a version may carry any
 * number of *aliases* (`champion`, `staging`…, one version per alias per model) and exactly one
 * lifecycle *stage*. Every change goes through policy (who may) and gates (is the version good
 * enough), and leaves a hash-chained audit entry.
 *
 * Stability: this file only grows (new optional fields, new members); nothing is renamed or removed.
 */
import type { WorkspaceConfig } from '../config/config.ts';
import type { AuditEntry, AuditQuery, AuditVerification } from './auditApi.ts';
import type { MlopsError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { ArtifactRef, ParamValue, TrackingService } from '../tracking/api.ts';
import type { TransferResult } from '../versioning/api.ts';
import type { Versioning } from '../versioning/versioning.ts';

/** MLflow's lifecycle stages, spelled as MLflow spells them. */
export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';
export const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];

/** Where a model comes from. `mlflow` models are read from an `mlflow.db` and are read-only. */
export type ModelSource = 'mlops' | 'mlflow';

/**
 * What a person does, as the `policy` section names it. Stage moves are `promote:<stage in lower
 * case>` (`promote:staging`, `promote:production`, `promote:none`); `archive` is the move to the
 * Archived stage; alias moves are `alias:<name>`; `edit` covers description, tags and model card.
 */
export type RegistryAction =
  | 'register'
  | 'promote:none'
  | 'promote:staging'
  | 'promote:production'
  | 'archive'
  | `alias:${string}`
  | 'delete'
  | 'edit';

/** A promotion's destination: a stage or an alias. */
export type PromotionTarget =
  | { kind: 'stage'; stage: Stage }
  | { kind: 'alias'; alias: string };

// ---------------------------------------------------------------------------------------------
// Models and versions

export interface ModelSummary {
  /** Unique across sources: the plain name for `mlops` models, `mlflow:<name>` for MLflow ones. */
  id: string;
  name: string;
  source: ModelSource;
  /** Human label of the source: `registry`, `mlflow.db`. */
  sourceLabel: string;
  description: string;
  tags: Record<string, string>;
  /** ISO-8601 UTC. */
  createdAt: string;
  updatedAt: string;
  /** Highest version number ever registered (deleted versions keep their number). */
  latestVersion: number | null;
  /** Versions that exist now (deleted ones excluded). */
  versionCount: number;
  /** alias → version number. */
  aliases: Record<string, number>;
  /** stage → versions currently in it, ascending; stages with no versions are omitted. */
  stages: Partial<Record<Stage, number[]>>;
  readOnly: boolean;
}

/** What produced a version: the run, the code, the data, and what the run measured. */
export interface ModelLineage {
  /** Tracking run id (`mlops:<id>`, `mlflow:<exp>/<run>`…), or null when registered by hand. */
  runId: string | null;
  /** Snapshot of the run's identity at registration time (the run may be deleted later). */
  run: { name: string; experiment: string; status: string; startedAt: string | null; endedAt: string | null } | null;
  gitCommit: string | null;
  /** True when the working tree had uncommitted changes at registration. */
  gitDirty: boolean | null;
  /** Data the source run consumed, with content hashes (DVC 3 md5). */
  data: ArtifactRef[];
  /** Snapshot of the run's latest metrics and its params at registration time. */
  metrics: Record<string, number>;
  params: Record<string, ParamValue>;
}

/** One column/tensor of an MLflow signature. */
export interface SignatureField {
  name: string | null;
  type: string;
  /** Tensor shape when `type` is `tensor`. */
  shape?: number[];
  required?: boolean;
}

/** What an MLflow `MLmodel` file says (formats.md B.8). */
export interface MlmodelInfo {
  /** Workspace-relative path of the `MLmodel` file. */
  file: string;
  flavors: Array<{ name: string; details: Record<string, string> }>;
  signature: { inputs: SignatureField[] | null; outputs: SignatureField[] | null; params: SignatureField[] | null } | null;
  mlflowVersion: string | null;
  modelUuid: string | null;
  runId: string | null;
  createdAt: string | null;
  /** Problems reading the file; the rest is still shown. */
  warnings: string[];
}

export interface ModelVersion {
  model: string;
  /** 1, 2, 3… per model, never reused. */
  version: number;
  source: ModelSource;
  /** Workspace-relative POSIX path the artifact was registered from. */
  artifactPath: string;
  kind: 'file' | 'dir';
  /** DVC 3 md5 of the artifact (`.dir` suffix for folders); its content lives in the cache. */
  hash: string;
  size: number;
  nfiles: number | null;
  /** ISO-8601 UTC. */
  createdAt: string;
  /** Actor (git user.email or MLOPS_ACTOR) who registered it. */
  createdBy: string;
  updatedAt: string;
  description: string;
  tags: Record<string, string>;
  stage: Stage;
  aliases: string[];
  lineage: ModelLineage;
  mlmodel: MlmodelInfo | null;
  /** For MLflow versions: the `source` URI as MLflow stores it. */
  sourceUri?: string | null;
  readOnly: boolean;
}

/** `show` of one model: the summary plus every version, newest first. */
export interface ModelDetail extends ModelSummary {
  versions: ModelVersion[];
}

/** Where the content of a version is, right now. */
export type ArtifactAvailability = 'cached' | 'missing' | 'unknown';

// ---------------------------------------------------------------------------------------------
// Requests

export interface RegisterRequest {
  /** New or existing model. Letters, digits, `.`, `_`, `-`; starts with a letter or digit; ≤ 128 characters. */
  model: string;
  /** Workspace-relative (or absolute inside the workspace) file or folder. */
  path: string;
  /** Source run (`mlops:<id>`…). Omitted: the latest run whose outputs contain the artifact's hash, if any. */
  runId?: string | null;
  description?: string;
  tags?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RegisterResult {
  version: ModelVersion;
  /** False when the model already existed. */
  createdModel: boolean;
  /** Human notes: "no source run found", "working tree dirty"… */
  notes: string[];
  auditSeq: number;
}

/**
 * Race guard: the state the caller saw. For an alias, the version that held it (null = nobody);
 * for a stage, the stage the version was in. A mismatch means someone else changed it first.
 */
export interface ExpectedState {
  aliasHolder?: number | null;
  stage?: Stage;
}

export interface PromoteRequest {
  model: string;
  version: number;
  target: PromotionTarget;
  expected?: ExpectedState;
  /** Free text kept in the audit entry. */
  comment?: string;
  /** Evaluate policy and gates without changing anything (the UI's "Check"). */
  dryRun?: boolean;
  /** MLflow's `archive_existing_versions`: other versions in the target stage move to Archived. */
  archiveExisting?: boolean;
}

export interface CheckResult {
  /** Name from mlops.yaml (`name:`), or the expression text. */
  name: string;
  /** Expression as written, or the built-in check's name (`newer-than-current`). */
  expression: string;
  passed: boolean;
  /** Values the check read, e.g. `{ 'metrics.accuracy': 0.87 }`; null = missing. */
  values: Record<string, number | string | boolean | null>;
  /** One sentence: "metrics.accuracy = 0.87, needs >= 0.9". */
  detail: string;
  /** Where the check is written. */
  location?: { file: string; line?: number };
}

export interface PromotionResult {
  ok: boolean;
  dryRun: boolean;
  model: string;
  version: number;
  target: PromotionTarget;
  /** State before: the version's stage, or the alias holder. */
  from: { stage?: Stage; aliasHolder?: number | null };
  to: { stage?: Stage; aliasHolder?: number | null };
  checks: CheckResult[];
  /** Versions archived along the way (`archiveExisting`). */
  archived: number[];
  /** When !ok: one sentence naming the failed checks with their values. */
  message: string;
  /** Audit entry written (blocked promotions are audited too); undefined for dry runs. */
  auditSeq?: number;
}

// ---------------------------------------------------------------------------------------------
// Audit trail: auditApi.ts
export type { AuditAction, AuditEntry, AuditOutcome, AuditProblem, AuditQuery, AuditVerification } from './auditApi.ts';

// ---------------------------------------------------------------------------------------------
// Config, policy, model card

export interface PolicyDecision {
  allowed: boolean;
  actor: string;
  action: RegistryAction;
  /** Roles the actor has (empty when unknown). */
  roles: string[];
  /** "no policy section: everyone may do everything", or the rule that allowed/denied, with its line. */
  rule: string;
  location?: { file: string; line?: number };
}

export interface GateDefinition {
  name: string;
  expression: string;
  location?: { file: string; line?: number };
}

export interface RegistrySettings {
  /** Gates per target key: `staging`, `production`, `archived`, `none`, `alias:<name>`, `alias:*`. */
  gates: Record<string, GateDefinition[]>;
  /** Per-model extra gates (same keys). */
  modelGates: Record<string, Record<string, GateDefinition[]>>;
  /** Is a `policy` section present? */
  policyEnabled: boolean;
  /** JSONL mirror of the audit trail (default `.mlops/audit.jsonl`; null = off). */
  auditMirror: string | null;
  /** mlflow.db files read for the MLflow registry. */
  mlflowDbs: string[];
  /** Non-fatal findings with lines. */
  warnings: MlopsError[];
}

export interface ModelCard {
  model: string;
  markdown: string;
  /** True when nobody wrote one yet and `markdown` is generated from the registry data. */
  generated: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** A whole-source problem (locked or newer mlflow.db, bad config); the rest still works. */
export interface RegistryProblem {
  source: ModelSource | 'config';
  location: string;
  message: string;
}

export interface RestoreArtifactOptions {
  /** Workspace-relative destination; default: the path it was registered from. */
  target?: string;
  /** Overwrite uncached workspace content. */
  force?: boolean;
  /** Pull the object from this remote (default remote when `true`) if the cache lacks it. */
  pull?: boolean | string;
  signal?: AbortSignal;
}

export interface RestoreArtifactResult {
  path: string;
  hash: string;
  written: number;
  /** Objects fetched from the remote first. */
  pulled: number;
}

// ---------------------------------------------------------------------------------------------
// The service

export interface RegistryService {
  readonly root: string;
  /** Resolved actor (MLOPS_ACTOR, else git user.email, else `unknown@<host>`). */
  readonly actor: string;
  readonly settings: RegistrySettings;

  /** Ours first (by name), then MLflow's. */
  list(): ModelSummary[];
  /** `name` or `mlflow:<name>`; throws MlopsError('not-found') with the known names as hint. */
  show(model: string): ModelDetail;
  /** One version; throws MlopsError('not-found'). `ref` is a number, an alias, or `latest`. */
  getVersion(model: string, ref: number | string): ModelVersion;
  /** Is the version's content in the local cache? */
  availability(model: string, version: number): Promise<ArtifactAvailability>;

  register(request: RegisterRequest): Promise<RegisterResult>;
  /** Stage or alias move; gated, policy-checked, race-guarded, audited. Blocked → `ok: false`, not a throw. */
  promote(request: PromoteRequest): Promise<PromotionResult>;
  /** Shorthand for `promote` with an alias target. */
  setAlias(model: string, alias: string, version: number, options?: { expected?: ExpectedState; comment?: string; dryRun?: boolean }): Promise<PromotionResult>;
  removeAlias(model: string, alias: string, options?: { expectedHolder?: number | null; comment?: string }): Promise<AuditEntry>;
  /** Move to the Archived stage (gated like a promotion; removes the version's aliases). */
  archive(model: string, version: number, options?: { expected?: ExpectedState; comment?: string }): Promise<PromotionResult>;
  /** Remove a version (its number is never reused); the audit trail keeps the record. */
  delete(model: string, version: number, options?: { comment?: string }): Promise<AuditEntry>;
  /** Description and tags of a model (version omitted) or a version. */
  update(model: string, version: number | null, change: { description?: string; tags?: Record<string, string | null> }): Promise<AuditEntry>;

  getModelCard(model: string): ModelCard;
  setModelCard(model: string, markdown: string): Promise<AuditEntry>;

  /** Who may do what (no side effects; the UI uses it to disable actions). */
  can(action: RegistryAction, model?: string): PolicyDecision;
  /** The gates that would apply to a target, for display. */
  gatesFor(model: string, target: PromotionTarget): GateDefinition[];

  /** Put the version's artifact back into the workspace, pulling from a remote when asked. */
  restoreArtifact(model: string, version: number, options?: RestoreArtifactOptions): Promise<RestoreArtifactResult>;

  /** Upload the artifacts of registered versions (all, or one model's) to a versioning remote. */
  pushArtifacts(options?: { model?: string; remote?: string; signal?: AbortSignal }): Promise<TransferResult>;

  auditLog(query?: AuditQuery): AuditEntry[];
  verifyAudit(): Promise<AuditVerification>;

  /**
   * Cheap (one indexed query): has another process (the CLI) changed the registry since this
   * instance last looked? Fires onDidChange when it has. Meant for a timer or a watcher on the
   * audit mirror (`.mlops/audit.jsonl`), which grows with every change.
   */
  checkForChanges(): boolean;
  /** Re-read mlops.yaml and mlflow.db and notice changes made by another process (the CLI). */
  refresh(): Promise<{ problems: RegistryProblem[] }>;
  problems(): RegistryProblem[];
  /** Called after any change made here or noticed by `refresh`; returns an unsubscribe function. */
  onDidChange(listener: () => void): () => void;
  close(): void;
}

export interface RegistryOptions {
  /** Parsed mlops.yaml (src/engine/config/config.ts). */
  config: WorkspaceConfig;
  /** Stores artifacts in the cache and restores/pulls them. */
  versioning: Versioning;
  /** Source-run lookup; the registry works without it (no lineage beyond git and the artifact). */
  tracking?: TrackingService;
  /** Recorded with each audit entry: `extension`, `cli`, `test`. Default: the store's origin. */
  origin?: string;
  /** Override the actor (tests); otherwise MLOPS_ACTOR, then git config user.email. */
  actor?: string;
  /** Clock for tests. */
  now?: () => Date;
}

/** Signature of the factory in `./registry.ts` (re-exported there). */
export type OpenRegistry = (root: string, store: Store, options: RegistryOptions) => Promise<RegistryService>;
