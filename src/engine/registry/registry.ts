/**
 * The model registry service (contract: api.ts), shared by the extension and the CLI. State lives
 * in the store (migration 6); artifacts live in the versioning cache; every change passes the
 * policy (who may), the gates (is the version good enough) and a race check, and is appended to
 * the hash-chained audit trail in the same transaction.
 */
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config.ts';
import { MlopsError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { TrackingService } from '../tracking/api.ts';
import type { Versioning } from '../versioning/versioning.ts';
import type {
  ArtifactAvailability, AuditEntry, AuditQuery, AuditVerification, ExpectedState, GateDefinition, ModelCard, ModelDetail, ModelSummary,
  ModelVersion, PolicyDecision, PromoteRequest, PromotionResult, PromotionTarget, RegisterRequest, RegisterResult, RegistryAction,
  RegistryOptions, RegistryProblem, RegistryService, RegistrySettings, RestoreArtifactOptions, RestoreArtifactResult,
} from './api.ts';
import { appendAudit, auditHead, queryAudit, type AuditDraft } from './audit.ts';
import { generateCard } from './card.ts';
import { mlflowDbCandidates, readMlflowRegistry } from './mlflowRegistry.ts';
import { syncMirror } from './mirror.ts';
import { parseStage, parseVersionNumber, validateAlias, validateModelName, validateTagKey } from './names.ts';
import { decide, refusal } from './policy.ts';
import { notFoundVersion, observedState, promoteInTransaction, unknownModel } from './promote.ts';
import { insertVersion, prepareVersion } from './register.ts';
import { pushVersions, restoreArtifact } from './restore.ts';
import type { TransferResult } from '../versioning/api.ts';
import { loadModel, loadVersion, modelNames } from './rows.ts';
import { gateKey, parseRegistrySettings, type ParsedSettings } from './settings.ts';
import { verifyAudit } from './verify.ts';

export type * from './api.ts';

const summary = (m: ModelDetail): ModelSummary => {
  const { versions: _versions, ...rest } = m;
  return rest;
};

export class Registry implements RegistryService {
  readonly root: string;
  readonly actor: string;
  private parsed: ParsedSettings;
  private readonly store: Store;
  private readonly versioning: Versioning;
  private readonly tracking: TrackingService | undefined;
  private readonly origin: string;
  private readonly now: () => Date;
  private readonly listeners = new Set<() => void>();
  private mlflow: ModelDetail[] = [];
  private problemList: RegistryProblem[] = [];
  private seenHead = 0;

  constructor(root: string, store: Store, options: RegistryOptions, actor: string) {
    this.root = path.resolve(root);
    this.store = store;
    this.versioning = options.versioning;
    this.tracking = options.tracking;
    this.origin = options.origin ?? store.origin;
    this.now = options.now ?? (() => new Date());
    this.actor = actor;
    this.parsed = parseRegistrySettings(this.root, options.config);
    this.seenHead = auditHead(store.db)?.seq ?? 0;
    this.readMlflow();
  }

  get settings(): RegistrySettings {
    return this.parsed.settings;
  }

  private get db() {
    return this.store.db;
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  // ----- reads -------------------------------------------------------------------------------

  list(): ModelSummary[] {
    const ours = modelNames(this.db).map((n) => summary(loadModel(this.db, n)!));
    return [...ours, ...this.mlflow.map(summary)];
  }

  show(model: string): ModelDetail {
    if (model.startsWith('mlflow:')) {
      const m = this.mlflow.find((x) => x.id === model);
      if (!m) throw new MlopsError('not-found', `no MLflow registered model '${model.slice(7)}'`, { hint: this.mlflow.length ? `MLflow models: ${this.mlflow.map((x) => x.name).join(', ')}` : 'no mlflow.db with registered models was found' });
      return m;
    }
    validateModelName(model);
    const m = loadModel(this.db, model);
    if (!m) throw unknownModel(this.db, model);
    return m;
  }

  getVersion(model: string, ref: number | string): ModelVersion {
    const m = this.show(model);
    const text = String(ref).trim();
    const n = typeof ref === 'number' ? ref : parseVersionNumber(text);
    let found: ModelVersion | undefined;
    if (n !== undefined) found = m.versions.find((v) => v.version === n);
    else if (text.toLowerCase() === 'latest') found = m.versions[0];
    else if (Object.hasOwn(m.aliases, text.replace(/^@/, ''))) found = m.versions.find((v) => v.version === m.aliases[text.replace(/^@/, '')]);
    else {
      let stage;
      try { stage = parseStage(text); } catch { /* not a stage either */ }
      if (stage) found = m.versions.find((v) => v.stage === stage);
    }
    if (!found) {
      if (n !== undefined && m.source === 'mlops') throw notFoundVersion(this.db, m.name, n);
      throw new MlopsError('not-found', `${m.name} has no version ${JSON.stringify(text)}`, {
        hint: `use a number (${m.versions.map((v) => v.version).reverse().join(', ') || 'none yet'}), latest, a stage, or an alias (${Object.keys(m.aliases).join(', ') || 'none set'})`,
      });
    }
    return found;
  }

  async availability(model: string, version: number): Promise<ArtifactAvailability> {
    const v = this.getVersion(model, version);
    if (v.source !== 'mlops' || !v.hash) return 'unknown';
    return (await this.versioning.hasComplete(v.hash, 'md5')) ? 'cached' : 'missing';
  }

  can(action: RegistryAction): PolicyDecision {
    return decide(this.parsed.policy, this.actor, action);
  }

  gatesFor(model: string, target: PromotionTarget): GateDefinition[] {
    const key = target.kind === 'stage' ? target.stage.toLowerCase() : `alias:${target.alias}`;
    const keys = target.kind === 'alias' ? ['alias:*', key] : [key];
    const s = this.parsed.settings;
    return keys.flatMap((k) => [...(s.gates[k] ?? []), ...(s.modelGates[model]?.[k] ?? [])]);
  }

  getModelCard(model: string): ModelCard {
    const m = this.show(model);
    if (m.source === 'mlops') {
      const row = this.db.prepare('SELECT card, card_updated_at, card_updated_by FROM registered_models WHERE name = ?').get(m.name) as { card: string | null; card_updated_at: string | null; card_updated_by: string | null };
      if (row.card !== null) return { model: m.name, markdown: row.card, generated: false, updatedAt: row.card_updated_at, updatedBy: row.card_updated_by };
    }
    return { model: m.name, markdown: generateCard(m), generated: true, updatedAt: null, updatedBy: null };
  }

  auditLog(query?: AuditQuery): AuditEntry[] {
    return queryAudit(this.db, query);
  }

  verifyAudit(): Promise<AuditVerification> {
    return verifyAudit(this.store, this.mirrorFile());
  }

  problems(): RegistryProblem[] {
    return [...this.problemList];
  }

  // ----- writes ------------------------------------------------------------------------------

  /** Policy check; a refusal is audited, then thrown. */
  private authorize(action: RegistryAction, model: string, version: number | null, what: string): void {
    const d = this.can(action);
    if (d.allowed) return;
    this.commit((db) => appendAudit(db, {
      ...this.draft('refused', action, model, version), detail: { rule: d.rule, roles: d.roles, attempted: action },
    }));
    throw refusal(d, what);
  }

  private draft(outcome: AuditDraft['outcome'], action: RegistryAction | AuditDraft['action'], model: string, version: number | null): AuditDraft {
    const auditAction: AuditDraft['action'] = action === 'register' ? 'register' : action.startsWith('alias:') ? 'alias'
      : action === 'delete' ? 'delete' : action === 'edit' ? 'edit' : action === 'remove-alias' ? 'remove-alias' : action === 'restore' ? 'restore' : 'promote';
    return { at: this.stamp(), actor: this.actor, origin: this.origin, action: auditAction, outcome, model, version };
  }

  /** A write transaction, then the mirror and the listeners. */
  private commit<T>(fn: (db: Store['db']) => T): T {
    const result = this.store.write(fn);
    this.afterChange();
    return result;
  }

  private afterChange(): void {
    const file = this.mirrorFile();
    if (file) {
      try {
        const n = syncMirror(this.store, file);
        this.problemList = this.problemList.filter((p) => p.location !== file);
        if (n < 0) this.problemList.push({ source: 'config', location: file, message: "the audit mirror does not match the store; run 'mlops audit verify'" });
      } catch (e) {
        this.problemList.push({ source: 'config', location: file, message: `the audit mirror could not be written: ${(e as Error).message}` });
      }
    }
    this.seenHead = auditHead(this.db)?.seq ?? 0;
    this.fire();
  }

  private fire(): void {
    for (const l of [...this.listeners]) {
      try { l(); } catch { /* a listener's failure is not the registry's */ }
    }
  }

  private mirrorFile(): string | null {
    const m = this.parsed.settings.auditMirror;
    return m ? path.join(this.root, ...m.split('/')) : null;
  }

  async register(request: RegisterRequest): Promise<RegisterResult> {
    const model = validateModelName(request.model);
    for (const k of Object.keys(request.tags ?? {})) validateTagKey(k);
    this.authorize('register', model, null, `register a version of ${model}`);
    const prepared = await prepareVersion({ root: this.root, db: this.db, versioning: this.versioning, tracking: this.tracking, origin: this.origin }, request);
    const draft = this.draft('applied', 'register', model, null);
    const out = this.commit((db) => insertVersion(db, model, prepared, draft));
    return { version: loadVersion(this.db, model, out.version)!, createdModel: out.createdModel, notes: prepared.notes, auditSeq: out.auditSeq };
  }

  private actionFor(target: PromotionTarget): RegistryAction {
    if (target.kind === 'alias') return `alias:${target.alias}`;
    return target.stage === 'Archived' ? 'archive' : (`promote:${target.stage.toLowerCase()}` as RegistryAction);
  }

  async promote(request: PromoteRequest): Promise<PromotionResult> {
    const model = validateModelName(request.model);
    if (request.target.kind === 'alias') validateAlias(request.target.alias);
    if (!loadModel(this.db, model)) throw unknownModel(this.db, model);
    // What the caller could have seen, captured before anything else can interleave.
    const seen: ExpectedState = request.expected ?? observedState(this.db, request);
    if (!loadVersion(this.db, model, request.version)) throw notFoundVersion(this.db, model, request.version);
    const action = this.actionFor(request.target);
    const what = `${model} v${request.version} → ${request.target.kind === 'stage' ? request.target.stage : `@${request.target.alias}`}`;
    if (request.dryRun) {
      const d = this.can(action);
      if (!d.allowed) throw refusal(d, what);
    } else this.authorize(action, model, request.version, what);
    const env = { actor: this.actor, origin: this.origin, now: this.stamp(), gates: this.gatesFor(model, request.target), driftMonitor: this.parsed.driftMonitor };
    const run = (db: Store['db']): PromotionResult => promoteInTransaction(db, request, seen, env);
    return request.dryRun ? this.store.write(run) : this.commit(run);
  }

  setAlias(model: string, alias: string, version: number, options: { expected?: ExpectedState; comment?: string; dryRun?: boolean } = {}): Promise<PromotionResult> {
    return this.promote({ model, version, target: { kind: 'alias', alias }, ...options });
  }

  archive(model: string, version: number, options: { expected?: ExpectedState; comment?: string } = {}): Promise<PromotionResult> {
    return this.promote({ model, version, target: { kind: 'stage', stage: 'Archived' }, ...options });
  }

  async removeAlias(model: string, alias: string, options: { expectedHolder?: number | null; comment?: string } = {}): Promise<AuditEntry> {
    validateModelName(model);
    validateAlias(alias);
    const m = this.show(model);
    const holder = m.aliases[alias];
    if (holder === undefined) throw new MlopsError('not-found', `${model} has no alias '${alias}'`, { hint: `aliases: ${Object.keys(m.aliases).join(', ') || 'none'}` });
    this.authorize(`alias:${alias}`, model, holder, `remove alias '${alias}' of ${model}`);
    return this.commit((db) => {
      const now = db.prepare('SELECT version FROM model_aliases WHERE model = ? AND alias = ?').get(model, alias) as { version: number } | undefined;
      const expected = options.expectedHolder === undefined ? holder : options.expectedHolder;
      if ((now?.version ?? null) !== expected) {
        throw new MlopsError('refused', `alias '${alias}' of ${model} changed meanwhile (now ${now ? `v${now.version}` : 'unassigned'}, you expected ${expected === null ? 'nobody' : `v${expected}`})`, { hint: 'nothing was changed; refresh and try again' });
      }
      db.prepare('DELETE FROM model_aliases WHERE model = ? AND alias = ?').run(model, alias);
      return appendAudit(db, { ...this.draft('applied', 'remove-alias', model, holder), from: { alias, version: holder }, to: { alias, version: null }, detail: options.comment ? { comment: options.comment } : {} });
    });
  }

  async delete(model: string, version: number, options: { comment?: string } = {}): Promise<AuditEntry> {
    const v = this.getVersion(validateModelName(model), version);
    if (v.source !== 'mlops') throw new MlopsError('refused', 'MLflow models are read-only here', { hint: 'delete it with MLflow' });
    this.authorize('delete', model, version, `delete ${model} v${version}`);
    if (v.stage === 'Production') {
      throw new MlopsError('refused', `${model} v${version} is in Production; it cannot be deleted while it serves`, { hint: `archive it first: 'mlops models archive ${model} ${version}'` });
    }
    return this.commit((db) => {
      const cur = loadVersion(db, model, version);
      if (!cur) throw notFoundVersion(db, model, version);
      db.prepare('DELETE FROM model_versions WHERE model = ? AND version = ?').run(model, version);
      db.prepare('UPDATE registered_models SET updated_at = ? WHERE name = ?').run(this.stamp(), model);
      return appendAudit(db, {
        ...this.draft('applied', 'delete', model, version), from: { stage: cur.stage, aliases: cur.aliases, hash: cur.hash }, to: null,
        detail: { path: cur.artifactPath, hash: cur.hash, ...(options.comment ? { comment: options.comment } : {}) },
      });
    });
  }

  async update(model: string, version: number | null, change: { description?: string; tags?: Record<string, string | null> }): Promise<AuditEntry> {
    const m = this.show(validateModelName(model));
    if (version !== null && !m.versions.some((v) => v.version === version)) throw notFoundVersion(this.db, model, version);
    for (const k of Object.keys(change.tags ?? {})) validateTagKey(k);
    this.authorize('edit', model, version, `edit ${model}${version === null ? '' : ` v${version}`}`);
    return this.commit((db) => {
      const row = (version === null
        ? db.prepare('SELECT description, tags FROM registered_models WHERE name = ?').get(model)
        : db.prepare('SELECT description, tags FROM model_versions WHERE model = ? AND version = ?').get(model, version)) as { description: string; tags: string };
      const tags = JSON.parse(row.tags) as Record<string, string>;
      for (const [k, val] of Object.entries(change.tags ?? {})) if (val === null) delete tags[k]; else tags[k] = val;
      const description = change.description ?? row.description;
      const now = this.stamp();
      if (version === null) db.prepare('UPDATE registered_models SET description = ?, tags = ?, updated_at = ? WHERE name = ?').run(description, JSON.stringify(tags), now, model);
      else db.prepare('UPDATE model_versions SET description = ?, tags = ?, updated_at = ? WHERE model = ? AND version = ?').run(description, JSON.stringify(tags), now, model, version);
      return appendAudit(db, {
        ...this.draft('applied', 'edit', model, version),
        from: { description: row.description, tags: JSON.parse(row.tags) as Record<string, string> }, to: { description, tags }, detail: {},
      });
    });
  }

  async setModelCard(model: string, markdown: string): Promise<AuditEntry> {
    const m = this.show(validateModelName(model));
    if (typeof markdown !== 'string' || markdown.length > 1_000_000) throw new MlopsError('usage', 'a model card must be text of at most 1 MB');
    this.authorize('edit', m.name, null, `edit the model card of ${model}`);
    const { createHash } = await import('node:crypto');
    return this.commit((db) => {
      const now = this.stamp();
      db.prepare('UPDATE registered_models SET card = ?, card_updated_at = ?, card_updated_by = ?, updated_at = ? WHERE name = ?').run(markdown, now, this.actor, now, model);
      // The card itself can be long; the trail keeps its digest, enough to prove which text it was.
      return appendAudit(db, { ...this.draft('applied', 'edit', model, null), detail: { card: { sha256: createHash('sha256').update(markdown).digest('hex'), length: markdown.length } } });
    });
  }

  async restoreArtifact(model: string, version: number, options: RestoreArtifactOptions = {}): Promise<RestoreArtifactResult> {
    const v = this.getVersion(validateModelName(model), version);
    if (v.source !== 'mlops') throw new MlopsError('refused', 'MLflow model artifacts are restored with MLflow', { hint: `the source is ${v.sourceUri ?? 'unknown'}` });
    const result = await restoreArtifact(this.versioning, v, options);
    this.commit((db) => appendAudit(db, { ...this.draft('applied', 'restore', model, version), detail: { path: result.path, hash: result.hash, pulled: result.pulled } }));
    return result;
  }

  async pushArtifacts(options: { model?: string; remote?: string; signal?: AbortSignal } = {}): Promise<TransferResult> {
    const names = options.model === undefined ? modelNames(this.db) : [this.show(validateModelName(options.model)).name];
    const hashes = names.flatMap((n) => loadModel(this.db, n)!.versions.map((v) => v.hash));
    return pushVersions(this.versioning, hashes, options.remote, options.signal);
  }

  // ----- refresh and events ------------------------------------------------------------------

  private readMlflow(): void {
    this.mlflow = [];
    this.problemList = this.problemList.filter((p) => p.source !== 'mlflow' && p.source !== 'config');
    for (const w of this.parsed.settings.warnings) this.problemList.push({ source: 'config', location: w.location?.file ?? 'mlops.yaml', message: w.describe() });
    for (const file of mlflowDbCandidates(this.root, this.parsed.settings.mlflowDbs)) {
      const label = path.relative(this.root, file) || file;
      const r = readMlflowRegistry(file, label);
      this.mlflow.push(...r.models);
      this.problemList.push(...r.problems);
    }
  }

  checkForChanges(): boolean {
    const head = auditHead(this.db)?.seq ?? 0;
    if (head === this.seenHead) return false;
    this.seenHead = head;
    this.fire();
    return true;
  }

  async refresh(): Promise<{ problems: RegistryProblem[] }> {
    try {
      this.parsed = parseRegistrySettings(this.root, loadConfig(this.root));
    } catch (e) {
      // Keep the last good settings; the broken file is a problem to show, not a crash.
      this.readMlflow();
      this.problemList.push({ source: 'config', location: (e as MlopsError).location?.file ?? 'mlops.yaml', message: (e as Error).message });
      this.fire();
      return { problems: this.problems() };
    }
    this.readMlflow();
    this.seenHead = auditHead(this.db)?.seq ?? 0;
    this.fire();
    return { problems: this.problems() };
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
  }
}

/** MLOPS_ACTOR (CI), else git config user.email, else `unknown@<host>`. */
export async function resolveActor(versioning: Versioning, override?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const explicit = override ?? env.MLOPS_ACTOR;
  if (explicit && explicit.trim()) return explicit.trim();
  return (await versioning.git.actor()) ?? `unknown@${os.hostname()}`;
}

export async function openRegistry(root: string, store: Store, options: RegistryOptions): Promise<RegistryService> {
  const actor = await resolveActor(options.versioning, options.actor);
  return new Registry(root, store, options, actor);
}

/** Gate keys a config may use, for completion in editors. */
export { gateKey };
