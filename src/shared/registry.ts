/**
 * What the Model Registry panel and its host agree on: the pages (view models built on the host
 * from the registry service), the messages both ways and the requests the page makes.
 *
 * Metrics may be NaN or ±Infinity, which JSON cannot carry; they cross as `WireNumber`s
 * (src/shared/experiments.ts) and are decoded once in the page.
 */
import type {
  ArtifactAvailability, AuditEntry, AuditVerification, CheckResult, GateDefinition, ModelCard, ModelLineage, ModelSummary,
  ModelVersion, PolicyDecision, RegistryProblem, Stage,
} from '../engine/registry/api.ts';
import type { WireNumber, WireParam } from './experiments.ts';

/** A workspace folder as the page knows it: `key` is its URI, `name` what people read. */
export interface FolderRef {
  key: string;
  name: string;
}

/** Where the page is; the page keeps a back stack of these. */
export type RegistryRoute =
  | { page: 'models'; query?: string }
  | { page: 'model'; folder: string; model: string }
  | { page: 'version'; folder: string; model: string; version: number }
  | { page: 'audit'; folder: string; model?: string };

export type WireLineage = Omit<ModelLineage, 'metrics' | 'params'> & {
  metrics: Record<string, WireNumber>;
  params: Record<string, WireParam>;
};

export type WireVersion = Omit<ModelVersion, 'lineage'> & { lineage: WireLineage };

export type WireCheck = Omit<CheckResult, 'values'> & { values: Record<string, WireParam> };

/** An audit entry as shown (the chain's `prevHash` stays on the host). */
export type WireAuditEntry = Omit<AuditEntry, 'checks' | 'prevHash'> & { checks: WireCheck[] };

/** A promotion target with what would happen (a dry run), shown on the version page. */
export interface Readiness {
  /** `Staging`, `Production`, or `@alias`. */
  label: string;
  target: { kind: 'stage'; stage: Stage } | { kind: 'alias'; alias: string };
  gates: GateDefinition[];
  policy: PolicyDecision;
  /** Dry-run outcome; null when the version is already there or the dry run failed. */
  ok: boolean | null;
  message: string;
  checks: WireCheck[];
}

export interface ModelsPageData {
  page: 'models';
  folders: Array<{ folder: FolderRef; models: ModelSummary[]; problems: RegistryProblem[] }>;
}

export interface ModelPageData {
  page: 'model';
  folder: FolderRef;
  model: ModelSummary;
  /** Newest first. */
  versions: WireVersion[];
  /** Metric keys found in the versions, most common first. */
  metricKeys: string[];
  card: ModelCard;
}

export interface VersionPageData {
  page: 'version';
  folder: FolderRef;
  model: ModelSummary;
  version: WireVersion;
  /** The version registered before this one (by number), if any. */
  previous: WireVersion | null;
  /** The newest version in Production, when it is not this one. */
  production: WireVersion | null;
  availability: ArtifactAvailability;
  readiness: Readiness[];
  audit: WireAuditEntry[];
  card: ModelCard;
}

export interface AuditPageData {
  page: 'audit';
  folder: FolderRef;
  model: string | null;
  entries: WireAuditEntry[];
}

export type RegistryPageData = ModelsPageData | ModelPageData | VersionPageData | AuditPageData | { page: 'error'; message: string };

/** What the page renders: a route and the data for it. */
export interface RegistryView {
  route: RegistryRoute;
  data: RegistryPageData;
  /** Changes need a trusted workspace; the page disables them otherwise and says why. */
  trusted: boolean;
  /** Who changes are recorded as. */
  actor: string | null;
}

/** The page asks the host to do something that has its own UI (quick inputs, editors, notifications). */
export type RegistryAction =
  /** `seenStage`: the stage the page showed; if it changed meanwhile the promotion is refused as a race. */
  | { action: 'promote'; folder: string; model: string; version: number; stage?: Stage; seenStage?: Stage }
  | { action: 'setAlias'; folder: string; model: string; version: number; alias?: string }
  | { action: 'restore'; folder: string; model: string; version: number; pull?: boolean }
  | { action: 'editCard'; folder: string; model: string }
  | { action: 'reveal'; folder: string; model: string; version?: number }
  | { action: 'openCommit'; folder: string; commit: string }
  | { action: 'openRun'; folder: string; model: string; version: number }
  | { action: 'openData'; folder: string; path: string; hash: string | null }
  | { action: 'openArtifact'; folder: string; model: string; version: number }
  | { action: 'copy'; text: string }
  | { action: 'register' }
  | { action: 'openPolicy'; file: string; line?: number };

/** Page → host (besides `ready` and requests). */
export type RegistryToHost = { type: 'ready' } | ({ type: 'action' } & RegistryAction);

/** Host → page. */
export type RegistryToWebview =
  /** Show this (the host navigated: tree click, command). */
  | { type: 'show'; view: RegistryView }
  /** The registry changed; the page reloads its current route. */
  | { type: 'changed' };

/** Requests the page makes (method → params / result). */
export interface RegistryRequests {
  load: { params: RegistryRoute; result: RegistryView };
  /**
   * What the host shows now. A hidden panel's page is unloaded and messages to it are dropped;
   * when it loads again it asks, so a navigation made meanwhile (tree click) is not lost.
   */
  current: { params: Record<string, never>; result: RegistryView };
  verifyAudit: { params: { folder: string }; result: AuditVerification };
}
